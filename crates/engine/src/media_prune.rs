//! Deletes customers' files `[media] keep_days` after their download, when that is set (by
//! default every file is kept): the data dir's `media/` otherwise grows with every photo a
//! customer sends. The message stays and says its file was deleted; `media retry` fetches it
//! again while Meta still has it (about 30 days). Files an agent sent are kept.
//!
//! A pass runs when the engine starts and every hour after (`retention.rs`). It walks every file's
//! row by message id, `STEP` at a time, each step a write job of its own that marks the old files
//! deleted; the files themselves are removed once that job has committed (a crash in between leaves
//! a file nobody names, never a row naming a file that is gone). On PostgreSQL every engine runs
//! it: a row already marked is not marked again, and a file already gone is fine.

use super::Engine;
use std::sync::Arc;
use std::time::Duration;
use wabox_store::media::ExpireStep;

/// Files a step looks at.
const STEP: usize = 500;
/// The pause between two steps: the writer is the webhooks' before it is this task's.
const BREATHE: Duration = Duration::from_millis(10);

/// Starts the task, or none when every file is to be kept (`keep_days = 0`, the default).
pub fn spawn(engine: Arc<Engine>) -> Option<tokio::task::JoinHandle<()>> {
    let keep_days = engine.config.media.keep_days;
    super::retention::spawn_hourly(keep_days, "deleted customers' files", move |before| {
        let engine = engine.clone();
        async move { pass(&engine, before, keep_days).await }
    })
}

/// One walk over every file; how many were deleted.
async fn pass(engine: &Engine, before: i64, keep_days: u32) -> anyhow::Result<usize> {
    let why = if keep_days == 1 {
        "deleted after 1 day ([media] keep_days)".to_string()
    } else {
        format!("deleted after {keep_days} days ([media] keep_days)")
    };
    let mut after = 0;
    let mut deleted = 0;
    loop {
        let why = why.clone();
        let step: ExpireStep = engine
            .writer
            .run(move |ctx| {
                wabox_store::media::expire_customer_files(
                    &ctx.conn,
                    after,
                    before,
                    STEP,
                    &why,
                    &mut ctx.events,
                )
            })
            .await?;
        for path in &step.paths {
            // The engine wrote these paths, under the data dir; one that would leave it (a
            // store restored from elsewhere, say) is not followed.
            let inside = std::path::Path::new(path)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside {
                tracing::warn!("a file's path leaves the data dir: not deleted");
                continue;
            }
            match std::fs::remove_file(engine.config.data_dir.join(path)) {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, "a customer's file could not be deleted"),
            }
        }
        if step.done {
            return Ok(deleted);
        }
        after = step.after;
        tokio::time::sleep(BREATHE).await;
    }
}
