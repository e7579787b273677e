use clap::Parser;
use wabox::cli::{Cli, Command};
use wabox::config::Config;

fn main() {
    // `--json` promises an error as JSON (on stderr), a malformed command line's included.
    let json = wabox::cli::json::requested(std::env::args_os());
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if json && e.use_stderr() => {
            // clap's sentence, with what it lists under it (the arguments missing); the usage
            // and help lines after the first blank one are for a terminal.
            let text = e.to_string();
            let said: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let said = said.join(" ");
            wabox::cli::json::print_error("usage", said.trim_start_matches("error: "));
            std::process::exit(2);
        }
        Err(e) => e.exit(),
    };
    // Read while this process has one thread: later it cannot be read soundly.
    let offset = wabox::tui::clock::local_offset();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wabox: error: could not start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run(cli, offset)) {
        // An error can quote what a customer or an agent typed: shown, never acted on.
        let error = wabox::cli::error_text::error_text(&e);
        if json {
            // Exact, as all `--json` output: the reader is a program, not a terminal.
            wabox::cli::json::print_error(&wabox::cli::json::error_code(&e), &error);
        } else {
            eprintln!("wabox: error: {}", wabox::domain::text::visible(&error));
        }
        std::process::exit(1);
    }
}

async fn run(cli: Cli, offset: time::UtcOffset) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref(), cli.data_dir.as_deref())?;
    warn_data_dir_unused(&cli);
    match cli.command.unwrap_or(Command::Tui) {
        Command::Serve { listen } => {
            let _logs = wabox::logging::init(true);
            wabox::engine::serve::run(config, listen).await
        }
        Command::Bench(bench) => wabox::bench::run(bench).await,
        Command::Demo(args) => wabox::demo::run(args, cli.data_dir.clone(), &config, offset).await,
        Command::Tui => {
            let _logs = wabox::logging::init(false);
            let client = match wabox::client::Client::connect(config.clone()).await {
                Ok(client) => client.acting_as(cli.act_as.clone()),
                // The inbox's user reads a refusal (another protocol's engine) in their language.
                Err(e) => match e.downcast_ref::<wabox::protocol::ApiError>() {
                    Some(refusal) => {
                        let lang = wabox::i18n::Strings::for_code(&config.ui.language).lang;
                        anyhow::bail!("{}", wabox::i18n::errors::word(lang, refusal))
                    }
                    None => return Err(e),
                },
            };
            let reconnect = client.redial();
            wabox::tui::run(client, &config, offset, reconnect).await
        }
        command => {
            let _logs = wabox::logging::init(false);
            wabox::cli::run(config, command, cli.act_as).await
        }
    }
}

/// Logged in to a remote engine, a client command goes there and `--data-dir` names nothing it
/// uses: said, since the listing that follows is another engine's (a script pointed at a local
/// demo read the remote one's conversations).
fn warn_data_dir_unused(cli: &Cli) {
    let local_only = matches!(
        cli.command,
        Some(
            Command::Serve { .. }
                | Command::Bench(_)
                | Command::Demo(_)
                | Command::Login(_)
                | Command::Logout(_)
                | Command::Backup(_)
                | Command::Restore(_)
                | Command::Migrate(_)
        )
    );
    if cli.data_dir.is_none() || local_only {
        return;
    }
    if let Ok(Some(server)) = wabox::client::login::current() {
        eprintln!(
            "wabox: warning: logged in to {}: this goes there, and --data-dir is not used \
             (`wabox logout`, or unset WABOX_SERVER, for this machine's engine)",
            wabox::domain::text::visible(&server.url)
        );
    }
}
