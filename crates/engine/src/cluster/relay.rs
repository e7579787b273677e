//! The event relay: a thread with a connection of its own that `LISTEN`s. Another engine's
//! commit wakes it (one NOTIFY per commit); it reads the events written since and hands them
//! to this engine's subscribers as if its own writer had made them. A delivery another engine
//! journaled for one of this engine's partitions wakes this engine's writer to apply it.
//!
//! Ids are given when a row is written, not when it is committed, so a slow transaction can
//! commit an id below one already read: each look reads again the ids of the last `LOOKBACK`
//! it has not seen (in flight then, or rolled back), and what is new. An event missed even so
//! costs a subscriber nothing it cannot reload: events are a courtesy, the store is the truth.

use super::Cluster;
use crate::Engine;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wabox_store::cluster::{self as shared, EVENTS_CHANNEL, JOURNAL_CHANNEL};
use wabox_store::db::Connection;

/// How far back each look reads, in ids.
const LOOKBACK: i64 = 256;
/// Events read per look.
const PER_LOOK: i64 = 1_000;
/// How long events are kept in the store.
const KEEP_SECONDS: i64 = 600;

pub fn start(
    engine: Arc<Engine>,
    cluster: Arc<Cluster>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wabox-relay".into())
        .spawn(move || run(&engine, &cluster))
}

fn run(engine: &Arc<Engine>, cluster: &Cluster) {
    let mut last: Option<i64> = None;
    let mut seen: BTreeSet<i64> = BTreeSet::new();
    let mut forgot = Instant::now();
    while !cluster.is_stopping() {
        let conn = match listen(engine) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "the event relay could not reach the store; retrying");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if last.is_none() {
            last = shared::last_event(&conn).ok();
            // What was there before this engine started is not news to anyone here.
            if let Some(l) = last {
                seen.extend((l - LOOKBACK + 1).max(1)..=l);
            }
        }
        while !cluster.is_stopping() {
            let heard = match heard_since(&conn) {
                Ok(heard) => heard,
                Err(e) => {
                    tracing::warn!(error = %e, "the event relay lost the store; connecting again");
                    break;
                }
            };
            if heard.journal {
                cluster.heard_journal();
                engine.writer.wake_backlog();
            }
            if !heard.events {
                continue;
            }
            let Some(after) = last else { break };
            // Ids in the window behind `after` not seen yet: in flight then, or rolled back.
            let gaps: Vec<i64> = ((after - LOOKBACK + 1).max(1)..=after)
                .filter(|id| !seen.contains(id))
                .collect();
            match shared::events_after(&conn, &cluster.me, after, &gaps, PER_LOOK) {
                Ok(events) => {
                    // A send another engine queued may be this one's to make.
                    if events.iter().any(|(_, e)| e.is_some()) {
                        engine.outbox_wake.notify_one();
                    }
                    for (id, event) in events {
                        last = Some(last.map_or(id, |l| l.max(id)));
                        if !seen.insert(id) {
                            continue;
                        }
                        // This engine's own were pushed by its writer already. No subscriber
                        // is fine, as for the writer's own events.
                        if let Some(event) = event {
                            let _ = engine.writer.events.send(event);
                        }
                    }
                    if let Some(l) = last {
                        seen = seen.split_off(&(l - LOOKBACK));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the event relay could not read events; connecting again");
                    break;
                }
            }
            if cluster.takes_work && forgot.elapsed() > Duration::from_secs(60) {
                forgot = Instant::now();
                if let Err(e) = shared::forget_events(&conn, KEEP_SECONDS) {
                    tracing::warn!(error = %e, "could not drop old events");
                }
            }
        }
    }
}

fn listen(engine: &Arc<Engine>) -> wabox_store::Result<Connection> {
    let conn = engine.store_at.open_reader()?;
    conn.execute_batch(&format!(
        "LISTEN {EVENTS_CHANNEL}; LISTEN {JOURNAL_CHANNEL}"
    ))?;
    Ok(conn)
}

/// What the store's notifications asked for since the last look.
struct Heard {
    /// Deliveries were journaled: the writer may have some to apply.
    journal: bool,
    /// Events were written (or nothing was heard for a while: look anyway).
    events: bool,
}

/// How long the relay gathers notifications before acting on them: every engine's journal and
/// lanes notify at each commit, hundreds a second together, and reading the events after each
/// took more of the server than applying the deliveries (1.8 ms a look, 18,000 looks for
/// 30,000 deliveries on three engines). An event reaches another engine's inbox this much later.
const GATHER: Duration = Duration::from_millis(20);

/// Waits for a notification (half a second at most), then takes those that come within
/// `GATHER`.
fn heard_since(conn: &Connection) -> wabox_store::Result<Heard> {
    let mut heard = Heard {
        journal: false,
        events: false,
    };
    let mut note = |channel: Option<String>| match channel.as_deref() {
        Some(JOURNAL_CHANNEL) => heard.journal = true,
        _ => heard.events = true,
    };
    match conn.wait_notification(Duration::from_millis(500))? {
        None => {
            note(None);
            return Ok(heard);
        }
        first => note(first),
    }
    let until = Instant::now() + GATHER;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match conn.wait_notification(left)? {
            Some(channel) => note(Some(channel)),
            None => break,
        }
    }
    Ok(heard)
}
