//! The simulated Graph API endpoints.

use super::templates::catalogue;
use super::{Injected, SentRecord, SimNumber, Simulator, webhooks};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wabox_domain::pace::Bucket;

pub fn router(sim: Arc<Simulator>) -> Router {
    Router::new()
        .route("/{version}/{id}/messages", post(messages))
        .route("/{version}/{id}/message_templates", get(message_templates))
        .route("/{version}/{id}", get(object))
        .route(
            "/{version}/{id}/subscribed_apps",
            post(subscribed_apps).get(super::signup::list_subscribed_apps),
        )
        .route("/{version}/dialog/oauth", get(super::signup::dialog))
        .route(
            "/{version}/oauth/access_token",
            get(super::signup::access_token),
        )
        .route("/{version}/debug_token", get(super::signup::debug_token))
        .route(
            "/{version}/{id}/phone_numbers",
            get(super::signup::phone_numbers),
        )
        .route("/{version}/{id}/register", post(super::signup::register))
        .route("/{version}/{id}/smb_app_data", post(smb_app_data))
        .route(
            "/{version}/{id}/media",
            post(super::media::upload).layer(DefaultBodyLimit::max(
                super::media::MAX_UPLOAD_BYTES + 64 * 1024,
            )),
        )
        .route("/sim/media/{id}", get(super::media::download))
        .with_state(sim)
}

/// An error in the Graph API's shape.
pub(super) fn graph_error(http: u16, code: i64, message: &str) -> Response {
    // Meta labels Cloud API errors OAuthException whatever they are.
    let kind = "OAuthException";
    let status = StatusCode::from_u16(http).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({"error": {"message": message, "type": kind, "code": code,
                                "fbtrace_id": "AsimULAt0rTr4ce"}});
    (status, axum::Json(body)).into_response()
}

/// Meta's answer to a missing, wrong or expired token (error 190).
pub(super) const INVALID_TOKEN: &str = "Error validating access token: The session is invalid.";

/// The number a call is addressed to, when the call's bearer token is that number's; otherwise
/// Meta's refusal (100 for an unknown number, 190 for the token, recorded as refused).
pub(super) fn authorized_number(
    sim: &Simulator,
    pnid: &str,
    headers: &HeaderMap,
) -> Result<SimNumber, Box<Response>> {
    let Some(number) = sim.number(pnid) else {
        return Err(Box::new(graph_error(
            400,
            100,
            &format!("Unsupported post request. Object with ID '{pnid}' does not exist"),
        )));
    };
    if bearer(headers) != Some(number.token.as_str()) {
        return Err(Box::new(sim.refuse(pnid, 401, 190, INVALID_TOKEN)));
    }
    Ok(number)
}

