//! A Kapso-like Platform API on the simulator (`/platform/v1`): customers, setup links in Kapso's
//! JSON shapes, revoking them, the project's numbers, and per-number webhooks; `X-API-Key` on
//! every call (401 otherwise). The link's page is `kapso_setup`, the Meta proxy `kapso_proxy`, the
//! numbers and their webhooks `kapso_numbers`.

use super::Simulator;
use super::kapso_numbers::{create_webhook, list_numbers, list_webhooks, one_number};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Kapso's setup links last 30 days.
const LINK_SECONDS: i64 = 30 * 24 * 3600;

#[derive(Default)]
pub(crate) struct KapsoState {
    pub customers: Vec<Customer>,
    pub links: Vec<SetupLinkRecord>,
    /// The next setup fails with this `error_code`.
    pub fail_next: Option<String>,
    pub numbers: Vec<KapsoNumberRecord>,
    pub webhooks: Vec<WebhookRecord>,
    /// Calls through the Meta proxy: (method, path after `/meta/whatsapp/`).
    pub proxied: Vec<(String, String)>,
    /// Signed media download tokens → media id.
    pub media_tokens: std::collections::HashMap<String, String>,
    /// Deliveries Kapso forwarded to a `meta` webhook.
    pub forwarded: u64,
    pub next: u64,
    /// Numbers whose connection to Meta broke (`kapso_reconnect`).
    pub broken: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub id: String,
    pub name: String,
    pub external_customer_id: Option<String>,
}

/// A setup link as the simulated Kapso keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct SetupLinkRecord {
    pub id: String,
    pub customer_id: String,
    /// `active`, `revoked` or `used`.
    pub status: String,
    pub url: String,
    pub success_redirect_url: String,
    pub failure_redirect_url: String,
    pub allowed_connection_types: Vec<String>,
    pub provision_phone_number: bool,
    pub phone_number_country_isos: Vec<String>,
    pub language: String,
    pub primary_color: Option<String>,
    pub expires_at: i64,
    pub created_at: i64,
    /// The phone number id of the customer's number the link reconnects.
    pub reconnect: Option<String>,
    #[serde(skip)]
    pub(super) code: String,
}

/// A number Kapso connected for a customer.
#[derive(Debug, Clone, Serialize)]
pub struct KapsoNumberRecord {
    pub phone_number_id: String,
    pub waba_id: String,
    pub customer_id: String,
    pub coexistence: bool,
    pub provisioned_id: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct WebhookRecord {
    pub id: String,
    pub phone_number_id: String,
    pub url: String,
    pub kind: String,
    pub secret: String,
    pub active: bool,
}

pub fn router(sim: Arc<Simulator>) -> Router {
    Router::new()
        .route("/platform/v1/customers", post(create_customer))
        .route(
            "/platform/v1/customers/{customer}/setup_links",
            post(create_link).get(list_links),
        )
        .route(
            "/platform/v1/customers/{customer}/setup_links/{link}",
            axum::routing::patch(update_link),
        )
        .route("/platform/v1/whatsapp/phone_numbers", get(list_numbers))
        .route(
            "/platform/v1/whatsapp/phone_numbers/{pnid}",
            get(one_number),
        )
        .route(
            "/platform/v1/whatsapp/phone_numbers/{pnid}/webhooks",
            post(create_webhook).get(list_webhooks),
        )
        .route(
            "/whatsapp/setup/{code}",
            get(super::kapso_setup::setup_page),
        )
        .merge(super::kapso_proxy::router())
        .with_state(sim)
}

impl Simulator {
    /// The next setup through a Kapso link fails with this `error_code`
    /// (`phone_verification_failed`, `facebook_auth_failed`, …).
    pub fn kapso_fail_next(&self, error_code: &str) {
        self.lock().kapso.fail_next = Some(error_code.to_string());
    }

    /// Every setup link made so far, oldest first.
    pub fn kapso_links(&self) -> Vec<SetupLinkRecord> {
        self.lock().kapso.links.clone()
    }

    /// The numbers Kapso connected.
    pub fn kapso_numbers(&self) -> Vec<KapsoNumberRecord> {
        self.lock().kapso.numbers.clone()
    }

    /// Calls through Kapso's Meta proxy: (method, path after `/meta/whatsapp/`).
    pub fn kapso_proxied(&self) -> Vec<(String, String)> {
        self.lock().kapso.proxied.clone()
    }

    /// Deliveries Kapso forwarded to a `meta` webhook.
    pub fn kapso_forwarded(&self) -> u64 {
        self.lock().kapso.forwarded
    }

