//! Connecting a number by hand (the wizard's "manual" path): its phone number id, WABA id and
//! token are checked against the Graph API before anything is stored, then the master app is
//! subscribed to the WABA, the templates synced and the queue chosen. Connecting a number that is
//! already the tenant's again renews its token and keeps its conversations.

use super::Engine;
use super::access::Access;
use std::sync::Arc;
use wabox_cloud::Credential;
use wabox_domain::ConnectionKind;
use wabox_domain::connections::{display_digits, is_meta_id};
use wabox_protocol::SmbData;
use wabox_protocol::{ApiError, ConnectReport, Response};
use wabox_secret::Secret;
use wabox_store::db::{OptionalExtension, params};
use wabox_store::{StoreError, directory, queues};

/// A number to store, from whichever path confirmed it.
pub(super) struct AttachNumber {
    pub tenant: String,
    pub phone_number_id: String,
    pub waba_id: String,
    /// The Meta token, or the way through Kapso's proxy.
    pub credential: Credential,
    pub queue: Option<String>,
    /// `manual`, `meta`, `kapso`.
    pub via: &'static str,
    /// From debug_token, when the path asked (0 = never).
    pub token_expires_at: Option<i64>,
    /// The Meta business owning the WABA, when the path was told; else Meta is asked.
    pub business_id: Option<String>,
    /// A tenant not there yet is made in the same transaction as the number (installation
    /// admins only): nothing is left behind when Meta refuses.
    pub create_tenant: bool,
}

/// What the manual path is given.
pub(super) struct ManualNumber {
    pub tenant: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub token: Secret,
    pub queue: Option<String>,
    pub business_id: Option<String>,
    pub create_tenant: bool,
}

/// A failed call about a number, in words; a refused token says so, so that the wizard stops
/// asking again with it.
/// Meta's refusal of a number, as a token refusal when asking again with it cannot work.
fn refusal(confirming: bool, e: &wabox_cloud::GraphError) -> ApiError {
    use wabox_protocol::ErrorCode;
    let meta = e.to_string();
    let token = e.action() == wabox_cloud::ErrorAction::Reauthorize;
    ApiError::from(match (confirming, token) {
        (true, true) => ErrorCode::MetaDidNotConfirmToken { meta },
        (true, false) => ErrorCode::MetaDidNotConfirm { meta },
        (false, true) => ErrorCode::MetaDidNotAnswerToken { meta },
        (false, false) => ErrorCode::MetaDidNotAnswer { meta },
    })
}

const FIELDS: &str = "id,display_phone_number,verified_name,status,quality_rating,\
                      platform_type,is_on_biz_app,code_verification_status";

