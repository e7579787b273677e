//! Read-only connections beside the writer, reused across requests.
//!
//! Why bounded, and why every one is kept: the pool used to keep at most 8 idle connections and
//! open one more for each read beyond them. With 32 agents queueing at once on PostgreSQL, about
//! half the reads opened a connection and the next return closed it again: a server process
//! started (a fork) and ended for each, which took the machine's two cores half in the kernel
//! while the outbox waited for them. Now at most `READERS` are open; a read finding all of them
//! busy waits for one to come back, and only when none does within `WAIT_FOR_ONE` (a read that
//! holds one for long, or reads nested inside reads) opens one more, closed when it returns.

use crate::store_at::StoreAt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use wabox_store as store;
use wabox_store::db::Connection;

/// Connections open for reads at most, but for a moment (see the module's comment). Operators
/// size PostgreSQL's `max_connections` with it (README).
pub const READERS: usize = 16;
/// How long a read waits for a busy connection before it opens one more.
const WAIT_FOR_ONE: Duration = Duration::from_millis(250);

pub struct ReadPool {
    at: StoreAt,
    limit: usize,
    wait: Duration,
    state: Mutex<State>,
    returned: Condvar,
    /// Connections opened since start (what the tests count; one increment a connection).
    opened: AtomicU64,
}

#[derive(Default)]
struct State {
    idle: Vec<Connection>,
    /// Open now, idle or lent.
    open: usize,
}

impl ReadPool {
    pub fn new(at: StoreAt) -> Self {
        Self::with_limit(at, READERS, WAIT_FOR_ONE)
    }

    fn with_limit(at: StoreAt, limit: usize, wait: Duration) -> Self {
        ReadPool {
            at,
            limit,
            wait,
            state: Mutex::default(),
            returned: Condvar::new(),
            opened: AtomicU64::new(0),
        }
    }

    /// Connections opened since start.
    pub fn opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// Runs a query on a pooled connection (blocking: call from `spawn_blocking`).
    pub fn with<R>(&self, f: impl FnOnce(&Connection) -> store::Result<R>) -> store::Result<R> {
        let lent = Lent {
            pool: self,
            conn: Some(self.take()?),
        };
        f(lent.conn.as_ref().expect("lent until dropped"))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic never happens with the lock held: the state stays whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle connection, else a new one while under the limit, else one returned within the
    /// wait, else a new one. The wait has one deadline: a read woken for a connection that
    /// another took first waits only for what is left of it.
    fn take(&self) -> store::Result<Connection> {
        let mut state = self.lock();
        let deadline = Instant::now() + self.wait;
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(conn);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if state.open < self.limit || left.is_zero() {
                state.open += 1;
                drop(state);
                return self.open_one();
            }
            state = self
                .returned
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn open_one(&self) -> store::Result<Connection> {
        match self.at.open_reader() {
            Ok(conn) => {
                self.opened.fetch_add(1, Ordering::Relaxed);
                Ok(conn)
            }
            Err(e) => {
                self.lock().open -= 1;
                self.returned.notify_one();
                Err(e)
            }
        }
    }

    /// Keeps a returned connection, or closes it when more than the limit are open (or the read
    /// panicked: what state its connection is in is not known).
    fn give_back(&self, conn: Connection) {
        let mut state = self.lock();
        if state.open > self.limit || std::thread::panicking() {
            state.open -= 1;
            drop(state);
            drop(conn);
        } else {
            state.idle.push(conn);
            drop(state);
        }
        self.returned.notify_one();
    }
}

/// A connection lent to one read, given back however the read ends.
struct Lent<'p> {
    pool: &'p ReadPool,
    conn: Option<Connection>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn sqlite_pool(dir: &tempfile::TempDir, limit: usize, wait: Duration) -> Arc<ReadPool> {
        let path = dir.path().join("wabox.db");
        drop(store::open_writer(&path).unwrap());
        Arc::new(ReadPool::with_limit(StoreAt::Sqlite(path), limit, wait))
    }

    fn one(c: &Connection) -> store::Result<i64> {
        Ok(c.query_row("SELECT 1", [], |r| r.get(0))?)
    }

    #[tokio::test]
    async fn reads_one_after_another_reuse_one_connection_on_each_store() {
        crate::test_stores::on_each_store(|url| async move {
            let dir = tempfile::tempdir().unwrap();
            let at = match url {
                Some(url) => StoreAt::Postgres(wabox_secret::Secret::new(url)),
                None => {
                    let path = dir.path().join("wabox.db");
                    drop(store::open_writer(&path).unwrap());
                    StoreAt::Sqlite(path)
                }
            };
            let pool = ReadPool::new(at);
            for _ in 0..20 {
                assert_eq!(pool.with(one).unwrap(), 1);
            }
            assert_eq!(pool.opened(), 1);
        })
        .await;
    }

    /// More reads at once than the limit wait for a connection instead of opening (and then
    /// closing) one each: the churn this pool exists to stop.
    #[test]
    fn reads_beyond_the_limit_wait_for_a_connection_and_none_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sqlite_pool(&dir, 4, Duration::from_secs(10));
        let threads: Vec<_> = (0..24)
            .map(|_| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    for _ in 0..5 {
                        pool.with(|c| {
                            std::thread::sleep(Duration::from_millis(5));
                            one(c)
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(pool.opened(), 4, "opened only up to the limit");
        let state = pool.lock();
        assert_eq!((state.open, state.idle.len()), (4, 4), "all kept");
    }

    /// When every connection stays busy longer than the wait (a read inside a read would, too),
    /// a read opens one more rather than waiting for ever, and it is closed when it returns.
    #[test]
    fn a_read_opens_one_more_when_none_comes_back_in_time_and_the_extra_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sqlite_pool(&dir, 1, Duration::from_millis(50));
        let nested = pool.with(|_outer| pool.with(one)).unwrap();
        assert_eq!(nested, 1);
        assert_eq!(pool.opened(), 2);
        let state = pool.lock();
        assert_eq!(
            (state.open, state.idle.len()),
            (1, 1),
            "the extra was closed"
        );
    }

    #[test]
    fn a_read_that_panics_frees_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sqlite_pool(&dir, 1, Duration::from_secs(10));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.with(|_| -> store::Result<()> { panic!("a bug in a read") })
        }));
        assert!(panicked.is_err());
        assert_eq!(pool.lock().open, 0, "its connection was closed");
        // The next read opens its own under the limit, and it is kept (one leaked place would
        // have made it an extra, closed on its return).
        assert_eq!(pool.with(one).unwrap(), 1);
        let state = pool.lock();
        assert_eq!((state.open, state.idle.len()), (1, 1));
    }
}
