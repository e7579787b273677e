//! The reads of one tick, made once for every subscriber: each changed conversation's row and
//! placement, and each changed message's row.

use super::Tick;
use crate::Engine;
use std::collections::HashMap;
use std::sync::Arc;
use wabox_domain::time::now_unix;
use wabox_protocol::views::{ConversationView, MessageView};
use wabox_store::scope::{self, Placement};
use wabox_store::views;

/// Where each conversation sat when the hub last looked: who saw it before a change.
pub struct Placements {
    all: HashMap<i64, Placement>,
    /// Each assignee's conversations and their queues: who holds what outside their queues is
    /// asked per view per tick, and must not cost every conversation each time.
    held: HashMap<String, HashMap<i64, Option<i64>>>,
    /// Every conversation was read at the start (false: the first read failed, and who holds
    /// nothing cannot be told from this).
    complete: bool,
}

impl Placements {
    /// Every conversation's placement now. On failure the hub starts empty, and a conversation
    /// handed away before its first change is not told as gone (its old holder's list keeps it
    /// until their next read).
    pub async fn load(engine: &Arc<Engine>) -> Placements {
        match engine.read(scope::placements).await {
            Ok(all) => Placements::of(all),
            Err(e) => {
                tracing::warn!(error = %e, "the event hub could not read where conversations sit");
                Placements {
                    complete: false,
                    ..Placements::of(Vec::new())
                }
            }
        }
    }

    /// Whether a conversation outside `queues` is assigned to `user`.
    pub fn assigned_outside(&self, user: &str, queues: &std::collections::HashSet<i64>) -> bool {
        self.held.get(user).is_some_and(|held| {
            held.values()
                .any(|queue| !queue.is_some_and(|q| queues.contains(&q)))
        })
    }

    /// Whether `user` is known to hold no conversation at all (so none of theirs is open).
    pub fn holds_nothing(&self, user: &str) -> bool {
        self.complete && !self.held.contains_key(user)
    }

    pub fn of(all: Vec<(i64, Placement)>) -> Placements {
        let mut placements = Placements {
            all: HashMap::with_capacity(all.len()),
            held: HashMap::new(),
            complete: true,
        };
        for (id, p) in all {
            placements.set(id, Some(p));
        }
        placements
    }

    /// Where conversation `id` sits now (none: deleted); where it sat before.
    fn set(&mut self, id: i64, now: Option<Placement>) -> Option<Placement> {
        if let Some(p) = &now
            && let Some(assignee) = &p.assignee
        {
            self.held
                .entry(assignee.clone())
                .or_default()
                .insert(id, p.queue_id);
        }
        let before = match now.clone() {
            Some(p) => self.all.insert(id, p),
            None => self.all.remove(&id),
        };
        if let Some(b) = &before
            && let Some(assignee) = &b.assignee
            && now.as_ref().and_then(|p| p.assignee.as_ref()) != Some(assignee)
            && let Some(held) = self.held.get_mut(assignee)
        {
            held.remove(&id);
            if held.is_empty() {
                self.held.remove(assignee);
            }
        }
        before
    }
}

/// One changed conversation: where it sat and sits, and its row (none once it is deleted).
pub struct Changed {
    pub id: i64,
    pub before: Option<Placement>,
    pub now: Option<Placement>,
    pub row: Option<ConversationView>,
}

pub struct Read {
    pub conversations: Vec<Changed>,
    pub messages: Vec<MessageView>,
    /// Read for a subscriber coming back (`replay`): where a row sat before is not known, so
    /// one it does not see now is told as gone, whether it saw it or not.
    pub unseen_is_gone: bool,
}

/// Reads what the tick changed; what cannot be read is left out (and logged), never guessed.
pub async fn read(engine: &Arc<Engine>, tick: &Tick, placements: &mut Placements) -> Read {
    let Some((mut placed, rows, messages)) = fetch(engine, tick).await else {
        return Read::nothing();
    };
    let conversations = rows
        .into_iter()
        .map(|(id, row)| {
            let now = placed.remove(&id);
            let before = placements.set(id, now.clone());
            Changed {
                id,
                before,
                now,
                row,
            }
        })
        .collect();
    Read {
        conversations,
        messages,
        unseen_is_gone: false,
    }
}

