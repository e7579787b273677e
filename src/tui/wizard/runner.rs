//! `wabox connect` without a subcommand: the wizard alone on the terminal. The loop merges
//! terminal input, the engine's answers and a one-second tick, does the wizard's effects, and
//! draws when something changed. `drive` takes any backend and input stream, so a test runs the
//! real loop against a real engine on a `TestBackend`.

use super::{Effect, Tag, Wizard, read_file, view};
use crate::client::Client;
use crate::config::Config;
use crate::i18n::wizard::WizardStrings;
use crate::protocol::ApiError;
use crate::tui::link::{self, LinkEvent};
use crate::tui::terminal;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use std::collections::VecDeque;
use std::time::Duration;

/// Runs the wizard full screen until the admin leaves it.
pub async fn run(config: &Config, client: Client) -> anyhow::Result<()> {
    let t = WizardStrings::for_code(&config.ui.language);
    let (wizard, first) = Wizard::start(t, crate::domain::time::now_unix(), false);
    terminal::install_panic_hook();
    let mut term = terminal::setup(config.ui.mouse)?;
    let _restore = terminal::Restore;
    let copy = super::clipboard::copy;
    drive(
        wizard,
        first,
        client,
        &mut term,
        EventStream::new(),
        copy,
        None,
    )
    .await
}

/// The loop itself. `frames`: every drawn screen's text, for a test to read.
pub async fn drive<B, S>(
    mut wizard: Wizard,
    first: Vec<Effect>,
    client: Client,
    term: &mut Terminal<B>,
    mut input: S,
    mut copy: impl FnMut(&str) -> super::clipboard::Copied,
    frames: Option<tokio::sync::mpsc::UnboundedSender<String>>,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let (requests, mut engine) = link::spawn::<Tag>(client, None);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut queue: VecDeque<Effect> = first.into();
    loop {
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Call(tag, request) => {
                    if let Err(lost) = requests.send((tag, request)) {
                        let (tag, _) = lost.0;
                        let gone = ApiError::from(crate::protocol::ErrorCode::EngineLinkStopped {});
                        queue.extend(wizard.on_reply(tag, Err(gone)));
                    }
                }
                Effect::Copy(text) => wizard.on_copied(copy(&text)),
                Effect::ReadFile(tag, path) => {
                    let text = read_file(&path);
                    queue.extend(wizard.on_file(tag, text));
                }
                Effect::Close => return Ok(()),
            }
        }
        if wizard.dirty {
            let frame = term.draw(|f| view::draw(f, &wizard))?;
            if let Some(frames) = &frames {
                let _ = frames.send(buffer_text(frame.buffer));
            }
            wizard.dirty = false;
        }
        let effects = tokio::select! {
            event = input.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    wizard.on_key(key)
                }
                Some(Ok(Event::Paste(text))) => {
                    wizard.on_paste(&text);
                    Vec::new()
                }
                Some(Ok(Event::Resize(..))) => {
                    wizard.dirty = true;
                    Vec::new()
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            event = engine.recv() => match event {
                Some(LinkEvent::Reply(tag, result)) => wizard.on_reply(tag, *result),
                Some(LinkEvent::Lost(reason) | LinkEvent::Ended(reason)) => {
                    anyhow::bail!("lost the engine: {reason}")
                }
                Some(LinkEvent::Connected { .. } | LinkEvent::Engine(_)) => Vec::new(),
                None => anyhow::bail!("the engine stopped"),
            },
            _ = tick.tick() => wizard.on_tick(crate::domain::time::now_unix()),
        };
        queue.extend(effects);
    }
}

/// A drawn screen as text, one line per row.
pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        for x in 0..area.width {
            out.push_str(buffer[(area.x + x, area.y + y)].symbol());
        }
        out.push('\n');
    }
    out
}
