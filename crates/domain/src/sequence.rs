//! Sequences: automated follow-ups defined in TOML (`sequences/*.toml` in the config dir), and
//! the pure rule that runs an enrollment's steps from where it stands. The engine stores where
//! each enrollment is and applies what a run decides in one transaction, so a step never runs
//! twice; nothing here does IO.
//!
//! ```toml
//! name = "Welcome"
//! tenant = "Acme"
//! [trigger]
//! first_message = true
//! [[step]]
//! text = "Hi {name|there}! Thanks for writing to Acme."
//! fallback_template = { name = "hello_again", language = "en", params = ["{name|there}"] }
//! [[step]]
//! wait = "2h"
//! [[step]]
//! text = "What would you like to know: prices or shipping?"
//! [[step]]
//! wait_reply = "1d"
//! on_timeout = "stop"
//! [[step]]
//! branch = [{ any = ["precio", "price"], goto = "price" }]
//! [[step]]
//! id = "price"
//! text = "Our prices: …"
//! ```

mod definition;
mod placeholders;
mod runner;

pub use definition::parse;
pub use placeholders::{ContactFields, fill};
pub use runner::{Action, After, Position, Run, RunContext, run};

use super::keywords::KeywordRule;

/// Steps one run may take without waiting before the enrollment is paused (a `goto` loop).
pub const MAX_STEPS_PER_RUN: usize = 100;
/// A text goes as free text only while the window stays open at least this long: the outbox
/// sends within moments, and a sequence must never meet Meta's 131047.
pub const WINDOW_MARGIN_SECONDS: i64 = 5 * 60;
/// A run more than this late (the engine was down) is late for the sequence's `late` rule.
pub const DEFAULT_LATE_AFTER_SECONDS: i64 = 5 * 60;

/// A sequence as its file defines it.
#[derive(Debug, Clone)]
pub struct Sequence {
    /// The file's name without `.toml`: how commands and enrollments name it.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The tenant whose conversations it may run in.
    pub tenant: String,
    /// Only these numbers (display number or phone number id); empty: all the tenant's.
    pub numbers: Vec<String>,
    pub trigger: Trigger,
    pub late: LateRule,
    pub late_after: i64,
    /// An agent's reply or claim pauses it in that conversation.
    pub pause_on_agent: bool,
    pub steps: Vec<Step>,
}

/// What enrolls a conversation by itself (by hand is always possible).
#[derive(Debug, Clone, Default)]
pub struct Trigger {
    /// The first message of a new conversation.
    pub first_message: bool,
    /// A customer's message that matches.
    pub keyword: Option<KeywordRule>,
    /// The keyword rule as written, for listings.
    pub keyword_text: Option<String>,
}

/// What a step that was due while the engine was down does when it finally runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LateRule {
    /// Sends as soon as the engine is back.
    Run,
    /// Skips the messages up to the next wait (the rest of the sequence goes on).
    Skip,
}

impl std::fmt::Display for LateRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LateRule::Run => "run",
            LateRule::Skip => "skip",
        })
    }
}

/// A step and where it is in its file.
#[derive(Debug, Clone)]
pub struct Step {
    pub id: Option<String>,
    pub line: usize,
    pub kind: StepKind,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    /// Free text; outside the window its fallback template goes instead, or the enrollment pauses.
    Text {
        body: String,
        fallback: Option<TemplateRef>,
    },
    Template(TemplateRef),
    Wait {
        seconds: i64,
    },
    /// Waits for the customer to write; on timeout goes to `on_timeout`.
    WaitReply {
        timeout: Option<i64>,
        on_timeout: Target,
    },
    /// The first arm whose rule matches the customer's reply; else `otherwise`.
    Branch {
        arms: Vec<(KeywordRule, Target)>,
        otherwise: Target,
    },
    Goto(Target),
    Assign {
        queue: Option<String>,
        agent: Option<String>,
    },
    Close,
    Stop,
}

impl StepKind {
    /// A word for listings and the TUI.
    pub fn label(&self) -> &'static str {
        match self {
            StepKind::Text { .. } => "text",
            StepKind::Template(_) => "template",
            StepKind::Wait { .. } => "wait",
            StepKind::WaitReply { .. } => "wait for reply",
            StepKind::Branch { .. } => "branch",
            StepKind::Goto(_) => "goto",
            StepKind::Assign { .. } => "assign",
            StepKind::Close => "close",
            StepKind::Stop => "stop",
        }
    }
}

/// Where a jump goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Step(usize),
    Next,
    Stop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    pub name: String,
    pub language: String,
    /// Literals or placeholders (`{name}`, `{name|friend}`, `{phone}`).
    pub params: Vec<String>,
}

/// A file refused, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl Sequence {
    /// A step's name for people: its id, else its number (from 1).
    pub fn step_name(&self, index: usize) -> String {
        match self.steps.get(index) {
            Some(Step { id: Some(id), .. }) => id.clone(),
            Some(_) => super::engine_text::STEP.en(&[&(index + 1).to_string()]),
            None => super::engine_text::THE_END.en.into(),
        }
    }

    /// Whether it may run on this number (display number, with or without `+`, or id).
    pub fn runs_on(&self, phone_number_id: &str, display_phone: &str) -> bool {
        let bare = |s: &str| s.trim().trim_start_matches('+').replace([' ', '-'], "");
        self.numbers.is_empty()
            || self
                .numbers
                .iter()
                .any(|n| bare(n) == bare(phone_number_id) || bare(n) == bare(display_phone))
    }
}

#[cfg(test)]
mod tests;
