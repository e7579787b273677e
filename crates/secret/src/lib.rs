//! A secret (token, app secret) that cannot be printed by accident: Debug and Display redact it.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: only for the one place that must use it (an HMAC, a sealing, a header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_never_format_their_value() {
        let s = super::Secret::new("EAAGm0PX4ZCpsBAtoken");
        assert!(!format!("{s:?} {s}").contains("EAAG"));
        assert_eq!(s.expose(), "EAAGm0PX4ZCpsBAtoken");
    }
}

/// Sealing tokens at rest, with the key only the engine reads.
pub mod crypto;
