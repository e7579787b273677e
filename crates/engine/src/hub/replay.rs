//! What the hub remembers of its recent ticks, so a subscriber whose connection was lost (an
//! agent's laptop on a flaky link, a proxy restarted) is given the changes it missed as one push
//! when it subscribes again, instead of reading its lists and its open conversation again.
//!
//! Only ids are kept (which conversations and messages changed, and the rest of a tick), never
//! rows: the push is read from the store when the subscriber comes back, so it carries each row
//! as it is then, filtered by the scope the subscriber has then. A cursor from another engine or
//! run, from before the oldest tick kept, or from before the hub fell behind the writer cannot be
//! resumed: the subscriber reads everything again, as today.

use super::Tick;
use super::focus::Wants;
use std::collections::{HashMap, HashSet, VecDeque};
use wabox_protocol::push::PushCursor;

/// Ticks kept: at one tick per 40 ms, more than six minutes of changes without a pause.
const KEPT_TICKS: usize = 10_000;
/// Ids kept over all those ticks (about 16 bytes each).
const KEPT_IDS: usize = 200_000;
/// A resume that would push more than this many conversations is a reload instead: reading
/// the list again is then the cheaper way.
pub const MAX_CONVERSATIONS: usize = 2_000;
/// The most messages of the subscriber's focus (or of every conversation, without one) a
/// resume push carries.
pub const MAX_MESSAGES: usize = 5_000;

pub struct Replay {
    /// This hub's run: a cursor from another engine, or from before a restart, is not ours.
    hub: u64,
    seq: u64,
    /// The oldest cursor that can be resumed (ticks after it are all kept).
    floor: u64,
    ticks: VecDeque<(u64, Tick)>,
    ids: usize,
}

/// Why a cursor cannot be resumed (said in the engine's debug log).
#[derive(Debug, PartialEq, Eq)]
pub enum NotKept {
    OtherRun,
    TooOld,
    Ahead,
    TooMuch,
}

impl Replay {
    pub fn new(hub: u64) -> Replay {
        Replay {
            hub,
            seq: 0,
            floor: 0,
            ticks: VecDeque::new(),
            ids: 0,
        }
    }

    /// A run's name: random, and small enough for any JSON reader's integers.
    pub fn random_run() -> u64 {
        rand::random::<u64>() >> 11
    }

    pub fn cursor(&self) -> PushCursor {
        PushCursor {
            hub: self.hub,
            seq: self.seq,
        }
    }

    /// Counts a tick and keeps it; its number is what its pushes carry. A lagged tick (the
    /// hub missed the writer's events) keeps nothing before it: nobody can resume across it.
    pub fn record(&mut self, tick: &Tick) -> u64 {
        self.seq += 1;
        if tick.lagged {
            self.ticks.clear();
            self.ids = 0;
            self.floor = self.seq;
            return self.seq;
        }
        self.ids += size(tick);
        self.ticks.push_back((self.seq, tick.clone()));
        while self.ticks.len() > KEPT_TICKS || self.ids > KEPT_IDS {
            let Some((seq, old)) = self.ticks.pop_front() else {
                break;
            };
            self.ids -= size(&old);
            self.floor = seq;
        }
        self.seq
    }

    /// Every change after `since`, as one tick, with the messages the subscriber `wants` only
    /// (they alone count towards `MAX_MESSAGES`).
    pub fn since(&self, since: PushCursor, wants: Wants) -> Result<Tick, NotKept> {
        if since.hub != self.hub {
            return Err(NotKept::OtherRun);
        }
        if since.seq < self.floor {
            return Err(NotKept::TooOld);
        }
        if since.seq > self.seq {
            return Err(NotKept::Ahead);
        }
        let mut merged = Tick::default();
        let mut conversations: HashMap<i64, usize> = HashMap::new();
        let mut messages: HashSet<i64> = HashSet::new();
        for (_, tick) in self.ticks.iter().filter(|(seq, _)| *seq > since.seq) {
            for &(id, moved) in &tick.conversations {
                match conversations.get(&id) {
                    Some(&i) => merged.conversations[i].1 |= moved,
                    None => {
                        conversations.insert(id, merged.conversations.len());
                        merged.conversations.push((id, moved));
                    }
                }
            }
            for &(message, conversation) in &tick.messages {
                if wants.keeps(conversation) && messages.insert(message) {
                    merged.messages.push((message, conversation));
                }
            }
            if merged.conversations.len() > MAX_CONVERSATIONS
                || merged.messages.len() > MAX_MESSAGES
            {
                return Err(NotKept::TooMuch);
            }
            merged.directory |= tick.directory;
            for waba in &tick.templates {
                if !merged.templates.contains(waba) {
                    merged.templates.push(waba.clone());
                }
            }
            merged.journal.extend(tick.journal.iter().cloned());
            merged.clock = tick.clock.or(merged.clock);
        }
        Ok(merged)
    }
}

