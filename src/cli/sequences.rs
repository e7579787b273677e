//! `wabox sequences`: the sequence files and the conversations going through them; and
//! `wabox clock advance`, which moves a test or demo engine's clock.

use super::output::say;
use crate::protocol::{EnrollmentControl, EnrollmentView, Request, Response, SequencesView};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum SequencesCommand {
    /// The sequences (the files are read again first), and any file refused with its line and why.
    List {
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Start a sequence in a conversation by hand.
    Enroll {
        /// The sequence (its file name without .toml).
        sequence: String,
        conversation_id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Conversations going through sequences: a conversation's, or every running or paused one.
    Status {
        /// Only this conversation's enrollments
        #[arg(long, value_name = "ID")]
        conversation: Option<i64>,
        /// Ended ones too.
        #[arg(long)]
        all: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// One enrollment, with what it did step by step.
    Show {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Pause an enrollment (nothing more is sent until it is resumed).
    Pause {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Resume a paused enrollment at the step it stopped on.
    Resume {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// End an enrollment for good.
    Stop {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

impl SequencesCommand {
    pub fn request(self) -> (Request, bool) {
        let control = |id, control| Request::ControlEnrollment { id, control };
        match self {
            SequencesCommand::List { json } => (Request::ListSequences, json),
            SequencesCommand::Enroll {
                sequence,
                conversation_id,
                json,
            } => (
                Request::Enroll {
                    sequence,
                    conversation_id,
                },
                json,
            ),
            SequencesCommand::Status {
                conversation,
                all,
                json,
            } => (
                Request::ListEnrollments {
                    conversation_id: conversation,
                    all,
                },
                json,
            ),
            SequencesCommand::Show { id, json } => (Request::GetEnrollment { id }, json),
            SequencesCommand::Pause { id, json } => (control(id, EnrollmentControl::Pause), json),
            SequencesCommand::Resume { id, json } => (control(id, EnrollmentControl::Resume), json),
            SequencesCommand::Stop { id, json } => (control(id, EnrollmentControl::Stop), json),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum ClockCommand {
    /// Move the engine's clock ahead (an engine started with WABOX_MOVABLE_CLOCK=1 only).
    Advance {
        #[arg(value_parser = super::parse_duration_arg)]
        by: i64,
    },
}

pub fn print_sequences(v: &SequencesView) {
    let remote = crate::client::login::current().ok().flatten().is_some();
    match &v.dir {
        Some(dir) => say!("sequences in {dir}"),
        None if remote => {
            say!("sequences of the engine you are logged in to (its folder is not shown)")
        }
        None => say!("no config dir: no sequences"),
    }
    if v.sequences.is_empty() && v.errors.is_empty() {
        say!("none yet: write one as NAME.toml there (see sequences.example.toml)");
    }
    for s in &v.sequences {
        say!();
        say!(
            "{}  {}  (tenant {}{}; {} running or paused)",
            s.id,
            s.name,
            s.tenant,
            if s.numbers.is_empty() {
                String::new()
            } else {
                format!(", numbers {}", s.numbers.join(", "))
            },
            s.live
        );
        if let Some(d) = &s.description {
            say!("  {d}");
        }
        say!("  starts on: {}", s.triggers.join("; "));
        say!(
            "  late steps: {}; an agent's reply or claim {}",
            s.late,
            if s.pause_on_agent {
                "pauses it"
            } else {
                "does not pause it"
            }
        );
        for (i, step) in s.steps.iter().enumerate() {
            say!("  {:>2}. {step}", i + 1);
        }
    }
    for e in &v.errors {
        say!();
        say!("REFUSED {} line {}: {}", e.file, e.line, e.message);
    }
}

fn when(at: Option<i64>) -> String {
    let Some(at) = at else {
        return "-".into();
    };
    let now = crate::domain::time::now_unix();
    if at <= now {
        "now".into()
    } else {
        format!("in {}", crate::domain::time::short_duration(at - now))
    }
}

pub fn print_enrollments(list: &[EnrollmentView]) {
    if list.is_empty() {
        say!("no conversation is going through a sequence");
        return;
    }
    let rows = list
        .iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                e.conversation_id.to_string(),
                e.sequence.clone(),
                e.state.to_string(),
                format!(
                    "{} ({}, {}/{})",
                    e.step_name,
                    e.step_kind,
                    (e.step + 1).min(e.steps.max(1)),
                    e.steps
                ),
                when(e.due_at),
                e.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    super::output::table(
        &[
            "ID",
            "CONVERSATION",
            "SEQUENCE",
            "STATE",
            "STEP",
            "NEXT",
            "WHY",
        ],
        rows,
    );
}

pub fn print_enrollment(e: &EnrollmentView) {
    say!(
        "enrollment {}: conversation {} in {} ({})",
        e.id,
        e.conversation_id,
        e.sequence_name,
        e.sequence
    );
    say!(
        "  {} at {} ({}), next {}",
        e.state,
        e.step_name,
        e.step_kind,
        when(e.due_at)
    );
    if let Some(r) = &e.reason {
        say!("  why: {r}");
    }
    say!("  enrolled by {}", e.enrolled_by);
    for l in &e.log {
        let step = l
            .step
            .map(|s| format!("step {}: ", s + 1))
            .unwrap_or_default();
        let message = l
            .message_id
            .map(|m| format!(" (message {m})"))
            .unwrap_or_default();
        say!(
            "  {}  {step}{}{message}",
            crate::domain::time::rfc3339_here(l.at),
            l.what
        );
    }
}

/// Whether the listing has refused files (the exit status tells scripts).
pub fn attention(response: &Response) -> bool {
    matches!(response, Response::Sequences(v) if !v.errors.is_empty())
}
