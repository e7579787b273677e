//! Why a Graph API call failed, in plain words, and reqwest's errors stripped of anything that
//! could hold a secret.

use serde::{Deserialize, Serialize};
use wabox_domain::meta_errors::{ErrorAction, Lang, explain};

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

pub(super) fn strip_secrets(e: &reqwest::Error) -> String {
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
