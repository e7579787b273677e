//! Typed calls to the Graph API over reqwest (rustls). Tokens go in the Authorization header only
//! and never into an error or a log line.

mod account;
mod blocking;
mod error;
mod media;
mod messages;
mod signup;
#[cfg(test)]
mod tests;

pub use error::GraphError;
pub use messages::SendAccepted;

use super::credential::Credential;
use error::strip_secrets;
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;
use wabox_domain::ids::check_url_id;
use wabox_domain::meta_errors::{ErrorAction, classify};
use wabox_secret::Secret;

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
        let (status, body) = self.fetch(req).await?;
        interpret(status, body)
    }

    /// The answer's status and JSON, whatever it says (an error object included).
    async fn fetch(&self, req: reqwest::RequestBuilder) -> Result<(u16, Value), GraphError> {
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
        Ok((status, body))
    }
}

/// Graph's answer as a result: its error object (or a proxy's error string) as `GraphError`.
fn interpret(status: u16, body: Value) -> Result<Value, GraphError> {
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
