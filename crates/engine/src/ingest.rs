//! Turns journal entries into store changes: parse, route, apply, mark — all in one transaction
//! per batch, in one savepoint, and again with a savepoint per entry when one of them fails, so
//! one bad entry cannot hold back the others.

use super::writer::{WriterCtx, WriterStats};
use std::sync::atomic::Ordering;
use wabox_domain::delivery::{Delivery, ParseError, parse_delivery};
use wabox_domain::time::now_unix;
pub use wabox_protocol::admin::EntryOutcome;
use wabox_store::cluster::{Floors, Lane};
use wabox_store::journal::{self, JournalState};
use wabox_store::{Result, StoreError, StoreEvent, apply};

/// Applies up to `limit` pending entries, oldest first, inside the caller's transaction (which
/// the writer keeps open for the next journal appends to commit in). Once that transaction
/// commits, the caller passes the outcomes to `settle`.
pub fn apply_pending(
    conn: &wabox_store::db::Connection,
    cluster_me: Option<(&str, Lane, &mut Floors)>,
    limit: usize,
    events: &mut Vec<StoreEvent>,
) -> Result<Vec<EntryOutcome>> {
    // With other engines, only the partitions this one holds (`cluster_me` names it), those
    // of its lane, from where this connection's last look left each.
    let pending = match cluster_me {
        Some((me, lane, floors)) => {
            let now = std::time::Instant::now();
            wabox_store::cluster::pending_owned(conn, me, lane, limit, floors, now)?
        }
        None => journal::pending(conn, limit)?,
    };
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    // All of them in one savepoint, marked in one statement: a savepoint and a mark each were
    // three round trips a delivery on PostgreSQL. If one cannot be applied, nothing of the
    // group stays, and each goes again in a savepoint of its own, so that the one that fails
    // is kept as invalid and the others stand.
    let now = now_unix();
    let grouped = in_savepoint(conn, "entries", events, |events| {
        let mut outcomes = Vec::with_capacity(pending.len());
        // On PostgreSQL its customers are looked up first, and its customers' messages are
        // stored together at the end, a statement each instead of one a message.
        let parsed: Vec<_> = pending.iter().map(|(_, body)| parse(body)).collect();
        let mut batch = apply::Batch::together(conn);
        batch.look_ahead(conn, parsed.iter().filter_map(|p| p.as_ref().ok()), now)?;
        for ((id, _), parsed) in pending.iter().zip(&parsed) {
            let (state, detail) = apply_parsed(conn, *id, parsed, now, &batch, events)?;
            if state != JournalState::Processed {
                journal::mark(conn, *id, state, detail.as_deref(), now)?;
            }
            outcomes.push(EntryOutcome {
                id: *id,
                state,
                detail,
            });
        }
        batch.finish(conn, events)?;
        let processed: Vec<i64> = outcomes
            .iter()
            .filter(|o| o.state == JournalState::Processed)
            .map(|o| o.id)
            .collect();
        journal::mark_processed(conn, &processed, now)?;
        Ok(outcomes)
    })?;
    match grouped {
        Ok(outcomes) => Ok(outcomes),
        Err(e) => {
            tracing::warn!(error = %e, count = pending.len(), "a pending delivery could not be applied with its group; applying them one by one");
            let mut outcomes = Vec::with_capacity(pending.len());
            for (id, body) in &pending {
                outcomes.push(process_entry(conn, *id, body, events)?);
            }
            Ok(outcomes)
        }
    }
}

/// Counts committed outcomes, logs the invalid ones and tells subscribers of the entries that
/// were not processed. Called once they are committed, so each is logged once.
pub fn settle(outcomes: &[EntryOutcome], stats: &WriterStats, events: &mut Vec<StoreEvent>) {
    for o in outcomes {
        count(stats, o.state);
        if o.state == JournalState::Invalid {
            tracing::warn!(
                journal_id = o.id,
                "delivery kept as invalid: {}",
                o.detail.as_deref().unwrap_or("")
            );
        }
        if o.state != JournalState::Processed {
            events.push(StoreEvent::JournalChanged {
                journal_id: o.id,
                state: o.state,
            });
        }
    }
}

