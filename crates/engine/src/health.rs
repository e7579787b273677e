//! Per-number checks against Meta for `wabox doctor` (token and its expiry through debug_token,
//! the webhook subscription, the number's status, quality and throughput, coexistence), and the
//! background watch that keeps each token's expiry fresh so the inbox can warn before it lapses.

use super::Engine;
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use wabox_cloud::Credential;
use wabox_domain::health::{NumberFacts, NumberMetaState, TokenFact, assess};
use wabox_protocol::NumberHealth;
use wabox_store::db::params;
use wabox_store::scope::Scope;

/// How often the watch asks Meta about every token.
const TOKEN_WATCH_EVERY: Duration = Duration::from_secs(6 * 3600);
/// Numbers checked at once: Meta's app-level rate limits are generous, but not endless.
const AT_ONCE: usize = 4;

/// What the store knows of a number before Meta is asked.
struct Stored {
    id: i64,
    tenant: String,
    phone_number_id: String,
    waba_id: String,
    display_phone: String,
    connected_via: Option<String>,
    coexistence: bool,
    sealed: Option<Vec<u8>>,
    templates: i64,
    queue: Option<String>,
    history_media: wabox_protocol::HistoryMediaProgress,
}

fn stored_numbers(
    c: &wabox_store::db::Connection,
    scope: &Scope,
) -> wabox_store::Result<Vec<Stored>> {
    let sql = format!(
        "SELECT n.id, t.name, n.phone_number_id, n.waba_id, n.display_phone, n.connected_via,
                n.connection = 'coexistence', n.access_token_sealed,
                (SELECT count(*) FROM templates x WHERE x.waba_id = n.waba_id
                   AND x.tenant_id = n.tenant_id),
                q.name
         FROM numbers n JOIN tenants t ON t.id = n.tenant_id
         LEFT JOIN queues q ON q.id = n.queue_id
         WHERE n.active = 1 AND {}
         ORDER BY t.name, n.display_phone",
        wabox_store::scope::NUMBER_SCOPE_SQL
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(
        wabox_store::named_params! {":scope_tenant": scope.tenant(), ":scope_agent": scope.agent()},
        |r| {
            Ok(Stored {
                id: r.get(0)?,
                tenant: r.get(1)?,
                phone_number_id: r.get(2)?,
                waba_id: r.get(3)?,
                display_phone: r.get(4)?,
                connected_via: r.get(5)?,
                coexistence: r.get(6)?,
                sealed: r.get(7)?,
                templates: r.get(8)?,
                queue: r.get(9)?,
                history_media: Default::default(),
            })
        },
    )?;
    let mut numbers: Vec<Stored> = rows.collect::<wabox_store::db::Result<_>>()?;
    for n in &mut numbers {
        n.history_media = wabox_store::history_media::progress(c, n.id)?;
    }
    Ok(numbers)
}

/// The files of the number's history import, while it has any: in progress or done, never a
/// warning (a file Meta no longer serves is lost whatever the admin does; each failed message
/// says why, and `wabox media retry` asks again).
fn history_media_check(
    p: &wabox_protocol::HistoryMediaProgress,
) -> Option<wabox_domain::health::Check> {
    (p.total > 0).then(|| wabox_domain::health::Check {
        what: "history media".into(),
        level: wabox_domain::health::Level::Ok,
        detail: if p.waiting > 0 {
            format!("{}, {} to go", p.summary(), p.waiting)
        } else {
            p.summary()
        },
        fix: None,
    })
}

fn text_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

impl Engine {
    fn credential_of(&self, sealed: Option<&[u8]>) -> Option<Credential> {
        sealed.and_then(|s| self.open_credential(s).ok())
    }

    /// debug_token about one token, as a fact. A number Kapso connected has no Meta token here:
    /// Meta is not asked about it.
    async fn token_fact(&self, credential: Option<&Credential>) -> TokenFact {
        let token = match credential {
            None => return TokenFact::Missing,
            Some(Credential::KapsoProxy { .. }) => {
                return TokenFact::ThroughKapso {
                    api_key_set: self.config.kapso.api_key.is_some(),
                };
            }
            Some(Credential::Token(token)) => token,
        };
        let (Some(app_id), Some(secret)) = (&self.config.app_id, &self.config.app_secret) else {
            return TokenFact::Unchecked {
                why: "not checked: set [meta] app_id and app_secret to ask Meta about tokens"
                    .into(),
            };
        };
        match self.graph.debug_token(app_id, secret, token).await {
            Ok(d) if d.get("is_valid").and_then(Value::as_bool) == Some(true) => TokenFact::Valid {
                expires_at: d.get("expires_at").and_then(Value::as_i64).unwrap_or(0),
            },
            Ok(d) => TokenFact::Invalid {
                why: d
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("not valid")
                    .to_string(),
            },
            Err(e) => TokenFact::Unchecked {
                why: format!("Meta did not answer about the token: {e}"),
            },
        }
    }

    /// Every check of every number the scope sees; `offline` skips Meta (store checks only).
    pub(super) async fn number_health(
        self: &Arc<Self>,
        scope: Scope,
        offline: bool,
        now: i64,
    ) -> Result<Vec<NumberHealth>, wabox_protocol::ApiError> {
        let numbers = self.read(move |c| stored_numbers(c, &scope)).await?;
        let app_id = self.config.app_id.clone();
        let checked: Vec<(Stored, NumberFacts)> = futures_util::stream::iter(numbers)
            .map(|n| {
                let engine = self.clone();
                let app_id = app_id.clone();
                async move {
                    let token = engine.credential_of(n.sealed.as_deref());
                    let offline_why = || "not checked (--offline)".to_string();
                    let (token_fact, subscribed, state) = match (&token, offline) {
                        (_, true) => (
                            if token.is_some() {
                                TokenFact::Unchecked { why: offline_why() }
                            } else {
                                TokenFact::Missing
                            },
                            None,
                            Err(offline_why()),
                        ),
                        (None, false) => (
                            TokenFact::Missing,
                            None,
                            Err("no token to ask Meta with".to_string()),
                        ),
                        (Some(t), false) => {
                            let fact = engine.token_fact(Some(t)).await;
                            // A Kapso number's WABA is subscribed to Kapso's app, which forwards
                            // its webhooks: any subscribed app will do there.
                            let ours = |a: &Value| {
                                t.is_kapso()
                                    || app_id.is_none()
                                    || a.pointer("/whatsapp_business_api_data/id")
                                        .and_then(Value::as_str)
                                        == app_id.as_deref()
                            };
                            let subscribed = engine
                                .graph
                                .subscribed_apps(&n.waba_id, t)
                                .await
                                .ok()
                                .map(|apps| apps.iter().any(ours));
                            let answered = engine
                                .graph
                                .phone_number(
                                    &n.phone_number_id,
                                    t,
                                    "status,quality_rating,throughput,is_on_biz_app",
                                )
                                .await;
                            // Kapso's proxy passes Meta's refusal on: an authorization error
                            // for a Kapso number means Kapso's own connection to it broke.
                            let fact = match &answered {
                                Err(e)
                                    if t.is_kapso()
                                        && e.action() == wabox_cloud::ErrorAction::Reauthorize =>
                                {
                                    TokenFact::KapsoBroken { why: e.to_string() }
                                }
                                _ => fact,
                            };
                            let state = answered
                                .map(|v| NumberMetaState {
                                    status: text_at(&v, "/status"),
                                    quality_rating: text_at(&v, "/quality_rating"),
                                    throughput: text_at(&v, "/throughput/level"),
                                    is_on_biz_app: v
                                        .get("is_on_biz_app")
                                        .and_then(Value::as_bool)
                                        .unwrap_or(false),
                                })
                                .map_err(|e| format!("Meta did not answer about the number: {e}"));
                            (fact, subscribed, state)
                        }
                    };
                    let facts = NumberFacts {
                        tenant: n.tenant.clone(),
                        phone_number_id: n.phone_number_id.clone(),
                        waba_id: n.waba_id.clone(),
                        token: token_fact,
                        subscribed,
                        state,
                        stored_coexistence: n.coexistence,
                        templates: n.templates,
                        queue: n.queue.clone(),
                    };
                    (n, facts)
                }
            })
            .buffered(AT_ONCE)
            .collect()
            .await;
        self.remember_expiry(
            checked
                .iter()
                .filter_map(|(n, f)| match f.token {
                    TokenFact::Valid { expires_at } => Some((n.id, expires_at)),
                    _ => None,
                })
                .collect(),
            now,
        )
        .await;
        Ok(checked
            .into_iter()
            .map(|(n, f)| NumberHealth {
                checks: assess(&f, now)
                    .into_iter()
                    .chain(history_media_check(&n.history_media))
                    .collect(),
                tenant: n.tenant,
                display_phone: n.display_phone,
                phone_number_id: n.phone_number_id,
                connected_via: n.connected_via,
            })
            .collect())
    }

    /// Stores what Meta said of each token's expiry (the inbox warns from it).
    async fn remember_expiry(self: &Arc<Self>, expiries: Vec<(i64, i64)>, now: i64) {
        if expiries.is_empty() {
            return;
        }
        let written = self
            .write(move |ctx| {
                let mut stmt = ctx.conn.prepare_cached(
                    "UPDATE numbers SET token_expires_at = ?2, token_checked_at = ?3 WHERE id = ?1",
                )?;
                for (id, at) in &expiries {
                    stmt.execute(params![id, at, now])?;
                }
                ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                Ok(())
            })
            .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, "token expiries could not be stored");
        }
    }

    /// Every number's token expiry, asked of Meta.
    pub async fn refresh_token_expiries(self: &Arc<Self>) {
        let now = wabox_domain::time::now_unix();
        let Ok(numbers) = self.read(|c| stored_numbers(c, &Scope::Everything)).await else {
            return;
        };
        let mut expiries = Vec::new();
        for n in numbers {
            let token = self.credential_of(n.sealed.as_deref());
            match self.token_fact(token.as_ref()).await {
                TokenFact::Valid { expires_at } => expiries.push((n.id, expires_at)),
                TokenFact::Invalid { why } => {
                    tracing::warn!(number = %n.phone_number_id, %why, "a number's token is refused by Meta")
                }
                _ => {}
            }
        }
        self.remember_expiry(expiries, now).await;
    }
}

/// Asks Meta about every token at start and every few hours, when the app's id and secret are
/// configured (debug_token needs them).
pub fn spawn_token_watch(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if engine.config.app_id.is_none() || engine.config.app_secret.is_none() {
            return;
        }
        loop {
            engine.refresh_token_expiries().await;
            tokio::time::sleep(TOKEN_WATCH_EVERY).await;
        }
    })
}
