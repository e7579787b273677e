//! How a number's Graph calls are authorized, and therefore where they go: with a Meta token to
//! the Graph API, or (numbers Kapso connected) with the installation's Kapso API key to Kapso's
//! Meta proxy, which holds the business's Meta token for us.

use wabox_secret::Secret;

/// What the numbers table keeps, sealed, for a number reached through Kapso's proxy: it names
/// the way, not a secret (the API key lives in the config). The number's id rides along because
/// the proxy needs it to resolve calls that name only a media id.
const KAPSO_PROXY_PREFIX: &str = "kapso-proxy:";

/// A number's way into the Graph API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A Meta access token: `Authorization: Bearer` to the Graph API.
    Token(Secret),
    /// A number Kapso connected: Kapso's Meta proxy with `X-API-Key`.
    KapsoProxy { phone_number_id: String },
}

impl Credential {
    /// The text sealed into `numbers.access_token_sealed`.
    pub fn to_stored(&self) -> String {
        match self {
            Credential::Token(t) => t.expose().to_string(),
            Credential::KapsoProxy { phone_number_id } => {
                format!("{KAPSO_PROXY_PREFIX}{phone_number_id}")
            }
        }
    }

    /// A credential from its opened stored text.
    pub fn from_stored(text: String) -> Credential {
        match text.strip_prefix(KAPSO_PROXY_PREFIX) {
            Some(pnid) => Credential::KapsoProxy {
                phone_number_id: pnid.to_string(),
            },
            None => Credential::Token(Secret::new(text)),
        }
    }

    /// Whether a typed token would be taken for the Kapso marker (refused when typed: a number
    /// reaches Kapso's proxy only through a Kapso setup link).
    pub fn looks_like_marker(typed: &str) -> bool {
        typed.trim().starts_with(KAPSO_PROXY_PREFIX)
    }

    pub fn is_kapso(&self) -> bool {
        matches!(self, Credential::KapsoProxy { .. })
    }

    /// The Meta token, when there is one.
    pub fn token(&self) -> Option<&Secret> {
        match self {
            Credential::Token(t) => Some(t),
            Credential::KapsoProxy { .. } => None,
        }
    }
}

impl From<Secret> for Credential {
    fn from(token: Secret) -> Self {
        Credential::Token(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kapso_number_round_trips_through_its_stored_form_and_a_token_stays_a_token() {
        let k = Credential::KapsoProxy {
            phone_number_id: "301000000000009".into(),
        };
        assert_eq!(k.to_stored(), "kapso-proxy:301000000000009");
        assert_eq!(Credential::from_stored(k.to_stored()), k);
        let t = Credential::Token(Secret::new("EAA-TEST-TOKEN-abc"));
        assert_eq!(Credential::from_stored(t.to_stored()), t);
        assert!(Credential::looks_like_marker(" kapso-proxy:1"));
        assert!(!Credential::looks_like_marker("EAA-TEST-TOKEN-abc"));
    }

    #[test]
    fn a_credential_never_prints_its_token() {
        let t = Credential::Token(Secret::new("EAA-TEST-TOKEN-zzz"));
        assert!(!format!("{t:?}").contains("zzz"));
    }
}
