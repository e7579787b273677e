//! The writer's ingest transactions. A group of deliveries with nothing pending before it is
//! journaled and applied in one transaction: each journal row written once, already processed,
//! with no second pass to mark it. Behind a backlog, applying pending entries leaves its
//! transaction open, and the journal appends that arrive meanwhile commit in it (as pending, to
//! keep the order): one commit, and one sync of the log, for both. A 200 is sent only once the
//! commit that holds its journal row is on disk.

use super::ingest::{self, EntryOutcome};
use super::syncer::{self, Answer, Syncer};
use super::writer::{WriterCtx, WriterStats};
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::oneshot;
use wabox_domain::delivery::{Delivery, ParseError};
use wabox_domain::time::now_unix;
use wabox_store::cluster::PartitionOf;
use wabox_store::journal::JournalState;
use wabox_store::{self as store, StoreError, journal};

/// A delivery as its HTTP handler hands it over: its bytes, the key that tells a repeat, and
/// its parse, all worked out off the writer's thread.
pub struct Arrival {
    pub body: Bytes,
    pub digest: [u8; 32],
    pub parsed: Result<Delivery, ParseError>,
}

impl Arrival {
    pub fn new(body: Bytes) -> Arrival {
        Arrival {
            digest: journal::digest(&body),
            parsed: ingest::parse(&body),
            body,
        }
    }
}

/// A journal append waiting for its commit, and the caller to answer then.
pub(super) type Append = (Arrival, oneshot::Sender<store::Result<i64>>);

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
    let me = ctx.cluster.as_ref().map(|c| c.me.clone());
    let cluster_me = me.as_deref().map(|me| (me, ctx.lane, &mut ctx.floors));
    match ingest::apply_pending(&ctx.conn, cluster_me, limit, &mut ctx.events) {
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
            ctx.floors.forget();
            let _ = ctx.conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Commits an open ingest transaction with no appends; returns whether it stood. A failed
/// commit leaves its entries pending, to be applied again.
pub(super) fn commit(ctx: &mut WriterCtx, open: OpenIngest, stats: &WriterStats) -> bool {
    let committed = ctx
        .share_events(open.events_before)
        .map_err(db_error)
        .and_then(|()| ctx.conn.execute_batch("COMMIT"));
    match committed {
        Ok(()) => {
            ingest::settle(&open.outcomes, stats, &mut ctx.events);
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "could not commit the processed journal entries; they stay pending");
            let _ = ctx.conn.execute_batch("ROLLBACK");
            ctx.events.truncate(open.events_before);
            // Its entries are pending again, below the floors their look raised.
            ctx.floors.forget();
            false
        }
    }
}

/// The largest group applied in the commit that journals it. A larger one (a burst: 128
/// senders at once in `wabox bench ingest --connections 128`) is journaled as pending and
/// answered at once, and the writer applies the backlog between commits: applying it first
/// made every sender of the group wait for all of it, and acknowledged 35% fewer a second.
const APPLY_ON_ARRIVAL_MAX: usize = 64;

/// Each append's journal id, and whether it was new (not a repeat of one journaled before).
type Journaled = Vec<(i64, bool)>;

/// What became of a group of appends.
pub(super) struct AppendsCommitted {
    /// Whether the transaction holding them committed (if not, every caller heard so).
    pub committed: bool,
    /// Whether they were journaled to be applied later (a backlog for `begin`).
    pub left_pending: bool,
}

