//! Template sync: per WABA, at start, every 15 minutes, on a template status webhook, and on demand.

use super::Engine;
use std::sync::Arc;
use std::time::Duration;
use wabox_domain::template::spec_from_graph;
pub use wabox_protocol::template_sync::SyncReport;
use wabox_store::{StoreEvent, templates};

/// Syncs every WABA that has a number with a token (or only `waba`).
pub async fn sync(engine: &Arc<Engine>, waba: Option<String>) -> Vec<SyncReport> {
    let e = engine.clone();
    let wabas: Vec<(String, i64, Vec<u8>)> = tokio::task::spawn_blocking(move || {
        e.readers.with(|c| {
            let mut stmt = c.prepare(
                // One number's token per WABA (any of them reaches its templates).
                "SELECT waba_id, tenant_id, access_token_sealed FROM numbers
                 WHERE id IN (SELECT min(id) FROM numbers
                              WHERE access_token_sealed IS NOT NULL
                                AND (CAST(?1 AS TEXT) IS NULL OR waba_id = ?1)
                              GROUP BY waba_id)",
            )?;
            let rows = stmt.query_map([waba], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<wabox_store::db::Result<_>>()?)
        })
    })
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default();
    let mut reports = Vec::new();
    for (waba_id, tenant_id, sealed) in wabas {
        let report = match sync_one(engine, &waba_id, tenant_id, &sealed).await {
            Ok(n) => SyncReport {
                waba_id,
                templates: n,
                error: None,
            },
            Err(e) => {
                tracing::warn!(waba_id = %waba_id, error = %e, "template sync failed");
                SyncReport {
                    waba_id,
                    templates: 0,
                    error: Some(e),
                }
            }
        };
        reports.push(report);
    }
    reports
}

async fn sync_one(
    engine: &Arc<Engine>,
    waba_id: &str,
    tenant_id: i64,
    sealed: &[u8],
) -> Result<usize, String> {
    let credential = engine.open_credential(sealed).map_err(|e| e.to_string())?;
    let listed = engine
        .graph
        .list_templates(waba_id, &credential)
        .await
        .map_err(|e| e.to_string())?;
    let specs: Vec<(String, wabox_domain::template::TemplateSpec)> = listed
        .iter()
        .filter_map(|t| {
            let id = t.get("id").and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })?;
            Some((id, spec_from_graph(t)?))
        })
        .collect();
    let waba = waba_id.to_string();
    let now = wabox_domain::time::now_unix();
    engine
        .writer
        .run(move |ctx| templates::upsert(&ctx.conn, tenant_id, &waba, &specs, now))
        .await
        .map_err(|e| e.to_string())
}

/// Syncs at start and every 15 minutes, and whenever a template's status changes.
pub fn spawn_periodic(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = engine.writer.events.subscribe();
        let mut tick = tokio::time::interval(Duration::from_secs(15 * 60));
        loop {
            let waba = tokio::select! {
                _ = tick.tick() => None,
                event = events.recv() => match event {
                    Ok(StoreEvent::TemplateStatusChanged { waba_id }) => Some(waba_id),
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => return,
                },
            };
            sync(&engine, waba).await;
        }
    })
}
