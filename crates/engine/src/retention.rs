//! The hourly loop both deletions of old data run in (`journal_prune.rs`, `media_prune.rs`): a
//! pass when the engine starts and every `EVERY` after, each given the cut (`keep_days` before
//! the engine's now), its count said in the log. `keep_days = 0` keeps everything: no task.

use std::future::Future;
use std::time::Duration;

/// Time between two passes.
const EVERY: Duration = Duration::from_secs(3600);

/// Starts the loop running `pass(cut)`, which returns how many things it deleted; `done` names
/// them in the log ("pruned applied deliveries").
pub fn spawn_hourly<F, Fut>(
    keep_days: u32,
    done: &'static str,
    mut pass: F,
) -> Option<tokio::task::JoinHandle<()>>
where
    F: FnMut(i64) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<usize>> + Send,
{
    if keep_days == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            let cut = wabox_domain::time::now_unix() - i64::from(keep_days) * 86_400;
            match pass(cut).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, keep_days, "{done}"),
                // The next pass tries again; nothing is lost by waiting.
                Err(e) => tracing::warn!(error = %e, "{done}: the pass failed"),
            }
        }
    }))
}
