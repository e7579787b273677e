//! The Graph API client: sends, marks read, templates, phone number state, media; and what each
//! error means. The base URL and version come from the config, so the same client talks to Meta
//! or to the simulator.

pub mod client;
pub mod errors;

pub use client::{GraphClient, GraphError, SendAccepted};
pub use errors::{ErrorAction, Lang, classify, explain};
