//! `wabox connect manual`: a number connected from the terminal, its token typed hidden (or
//! piped, or from WABOX_ACCESS_TOKEN), checked with Meta before anything is stored.

use crate::api::Request;
use crate::secret::Secret;
use clap::Subcommand;
use std::io::{IsTerminal, Read, Write};

#[derive(Subcommand, Debug)]
pub enum ConnectCommand {
    /// Phone number id, WABA id and token (typed hidden, piped, or WABOX_ACCESS_TOKEN).
    Manual {
        #[arg(long, value_name = "NAME")]
        tenant: String,
        #[arg(long, value_name = "ID")]
        phone_number_id: String,
        #[arg(long, value_name = "ID")]
        waba_id: String,
        /// The queue its conversations go to (created if it does not exist).
        #[arg(long, value_name = "NAME")]
        queue: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A number that stays on the WhatsApp Business app: instructions, then the number's state
    /// checked every few seconds until it is connected (or the time is up, with why), then the
    /// contacts and history imported.
    Coexistence {
        #[arg(long, value_name = "NAME")]
        tenant: String,
        #[arg(long, value_name = "ID")]
        phone_number_id: String,
        #[arg(long, value_name = "ID")]
        waba_id: String,
        #[arg(long, value_name = "NAME")]
        queue: Option<String>,
        /// Give up after this long: `10m`, `30m`, `1h`.
        #[arg(long, default_value = "10m", value_parser = super::parse_duration_arg)]
        timeout: i64,
        /// Milliseconds between two looks at the number (Meta's pace: 5,000).
        #[arg(long, default_value_t = 5_000, hide = true)]
        every_ms: u64,
        #[arg(long)]
        json: bool,
    },
}

impl ConnectCommand {
    pub fn request(self) -> anyhow::Result<(Request, bool)> {
        let ConnectCommand::Manual {
            tenant,
            phone_number_id,
            waba_id,
            queue,
            json,
        } = self
        else {
            anyhow::bail!("coexistence is a conversation with the engine, not one request");
        };
        let access_token = token()?;
        Ok((
            Request::ConnectManual {
                tenant,
                phone_number_id,
                waba_id,
                access_token,
                queue,
            },
            json,
        ))
    }
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
fn hidden_prompt(prompt: &str) -> anyhow::Result<String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    eprint!("{prompt}");
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
    eprintln!();
    result.map(|()| text)
}

const INSTRUCTIONS: &str = "\
Connect a number that stays on the WhatsApp Business app (coexistence):
  1. On the phone, open the WhatsApp Business app (version 2.24.17 or newer).
  2. In Meta's onboarding window, enter the number; WhatsApp shows a code or a QR.
  3. In the app: Settings → Account → Business platform, confirm the code or scan the QR.
  4. Choose whether to share the chat history (up to 180 days; group chats are not included).
wabox checks the number's state until it is connected.";

const AFTERWARDS: &str = "\
What changes for the business:
  - Messages sent from the phone app appear in wabox as \"sent from phone\" (echoes); they never
    open or extend the 24-hour window.
  - The app must be opened on the phone every couple of weeks, or the link can drop.
  - Sending is limited to 20 messages a second; groups, broadcast lists and calls stay in the app.";

/// `wabox connect coexistence`: instructions, polling with a countdown, then connect and import.
pub async fn coexistence(
    config: crate::config::Config,
    command: ConnectCommand,
    act_as: Option<String>,
) -> anyhow::Result<()> {
    use crate::api::Response;
    use crate::domain::onboarding::{Onboarding, assess};
    let ConnectCommand::Coexistence {
        tenant,
        phone_number_id,
        waba_id,
        queue,
        timeout,
        every_ms,
        json,
    } = command
    else {
        anyhow::bail!("not a coexistence connection");
    };
    let token = token()?;
    let mut client = crate::client::Client::connect(config)
        .await?
        .acting_as(act_as);
    let say = |text: &str| {
        if json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    };
    say(INSTRUCTIONS);
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(timeout.max(1) as u64);
    let mut polls = 0u32;
    let last = loop {
        polls += 1;
        let state = match client
            .call(Request::CheckNumber {
                phone_number_id: phone_number_id.clone(),
                access_token: token.clone(),
            })
            .await?
        {
            Response::NumberState(s) => *s,
            other => anyhow::bail!("the engine answered {other:?}"),
        };
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let seen = format!(
            "status {}, platform {}, code {}, on the Business app: {}",
            state.status.as_deref().unwrap_or("?"),
            state.platform_type.as_deref().unwrap_or("?"),
            state.code_verification_status.as_deref().unwrap_or("?"),
            if state.is_on_biz_app { "yes" } else { "no" }
        );
        match assess(&state) {
            Onboarding::Connected => {
                say(&format!("connected after {polls} checks ({seen})"));
                break None;
            }
            Onboarding::Waiting(why) => {
                say(&format!(
                    "{}:{:02} left · {why} · last seen: {seen}",
                    left.as_secs() / 60,
                    left.as_secs() % 60
                ));
                if std::time::Instant::now() >= deadline {
                    break Some(why);
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(every_ms)).await;
    };
    if let Some(why) = last {
        client.close().await;
        anyhow::bail!(
            "the number was not connected within {}: {why}",
            crate::domain::time::short_duration(timeout)
        );
    }
    let connected = client
        .call(Request::ConnectManual {
            tenant,
            phone_number_id: phone_number_id.clone(),
            waba_id,
            access_token: token,
            queue,
        })
        .await;
    let sync = match &connected {
        Ok(_) => Some(
            client
                .call(Request::RequestHistorySync { phone_number_id })
                .await,
        ),
        Err(_) => None,
    };
    client.close().await;
    let connected = connected?;
    let sync = sync.transpose()?;
    if json {
        let (Response::Connected(report), Some(Response::HistorySync(history))) =
            (&connected, &sync)
        else {
            anyhow::bail!("the engine answered something else");
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "connected": report, "history_sync": history, "polls": polls
            }))?
        );
    } else {
        super::output::human(&connected);
        if let Some(s) = &sync {
            super::output::human(s);
        }
        println!("{AFTERWARDS}");
    }
    Ok(())
}