    /// The link's time runs out now.
    pub fn kapso_expire_link(&self, link_id: &str) {
        let mut s = self.lock();
        if let Some(l) = s.kapso.links.iter_mut().find(|l| l.id == link_id) {
            l.expires_at = wabox_domain::time::now_unix() - 1;
        }
    }

    /// The Kapso number `pnid` belongs to, if Kapso connected it.
    pub(crate) fn kapso_number(&self, id: &str) -> Option<KapsoNumberRecord> {
        self.lock()
            .kapso
            .numbers
            .iter()
            .find(|n| n.phone_number_id == id || n.waba_id == id)
            .cloned()
    }

    pub(super) fn kapso_id(&self, prefix: &str) -> String {
        let mut s = self.lock();
        s.kapso.next += 1;
        format!(
            "{prefix}{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rand::random::<u32>(),
            rand::random::<u16>(),
            s.kapso.next % 0x1000,
            rand::random::<u16>() % 0x1000,
            rand::random::<u64>() & 0xffff_ffff_ffff
        )
    }
}

/// Kapso's refusal of a missing or wrong key.
pub(super) fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": "Invalid API key"})),
    )
        .into_response()
}

pub(super) fn refuse(status: StatusCode, field: &str, why: &str) -> Response {
    (status, axum::Json(json!({"errors": {field: [why]}}))).into_response()
}

pub(super) fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": format!("{what} not found")})),
    )
        .into_response()
}

pub(super) fn key_ok(sim: &Simulator, headers: &HeaderMap) -> bool {
    headers.get("x-api-key").and_then(|v| v.to_str().ok())
        == Some(sim.options.kapso_api_key.as_str())
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn link_json(l: &SetupLinkRecord) -> Value {
    let mut v = json!({
        "id": l.id, "status": l.status, "url": l.url, "expires_at": rfc3339(l.expires_at),
        "success_redirect_url": l.success_redirect_url,
        "failure_redirect_url": l.failure_redirect_url,
        "allowed_connection_types": l.allowed_connection_types,
        "provision_phone_number": l.provision_phone_number,
        "phone_number_country_isos": l.phone_number_country_isos,
        "language": l.language, "created_at": rfc3339(l.created_at),
    });
    if let Some(c) = &l.primary_color {
        v["theme_config"] = json!({"primary_color": c});
    }
    v
}

/// `POST /customers` with `{"customer":{"name","external_customer_id"}}`.
async fn create_customer(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !key_ok(&sim, &headers) {
        return unauthorized();
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let c = &v["customer"];
    let Some(name) = c["name"].as_str().filter(|n| !n.trim().is_empty()) else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "name", "can't be blank");
    };
    let external = c["external_customer_id"].as_str().map(str::to_string);
    if external.is_some()
        && sim
            .lock()
            .kapso
            .customers
            .iter()
            .any(|k| k.external_customer_id == external)
    {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "external_customer_id",
            "has already been taken",
        );
    }
    let id = sim.kapso_id("");
    let customer = Customer {
        id: id.clone(),
        name: name.to_string(),
        external_customer_id: external.clone(),
    };
    sim.lock().kapso.customers.push(customer);
    (
        StatusCode::CREATED,
        axum::Json(
            json!({"data": {"id": id, "name": name, "external_customer_id": external,
                                   "created_at": rfc3339(wabox_domain::time::now_unix())}}),
        ),
    )
        .into_response()
}

fn customer_exists(sim: &Simulator, id: &str) -> bool {
    sim.lock().kapso.customers.iter().any(|c| c.id == id)
}

