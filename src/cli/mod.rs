//! The command line: what each command does through the client API.
//!
//! `args.rs` is the command list as clap reads it; each family of commands has its module
//! (tenants, numbers, conversations, send, journal…) holding its flags and the request they
//! make. `run` sends a command that is one request through `answer.rs`, and hands the others
//! (send, media get, connect) to their own flows.

// Human output goes through `say!`, `say_err!` and `ask!` (output/mod.rs), which show hidden
// characters visibly. These shadow the std macros in every module of the CLI, so a new print
// that would put a customer's escapes on the terminal does not compile; `--json` and CSV
// output, exact by design, go through `output::write_out` as they are (which also ends the
// command quietly when its reader has gone).
#[allow(unused_macros)] // There to be unused.
macro_rules! println {
    ($($t:tt)*) => {
        compile_error!(
            "print with say! (src/cli/output/mod.rs): it shows hidden characters visibly"
        )
    };
}
#[allow(unused_macros)] // There to be unused.
macro_rules! eprintln {
    ($($t:tt)*) => {
        compile_error!(
            "print with say_err! (src/cli/output/mod.rs): it shows hidden characters visibly"
        )
    };
}
#[allow(unused_macros)] // There to be unused.
macro_rules! print {
    ($($t:tt)*) => {
        compile_error!(
            "print with say! (src/cli/output/mod.rs): it shows hidden characters visibly"
        )
    };
}
#[allow(unused_macros)] // There to be unused.
macro_rules! eprint {
    ($($t:tt)*) => {
        compile_error!(
            "prompt with ask! (src/cli/output/mod.rs): it shows hidden characters visibly"
        )
    };
}

mod account_events;
mod answer;
mod args;
mod broadcasts;
pub mod connect;
mod conversations;
pub mod error_text;
mod failure;
mod file_content;
mod journal;
pub mod json;
pub mod login;
mod media;
pub mod migrate;
mod numbers;
mod output;
mod paging;
mod react;
mod reader;
mod report;
mod send;
mod send_file;
pub mod sequences;
pub mod signup;
pub mod store_files;
mod sync_report;
pub mod team;
mod template_header;
mod templates;
mod tenants;
mod watch;

pub use args::{Cli, Command};
pub(crate) use args::{parse_duration_arg, parse_wait_arg};

use crate::config::Config;
use crate::protocol::Request;

/// Runs a client command (everything but `serve` and `bench`).
pub async fn run(config: Config, command: Command, act_as: Option<String>) -> anyhow::Result<()> {
    let (request, json) = match command {
        Command::Send(args) => return send::send(config, args, act_as).await,
        Command::Report(args) => return report::report(config, args, act_as).await,
        Command::Watch(args) => return watch::watch(config, args, act_as).await,
        Command::Broadcast(c) if c.has_files() => {
            return broadcasts::create_with_files(config, c, act_as).await;
        }
        Command::Login(args) => return login::login(args).await,
        Command::Logout(args) => return login::logout(args),
        Command::Backup(_) | Command::Restore(_) | Command::Migrate(_)
            if let Some(server) = crate::client::login::current()? =>
        {
            anyhow::bail!(
                "backup, restore and migrate work on the engine's host, on its data dir; you are \
                 logged in to {}: run it there (here: `wabox logout`, or unset WABOX_SERVER)",
                crate::domain::text::visible(&server.url)
            )
        }
        Command::Backup(args) => return store_files::backup(&config, args),
        Command::Restore(args) => return store_files::restore(&config, args),
        Command::Migrate(args) => return migrate::migrate(&config, args),
        Command::Media(media::MediaCommand::Get {
            message_id,
            out,
            json,
        }) => {
            return media::save(config, message_id, out, json, act_as).await;
        }
        Command::Connect(connect::ConnectArgs { command: None }) => {
            return connect::wizard(config, act_as).await;
        }
        Command::Connect(connect::ConnectArgs { command: Some(c) }) if c.is_conversation() => {
            return connect::converse(config, c, act_as).await;
        }
        Command::Serve { .. } | Command::Bench(_) | Command::Demo(_) | Command::Tui => {
            anyhow::bail!("serve, bench, demo and tui are started by main, not as one request")
        }
        one_request => request(one_request)?,
    };
    answer::call_and_print(config, request, json, act_as).await
}

/// The request a command makes, and whether its answer is printed as JSON. Commands with a flow
/// of their own were taken out by `run`; reaching one here is a mistake in `run`.
fn request(command: Command) -> anyhow::Result<(Request, bool)> {
    Ok(match command {
        Command::Tenants(c) => c.request(),
        Command::Numbers(c) => c.request()?,
        Command::Conversations(a) => a.request(),
        Command::Messages(a) => a.request(),
        Command::Journal(a) => a.request(),
        Command::React(a) => a.request(),
        Command::Retry(a) => a.request(),
        Command::Read(a) => a.request(),
        Command::Media(media::MediaCommand::Retry { message_id, json }) => {
            (Request::RetryMedia { message_id }, json)
        }
        Command::Templates(a) => a.request(),
        Command::Search(a) => a.request(),
        Command::Contact(a) => a.contact(),
        Command::Note(a) => a.request(),
        Command::Label(a) => a.request(),
        Command::Close(a) => a.close(),
        Command::Reopen(a) => a.reopen(),
        Command::Snooze(a) => a.request(),
        Command::Sequences(c) => c.request(),
        Command::Broadcast(c) => c.request()?,
        Command::Clock(sequences::ClockCommand::Advance { by }) => {
            (Request::AdvanceClock { seconds: by }, false)
        }
        Command::Team(team) => team.request()?,
        Command::Connect(connect::ConnectArgs { command: Some(c) }) => c.request()?,
        Command::Send(_)
        | Command::Report(_)
        | Command::Watch(_)
        | Command::Media(media::MediaCommand::Get { .. })
        | Command::Connect(connect::ConnectArgs { command: None })
        | Command::Serve { .. }
        | Command::Bench(_)
        | Command::Demo(_)
        | Command::Login(_)
        | Command::Logout(_)
        | Command::Backup(_)
        | Command::Restore(_)
        | Command::Migrate(_)
        | Command::Tui => anyhow::bail!("this command is not one request: `run` starts it"),
    })
}
