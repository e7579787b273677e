//! Tokens for reaching the engine from elsewhere: making, listing and revoking them (admins for
//! their scope; anyone for their own), and the sessions open with each, so that a revoked
//! token's are closed at once.

use super::Engine;
use super::access::Access;
use super::routing::Auditor;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wabox_protocol::directory::{TokenCreated, TokenView};
use wabox_protocol::{ApiError, ErrorCode, Request, Response};
use wabox_store::api_tokens::{self, TokenRow};
use wabox_store::scope::Scope;
use wabox_store::{StoreError, queues};

/// At most this long a token's name, in characters.
const MAX_NAME_CHARS: usize = 100;

fn view(t: TokenRow) -> TokenView {
    TokenView {
        id: t.id,
        user: t.holder,
        name: t.name,
        created_at: t.created_at,
        created_by: t.created_by,
        expires_at: t.expires_at,
        revoked_at: t.revoked_at,
        last_used_at: t.last_used_at,
    }
}

/// Whose tokens a scope sees: every one's, its tenant's users', or its own.
fn holders_of(
    conn: &wabox_store::db::Connection,
    scope: &Scope,
) -> wabox_store::Result<Option<Vec<String>>> {
    Ok(match scope {
        Scope::Everything => None,
        Scope::Tenant(t) => Some(queues::users_of_tenant(conn, *t)?),
        Scope::Agent(user) => Some(vec![user.clone()]),
    })
}

impl Engine {
    pub(crate) async fn tokens_request(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        match request {
            Request::CreateToken {
                user,
                name,
                expires_in,
            } => self.create_token(access, user, name, expires_in, now).await,
            Request::ListTokens => {
                let scope = access.scope.clone();
                self.read(move |c| {
                    let holders = holders_of(c, &scope)?;
                    api_tokens::list(c, holders.as_deref())
                })
                .await
                .map(|ts| Response::Tokens(ts.into_iter().map(view).collect()))
            }
            Request::RevokeToken { id } => self.revoke_token(access, id, now).await,
            other => Err(ApiError::from(ErrorCode::WrongRequest {
                area: "tokens".into(),
                request: format!("{other:?}"),
            })),
        }
    }

    async fn create_token(
        self: &Arc<Self>,
        access: &Access,
        user: String,
        name: Option<String>,
        expires_in: Option<i64>,
        now: i64,
    ) -> Result<Response, ApiError> {
        let user = user.trim().to_string();
        let name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        if user.is_empty() {
            return Err(ErrorCode::TokenForWhom {}.into());
        }
        if name
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NAME_CHARS)
        {
            return Err(ErrorCode::TokenNameTooLong {
                max: MAX_NAME_CHARS as u64,
            }
            .into());
        }
        let expires_at = match expires_in {
            Some(s) if s <= 0 => {
                return Err(ErrorCode::TokenExpiryPast {}.into());
            }
            Some(s) => Some(now.saturating_add(s)),
            None => None,
        };
        // A user with no standing of their own would be refused at every request: named in
        // the config's `admins`, or with an agent record (of the caller's tenant, for a
        // tenant's admin).
        let listed_admin = self.config.admins.contains(&user);
        let secret = api_tokens::new_secret();
        let scope = access.scope.clone();
        let audit = Auditor::of(access, now);
        let actor = access.actor.clone();
        let made = self
            .write(move |ctx| {
                let record = queues::agent_record(&ctx.conn, &user)?;
                match (&scope, &record) {
                    (Scope::Everything, None) if !listed_admin => {
                        return Err(StoreError::NotFound(ErrorCode::TokenForNobody {
                            user: user.clone(),
                        }));
                    }
                    (Scope::Tenant(mine), r)
                        if r.as_ref().and_then(|r| r.tenant_id) != Some(*mine) =>
                    {
                        return Err(StoreError::Conflict(ErrorCode::NotYourTenantsUser {
                            user: user.clone(),
                        }));
                    }
                    (Scope::Agent(_), _) => {
                        return Err(StoreError::Conflict(ErrorCode::AgentNotAdmin {
                            user: user.clone(),
                        }));
                    }
                    _ => {}
                }
                let made = api_tokens::create(
                    &ctx.conn,
                    &secret,
                    &user,
                    name.as_deref(),
                    &actor,
                    expires_at,
                    now,
                )?;
                let detail = format!(
                    "token {} for {user}{}{}",
                    made.id,
                    name.as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default(),
                    expires_at
                        .map(|at| format!(", expires at {at}"))
                        .unwrap_or_default(),
                );
                audit.record(&ctx.conn, "token_create", &detail)?;
                Ok((made, secret))
            })
            .await?;
        Ok(Response::TokenCreated(TokenCreated {
            token: view(made.0),
            secret: made.1,
        }))
    }

    async fn revoke_token(
        self: &Arc<Self>,
        access: &Access,
        id: i64,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let audit = Auditor::of(access, now);
        let actor = access.actor.clone();
        let revoked = self
            .write(move |ctx| {
                let visible = api_tokens::get(&ctx.conn, id)?.filter(|t| {
                    match holders_of(&ctx.conn, &scope) {
                        Ok(None) => true,
                        Ok(Some(holders)) => holders.contains(&t.holder),
                        Err(_) => false,
                    }
                });
                let Some(token) = visible else {
                    return Err(StoreError::NotFound(ErrorCode::NoToken { id }));
                };
                if api_tokens::revoke(&ctx.conn, id, &actor, now)? {
                    let detail = format!("token {id} of {}", token.holder);
                    audit.record(&ctx.conn, "token_revoke", &detail)?;
                }
                Ok(api_tokens::get(&ctx.conn, id)?.expect("the row just revoked"))
            })
            .await?;
        self.remote_sessions.close_token(id);
        Ok(Response::TokenRevoked(view(revoked)))
    }
}

/// The sessions open with each token on this engine: each one ends when its sender says so.
#[derive(Default)]
pub struct RemoteSessions {
    open: Mutex<HashMap<i64, Vec<tokio::sync::watch::Sender<bool>>>>,
}

impl RemoteSessions {
    /// A new session of `token`: its receiver turns true when it is to close.
    pub fn open(&self, token: i64) -> tokio::sync::watch::Receiver<bool> {
        self.open_within(token, usize::MAX)
            .expect("no bound, no refusal")
    }

    /// A new session of `token` if it holds fewer than `max`.
    pub fn open_within(
        &self,
        token: i64,
        max: usize,
    ) -> Option<tokio::sync::watch::Receiver<bool>> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let sessions = open.entry(token).or_default();
        // Ended sessions go when another opens.
        sessions.retain(|s| !s.is_closed());
        if sessions.len() >= max {
            return None;
        }
        let (tx, rx) = tokio::sync::watch::channel(false);
        sessions.push(tx);
        Some(rx)
    }

    /// Closes every session of `token`.
    pub fn close_token(&self, token: i64) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        for session in open.remove(&token).unwrap_or_default() {
            let _ = session.send(true);
        }
    }

    /// The tokens with a session still open.
    pub fn tokens(&self) -> Vec<i64> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|_, sessions| {
            sessions.retain(|s| !s.is_closed());
            !sessions.is_empty()
        });
        open.keys().copied().collect()
    }
}
