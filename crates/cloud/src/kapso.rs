//! Kapso's Platform API (kapso.ai): each tenant's customer on Kapso, the setup links that connect
//! a business's number, revoking them, the numbers a customer has, and the forwarding of Meta's
//! raw webhooks to us. `X-API-Key` on every call; the key never goes into an error or a log line.

use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use wabox_secret::Secret;

/// Why a Platform API call failed, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KapsoError {
    #[error(
        "Kapso refused the API key (HTTP {0}): check [kapso] api_key or WABOX_KAPSO_API_KEY \
         (Kapso's dashboard → Project settings → API keys)"
    )]
    Unauthorized(u16),
    /// Kapso answered with an error: its own words, the key scrubbed out.
    #[error("Kapso refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("could not reach Kapso at {0}: check [kapso] base_url and the network")]
    Unreachable(String),
    #[error("unexpected answer from Kapso: {0}")]
    Unexpected(String),
    /// An id that cannot name anything at Kapso, refused before a URL is built.
    #[error("{0}")]
    BadId(String),
}

impl KapsoError {
    pub fn status(&self) -> Option<u16> {
        match self {
            KapsoError::Unauthorized(s) | KapsoError::Refused { status: s, .. } => Some(*s),
            _ => None,
        }
    }
}

/// What a setup link offers the business and where Kapso sends the browser afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupLinkRequest {
    pub success_redirect_url: String,
    pub failure_redirect_url: String,
    /// `coexistence`, `dedicated` or both.
    pub connection_types: Vec<String>,
    pub provision_phone_number: bool,
    /// ISO country codes for a provisioned number.
    pub countries: Vec<String>,
    pub primary_color: Option<String>,
    pub language: String,
    /// `+E.164` of a number the customer already has on Kapso whose connection broke: the
    /// link refreshes that WABA and number instead of connecting another.
    pub reconnect_phone_number: Option<String>,
}

/// A setup link as Kapso made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupLink {
    pub id: String,
    pub status: String,
    pub url: String,
    /// Unix seconds; None when Kapso did not say (links last 30 days).
    pub expires_at: Option<i64>,
}

/// A WhatsApp number in the Kapso project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KapsoNumber {
    pub phone_number_id: String,
    /// The customer it belongs to.
    pub customer_id: Option<String>,
    pub business_account_id: Option<String>,
    pub display_phone_number: Option<String>,
    pub is_coexistence: Option<bool>,
}

/// A webhook Kapso delivers for a number: `kind` is `meta` (Meta's raw payload) or `kapso`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KapsoWebhook {
    pub url: String,
    pub kind: String,
    pub active: bool,
}

#[derive(Clone)]
pub struct KapsoClient {
    http: reqwest::Client,
    base: String,
    api_key: Secret,
}

impl KapsoClient {
    /// `base_url` like `https://api.kapso.ai/platform/v1`.
    pub fn new(base_url: &str, api_key: Secret, timeout: Duration) -> Result<Self, KapsoError> {
        let http = super::http_client(timeout)
            .build()
            .map_err(|_| KapsoError::Unexpected("could not build the HTTP client".into()))?;
        reqwest::Url::parse(base_url)
            .map_err(|e| KapsoError::Unexpected(format!("[kapso] base_url is not a URL: {e}")))?;
        Ok(KapsoClient {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            api_key,
        })
    }

