//! What `wabox doctor` finds, for the engine and every number.

use serde::{Deserialize, Serialize};

/// What `wabox doctor` finds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DoctorReport {
    pub without_queue: Vec<crate::directory::Orphan>,
    pub unrouted: i64,
    pub invalid: i64,
    /// `+display (phone number id)` of numbers that cannot send.
    pub without_token: Vec<String>,
    /// Every number's checks against Meta and the store.
    #[serde(default)]
    pub numbers: Vec<NumberHealth>,
    /// The data dir's loose modes, links and strangers (installation admins only), each with
    /// the command that fixes it.
    #[serde(default)]
    pub files: Vec<wabox_domain::health::Check>,
    /// What Meta said about the tenants' accounts and businesses lately (partners added or
    /// removed, capability changes, alerts), newest first: to read, not a failure in itself.
    #[serde(default)]
    pub account_events: Vec<crate::admin::AccountEventView>,
    /// Deliveries journaled and not processed yet, and how long the oldest has waited
    /// (installation admins only; 0 for others).
    #[serde(default)]
    pub journal_pending: i64,
    #[serde(default)]
    pub journal_lag_seconds: i64,
    /// With several engines on one PostgreSQL store (installation admins only): each engine
    /// seen in the last hour and the partitions of the work it holds now.
    #[serde(default)]
    pub engines: Vec<EngineStatus>,
    /// Partitions no engine holds: their deliveries, sends and sequences wait.
    #[serde(default)]
    pub unowned_partitions: i64,
}

/// One engine sharing the store, as `doctor` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStatus {
    /// host:process:random, as it registered itself.
    pub id: String,
    pub host: String,
    pub pid: i64,
    /// The engine answering this `doctor`.
    pub this: bool,
    /// Seen within its lease's life and not stopped.
    pub live: bool,
    pub seen_seconds_ago: i64,
    pub partitions: Vec<i64>,
}

/// A journal whose oldest unprocessed delivery has waited this long is behind, not busy.
pub const JOURNAL_BEHIND_SECONDS: i64 = 60;

/// One number's checks in `wabox doctor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberHealth {
    pub tenant: String,
    pub display_phone: String,
    pub phone_number_id: String,
    pub connected_via: Option<String>,
    pub checks: Vec<wabox_domain::health::Check>,
}

impl DoctorReport {
    pub fn healthy(&self) -> bool {
        use wabox_domain::health::Level;
        self.without_queue.is_empty()
            && self.unrouted == 0
            && self.invalid == 0
            && self.without_token.is_empty()
            && self.journal_lag_seconds < JOURNAL_BEHIND_SECONDS
            && self.unowned_partitions == 0
            && self
                .numbers
                .iter()
                .flat_map(|n| &n.checks)
                .chain(&self.files)
                .all(|c| matches!(c.level, Level::Ok | Level::Unknown))
    }
}
