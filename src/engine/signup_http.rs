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
        .with_state(engine)
}

async fn oauth(
    State(engine): State<Arc<Engine>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    page(engine.oauth_callback(&params).await)
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
