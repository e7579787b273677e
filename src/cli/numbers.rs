//! `wabox numbers`: the business phone numbers, and the access token an added one is given.

use super::output::say_err;
use crate::domain::ConnectionKind;
use crate::protocol::Request;
use crate::secret::Secret;
use clap::{Subcommand, ValueEnum};
use std::io::{IsTerminal, Read};

#[derive(Subcommand, Debug)]
pub enum NumbersCommand {
    /// Add a number. Its access token, if any, is read from stdin or WABOX_ACCESS_TOKEN, never
    /// from the command line (where `ps` and shell history would show it).
    Add {
        /// The tenant (business) the number belongs to
        #[arg(long)]
        tenant: String,
        /// Meta's id of the number (WhatsApp Manager shows it under API Setup)
        #[arg(long, value_name = "ID")]
        phone_number_id: String,
        /// The id of the WhatsApp Business Account the number is in
        #[arg(long, value_name = "ID")]
        waba_id: String,
        /// The number as customers see it, e.g. +15550783881
        #[arg(long, value_name = "NUMBER")]
        display_phone: String,
        /// A number only on the Cloud API, or one that stays on the WhatsApp Business app (coexistence)
        #[arg(long, value_enum, default_value_t = ConnectionArg::Dedicated)]
        connection: ConnectionArg,
        /// The Meta business owning the WABA (Business settings → Business info): its
        /// partner and capability webhooks reach this tenant.
        #[arg(long, value_name = "ID")]
        business_id: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// List numbers.
    List {
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// A coexistence number's history import: its progress, and its files fetched so far.
    History {
        /// The number: Meta's phone number id, or its +display number.
        phone_number_id: String,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ConnectionArg {
    Coexistence,
    Dedicated,
}

impl From<ConnectionArg> for ConnectionKind {
    fn from(c: ConnectionArg) -> ConnectionKind {
        match c {
            ConnectionArg::Coexistence => ConnectionKind::Coexistence,
            ConnectionArg::Dedicated => ConnectionKind::Dedicated,
        }
    }
}

impl NumbersCommand {
    /// The request, and whether its answer is printed as JSON; adding a number reads its token
    /// first (from the environment or stdin), so this can fail.
    pub fn request(self) -> anyhow::Result<(Request, bool)> {
        Ok(match self {
            NumbersCommand::Add {
                tenant,
                phone_number_id,
                waba_id,
                display_phone,
                connection,
                business_id,
                json,
            } => (
                Request::AddNumber {
                    tenant,
                    phone_number_id,
                    waba_id,
                    display_phone,
                    connection: connection.into(),
                    access_token: read_access_token()?,
                    business_id,
                },
                json,
            ),
            NumbersCommand::List { json } => (Request::ListNumbers, json),
            NumbersCommand::History {
                phone_number_id,
                json,
            } => (Request::HistoryProgress { phone_number_id }, json),
        })
    }
}

/// Reads a token from WABOX_ACCESS_TOKEN, or from stdin when it is not a terminal.
fn read_access_token() -> anyhow::Result<Option<Secret>> {
    if let Ok(t) = std::env::var("WABOX_ACCESS_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Some(Secret::new(t.trim())));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        say_err!(
            "no access token given: pipe it on stdin or set WABOX_ACCESS_TOKEN (storing the number without one)"
        );
        return Ok(None);
    }
    let mut text = String::new();
    stdin
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| anyhow::anyhow!("could not read the access token from stdin: {e}"))?;
    let t = text.trim();
    Ok((!t.is_empty()).then(|| Secret::new(t)))
}
