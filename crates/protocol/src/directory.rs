//! directory

use super::states::{ConnectedVia, Role};
use serde::{Deserialize, Serialize};
use wabox_domain::ConnectionKind;
use wabox_domain::number::NumberStatus;

fn active_default() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TenantView {
    pub id: i64,
    pub name: String,
    pub numbers: i64,
    /// Unix seconds.
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NumberView {
    pub id: i64,
    pub tenant: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone: String,
    pub connection: ConnectionKind,
    /// Whether an access token is stored (sealed). The token itself never leaves the engine.
    pub has_token: bool,
    pub conversations: i64,
    /// Unread customer messages across its conversations.
    #[serde(default)]
    pub unread: i64,
    /// Conversations with unread messages: customers waiting for an answer.
    #[serde(default)]
    pub waiting: i64,
    /// The queue its conversations go to; none is an error an admin must fix.
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default = "active_default")]
    pub active: bool,
    /// Active, inactive or disconnected (no working token): `domain::number::number_status`.
    pub status: NumberStatus,
    #[serde(default)]
    pub alias: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When its token stops working (unix seconds; 0 = never), as Meta last said; None: not asked.
    #[serde(default)]
    pub token_expires_at: Option<i64>,
    /// How it was connected.
    #[serde(default)]
    pub connected_via: Option<ConnectedVia>,
    /// The Meta business (portfolio) owning its WABA, once learned: business-level webhooks
    /// are routed by it.
    #[serde(default)]
    pub business_id: Option<String>,
}

/// What a rename or a removal did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantChange {
    /// The tenant's name now (for a removal: the name it had).
    pub tenant: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// For a removal: everything that went with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<TenantContents>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueView {
    pub id: i64,
    pub tenant: String,
    pub name: String,
    pub auto_assign: bool,
    /// Display numbers routed here.
    pub numbers: Vec<String>,
    pub agents: Vec<String>,
    pub conversations: i64,
    /// Conversations with unread customer messages.
    pub waiting: i64,
    /// Its business hours, if it has any: clients say whether it is open at their now.
    #[serde(default)]
    pub hours: Option<QueueHours>,
    /// Its first-response target in minutes: a conversation waiting longer is marked.
    #[serde(default)]
    pub sla_minutes: Option<u32>,
}

/// A queue's business hours as `domain::hours` reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueHours {
    pub zone: String,
    pub week: String,
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentView {
    pub user: String,
    pub role: Role,
    pub tenant: Option<String>,
    pub queues: Vec<String>,
}

/// A token for reaching the engine from elsewhere, as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    /// The wabox user it acts as.
    pub user: String,
    pub name: Option<String>,
    /// Unix seconds, as the three below.
    pub created_at: i64,
    pub created_by: String,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// A token just made, with its secret: shown once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenCreated {
    pub token: TokenView,
    pub secret: String,
}

/// Never the secret, even in a debug print.
impl std::fmt::Debug for TokenCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCreated")
            .field("token", &self.token)
            .field("secret", &"…")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandEvent {
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub detail: String,
    pub note: Option<String>,
}

impl HandEvent {
    /// The event in words, without its time: "alice claimed", "root transferred to Sales". A
    /// claim's detail is its actor: "root claimed root" said nothing twice.
    pub fn words(&self) -> String {
        let what = self.kind.replace('_', " ");
        if self.detail.is_empty() || self.detail == self.actor {
            format!("{} {what}", self.actor)
        } else {
            format!("{} {what} {}", self.actor, self.detail)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    pub as_user: Option<String>,
    pub action: String,
    pub detail: String,
}

/// What `wabox doctor` and `wabox sync` warn about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Orphan {
    pub tenant: String,
    pub phone_number_id: String,
    pub display_phone: String,
    /// Its conversations that no queue holds.
    pub conversations: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationCounts {
    /// Open (and pending) conversations the user may see.
    pub open: i64,
    /// Open ones assigned to the user asking.
    pub mine: i64,
    /// Open ones assigned to no one.
    pub unassigned: i64,
    pub snoozed: i64,
    pub closed: i64,
}

/// What a tenant holds: what removing it takes away.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TenantContents {
    /// `+display (phone number id)` of each number.
    pub numbers: Vec<String>,
    pub queues: Vec<String>,
    pub conversations: i64,
    pub messages: i64,
    pub contacts: i64,
    /// Users whose record is this tenant's (agents and the tenant's admins).
    pub agents: Vec<String>,
}

impl TenantContents {
    /// In words, for the report: "2 numbers (+1555…), 1 queue (Sales), 3 conversations, …".
    pub fn describe(&self) -> String {
        self.words(true)
    }

    /// `names`: the numbers by name (the refusal has named them already).
    pub fn words(&self, names: bool) -> String {
        let list = |n: usize, one: &str, many: &str, names: &[String]| {
            let what = if n == 1 { one } else { many };
            if names.is_empty() {
                format!("{n} {what}")
            } else {
                format!("{n} {what} ({})", names.join(", "))
            }
        };
        let count =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let numbers: &[String] = if names { &self.numbers } else { &[] };
        let mut parts = vec![
            list(self.numbers.len(), "number", "numbers", numbers),
            list(self.queues.len(), "queue", "queues", &self.queues),
            count(self.conversations, "conversation", "conversations"),
        ];
        // The rest only when there is some.
        if self.messages > 0 {
            parts.push(count(self.messages, "message", "messages"));
        }
        if self.contacts > 0 {
            parts.push(count(self.contacts, "contact", "contacts"));
        }
        if !self.agents.is_empty() {
            parts.push(list(
                self.agents.len(),
                "agent record",
                "agent records",
                &self.agents,
            ));
        }
        parts.join(", ")
    }
}

/// A queue's business hours and where they stand now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoursView {
    pub tenant: String,
    pub queue: String,
    pub zone: String,
    pub week: String,
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub away: Option<String>,
    pub open: bool,
    /// When it next opens (closed) or closes (open), unix seconds; none: never within a year.
    #[serde(default)]
    pub next_change_at: Option<i64>,
    /// That moment on the queue's wall clock: `Mon 09:00`.
    #[serde(default)]
    pub next_label: Option<String>,
}
