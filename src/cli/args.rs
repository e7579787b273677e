//! The command line as clap reads it: the global flags and one variant per command. Each
//! family's own flags live beside the code that turns them into a request (tenants.rs,
//! conversations.rs, send.rs…), so adding a command touches its family's file and one arm here.

use super::{
    conversations, journal, media, migrate, numbers, react, send, sequences, store_files, team,
    templates, tenants, watch,
};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the flags every command takes are listed in its help: after its own, under their own
/// heading, as git and cargo do, not interleaved with them.
const GLOBAL: &str = "Global options";

#[derive(Parser, Debug)]
#[command(
    name = "wabox",
    version,
    about = "A terminal inbox for WhatsApp Business numbers"
)]
pub struct Cli {
    /// Config file (else WABOX_CONFIG, else ~/.config/wabox/config.toml).
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
    /// Data dir: database, logs, keys, socket (else WABOX_DATA_DIR, else ~/.local/share/wabox).
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL)]
    pub data_dir: Option<PathBuf>,
    /// Act as this user (admins only; recorded in the audit log): see what they see.
    #[arg(long = "as", global = true, value_name = "USER", help_heading = GLOBAL)]
    pub act_as: Option<String>,
    /// Without a command: the inbox (`wabox tui`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

// The variants' doc comments are the commands' `--help`; the Args structs they hold carry none,
// so there is one description per command and it sits in this list.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the engine: webhook listener, ingestion and the client socket, until stopped.
    Serve {
        /// Listen here instead of [webhook] listen (port 0 picks a free port).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Businesses served by this installation.
    #[command(subcommand)]
    Tenants(tenants::TenantsCommand),
    /// Business phone numbers.
    #[command(subcommand)]
    Numbers(numbers::NumbersCommand),
    /// Conversations, most recent first.
    Conversations(conversations::ListArgs),
    /// A conversation's messages, oldest first.
    Messages(conversations::MessagesArgs),
    /// Follow messages as they come and change (new, sent, statuses, edits, reactions) in the
    /// conversations you may see, until Ctrl-C: one line each, or JSON lines with --json.
    Watch(watch::WatchArgs),
    /// Queue a message: free text or a file inside the 24-hour window, or an approved template.
    Send(send::SendArgs),
    /// Mark a conversation read: its unread count drops to 0 and, unless `[outbox]
    /// mark_read_on_open = false`, WhatsApp shows the customer their last message was read.
    Read(conversations::ReadArgs),
    /// React to a customer's message with an emoji, or `--remove` our reaction.
    React(react::ReactArgs),
    /// Send a failed or uncertain message again.
    Retry(conversations::RetryArgs),
    /// Approved, pending and rejected templates, as last synced (`templates sync` syncs now).
    Templates(templates::TemplatesArgs),
    /// Customers' files.
    #[command(subcommand)]
    Media(media::MediaCommand),
    /// Deliveries not processed (pending, unrouted, invalid), newest first; `--all` shows every one.
    Journal(journal::JournalArgs),
    /// The whole of wabox on a simulated Cloud API, with customers writing in.
    Demo(crate::demo::DemoArgs),
    /// The full-screen inbox (also what `wabox` alone opens).
    Tui,
    #[command(flatten)]
    Team(team::TeamCommand),
    /// Connect a business's number: alone, the full-screen wizard; with a subcommand, one of
    /// its paths without the full screen (for scripts).
    Connect(super::connect::ConnectArgs),
    /// Automated follow-ups (TOML files in the config dir's sequences/) and the conversations
    /// going through them.
    #[command(subcommand)]
    Sequences(sequences::SequencesCommand),
    /// Broadcasts: one approved template to a segment of customers (a label, a queue, who
    /// wrote between two days, a CSV file), paced under the number's limits; admins only.
    #[command(subcommand)]
    Broadcast(super::broadcasts::BroadcastCommand),
    /// Move a test or demo engine's clock (WABOX_MOVABLE_CLOCK=1).
    #[command(subcommand, hide = true)]
    Clock(sequences::ClockCommand),
    /// Every message with these words (prefixes, accents ignored), the last stored first (a history import stores old messages late).
    Search(conversations::SearchArgs),
    /// The team's figures over a period: conversations opened, closed and waiting, first
    /// response and resolution times, messages, templates, failures; by agent, queue, number
    /// or day (admins; a tenant's admins see their tenant).
    Report(super::report::ReportArgs),
    /// A conversation's contact: numbers and ids, labels, private notes, marketing opt-out;
    /// `contact optout|optin ID` opts them out of broadcasts or back in.
    Contact(conversations::ContactArgs),
    /// Add a private note to a conversation's contact (stored, never sent).
    Note(conversations::NoteArgs),
    /// Label a conversation's contact.
    Label(conversations::LabelArgs),
    /// Close a conversation (the customer's next message reopens it).
    Close(conversations::ConversationArgs),
    /// Open a closed or snoozed conversation again.
    Reopen(conversations::ConversationArgs),
    /// Put a conversation aside until a time passes or the customer writes.
    Snooze(conversations::SnoozeArgs),
    /// Measure the engine (see the README's table).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
    /// Work with a remote engine: check a token (`wabox token create`) with it and keep both
    /// for this user's commands and inbox.
    Login(super::login::LoginArgs),
    /// Forget the remote engine: commands use this machine's engine again.
    Logout(super::login::LogoutArgs),
    /// A consistent copy of the store, made while the engine runs (as the engine's user).
    Backup(store_files::BackupArgs),
    /// Put a backup in place of the store, with the engine stopped; the store it replaces is
    /// kept beside it.
    Restore(store_files::RestoreArgs),
    /// Copy this SQLite store into an empty PostgreSQL database, with the engine stopped (the
    /// SQLite file is left as it is).
    Migrate(migrate::MigrateArgs),
}

