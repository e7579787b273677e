//! The Graph API client: sends, marks read, templates, phone number state, media; and what each
//! error means. The base URL and version come from the config, so the same client talks to Meta
//! or to the simulator. Numbers Kapso connected go through Kapso's Meta proxy instead
//! (`credential`), and `kapso` speaks Kapso's Platform API (customers, setup links).

pub mod client;
pub mod credential;
pub mod kapso;

/// Sent on every request wabox makes, so Meta, Kapso and a proxy's logs can tell wabox (and its
/// version) from other clients when a problem is reported.
pub const USER_AGENT: &str = concat!("wabox/", env!("CARGO_PKG_VERSION"));

/// Every HTTP client starts here: TLS is rustls with ring, chosen once for the process (reqwest
/// is built without a provider of its own, whose C library was the slowest part of a build).
pub fn client_builder() -> reqwest::ClientBuilder {
    static CHOSEN: std::sync::Once = std::sync::Once::new();
    CHOSEN.call_once(|| {
        // Fails only when a provider was installed already, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
}

/// The HTTP client builder every outgoing client starts from: wabox's User-Agent, and the
/// timeouts the caller asks for.
pub fn http_client(timeout: std::time::Duration) -> reqwest::ClientBuilder {
    client_builder()
        .user_agent(USER_AGENT)
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(5))
}

pub use client::{GraphClient, GraphError, SendAccepted};
pub use credential::Credential;
pub use wabox_domain::meta_errors::{ErrorAction, Lang, classify, explain};

#[cfg(test)]
mod tests {
    #[test]
    fn a_client_gets_tls_from_ring_chosen_for_the_whole_process() {
        // reqwest has no provider of its own: without one chosen, building a client panics.
        let client = super::client_builder().https_only(true).build();
        assert!(client.is_ok(), "{client:?}");
        let chosen = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(
            format!("{:?}", chosen.cipher_suites),
            format!("{:?}", ring.cipher_suites)
        );
    }
}
