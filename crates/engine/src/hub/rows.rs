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
pub struct Placements(HashMap<i64, Placement>);

impl Placements {
    /// Every conversation's placement now. On failure the hub starts empty, and a conversation
    /// handed away before its first change is not told as gone (its old holder's list keeps it
    /// until their next read).
    pub async fn load(engine: &Arc<Engine>) -> Placements {
        match engine.read(scope::placements).await {
            Ok(all) => Placements(all.into_iter().collect()),
            Err(e) => {
                tracing::warn!(error = %e, "the event hub could not read where conversations sit");
                Placements(HashMap::new())
            }
        }
    }
}

impl Placements {
    /// Whether a conversation outside `queues` is assigned to `user`.
    pub fn assigned_outside(&self, user: &str, queues: &std::collections::HashSet<i64>) -> bool {
        self.0.values().any(|p| {
            p.assignee.as_deref() == Some(user) && !p.queue_id.is_some_and(|q| queues.contains(&q))
        })
    }

    #[cfg(test)]
    pub fn of(all: Vec<(i64, Placement)>) -> Placements {
        Placements(all.into_iter().collect())
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
}

/// Reads what the tick changed; what cannot be read is left out (and logged), never guessed.
pub async fn read(engine: &Arc<Engine>, tick: &Tick, placements: &mut Placements) -> Read {
    let ids: Vec<i64> = tick.conversations.iter().map(|(id, _)| *id).collect();
    let message_ids = tick.messages.clone();
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
    let (mut placed, rows, messages) = match read {
        Ok(read) => read,
        Err(e) => {
            tracing::warn!(error = %e, "the event hub could not read the rows of a change");
            return Read {
                conversations: Vec::new(),
                messages: Vec::new(),
            };
        }
    };
    let conversations = rows
        .into_iter()
        .map(|(id, row)| {
            let now = placed.remove(&id);
            let before = match &now {
                Some(p) => placements.0.insert(id, p.clone()),
                None => placements.0.remove(&id),
            };
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
    }
}
