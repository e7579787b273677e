//! Meta's webhooks: the signature check and the HTTP listener. What a delivery says is parsed in
//! `domain::delivery`, below the store that applies it.

pub mod http;
pub mod journal;
pub mod listener;
pub mod signature;
