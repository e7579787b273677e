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

/// The HTTP client builder every outgoing client starts from: wabox's User-Agent, and the
/// timeouts the caller asks for.
pub fn http_client(timeout: std::time::Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(5))
}

pub use client::{GraphClient, GraphError, SendAccepted};
pub use credential::Credential;
pub use wabox_domain::meta_errors::{ErrorAction, Lang, classify, explain};
