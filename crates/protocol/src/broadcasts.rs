//! Broadcasts between clients and the engine: what a create (or its dry run) found, and where
//! a broadcast stands.

use serde::{Deserialize, Serialize};

/// What an admin does to a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadcastControl {
    Start,
    Pause,
    Resume,
    Cancel,
}

impl BroadcastControl {
    pub fn as_str(self) -> &'static str {
        match self {
            BroadcastControl::Start => "start",
            BroadcastControl::Pause => "pause",
            BroadcastControl::Resume => "resume",
            BroadcastControl::Cancel => "cancel",
        }
    }
}

/// Recipients left out for one reason, with a few of them (numbers or names as stored:
/// customers' text, to be printed with care).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedCount {
    /// `opted_out`, `blocked`, `duplicate`, `invalid_phone`, `missing_parameter`.
    pub reason: String,
    pub count: u64,
    pub examples: Vec<String>,
}

/// What a create found: whom it sends to and whom it skips, and what it costs. A dry run stores
/// nothing and has no id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BroadcastPlan {
    pub id: Option<i64>,
    pub dry_run: bool,
    pub template: String,
    pub language: String,
    /// Meta's category of the template (MARKETING, UTILITY, AUTHENTICATION).
    pub category: String,
    /// The sending number's display phone.
    pub number: String,
    pub segment: String,
    pub recipients: u64,
    pub skipped: Vec<SkippedCount>,
    /// recipients × the category's price from the config's `[pricing]`; none: no price.
    pub cost: Option<f64>,
    pub currency: Option<String>,
    /// What every send carries for the template's media header, as the timeline shows it
    /// (`[IMAGE header: promo.jpg]`); none without one.
    #[serde(default)]
    pub header: Option<String>,
}

/// A broadcast as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BroadcastView {
    pub id: i64,
    pub tenant: String,
    pub number: String,
    pub phone_number_id: String,
    pub template: String,
    pub language: String,
    pub category: String,
    pub segment: String,
    /// draft, running, paused, cancelled, done, stopped.
    pub state: String,
    pub stop_reason: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// Recipients it sends to (the skipped ones apart).
    pub recipients: u64,
    /// Not queued yet.
    pub pending: u64,
    /// In the outbox, not yet accepted by Meta.
    pub queued: u64,
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
    /// Lost in a crash mid-send: Meta may or may not have it (never sent again by itself).
    pub uncertain: u64,
    /// Skipped at create or when their turn came (opted out meanwhile).
    pub skipped: Vec<SkippedCount>,
    /// Failures by Meta's error code (none: no code).
    pub failures: Vec<FailureCount>,
    /// What every send carries for the template's media header, and for a file the engine
    /// uploaded, until when Meta keeps it; none without one.
    #[serde(default)]
    pub header: Option<String>,
    /// The header's file, link or place in a few words (its name), for a list.
    #[serde(default)]
    pub header_name: Option<String>,
}

impl BroadcastView {
    /// Recipients whose send is over (accepted by Meta or failed): the progress.
    pub fn done(&self) -> u64 {
        self.sent + self.delivered + self.read + self.failed + self.uncertain
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureCount {
    pub code: Option<i64>,
    pub count: u64,
}