/// Applies the given entries again, whatever their state (after adding a missing number, say).
pub fn replay(ctx: &mut WriterCtx, ids: &[i64], stats: &WriterStats) -> Result<Vec<EntryOutcome>> {
    let tx = ctx.conn.savepoint()?;
    let mut outcomes = Vec::with_capacity(ids.len());
    for &id in ids {
        let body = journal::body(&tx, id)?;
        outcomes.push(process_entry(&tx, id, &body, &mut ctx.events)?);
    }
    tx.commit()?;
    for o in &outcomes {
        count(stats, o.state);
        ctx.events.push(StoreEvent::JournalChanged {
            journal_id: o.id,
            state: o.state,
        });
    }
    Ok(outcomes)
}

fn count(stats: &WriterStats, state: JournalState) {
    let counter = match state {
        JournalState::Processed => &stats.processed,
        JournalState::Unrouted => &stats.unrouted,
        JournalState::Invalid => &stats.invalid,
        JournalState::Pending => return,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Applies one parsed delivery without a savepoint of its own, and says what became of it.
/// An `Err` (or a panic, turned into one) means some of its writes may have been made: the
/// caller rolls them back.
pub fn apply_parsed(
    conn: &wabox_store::db::Connection,
    id: i64,
    parsed: &std::result::Result<Delivery, ParseError>,
    now: i64,
    batch: &apply::Batch,
    events: &mut Vec<StoreEvent>,
) -> Result<(JournalState, Option<String>)> {
    let delivery = match parsed {
        Err(e) => return Ok((JournalState::Invalid, Some(e.0.clone()))),
        Ok(d) => d,
    };
    // A bug in applying one delivery must not take the writer thread, and every caller after
    // it, down with it.
    let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        apply::apply_routed(conn, id, delivery, now, batch, events)
    }))
    .unwrap_or_else(|_| Err(StoreError::invalid("applying it panicked")))?;
    Ok(if applied.unrouted.is_empty() {
        (JournalState::Processed, None)
    } else {
        (JournalState::Unrouted, Some(applied.unrouted.join("; ")))
    })
}

fn process_entry(
    conn: &wabox_store::db::Connection,
    id: i64,
    body: &[u8],
    events: &mut Vec<StoreEvent>,
) -> Result<EntryOutcome> {
    let now = now_unix();
    let parsed = parse(body);
    // A savepoint per entry: if applying fails, nothing of this entry stays applied.
    let applied = in_savepoint(conn, "entry", events, |events| {
        apply_parsed(conn, id, &parsed, now, &apply::Batch::default(), events)
    })?;
    let (state, detail) = applied.unwrap_or_else(|e| {
        tracing::error!(journal_id = id, error = %e, "a delivery could not be applied");
        (
            JournalState::Invalid,
            Some(format!("could not be applied: {e}")),
        )
    });
    journal::mark(conn, id, state, detail.as_deref(), now)?;
    Ok(EntryOutcome { id, state, detail })
}

/// Runs `f` in the savepoint `name`. If `f` fails, what it wrote is rolled back, the events it
/// pushed are dropped, and its error comes back inside the `Ok` (an outer `Err` is the
/// savepoint's own failure).
pub fn in_savepoint<T>(
    conn: &wabox_store::db::Connection,
    name: &str,
    events: &mut Vec<StoreEvent>,
    f: impl FnOnce(&mut Vec<StoreEvent>) -> Result<T>,
) -> Result<Result<T>> {
    conn.execute_batch(&format!("SAVEPOINT {name}"))?;
    let events_before = events.len();
    match f(events) {
        Ok(value) => {
            conn.execute_batch(&format!("RELEASE {name}"))?;
            Ok(Ok(value))
        }
        Err(e) => {
            conn.execute_batch(&format!("ROLLBACK TO {name}; RELEASE {name}"))?;
            events.truncate(events_before);
            Ok(Err(e))
        }
    }
}

/// Parses a delivery. A panic in the parser (a bug meeting a hostile body) makes it invalid,
/// kept in the journal like any other, instead of costing its 200 (Meta would send it again
/// forever) or the writer thread.
pub fn parse(body: &[u8]) -> std::result::Result<Delivery, ParseError> {
    std::panic::catch_unwind(|| parse_delivery(body))
        .unwrap_or_else(|_| Err(ParseError("parsing it panicked".into())))
}
