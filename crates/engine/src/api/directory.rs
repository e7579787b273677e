//! Tenants and numbers: listing them, and adding them by hand.

use super::Caller;
use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, Request, Response};
use wabox_store::{self as store, StoreError, directory};

impl Engine {
    pub(super) async fn directory_request(
        self: &Arc<Self>,
        caller: &Caller,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        match request {
            Request::ListTenants => {
                let mut tenants = self.read(directory::list_tenants).await?;
                // A tenant's admin learns of no other tenant.
                if let Some(mine) = scope.tenant() {
                    tenants.retain(|t| t.id == mine);
                }
                Ok(Response::Tenants(tenants))
            }
            Request::AddTenant { name } => {
                let tenant = self
                    .write(move |ctx| {
                        let t = directory::add_tenant(&ctx.conn, &name, now)?;
                        ctx.events.push(store::StoreEvent::DirectoryChanged);
                        Ok(t)
                    })
                    .await?;
                tracing::info!(tenant = %tenant.name, by = %caller.user, "tenant added");
                Ok(Response::Tenant(tenant))
            }
            Request::ListNumbers => self.numbers_in(scope).await.map(Response::Numbers),
            Request::AddNumber {
                tenant,
                phone_number_id,
                waba_id,
                display_phone,
                connection,
                access_token,
                business_id,
            } => {
                if access_token
                    .as_ref()
                    .is_some_and(|t| wabox_cloud::Credential::looks_like_marker(t.expose()))
                {
                    return Err(wabox_protocol::ErrorCode::KapsoMarkerTyped {}.into());
                }
                let sealed = access_token
                    .filter(|t| !t.is_empty())
                    .map(|t| self.sealer.seal(t.expose()));
                let number = self
                    .write(move |ctx| {
                        // A tenant's admin adds numbers to their own tenant only; another
                        // tenant is "not found", as it is everywhere else.
                        if let Some(mine) = scope.tenant()
                            && wabox_store::queues::tenant_named(&ctx.conn, &tenant).ok()
                                != Some(mine)
                        {
                            return Err(StoreError::NotFound(
                                wabox_protocol::ErrorCode::NoTenantListed {
                                    name: tenant.to_string(),
                                },
                            ));
                        }
                        let n = directory::add_number(
                            &ctx.conn,
                            &directory::NewNumber {
                                tenant: &tenant,
                                phone_number_id: &phone_number_id,
                                waba_id: &waba_id,
                                display_phone: &display_phone,
                                connection,
                                access_token_sealed: sealed,
                            },
                            now,
                        )?;
                        store::business::set_business_id(&ctx.conn, n.id, business_id.as_deref())?;
                        let n = directory::list_numbers(&ctx.conn)?
                            .into_iter()
                            .find(|x| x.id == n.id)
                            .unwrap_or(n);
                        ctx.events.push(store::StoreEvent::DirectoryChanged);
                        Ok(n)
                    })
                    .await?;
                tracing::info!(phone_number_id = %number.phone_number_id, tenant = %number.tenant, by = %caller.user, "number added");
                Ok(Response::Number(number))
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "directory".into(),
                request: format!("{other:?}"),
            })),
        }
    }
}
