//! The words of sequences between the engine and its clients: `wabox sequences`, the TUI.

use serde::{Deserialize, Serialize};

/// A sequence file as the engine loaded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceView {
    /// The file's name without `.toml`.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub tenant: String,
    /// Empty: all the tenant's numbers.
    pub numbers: Vec<String>,
    /// `first message`, `keyword: any of precio, price`; by hand is always possible.
    pub triggers: Vec<String>,
    /// `text`, `wait 2h`, … one per step, with its id when it has one.
    pub steps: Vec<String>,
    /// What a step due while the engine was down does.
    pub late: wabox_domain::sequence::LateRule,
    pub pause_on_agent: bool,
    /// Enrollments running or paused now.
    pub live: i64,
    pub file: String,
}

/// A file that was refused, with its line and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceFileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Every sequence the caller may see, and the files refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequencesView {
    /// Where the files are (none: no config dir, or a caller from elsewhere, over `/api`).
    pub dir: Option<String>,
    pub sequences: Vec<SequenceView>,
    pub errors: Vec<SequenceFileError>,
}

/// A conversation going through a sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollmentView {
    pub id: i64,
    pub conversation_id: i64,
    pub sequence: String,
    /// The sequence's name, or the id when its file is gone.
    pub sequence_name: String,
    pub state: super::states::EnrollmentState,
    /// From 0.
    pub step: usize,
    /// The step's id, or `step N`.
    pub step_name: String,
    /// `text`, `wait`, `wait for reply`, …
    pub step_kind: String,
    pub steps: usize,
    pub due_at: Option<i64>,
    /// Why it is paused, or how it ended.
    pub reason: Option<String>,
    pub enrolled_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// What it did, oldest first (only when one enrollment is asked for).
    #[serde(default)]
    pub log: Vec<EnrollmentLogEntry>,
}

impl EnrollmentView {
    /// Running or paused (not ended).
    pub fn live(&self) -> bool {
        self.state.live()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentLogEntry {
    pub at: i64,
    pub step: Option<usize>,
    pub what: String,
    pub message_id: Option<i64>,
}

/// What to do with an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentControl {
    Pause,
    Resume,
    Stop,
}
