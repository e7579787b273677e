//! The customer message each conversation was last marked read up to on WhatsApp, so that Meta
//! hears once per customer message although every inbox with the conversation open asks as the
//! message arrives.
//!
//! It lives in memory, and an engine that runs for months marks a great many conversations
//! read: a map of them all would only grow. So it keeps two generations; once the newer holds
//! half the bound, the older is forgotten and the newer takes its place. What is forgotten is a
//! conversation nobody marked read for a long while, and it costs at most one more call to Meta,
//! which marking read again does not mind.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// At most this many conversations are remembered (about 100 bytes each).
const BOUND: usize = 100_000;

pub struct ReadReceipts {
    bound: usize,
    generations: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    newer: HashMap<i64, String>,
    older: HashMap<i64, String>,
}

impl Default for ReadReceipts {
    fn default() -> Self {
        ReadReceipts::with_bound(BOUND)
    }
}

impl ReadReceipts {
    fn with_bound(bound: usize) -> ReadReceipts {
        ReadReceipts {
            bound: bound.max(2),
            generations: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Generations> {
        // A panic while holding it leaves plain ids behind: still usable.
        self.generations.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether Meta was told this conversation is read up to `wamid`.
    pub fn told(&self, conversation_id: i64, wamid: &str) -> bool {
        let g = self.lock();
        let last = g
            .newer
            .get(&conversation_id)
            .or_else(|| g.older.get(&conversation_id));
        last.is_some_and(|last| last == wamid)
    }

    /// Meta was told this conversation is read up to `wamid`.
    pub fn record(&self, conversation_id: i64, wamid: String) {
        let mut g = self.lock();
        g.older.remove(&conversation_id);
        g.newer.insert(conversation_id, wamid);
        if g.newer.len() >= self.bound / 2 {
            g.older = std::mem::take(&mut g.newer);
        }
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        let g = self.lock();
        g.newer.len() + g.older.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_is_told_once_per_customer_message() {
        let r = ReadReceipts::default();
        assert!(!r.told(7, "wamid.A"));
        r.record(7, "wamid.A".into());
        assert!(r.told(7, "wamid.A"));
        assert!(!r.told(7, "wamid.B"), "a newer message is told again");
        r.record(7, "wamid.B".into());
        assert!(r.told(7, "wamid.B") && !r.told(7, "wamid.A"));
        assert!(!r.told(8, "wamid.B"), "per conversation");
    }

    #[test]
    fn it_forgets_the_longest_untouched_and_never_grows_past_its_bound() {
        let r = ReadReceipts::with_bound(10);
        for id in 0..1_000 {
            r.record(id, format!("wamid.{id}"));
            assert!(r.remembered() <= 10, "{} remembered", r.remembered());
        }
        assert!(r.told(999, "wamid.999"), "the latest is remembered");
        assert!(!r.told(0, "wamid.0"), "the first is long forgotten");
        // Marked again while in the older generation: moved to the newer, not kept twice.
        let r = ReadReceipts::with_bound(10);
        for id in 0..5 {
            r.record(id, format!("wamid.{id}"));
        }
        r.record(0, "wamid.0b".into());
        assert_eq!(r.remembered(), 5);
        assert!(r.told(0, "wamid.0b"));
    }
}
