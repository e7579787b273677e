//! `wabox templates`: the message templates as last synced from Meta, and syncing them now.

use crate::protocol::Request;
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TemplatesArgs {
    #[command(subcommand)]
    pub action: Option<TemplatesAction>,
    /// Only this number's templates (Meta's phone number id, or its +display number).
    #[arg(long, value_name = "NUMBER")]
    pub number: Option<String>,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum TemplatesAction {
    /// Fetch the templates from Meta now. Exits 3 when an account's could not be fetched
    Sync {
        /// Only this number's account (Meta's phone number id, or its +display number).
        #[arg(long, value_name = "NUMBER")]
        number: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

impl TemplatesArgs {
    pub fn request(self) -> (Request, bool) {
        match self.action {
            Some(TemplatesAction::Sync { number, json }) => (
                Request::SyncTemplates {
                    phone_number_id: number,
                },
                json,
            ),
            None => (
                Request::ListTemplates {
                    phone_number_id: self.number,
                },
                self.json,
            ),
        }
    }
}