/// A WABA's numbers, when the call's bearer token is one of theirs; otherwise Meta's refusal
/// (100 for an unknown WABA, 190 for the token).
pub(super) fn authorized_waba(
    sim: &Simulator,
    waba: &str,
    headers: &HeaderMap,
    verb: &str,
) -> Result<Vec<SimNumber>, Box<Response>> {
    let numbers: Vec<SimNumber> = sim
        .all_numbers()
        .iter()
        .filter(|n| n.waba_id == waba)
        .cloned()
        .collect();
    if numbers.is_empty() {
        return Err(Box::new(graph_error(
            400,
            100,
            &format!("Unsupported {verb} request. Object with ID '{waba}' does not exist"),
        )));
    }
    let token = bearer(headers);
    if !numbers.iter().any(|n| token == Some(n.token.as_str())) {
        return Err(Box::new(graph_error(401, 190, INVALID_TOKEN)));
    }
    Ok(numbers)
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

impl Simulator {
    fn secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    pub(super) fn refuse(
        &self,
        phone_number_id: &str,
        http: u16,
        code: i64,
        message: &str,
    ) -> Response {
        self.lock()
            .refused
            .push((phone_number_id.to_string(), code));
        graph_error(http, code, message)
    }

    fn window_open(&self, phone_number_id: &str, recipient: &str) -> bool {
        let now = self.now();
        self.lock()
            .last_inbound
            .get(&(phone_number_id.to_string(), recipient.to_string()))
            .is_some_and(|t| now < t + wabox_domain::window::WINDOW_SECONDS)
    }
}

async fn messages(
    State(sim): State<Arc<Simulator>>,
    Path((_version, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.lock().requests += 1;
    let number = match authorized_number(&sim, &pnid, &headers) {
        Ok(n) => n,
        Err(refused) => return *refused,
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return sim.refuse(&pnid, 400, 100, "(#100) Invalid JSON in the request body");
    };
    if v.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return sim.refuse(
            &pnid,
            400,
            100,
            "(#100) The parameter messaging_product is required.",
        );
    }
    if v.get("status").and_then(Value::as_str) == Some("read") {
        return match v.get("message_id").and_then(Value::as_str) {
            Some(id) => {
                sim.lock().marked_read.push(id.to_string());
                axum::Json(json!({"success": true})).into_response()
            }
            None => sim.refuse(
                &pnid,
                400,
                100,
                "(#100) The parameter message_id is required.",
            ),
        };
    }
    let injected = sim.lock().injected.pop_front();
    match injected {
        Some(Injected::ServerError) => {
            return sim.refuse(&pnid, 500, 131000, "Something went wrong");
        }
        Some(Injected::Throttled) => return sim.refuse(&pnid, 400, 130429, "Rate limit hit"),
        Some(Injected::SlowAnswer(ms)) => {
            sim.lock().answering_slowly += 1;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            sim.lock().answering_slowly -= 1;
        }
        None => {}
    }
    let (recipient, by_bsuid) = match (
        v.get("to").and_then(Value::as_str),
        v.get("recipient").and_then(Value::as_str),
    ) {
        (Some(to), _) => (to.trim_start_matches('+').to_string(), false),
        (None, Some(r)) => (r.to_string(), true),
        (None, None) => return sim.refuse(&pnid, 400, 100, "(#100) The parameter to is required."),
    };
    let group = v.get("recipient_type").and_then(Value::as_str) == Some("group");
    if let Some(refusal) = super::groups::refusal(&sim, &pnid, &recipient, group) {
        return sim.refuse(&pnid, 400, 131009, &refusal);
    }
    let kind = v
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("text")
        .to_string();
    let text = match check_content(&kind, &v) {
        Ok(t) => t,
        Err((code, message)) => return sim.refuse(&pnid, 400, code, &message),
    };
    let answering = match sim.answering(&pnid, &recipient, &kind, &v) {
        Ok(a) => a,
        Err((code, message)) => return sim.refuse(&pnid, 400, code, &message),
    };
    // A media message (or a template's media header) by id must name a file uploaded to (or
    // received by) this API.
    let media_id = wabox_domain::MediaKind::parse(&kind)
        .and_then(|_| v.get(&kind))
        .and_then(|m| m.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| super::templates::header_media_id(&v));
    if let Some(id) = &media_id
        && !sim.media_exists(id)
    {
        return sim.refuse(
            &pnid,
            400,
            131053,
            &format!("(#131053) Media upload error: no media with id {id}, or it expired"),
        );
    }
    // Meta's rules on how fast: per number, then per customer.
    {
        let t = sim.secs();
        let mut s = sim.lock();
        let rate = if number.coexistence {
            sim.options.coexistence_rate
        } else {
            sim.options.rate_per_second
        };
        let bucket = s
            .number_buckets
            .entry(pnid.clone())
            .or_insert_with(|| Bucket::new(rate, (rate / 5.0).max(2.0), t));
        if bucket.wait(t) > 0.0 {
            drop(s);
            return sim.refuse(
                &pnid,
                400,
                130429,
                "(#130429) Rate limit hit: cloud API message throughput has been reached",
            );
        }
        bucket.take(t);
        let pair = s
            .pair_buckets
            .entry((pnid.clone(), recipient.clone()))
            .or_insert_with(|| {
                Bucket::new(
                    1.0 / sim.options.pair_interval_seconds.max(0.001),
                    sim.options.pair_burst as f64 + 1.0,
                    t,
                )
            });
        if pair.wait(t) > 0.0 {
            drop(s);
            return sim.refuse(
                &pnid,
                400,
                131056,
                "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            );
        }
        pair.take(t);
    }
    let wamid = sim.fresh_id("wamid.SIMOUT");
    let template = kind == "template";
    // Free-form outside the window: accepted now, failed later, as Meta does.
    let ending = if !template && !sim.window_open(&pnid, &recipient) {
        Ending::ClosedWindow
    } else if answering.reaction_refused {
        Ending::UnknownReactionTarget
    } else if answering.reaction {
        Ending::ReactionSent
    } else {
        Ending::Delivered
    };
    sim.remember_in_chat(&pnid, &[&recipient], &wamid);
    sim.lock().sent.push(SentRecord {
        phone_number_id: pnid.clone(),
        to: recipient.clone(),
        wamid: wamid.clone(),
        kind: kind.clone(),
        text,
        at_ms: sim.started.elapsed().as_millis(),
        at_unix_ms: wabox_domain::time::now_ms(),
        media_id,
        body: v.clone(),
        quoted: answering.quoted,
        dropped_context: answering.dropped_context,
    });
    tokio::spawn(report_statuses(
        sim.clone(),
        number,
        wamid.clone(),
        recipient.clone(),
        template,
        ending,
        group,
    ));
    let contact = if group {
        json!({"input": recipient})
    } else if by_bsuid {
        json!({"input": recipient, "user_id": recipient})
    } else {
        json!({"input": recipient, "wa_id": recipient})
    };
    let mut message = json!({"id": wamid});
    if template {
        message["message_status"] = json!("accepted");
    }
    axum::Json(
        json!({"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}),
    )
    .into_response()
}

/// Validates the body of a send the way Meta does; returns the text the simulator records.
fn check_content(kind: &str, v: &Value) -> Result<String, (i64, String)> {
    let missing = |what: &str| {
        (
            131008,
            format!("(#131008) Required parameter is missing: {what}"),
        )
    };
    match kind {
        "text" => {
            let body = v
                .pointer("/text/body")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("text.body"))?;
            if body.trim().is_empty() {
                return Err(missing("text.body"));
            }
            if body.chars().count() > 4096 {
                return Err((
                    100,
                    "(#100) Param text['body'] must be at most 4096 characters long.".into(),
                ));
            }
            Ok(body.to_string())
        }
        "template" => super::templates::check_send(v),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let m = v.get(kind).ok_or_else(|| missing(kind))?;
            if m.get("id").is_none() && m.get("link").is_none() {
                return Err(missing(&format!("{kind}.id or {kind}.link")));
            }
            Ok(match m.get("caption").and_then(Value::as_str) {
                Some(caption) => format!("[{kind}] {caption}"),
                None => format!("[{kind}]"),
            })
        }
        "reaction" | "interactive" | "location" | "contacts" => {
            v.get(kind).ok_or_else(|| missing(kind))?;
            Ok(format!("[{kind}]"))
        }
        other => Err((
            100,
            format!("(#100) Param type must be one of the supported types, not {other:?}"),
        )),
    }
}

/// How an accepted send ends, as its status webhooks tell.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ending {
    /// sent, delivered and read (in some order).
    Delivered,
    /// Free-form outside the window: failed 131047.
    ClosedWindow,
    /// A reaction: only `sent`, as Meta documents.
    ReactionSent,
    /// A reaction to a message the chat does not have: failed 131009.
    UnknownReactionTarget,
}

async fn report_statuses(
    sim: Arc<Simulator>,
    number: SimNumber,
    wamid: String,
    recipient: String,
    template: bool,
    ending: Ending,
    group: bool,
) {
    let (lo, hi) = sim.options.status_delay_ms;
    let pause = || Duration::from_millis(lo + rand::random::<u64>() % (hi.saturating_sub(lo) + 1));
    let send = |status: &'static str, error: Option<(i64, &'static str, &'static str)>| {
        let body = webhooks::status(
            &number,
            &wamid,
            &recipient,
            status,
            template,
            error,
            sim.now(),
        );
        if group {
            super::groups::as_group_status(body)
        } else {
            body
        }
    };
    if ending == Ending::UnknownReactionTarget {
        tokio::time::sleep(pause()).await;
        let body = send(
            "failed",
            Some((
                131009,
                "Parameter value is not valid",
                "The message reacted to is not in this chat, was deleted, is a reaction or is more than 30 days old.",
            )),
        );
        let _ = sim.deliver(body).await;
        return;
    }
    if ending == Ending::ReactionSent {
        tokio::time::sleep(pause()).await;
        let _ = sim.deliver(send("sent", None)).await;
        return;
    }
    if ending == Ending::ClosedWindow {
        tokio::time::sleep(pause()).await;
        let body = send(
            "failed",
            Some((
                131047,
                "Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            )),
        );
        let _ = sim.deliver(body).await;
        return;
    }
    let roll: f64 = rand::random();
    let order: &[&'static str] = if roll < 0.2 {
        &["sent", "read"] // both happened at once: Meta skips `delivered`
    } else if roll < 0.4 {
        &["sent", "read", "delivered"] // out of order
    } else {
        &["sent", "delivered", "read"]
    };
    for status in order {
        tokio::time::sleep(pause()).await;
        if let Err(e) = sim.deliver(send(status, None)).await {
            tracing::warn!(error = %e, "the simulator could not report a status");
        }
    }
}

async fn message_templates(
    State(sim): State<Arc<Simulator>>,
    Path((_version, waba)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = authorized_waba(&sim, &waba, &headers, "get") {
        return *refusal;
    }
    let all = catalogue();
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    let start: usize = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
    let end = start + page.len();
    let mut paging = json!({"cursors": {"before": start.to_string(), "after": end.to_string()}});
    if end < all.len() {
        paging["next"] = json!(format!(
            "{}/v26.0/{waba}/message_templates?after={end}&limit={limit}",
            sim.base_url()
        ));
    }
    axum::Json(json!({"data": page, "paging": paging})).into_response()
}

/// `POST /{waba-id}/subscribed_apps`: the master app hears this WABA's webhooks from now on.
async fn subscribed_apps(
    State(sim): State<Arc<Simulator>>,
    Path((_version, waba)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = authorized_waba(&sim, &waba, &headers, "post") {
        return *refusal;
    }
    let mut state = sim.lock();
    if !state.subscribed.contains(&waba) {
        state.subscribed.push(waba);
    }
    axum::Json(json!({"success": true})).into_response()
}

/// `POST /{pnid}/smb_app_data`: a coexistence number's contacts (`smb_app_state_sync`) or
/// history (`history`) are sent over webhooks; each can be asked for once.
async fn smb_app_data(
    State(sim): State<Arc<Simulator>>,
    Path((_version, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(number) = sim.number(&pnid) else {
        return graph_error(400, 100, &format!("Object with ID '{pnid}' does not exist"));
    };
    if bearer(&headers) != Some(number.token.as_str()) {
        return graph_error(401, 190, INVALID_TOKEN);
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let kind = v.get("sync_type").and_then(Value::as_str).unwrap_or("");
    if !matches!(kind, "smb_app_state_sync" | "history") || !number.coexistence {
        return graph_error(
            400,
            100,
            "(#100) sync_type must be smb_app_state_sync or history, for a coexistence number",
        );
    }
    let mut state = sim.lock();
    if state.smb_syncs.iter().any(|(p, k)| p == &pnid && k == kind) {
        return graph_error(
            400,
            100,
            "(#100) This sync was already requested for this number",
        );
    }
    state.smb_syncs.push((pnid.clone(), kind.to_string()));
    let request_id = format!("sync-{}-{}", kind, state.smb_syncs.len());
    drop(state);
    if kind == "history" {
        // Meta sends the history over webhooks in the minutes after the request.
        let sim = sim.clone();
        tokio::spawn(async move {
            if let Err(e) = sim.send_history(&number).await {
                tracing::warn!(error = %e, "the simulated history could not be delivered");
            }
        });
    }
    axum::Json(json!({"messaging_product": "whatsapp", "request_id": request_id})).into_response()
}

/// A number's fields as `GET /{pnid}` and `GET /{waba}/phone_numbers` show them; while it is
/// still onboarding from the Business app it is pending and not on the Cloud API yet.
pub(super) fn number_state(n: &SimNumber, onboarding: bool) -> Value {
    if onboarding {
        return json!({
            "id": n.phone_number_id, "display_phone_number": n.display_phone,
            "verified_name": n.verified_name, "status": "PENDING",
            "code_verification_status": "NOT_VERIFIED", "platform_type": "NOT_APPLICABLE",
            "is_on_biz_app": false, "quality_rating": "UNKNOWN"
        });
    }
    json!({
        "id": n.phone_number_id, "display_phone_number": n.display_phone, "verified_name": n.verified_name,
        "status": "CONNECTED", "code_verification_status": "VERIFIED", "quality_rating": "GREEN",
        "name_status": "APPROVED", "platform_type": "CLOUD_API", "throughput": {"level": "STANDARD"},
        "is_on_biz_app": n.coexistence, "account_mode": "LIVE",
        "whatsapp_business_manager_messaging_limit": "TIER_2K"
    })
}

async fn object(
    State(sim): State<Arc<Simulator>>,
    Path((_version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let token = bearer(&headers);
    if let Some(n) = sim.number(&id) {
        if token != Some(n.token.as_str()) {
            return graph_error(401, 190, INVALID_TOKEN);
        }
        let onboarding = {
            let mut state = sim.lock();
            match state.onboarding.get_mut(&id) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    true
                }
                _ => false,
            }
        };
        return axum::Json(number_state(&n, onboarding)).into_response();
    }
    if let Some(answer) = super::business::waba_object(&sim, &id, token) {
        return answer;
    }
    if !sim
        .all_numbers()
        .iter()
        .any(|n| token == Some(n.token.as_str()))
    {
        return graph_error(401, 190, INVALID_TOKEN);
    }
    let media = sim.lock().media.get(&id).cloned();
    match media {
        Some((bytes, mime)) => axum::Json(json!({
            "messaging_product": "whatsapp", "id": id, "mime_type": mime, "file_size": bytes.len(),
            "sha256": base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes)),
            "url": format!("{}/sim/media/{id}", sim.base_url()),
        }))
        .into_response(),
        None => graph_error(
            400,
            100,
            &format!("Unsupported get request. Object with ID '{id}' does not exist"),
        ),
    }
}
