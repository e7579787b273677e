//! wabox: a terminal inbox for WhatsApp Business numbers on Meta's Cloud API.

pub mod bench;
pub mod cli;
pub mod client;
pub mod cloud;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod i18n;
pub mod logging;
pub mod protocol;
pub mod qr;
pub mod secret;
pub mod sim;
pub mod store;
pub mod tui;
pub mod webhook;
