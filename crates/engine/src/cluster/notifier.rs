//! Wakes the other engines after a commit: a `NOTIFY` sent on a connection of its own, in a
//! transaction of its own that does not wait for the disk, once the commit it tells of returned.
//!
//! Why not in the transaction that writes the events or journals the deliveries, as before:
//! PostgreSQL lets one notifying transaction commit at a time (it holds the notification
//! queue's lock through its commit, log flush included). Every lane, journal and writer commit
//! of every engine notified, so their flushes, 2.5 ms each on this machine, went one after
//! another. A notification is only a wake-up (the relay looks every half second anyway, and the
//! store holds the truth), so losing one in a crash costs nothing, and it need not be durable.

use crate::store_at::StoreAt;
use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use wabox_store::db::Connection;

/// How long what is asked for is gathered into one notification. Three engines each journaling
/// in groups of four or five sent 850 notifications a second each, every one a transaction and a
/// wake-up of every other engine's relay and lanes; the lanes take a moment to look anyway.
const GATHER: Duration = Duration::from_millis(10);

pub struct Notifier {
    tx: mpsc::Sender<&'static str>,
}

impl Notifier {
    /// Starts the thread; it connects at its first notification.
    pub fn start(at: StoreAt) -> std::io::Result<Notifier> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("wabox-notify".into())
            .spawn(move || run(&at, rx))?;
        Ok(Notifier { tx })
    }

    /// Notifies `channel` soon; those asked for meanwhile go together, each once.
    pub fn notify(&self, channel: &'static str) {
        let _ = self.tx.send(channel);
    }
}

fn run(at: &StoreAt, rx: mpsc::Receiver<&'static str>) {
    let mut conn: Option<Connection> = None;
    while let Ok(first) = rx.recv() {
        let mut channels = BTreeSet::from([first]);
        let until = Instant::now() + GATHER;
        while let Ok(more) = rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            channels.insert(more);
        }
        if conn.is_none() {
            conn = connect(at)
                .inspect_err(
                    |e| tracing::warn!(error = %e, "could not connect to notify the other engines"),
                )
                .ok();
        }
        let Some(c) = &conn else { continue };
        let sql: Vec<String> = channels.iter().map(|ch| format!("NOTIFY {ch}")).collect();
        if let Err(e) = c.execute_batch(&sql.join("; ")) {
            tracing::warn!(error = %e, "could not notify the other engines; connecting again");
            conn = None;
        }
    }
}

fn connect(at: &StoreAt) -> wabox_store::Result<Connection> {
    let conn = at.open_reader()?;
    // Its commits are wake-ups, not data: they need not wait for the log to reach the disk.
    conn.execute_batch("SET synchronous_commit TO off")?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wabox_store::cluster::{EVENTS_CHANNEL, JOURNAL_CHANNEL};

    #[test]
    fn a_listener_hears_each_channel_asked_for() {
        let Some(database) = wabox_store::testing::postgres_database() else {
            return;
        };
        let at = StoreAt::Postgres(wabox_secret::Secret::new(database.url.clone()));
        let listener = at.open_reader().unwrap();
        listener
            .execute_batch(&format!(
                "LISTEN {EVENTS_CHANNEL}; LISTEN {JOURNAL_CHANNEL}"
            ))
            .unwrap();
        let notifier = Notifier::start(at).unwrap();
        notifier.notify(EVENTS_CHANNEL);
        let first = listener.wait_notification(Duration::from_secs(10)).unwrap();
        assert_eq!(first.as_deref(), Some(EVENTS_CHANNEL));
        notifier.notify(JOURNAL_CHANNEL);
        let second = listener.wait_notification(Duration::from_secs(10)).unwrap();
        assert_eq!(second.as_deref(), Some(JOURNAL_CHANNEL));
        drop(notifier);
    }
}
