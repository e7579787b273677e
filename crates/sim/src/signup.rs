//! The simulator's side of Meta's Embedded Signup: the login dialog (a page that, followed with a
//! plain GET, redirects to the engine's callback as the business would after logging in), the
//! code exchange, `debug_token`, a WABA's phone numbers, its subscribed apps, and registering a
//! dedicated number with its PIN.
//!
//! Each dialog hands out the next WABA nobody has signed up with yet, of the kind asked for
//! (`featureType: whatsapp_business_app_onboarding` → a number on the Business app).

use super::Simulator;
use super::graph::{INVALID_TOKEN, bearer, graph_error};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// A business token from the code exchange lives about 60 days.
pub const TOKEN_SECONDS: i64 = 60 * 24 * 3600;

/// A code the dialog handed out: for which WABA, and the redirect it must be exchanged with.
#[derive(Debug, Clone)]
pub(crate) struct IssuedCode {
    pub waba_id: String,
    pub redirect_uri: String,
    pub used: bool,
}

pub(super) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{body}</p></body></html>"
    );
    (status, [("content-type", "text/html; charset=utf-8")], html).into_response()
}

pub(super) fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let mut u = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(_) => return url.to_string(),
    };
    u.query_pairs_mut().extend_pairs(pairs);
    u.to_string()
}

/// `GET /{version}/dialog/oauth`: Meta's login dialog, as a page that redirects at once.
pub(super) async fn dialog(
    State(sim): State<Arc<Simulator>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != sim.options.app_id {
        return page(
            StatusCode::BAD_REQUEST,
            "Invalid App ID",
            "The provided app ID does not look like a valid app ID.",
        );
    }
    let redirect = get("redirect_uri");
    if reqwest::Url::parse(redirect).is_err() {
        return page(
            StatusCode::BAD_REQUEST,
            "URL blocked",
            "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.",
        );
    }
    if get("response_type") != "code" || get("config_id").is_empty() || get("state").is_empty() {
        return page(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "Embedded Signup needs response_type=code, a config_id and a state.",
        );
    }
    let state = get("state");
    let extras: Value = serde_json::from_str(get("extras")).unwrap_or(Value::Null);
    let coexistence = extras.get("featureType").and_then(Value::as_str)
        == Some("whatsapp_business_app_onboarding");
    let mut s = sim.lock();
    if s.deny_next_signup {
        s.deny_next_signup = false;
        let to = with_query(
            redirect,
            &[
                ("error", "access_denied"),
                ("error_code", "200"),
                ("error_description", "Permissions error"),
                ("error_reason", "user_denied"),
                ("state", state),
            ],
        );
        return redirect_to(&to);
    }
    let waba = s.reauthorize_next.take().or_else(|| {
        sim.options
            .numbers
            .iter()
            .filter(|n| n.coexistence == coexistence)
            .map(|n| n.waba_id.clone())
            .find(|w| !s.signed_up.contains(w))
    });
    let Some(waba) = waba else {
        let to = with_query(
            redirect,
            &[
                ("error", "access_denied"),
                ("error_reason", "no_whatsapp_business_account"),
                (
                    "error_description",
                    "No WhatsApp Business account was shared",
                ),
                ("state", state),
            ],
        );
        return redirect_to(&to);
    };
    if !s.signed_up.contains(&waba) {
        s.signed_up.push(waba.clone());
    }
    s.next_id += 1;
    let code = format!("AQsimcode{:08}", s.next_id);
    s.codes.insert(
        code.clone(),
        IssuedCode {
            waba_id: waba,
            redirect_uri: redirect.to_string(),
            used: false,
        },
    );
    redirect_to(&with_query(redirect, &[("code", &code), ("state", state)]))
}

pub(super) fn redirect_to(url: &str) -> Response {
    (StatusCode::FOUND, [("location", url.to_string())]).into_response()
}

/// `GET /{version}/oauth/access_token`: a dialog's code for the business's token.
pub(super) async fn access_token(
    State(sim): State<Arc<Simulator>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != sim.options.app_id || get("client_secret") != sim.options.app_secret {
        return graph_error(400, 101, "Error validating client secret.");
    }
    let mut s = sim.lock();
    let Some(issued) = s.codes.get_mut(get("code")) else {
        return graph_error(400, 100, "Invalid verification code format.");
    };
    if issued.used {
        return graph_error(400, 100, "This authorization code has been used.");
    }
    if issued.redirect_uri != get("redirect_uri") {
        return graph_error(
            400,
            100,
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        );
    }
    issued.used = true;
    let waba = issued.waba_id.clone();
    let Some(number) = sim.options.numbers.iter().find(|n| n.waba_id == waba) else {
        return graph_error(400, 100, "The WABA of this code is gone.");
    };
    let number = s.as_known(number.clone());
    let expires = sim.now() + TOKEN_SECONDS;
    s.token_expiry.insert(number.token.clone(), expires);
    axum::Json(json!({
        "access_token": number.token, "token_type": "bearer", "expires_in": TOKEN_SECONDS
    }))
    .into_response()
}

