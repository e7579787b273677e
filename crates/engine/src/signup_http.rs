//! The browser's way back into the engine, on the webhook listener: Meta's Embedded Signup
//! redirect (`/oauth/callback`) and Kapso's (`/kapso/success`, `/kapso/failed`). Each answers a
//! small page that tells the person in the browser what happened and what to do.

use super::Engine;
use super::signup::CallbackOutcome;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;

pub fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .route("/oauth/callback", get(oauth))
        .route("/kapso/success", get(kapso_success))
        .route("/kapso/failed", get(kapso_failed))
        .route("/c/{code}", get(short_link))
        .with_state(engine)
}

async fn oauth(
    State(engine): State<Arc<Engine>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    page(engine.oauth_callback(&params).await)
}

/// `/c/{code}`: the short link a QR code holds, redirecting to the signup's real URL.
async fn short_link(
    State(engine): State<Arc<Engine>>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Response {
    match engine.short_link_target(&code).await {
        Some(url) => (
            StatusCode::FOUND,
            [("location", url), ("cache-control", "no-store".into())],
        )
            .into_response(),
        None => page(CallbackOutcome {
            ok: false,
            title: "This link is no longer valid".into(),
            detail: "It was used, cancelled or has expired: ask for a new one from wabox.".into(),
        }),
    }
}

async fn kapso_success(
    State(engine): State<Arc<Engine>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    page(engine.kapso_callback(true, &params).await)
}

async fn kapso_failed(
    State(engine): State<Arc<Engine>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    page(engine.kapso_callback(false, &params).await)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(outcome: CallbackOutcome) -> Response {
    let status = if outcome.ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>wabox: {t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">\
         <h1>{t}</h1><p>{d}</p></body></html>",
        t = escape(&outcome.title),
        d = escape(&outcome.detail)
    );
    (
        status,
        [
            ("content-type", "text/html; charset=utf-8"),
            ("cache-control", "no-store"),
            ("referrer-policy", "no-referrer"),
        ],
        html,
    )
        .into_response()
}