impl Engine {
    pub(super) async fn connect_manual(
        self: &Arc<Self>,
        access: &Access,
        manual: ManualNumber,
        now: i64,
    ) -> Result<Response, ApiError> {
        let ManualNumber {
            tenant,
            phone_number_id,
            waba_id,
            token,
            queue,
            business_id,
            create_tenant,
        } = manual;
        let pnid = phone_number_id.trim().to_string();
        let waba = waba_id.trim().to_string();
        let business_id = business_id
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty());
        if let Some(b) = business_id.as_deref()
            && !is_meta_id(b)
        {
            return Err(ApiError::from(wabox_protocol::ErrorCode::NotABusinessId {
                id: b.to_string(),
            }));
        }
        for (what, id) in [("phone number id", &pnid), ("WABA id", &waba)] {
            if !is_meta_id(id) {
                return Err(ApiError::from(wabox_protocol::ErrorCode::NotAMetaId {
                    id: id.to_string(),
                    what: what.to_string(),
                }));
            }
        }
        if token.is_empty() {
            return Err(ApiError::from(wabox_protocol::ErrorCode::TokenNeeded {}));
        }
        if Credential::looks_like_marker(token.expose()) {
            return Err(wabox_protocol::ErrorCode::KapsoMarkerTyped {}.into());
        }
        let report = self
            .attach_number(
                access,
                AttachNumber {
                    tenant,
                    phone_number_id: pnid,
                    waba_id: waba,
                    credential: Credential::Token(token),
                    queue,
                    via: "manual",
                    token_expires_at: None,
                    business_id,
                    create_tenant,
                },
                now,
            )
            .await?;
        Ok(Response::Connected(Box::new(report)))
    }

    /// Stores a number Meta has just confirmed with this token (every connection path ends
    /// here): subscribes the master app to its WABA, seals the token, picks or creates its queue,
    /// syncs its templates and writes the audit entry. A number already the tenant's is renewed.
    pub(super) async fn attach_number(
        self: &Arc<Self>,
        access: &Access,
        attach: AttachNumber,
        now: i64,
    ) -> Result<ConnectReport, ApiError> {
        let AttachNumber {
            tenant,
            phone_number_id: pnid,
            waba_id: waba,
            credential,
            queue,
            via,
            token_expires_at,
            business_id,
            create_tenant,
        } = attach;
        // Nothing is stored until Meta has confirmed the number and the token.
        let info = self
            .graph
            .phone_number(&pnid, &credential, FIELDS)
            .await
            .map_err(|e| typed_token_refused(via, &e))?;
        let display = info
            .get("display_phone_number")
            .and_then(|v| v.as_str())
            .map(display_digits)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| ApiError::from(wabox_protocol::ErrorCode::NoDisplayNumber {}))?;
        let coexistence = info
            .get("is_on_biz_app")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        self.graph
            .subscribe_app(&waba, &credential)
            .await
            .map_err(|e| {
                ApiError::from(wabox_protocol::ErrorCode::SubscribeFailed {
                    waba: waba.to_string(),
                    meta: e.to_string(),
                })
            })?;
        // Business-level webhooks name the business, not the WABA: learn it now. Not knowing
        // it costs only those events' routing (they stay unrouted and visible), not the number.
        let business_id = match business_id {
            Some(b) => Some(b),
            None => match self.graph.waba_owner_business(&waba, &credential).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(waba = %waba, error = %e, "Meta did not name the WABA's business");
                    None
                }
            },
        };
        let connection = if coexistence {
            ConnectionKind::Coexistence
        } else {
            ConnectionKind::Dedicated
        };
        let sealed = self.sealer.seal(&credential.to_stored());
        let scope = access.scope.clone();
        let (number_id, renewed) = {
            let (pnid, waba, display, queue) =
                (pnid.clone(), waba.clone(), display.clone(), queue.clone());
            self.write(move |ctx| {
                let tenant_id = match queues::tenant_named(&ctx.conn, &tenant) {
                    Err(StoreError::NotFound(_)) if create_tenant && scope.tenant().is_none() => {
                        directory::add_tenant(&ctx.conn, &tenant, now)?.id
                    }
                    found => found?,
                };
                if scope.tenant().is_some_and(|t| t != tenant_id) {
                    return Err(StoreError::NotFound(wabox_protocol::ErrorCode::NoTenant {
                        name: tenant.to_string(),
                    }));
                }
                let existing: Option<(i64, i64)> = ctx
                    .conn
                    .query_row(
                        "SELECT id, tenant_id FROM numbers WHERE phone_number_id = ?1",
                        [&pnid],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let (id, renewed) = match existing {
                    Some((_, other)) if other != tenant_id => {
                        return Err(StoreError::Conflict(
                            wabox_protocol::ErrorCode::OtherTenantsNumber {
                                phone_number_id: pnid.to_string(),
                            },
                        ));
                    }
                    Some((id, _)) => {
                        ctx.conn.execute(
                            "UPDATE numbers SET waba_id = ?2, display_phone = ?3, connection = ?4,
                                 access_token_sealed = ?5, active = 1, updated_at = ?6
                             WHERE id = ?1",
                            params![id, waba, display, connection.as_str(), sealed, now],
                        )?;
                        (id, true)
                    }
                    None => {
                        let n = directory::add_number(
                            &ctx.conn,
                            &directory::NewNumber {
                                tenant: &tenant,
                                phone_number_id: &pnid,
                                waba_id: &waba,
                                display_phone: &display,
                                connection,
                                access_token_sealed: Some(sealed),
                            },
                            now,
                        )?;
                        (n.id, false)
                    }
                };
                ctx.conn.execute(
                    "UPDATE numbers SET connected_via = ?2, token_expires_at = ?3,
                         token_checked_at = CASE WHEN CAST(?3 AS BIGINT) IS NULL THEN NULL ELSE CAST(?4 AS BIGINT) END
                     WHERE id = ?1",
                    params![id, via, token_expires_at, now],
                )?;
                wabox_store::business::set_business_id(&ctx.conn, id, business_id.as_deref())?;

                if let Some(q) = queue.as_deref() {
                    // The queue is chosen, or created, here.
                    if queues::add_queue(&ctx.conn, tenant_id, q, false, now).is_err() {
                        // It exists already: fine.
                    }
                    queues::assign_number(&ctx.conn, &pnid, q, &mut ctx.events)?;
                }
                ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                Ok((id, renewed))
            })
            .await?
        };
        let synced = super::templates::sync(self, Some(waba.clone())).await;
        let templates = synced.iter().map(|s| s.templates).sum();
        let template_error = synced.into_iter().find_map(|s| s.error);
        let number = self
            .read(directory::list_numbers)
            .await?
            .into_iter()
            .find(|n| n.id == number_id)
            .ok_or_else(|| {
                ApiError::from(wabox_protocol::ErrorCode::NumberJustConnectedMissing {})
            })?;
        let actor = access.actor.clone();
        let detail = format!(
            "{} +{} ({}) {}",
            if renewed { "reconnected" } else { "connected" },
            number.display_phone,
            number.phone_number_id,
            number.tenant
        );
        self.write(move |ctx| queues::audit(&ctx.conn, &actor, None, "connect", &detail, now))
            .await?;
        let text = |key: &str| info.get(key).and_then(|v| v.as_str()).map(str::to_string);
        Ok(ConnectReport {
            renewed,
            verified_name: text("verified_name"),
            status: text("status"),
            quality_rating: text("quality_rating"),
            subscribed: true,
            templates,
            template_error,
            queue: number.queue.clone(),
            number,
        })
    }

    /// The onboarding fields of a number, read with a token that is not stored yet.
    pub(super) async fn check_number(
        self: &Arc<Self>,
        phone_number_id: String,
        token: Secret,
    ) -> Result<Response, ApiError> {
        let info = self
            .graph
            .phone_number(phone_number_id.trim(), &Credential::Token(token), FIELDS)
            .await
            .map_err(|e| refusal(false, &e))?;
        let text = |key: &str| info.get(key).and_then(|v| v.as_str()).map(str::to_string);
        Ok(Response::NumberState(Box::new(
            wabox_domain::onboarding::NumberState {
                display_phone_number: text("display_phone_number"),
                is_on_biz_app: info
                    .get("is_on_biz_app")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                platform_type: text("platform_type"),
                status: text("status"),
                code_verification_status: text("code_verification_status"),
            },
        )))
    }

    /// Contacts, then history, each asked for once (Meta allows one of each, within 24 hours of
    /// the onboarding); what was asked before is not asked again.
    pub(super) async fn request_history_sync(
        self: &Arc<Self>,
        access: &Access,
        phone_number_id: String,
        now: i64,
    ) -> Result<Response, ApiError> {
        let pnid = phone_number_id.trim().to_string();
        let found = {
            let pnid = pnid.clone();
            // A tenant's admin reaches their tenant's numbers only (another's is "not found").
            let tenant = access.scope.tenant();
            self.read(move |c| {
                Ok(c.query_row(
                    "SELECT access_token_sealed, connection FROM numbers
                     WHERE phone_number_id = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR tenant_id = ?2)",
                    wabox_store::params![&pnid, tenant],
                    |r| Ok((r.get::<_, Option<Vec<u8>>>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()?)
            })
            .await?
        };
        let Some((Some(sealed), connection)) = found else {
            return Err(ApiError::from(
                wabox_protocol::ErrorCode::NoConnectedNumber {
                    phone_number_id: pnid.to_string(),
                },
            ));
        };
        if connection != "coexistence" {
            return Err(ApiError::from(
                wabox_protocol::ErrorCode::DedicatedNoHistory {
                    phone_number_id: pnid.to_string(),
                },
            ));
        }
        let credential = self.open_credential(&sealed).map_err(ApiError::internal)?;
        let mut results = Vec::new();
        for kind in [SmbData::SmbAppStateSync, SmbData::History] {
            let detail = format!("{pnid} {kind}");
            let asked = {
                let detail = detail.clone();
                self.read(move |c| {
                    Ok(c.query_row(
                        "SELECT 1 FROM audit WHERE action = 'smb_sync' AND detail = ?1",
                        [&detail],
                        |r| r.get::<_, i64>(0),
                    )
                    .optional()?
                    .is_some())
                })
                .await?
            };
            if asked {
                results.push((kind, Err("already requested (Meta allows it once)".into())));
                continue;
            }
            match self
                .graph
                .smb_app_data(&pnid, &credential, kind.as_str())
                .await
            {
                Ok(request_id) => {
                    let actor = access.actor.clone();
                    self.write(move |ctx| {
                        queues::audit(&ctx.conn, &actor, None, "smb_sync", &detail, now)
                    })
                    .await?;
                    results.push((kind, Ok(request_id)));
                }
                Err(e) => results.push((kind, Err(e.to_string()))),
            }
        }
        Ok(Response::HistorySync(results))
    }
}

/// Meta refused the number with the token a path has just been given. A token typed or pasted
/// a moment ago (manual entry) is the thing to check: nothing expired, nobody must reconnect.
fn typed_token_refused(via: &str, e: &wabox_cloud::GraphError) -> ApiError {
    use wabox_cloud::ErrorAction;
    match (via, e.action(), e.code()) {
        ("manual", ErrorAction::Reauthorize, Some(code)) => {
            ApiError::from(wabox_protocol::ErrorCode::TokenRefusedTyped {
                meta: e.meta_words(),
                code,
            })
        }
        _ => refusal(true, e),
    }
}