/// `GET /{version}/debug_token?input_token=…`, authorized with `app_id|app_secret`.
pub(super) async fn debug_token(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let app_token = format!("{}|{}", sim.options.app_id, sim.options.app_secret);
    // Meta documents the app token as the `access_token` query parameter; a bearer header works
    // too, as on any Graph call. Which one came is noted so a test can hold wabox to the former.
    let (presented, form) = match q.get("access_token") {
        Some(t) => (Some(t.as_str()), "query"),
        None => (bearer(&headers), "header"),
    };
    sim.lock().debug_token_forms.push(form);
    if presented != Some(app_token.as_str()) {
        return graph_error(
            400,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    let input = q.get("input_token").map(String::as_str).unwrap_or("");
    sim.lock().debug_token_inputs.push(input.to_string());
    let wabas: Vec<String> = {
        let mut w: Vec<String> = sim
            .all_numbers()
            .iter()
            .filter(|n| n.token == input)
            .map(|n| n.waba_id.clone())
            .collect();
        w.dedup();
        w
    };
    let now = sim.now();
    let expires_at = sim.lock().token_expiry.get(input).copied().unwrap_or(0);
    if wabas.is_empty() || (expires_at != 0 && expires_at <= now) {
        return axum::Json(json!({"data": {
            "app_id": sim.options.app_id, "is_valid": false,
            "error": {"code": 190, "message": INVALID_TOKEN}
        }}))
        .into_response();
    }
    axum::Json(json!({"data": {
        "app_id": sim.options.app_id, "type": "SYSTEM_USER", "application": "wabox",
        "is_valid": true, "expires_at": expires_at, "data_access_expires_at": 0,
        "scopes": ["whatsapp_business_management", "whatsapp_business_messaging"],
        "granular_scopes": [
            {"scope": "whatsapp_business_management", "target_ids": wabas},
            {"scope": "whatsapp_business_messaging", "target_ids": wabas}
        ]
    }}))
    .into_response()
}

/// `GET /{version}/{waba}/phone_numbers`.
pub(super) async fn phone_numbers(
    State(sim): State<Arc<Simulator>>,
    Path((_version, waba)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let numbers = match super::graph::authorized_waba(&sim, &waba, &headers, "get") {
        Ok(n) => n,
        Err(refusal) => return *refusal,
    };
    let data: Vec<Value> = numbers
        .iter()
        .map(|n| super::graph::number_state(n, false))
        .collect();
    axum::Json(json!({"data": data})).into_response()
}

/// `GET /{version}/{waba}/subscribed_apps`.
pub(super) async fn list_subscribed_apps(
    State(sim): State<Arc<Simulator>>,
    Path((_version, waba)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = super::graph::authorized_waba(&sim, &waba, &headers, "get") {
        return *refusal;
    }
    let data = if sim.lock().subscribed.contains(&waba) {
        json!([{"whatsapp_business_api_data": {"id": sim.options.app_id, "name": "wabox"}}])
    } else {
        json!([])
    };
    axum::Json(json!({"data": data})).into_response()
}

/// `POST /{version}/{pnid}/register` with `{"messaging_product":"whatsapp","pin":"123456"}`.
pub(super) async fn register(
    State(sim): State<Arc<Simulator>>,
    Path((_version, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let number = match super::graph::authorized_number(&sim, &pnid, &headers) {
        Ok(n) => n,
        Err(refusal) => return *refusal,
    };
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let pin = v.get("pin").and_then(Value::as_str).unwrap_or("");
    if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return graph_error(400, 100, "(#100) Param pin must be 6 digits.");
    }
    if number.coexistence {
        return graph_error(
            400,
            100,
            "(#100) This number is on the WhatsApp Business app (coexistence): it must not be registered.",
        );
    }
    let mut s = sim.lock();
    if let Some(expected) = s.pins.get(&pnid)
        && expected != pin
    {
        return graph_error(
            400,
            133005,
            "Two step verification PIN Mismatch. Verify the PIN and try again.",
        );
    }
    s.registered.push(pnid);
    axum::Json(json!({"success": true})).into_response()
}
