//! Meta's webhooks: the signature check, the HTTP listener, and parsing deliveries into changes.

pub mod http;
pub mod listener;
pub mod parse;
pub mod signature;

pub use parse::{Change, ChangePayload, Delivery, ParseError, parse_delivery};
