//! Typed calls to the Graph API over reqwest (rustls). Tokens go in the Authorization header only
//! and never into an error or a log line.

use super::errors::{ErrorAction, Lang, classify, explain};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum GraphError {
    /// Meta answered with an error object.
    #[error("{} (code {code}{})", explain(*code, Lang::En).map(str::to_string).unwrap_or_else(|| message.clone()), subcode.map(|s| format!("/{s}")).unwrap_or_default())]
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
}

impl GraphError {
    pub fn action(&self) -> ErrorAction {
        match self {
            GraphError::Api { action, .. } => *action,
            GraphError::Unreachable(_) => ErrorAction::Retry,
            GraphError::NoAnswer(_) | GraphError::Unexpected(_) => ErrorAction::GiveUp,
        }
    }

    pub fn code(&self) -> Option<i64> {
        match self {
            GraphError::Api { code, .. } => Some(*code),
            _ => None,
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
    timeout: Duration,
}

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
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| {
                GraphError::Unexpected(format!(
                    "could not build the HTTP client: {}",
                    strip_secrets(&e)
                ))
            })?;
        Ok(GraphClient {
            http,
            base: format!(
                "{}/{}",
                base_url.trim_end_matches('/'),
                version.trim_matches('/')
            ),
            timeout,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    async fn call(
        &self,
        req: reqwest::RequestBuilder,
        token: &Secret,
    ) -> Result<Value, GraphError> {
        self.call_without_token(req.bearer_auth(token.expose()))
            .await
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
        token: &Secret,
        body: &Value,
    ) -> Result<SendAccepted, GraphError> {
        let v = self
            .call(
                self.http
                    .post(self.url(&format!("{phone_number_id}/messages")))
                    .json(body),
                token,
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
        token: &Secret,
        filename: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Result<String, GraphError> {
        let len = bytes.len();
        let file = reqwest::multipart::Part::bytes(bytes)
            .file_name(filename.to_string())
            .mime_str(mime)
            .map_err(|_| GraphError::Unexpected(format!("{mime:?} is not a MIME type")))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_string())
            .part("file", file);
        let v = self
            .call(
                self.http
                    .post(self.url(&format!("{phone_number_id}/media")))
                    .timeout(upload_timeout(self.timeout, len))
                    .multipart(form),
                token,
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
        token: &Secret,
        wamid: &str,
    ) -> Result<(), GraphError> {
        let body = json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid});
        self.call(
            self.http
                .post(self.url(&format!("{phone_number_id}/messages")))
                .json(&body),
            token,
        )
        .await
        .map(|_| ())
    }

    /// Every template of a WABA, following the paging cursors.
    pub async fn list_templates(
        &self,
        waba_id: &str,
        token: &Secret,
    ) -> Result<Vec<Value>, GraphError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..100 {
            let mut req = self
                .http
                .get(self.url(&format!("{waba_id}/message_templates")))
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
            let page = self.call(req, token).await?;
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
        token: &Secret,
        fields: &str,
    ) -> Result<Value, GraphError> {
        self.call(
            self.http
                .get(self.url(phone_number_id))
                .query(&[("fields", fields)]),
            token,
        )
        .await
    }

    /// `POST /{waba-id}/subscribed_apps`: the master app receives this WABA's webhooks.
    pub async fn subscribe_app(&self, waba_id: &str, token: &Secret) -> Result<(), GraphError> {
        self.call(
            self.http
                .post(self.url(&format!("{waba_id}/subscribed_apps")))
                .json(&serde_json::json!({})),
            token,
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
            .call_without_token(self.http.get(self.url("oauth/access_token")).query(&[
                ("client_id", app_id),
                ("client_secret", app_secret.expose()),
                ("code", code),
                ("redirect_uri", redirect_uri),
            ]))
            .await?;
        v.get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or_else(|| GraphError::Unexpected("Meta answered the code without a token".into()))
    }

    /// `GET /debug_token?input_token=…` with the app's own token (`app_id|app_secret`): which
    /// WABAs the token reaches (`granular_scopes`), whether it is valid, and when it expires.
    pub async fn debug_token(
        &self,
        app_id: &str,
        app_secret: &Secret,
        token: &Secret,
    ) -> Result<Value, GraphError> {
        let app_token = Secret::new(format!("{app_id}|{}", app_secret.expose()));
        let v = self
            .call(
                self.http
                    .get(self.url("debug_token"))
                    .query(&[("input_token", token.expose())]),
                &app_token,
            )
            .await?;
        Ok(v.get("data").cloned().unwrap_or(Value::Null))
    }

    /// `GET /{waba-id}/phone_numbers`: the numbers of a WhatsApp Business Account.
    pub async fn waba_phone_numbers(
        &self,
        waba_id: &str,
        token: &Secret,
    ) -> Result<Vec<Value>, GraphError> {
        let v = self
            .call(
                self.http
                    .get(self.url(&format!("{waba_id}/phone_numbers")))
                    .query(&[("fields", "id,display_phone_number,verified_name,status,quality_rating,platform_type,is_on_biz_app,code_verification_status")]),
                token,
            )
            .await?;
        Ok(data_list(v))
    }

    /// `GET /{waba-id}/subscribed_apps`: the apps that receive the WABA's webhooks.
    pub async fn subscribed_apps(
        &self,
        waba_id: &str,
        token: &Secret,
    ) -> Result<Vec<Value>, GraphError> {
        let v = self
            .call(
                self.http
                    .get(self.url(&format!("{waba_id}/subscribed_apps"))),
                token,
            )
            .await?;
        Ok(data_list(v))
    }

    /// `POST /{pnid}/register` with the two-step verification PIN (dedicated numbers only).
    pub async fn register(
        &self,
        phone_number_id: &str,
        token: &Secret,
        pin: &Secret,
    ) -> Result<(), GraphError> {
        self.call(
            self.http
                .post(self.url(&format!("{phone_number_id}/register")))
                .json(&serde_json::json!({"messaging_product": "whatsapp", "pin": pin.expose()})),
            token,
        )
        .await
        .map(|_| ())
    }

    /// `POST /{pnid}/smb_app_data`: asks Meta to send a coexistence number's contacts
    /// (`smb_app_state_sync`) or history (`history`); each works once. Answers the request id.
    pub async fn smb_app_data(
        &self,
        phone_number_id: &str,
        token: &Secret,
        sync_type: &str,
    ) -> Result<String, GraphError> {
        let v = self
            .call(
                self.http
                    .post(self.url(&format!("{phone_number_id}/smb_app_data")))
                    .json(&serde_json::json!({"messaging_product": "whatsapp", "sync_type": sync_type})),
                token,
            )
            .await?;
        Ok(v.get("request_id")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_string())
    }

    /// `GET /{media-id}`: where to download a media file, and what it should be.
    pub async fn media_info(&self, media_id: &str, token: &Secret) -> Result<Value, GraphError> {
        self.call(self.http.get(self.url(media_id)), token).await
    }

    /// Downloads a media URL (with the same token), refusing more than `max_bytes`.
    pub async fn download(
        &self,
        url: &str,
        token: &Secret,
        max_bytes: u64,
    ) -> Result<Vec<u8>, GraphError> {
        let mut resp = self
            .http
            .get(url)
            .bearer_auth(token.expose())
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
        let mut out = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| GraphError::NoAnswer(strip_secrets(&e)))?
        {
            out.extend_from_slice(&chunk);
            if out.len() as u64 > max_bytes {
                return Err(GraphError::Unexpected(format!(
                    "the media file is larger than the {max_bytes}-byte cap"
                )));
            }
        }
        Ok(out)
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
