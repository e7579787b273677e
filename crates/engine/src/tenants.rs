//! Renaming and removing tenants (installation admins only, like adding them). A removal of a
//! tenant with numbers is refused unless forced; forced, the store removes everything the tenant
//! holds in one transaction, and the files downloaded for its messages are deleted after.

use super::Engine;
use super::access::Access;
use super::routing::Auditor;
use std::sync::Arc;
use wabox_protocol::{ApiError, Request, Response};
use wabox_store::{StoreEvent, tenants};

impl Engine {
    pub(super) async fn tenants_request(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        match request {
            Request::RenameTenant { from, to } => {
                let audit = Auditor::of(access, now);
                let change = self
                    .write(move |ctx| {
                        let change = tenants::rename_tenant(&ctx.conn, &from, &to)?;
                        let detail = format!(
                            "tenant {:?} renamed {:?}",
                            change.renamed_from.as_deref().unwrap_or_default(),
                            change.tenant
                        );
                        audit.record(&ctx.conn, "tenant_rename", &detail)?;
                        ctx.events.push(StoreEvent::DirectoryChanged);
                        Ok(change)
                    })
                    .await?;
                Ok(Response::TenantChanged(Box::new(change)))
            }
            Request::RemoveTenant { name, force } => {
                let audit = Auditor::of(access, now);
                let actor = access.actor.clone();
                let (change, files) = self
                    .write(move |ctx| {
                        let (change, files) =
                            tenants::remove_tenant(&ctx.conn, &name, force, &actor, now)?;
                        let detail = format!(
                            "tenant {:?} removed with {}",
                            change.tenant,
                            change
                                .removed
                                .as_ref()
                                .map(|r| r.describe())
                                .unwrap_or_default()
                        );
                        audit.record(&ctx.conn, "tenant_remove", &detail)?;
                        ctx.events.push(StoreEvent::DirectoryChanged);
                        Ok((change, files))
                    })
                    .await?;
                // The rows are gone for good: the files they pointed at go too.
                let dir = self.config.data_dir.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    for f in files {
                        let path = dir.join(&f);
                        if path.starts_with(&dir)
                            && let Err(e) = std::fs::remove_file(&path)
                            && e.kind() != std::io::ErrorKind::NotFound
                        {
                            tracing::warn!(file = %f, error = %e, "a removed tenant's file stayed");
                        }
                    }
                })
                .await;
                tracing::info!(tenant = %change.tenant, by = %access.actor, "tenant removed");
                Ok(Response::TenantChanged(Box::new(change)))
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "tenant".into(),
                request: format!("{other:?}"),
            })),
        }
    }
}