    /// The URL of `segments` under the base: each one is checked for an id's shape (the fixed
    /// words have it too), so an id from a store row or an answer cannot climb the path.
    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, KapsoError> {
        for segment in segments {
            wabox_domain::ids::check_url_id("Kapso id", segment)
                .map_err(|e| KapsoError::BadId(e.to_string()))?;
        }
        let mut url = reqwest::Url::parse(&self.base)
            .map_err(|e| KapsoError::Unexpected(format!("[kapso] base_url: {e}")))?;
        url.path_segments_mut()
            .map_err(|_| KapsoError::Unexpected("[kapso] base_url cannot hold a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, KapsoError> {
        let url = self.url(segments)?;
        let mut req = self
            .http
            .request(method, url)
            .header("x-api-key", self.api_key.expose())
            .header("accept", "application/json")
            .query(query);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| {
            // reqwest's errors may name the URL, never the key (a header); keep only the kind.
            KapsoError::Unreachable(
                if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "connection failed"
                } else {
                    "request failed"
                }
                .to_string(),
            )
        })?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|_| {
            KapsoError::Unexpected(format!("HTTP {status} with an unreadable body"))
        })?;
        answer(status, &text, &self.api_key)
    }

    /// `POST /customers`: the business on Kapso, found again by `external_customer_id`.
    pub async fn create_customer(
        &self,
        name: &str,
        external_customer_id: &str,
    ) -> Result<String, KapsoError> {
        let v = self
            .call(
                Method::POST,
                &["customers"],
                &[],
                Some(json!({"customer": {"name": name, "external_customer_id": external_customer_id}})),
            )
            .await?;
        text_at(&v, "/data/id")
            .ok_or_else(|| KapsoError::Unexpected("a new customer without data.id".into()))
    }

    /// `POST /customers/{id}/setup_links`. Kapso revokes the customer's previous active link.
    pub async fn create_setup_link(
        &self,
        customer_id: &str,
        request: &SetupLinkRequest,
    ) -> Result<SetupLink, KapsoError> {
        let v = self
            .call(
                Method::POST,
                &["customers", customer_id, "setup_links"],
                &[],
                Some(setup_link_body(request)),
            )
            .await?;
        parse_setup_link(&v)
    }

    /// `PATCH /customers/{id}/setup_links/{link}` with status `revoked`: nobody can use it now.
    pub async fn revoke_setup_link(
        &self,
        customer_id: &str,
        link_id: &str,
    ) -> Result<(), KapsoError> {
        self.call(
            Method::PATCH,
            &["customers", customer_id, "setup_links", link_id],
            &[],
            Some(json!({"setup_link": {"status": "revoked"}})),
        )
        .await
        .map(|_| ())
    }

    /// `GET /whatsapp/phone_numbers/{id}`: a number of the project and whose it is (None when
    /// the project has no such number).
    pub async fn phone_number(
        &self,
        phone_number_id: &str,
    ) -> Result<Option<KapsoNumber>, KapsoError> {
        match self
            .call(
                Method::GET,
                &["whatsapp", "phone_numbers", phone_number_id],
                &[],
                None,
            )
            .await
        {
            Ok(v) => Ok(v.get("data").and_then(parse_number)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /whatsapp/phone_numbers/{id}/webhooks`: where Kapso sends the number's events.
    pub async fn number_webhooks(
        &self,
        phone_number_id: &str,
    ) -> Result<Vec<KapsoWebhook>, KapsoError> {
        let v = self
            .call(
                Method::GET,
                &["whatsapp", "phone_numbers", phone_number_id, "webhooks"],
                &[],
                None,
            )
            .await?;
        Ok(parse_webhooks(&v))
    }

    /// `POST /whatsapp/phone_numbers/{id}/webhooks` of kind `meta`: Kapso forwards Meta's raw
    /// webhooks for the number to `url`, signed with `secret` (`X-Webhook-Signature`).
    pub async fn forward_meta_webhooks(
        &self,
        phone_number_id: &str,
        url: &str,
        secret: &Secret,
    ) -> Result<(), KapsoError> {
        self.call(
            Method::POST,
            &["whatsapp", "phone_numbers", phone_number_id, "webhooks"],
            &[],
            Some(json!({"whatsapp_webhook": {
                "url": url, "kind": "meta", "secret_key": secret.expose(), "active": true
            }})),
        )
        .await
        .map(|_| ())
    }
}

fn text_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer).and_then(|x| match x {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// An answer's body as JSON, or the error it carries in plain words.
fn answer(status: u16, text: &str, api_key: &Secret) -> Result<Value, KapsoError> {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    if status == 401 || status == 403 {
        return Err(KapsoError::Unauthorized(status));
    }
    if !(200..300).contains(&status) {
        let said = error_message(&body).unwrap_or_else(|| {
            let t: String = text.trim().chars().take(200).collect();
            if t.is_empty() || t.starts_with('<') {
                format!("HTTP {status}")
            } else {
                t
            }
        });
        return Err(KapsoError::Refused {
            status,
            message: scrub(&said, api_key),
        });
    }
    if body.is_null() && !text.trim().is_empty() {
        return Err(KapsoError::Unexpected(format!(
            "HTTP {status} with a body that is not JSON"
        )));
    }
    Ok(body)
}

/// Never echo the key, even when a server quotes it back.
fn scrub(text: &str, api_key: &Secret) -> String {
    if api_key.expose().len() >= 4 {
        text.replace(api_key.expose(), "[redacted]")
    } else {
        text.to_string()
    }
}

/// Kapso's error bodies in their several shapes: `{"error":"…"}`, `{"error":{"message":"…"}}`,
/// `{"errors":["…"]}`, `{"errors":{"field":["is invalid"]}}`, `{"message":"…"}`.
pub fn error_message(body: &Value) -> Option<String> {
    let joined = |parts: Vec<String>| (!parts.is_empty()).then(|| parts.join("; "));
    match body {
        Value::Object(o) => {
            if let Some(e) = o.get("error") {
                match e {
                    Value::String(s) => return Some(s.clone()),
                    Value::Object(inner) => {
                        if let Some(m) = inner.get("message").and_then(Value::as_str) {
                            return Some(m.to_string());
                        }
                    }
                    _ => {}
                }
            }
            if let Some(errors) = o.get("errors") {
                let parts: Vec<String> = match errors {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(|i| {
                            i.as_str().map(str::to_string).or_else(|| {
                                i.get("message").and_then(Value::as_str).map(str::to_string)
                            })
                        })
                        .collect(),
                    Value::Object(fields) => fields
                        .iter()
                        .map(|(field, why)| match why {
                            Value::Array(ws) => format!(
                                "{field} {}",
                                ws.iter()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            Value::String(w) => format!("{field} {w}"),
                            other => format!("{field} {other}"),
                        })
                        .collect(),
                    Value::String(s) => vec![s.clone()],
                    _ => Vec::new(),
                };
                if let Some(j) = joined(parts) {
                    return Some(j);
                }
            }
            o.get("message").and_then(Value::as_str).map(str::to_string)
        }
        _ => None,
    }
}

/// The `{"setup_link": {…}}` body Kapso expects.
pub fn setup_link_body(r: &SetupLinkRequest) -> Value {
    let mut link = json!({
        "success_redirect_url": r.success_redirect_url,
        "failure_redirect_url": r.failure_redirect_url,
        "allowed_connection_types": r.connection_types,
        "provision_phone_number": r.provision_phone_number,
        "language": r.language,
    });
    if r.provision_phone_number && !r.countries.is_empty() {
        link["phone_number_country_isos"] = json!(r.countries);
    }
    if let Some(c) = &r.primary_color {
        link["theme_config"] = json!({"primary_color": c});
    }
    if let Some(n) = &r.reconnect_phone_number {
        link["reconnect_phone_number"] = json!(n);
    }
    json!({"setup_link": link})
}

/// `{data:{id, status, url, expires_at, …}}`.
pub fn parse_setup_link(v: &Value) -> Result<SetupLink, KapsoError> {
    let missing = |what: &str| KapsoError::Unexpected(format!("a setup link without data.{what}"));
    let url = text_at(v, "/data/url").ok_or_else(|| missing("url"))?;
    reqwest::Url::parse(&url)
        .map_err(|_| KapsoError::Unexpected("a setup link whose url is not a URL".into()))?;
    Ok(SetupLink {
        id: text_at(v, "/data/id").ok_or_else(|| missing("id"))?,
        status: text_at(v, "/data/status").unwrap_or_else(|| "active".into()),
        url,
        expires_at: text_at(v, "/data/expires_at").and_then(|t| parse_time(&t)),
    })
}

/// An RFC 3339 time (`2026-12-07T05:31:56Z`, with or without fractions or an offset) as unix
/// seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// `{phone_number_id, customer_id, business_account_id, display_phone_number, is_coexistence}`.
pub fn parse_number(n: &Value) -> Option<KapsoNumber> {
    Some(KapsoNumber {
        phone_number_id: text_at(n, "/phone_number_id").or_else(|| text_at(n, "/id"))?,
        customer_id: text_at(n, "/customer_id"),
        business_account_id: text_at(n, "/business_account_id"),
        display_phone_number: text_at(n, "/display_phone_number_normalized")
            .or_else(|| text_at(n, "/display_phone_number")),
        is_coexistence: n.get("is_coexistence").and_then(Value::as_bool),
    })
}

pub fn parse_webhooks(v: &Value) -> Vec<KapsoWebhook> {
    v.get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|w| {
            Some(KapsoWebhook {
                url: text_at(w, "/url")?,
                kind: text_at(w, "/kind").unwrap_or_else(|| "kapso".into()),
                active: w.get("active").and_then(Value::as_bool).unwrap_or(true),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "kapso_tests.rs"]
mod tests;
