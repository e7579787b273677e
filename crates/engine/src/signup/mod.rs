//! Browser signups: Meta's Embedded Signup with the master app (and, through `kapso.rs`, Kapso
//! setup links). The engine makes the link with a single-use state, its HTTP listener takes the
//! callback (`signup_http.rs`), trades the code for the business's token, finds the numbers the
//! token reaches, and the admin picks one (with the PIN that registers a dedicated number).

mod meta;

use super::Engine;
use super::access::Access;
use super::connect::AttachNumber;
use std::sync::Arc;
use wabox_cloud::Credential;
use wabox_domain::signup::META_STATE_SECONDS;
use wabox_protocol::{ApiError, Request, Response, SignupCandidate, SignupPath, SignupView};
use wabox_secret::Secret;
use wabox_store::{StoreError, queues, signups};

/// What a callback page tells the person in the browser.
pub struct CallbackOutcome {
    pub ok: bool,
    pub title: String,
    pub detail: String,
}

impl CallbackOutcome {
    pub(super) fn refused(why: &str) -> Self {
        CallbackOutcome {
            ok: false,
            title: "This link cannot connect a number".into(),
            detail: why.into(),
        }
    }
}

impl Engine {
    /// Every browser callback (Meta's, Kapso's) starts here: the `state` parameter is consumed
    /// once, or the callback is refused with why and attaches nothing.
    pub(super) async fn consume_callback_state(
        self: &Arc<Self>,
        params: &std::collections::HashMap<String, String>,
        now: i64,
        from: &'static str,
    ) -> Result<i64, CallbackOutcome> {
        let state = params.get("state").cloned().unwrap_or_default();
        let consumed = self
            .write(move |ctx| signups::consume_state(&ctx.conn, &state, now))
            .await;
        match consumed {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(refusal)) => {
                tracing::warn!(refusal = ?refusal, from, "a signup callback was refused");
                Err(CallbackOutcome::refused(refusal.explain()))
            }
            Err(e) => {
                tracing::error!(error = %e, from, "a signup callback could not be checked");
                Err(CallbackOutcome::refused(&format!(
                    "wabox could not check this link: {e}"
                )))
            }
        }
    }

    /// Where the engine's listener is reached from a browser: `[webhook] public_url`.
    pub(super) fn public_url(&self) -> Result<&str, ApiError> {
        self.config
            .public_url
            .as_deref()
            .or(self.loopback_url.get().map(String::as_str))
            .ok_or_else(|| ApiError::from(wabox_protocol::ErrorCode::NoPublicUrl {}))
    }

    /// The URL behind a short link, while its signup waits.
    pub async fn short_link_target(self: &Arc<Self>, code: &str) -> Option<String> {
        let (code, now) = (code.to_string(), wabox_domain::time::now_unix());
        self.read(move |c| signups::short_link_target(c, &code, now))
            .await
            .ok()
            .flatten()
    }

    pub(super) fn oauth_redirect_uri(&self) -> Result<String, ApiError> {
        Ok(format!("{}/oauth/callback", self.public_url()?))
    }

    pub(super) async fn signup(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        match request {
            Request::BeginSignup {
                tenant,
                path,
                queue,
            } => {
                let view = self.begin_signup(access, &tenant, path, queue, now).await?;
                Ok(Response::Signup(Box::new(view)))
            }
            Request::GetSignup { id } => {
                let scope = access.scope.clone();
                self.read(move |c| signups::view(c, &scope, id, now))
                    .await
                    .map(|v| Response::Signup(Box::new(v)))
            }
            Request::ListSignups { tenant } => {
                let scope = access.scope.clone();
                self.read(move |c| {
                    let t = tenant
                        .as_deref()
                        .map(|t| queues::tenant_named(c, t))
                        .transpose()?;
                    signups::list(c, &scope, t, now)
                })
                .await
                .map(Response::Signups)
            }
            Request::FinishSignup {
                id,
                phone_number_id,
                pin,
            } => self
                .finish_signup(access, id, phone_number_id, pin, now, false)
                .await
                .map(|r| Response::Connected(Box::new(r))),
            Request::RevokeSignup { id } => {
                if let Some(untold) = self.revoke_signup(access, id, now).await? {
                    return Err(untold);
                }
                let scope = access.scope.clone();
                self.read(move |c| signups::view(c, &scope, id, now))
                    .await
                    .map(|v| Response::Signup(Box::new(v)))
            }
            Request::RegenerateSignup { id } => {
                let scope = access.scope.clone();
                let old = self
                    .read(move |c| signups::view(c, &scope, id, now))
                    .await?;
                let secrets = self.read(move |c| signups::secrets(c, id)).await?;
                let path: SignupPath = serde_json::from_str(&secrets.options).map_err(|e| {
                    ApiError::from(wabox_protocol::ErrorCode::SignupNotRemade {
                        id,
                        detail: e.to_string(),
                    })
                })?;
                if let Some(untold) = self.revoke_signup(access, id, now).await? {
                    // The new link revokes the old one at Kapso anyway.
                    tracing::warn!(signup = id, "{}", untold.english());
                }
                let view = self
                    .begin_signup(access, &old.tenant, path, old.queue, now)
                    .await?;
                Ok(Response::Signup(Box::new(view)))
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "signup".into(),
                request: format!("{other:?}"),
            })),
        }
    }

    /// The tenant by name (created when an installation admin names a new one) within scope.
    async fn signup_tenant(
        self: &Arc<Self>,
        access: &Access,
        tenant: &str,
        now: i64,
    ) -> Result<i64, ApiError> {
        let name = tenant.trim().to_string();
        if name.is_empty() {
            return Err(ApiError::from(wabox_protocol::ErrorCode::NameTheTenant {}));
        }
        let scope = access.scope.clone();
        self.write(move |ctx| {
            let id = match queues::tenant_named(&ctx.conn, &name) {
                Ok(id) => id,
                Err(StoreError::NotFound(_)) if scope.tenant().is_none() => {
                    let t = wabox_store::directory::add_tenant(&ctx.conn, &name, now)?;
                    ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                    t.id
                }
                Err(e) => return Err(e),
            };
            if scope.tenant().is_some_and(|t| t != id) {
                return Err(StoreError::NotFound(wabox_protocol::ErrorCode::NoTenant {
                    name: name.clone(),
                }));
            }
            Ok(id)
        })
        .await
    }

    async fn begin_signup(
        self: &Arc<Self>,
        access: &Access,
        tenant: &str,
        path: SignupPath,
        queue: Option<String>,
        now: i64,
    ) -> Result<SignupView, ApiError> {
        let options = serde_json::to_string(&path).map_err(ApiError::internal)?;
        let state = signups::fresh_state();
        let (url, coexistence, expires_at, kapso_link_id, kind) = match &path {
            SignupPath::Meta { coexistence } => (
                self.meta_dialog_url(&state, *coexistence)?,
                *coexistence,
                now + META_STATE_SECONDS,
                None,
                "meta",
            ),
            SignupPath::Kapso(opts) => {
                let tenant_id = self.signup_tenant(access, tenant, now).await?;
                let link = self
                    .kapso_setup_link(tenant_id, tenant, opts, &state)
                    .await?;
                (
                    link.url,
                    opts.connection_types == ["coexistence"],
                    link.expires_at
                        .min(now + wabox_domain::signup::KAPSO_LINK_SECONDS),
                    Some(link.id),
                    "kapso",
                )
            }
        };
        let tenant_id = self.signup_tenant(access, tenant, now).await?;
        let created_by = access.actor.clone();
        let short_code = signups::fresh_short_code();
        let id = {
            let (url, queue) = (url.clone(), queue.clone());
            self.write(move |ctx| {
                let id = signups::create(
                    &ctx.conn,
                    &signups::NewSignup {
                        tenant_id,
                        path: kind,
                        state: &state,
                        created_by: &created_by,
                        expires_at,
                        url: &url,
                        short_code: &short_code,
                        coexistence,
                        queue: queue.as_deref(),
                        kapso_link_id: kapso_link_id.as_deref(),
                        options: &options,
                    },
                    now,
                )?;
                if kind == "kapso" {
                    // Kapso keeps one live link per customer: the older one is dead there.
                    signups::supersede_kapso(&ctx.conn, tenant_id, id, now)?;
                }
                Ok(id)
            })
            .await?
        };
        self.audited_signup(
            access,
            &format!("signup {id} started ({kind}) for {tenant}"),
            now,
        )
        .await;
        let scope = access.scope.clone();
        self.read(move |c| signups::view(c, &scope, id, now)).await
    }

    async fn audited_signup(self: &Arc<Self>, access: &Access, detail: &str, now: i64) {
        let (actor, detail) = (access.actor.clone(), detail.to_string());
        let as_user = (access.user != access.actor).then(|| access.user.clone());
        if let Err(e) = self
            .write(move |ctx| {
                queues::audit(
                    &ctx.conn,
                    &actor,
                    as_user.as_deref(),
                    "signup",
                    &detail,
                    now,
                )
            })
            .await
        {
            tracing::error!(error = %e, "an audit entry could not be written");
        }
    }

    pub(super) async fn fail_signup(
        self: &Arc<Self>,
        id: i64,
        why: &str,
        code: Option<&str>,
        now: i64,
    ) {
        let (why, code) = (why.to_string(), code.map(str::to_string));
        if let Err(e) = self
            .write(move |ctx| signups::fail(&ctx.conn, id, &why, code.as_deref(), now))
            .await
        {
            tracing::error!(error = %e, "a failed signup could not be recorded");
        }
    }

    /// The access of the admin who started a signup, for the steps the callback finishes alone.
    pub(super) async fn signup_creator(self: &Arc<Self>, id: i64) -> Result<Access, ApiError> {
        let (user, tenant_id): (String, i64) = self
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT created_by, tenant_id FROM signups WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await?;
        Ok(Access {
            user: user.clone(),
            actor: user,
            scope: wabox_store::scope::Scope::Tenant(tenant_id),
            remote: false,
        })
    }

    pub(super) async fn finish_signup(
        self: &Arc<Self>,
        access: &Access,
        id: i64,
        phone_number_id: Option<String>,
        pin: Option<Secret>,
        now: i64,
        claimed: bool,
    ) -> Result<wabox_protocol::ConnectReport, ApiError> {
        let scope = access.scope.clone();
        let view = self
            .read(move |c| signups::view(c, &scope, id, now))
            .await?;
        let secrets = self.read(move |c| signups::secrets(c, id)).await?;
        if secrets.status != "choose" {
            return Err(ApiError::from(match view.status {
                wabox_protocol::SignupStatus::Waiting => {
                    wabox_protocol::ErrorCode::NobodyCameBack {}
                }
                s => wabox_protocol::ErrorCode::SignupFinished {
                    id,
                    status: format!("{s:?}"),
                },
            }));
        }
        // One finisher at a time (`claimed`: the caller claimed it with the token's arrival).
        if !claimed
            && !self
                .write(move |ctx| signups::claim_finish(&ctx.conn, id, now))
                .await?
        {
            return Err(wabox_protocol::ErrorCode::SignupBeingConnected { id }.into());
        }
        // Any failure lets the number be picked again.
        let finished: Result<wabox_protocol::ConnectReport, ApiError> = async {
            let chosen = match phone_number_id.as_deref().map(str::trim) {
                Some(p) => view
                    .candidates
                    .iter()
                    .find(|c| {
                        c.phone_number_id == p
                            || c.display_phone.trim_start_matches('+') == p.trim_start_matches('+')
                    })
                    .ok_or_else(|| {
                        ApiError::from(wabox_protocol::ErrorCode::NotShared {
                            phone_number_id: p.to_string(),
                            shared: list(&view.candidates),
                        })
                    })?,
                None => match view.candidates.as_slice() {
                    [only] => only,
                    many => {
                        return Err(ApiError::from(wabox_protocol::ErrorCode::PickOne {
                            count: many.len() as u64,
                            shared: list(many),
                        }));
                    }
                },
            }
            .clone();
            let token = Credential::Token(Secret::new(
                self.sealer
                    .open(secrets.token_sealed.as_deref().unwrap_or_default())
                    .map_err(ApiError::internal)?,
            ));
            if !chosen.coexistence {
                let pin = pin.filter(|p| !p.is_empty()).ok_or_else(|| {
                    ApiError::from(wabox_protocol::ErrorCode::PinNeeded {
                        display_phone: chosen.display_phone.clone(),
                    })
                })?;
                self.graph
                    .register(&chosen.phone_number_id, &token, &pin)
                    .await
                    .map_err(|e| {
                        ApiError::from(wabox_protocol::ErrorCode::PinRefused {
                            display_phone: chosen.display_phone.clone(),
                            meta: e.to_string(),
                        })
                    })?;
            }
            let report = self
                .attach_number(
                    access,
                    AttachNumber {
                        tenant: secrets.tenant.clone(),
                        phone_number_id: chosen.phone_number_id.clone(),
                        waba_id: chosen.waba_id.clone(),
                        credential: token,
                        queue: view.queue.clone(),
                        via: "meta",
                        token_expires_at: view.token_expires_at,
                        business_id: None,
                        create_tenant: false,
                    },
                    now,
                )
                .await?;
            {
                let report = report.clone();
                self.write(move |ctx| signups::connected(&ctx.conn, id, &report, now))
                    .await?;
            }
            Ok(report)
        }
        .await;
        if finished.is_err() {
            // The number may be picked again (`wabox connect finish`).
            if let Err(e) = self
                .write(move |ctx| signups::finish_failed(&ctx.conn, id))
                .await
            {
                tracing::warn!(signup = id, error = %e.english(), "could not reopen a signup after a failed finish");
            }
        }
        finished
    }

    /// Nobody may come back through the signup's link: its state is refused from now on, and a
    /// Kapso link is revoked at Kapso too. Answers why Kapso was not told, if it was not (the
    /// signup is revoked here all the same).
    async fn revoke_signup(
        self: &Arc<Self>,
        access: &Access,
        id: i64,
        now: i64,
    ) -> Result<Option<ApiError>, ApiError> {
        let scope = access.scope.clone();
        let view = self
            .read(move |c| signups::view(c, &scope, id, now))
            .await?;
        let secrets = self.read(move |c| signups::secrets(c, id)).await?;
        self.write(move |ctx| signups::revoke(&ctx.conn, id, now))
            .await?;
        self.audited_signup(access, &format!("signup {id} revoked"), now)
            .await;
        if let Some(link) = secrets.kapso_link_id.as_deref()
            && !view.status.finished()
            && let Err(e) = self.kapso_revoke_link(secrets.tenant_id, link).await
        {
            return Ok(Some(ApiError::from(
                wabox_protocol::ErrorCode::SignupRevokedKapsoNotTold {
                    id,
                    cause: e.english(),
                },
            )));
        }
        Ok(None)
    }
}

fn list(candidates: &[SignupCandidate]) -> String {
    candidates
        .iter()
        .map(|c| format!("+{} ({})", c.display_phone, c.phone_number_id))
        .collect::<Vec<_>>()
        .join(", ")
}
