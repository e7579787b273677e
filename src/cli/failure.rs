//! A failed send in words for the terminal: each explanation once, Meta's own words after it
//! when they add something.

use super::reader::Reader;
use crate::protocol::views::{ErrorView, MessageView};

/// `error 190: the number's access token … (Meta: Error validating access token…)`.
pub fn note(e: &ErrorView, reader: &Reader) -> String {
    match (reader.explanation(e), e.code) {
        (Some(why), code) if e.title.is_empty() || e.title == why => {
            format!("error {code}: {why}")
        }
        (Some(why), code) => format!("error {code}: {why} (Meta: {})", e.title),
        // wabox's own failure (no Meta code): its sentence says it all.
        (None, 0) => e.title.clone(),
        (None, code) => format!("error {code}: {}", e.title),
    }
}

/// Why `send --wait` ends in failure: the message, its state, and the reason once.
pub fn undelivered(m: &MessageView, reader: &Reader) -> String {
    let state = m.status.map_or("queued", |s| s.as_str());
    match &m.error {
        Some(e) => format!(
            "message {} was not delivered ({state}): {}",
            m.id,
            note(e, reader)
        ),
        None => format!("message {} was not delivered ({state})", m.id),
    }
}
