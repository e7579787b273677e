//! Typed calls to the Graph API over reqwest (rustls). Tokens go in the Authorization header only
//! and never into an error or a log line.

use super::credential::Credential;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;
use wabox_domain::ids::check_url_id;
use wabox_domain::meta_errors::{ErrorAction, Lang, classify, explain};
use wabox_secret::Secret;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum GraphError {
    /// Meta answered with an error object.
    #[error("{} (code {code}{})", described(*code, *http_status, message), subcode.map(|s| format!("/{s}")).unwrap_or_default())]
    Api {
        http_status: u16,
        code: i64,
        subcode: Option<i64>,
        message: String,
        action: ErrorAction,
    },
    /// The request never reached Meta (connection refused, DNS): safe to retry.
    #[error("could not reach the Graph API: {0}")]
    Unreachable(String),
    /// The request may have reached Meta but no answer came (timeout, reset): a send must not be
    /// repeated blindly.
    #[error("no answer from the Graph API: {0}")]
    NoAnswer(String),
    /// An answer that is not what the API promises.
    #[error("unexpected answer from the Graph API: {0}")]
    Unexpected(String),
    /// Something only an admin's configuration can fix (a Kapso number without a working Kapso
    /// API key); trying again changes nothing.
    #[error("{0}")]
    Setup(String),
    /// An id (from a webhook, a file, a store row) that cannot name anything at Meta; it is
    /// refused before any URL is built, so it can never steer a request elsewhere.
    #[error("{0}")]
    BadId(String),
}

/// An API error in plain words: the code's explanation, else what the server said. Code 0 is
/// Meta's authentication error only when the status says so (a proxy's own errors carry none).
fn described(code: i64, http_status: u16, message: &str) -> String {
    match explain(code, Lang::En) {
        Some(text) if code != 0 || matches!(http_status, 401 | 403) => text.to_string(),
        _ => message.to_string(),
    }
}

impl GraphError {
    pub fn action(&self) -> ErrorAction {
        match self {
            GraphError::Api { action, .. } => *action,
            GraphError::Unreachable(_) => ErrorAction::Retry,
            GraphError::NoAnswer(_) | GraphError::Unexpected(_) | GraphError::BadId(_) => {
                ErrorAction::GiveUp
            }
            GraphError::Setup(_) => ErrorAction::Reauthorize,
        }
    }

