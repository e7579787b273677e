//! The writer's ingest transactions. Applying pending entries leaves its transaction open, and
//! the journal appends that arrive meanwhile commit in it: one fsync for both, each journal page
//! written once, and the next deliveries travel over HTTP while the writer applies the last
//! ones. A 200 is still sent only after the commit that holds its journal row.

use super::ingest::{self, EntryOutcome};
use super::writer::{WriterCtx, WriterStats};
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::oneshot;
use wabox_domain::time::now_unix;
use wabox_store::{self as store, StoreError, journal};

/// A journal append waiting for its commit, and the caller to answer then.
pub(super) type Append = (Bytes, oneshot::Sender<store::Result<i64>>);

/// Entries applied in a transaction that is still open.
pub(super) struct OpenIngest {
    outcomes: Vec<EntryOutcome>,
    /// Where this transaction's events start in the writer's buffer.
    events_before: usize,
}

impl OpenIngest {
    pub(super) fn applied(&self) -> usize {
        self.outcomes.len()
    }
}

/// Opens a transaction and applies up to `limit` pending entries in it, oldest first; none
/// pending leaves nothing open. On an error nothing stays applied.
pub(super) fn begin(ctx: &mut WriterCtx, limit: usize) -> store::Result<Option<OpenIngest>> {
    ctx.conn.execute_batch("BEGIN IMMEDIATE")?;
    let events_before = ctx.events.len();
    match ingest::apply_pending(&ctx.conn, limit, &mut ctx.events) {
        Ok(outcomes) if !outcomes.is_empty() => Ok(Some(OpenIngest {
            outcomes,
            events_before,
        })),
        Ok(_) => {
            ctx.conn.execute_batch("ROLLBACK")?;
            Ok(None)
        }
        Err(e) => {
            ctx.events.truncate(events_before);
            let _ = ctx.conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Commits an open ingest transaction with no appends; returns whether it stood. A failed
/// commit leaves its entries pending, to be applied again.
pub(super) fn commit(ctx: &mut WriterCtx, open: OpenIngest, stats: &WriterStats) -> bool {
    match ctx.conn.execute_batch("COMMIT") {
        Ok(()) => {
            ingest::settle(&open.outcomes, stats, &mut ctx.events);
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "could not commit the processed journal entries; they stay pending");
            let _ = ctx.conn.execute_batch("ROLLBACK");
            ctx.events.truncate(open.events_before);
            false
        }
    }
}

/// Journals the appends, in the open ingest transaction if there is one, and answers each
/// caller after the commit. Returns whether it committed; if not, every caller hears so (and
/// Meta delivers again), and the entries the open transaction applied stay pending.
pub(super) fn commit_appends(
    ctx: &mut WriterCtx,
    appends: Vec<Append>,
    open: Option<OpenIngest>,
    stats: &WriterStats,
) -> bool {
    let now = now_unix();
    let events_before = open.as_ref().map_or(ctx.events.len(), |o| o.events_before);
    let result = (|| -> Result<Vec<(i64, bool)>, rusqlite::Error> {
        if open.is_none() {
            ctx.conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        let mut ids = Vec::with_capacity(appends.len());
        for (body, _) in &appends {
            ids.push(journal::append(&ctx.conn, body, now).map_err(|e| match e {
                StoreError::Sqlite(e) => e,
                other => rusqlite::Error::ToSqlConversionFailure(other.to_string().into()),
            })?);
        }
        ctx.conn.execute_batch("COMMIT")?;
        Ok(ids)
    })();
    match result {
        Ok(ids) => {
            let new = ids.iter().filter(|(_, is_new)| *is_new).count();
            stats.journaled.fetch_add(new as u64, Ordering::Relaxed);
            stats.commits.fetch_add(1, Ordering::Relaxed);
            if let Some(open) = &open {
                ingest::settle(&open.outcomes, stats, &mut ctx.events);
            }
            for ((_, reply), (id, _)) in appends.into_iter().zip(ids) {
                let _ = reply.send(Ok(id));
            }
            true
        }
        Err(e) => {
            if !ctx.conn.is_autocommit() {
                let _ = ctx.conn.execute_batch("ROLLBACK");
            }
            ctx.events.truncate(events_before);
            tracing::error!(error = %e, count = appends.len(), "journal commit failed; answering 500 so Meta retries");
            let e = Arc::new(e);
            for (_, reply) in appends {
                let _ = reply.send(Err(StoreError::JournalNotCommitted(e.clone())));
            }
            false
        }
    }
}
