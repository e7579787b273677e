//! admin

use super::directory::*;
use serde::{Deserialize, Serialize};
use wabox_domain::template::TemplateSpec;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub dry_run: bool,
    /// `+display (phone number id)` of each.
    pub added: Vec<String>,
    pub updated: Vec<String>,
    /// `wsp-3f9a… → 106540352242922`: numbers stored under an invented id, now under Meta's.
    pub corrected: Vec<String>,
    pub unchanged: usize,
    pub inactive: Vec<String>,
    pub warnings: Vec<String>,
    /// Numbers of the tenant that no queue receives: their conversations reach no agent.
    pub without_queue: Vec<Orphan>,
    /// The queue the file's numbers without one were given, if one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// `+display (phone number id)` of the numbers routed to that queue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assigned: Vec<String>,
}

impl SyncReport {
    /// Whether an admin must act (numbers without a queue, or warnings).
    pub fn needs_attention(&self) -> bool {
        !self.without_queue.is_empty() || !self.warnings.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalEntryView {
    pub id: i64,
    /// Unix seconds.
    pub received_at: i64,
    /// How many times this exact body was delivered (Meta retries until it gets a 200).
    pub deliveries: i64,
    pub state: JournalState,
    pub detail: Option<String>,
    pub bytes: i64,
}

/// Which entries a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalFilter {
    /// Pending, unrouted and invalid: what may need attention.
    NotProcessed,
    All,
    Only(JournalState),
}

/// What became of one entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryOutcome {
    pub id: i64,
    pub state: JournalState,
    pub detail: Option<String>,
}

/// An account or business event as an admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEventView {
    pub id: i64,
    pub tenant: String,
    /// `account_update`, `partner_solutions`, `business_capability_update`, …
    pub field: String,
    pub event: Option<String>,
    /// `entry.id` as Meta sent it: a WABA, or a business for the business-level fields.
    pub entry_id: Option<String>,
    pub phone_number_id: Option<String>,
    /// What it says, in one line.
    pub summary: String,
    /// Unix seconds.
    pub at: i64,
    /// Meta's payload, for `--json` readers.
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedView {
    pub outbox_id: i64,
    pub message_id: i64,
    pub conversation_id: i64,
    /// Something the agent should know about what was queued (it goes, but not quite as asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateView {
    pub waba_id: String,
    pub name: String,
    pub language: String,
    pub category: String,
    pub status: String,
    pub parameter_format: String,
    /// Every placeholder to fill, e.g. `{{1}} (body)`.
    pub parameters: Vec<String>,
    /// The body with its placeholders.
    pub body: String,
    /// Everything needed to fill it in and preview it (the TUI's template form).
    pub spec: TemplateSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub message_id: i64,
    pub conversation_id: i64,
    /// Contact name, else number, else BSUID.
    pub contact: String,
    pub direction: super::states::Direction,
    /// Unix seconds.
    pub at: i64,
    /// The matching words in `[brackets]`, with some context.
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub contact_id: i64,
    pub name: Option<String>,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    /// The WhatsApp username the customer chose, when Meta shares it.
    #[serde(default)]
    pub username: Option<String>,
    pub tenant: String,
    pub labels: Vec<String>,
    pub notes: Vec<NoteView>,
    /// Opted out of marketing: broadcasts skip them.
    #[serde(default)]
    pub opted_out: Option<OptOutView>,
}

/// When a customer opted out of marketing, and who did it (`customer`: they wrote a stop word).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptOutView {
    pub at: i64,
    pub by: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalState {
    Pending,
    Processed,
    /// Could not be parsed; kept as it came so that nothing is lost.
    Invalid,
    /// Names a phone number (or WABA) wabox does not know; replayable once it is added.
    Unrouted,
}

impl JournalState {
    pub fn as_str(&self) -> &'static str {
        match self {
            JournalState::Pending => "pending",
            JournalState::Processed => "processed",
            JournalState::Invalid => "invalid",
            JournalState::Unrouted => "unrouted",
        }
    }

    /// The state a word names; none for a damaged row.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => JournalState::Pending,
            "processed" => JournalState::Processed,
            "invalid" => JournalState::Invalid,
            "unrouted" => JournalState::Unrouted,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteView {
    pub author: String,
    pub text: String,
    /// Unix seconds.
    pub at: i64,
}
