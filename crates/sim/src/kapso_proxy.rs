//! Kapso's Meta proxy on the simulator (`/meta/whatsapp/{version}/…`): the Graph API's paths with
//! `X-API-Key` instead of a Meta token, for the numbers Kapso connected. Like Kapso, it resolves
//! the number (or WABA) named in the path, or `phone_number_id` in the query for a media id, and
//! forwards the call to the simulated Cloud API with that number's token, so the same handlers
//! serve it. A media answer gains a signed `download_url` that needs no key. It also forwards
//! Meta's webhooks for those numbers to their `meta` webhooks, signed (`X-Webhook-Signature`).

use super::Simulator;
use super::graph::graph_error;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub(super) fn router() -> Router<Arc<Simulator>> {
    Router::new()
        .route("/meta/whatsapp/media_download", get(media_download))
        .route(
            "/meta/whatsapp/{*rest}",
            any(proxy).layer(DefaultBodyLimit::max(
                super::media::MAX_UPLOAD_BYTES + 64 * 1024,
            )),
        )
}

/// The number a proxied call is for: named in the path (a number or its WABA), else by
/// `phone_number_id` in the query (media ids).
fn resolve(
    sim: &Simulator,
    id: &str,
    query: &HashMap<String, String>,
) -> Result<String, Box<Response>> {
    if let Some(n) = sim.kapso_number(id) {
        return Ok(n.phone_number_id);
    }
    match query.get("phone_number_id") {
        Some(p) => match sim.kapso_number(p) {
            Some(n) if n.phone_number_id == *p => Ok(n.phone_number_id),
            _ => Err(Box::new(graph_error(
                404,
                100,
                &format!("No WhatsApp configuration in this project for phone number {p}"),
            ))),
        },
        None if sim.number(id).is_some() || sim.all_numbers().iter().any(|n| n.waba_id == id) => {
            Err(Box::new(graph_error(
                404,
                100,
                &format!("No WhatsApp configuration in this project for {id}"),
            )))
        }
        None => Err(Box::new(graph_error(
            400,
            100,
            "(#100) phone_number_id is required in the query for media calls with an API key",
        ))),
    }
}

async fn proxy(
    State(sim): State<Arc<Simulator>>,
    method: Method,
    axum::extract::Path(rest): axum::extract::Path<String>,
    RawQuery(raw): RawQuery,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !super::kapso::key_ok(&sim, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"error": "Invalid API key"})),
        )
            .into_response();
    }
    let mut parts = rest.split('/');
    let (Some(_version), Some(id)) = (parts.next(), parts.next()) else {
        return graph_error(400, 100, "Unsupported request");
    };
    let pnid = match resolve(&sim, id, &query) {
        Ok(p) => p,
        Err(refusal) => return *refusal,
    };
    let Some(number) = sim.number(&pnid) else {
        return graph_error(404, 100, "the number is gone");
    };
    if let Some(refused) = super::kapso_reconnect::refusal(&sim, &pnid) {
        return refused;
    }
    sim.lock()
        .kapso
        .proxied
        .push((method.to_string(), rest.clone()));
    let mut url = format!("{}/{rest}", sim.base_url());
    if let Some(q) = raw.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(&q);
    }
    let mut forward = sim
        .http
        .request(method.clone(), url)
        .bearer_auth(&number.token)
        .body(body);
    if let Some(ct) = headers.get("content-type") {
        forward = forward.header("content-type", ct);
    }
    let answered = match forward.send().await {
        Ok(r) => r,
        Err(_) => return graph_error(502, 131000, "Kapso could not reach Meta"),
    };
    let status =
        StatusCode::from_u16(answered.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = answered
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let bytes = answered.bytes().await.unwrap_or_default();
    // A media object: add Kapso's signed download link (no key needed to follow it).
    let is_media = method == Method::GET
        && rest.split('/').count() == 2
        && sim.kapso_number(id).is_none()
        && status.is_success();
    if is_media && let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) {
        let token = format!("{:032x}", rand::random::<u128>());
        sim.lock()
            .kapso
            .media_tokens
            .insert(token.clone(), id.to_string());
        v["download_url"] = Value::String(format!(
            "{}/meta/whatsapp/media_download?token={token}",
            sim.base_url()
        ));
        return (status, axum::Json(v)).into_response();
    }
    (status, [("content-type", content_type)], bytes).into_response()
}