/// Journals the appends and answers each caller once the commit is durable. With nothing
/// pending before them (the open transaction, if any, applied the last of the backlog), a
/// group of up to `APPLY_ON_ARRIVAL_MAX` is applied in that same transaction, each journal row
/// written once, already processed; a larger group, or one behind a backlog, is journaled as
/// pending, and deliveries are applied in the order they came. If the commit fails, every caller hears so (and Meta delivers again), and the
/// entries the open transaction applied stay pending.
pub(super) fn commit_appends(
    ctx: &mut WriterCtx,
    appends: Vec<Append>,
    open: Option<OpenIngest>,
    stats: &WriterStats,
    syncer: Option<&Syncer>,
) -> AppendsCommitted {
    let now = now_unix();
    let events_before = open.as_ref().map_or(ctx.events.len(), |o| o.events_before);
    let result = (|| -> Result<(Journaled, Option<Vec<EntryOutcome>>), store::db::Error> {
        if open.is_none() {
            ctx.conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        // With other engines, each delivery goes to its partition, applied by its owner.
        let partitions = match &ctx.cluster {
            Some(_) => Some(partitions_of(&ctx.conn, &appends).map_err(db_error)?),
            None => None,
        };
        // Inside an open transaction too: the entries it applied are no longer pending.
        let in_order = appends.len() <= APPLY_ON_ARRIVAL_MAX
            && match (&ctx.cluster, &partitions) {
                (Some(c), Some(p)) => {
                    all_held(ctx, p).map_err(db_error)?
                        && !store::cluster::any_pending_owned(&ctx.conn, &c.me).map_err(db_error)?
                }
                _ => !journal::any_pending(&ctx.conn).map_err(db_error)?,
            };
        let applied = match in_order {
            true => {
                apply_as_journaled(ctx, &appends, partitions.as_deref(), now).map_err(db_error)?
            }
            false => None,
        };
        let (ids, outcomes) = match applied {
            Some((ids, outcomes)) => (ids, Some(outcomes)),
            None => {
                let ids = append_pending(&ctx.conn, &appends, partitions.as_deref(), now)
                    .map_err(db_error)?;
                (ids, None)
            }
        };
        ctx.share_events(events_before).map_err(db_error)?;
        ctx.conn.execute_batch("COMMIT")?;
        Ok((ids, outcomes))
    })();
    match result {
        Ok((ids, outcomes)) => {
            let new = ids.iter().filter(|(_, is_new)| *is_new).count();
            stats.journaled.fetch_add(new as u64, Ordering::Relaxed);
            stats.commits.fetch_add(1, Ordering::Relaxed);
            if let Some(open) = &open {
                ingest::settle(&open.outcomes, stats, &mut ctx.events);
            }
            let left_pending = outcomes.is_none() && new > 0;
            if let Some(c) = ctx.cluster.as_ref().filter(|_| left_pending) {
                // Their owners (this engine, or others) are woken now that they are visible.
                c.notify(store::cluster::JOURNAL_CHANNEL);
            }
            if let Some(outcomes) = &outcomes {
                ingest::settle(outcomes, stats, &mut ctx.events);
            }
            let answers = appends.into_iter().zip(ids).map(|((_, reply), (id, _))| {
                Box::new(move || {
                    let _ = reply.send(Ok(id));
                }) as Answer
            });
            syncer::when_durable(syncer, answers.collect());
            AppendsCommitted {
                committed: true,
                left_pending,
            }
        }
        Err(e) => {
            if !ctx.conn.is_autocommit() {
                let _ = ctx.conn.execute_batch("ROLLBACK");
            }
            ctx.events.truncate(events_before);
            ctx.floors.forget();
            refuse_all(appends, e);
            AppendsCommitted {
                committed: false,
                left_pending: false,
            }
        }
    }
}

/// Journals the appends as pending, each under its partition where there are partitions; each
/// one's journal id and whether it was new.
pub(super) fn append_pending(
    conn: &store::db::Connection,
    appends: &[Append],
    partitions: Option<&[i64]>,
    now: i64,
) -> store::Result<Journaled> {
    match partitions {
        // PostgreSQL: the group in one statement (a round trip each was most of acking one).
        Some(partitions) => {
            let group: Vec<(&[u8], &[u8; 32], PartitionOf)> = appends
                .iter()
                .zip(partitions)
                .map(|((a, _), p)| (&a.body[..], &a.digest, PartitionOf::Known(*p)))
                .collect();
            store::cluster::append_pending_group(conn, &group, now)
        }
        None => appends
            .iter()
            .map(|(a, _)| journal::append(conn, &a.body, &a.digest, JournalState::Pending, now))
            .collect(),
    }
}

/// A group's commit failed: every caller hears so (a 500), and Meta delivers again.
pub(super) fn refuse_all<A>(
    appends: Vec<(A, oneshot::Sender<store::Result<i64>>)>,
    e: store::db::Error,
) {
    tracing::error!(error = %e, count = appends.len(), "journal commit failed; answering 500 so Meta retries");
    let e = Arc::new(e);
    for (_, reply) in appends {
        let _ = reply.send(Err(StoreError::JournalNotCommitted(e.clone())));
    }
}

/// Journals the arrivals already processed and applies the new ones, in a savepoint of their
/// own but none per delivery (each would copy the pages the ones before it touched). If one
/// cannot be applied, nothing of the group is kept and `None` says so: the caller journals
/// them as pending instead, and `begin` applies them one savepoint each, so the one that fails
/// is kept as invalid and the others stand.
fn apply_as_journaled(
    ctx: &mut WriterCtx,
    appends: &[Append],
    partitions: Option<&[i64]>,
    now: i64,
) -> store::Result<Option<(Journaled, Vec<EntryOutcome>)>> {
    let conn = &ctx.conn;
    let applied = ingest::in_savepoint(conn, "arrivals", &mut ctx.events, |events| {
        let mut ids = Vec::with_capacity(appends.len());
        let mut outcomes = Vec::with_capacity(appends.len());
        // On PostgreSQL its customers' messages are stored together at the end.
        let batch = store::apply::Batch::together(conn);
        for (i, (a, _)) in appends.iter().enumerate() {
            let (id, new) = match partitions {
                Some(p) => store::cluster::append(
                    conn,
                    &a.body,
                    &a.digest,
                    JournalState::Processed,
                    now,
                    p[i],
                )?,
                None => journal::append(conn, &a.body, &a.digest, JournalState::Processed, now)?,
            };
            ids.push((id, new));
            if !new {
                continue;
            }
            let (state, detail) = ingest::apply_parsed(conn, id, &a.parsed, now, &batch, events)?;
            if state != JournalState::Processed {
                journal::mark(conn, id, state, detail.as_deref(), now)?;
            }
            outcomes.push(EntryOutcome { id, state, detail });
        }
        batch.finish(conn, events)?;
        Ok((ids, outcomes))
    })?;
    Ok(applied
        .inspect_err(|e| {
            tracing::warn!(error = %e, count = appends.len(), "a delivery could not be applied as it arrived; its group is journaled to be applied one by one");
        })
        .ok())
}

/// Each arrival's partition: its first change's number's tenant's (a delivery names one
/// business's numbers), partition 0 for one that names none of ours or cannot be read.
pub(super) fn partitions_of(
    conn: &store::db::Connection,
    appends: &[Append],
) -> store::Result<Vec<i64>> {
    let named: Vec<PartitionOf> = appends.iter().map(|(a, _)| named_partition(a)).collect();
    // The group's numbers in one look; a delivery naming none (or an unknown one) alone.
    let numbers: Vec<&str> = named
        .iter()
        .filter_map(|p| match p {
            PartitionOf::Named {
                phone_number_id, ..
            } => *phone_number_id,
            PartitionOf::Known(_) => None,
        })
        .collect();
    let tenants = store::cluster::tenants_of_numbers(conn, &numbers)?;
    named
        .iter()
        .map(|p| match *p {
            PartitionOf::Known(p) => Ok(p),
            PartitionOf::Named {
                phone_number_id,
                waba_id,
            } => match phone_number_id.and_then(|n| tenants.get(n)) {
                Some(&tenant) => Ok(store::cluster::partition_of_tenant(tenant)),
                None => store::cluster::partition_of(conn, phone_number_id, waba_id),
            },
        })
        .collect()
}

/// The number and account a delivery's first change names: its partition's, by
/// `store::cluster::partition_of`.
fn named_partition(append: &Arrival) -> PartitionOf<'_> {
    let first = append.parsed.as_ref().ok().and_then(|d| d.changes.first());
    PartitionOf::Named {
        phone_number_id: first.and_then(|c| c.phone_number_id.as_ref().map(|p| p.0.as_str())),
        waba_id: first.map(|c| c.waba_id.0.as_str()),
    }
}

/// Whether this engine holds every partition now, by its own clock and in the store (whose
/// lease rows stay locked until the commit, so none can pass meanwhile).
fn all_held(ctx: &WriterCtx, partitions: &[i64]) -> store::Result<bool> {
    let Some(cluster) = &ctx.cluster else {
        return Ok(true);
    };
    let mut leases = Vec::with_capacity(partitions.len());
    for &partition in partitions {
        match cluster.lease(partition) {
            Some(lease) => leases.push(lease),
            None => return Ok(false),
        }
    }
    store::cluster::holds_all(&ctx.conn, &cluster.me, &leases)
}

/// A store error inside a journal commit, as the database error the callers are answered with.
pub(super) fn db_error(e: StoreError) -> store::db::Error {
    match e {
        StoreError::Db(e) => e,
        other => store::db::Error::Store(other.to_string()),
    }
}
