//! `wabox connect`: alone, the full-screen wizard; with a subcommand, one of its paths for
//! scripts. `wabox connect manual`: a number connected from the terminal, its token typed hidden
//! (or piped, or from WABOX_ACCESS_TOKEN), checked with Meta before anything is stored.

mod coexistence;

use super::output::{ask, say, say_err};
use crate::protocol::Request;
use crate::secret::Secret;
use clap::{Args, Subcommand};
use std::io::{IsTerminal, Read, Write};

/// `wabox connect`: the wizard, or one of its paths by name.
#[derive(Args, Debug)]
pub struct ConnectArgs {
    #[command(subcommand)]
    pub command: Option<ConnectCommand>,
}

/// `wabox connect` alone: the full-screen wizard, without the inbox.
pub async fn wizard(config: crate::config::Config, act_as: Option<String>) -> anyhow::Result<()> {
    anyhow::ensure!(
        std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        "the wizard needs a terminal; scripts use its paths: `wabox connect meta|manual|coexistence \
         …` (see `wabox connect --help`)"
    );
    let client = crate::client::Client::connect(config.clone())
        .await?
        .acting_as(act_as);
    crate::tui::wizard::runner::run(&config, client).await
}

#[derive(Subcommand, Debug)]
pub enum ConnectCommand {
    /// Phone number id, WABA id and token (typed hidden, piped, or WABOX_ACCESS_TOKEN).
    Manual {
        /// The tenant (business) the number is for
        #[arg(long, value_name = "NAME")]
        tenant: String,
        /// Meta's id of the number (WhatsApp Manager shows it under API Setup)
        #[arg(long, value_name = "ID")]
        phone_number_id: String,
        /// The id of the WhatsApp Business Account the number is in
        #[arg(long, value_name = "ID")]
        waba_id: String,
        /// The queue its conversations go to (created if it does not exist).
        #[arg(long, value_name = "NAME")]
        queue: Option<String>,
        /// The Meta business owning the WABA (else asked of Meta): its partner and capability
        /// webhooks reach this tenant.
        #[arg(long, value_name = "ID")]
        business_id: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Meta's Embedded Signup with the master app: prints a link (and its QR code) for the
    /// business to log in with Facebook, waits for Meta to come back to the engine, then connects
    /// the number (a dedicated one is registered with its PIN: typed hidden, or WABOX_PIN).
    Meta {
        /// The tenant (business) the number is for
        #[arg(long, value_name = "NAME")]
        tenant: String,
        /// A number only for the Cloud API (registered with its PIN), instead of one that stays
        /// on the WhatsApp Business app.
        #[arg(long)]
        dedicated: bool,
        /// The queue the number's conversations go to
        #[arg(long, value_name = "NAME")]
        queue: Option<String>,
        /// Which number, when Meta shares several (phone number id or +display number).
        #[arg(long, value_name = "NUMBER")]
        number: Option<String>,
        /// Give up waiting for the business after this long.
        #[arg(long, default_value = "30m", value_parser = super::parse_duration_arg)]
        timeout: i64,
        /// How long to show the history import's progress afterwards (0s: do not wait).
        #[arg(long, default_value = "2m", value_parser = super::parse_wait_arg)]
        history_wait: i64,
        /// Do not draw the QR code.
        #[arg(long)]
        no_qr: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// A Kapso setup link: prints it (and its QR code) for the business to open; Kapso connects
    /// the number (the business's own, staying on the WhatsApp Business app or dedicated, or a
    /// new one Kapso buys) and sends the browser back to the engine, which stores it.
    Kapso {
        /// The tenant (business) the number is for
        #[arg(long, value_name = "NAME")]
        tenant: String,
        /// Only a number that stays on the WhatsApp Business app.
        #[arg(long, conflicts_with = "dedicated")]
        coexistence: bool,
        /// Only a number for the Cloud API alone (no Business app).
        #[arg(long)]
        dedicated: bool,
        /// Kapso buys a new number for the business (dedicated).
        #[arg(long)]
        provision_number: bool,
        /// Where the new number may come from (ISO code; repeat for several; default US).
        #[arg(long = "country", value_name = "ISO", requires = "provision_number")]
        countries: Vec<String>,
        /// The setup page's language.
        #[arg(long, default_value = "en", value_parser = ["en", "es"])]
        language: String,
        /// The setup page's main colour.
        #[arg(long, value_name = "#RRGGBB")]
        color: Option<String>,
        /// Repair this Kapso number's broken connection (phone number id or +display number):
        /// the link refreshes the same WABA and number, its conversations stay.
        #[arg(long, value_name = "NUMBER", conflicts_with_all = ["provision_number", "coexistence", "dedicated", "queue"])]
        reconnect: Option<String>,
        /// The queue the number's conversations go to
        #[arg(long, value_name = "NAME")]
        queue: Option<String>,
        /// Give up waiting for the business after this long.
        #[arg(long, default_value = "30m", value_parser = super::parse_duration_arg)]
        timeout: i64,
        /// Do not draw the QR code.
        #[arg(long)]
        no_qr: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Connect the number of a signup Meta came back to (after a wrong PIN, or from a script):
    /// the PIN of a dedicated number is typed hidden, piped, or taken from WABOX_PIN.
    Finish {
        id: i64,
        /// Which number, when Meta shares several (phone number id or +display number).
        #[arg(long, value_name = "NUMBER")]
        number: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// How a signup stands (`connect meta` and `connect kapso` print its id).
    Status {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// The signups you may see, newest first.
    Signups {
        /// Only this tenant's signups
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Nobody may come back through this signup's link any more.
    Revoke {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// A fresh link for the same tenant and choices (the old one is revoked).
    Regenerate {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// What to enter in Meta's App Dashboard (callback URL, verify token, OAuth redirect) and
    /// in Kapso; `--test` tries Meta's handshake through the public URL.
    Dashboard {
        /// Try Meta's subscribe handshake through the public URL
        #[arg(long)]
        test: bool,
        /// Print the verify token itself.
        #[arg(long)]
        reveal: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// A number that stays on the WhatsApp Business app: instructions, then the number's state
    /// checked every few seconds until it is connected (or the time is up, with why), then the
    /// contacts and history imported.
    Coexistence {
        /// The tenant (business) the number is for
        #[arg(long, value_name = "NAME")]
        tenant: String,
        /// Meta's id of the number (WhatsApp Manager shows it under API Setup)
        #[arg(long, value_name = "ID")]
        phone_number_id: String,
        /// The id of the WhatsApp Business Account the number is in
        #[arg(long, value_name = "ID")]
        waba_id: String,
        /// The queue the number's conversations go to
        #[arg(long, value_name = "NAME")]
        queue: Option<String>,
        /// Give up after this long: `10m`, `30m`, `1h`.
        #[arg(long, default_value = "10m", value_parser = super::parse_duration_arg)]
        timeout: i64,
        /// Milliseconds between two looks at the number (Meta's pace: 5,000).
        #[arg(long, default_value_t = 5_000, hide = true)]
        every_ms: u64,
        /// How long to show the history import's progress afterwards (0s: do not wait).
        #[arg(long, default_value = "2m", value_parser = super::parse_wait_arg)]
        history_wait: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

impl ConnectCommand {
    pub fn request(self) -> anyhow::Result<(Request, bool)> {
        Ok(match self {
            ConnectCommand::Manual {
                tenant,
                phone_number_id,
                waba_id,
                queue,
                business_id,
                json,
            } => (
                Request::ConnectManual {
                    tenant,
                    phone_number_id,
                    waba_id,
                    access_token: token()?,
                    queue,
                    business_id,
                    create_tenant: false,
                },
                json,
            ),
            ConnectCommand::Status { id, json } => (Request::GetSignup { id }, json),
            ConnectCommand::Signups { tenant, json } => (Request::ListSignups { tenant }, json),
            ConnectCommand::Revoke { id, json } => (Request::RevokeSignup { id }, json),
            ConnectCommand::Regenerate { id, json } => (Request::RegenerateSignup { id }, json),
            ConnectCommand::Dashboard { test, reveal, json } => {
                (Request::Dashboard { test, reveal }, json)
            }
            ConnectCommand::Meta { .. }
            | ConnectCommand::Kapso { .. }
            | ConnectCommand::Coexistence { .. }
            | ConnectCommand::Finish { .. } => {
                anyhow::bail!("this connection is a conversation with the engine, not one request")
            }
        })
    }

    /// Whether the command talks with the engine for a while (rather than one request).
    pub fn is_conversation(&self) -> bool {
        matches!(
            self,
            ConnectCommand::Meta { .. }
                | ConnectCommand::Kapso { .. }
                | ConnectCommand::Coexistence { .. }
                | ConnectCommand::Finish { .. }
        )
    }
}

/// Runs a connection that is a conversation with the engine.
pub async fn converse(
    config: crate::config::Config,
    command: ConnectCommand,
    act_as: Option<String>,
) -> anyhow::Result<()> {
    match command {
        c @ ConnectCommand::Coexistence { .. } => coexistence::run(config, c, act_as).await,
        ConnectCommand::Meta {
            tenant,
            dedicated,
            queue,
            number,
            timeout,
            history_wait,
            no_qr,
            json,
        } => {
            let mut client = crate::client::Client::connect(config)
                .await?
                .acting_as(act_as);
            let result = super::signup::meta(
                &mut client,
                super::signup::MetaArgs {
                    tenant,
                    dedicated,
                    queue,
                    number,
                    history_wait: std::time::Duration::from_secs(history_wait.max(0) as u64),
                    watch: super::signup::Watch::from_flags(json, no_qr, timeout),
                },
            )
            .await;
            client.close().await;
            result
        }
        ConnectCommand::Kapso {
            tenant,
            coexistence,
            dedicated,
            provision_number,
            countries,
            language,
            color,
            reconnect,
            queue,
            timeout,
            no_qr,
            json,
        } => {
            let lang = crate::i18n::Strings::for_code(&config.ui.language).lang;
            let connection_types: Vec<String> = match (coexistence, dedicated) {
                (true, _) => vec!["coexistence".into()],
                (_, true) => vec!["dedicated".into()],
                _ => vec!["coexistence".into(), "dedicated".into()],
            };
            let mut client = crate::client::Client::connect(config)
                .await?
                .acting_as(act_as);
            let result = super::signup::kapso(
                &mut client,
                super::signup::KapsoArgs {
                    tenant,
                    options: crate::protocol::KapsoLinkOptions {
                        connection_types,
                        provision_number,
                        countries,
                        language,
                        primary_color: color,
                        reconnect,
                    },
                    queue,
                    lang,
                    watch: super::signup::Watch::from_flags(json, no_qr, timeout),
                },
            )
            .await;
            client.close().await;
            result
        }
        ConnectCommand::Finish { id, number, json } => {
            let mut client = crate::client::Client::connect(config)
                .await?
                .acting_as(act_as);
            let result = super::signup::finish_by_id(&mut client, id, number, json).await;
            client.close().await;
            result
        }
        other => anyhow::bail!("{other:?} is one request, not a conversation"),
    }
}

/// After a coexistence number connects: its contacts and history asked for (once each), then
/// the import's progress from the `history` webhooks for up to `wait`, then what changes.
pub async fn import_history(
    client: &mut crate::client::Client,
    phone_number_id: &str,
    wait: std::time::Duration,
    json: bool,
) -> anyhow::Result<()> {
    use crate::protocol::Response;
    let sync = client
        .call(Request::RequestHistorySync {
            phone_number_id: phone_number_id.to_string(),
        })
        .await?;
    if json {
        if let Response::HistorySync(h) = &sync {
            super::signup::print_event(
                "history_sync",
                serde_json::json!({"requests": super::json::history_requests(h)}),
            )?;
        }
    } else {
        super::output::human(&sync, &super::reader::Reader::unused());
    }
    let started = std::time::Instant::now();
    let mut last: Option<crate::protocol::HistoryProgressView> = None;
    while started.elapsed() < wait {
        let progress = match client
            .call(Request::HistoryProgress {
                phone_number_id: phone_number_id.to_string(),
            })
            .await?
        {
            Response::HistoryProgress(p) => *p,
            other => anyhow::bail!("the engine answered {other:?}"),
        };
        if last.as_ref() != Some(&progress) {
            if json {
                super::signup::print_event(
                    "history_progress",
                    serde_json::json!({"progress": progress, "percent": progress.percent()}),
                )?;
            } else {
                super::output::human(
                    &Response::HistoryProgress(Box::new(progress.clone())),
                    &super::reader::Reader::unused(),
                );
            }
        }
        let done = progress.done();
        last = Some(progress);
        if done {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    if !json {
        say!("{}", afterwards());
    }
    Ok(())
}

/// WABOX_ACCESS_TOKEN, else stdin when piped, else a hidden prompt.
fn token() -> anyhow::Result<Secret> {
    if let Ok(t) = std::env::var("WABOX_ACCESS_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Secret::new(t.trim()));
    }
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        hidden_prompt("Access token (not shown): ")?
    } else {
        let mut text = String::new();
        stdin.lock().read_to_string(&mut text)?;
        text
    };
    let t = text.trim();
    anyhow::ensure!(!t.is_empty(), "no access token given");
    Ok(Secret::new(t))
}

/// Reads a line without echoing it (raw mode, restored however the read ends).
pub(crate) fn hidden_prompt(prompt: &str) -> anyhow::Result<String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    ask!("{prompt}");
    std::io::stderr().flush()?;
    crossterm::terminal::enable_raw_mode()?;
    let mut text = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(anyhow::anyhow!("cancelled"));
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) => text.push(c),
                _ => {}
            },
            Ok(Event::Paste(p)) => text.push_str(&p),
            Ok(_) => {}
            Err(e) => break Err(e.into()),
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    say_err!();
    result.map(|()| text)
}

fn afterwards() -> String {
    let t = &crate::i18n::wizard::EN;
    let mut out = t.afterwards_title.to_string();
    for item in t.afterwards {
        out.push_str("\n  - ");
        out.push_str(item);
    }
    out
}
