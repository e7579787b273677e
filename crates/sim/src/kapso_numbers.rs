//! The simulated Kapso's numbers on its Platform API: the project's numbers, one number, and
//! each number's webhooks (`kind: meta` forwards Meta's raw webhooks).

use super::Simulator;
use super::kapso::{KapsoNumberRecord, WebhookRecord, key_ok, not_found, refuse, unauthorized};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// A number of the project as Kapso's Platform API shows it.
fn number_json(sim: &Simulator, r: &KapsoNumberRecord) -> Option<Value> {
    let n = sim.number(&r.phone_number_id)?;
    Some(json!({
        "id": n.phone_number_id, "phone_number_id": n.phone_number_id,
        "business_account_id": n.waba_id, "customer_id": r.customer_id,
        "display_phone_number": format!("+{}", n.display_phone),
        "display_phone_number_normalized": n.display_phone,
        "verified_name": n.verified_name, "is_coexistence": n.coexistence,
        "status": "CONNECTED", "quality_rating": "GREEN",
    }))
}

/// `GET /whatsapp/phone_numbers[?customer_id=…]`: the project's numbers, newest first.
pub(super) async fn list_numbers(
    State(sim): State<Arc<Simulator>>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !key_ok(&sim, &headers) {
        return unauthorized();
    }
    let records: Vec<KapsoNumberRecord> = sim
        .lock()
        .kapso
        .numbers
        .iter()
        .rev()
        .filter(|n| q.get("customer_id").is_none_or(|c| *c == n.customer_id))
        .cloned()
        .collect();
    let data: Vec<Value> = records
        .iter()
        .filter_map(|r| number_json(&sim, r))
        .collect();
    let count = data.len();
    axum::Json(json!({"data": data, "meta": {"page": 1, "per_page": 100, "total_pages": 1, "total_count": count}}))
        .into_response()
}

/// `GET /whatsapp/phone_numbers/{id}`: one number of the project, with its customer.
pub(super) async fn one_number(
    State(sim): State<Arc<Simulator>>,
    Path(pnid): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !key_ok(&sim, &headers) {
        return unauthorized();
    }
    match sim
        .kapso_number(&pnid)
        .filter(|n| n.phone_number_id == pnid)
        .and_then(|r| number_json(&sim, &r))
    {
        Some(data) => axum::Json(json!({"data": data})).into_response(),
        None => not_found("Phone number"),
    }
}

/// `POST /whatsapp/phone_numbers/{id}/webhooks` with `{"whatsapp_webhook":{url, kind, secret_key,
/// active}}`: `kind: meta` forwards Meta's raw webhooks.
pub(super) async fn create_webhook(
    State(sim): State<Arc<Simulator>>,
    Path(pnid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !key_ok(&sim, &headers) {
        return unauthorized();
    }
    if sim
        .kapso_number(&pnid)
        .is_none_or(|n| n.phone_number_id != pnid)
    {
        return not_found("Phone number");
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let w = &v["whatsapp_webhook"];
    let Some(url) = w["url"].as_str().filter(|u| reqwest::Url::parse(u).is_ok()) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "url",
            "must be a valid URL",
        );
    };
    let record = WebhookRecord {
        id: sim.kapso_id(""),
        phone_number_id: pnid.clone(),
        url: url.to_string(),
        kind: w["kind"].as_str().unwrap_or("kapso").to_string(),
        secret: w["secret_key"].as_str().unwrap_or_default().to_string(),
        active: w["active"].as_bool().unwrap_or(true),
    };
    let json = webhook_json(&record);
    sim.lock().kapso.webhooks.push(record);
    (StatusCode::CREATED, axum::Json(json!({"data": json}))).into_response()
}

fn webhook_json(w: &WebhookRecord) -> Value {
    json!({"id": w.id, "url": w.url, "kind": w.kind, "active": w.active,
           "phone_number_id": w.phone_number_id, "headers": {"X-Webhook-Source": "kapso"}})
}

pub(super) async fn list_webhooks(
    State(sim): State<Arc<Simulator>>,
    Path(pnid): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !key_ok(&sim, &headers) {
        return unauthorized();
    }
    let data: Vec<Value> = sim
        .lock()
        .kapso
        .webhooks
        .iter()
        .filter(|w| w.phone_number_id == pnid)
        .map(webhook_json)
        .collect();
    axum::Json(json!({"data": data})).into_response()
}
