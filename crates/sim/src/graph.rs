//! The simulated Graph API endpoints.

use super::templates::catalogue;
use super::{SimNumber, Simulator};
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

pub fn router(sim: Arc<Simulator>) -> Router {
    Router::new()
        .route("/{version}/{id}/messages", post(super::sends::messages))
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
            "/{version}/{id}/block_users",
            post(super::blocking::block_users)
                .delete(super::blocking::block_users)
                .get(super::blocking::block_users),
        )
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
    let media = sim
        .media_exists(&id)
        .then(|| sim.lock().media.get(&id).cloned())
        .flatten();
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