/// A duration that may be nothing at all (`0s`: do not wait).
pub(crate) fn parse_wait_arg(text: &str) -> Result<i64, String> {
    if matches!(text.trim(), "0" | "0s" | "0m") {
        return Ok(0);
    }
    parse_duration_arg(text)
}

pub(crate) fn parse_duration_arg(text: &str) -> Result<i64, String> {
    crate::domain::time::parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration: try 30m, 2h, 1d or 1h30m"))
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    /// `--help` of every command says what it is for (one had none: issue 15).
    #[test]
    fn every_command_has_a_description() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in cmd.get_subcommands() {
                let here = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(here.clone());
                }
                walk(sub, &here, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "wabox", &mut missing);
        assert!(
            missing.is_empty(),
            "commands without a description: {missing:?}"
        );
    }

    /// And every option says what it does: a script's author reads `--help`, not the source.
    /// (A positional argument's name, `<CONVERSATION_ID>`, says enough.)
    #[test]
    fn every_option_has_a_description() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !arg.is_positional() && !builtin && arg.get_help().is_none() {
                    missing.push(format!("{path} --{}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "wabox", &mut missing);
        assert!(
            missing.is_empty(),
            "options without a description: {missing:?}"
        );
    }

    /// A command's own options come first in its help, the global ones after under their own
    /// heading: `--config` and `--as` once sat between `--template` and `--to`.
    #[test]
    fn a_commands_own_options_come_before_the_global_ones() {
        let mut cli = super::Cli::command();
        // Global options reach the subcommands when the command is built, as when it parses.
        cli.build();
        let help = cli
            .find_subcommand_mut("broadcast")
            .and_then(|b| b.find_subcommand_mut("create"))
            .expect("broadcast create")
            .render_long_help()
            .to_string();
        let heading = help.find("Global options:").expect(&help);
        for own in ["--template", "--to", "--dry-run", "--json"] {
            assert!(help.find(own).expect(own) < heading, "{own}:\n{help}");
        }
        for global in ["--config", "--data-dir", "--as"] {
            assert!(
                help.find(global).expect(global) > heading,
                "{global}:\n{help}"
            );
        }
    }
}
