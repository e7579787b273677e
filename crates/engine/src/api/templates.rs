//! Message templates: the list a scope sees, and syncing them from Meta.

use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, Request, Response};
use wabox_store::templates;

impl Engine {
    pub(super) async fn templates_request(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
    ) -> Result<Response, ApiError> {
        let scope = &access.scope;
        match request {
            Request::ListTemplates { phone_number_id } => {
                let waba = self.waba_of(scope, phone_number_id).await?;
                let within = self.wabas_in(scope).await?;
                let mut list = self
                    .read(move |c| templates::list(c, waba.as_deref()))
                    .await?;
                if let Some(within) = within {
                    list.retain(|t| within.contains(&t.waba_id));
                }
                Ok(Response::Templates(list))
            }
            Request::SyncTemplates { phone_number_id } => {
                if phone_number_id.is_none() && *scope != wabox_store::scope::Scope::Everything {
                    return Err(ApiError::from(
                        wabox_protocol::ErrorCode::SayWhichNumberToSync {},
                    ));
                }
                let waba = self.waba_of(scope, phone_number_id).await?;
                Ok(Response::TemplatesSynced(
                    crate::templates::sync(self, waba).await,
                ))
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "templates".into(),
                request: format!("{other:?}"),
            })),
        }
    }

    /// The WABA of a number given by Meta's id (none given: none), among the numbers the
    /// scope sees: another tenant's number is "not found", like one that does not exist.
    async fn waba_of(
        self: &Arc<Self>,
        scope: &wabox_store::scope::Scope,
        phone_number_id: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        let Some(p) = phone_number_id else {
            return Ok(None);
        };
        let numbers = self.numbers_in(scope.clone()).await?;
        numbers
            .into_iter()
            .find(|n| wabox_domain::number::names_number(&p, &n.phone_number_id, &n.display_phone))
            .map(|n| Some(n.waba_id))
            .ok_or_else(|| {
                ApiError::from(wabox_protocol::ErrorCode::NoNumberListed {
                    number: p.to_string(),
                })
            })
    }

    /// The WABAs of the numbers a scope sees; none for everything (no need to narrow).
    async fn wabas_in(
        self: &Arc<Self>,
        scope: &wabox_store::scope::Scope,
    ) -> Result<Option<Vec<String>>, ApiError> {
        if *scope == wabox_store::scope::Scope::Everything {
            return Ok(None);
        }
        let numbers = self.numbers_in(scope.clone()).await?;
        Ok(Some(numbers.into_iter().map(|n| n.waba_id).collect()))
    }
}