/// What a `setup_link` body asks for, checked like Kapso checks it; Err(field, why).
fn read_link(
    sim: &Simulator,
    customer: &str,
    v: &Value,
) -> Result<SetupLinkRecord, (String, String)> {
    let l = &v["setup_link"];
    let unprocessable = |field: &str, why: &str| (field.to_string(), why.to_string());
    let url = |field: &str| -> Result<String, (String, String)> {
        let u = l[field].as_str().unwrap_or("");
        match reqwest::Url::parse(u) {
            Ok(p) if matches!(p.scheme(), "http" | "https") => Ok(u.to_string()),
            _ => Err(unprocessable(field, "must be a valid URL")),
        }
    };
    let success = url("success_redirect_url")?;
    let failure = url("failure_redirect_url")?;
    let mut types: Vec<String> = match l.get("allowed_connection_types") {
        None | Some(Value::Null) => vec!["coexistence".into(), "dedicated".into()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => {
            return Err(unprocessable(
                "allowed_connection_types",
                "must be an array",
            ));
        }
    };
    types.dedup();
    if types.is_empty() || !types.iter().all(|t| t == "coexistence" || t == "dedicated") {
        return Err(unprocessable(
            "allowed_connection_types",
            "must contain coexistence and/or dedicated",
        ));
    }
    let provision = l["provision_phone_number"].as_bool().unwrap_or(false);
    if provision && !types.iter().any(|t| t == "dedicated") {
        return Err(unprocessable(
            "provision_phone_number",
            "requires the dedicated connection type",
        ));
    }
    let reconnect = super::kapso_reconnect::read(sim, customer, l, &mut types, provision)?;
    let countries: Vec<String> = match l.get("phone_number_country_isos") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ if provision => vec!["US".into()],
        _ => Vec::new(),
    };
    if countries
        .iter()
        .any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(unprocessable(
            "phone_number_country_isos",
            "must be ISO 3166 alpha-2 codes",
        ));
    }
    let language = l["language"].as_str().unwrap_or("en").to_string();
    if !["en", "es", "pt", "hi", "id", "ar"].contains(&language.as_str()) {
        return Err(unprocessable("language", "is not included in the list"));
    }
    let color = l
        .pointer("/theme_config/primary_color")
        .and_then(Value::as_str);
    if let Some(c) = color
        && !(c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(unprocessable(
            "theme_config.primary_color",
            "must be a hex colour",
        ));
    }
    let now = wabox_domain::time::now_unix();
    let code: String = (0..20)
        .map(|_| {
            const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            A[rand::random::<u32>() as usize % A.len()] as char
        })
        .collect();
    Ok(SetupLinkRecord {
        id: sim.kapso_id(""),
        customer_id: customer.to_string(),
        status: "active".into(),
        url: format!("{}/whatsapp/setup/{code}", sim.base_url()),
        success_redirect_url: success,
        failure_redirect_url: failure,
        allowed_connection_types: types,
        provision_phone_number: provision,
        phone_number_country_isos: countries,
        language,
        primary_color: color.map(str::to_string),
        expires_at: now + LINK_SECONDS,
        created_at: now,
        reconnect,
        code,
    })
}

/// `POST /customers/{id}/setup_links`: revokes the customer's active link, makes a new one.
async fn create_link(
    State(sim): State<Arc<Simulator>>,
    Path(customer): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !key_ok(&sim, &headers) {
        return unauthorized();
    }
    if !customer_exists(&sim, &customer) {
        return not_found("Customer");
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let link = match read_link(&sim, &customer, &v) {
        Ok(l) => l,
        Err((field, why)) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, &field, &why),
    };
    let json = link_json(&link);
    let mut s = sim.lock();
    for old in s
        .kapso
        .links
        .iter_mut()
        .filter(|l| l.customer_id == customer && l.status == "active")
    {
        old.status = "revoked".into();
    }
    s.kapso.links.push(link);
    drop(s);
    (StatusCode::CREATED, axum::Json(json!({"data": json}))).into_response()
}

async fn list_links(
    State(sim): State<Arc<Simulator>>,
    Path(customer): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !key_ok(&sim, &headers) {
        return unauthorized();
    }
    let data: Vec<Value> = sim
        .lock()
        .kapso
        .links
        .iter()
        .rev()
        .filter(|l| l.customer_id == customer)
        .map(link_json)
        .collect();
    let n = data.len();
    axum::Json(json!({"data": data, "meta": {"page": 1, "per_page": 100, "total_pages": 1, "total_count": n}}))
        .into_response()
}

/// `PATCH /customers/{id}/setup_links/{link}`: `{"setup_link":{"status":"revoked"}}` (the bare
/// `{"status":"revoked"}` of older docs is taken too).
async fn update_link(
    State(sim): State<Arc<Simulator>>,
    Path((customer, link)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !key_ok(&sim, &headers) {
        return unauthorized();
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let status = v
        .pointer("/setup_link/status")
        .or_else(|| v.get("status"))
        .and_then(Value::as_str);
    let mut s = sim.lock();
    let Some(l) = s
        .kapso
        .links
        .iter_mut()
        .find(|l| l.id == link && l.customer_id == customer)
    else {
        return not_found("Setup link");
    };
    match status {
        Some("revoked") => l.status = "revoked".into(),
        Some(other) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "status",
                &format!("cannot be set to {other}"),
            );
        }
        None => {}
    }
    axum::Json(json!({"data": link_json(l)})).into_response()
}