/// Reads the rows of the changes a subscriber missed, as they are now; the hub's placements
/// (where each sat at its last tick) are neither used nor moved.
pub async fn read_missed(engine: &Arc<Engine>, tick: &Tick) -> Read {
    let Some((mut placed, rows, messages)) = fetch(engine, tick).await else {
        return Read::nothing();
    };
    let conversations = rows
        .into_iter()
        .map(|(id, row)| Changed {
            id,
            before: None,
            now: placed.remove(&id),
            row,
        })
        .collect();
    Read {
        conversations,
        messages,
        unseen_is_gone: true,
    }
}

impl Read {
    fn nothing() -> Read {
        Read {
            conversations: Vec::new(),
            messages: Vec::new(),
            unseen_is_gone: false,
        }
    }
}

type Fetched = (
    HashMap<i64, Placement>,
    Vec<(i64, Option<ConversationView>)>,
    Vec<MessageView>,
);

async fn fetch(engine: &Arc<Engine>, tick: &Tick) -> Option<Fetched> {
    let ids: Vec<i64> = tick.conversations.iter().map(|(id, _)| *id).collect();
    let message_ids: Vec<i64> = tick.messages.iter().map(|(m, _)| *m).collect();
    let now = now_unix();
    let read = engine
        .read(move |c| {
            let placed: HashMap<i64, Placement> =
                scope::placements_of(c, &ids)?.into_iter().collect();
            let mut rows = Vec::with_capacity(ids.len());
            for id in &ids {
                rows.push((*id, views::conversation(c, *id, now).ok()));
            }
            let mut messages = Vec::with_capacity(message_ids.len());
            for id in &message_ids {
                if let Ok(m) = views::message(c, *id) {
                    messages.push(m);
                }
            }
            Ok((placed, rows, messages))
        })
        .await;
    match read {
        Ok(read) => Some(read),
        Err(e) => {
            tracing::warn!(error = %e, "the event hub could not read the rows of a change");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn at(queue: Option<i64>, assignee: Option<&str>) -> Placement {
        Placement {
            tenant_id: 1,
            queue_id: queue,
            assignee: assignee.map(str::to_string),
        }
    }

    #[test]
    fn who_holds_what_outside_their_queues_follows_every_move() {
        let sales: HashSet<i64> = [10].into();
        let mut p = Placements::of(vec![(1, at(Some(10), Some("ana")))]);
        assert!(!p.assigned_outside("ana", &sales));
        // Moved to queue 20, still hers.
        assert_eq!(
            p.set(1, Some(at(Some(20), Some("ana")))),
            Some(at(Some(10), Some("ana")))
        );
        assert!(p.assigned_outside("ana", &sales));
        // Handed to Ben: no longer hers.
        p.set(1, Some(at(Some(20), Some("ben"))));
        assert!(!p.assigned_outside("ana", &sales));
        assert!(p.assigned_outside("ben", &sales));
        // Unassigned, then deleted.
        p.set(1, Some(at(None, None)));
        assert!(!p.assigned_outside("ben", &sales));
        p.set(2, Some(at(None, Some("ben"))));
        assert!(p.assigned_outside("ben", &sales), "no queue is outside his");
        assert_eq!(p.set(2, None), Some(at(None, Some("ben"))));
        assert!(!p.assigned_outside("ben", &sales));
        assert!(p.held.is_empty());
        assert!(p.holds_nothing("ben") && p.holds_nothing("ana"));
        p.set(3, Some(at(Some(10), Some("ana"))));
        assert!(!p.holds_nothing("ana"), "in her own queue, still hers");
    }

    #[test]
    fn without_the_first_read_nobody_is_known_to_hold_nothing() {
        let p = Placements {
            complete: false,
            ..Placements::of(Vec::new())
        };
        assert!(!p.holds_nothing("ana"));
    }
}
