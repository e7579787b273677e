//! Which conversation's messages a subscriber wants pushed: the one its inbox shows.
//!
//! An inbox shows one conversation's messages; every other conversation reaches it as its row
//! (the list's line, the counts). Pushing each subscriber every message its scope may see would
//! make every message cost every open inbox its bytes, whatever it shows. So a connection may
//! say which conversation it shows (`Request::Focus`), and from then on its pushes carry that
//! conversation's messages only. One that never says gets them all, as before.

use std::sync::atomic::{AtomicI64, Ordering};

/// What a subscriber wants of a tick's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wants {
    /// Every message it may see (it never said).
    All,
    /// None: it shows no conversation.
    Nothing,
    /// This conversation's.
    One(i64),
}

impl Wants {
    /// Whether a message of `conversation` is wanted.
    pub fn keeps(self, conversation: i64) -> bool {
        match self {
            Wants::All => true,
            Wants::Nothing => false,
            Wants::One(id) => id == conversation,
        }
    }
}

/// A subscriber's focus, set by its connection and read by the hub without a lock.
#[derive(Debug, Default)]
pub struct Focus(AtomicI64);

/// Conversation ids are positive (SQLite's rowids from 1): the two other values are free.
const ALL: i64 = 0;
const NOTHING: i64 = -1;

impl Focus {
    pub fn set(&self, conversation_id: Option<i64>) {
        let v = match conversation_id {
            Some(id) if id > 0 => id,
            _ => NOTHING,
        };
        self.0.store(v, Ordering::Relaxed);
    }

    pub fn wants(&self) -> Wants {
        match self.0.load(Ordering::Relaxed) {
            ALL => Wants::All,
            id if id > 0 => Wants::One(id),
            _ => Wants::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_focus_is_all_until_set_then_what_was_set() {
        let f = Focus::default();
        assert_eq!(f.wants(), Wants::All);
        f.set(Some(42));
        assert_eq!(f.wants(), Wants::One(42));
        f.set(None);
        assert_eq!(f.wants(), Wants::Nothing);
        // Not a conversation: nothing, never everything.
        f.set(Some(0));
        assert_eq!(f.wants(), Wants::Nothing);
        f.set(Some(-7));
        assert_eq!(f.wants(), Wants::Nothing);
    }
}
