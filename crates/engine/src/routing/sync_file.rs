//! `sync`: a connections file applied to a tenant's numbers in one step.

use super::tenant_for;
use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, Response};
use wabox_store::sync::{self, Sealing};
use wabox_store::{directory, queues};

/// The connections file of a `sync` request, and how to apply it.
pub(super) struct SyncFile {
    pub(super) file_name: String,
    pub(super) content: String,
    pub(super) tenant: Option<String>,
    pub(super) dry_run: bool,
    pub(super) create_tenant: bool,
    pub(super) queue: Option<String>,
}

impl Engine {
    /// `sync`: a connections file applied in one step (or only tried, on a dry run).
    pub(super) async fn sync_connections(
        self: &Arc<Self>,
        access: &Access,
        file: SyncFile,
        now: i64,
    ) -> Result<Response, ApiError> {
        let SyncFile {
            file_name,
            content,
            tenant,
            dry_run,
            create_tenant,
            queue,
        } = file;
        let scope = access.scope.clone();
        let entries =
            wabox_domain::connections::parse(&file_name, &content).map_err(ApiError::invalid)?;
        let engine = self.clone();
        let queue = queue
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty());
        let audit = super::Auditor::of(access, now);
        let report = self
            .write(move |ctx| {
                let seal = |t: &str| Ok(engine.sealer.seal(t));
                let open = |s: &[u8]| engine.sealer.open(s).ok();
                let sealing = Sealing {
                    seal: &seal,
                    open: &open,
                };
                // All or nothing, and a dry run leaves nothing behind (not even the
                // tenant it would make).
                let sp = ctx.conn.savepoint()?;
                let tenant_id = match tenant.as_deref() {
                    Some(name)
                        if create_tenant
                            && scope.tenant().is_none()
                            && queues::tenant_named(&sp, name).is_err() =>
                    {
                        directory::add_tenant(&sp, name, now)?.id
                    }
                    named => tenant_for(&sp, &scope, named)?,
                };
                let mut events = Vec::new();
                let mut report = sync::apply(&sp, tenant_id, &entries, &sealing, now, &mut events)?;
                if let Some(q) = queue.as_deref() {
                    sync::assign_to_queue(
                        &sp,
                        tenant_id,
                        &entries,
                        q,
                        now,
                        &mut report,
                        &mut events,
                    )?;
                }
                report.dry_run = dry_run;
                if dry_run {
                    drop(sp);
                } else {
                    let detail = format!(
                        "{file_name}: {} added, {} updated, {} corrected, {} unchanged",
                        report.added.len(),
                        report.updated.len(),
                        report.corrected.len(),
                        report.unchanged
                    );
                    audit.record(&sp, "sync", &detail)?;
                    sp.commit()?;
                    ctx.events.extend(events);
                }
                Ok(report)
            })
            .await?;
        Ok(Response::Synced(Box::new(report)))
    }
}
