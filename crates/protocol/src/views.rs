//! views

use super::states::{ConversationState, Direction, MediaState, MessageStatus, Origin, Reactor};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContactView {
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
    /// The WhatsApp username the customer chose, when Meta shares it.
    #[serde(default)]
    pub username: Option<String>,
}

/// A WhatsApp group a conversation is with (Meta's Groups API).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupView {
    pub group_id: String,
    pub subject: Option<String>,
}

/// The customer service window as it stood when the row was read. Its words (`23h 12m`,
/// `closes in 9m`, `closed 3d ago`) depend on the reader's now, so each client words it
/// (`label`) at the engine's now: the same row can go to every reader.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WindowView {
    pub open: bool,
    /// When it closes (open) or closed (closed), unix seconds; null if the customer never wrote.
    pub closes_at: Option<i64>,
}

impl WindowView {
    /// The window's words at `now` (the engine's now: `EngineInfo::clock_offset_seconds`).
    pub fn label(&self, now: i64) -> String {
        let last_inbound_at = self
            .closes_at
            .map(|t| t - wabox_domain::window::WINDOW_SECONDS);
        wabox_domain::ServiceWindow::at(last_inbound_at, now).label(now)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LastMessageView {
    pub text: String,
    /// Unix seconds.
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConversationView {
    pub id: i64,
    pub phone_number_id: String,
    pub display_phone: String,
    pub tenant: String,
    pub contact: ContactView,
    /// Open, closed or snoozed (until `snoozed_until`); a snooze whose time has come reads open.
    pub state: ConversationState,
    /// Unix seconds.
    #[serde(default)]
    pub snoozed_until: Option<i64>,
    /// The queue it waits in; none when its number has no queue (admins see it under "no queue").
    #[serde(default)]
    pub queue: Option<String>,
    /// The agent handling it, if any.
    #[serde(default)]
    pub assignee: Option<String>,
    pub unread: i64,
    /// Unix seconds.
    pub last_inbound_at: Option<i64>,
    pub window: WindowView,
    /// The customer came from a click-to-WhatsApp ad (a `referral`): a free entry point.
    pub from_ad: bool,
    pub last_message: Option<LastMessageView>,
    /// Set for a group's conversation: replies go to the group, its window is the group's.
    #[serde(default)]
    pub group: Option<GroupView>,
    /// The queue's id (`queue` is its name): a list of one queue holds the conversation.
    #[serde(default)]
    pub queue_id: Option<i64>,
    /// When its last message came or went (unix seconds): lists are newest first by it.
    #[serde(default)]
    pub last_activity: Option<i64>,
    /// The business blocked this customer on this number (Meta's Block Users API): neither
    /// writes to the other until it is lifted.
    #[serde(default)]
    pub blocked: Option<BlockedView>,
    /// When its queue's first-response target passes for the customer's oldest unanswered
    /// message (none: no target, nothing unanswered, or closed). Past it, the list marks it.
    #[serde(default)]
    pub sla_due_at: Option<i64>,
}

/// Who blocked a customer, and when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BlockedView {
    pub at: i64,
    pub by: String,
}

/// Why a send failed, as Meta (or wabox) said it. What it means and what to do depends on who
/// reads it (an agent is told an admin must act, an admin gets the command) and in which
/// language, so each client explains `code` itself (`i18n::failures::explain`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorView {
    pub code: i64,
    /// Meta's own words, or wabox's sentence when `code` is 0.
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReactionView {
    pub emoji: String,
    pub by: Reactor,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MessageView {
    pub id: i64,
    pub conversation_id: i64,
    pub wamid: String,
    pub direction: Direction,
    pub origin: Origin,
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    /// Unix seconds.
    pub at: i64,
    pub status: Option<MessageStatus>,
    pub error: Option<ErrorView>,
    pub reply_to: Option<String>,
    pub forwarded: bool,
    pub reactions: Vec<ReactionView>,
    pub edited: bool,
    pub revoked: bool,
    /// What the message said before each edit or deletion, oldest first.
    pub previous_texts: Vec<String>,
    /// The file of a media message: `pending` (downloading), `downloaded` or `failed`.
    pub media: Option<MediaView>,
    /// In a group: the participant who wrote it.
    #[serde(default)]
    pub author: Option<ContactView>,
    /// A completed WhatsApp Flow: what the customer filled in, field by field.
    #[serde(default)]
    pub form: Option<Vec<wabox_domain::forms::FormField>>,
    /// The user who sent an agent's message (from the inbox, the CLI or the API); none for
    /// the customer's, the phone app's and automatic ones. An inbox says "You" only for its
    /// own user's.
    #[serde(default)]
    pub sent_by: Option<String>,
}

impl MessageView {
    /// Our reactions are outbox rows shown on the message they react to, not in the timeline,
    /// unless they failed (then the agent sees why and may retry).
    pub fn in_timeline(&self) -> bool {
        self.kind != "reaction" || self.status.is_some_and(MessageStatus::needs_decision)
    }
}

/// Which conversations of a queue view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueSelection {
    Queue(i64),
    /// Of numbers without a queue: waiting for an admin to route them.
    NoQueue,
    /// Assigned to the user asking.
    Mine,
    Unassigned,
}

/// A queue as a person names it: its name, and its tenant's where several tenants the caller
/// sees have a queue of that name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueName {
    pub name: String,
    #[serde(default)]
    pub tenant: Option<String>,
}

/// Which conversations by state: the inbox lists open ones; snoozed and closed ones have views
/// of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateFilter {
    /// Open or pending, and snoozed ones whose time has come.
    Open,
    /// Snoozed until a time still to come.
    Snoozed,
    Closed,
}

impl StateFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            StateFilter::Open => "open",
            StateFilter::Snoozed => "snoozed",
            StateFilter::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaView {
    pub state: MediaState,
    pub mime_type: Option<String>,
    pub bytes: Option<i64>,
    pub error: Option<String>,
    /// Relative to the data dir, once downloaded.
    pub path: Option<String>,
    /// Downloaded once and deleted since (`[media] keep_days`): `error` says when. Failed, so
    /// `media retry` fetches it again while Meta still has it.
    #[serde(default)]
    pub expired: bool,
}

/// A message as a client names it: wabox's id (`messages --json` `id`) or Meta's wamid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MessageRef {
    Id(i64),
    Wamid(String),
}

impl MessageRef {
    /// A number is wabox's id; anything else is taken as a wamid.
    pub fn parse(text: &str) -> MessageRef {
        let text = text.trim();
        match text.parse::<i64>() {
            Ok(id) => MessageRef::Id(id),
            Err(_) => MessageRef::Wamid(text.to_string()),
        }
    }
}

impl std::fmt::Display for MessageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MessageRef::Id(id) => write!(f, "{id}"),
            MessageRef::Wamid(w) => f.write_str(w),
        }
    }
}

impl std::str::FromStr for StateFilter {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(StateFilter::Open),
            "snoozed" => Ok(StateFilter::Snoozed),
            "closed" => Ok(StateFilter::Closed),
            other => Err(format!(
                "no conversation state {other:?}: use open, snoozed or closed"
            )),
        }
    }
}
