//! Makes the writer's commits durable off its thread. The engine's writer commits without
//! waiting for the disk (`store::wal::defer_log_sync`) and hands this thread the answers of the
//! commit; it syncs the log, then answers. Meanwhile the writer is already applying the next
//! deliveries: the disk's wait (0.2-0.3 ms on this machine when idle, about 1 ms under the
//! ingest bench's load, far more on a disk without a write cache) no longer holds it.
//! A 200 still means on disk: an answer is given only after a sync that began after its commit,
//! and one sync answers every commit before it.

use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Tells a caller that what it waited for is durable.
pub type Answer = Box<dyn FnOnce() + Send>;

pub struct Syncer {
    tx: Option<mpsc::Sender<Vec<Answer>>>,
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    /// Starts the thread that syncs the log of the database at `db`; the writer's connection
    /// must be open (the log exists), and nothing committed yet with a deferred sync.
    pub fn start(db: &Path) -> std::io::Result<Syncer> {
        let log = wabox_store::wal::open_log(db)?;
        Syncer::with(move || wabox_store::wal::sync_log(&log))
    }

    /// The thread, with `sync` as the way to reach the disk (the tests count the calls).
    pub fn with(
        sync: impl Fn() -> std::io::Result<()> + Send + 'static,
    ) -> std::io::Result<Syncer> {
        let (tx, rx) = mpsc::channel::<Vec<Answer>>();
        let thread = std::thread::Builder::new()
            .name("wabox-sync".into())
            .spawn(move || run(rx, sync))?;
        Ok(Syncer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Answers once what is committed now is on disk. Call it after the commit.
    pub fn after_sync(&self, answers: Vec<Answer>) {
        if answers.is_empty() {
            return;
        }
        if let Some(tx) = &self.tx
            && let Err(mpsc::SendError(answers)) = tx.send(answers)
        {
            // The thread is gone (it stops the process when a sync fails, so this is the
            // process ending): nobody may hear "done" for what may not be on disk.
            drop(answers);
        }
    }
}

impl Drop for Syncer {
    /// Syncs and answers what is still waiting, then ends the thread.
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Answers once what is committed now is durable: after the syncer's next sync, or at once
/// without one (a writer whose commits wait for the disk themselves).
pub fn when_durable(syncer: Option<&Syncer>, answers: Vec<Answer>) {
    match syncer {
        Some(s) => s.after_sync(answers),
        None => answers.into_iter().for_each(|answer| answer()),
    }
}

fn run(rx: mpsc::Receiver<Vec<Answer>>, sync: impl Fn() -> std::io::Result<()>) {
    while let Ok(mut answers) = rx.recv() {
        // Everything queued by now was committed before this sync begins: one sync for all.
        while let Ok(more) = rx.try_recv() {
            answers.extend(more);
        }
        if let Err(e) = sync() {
            // After a failed sync the kernel may have dropped the pages it could not write, and
            // a later sync that succeeds would not bring them back: answering anyone after this
            // could acknowledge a delivery that is lost. Stop instead; the service manager
            // restarts the engine, and what was not answered is delivered again.
            tracing::error!(error = %e, "could not sync the store's log to disk; stopping the engine so nothing unsaved is acknowledged");
            eprintln!("wabox: could not sync the store's log to disk ({e}); stopping");
            std::process::abort();
        }
        for answer in answers {
            answer();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    #[test]
    fn nobody_is_answered_before_the_sync_and_one_sync_answers_every_commit_before_it() {
        let syncs = Arc::new(AtomicUsize::new(0));
        // The first sync is held until the test has queued two more commits behind it.
        let gate = Arc::new(Barrier::new(2));
        let (s, g) = (syncs.clone(), gate.clone());
        let syncer = Syncer::with(move || {
            if s.fetch_add(1, Ordering::SeqCst) == 0 {
                g.wait();
            }
            Ok(())
        })
        .unwrap();
        let (tx, rx) = mpsc::channel();
        let answer = |n: usize| -> Answer {
            let (tx, syncs) = (tx.clone(), syncs.clone());
            Box::new(move || tx.send((n, syncs.load(Ordering::SeqCst))).unwrap())
        };
        syncer.after_sync(vec![answer(1)]);
        // The thread is in the first sync now, or about to be: wait for it to get there.
        while syncs.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        syncer.after_sync(vec![answer(2)]);
        syncer.after_sync(vec![answer(3), answer(4)]);
        assert!(rx.try_recv().is_err(), "nobody heard back during the sync");
        gate.wait();
        let heard: Vec<(usize, usize)> = (0..4).map(|_| rx.recv().unwrap()).collect();
        assert_eq!(heard[0], (1, 1), "the first commit, after the first sync");
        assert_eq!(
            &heard[1..],
            &[(2, 2), (3, 2), (4, 2)],
            "the commits queued during a sync share the next one"
        );
        drop(syncer);
        assert_eq!(syncs.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn what_waits_when_the_writer_ends_is_synced_and_answered() {
        let syncs = Arc::new(AtomicUsize::new(0));
        let s = syncs.clone();
        let syncer = Syncer::with(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            s.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
        let answered = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let a = answered.clone();
            syncer.after_sync(vec![Box::new(move || {
                a.fetch_add(1, Ordering::SeqCst);
            })]);
        }
        drop(syncer);
        assert_eq!(answered.load(Ordering::SeqCst), 3);
        assert!(syncs.load(Ordering::SeqCst) >= 1);
    }
}
