//! The commands about one conversation or the list of them: reading, searching, the contact's
//! notes and labels, and moving a conversation between open, snoozed and closed.
//!
//! Each Args struct is held by its variant of `Command` (args.rs), whose doc comment is the
//! command's `--help`: these structs carry no doc comment so that one stays the only one.

use crate::protocol::views::{QueueName, QueueSelection, StateFilter};
use crate::protocol::{ConversationState, Request};
use clap::Args;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only this number (Meta's phone number id, or its +display number).
    #[arg(long, value_name = "NUMBER")]
    number: Option<String>,
    /// Only conversations whose contact or last message contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Only open (and pending), snoozed or closed ones; every state without it.
    #[arg(long, value_name = "open|snoozed|closed")]
    state: Option<StateFilter>,
    /// Only this queue's (by name, among the queues you see).
    #[arg(long, value_name = "NAME", group = "view")]
    queue: Option<String>,
    /// The queue's tenant, when several you see have a queue of that name.
    #[arg(long, value_name = "TENANT", requires = "queue")]
    tenant: Option<String>,
    /// Only those assigned to you.
    #[arg(long, group = "view")]
    mine: bool,
    /// Only those nobody has claimed.
    #[arg(long, group = "view")]
    unassigned: bool,
    /// At most this many (the newest)
    #[arg(long, default_value_t = 200)]
    limit: usize,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

impl ListArgs {
    pub fn request(self) -> (Request, bool) {
        let queue = if self.mine {
            Some(QueueSelection::Mine)
        } else if self.unassigned {
            Some(QueueSelection::Unassigned)
        } else {
            None
        };
        let queue_name = self.queue.map(|name| QueueName {
            name,
            tenant: self.tenant,
        });
        (
            Request::ListConversations {
                before: None,
                phone_number_id: self.number,
                limit: Some(self.limit),
                filter: self.filter,
                queue,
                state: self.state,
                queue_name,
            },
            self.json,
        )
    }
}

#[derive(Args, Debug)]
pub struct MessagesArgs {
    conversation_id: i64,
    /// Only messages before this message id (older pages).
    #[arg(long, value_name = "MESSAGE_ID")]
    before: Option<i64>,
    /// At most this many (the newest)
    #[arg(long, default_value_t = 200)]
    limit: usize,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

impl MessagesArgs {
    pub fn request(self) -> (Request, bool) {
        (
            Request::ListMessages {
                conversation_id: self.conversation_id,
                before: self.before,
                limit: Some(self.limit),
            },
            self.json,
        )
    }
}

#[derive(Args, Debug)]
pub struct ReadArgs {
    conversation_id: i64,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

impl ReadArgs {
    pub fn request(self) -> (Request, bool) {
        let conversation_id = self.conversation_id;
        (Request::MarkRead { conversation_id }, self.json)
    }
}

#[derive(Args, Debug)]
pub struct RetryArgs {
    message_id: i64,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

impl RetryArgs {
    pub fn request(self) -> (Request, bool) {
        let message_id = self.message_id;
        (Request::RetryMessage { message_id }, self.json)
    }
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[arg(required = true, num_args = 1..)]
    words: Vec<String>,
    /// At most this many (the newest)
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

impl SearchArgs {
    pub fn request(self) -> (Request, bool) {
        (
            Request::Search {
                before: None,
                query: self.words.join(" "),
                limit: Some(self.limit),
            },
            self.json,
        )
    }
}

/// `contact ID`, or `contact optout ID` / `contact optin ID`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ContactArgs {
    #[command(subcommand)]
    command: Option<ContactCommand>,
    #[arg(required = true)]
    conversation_id: Option<i64>,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum ContactCommand {
    /// Opt the customer out of marketing: broadcasts skip them (they may write STOP too).
    Optout(ConversationArgs),
    /// Opt them back in (they asked for promotions again).
    Optin(ConversationArgs),
}

impl ContactArgs {
    pub fn contact(self) -> (Request, bool) {
        let (conversation_id, opted_out, json) = match self.command {
            Some(ContactCommand::Optout(a)) => (a.conversation_id, Some(true), a.json),
            Some(ContactCommand::Optin(a)) => (a.conversation_id, Some(false), a.json),
            None => (self.conversation_id.unwrap_or_default(), None, self.json),
        };
        let request = match opted_out {
            Some(opted_out) => Request::SetOptOut {
                conversation_id,
                opted_out,
            },
            None => Request::GetContact { conversation_id },
        };
        (request, json)
    }
}

/// The conversation a command acts on: `contact`, `close` and `reopen` need nothing else.
#[derive(Args, Debug)]
pub struct ConversationArgs {
    conversation_id: i64,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

impl ConversationArgs {
    pub fn close(self) -> (Request, bool) {
        let request = state_request(self.conversation_id, ConversationState::Closed, None);
        (request, self.json)
    }

    pub fn reopen(self) -> (Request, bool) {
        let request = state_request(self.conversation_id, ConversationState::Open, None);
        (request, self.json)
    }
}

#[derive(Args, Debug)]
pub struct NoteArgs {
    conversation_id: i64,
    text: String,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

impl NoteArgs {
    pub fn request(self) -> (Request, bool) {
        (
            Request::AddNote {
                conversation_id: self.conversation_id,
                text: self.text,
            },
            self.json,
        )
    }
}

#[derive(Args, Debug)]
pub struct LabelArgs {
    conversation_id: i64,
    /// A label to add (repeat for several)
    #[arg(long, value_name = "LABEL")]
    add: Vec<String>,
    /// A label to take off (repeat for several)
    #[arg(long, value_name = "LABEL")]
    remove: Vec<String>,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

impl LabelArgs {
    pub fn request(self) -> (Request, bool) {
        (
            Request::ChangeLabels {
                conversation_id: self.conversation_id,
                add: self.add,
                remove: self.remove,
            },
            self.json,
        )
    }
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("when").required(true).args(["duration", "until"])))]
pub struct SnoozeArgs {
    conversation_id: i64,
    /// How long: `30m`, `2h`, `1d`, `1h30m`.
    #[arg(long = "for", value_name = "DURATION", value_parser = super::parse_duration_arg)]
    duration: Option<i64>,
    /// Until when, in this machine's time zone (`TZ`): `17:30` (its next occurrence),
    /// `tomorrow` (09:00) or `2026-12-24 09:00`.
    #[arg(long, value_name = "WHEN", value_parser = parse_until_arg)]
    until: Option<i64>,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    json: bool,
}

fn parse_until_arg(text: &str) -> Result<i64, String> {
    crate::domain::time::parse_until_here(text, crate::domain::time::now_unix())
}

impl SnoozeArgs {
    /// Snoozed until the time given, or now plus the duration, by this machine's clock.
    pub fn request(self) -> (Request, bool) {
        let until = self
            .until
            .unwrap_or_else(|| crate::domain::time::now_unix() + self.duration.unwrap_or(0));
        let request = state_request(
            self.conversation_id,
            ConversationState::Snoozed,
            Some(until),
        );
        (request, self.json)
    }
}

fn state_request(
    conversation_id: i64,
    state: ConversationState,
    snoozed_until: Option<i64>,
) -> Request {
    Request::SetConversationState {
        conversation_id,
        state,
        snoozed_until,
    }
}
