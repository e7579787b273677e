//! What the engine pushes to a subscribed client: the rows that changed within what the
//! subscriber may see, so an inbox patches what it shows instead of asking again.
//!
//! Pushes are coalesced: everything that changed since the subscriber's last push travels in
//! one, with the latest row of each conversation and message. A subscriber that fell behind
//! gets one push saying `resync` and reads its lists again, once.

use super::directory::{ConversationCounts, NumberView, QueueView};
use super::views::{ConversationView, MessageView};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Push {
    /// Conversations that are new, changed, or came into the subscriber's sight: each as it is
    /// now, once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conversations: Vec<ConversationView>,
    /// Conversations that left the subscriber's sight (handed to a queue they do not serve).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<i64>,
    /// Messages added or changed (a status, an edit, a reaction, a download), oldest first: of
    /// the focused conversation only once the connection sent `Request::Focus`, else of every
    /// conversation in `conversations`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageView>,
    /// The sidebar's numbers, queues and counts as they are now, when they may have changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidebar: Option<Box<Sidebar>>,
    /// Tenants, numbers, queues or agents changed: what depends on them is read again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub directory: bool,
    /// WABAs whose templates changed (a status webhook): their cached templates are stale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
    /// Journal entries that changed state (installation admins only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<JournalChange>,
    /// The engine's clock was moved (a test or demo engine): its offset from the system's now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_seconds: Option<i64>,
    /// Changes were missed (the subscriber fell behind): read everything shown again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resync: bool,
    /// The engine's count of changes this push brings the subscriber up to (0: a push that
    /// moves no cursor, such as a sidebar alone). A client keeps the largest it has seen and
    /// gives it back in `Subscribe { since }` after a lost connection.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seq: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Where a subscriber stands in one engine's pushes: `hub` names the engine's run (another
/// engine, or the same one restarted, has another), `seq` the last change it was pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushCursor {
    pub hub: u64,
    pub seq: u64,
}

impl Push {
    pub fn is_empty(&self) -> bool {
        *self == Push::default()
    }
}

/// The sidebar of one subscriber's scope: what the inbox shows beside its lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidebar {
    pub numbers: Vec<NumberView>,
    pub queues: Vec<QueueView>,
    pub counts: ConversationCounts,
    /// Deliveries waiting for an admin (admins only; none for agents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<Attention>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    pub unrouted: i64,
    pub invalid: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalChange {
    pub journal_id: i64,
    pub state: super::admin::JournalState,
}
