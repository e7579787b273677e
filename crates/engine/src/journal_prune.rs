//! Deletes the raw deliveries applied longer ago than `[journal] keep_days`: the journal was the
//! store's largest table and nothing bounded it. What a delivery said is in the store once it is
//! applied; its raw body is evidence for a while, and the yardstick Meta's retries are known by
//! (for up to seven days, the least the setting allows). Deliveries not applied (pending,
//! invalid, unrouted) are never deleted here.
//!
//! A pass runs when the engine starts and every hour after (`retention.rs`), in steps of `STEP`
//! entries, each its own write job: the writer's other callers (webhooks waiting for their 200)
//! wait for one step at most, never for a whole pass. The walk goes on from where the last pass
//! stopped. On PostgreSQL every engine runs it, each passing over the rows another is deleting.

use super::Engine;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use wabox_store::{self as store, journal::PruneStep};

/// Entries a step looks at.
const STEP: usize = 1_000;
/// The pause between two steps: the first pass after an upgrade may have millions of entries
/// to delete, and the writer is the webhooks' before it is this task's.
const BREATHE: Duration = Duration::from_millis(10);

/// Starts the pruning task, or none when every delivery is to be kept (`keep_days = 0`).
pub fn spawn(engine: Arc<Engine>) -> Option<tokio::task::JoinHandle<()>> {
    // Where the last pass stopped: the next goes on from there.
    let after = Arc::new(AtomicI64::new(0));
    super::retention::spawn_hourly(
        engine.config.journal.keep_days,
        "pruned applied deliveries",
        move |before| {
            let (engine, after) = (engine.clone(), after.clone());
            async move {
                let (deleted, last) = pass(&engine, after.load(Ordering::Relaxed), before).await?;
                after.store(last, Ordering::Relaxed);
                Ok(deleted)
            }
        },
    )
}

/// Prunes from after id `after` until caught up with `before`: the entries deleted, and where
/// the next pass goes on from.
pub async fn pass(engine: &Engine, mut after: i64, before: i64) -> store::Result<(usize, i64)> {
    let mut deleted = 0;
    loop {
        let step: PruneStep = engine
            .writer
            .run(move |ctx| store::journal::prune_processed(&ctx.conn, after, before, STEP))
            .await?;
        deleted += step.deleted;
        after = step.after;
        if step.caught_up {
            return Ok((deleted, after));
        }
        tokio::time::sleep(BREATHE).await;
    }
}
