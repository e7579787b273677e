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
}

impl ConnectCommand {
    pub fn request(self) -> anyhow::Result<(Request, bool)> {
        let ConnectCommand::Manual {
            tenant,
            phone_number_id,
            waba_id,
            queue,
            json,
        } = self;
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
