//! A team report as it crosses the wire: the period asked for, the totals and each group's
//! figures (`domain::report` computes them; durations are whole seconds).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What `Report` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReportQuery {
    /// First day, `YYYY-MM-DD` in `zone` (default: six days before `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, included (default: today).
    #[serde(default)]
    pub to: Option<String>,
    /// `agent`, `queue`, `number` or `day`; none for the totals only.
    #[serde(default)]
    pub by: Option<String>,
    /// `in` or `out` of the queues' business hours; none for both.
    #[serde(default)]
    pub hours: Option<String>,
    /// The IANA zone days are counted in (default: the engine's).
    #[serde(default)]
    pub zone: Option<String>,
    /// An installation admin's choice of one tenant; a tenant's admin always gets their own.
    #[serde(default)]
    pub tenant: Option<String>,
}

/// A duration's summary in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationView {
    pub count: u64,
    pub mean_seconds: Option<i64>,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

/// One group's figures (or the totals).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FiguresView {
    pub opened: u64,
    pub closed: u64,
    pub waiting: u64,
    pub messages_in: u64,
    pub messages_out: u64,
    pub templates_sent: u64,
    pub first_response: DurationView,
    pub resolution: DurationView,
    /// Threads of queues with a first-response target, and those that missed it.
    pub sla_counted: u64,
    pub sla_missed: u64,
    /// Failed sends by error code ("0": no code known).
    pub failures: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub key: String,
    #[serde(flatten)]
    pub figures: FiguresView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub from: String,
    pub to: String,
    pub zone: String,
    /// Unix seconds: the period counted, its end `now` when it reaches today.
    pub from_at: i64,
    pub until_at: i64,
    #[serde(default)]
    pub by: Option<String>,
    pub hours: String,
    /// None: every tenant the caller sees.
    #[serde(default)]
    pub tenant: Option<String>,
    pub total: FiguresView,
    /// Each group, in order (days ascending; others by name).
    #[serde(default)]
    pub rows: Vec<ReportRow>,
}