    pub fn code(&self) -> Option<i64> {
        match self {
            GraphError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// What Meta itself said (for an error with a code), else this error's sentence: what a
    /// failed message keeps beside its code, which is explained in the reader's words apart.
    pub fn meta_words(&self) -> String {
        match self {
            GraphError::Api { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// What Meta answers to an accepted send.
#[derive(Debug, Clone, PartialEq)]
pub struct SendAccepted {
    pub wamid: String,
    /// The `wa_id` Meta mapped the recipient to (absent for BSUID recipients).
    pub wa_id: Option<String>,
}

#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base: String,
    /// Kapso's Meta proxy, for the numbers Kapso connected (when a Kapso API key is set).
    kapso: Option<KapsoProxy>,
    timeout: Duration,
}

/// Kapso's Meta proxy: the Graph API's paths under its own base, authorized with `X-API-Key`.
#[derive(Clone)]
struct KapsoProxy {
    base: String,
    api_key: Secret,
}

impl KapsoProxy {
    /// Whether a URL (a media download link) points at Kapso itself: only there does the API
    /// key go; a CDN link is fetched without it.
    fn owns(&self, url: &str) -> bool {
        let origin = |u: &str| {
            reqwest::Url::parse(u).ok().map(|u| {
                (
                    u.scheme().to_string(),
                    u.host_str().map(str::to_string),
                    u.port_or_known_default(),
                )
            })
        };
        origin(url).is_some() && origin(url) == origin(&self.base)
    }
}

/// What the configuration must say for a Kapso number to be reached.
const NO_KAPSO_KEY: &str = "this number was connected through Kapso and is reached through its \
     Meta proxy, but no Kapso API key is set: set [kapso] api_key (or WABOX_KAPSO_API_KEY)";
const KAPSO_KEY_REFUSED: &str = "Kapso's Meta proxy refused the API key: check [kapso] api_key \
     (or WABOX_KAPSO_API_KEY) in Kapso's dashboard → Project settings → API keys";

/// How long an upload of `bytes` may take: the usual timeout, plus a second for every 256 KB
/// (a 100 MB document on a slow uplink must not count as unanswered after 15 s).
fn upload_timeout(base: Duration, bytes: usize) -> Duration {
    base + Duration::from_secs((bytes / (256 * 1024)) as u64)
}

/// The `data` array of a Graph list answer (none: empty).
fn data_list(mut v: Value) -> Vec<Value> {
    match v.get_mut("data").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// `https://graph.facebook.com` and `v26.0` → `https://graph.facebook.com/v26.0`.
fn versioned(base_url: &str, version: &str) -> String {
    format!(
        "{}/{}",
        base_url.trim_end_matches('/'),
        version.trim_matches('/')
    )
}

/// `base` (a configured URL with the version) and the path segments, each percent-encoded, so a
/// `/`, `?` or `#` inside one stays inside it.
fn endpoint(base: &str, segments: &[&str]) -> Result<reqwest::Url, GraphError> {
    let mut url = reqwest::Url::parse(base).map_err(|e| {
        GraphError::Setup(format!("the Graph API base URL {base:?} is not a URL: {e}"))
    })?;
    url.path_segments_mut()
        .map_err(|_| {
            GraphError::Setup(format!(
                "the Graph API base URL {base:?} cannot hold a path"
            ))
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

fn strip_secrets(e: &reqwest::Error) -> String {
    // reqwest errors may carry the URL; ours never holds a token (tokens go in headers), but the
    // query of a media URL could, so drop the URL altogether.
    e.without_url_ref().to_string()
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let kind = if self.is_timeout() {
            "timed out"
        } else if self.is_connect() {
            "connection failed"
        } else if self.is_body() || self.is_decode() {
            "bad response body"
        } else if self.is_request() {
            "request failed"
        } else {
            "transport error"
        };
        kind.to_string()
    }
}

impl GraphClient {
    /// `base_url` like `https://graph.facebook.com`, `version` like `v26.0`.
    pub fn new(base_url: &str, version: &str, timeout: Duration) -> Result<Self, GraphError> {
        let http = super::http_client(timeout).build().map_err(|e| {
            GraphError::Unexpected(format!(
                "could not build the HTTP client: {}",
                strip_secrets(&e)
            ))
        })?;
        Ok(GraphClient {
            http,
            base: versioned(base_url, version),
            kapso: None,
            timeout,
        })
    }

    /// Routes the numbers Kapso connected through its Meta proxy (`meta_base_url` like
    /// `https://api.kapso.ai/meta/whatsapp`, `version` like `v24.0`) with this API key.
    pub fn with_kapso_proxy(mut self, meta_base_url: &str, version: &str, api_key: Secret) -> Self {
        self.kapso = Some(KapsoProxy {
            base: versioned(meta_base_url, version),
            api_key,
        });
        self
    }

    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, GraphError> {
        endpoint(&self.base, segments)
    }

    /// A request for `/{id}/{edge…}` (`what` names the id in an error), to the Graph API with the
    /// token or to Kapso's proxy with the key. The id is checked for its shape here, so no call
    /// can forget it, and every segment is percent-encoded as a whole.
    fn request(
        &self,
        method: Method,
        what: &'static str,
        id: &str,
        edge: &[&str],
        credential: &Credential,
    ) -> Result<reqwest::RequestBuilder, GraphError> {
        check_url_id(what, id).map_err(|e| GraphError::BadId(e.to_string()))?;
        let segments: Vec<&str> = std::iter::once(id).chain(edge.iter().copied()).collect();
        match credential {
            Credential::Token(token) => Ok(self
                .http
                .request(method, self.url(&segments)?)
                .bearer_auth(token.expose())),
            Credential::KapsoProxy { .. } => {
                let kapso = self
                    .kapso
                    .as_ref()
                    .ok_or_else(|| GraphError::Setup(NO_KAPSO_KEY.into()))?;
                Ok(self
                    .http
                    .request(method, endpoint(&kapso.base, &segments)?)
                    .header("x-api-key", kapso.api_key.expose()))
            }
        }
    }

    /// Sends a request made by `request`; a Kapso number whose key is refused says so.
    async fn call(
        &self,
        req: reqwest::RequestBuilder,
        credential: &Credential,
    ) -> Result<Value, GraphError> {
        match self.call_without_token(req).await {
            Err(GraphError::Api {
                http_status: 401 | 403,
                ..
            }) if credential.is_kapso() => Err(GraphError::Setup(KAPSO_KEY_REFUSED.into())),
            other => other,
        }
    }

    /// A call whose credentials are already in the request (the code exchange's query).
    async fn call_without_token(&self, req: reqwest::RequestBuilder) -> Result<Value, GraphError> {
        let resp = req.send().await.map_err(|e| {
            if e.is_connect() {
                GraphError::Unreachable(strip_secrets(&e))
            } else {
                GraphError::NoAnswer(strip_secrets(&e))
            }
        })?;
        let status = resp.status().as_u16();
        let body: Value = match resp.json().await {
            Ok(v) => v,
            Err(e) if status >= 500 => {
                return Err(GraphError::Api {
                    http_status: status,
                    code: 0,
                    subcode: None,
                    message: format!("server error {status} ({})", strip_secrets(&e)),
                    action: ErrorAction::Retry,
                });
            }
            Err(e) => {
                return Err(GraphError::Unexpected(format!(
                    "HTTP {status}: {}",
                    strip_secrets(&e)
                )));
            }
        };
        if let Some(Value::String(message)) = body.get("error") {
            // Kapso (and some proxies) answer `{"error": "…"}` rather than Graph's object.
            return Err(GraphError::Api {
                http_status: status,
                code: 0,
                subcode: None,
                message: message.clone(),
                action: match status {
                    401 | 403 => ErrorAction::Reauthorize,
                    _ => classify(-1, status),
                },
            });
        }
        if let Some(err) = body.get("error") {
            let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
            return Err(GraphError::Api {
                http_status: status,
                code,
                subcode: err.get("error_subcode").and_then(Value::as_i64),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("error without a message")
                    .to_string(),
                action: classify(code, status),
            });
        }
        if status >= 400 {
            return Err(GraphError::Api {
                http_status: status,
                code: 0,
                subcode: None,
                message: format!("HTTP {status}"),
                action: classify(0, status),
            });
        }
        Ok(body)
    }

    /// `POST /{phone-number-id}/messages` with a complete message body.
    pub async fn send_message(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        body: &Value,
    ) -> Result<SendAccepted, GraphError> {
        let v = self
            .call(
                self.request(
                    Method::POST,
                    "phone number id",
                    phone_number_id,
                    &["messages"],
                    credential,
                )?
                .json(body),
                credential,
            )
            .await?;
        let wamid = v
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::Unexpected("a send answer without messages[0].id".into()))?;
        Ok(SendAccepted {
            wamid: wamid.to_string(),
            wa_id: v
                .pointer("/contacts/0/wa_id")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// `POST /{phone-number-id}/media`: uploads a file (multipart, like Meta's own clients) and
    /// returns its media id, good for 30 days. An unanswered upload is safe to repeat: at worst
    /// Meta keeps an unused copy, and nothing reaches the customer.
    pub async fn upload_media(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        filename: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Result<String, GraphError> {
        let len = bytes.len() as u64;
        self.upload_media_from(
            phone_number_id,
            credential,
            filename,
            mime,
            bytes.into(),
            len,
        )
        .await
    }

    /// As `upload_media`, streaming the file from `body` (a file on disk: never read whole
    /// into memory) of `len` bytes.
    pub async fn upload_media_from(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        filename: &str,
        mime: &str,
        body: reqwest::Body,
        len: u64,
    ) -> Result<String, GraphError> {
        let file = reqwest::multipart::Part::stream_with_length(body, len)
            .file_name(filename.to_string())
            .mime_str(mime)
            .map_err(|_| GraphError::Unexpected(format!("{mime:?} is not a MIME type")))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_string())
            .part("file", file);
        let v = self
            .call(
                self.request(
                    Method::POST,
                    "phone number id",
                    phone_number_id,
                    &["media"],
                    credential,
                )?
                .timeout(upload_timeout(self.timeout, len as usize))
                .multipart(form),
                credential,
            )
            .await?;
        v.get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| GraphError::Unexpected("an upload answer without an id".into()))
    }

    /// Marks a customer's message (and those before it) as read.
    pub async fn mark_read(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        wamid: &str,
    ) -> Result<(), GraphError> {
        let body = json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid});
        self.call(
            self.request(
                Method::POST,
                "phone number id",
                phone_number_id,
                &["messages"],
                credential,
            )?
            .json(&body),
            credential,
        )
        .await
        .map(|_| ())
    }

    /// Every template of a WABA, following the paging cursors.
    pub async fn list_templates(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<Vec<Value>, GraphError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..100 {
            let mut req = self
                .request(
                    Method::GET,
                    "WABA id",
                    waba_id,
                    &["message_templates"],
                    credential,
                )?
                .query(&[
                    (
                        "fields",
                        "id,name,language,status,category,components,parameter_format",
                    ),
                    ("limit", "100"),
                ]);
            if let Some(a) = &after {
                req = req.query(&[("after", a.as_str())]);
            }
            let page = self.call(req, credential).await?;
            if let Some(data) = page.get("data").and_then(Value::as_array) {
                out.extend(data.iter().cloned());
            }
            let next = page.pointer("/paging/next").is_some();
            after = page
                .pointer("/paging/cursors/after")
                .and_then(Value::as_str)
                .map(str::to_string);
            if !next || after.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// `GET /{phone-number-id}?fields=…`: the number's state.
    pub async fn phone_number(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        fields: &str,
    ) -> Result<Value, GraphError> {
        self.call(
            self.request(
                Method::GET,
                "phone number id",
                phone_number_id,
                &[],
                credential,
            )?
            .query(&[("fields", fields)]),
            credential,
        )
        .await
    }

    /// `POST /{waba-id}/subscribed_apps`: the master app receives this WABA's webhooks.
    pub async fn subscribe_app(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<(), GraphError> {
        self.call(
            self.request(
                Method::POST,
                "WABA id",
                waba_id,
                &["subscribed_apps"],
                credential,
            )?
            .json(&serde_json::json!({})),
            credential,
        )
        .await
        .map(|_| ())
    }

    /// `GET /oauth/access_token?client_id&client_secret&code&redirect_uri`: the Embedded Signup
    /// code traded for the business's token. The secret travels in the query, as Meta requires;
    /// errors never carry the URL.
    pub async fn exchange_code(
        &self,
        app_id: &str,
        app_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<Secret, GraphError> {
        let v = self
            .call_without_token(
                self.http
                    .get(self.url(&["oauth", "access_token"])?)
                    .query(&[
                        ("client_id", app_id),
                        ("client_secret", app_secret.expose()),
                        ("code", code),
                        ("redirect_uri", redirect_uri),
                    ]),
            )
            .await?;
        v.get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or_else(|| GraphError::Unexpected("Meta answered the code without a token".into()))
    }

    /// `GET /debug_token?input_token=…&access_token=…` with the app's own token
    /// (`app_id|app_secret`), both as query parameters as Meta documents the call: which WABAs
    /// the token reaches (`granular_scopes`), whether it is valid, and when it expires. The URL
    /// therefore holds secrets: it goes over TLS to Meta and is never logged (errors drop it).
    pub async fn debug_token(
        &self,
        app_id: &str,
        app_secret: &Secret,
        token: &Secret,
    ) -> Result<Value, GraphError> {
        let app_token = Secret::new(format!("{app_id}|{}", app_secret.expose()));
        let v = self
            .call_without_token(self.http.get(self.url(&["debug_token"])?).query(&[
                ("input_token", token.expose()),
                ("access_token", app_token.expose()),
            ]))
            .await?;
        Ok(v.get("data").cloned().unwrap_or(Value::Null))
    }

    /// `GET /{waba-id}/phone_numbers`: the numbers of a WhatsApp Business Account.
    pub async fn waba_phone_numbers(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<Vec<Value>, GraphError> {
        let v = self
            .call(
                self.request(Method::GET, "WABA id", waba_id, &["phone_numbers"], credential)?
                    .query(&[("fields", "id,display_phone_number,verified_name,status,quality_rating,platform_type,is_on_biz_app,code_verification_status")]),
                credential,
            )
            .await?;
        Ok(data_list(v))
    }

    /// `GET /{waba-id}?fields=owner_business_info`: the business (portfolio) owning the WABA,
    /// whose id Meta puts in `entry.id` of business-level webhooks.
    pub async fn waba_owner_business(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<Option<String>, GraphError> {
        let v = self
            .call(
                self.request(Method::GET, "WABA id", waba_id, &[], credential)?
                    .query(&[("fields", "id,name,owner_business_info")]),
                credential,
            )
            .await?;
        Ok(v.pointer("/owner_business_info/id")
            .and_then(Value::as_str)
            .filter(|b| wabox_domain::connections::is_meta_id(b))
            .map(str::to_string))
    }

    /// `GET /{waba-id}/subscribed_apps`: the apps that receive the WABA's webhooks.
    pub async fn subscribed_apps(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<Vec<Value>, GraphError> {
        let req = self.request(
            Method::GET,
            "WABA id",
            waba_id,
            &["subscribed_apps"],
            credential,
        )?;
        let v = self.call(req, credential).await?;
        Ok(data_list(v))
    }

    /// `POST /{pnid}/register` with the two-step verification PIN (dedicated numbers only).
    pub async fn register(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        pin: &Secret,
    ) -> Result<(), GraphError> {
        self.call(
            self.request(
                Method::POST,
                "phone number id",
                phone_number_id,
                &["register"],
                credential,
            )?
            .json(&serde_json::json!({"messaging_product": "whatsapp", "pin": pin.expose()})),
            credential,
        )
        .await
        .map(|_| ())
    }

    /// `POST /{pnid}/smb_app_data`: asks Meta to send a coexistence number's contacts
    /// (`smb_app_state_sync`) or history (`history`); each works once. Answers the request id.
    pub async fn smb_app_data(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        sync_type: &str,
    ) -> Result<String, GraphError> {
        let v = self
            .call(
                self.request(
                    Method::POST,
                    "phone number id",
                    phone_number_id,
                    &["smb_app_data"],
                    credential,
                )?
                .json(
                    &serde_json::json!({"messaging_product": "whatsapp", "sync_type": sync_type}),
                ),
                credential,
            )
            .await?;
        Ok(v.get("request_id")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_string())
    }

    /// `GET /{media-id}`: where to download a media file, and what it should be. Kapso's proxy
    /// resolves a media id through the number it belongs to (`phone_number_id` in the query).
    pub async fn media_info(
        &self,
        media_id: &str,
        credential: &Credential,
    ) -> Result<Value, GraphError> {
        let mut req = self.request(Method::GET, "media id", media_id, &[], credential)?;
        if let Credential::KapsoProxy { phone_number_id } = credential {
            req = req.query(&[("phone_number_id", phone_number_id)]);
        }
        self.call(req, credential).await
    }

    /// Where to fetch a media file from `media_info`'s answer: Kapso's signed `download_url`
    /// (it needs no key) when there is one, else Meta's `url`.
    pub fn media_download_url<'a>(info: &'a Value, credential: &Credential) -> Option<&'a str> {
        let at = |k: &str| info.get(k).and_then(Value::as_str);
        match credential {
            Credential::KapsoProxy { .. } => at("download_url").or_else(|| at("url")),
            Credential::Token(_) => at("url"),
        }
    }

    /// Downloads a media URL into `out` as it arrives (never whole in memory), refusing more
    /// than `max_bytes`; the size and the SHA-256 of what was written. A Meta token goes with it (Meta's
    /// media URLs need it); Kapso's API key only to Kapso's own host, never to a CDN.
    pub async fn download_to(
        &self,
        url: &str,
        credential: &Credential,
        max_bytes: u64,
        out: &mut (impl tokio::io::AsyncWrite + Unpin),
    ) -> Result<(u64, [u8; 32]), GraphError> {
        use sha2::Digest as _;
        use tokio::io::AsyncWriteExt as _;
        let mut req = self.http.get(url);
        match credential {
            Credential::Token(token) => req = req.bearer_auth(token.expose()),
            Credential::KapsoProxy { .. } => {
                if let Some(kapso) = self.kapso.as_ref().filter(|k| k.owns(url)) {
                    req = req.header("x-api-key", kapso.api_key.expose());
                }
            }
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| GraphError::Unreachable(strip_secrets(&e)))?;
        if !resp.status().is_success() {
            return Err(GraphError::Api {
                http_status: resp.status().as_u16(),
                code: 131052,
                subcode: None,
                message: format!("media download answered HTTP {}", resp.status().as_u16()),
                action: classify(0, resp.status().as_u16()),
            });
        }
        let mut written = 0u64;
        let mut hasher = sha2::Sha256::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| GraphError::NoAnswer(strip_secrets(&e)))?
        {
            written += chunk.len() as u64;
            if written > max_bytes {
                return Err(GraphError::Unexpected(format!(
                    "the media file is larger than the {max_bytes}-byte cap"
                )));
            }
            hasher.update(&chunk);
            out.write_all(&chunk).await.map_err(|e| {
                GraphError::Unexpected(format!("could not store the media file: {e}"))
            })?;
        }
        out.flush()
            .await
            .map_err(|e| GraphError::Unexpected(format!("could not store the media file: {e}")))?;
        Ok((written, hasher.finalize().into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_upload_gets_more_time_than_a_send() {
        let base = Duration::from_secs(15);
        assert_eq!(upload_timeout(base, 1000), base);
        assert_eq!(
            upload_timeout(base, 100 * 1000 * 1000),
            Duration::from_secs(15 + 381)
        );
    }

    #[test]
    fn an_id_of_the_wrong_shape_never_becomes_a_url() {
        let graph =
            GraphClient::new("https://graph.example", "v26.0", Duration::from_secs(1)).unwrap();
        let token = Credential::Token(Secret::new("t"));
        for id in ["../../../v9/secret", "1?fields=x", "1#x", ""] {
            let refused = graph.request(Method::GET, "media id", id, &[], &token);
            assert!(matches!(refused, Err(GraphError::BadId(_))), "{id:?}");
        }
        let ok = graph
            .request(Method::GET, "media id", "1318275649263411", &[], &token)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(
            ok.url().as_str(),
            "https://graph.example/v26.0/1318275649263411"
        );
    }

    #[test]
    fn path_segments_are_encoded_whole() {
        let url = endpoint("https://graph.example/v26.0", &["a/b", "c?d", ".."]).unwrap();
        assert!(
            url.as_str()
                .starts_with("https://graph.example/v26.0/a%2Fb/c%3Fd"),
            "{url}"
        );
    }

    #[test]
    fn kapso_api_key_goes_only_to_kapso_itself() {
        let proxy = KapsoProxy {
            base: versioned("https://api.kapso.ai/meta/whatsapp/", "v24.0"),
            api_key: Secret::new("kapso-test-key"),
        };
        assert_eq!(proxy.base, "https://api.kapso.ai/meta/whatsapp/v24.0");
        assert!(proxy.owns("https://api.kapso.ai/meta/whatsapp/media_download?token=x"));
        assert!(!proxy.owns("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"));
        assert!(!proxy.owns("http://api.kapso.ai/meta/whatsapp/media_download"));
        assert!(!proxy.owns("not a url"));
    }

    #[test]
    fn a_kapso_media_answer_is_fetched_from_its_signed_link() {
        let info = json!({"url": "https://lookaside.fbsbx.com/x", "download_url": "https://api.kapso.ai/meta/whatsapp/media_download?token=t"});
        let kapso = Credential::KapsoProxy {
            phone_number_id: "1".into(),
        };
        let meta = Credential::Token(Secret::new("EAA-TEST-TOKEN-x"));
        assert_eq!(
            GraphClient::media_download_url(&info, &kapso),
            Some("https://api.kapso.ai/meta/whatsapp/media_download?token=t")
        );
        assert_eq!(
            GraphClient::media_download_url(&info, &meta),
            Some("https://lookaside.fbsbx.com/x")
        );
    }

    #[tokio::test]
    async fn a_kapso_number_without_a_key_says_what_to_set_and_is_not_retried() {
        let graph =
            GraphClient::new("http://127.0.0.1:9", "v26.0", Duration::from_secs(1)).unwrap();
        let kapso = Credential::KapsoProxy {
            phone_number_id: "1".into(),
        };
        let e = graph
            .send_message("1", &kapso, &json!({}))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("[kapso] api_key"), "{e}");
        assert!(!e.action().retryable());
    }

    #[test]
    fn an_error_without_a_graph_code_reads_as_the_server_said() {
        let e = GraphError::Api {
            http_status: 422,
            code: 0,
            subcode: None,
            message: "phone number not found in this project".into(),
            action: ErrorAction::GiveUp,
        };
        assert!(e.to_string().starts_with("phone number not found"), "{e}");
    }

    #[test]
    fn api_errors_read_in_plain_words_with_their_code() {
        let e = GraphError::Api {
            http_status: 400,
            code: 131047,
            subcode: None,
            message: "Re-engagement message".into(),
            action: ErrorAction::UseTemplate,
        };
        assert_eq!(
            e.to_string(),
            "the 24-hour window is closed: send a template (code 131047)"
        );
        let e = GraphError::Api {
            http_status: 400,
            code: 777,
            subcode: Some(2),
            message: "Something odd".into(),
            action: ErrorAction::GiveUp,
        };
        assert_eq!(e.to_string(), "Something odd (code 777/2)");
    }
}
