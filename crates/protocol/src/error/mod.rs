//! A refusal or failure on the wire: a kind a client acts on, a code naming exactly which error
//! it is, and the values that go in its sentence. The engine sends no sentence: each client words
//! the code in its user's language (the inbox through `i18n::errors`, the CLI in English through
//! `ErrorCode::english`, the one place that builds the English sentence, which logs use too).

use serde::{Deserialize, Serialize};

/// The version of this protocol: a client and an engine of different versions cannot be sure to
/// read each other, so the client says so instead of failing on a line it cannot parse. Raise
/// it whenever a request, an answer or an event changes shape.
pub const PROTOCOL_VERSION: u32 = 5;

/// What kind of refusal: what a client acts on without knowing every code.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// What the request names is not there (or not visible to the caller).
    NotFound,
    /// The caller may not do this.
    Forbidden,
    /// The request itself is wrong: a value, a missing argument.
    Invalid,
    /// It clashes with what is stored (a name taken, a state already left).
    Conflict,
    /// Meta (or Kapso) said no; its words are a parameter.
    RefusedByMeta,
    /// Meta refused the access token (190, an OAuth error, HTTP 401/403): asking again with
    /// the same token cannot work.
    TokenRefused,
    /// Not now or not configured: the engine lacks a setting, is full, or is going away.
    Unavailable,
    /// Something failed inside the engine or on its disk (logged there).
    Internal,
    /// Client and engine speak different versions of this protocol.
    Protocol,
}

/// A refusal or failure: its kind, its code and the code's parameters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    pub kind: ErrorKind,
    #[serde(flatten)]
    pub code: ErrorCode,
}

impl ApiError {
    /// The English sentence, with every value made visible (a control character in a name
    /// cannot move the cursor of whoever reads it).
    pub fn english(&self) -> String {
        wabox_domain::text::visible(&self.code.english()).into_owned()
    }

    /// The code as it goes on the wire (`no_conversation`), for `--json` and logs.
    pub fn code_name(&self) -> String {
        match serde_json::to_value(&self.code) {
            Ok(serde_json::Value::Object(map)) => map
                .get("code")
                .and_then(|c| c.as_str())
                .unwrap_or("internal")
                .to_string(),
            _ => "internal".to_string(),
        }
    }

    /// A value a lower layer refused, in that layer's words.
    pub fn invalid(detail: impl std::fmt::Display) -> Self {
        ErrorCode::InvalidValue {
            detail: detail.to_string(),
        }
        .into()
    }

    /// A failure inside the engine, in the words of what failed.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ErrorCode::StoreFailed {
            detail: detail.to_string(),
        }
        .into()
    }

    /// Meta refused the token the request carried.
    pub fn is_token_refused(&self) -> bool {
        self.kind == ErrorKind::TokenRefused
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

impl std::error::Error for ApiError {}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError {
            kind: code.kind(),
            code,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

/// Declares every code with its parameters, its kind and its English sentence (an expression
/// over the parameters), so that a code cannot exist without its kind and its words.
macro_rules! codes {
    ($(
        $(#[$doc:meta])*
        $name:ident { $($field:ident : $ty:ty),* $(,)? } : $kind:ident => $en:expr;
    )*) => {
        /// Every distinct error the engine (or a client on its behalf) gives.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "enum-iter", derive(strum::EnumIter))]
        #[serde(tag = "code", content = "params", rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $name { $($field: $ty),* },)*
        }

        impl ErrorCode {
            pub fn kind(&self) -> ErrorKind {
                match self {
                    $(ErrorCode::$name { .. } => ErrorKind::$kind,)*
                }
            }

            /// The English sentence: what the CLI prints and the engine logs.
            #[allow(unused_variables)]
            pub fn english(&self) -> String {
                match self {
                    $(ErrorCode::$name { $($field),* } => $en,)*
                }
            }
        }
    };
}

mod codes;
pub use codes::ErrorCode;
