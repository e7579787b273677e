//! Renaming and removing tenants (installation admins only, like adding them). A removal of a
//! tenant with numbers is refused unless forced; forced, the store removes everything the tenant
//! holds in one transaction, and the files downloaded for its messages are deleted after.

use super::Engine;
use super::access::Access;
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
                let change = self
                    .write(move |ctx| {
                        let change = tenants::rename_tenant(&ctx.conn, &from, &to)?;
                        ctx.events.push(StoreEvent::DirectoryChanged);
                        Ok(change)
                    })
                    .await?;
                let detail = format!(
                    "tenant {:?} renamed {:?}",
                    change.renamed_from.as_deref().unwrap_or_default(),
                    change.tenant
                );
                self.tenant_audit(access, "tenant_rename", detail, now)
                    .await;
                Ok(Response::TenantChanged(Box::new(change)))
            }
            Request::RemoveTenant { name, force } => {
                let (change, files) = self
                    .write(move |ctx| {
                        let removed = tenants::remove_tenant(&ctx.conn, &name, force)?;
                        ctx.events.push(StoreEvent::DirectoryChanged);
                        Ok(removed)
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
                let detail = format!(
                    "tenant {:?} removed with {}",
                    change.tenant,
                    change
                        .removed
                        .as_ref()
                        .map(|r| r.describe())
                        .unwrap_or_default()
                );
                self.tenant_audit(access, "tenant_remove", detail, now)
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

    async fn tenant_audit(
        self: &Arc<Self>,
        access: &Access,
        action: &str,
        detail: String,
        now: i64,
    ) {
        let actor = access.actor.clone();
        let as_user = (access.user != access.actor).then(|| access.user.clone());
        let action = action.to_string();
        if let Err(e) = self
            .write(move |ctx| {
                wabox_store::queues::audit(
                    &ctx.conn,
                    &actor,
                    as_user.as_deref(),
                    &action,
                    &detail,
                    now,
                )
            })
            .await
        {
            tracing::error!(error = %e, "an audit entry could not be written");
        }
    }
}