fn size(tick: &Tick) -> usize {
    tick.conversations.len() + tick.messages.len() + tick.journal.len() + tick.templates.len() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use wabox_store::StoreEvent;

    fn message(conversation_id: i64, message_id: i64) -> Tick {
        let mut t = Tick::default();
        t.take(StoreEvent::MessageAdded {
            conversation_id,
            message_id,
        });
        t
    }

    fn at(replay: &Replay, seq: u64) -> PushCursor {
        PushCursor {
            hub: replay.hub,
            seq,
        }
    }

    #[test]
    fn the_changes_after_a_cursor_come_back_merged_each_once() {
        let mut r = Replay::new(7);
        assert_eq!(r.record(&message(1, 10)), 1);
        r.record(&message(2, 20));
        r.record(&message(1, 11));
        let mut moved = Tick::default();
        moved.take(StoreEvent::ConversationChanged { conversation_id: 2 });
        moved.take(StoreEvent::DirectoryChanged);
        r.record(&moved);
        assert_eq!(r.cursor(), PushCursor { hub: 7, seq: 4 });

        let t = r.since(at(&r, 1), Wants::All).unwrap();
        assert_eq!(t.conversations, [(2, true), (1, false)]);
        assert_eq!(t.messages, [(20, 2), (11, 1)]);
        assert!(t.directory);
        // Nothing missed: an empty tick, resumed all the same.
        assert!(r.since(at(&r, 4), Wants::All).unwrap().is_empty());
        // The focus keeps its own messages only; every changed row still comes.
        let focused = r.since(at(&r, 0), Wants::One(1)).unwrap();
        assert_eq!(focused.messages, [(10, 1), (11, 1)]);
        assert_eq!(focused.conversations.len(), 2);
    }

    #[test]
    fn a_cursor_of_another_run_from_the_future_or_across_a_lag_is_refused() {
        let mut r = Replay::new(7);
        r.record(&message(1, 10));
        let other = PushCursor { hub: 8, seq: 1 };
        assert_eq!(r.since(other, Wants::All).unwrap_err(), NotKept::OtherRun);
        assert_eq!(r.since(at(&r, 2), Wants::All).unwrap_err(), NotKept::Ahead);
        let lagged = Tick {
            lagged: true,
            ..Tick::default()
        };
        r.record(&lagged);
        r.record(&message(1, 12));
        assert_eq!(r.since(at(&r, 1), Wants::All).unwrap_err(), NotKept::TooOld);
        assert_eq!(r.since(at(&r, 2), Wants::All).unwrap().messages, [(12, 1)]);
    }

    #[test]
    fn the_oldest_ticks_go_first_and_take_their_cursors_with_them() {
        let mut r = Replay::new(1);
        for i in 0..(KEPT_TICKS as i64 + 5) {
            r.record(&message(i, i));
        }
        assert_eq!(r.ticks.len(), KEPT_TICKS);
        assert_eq!(r.since(at(&r, 4), Wants::All).unwrap_err(), NotKept::TooOld);
        let recent = r.since(at(&r, r.seq - 100), Wants::Nothing).unwrap();
        assert_eq!(recent.conversations.len(), 100);
        assert!(recent.messages.is_empty(), "no message of the focus");
        // Every conversation since the floor is too much to push: a reload.
        assert_eq!(
            r.since(at(&r, r.floor), Wants::Nothing).unwrap_err(),
            NotKept::TooMuch
        );
    }

    #[test]
    fn many_ids_in_few_ticks_are_bounded_too() {
        let mut r = Replay::new(1);
        // Built whole: taking 50,000 events one by one checks each against the others.
        let n = KEPT_IDS as i64 / 4;
        let big = Tick {
            conversations: (0..n).map(|i| (i, false)).collect(),
            messages: (0..n).map(|i| (i, i)).collect(),
            ..Tick::default()
        };
        r.record(&big);
        r.record(&big);
        assert_eq!(r.ticks.len(), 1, "the first went to make room");
        assert!(r.ids <= KEPT_IDS);
        assert_eq!(r.floor, 1);
    }

    #[test]
    fn runs_are_named_within_json_integers() {
        for _ in 0..100 {
            assert!(Replay::random_run() < (1 << 53));
        }
    }
}
