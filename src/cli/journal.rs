//! `wabox journal`: the webhook deliveries as received, and replaying the ones not processed.

use crate::protocol::admin::{JournalFilter, JournalState};
use crate::protocol::{ReplayTarget, Request};
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct JournalArgs {
    #[command(subcommand)]
    pub action: Option<JournalAction>,
    /// Only deliveries waiting to be processed.
    #[arg(long, group = "state")]
    pub pending: bool,
    /// Only deliveries for a number (or WABA) wabox does not know.
    #[arg(long, group = "state")]
    pub unrouted: bool,
    /// Only deliveries that could not be parsed.
    #[arg(long, group = "state")]
    pub invalid: bool,
    /// Every delivery, processed ones included (those applied more than `[journal] keep_days`
    /// ago are deleted).
    #[arg(long, group = "state")]
    pub all: bool,
    /// At most this many deliveries (the newest)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum JournalAction {
    /// Apply deliveries again (after adding the number they name, say).
    Replay {
        /// The journal entry to replay.
        #[arg(
            required_unless_present = "all_unrouted",
            conflicts_with = "all_unrouted"
        )]
        id: Option<i64>,
        /// Every unrouted delivery.
        #[arg(long)]
        all_unrouted: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

impl JournalArgs {
    /// A replay with `journal replay`, else the list the flags choose.
    pub fn request(self) -> (Request, bool) {
        match self.action {
            Some(JournalAction::Replay {
                id,
                all_unrouted,
                json,
            }) => {
                let target = match (id, all_unrouted) {
                    (Some(id), false) => ReplayTarget::One(id),
                    _ => ReplayTarget::AllUnrouted,
                };
                (Request::ReplayJournal { target }, json)
            }
            None => (
                Request::ListJournal {
                    before: None,
                    filter: self.filter(),
                    limit: Some(self.limit),
                },
                self.json,
            ),
        }
    }

    /// Without a flag: what still needs an admin (every state but processed).
    fn filter(&self) -> JournalFilter {
        if self.all {
            JournalFilter::All
        } else if self.pending {
            JournalFilter::Only(JournalState::Pending)
        } else if self.unrouted {
            JournalFilter::Only(JournalState::Unrouted)
        } else if self.invalid {
            JournalFilter::Only(JournalState::Invalid)
        } else {
            JournalFilter::NotProcessed
        }
    }
}
