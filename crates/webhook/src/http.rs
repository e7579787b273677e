//! The HTTP listener Meta calls: the subscribe handshake, signed deliveries, and a health check;
//! and the same deliveries forwarded by Kapso for the numbers it connected (`/kapso/webhook`,
//! signed with the Kapso webhook secret), stored through the same journal.

use super::journal::Journal;
use super::signature::{self, SignatureError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wabox_logging::repeated::{Noted, Repeated};
use wabox_secret::Secret;

/// Meta sends at most 3 MB; anything larger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

pub struct WebhookState {
    /// The engine's writer: a delivery is journaled before Meta hears 200.
    pub writer: Arc<dyn Journal>,
    pub app_secret: Secret,
    pub verify_token: Secret,
    /// `[kapso] webhook_secret`: Kapso's forwarded deliveries are refused without it.
    pub kapso_secret: Option<Secret>,
    /// What the listener answered, counted (`/healthz`, `GET /metrics`).
    pub counts: DeliveryCounts,
    /// Refusals anyone can cause at will, logged in full once and then summarised once a minute:
    /// a flood of forged requests must not fill the disk through the log.
    pub refusals: Repeated,
}

#[derive(Debug, Default)]
pub struct DeliveryCounts {
    /// Journaled and answered 200.
    pub acknowledged: AtomicU64,
    /// Refused for their signature: logged, stored nowhere.
    pub bad_signature: AtomicU64,
    /// Bodies over 3 MiB.
    pub too_large: AtomicU64,
    /// Answered 503: not journaled (Meta retries).
    pub unavailable: AtomicU64,
}

/// Seconds since the epoch by the wall clock (not the movable domain clock: a summary says when
/// the refusals really began).
fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Logs one refused request: in full when nothing was said for a minute, else counted, with one
/// summary line a minute later. `reason` is a fixed phrase, never the sender's text.
fn log_refusal(state: &Arc<WebhookState>, reason: &'static str, bytes: Option<usize>) {
    match state.refusals.note(wall_clock(), reason) {
        Noted::Say => tracing::warn!(
            reason,
            bytes,
            refused_total = state.counts.bad_signature.load(Ordering::Relaxed),
            "webhook request refused (more like it are summarised once a minute)"
        ),
        Noted::Counted { first: true } => {
            let state = state.clone();
            tokio::spawn(async move {
                let wait = state.refusals.every().max(1) as u64;
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                if let Some(summary) = state.refusals.summary(wall_clock()) {
                    tracing::warn!("{}", summary.describe("refused webhook requests"));
                }
            });
        }
        Noted::Counted { first: false } => {}
    }
}

pub fn router(state: Arc<WebhookState>) -> Router {
    Router::new()
        .route("/webhook", get(handshake).post(delivery))
        .route("/kapso/webhook", axum::routing::post(kapso_delivery))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// `GET /webhook?hub.mode=subscribe&hub.challenge=X&hub.verify_token=T`: echo X if T matches.
async fn handshake(
    State(state): State<Arc<WebhookState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let mode = params.get("hub.mode").map(String::as_str);
    let token = params
        .get("hub.verify_token")
        .map(String::as_str)
        .unwrap_or("");
    let challenge = params.get("hub.challenge");
    match (mode, challenge) {
        (Some("subscribe"), Some(challenge))
            if signature::secrets_match(token, state.verify_token.expose()) =>
        {
            tracing::info!("webhook subscription verified");
            (
                StatusCode::OK,
                [("content-type", "text/plain")],
                challenge.clone(),
            )
                .into_response()
        }
        _ => {
            log_refusal(
                &state,
                "handshake with a wrong or missing verify token",
                None,
            );
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

/// `POST /webhook`: check the signature on the raw bytes, journal, and only then answer 200.
async fn delivery(
    State(state): State<Arc<WebhookState>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    // Refuse an announced oversize body before reading any of it.
    let body = match read_body(&state, &headers, body).await {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let header = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if let Err(e) = signature::verify(state.app_secret.expose().as_bytes(), &body, header) {
        state.counts.bad_signature.fetch_add(1, Ordering::Relaxed);
        let reason = match e {
            SignatureError::Missing => "no X-Hub-Signature-256",
            SignatureError::Malformed => "malformed X-Hub-Signature-256",
            SignatureError::Mismatch => "X-Hub-Signature-256 does not match",
        };
        log_refusal(&state, reason, Some(body.len()));
        let status = match e {
            SignatureError::Missing | SignatureError::Malformed | SignatureError::Mismatch => {
                StatusCode::UNAUTHORIZED
            }
        };
        return status.into_response();
    }
    match state.writer.journal(body).await {
        Ok(_) => {
            state.counts.acknowledged.fetch_add(1, Ordering::Relaxed);
            StatusCode::OK.into_response()
        }
        Err(e) => {
            state.counts.unavailable.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "delivery not journaled; Meta will retry it");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The body, read whole, unless it is (or announces itself) over Meta's 3 MiB.
async fn read_body(
    state: &Arc<WebhookState>,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Bytes, Response> {
    let announced = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        state.counts.too_large.fetch_add(1, Ordering::Relaxed);
        StatusCode::PAYLOAD_TOO_LARGE.into_response()
    };
    if announced.is_some_and(|n| n > MAX_BODY_BYTES) {
        log_refusal(state, "over 3 MiB", announced);
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())
}

/// `POST /kapso/webhook`: Meta's raw webhooks for the numbers Kapso connected, forwarded by
/// Kapso and signed with the Kapso webhook secret (`X-Webhook-Signature`, hex HMAC-SHA256 of the
/// raw body). Checked before anything else, then journaled exactly like Meta's own deliveries.
/// A batch (`X-Webhook-Batch: true`, `{"data":[…]}`) is journaled one delivery at a time.
async fn kapso_delivery(
    State(state): State<Arc<WebhookState>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let Some(secret) = state.kapso_secret.as_ref() else {
        log_refusal(
            &state,
            "Kapso delivery while no [kapso] webhook_secret is set",
            None,
        );
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = match read_body(&state, &headers, body).await {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let header = headers
        .get("x-webhook-signature")
        .and_then(|v| v.to_str().ok());
    if let Err(e) = signature::verify_kapso(secret.expose().as_bytes(), &body, header) {
        state.counts.bad_signature.fetch_add(1, Ordering::Relaxed);
        let reason = match e {
            SignatureError::Missing => "no X-Webhook-Signature header",
            SignatureError::Malformed => "X-Webhook-Signature is not 64 hex digits",
            SignatureError::Mismatch => {
                "X-Webhook-Signature does not match the body and the Kapso webhook secret"
            }
        };
        log_refusal(&state, reason, Some(body.len()));
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let batch = headers
        .get("x-webhook-batch")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let deliveries: Vec<Bytes> = match batch {
        true => match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(mut o)) => match o.remove("data") {
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .filter_map(|i| serde_json::to_vec(i).ok())
                    .map(Bytes::from)
                    .collect(),
                _ => vec![body],
            },
            _ => vec![body],
        },
        false => vec![body],
    };
    for delivery in deliveries {
        if let Err(e) = state.writer.journal(delivery).await {
            state.counts.unavailable.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "Kapso delivery not journaled; Kapso will retry it");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        state.counts.acknowledged.fetch_add(1, Ordering::Relaxed);
    }
    StatusCode::OK.into_response()
}

async fn healthz(State(state): State<Arc<WebhookState>>) -> Response {
    let s = state.writer.counts();
    let journaled = s.journaled;
    let processed = s.processed + s.unrouted + s.invalid;
    let refused = state.counts.bad_signature.load(Ordering::Relaxed)
        + state.counts.too_large.load(Ordering::Relaxed);
    let mut body = serde_json::json!({
        "status": "ok",
        "journaled": journaled,
        "processed": s.processed,
        "unrouted": s.unrouted,
        "invalid": s.invalid,
        "refused": refused,
        "unavailable": state.counts.unavailable.load(Ordering::Relaxed),
    });
    // This engine's own counts are the backlog only where it is the journal's one reader.
    if !s.shared {
        body["backlog"] = journaled.saturating_sub(processed).into();
    }
    // A load balancer takes 200 for "send deliveries here": not while they cannot be kept.
    if let Some(reason) = state.writer.unavailable() {
        body["status"] = "unavailable".into();
        body["reason"] = reason.into();
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    }
    axum::Json(body).into_response()
}
