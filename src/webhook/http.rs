//! The HTTP listener Meta calls: the subscribe handshake, signed deliveries, and a health check;
//! and the same deliveries forwarded by Kapso for the numbers it connected (`/kapso/webhook`,
//! signed with the Kapso webhook secret), stored through the same journal.

use super::signature::{self, SignatureError};
use crate::engine::writer::WriterHandle;
use crate::secret::Secret;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Meta sends at most 3 MB; anything larger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

pub struct WebhookState {
    pub writer: WriterHandle,
    pub app_secret: Secret,
    pub verify_token: Secret,
    /// `[kapso] webhook_secret`: Kapso's forwarded deliveries are refused without it.
    pub kapso_secret: Option<Secret>,
    /// Deliveries refused for their signature: counted and logged, stored nowhere.
    pub refused: AtomicU64,
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
            tracing::warn!("webhook handshake refused: wrong or missing verify token");
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
    let body = match read_body(&headers, body).await {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let header = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if let Err(e) = signature::verify(state.app_secret.expose().as_bytes(), &body, header) {
        let refused = state.refused.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(reason = %e, refused_total = refused, bytes = body.len(), "webhook delivery refused");
        let status = match e {
            SignatureError::Missing | SignatureError::Malformed | SignatureError::Mismatch => {
                StatusCode::UNAUTHORIZED
            }
        };
        return status.into_response();
    }
    match state.writer.journal(body).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "delivery not journaled; Meta will retry it");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The body, read whole, unless it is (or announces itself) over Meta's 3 MiB.
async fn read_body(headers: &HeaderMap, body: axum::body::Body) -> Result<Bytes, Response> {
    let announced = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES) {
        tracing::warn!(bytes = announced, "webhook delivery refused: over 3 MiB");
        return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response());
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())
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
        tracing::warn!("a Kapso delivery was refused: no [kapso] webhook_secret is set");
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = match read_body(&headers, body).await {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let header = headers
        .get("x-webhook-signature")
        .and_then(|v| v.to_str().ok());
    if let Err(e) = signature::verify_kapso(secret.expose().as_bytes(), &body, header) {
        let refused = state.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let reason = match e {
            SignatureError::Missing => "no X-Webhook-Signature header",
            SignatureError::Malformed => "X-Webhook-Signature is not 64 hex digits",
            SignatureError::Mismatch => {
                "X-Webhook-Signature does not match the body and the Kapso webhook secret"
            }
        };
        tracing::warn!(
            reason,
            refused_total = refused,
            bytes = body.len(),
            "Kapso delivery refused"
        );
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
            tracing::error!(error = %e, "Kapso delivery not journaled; Kapso will retry it");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    StatusCode::OK.into_response()
}

async fn healthz(State(state): State<Arc<WebhookState>>) -> Response {
    let s = &state.writer.stats;
    let journaled = s.journaled.load(Ordering::Relaxed);
    let processed = s.processed.load(Ordering::Relaxed)
        + s.unrouted.load(Ordering::Relaxed)
        + s.invalid.load(Ordering::Relaxed);
    axum::Json(serde_json::json!({
        "status": "ok",
        "journaled": journaled,
        "processed": s.processed.load(Ordering::Relaxed),
        "unrouted": s.unrouted.load(Ordering::Relaxed),
        "invalid": s.invalid.load(Ordering::Relaxed),
        "backlog": journaled.saturating_sub(processed),
        "refused": state.refused.load(Ordering::Relaxed),
    }))
    .into_response()
}
