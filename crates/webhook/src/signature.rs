//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the app secret, compared in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Hub-Signature-256 header")]
    Missing,
    #[error("X-Hub-Signature-256 is not of the form sha256=<64 hex digits>")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match the body and the app secret")]
    Mismatch,
}

/// Checks a header value against the raw body. Never re-serialise the JSON: Meta signs its bytes.
pub fn verify(app_secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    let mut mac = HmacSha256::new_from_slice(app_secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// Kapso's `X-Webhook-Signature`: the hex HMAC-SHA256 of the raw body with the webhook's secret
/// (a `sha256=` prefix is taken too), compared in constant time.
pub fn verify_kapso(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_digest = header.strip_prefix("sha256=").unwrap_or(header);
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Webhook-Signature` Kapso would send for `body`.
pub fn sign_kapso(secret: &[u8], body: &[u8]) -> String {
    // An HMAC key of any length is valid, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The header value Meta would send for `body` (used by the simulator, the tests and the bench).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    // An HMAC key of any length is valid, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(app_secret).expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Compares two secrets (e.g. the subscribe handshake's verify token) in constant time.
pub fn secrets_match(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_made_with_the_secret_verifies() {
        let header = sign(b"s3cret", b"{\"a\":1}");
        assert_eq!(verify(b"s3cret", b"{\"a\":1}", Some(&header)), Ok(()));
    }

    #[test]
    fn a_changed_body_or_secret_is_refused() {
        let header = sign(b"s3cret", b"{\"a\":1}");
        assert_eq!(
            verify(b"s3cret", b"{\"a\":2}", Some(&header)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", b"{\"a\":1}", Some(&header)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_refused() {
        assert_eq!(verify(b"k", b"x", None), Err(SignatureError::Missing));
        assert_eq!(
            verify(b"k", b"x", Some("sha1=00")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"k", b"x", Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"k", b"x", Some("sha256=00ff")),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn kapso_signs_with_bare_hex_and_only_its_secret_verifies() {
        let sig = sign_kapso(b"whsec", b"{\"a\":1}");
        assert_eq!(sig.len(), 64);
        assert_eq!(verify_kapso(b"whsec", b"{\"a\":1}", Some(&sig)), Ok(()));
        assert_eq!(
            verify_kapso(b"whsec", b"{\"a\":1}", Some(&format!("sha256={sig}"))),
            Ok(())
        );
        assert_eq!(
            verify_kapso(b"other", b"{\"a\":1}", Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_kapso(b"whsec", b"{\"a\":2}", Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_kapso(b"whsec", b"x", None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_kapso(b"whsec", b"x", Some("zz")),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn verify_tokens_compare_exactly() {
        assert!(secrets_match("tok", "tok"));
        assert!(!secrets_match("tok", "tok2"));
        assert!(!secrets_match("tok", "Tok"));
    }
}
