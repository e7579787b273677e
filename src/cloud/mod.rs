//! The Graph API client: sends, marks read, templates, phone number state, media; and what each
//! error means. The base URL and version come from the config, so the same client talks to Meta
//! or to the simulator. Numbers Kapso connected go through Kapso's Meta proxy instead
//! (`credential`), and `kapso` speaks Kapso's Platform API (customers, setup links).

pub mod client;
pub mod credential;
pub mod errors;
pub mod kapso;

pub use client::{GraphClient, GraphError, SendAccepted};
pub use credential::Credential;
pub use errors::{ErrorAction, Lang, classify, explain};
