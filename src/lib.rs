//! wabox: a terminal inbox for WhatsApp Business numbers on Meta's Cloud API.
//!
//! The layers are crates (`crates/`), each importing only the ones below it: secret, logging,
//! domain, protocol, store, cloud, webhook, i18n, config, engine, sim. This package holds what
//! sits on top (the inbox, the commands, the client transports, the demo and the benchmarks) and
//! names each layer under its old module path, so `wabox::store::…` reads as it always did.

pub use wabox_cloud as cloud;
pub use wabox_config as config;
pub use wabox_domain as domain;
pub use wabox_engine as engine;
pub use wabox_i18n as i18n;
pub use wabox_logging as logging;
pub use wabox_protocol as protocol;
pub use wabox_secret as secret;
pub use wabox_secret::crypto;
pub use wabox_sim as sim;
pub use wabox_store as store;
pub use wabox_webhook as webhook;

pub mod bench;
pub mod cli;
pub mod client;
pub mod demo;
pub mod migrate;
pub mod qr;
pub mod tui;