/// `GET /meta/whatsapp/media_download?token=…`: the bytes behind a signed link.
async fn media_download(
    State(sim): State<Arc<Simulator>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let media = {
        let s = sim.lock();
        q.get("token")
            .and_then(|t| s.kapso.media_tokens.get(t))
            .and_then(|id| s.media.get(id))
            .cloned()
    };
    match media {
        Some((bytes, mime)) => ([("content-type", mime)], bytes).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

impl Simulator {
    /// Where Kapso forwards a webhook body, and its headers, when its number has an active `meta`
    /// webhook; None for a number Kapso does not forward.
    pub(super) fn kapso_forward(
        &self,
        body: &[u8],
    ) -> Option<(String, Vec<(&'static str, String)>)> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let pnid = v
            .pointer("/entry/0/changes/0/value/metadata/phone_number_id")
            .and_then(Value::as_str)?;
        let mut s = self.lock();
        let hook = s
            .kapso
            .webhooks
            .iter()
            .find(|w| w.phone_number_id == pnid && w.kind == "meta" && w.active)?
            .clone();
        s.kapso.forwarded += 1;
        drop(s);
        let signature = wabox_webhook::signature::sign_kapso(hook.secret.as_bytes(), body);
        Some((
            hook.url,
            vec![
                ("x-webhook-signature", signature),
                (
                    "x-idempotency-key",
                    format!("{:032x}", rand::random::<u128>()),
                ),
            ],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::kapso::KapsoNumberRecord;
    use super::super::{SimNumber, SimOptions, Simulator};
    use std::time::Duration;
    use wabox_cloud::{Credential, GraphClient, GraphError};
    use wabox_secret::Secret;

    fn number(pnid: &str, waba: &str, token: &str) -> SimNumber {
        SimNumber {
            phone_number_id: pnid.into(),
            waba_id: waba.into(),
            display_phone: "15550001111".into(),
            token: token.into(),
            coexistence: false,
            verified_name: "Acme".into(),
        }
    }

    #[tokio::test]
    async fn the_proxy_serves_kapsos_numbers_with_the_key_and_nothing_else() {
        let meta_only = number("501", "601", "EAA-TEST-TOKEN-meta");
        let sim = Simulator::start(
            SimOptions::new("secret", vec![meta_only]),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        {
            let mut s = sim.lock();
            s.extra_numbers
                .push(number("502", "602", "EAA-TEST-TOKEN-kapso"));
            s.kapso.numbers.push(KapsoNumberRecord {
                phone_number_id: "502".into(),
                waba_id: "602".into(),
                customer_id: "c1".into(),
                coexistence: false,
                provisioned_id: None,
            });
        }
        let graph = |key: &str| {
            GraphClient::new(&sim.base_url(), "v26.0", Duration::from_secs(5))
                .unwrap()
                .with_kapso_proxy(
                    &format!("{}/meta/whatsapp", sim.base_url()),
                    "v24.0",
                    Secret::new(key),
                )
        };
        let through = |pnid: &str| Credential::KapsoProxy {
            phone_number_id: pnid.into(),
        };
        let ok = graph(super::super::SIM_KAPSO_API_KEY);
        let state = ok
            .phone_number("502", &through("502"), "status")
            .await
            .unwrap();
        assert_eq!(state["status"], "CONNECTED");
        assert!(
            !ok.list_templates("602", &through("502"))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(sim.kapso_proxied().len(), 2);
        // A number Kapso did not connect is not Kapso's to serve.
        let theirs = ok
            .phone_number("501", &through("501"), "status")
            .await
            .unwrap_err();
        assert_eq!(theirs.code(), Some(100), "{theirs}");
        // A wrong key is refused, and says which setting to fix; it is not retried.
        let wrong = graph("kapso-wrong-key")
            .phone_number("502", &through("502"), "status")
            .await
            .unwrap_err();
        assert!(matches!(wrong, GraphError::Setup(_)), "{wrong:?}");
        assert!(wrong.to_string().contains("[kapso] api_key"), "{wrong}");
        assert!(!wrong.action().retryable());
    }
}
