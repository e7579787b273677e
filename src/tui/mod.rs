//! The full-screen inbox. One task owns the terminal: it merges terminal input, the engine's
//! answers and events, and a clock tick; handles everything queued; then draws once, and only
//! when something changed (SSH bandwidth matters).

pub mod action_words;
mod admin_args;
pub mod answers;
pub mod app;
mod attach;
pub mod clock;
pub mod cmdline;
mod composer;
mod cursor;
pub mod drafts;
pub mod failure_line;
mod input;
pub mod keymap;
pub mod link;
pub mod pager;
pub mod pane;
pub mod picker;
pub mod popup;
pub mod save;
pub mod scratch;
pub mod terminal;
pub mod view;
pub mod wizard;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_admin;
#[cfg(test)]
mod tests_broadcasts;
#[cfg(test)]
mod tests_cmdline;
#[cfg(test)]
mod tests_composer;
#[cfg(test)]
mod tests_day;
#[cfg(test)]
mod tests_i18n;
#[cfg(test)]
mod tests_popups;
#[cfg(test)]
mod tests_push;
#[cfg(test)]
mod tests_views;

use crate::client::Client;
use crate::config::Config;
use crate::i18n::{Strings, fill};
use app::{App, Effect};
use crossterm::event::{
    Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};
use futures_util::StreamExt;
use keymap::Keymap;
use link::LinkEvent;
use std::io::Write;
use std::time::Duration;
use time::UtcOffset;

/// Builds the inbox's state from the config: language, keys, bell, canned replies.
pub fn app_from_config(config: &Config, offset: UtcOffset, now: i64) -> anyhow::Result<App> {
    let keymap = Keymap::from_config(&keymap::split_config(&config.keys)).map_err(|e| {
        let file = config
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the config".into());
        anyhow::anyhow!("{file}: {e}")
    })?;
    let mut app = App::new(Strings::for_code(&config.ui.language), keymap, offset, now);
    app.bell = config.ui.bell;
    app.composer.canned = config.ui.canned.clone();
    Ok(app)
}

/// Runs the inbox until the agent quits. `reconnect_to`: the engine to dial again after a loss.
pub async fn run(
    client: Client,
    config: &Config,
    offset: UtcOffset,
    reconnect_to: Option<crate::client::Dial>,
) -> anyhow::Result<()> {
    let mut app = app_from_config(config, offset, crate::domain::time::system_now_unix())?;
    let history_path = cmdline::history::path();
    if let Some(path) = &history_path {
        app.cmdline.load_history(cmdline::history::load(path));
    }
    if let Some(file) = drafts::file_for(&config.data_dir) {
        app.load_drafts(file);
    }
    let (requests, mut link) = link::spawn(client, reconnect_to);
    terminal::install_panic_hook();
    let mut term = terminal::setup(config.ui.mouse)?;
    let _restore = terminal::Restore;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let open_command = config.ui.open_command.clone();
    loop {
        if app.dirty {
            term.draw(|f| view::draw(f, &app))?;
            app.dirty = false;
        }
        let mut effects = tokio::select! {
            event = input.next() => match event {
                Some(Ok(event)) => on_terminal_event(&mut app, event),
                Some(Err(e)) => return Err(e.into()),
                None => vec![Effect::Quit],
            },
            event = link.recv() => match event {
                Some(event) => on_link_event(&mut app, event),
                None => {
                    if !matches!(app.link, app::LinkState::Ended(_)) {
                        app.on_disconnected("the engine stopped".into());
                    }
                    Vec::new()
                }
            },
            _ = tick.tick() => {
                app.on_tick(crate::domain::time::system_now_unix());
                app.save_drafts();
                let mut out = app.wizard_tick();
                out.extend(app.broadcasts_tick());
                out
            }
        };
        // Drain what else is queued before drawing: a burst of events makes one frame.
        while let Ok(event) = link.try_recv() {
            effects.extend(on_link_event(&mut app, event));
        }
        effects.extend(app.flush());
        if app.cmdline.take_unsaved()
            && let Some(path) = &history_path
            && let Err(e) = cmdline::history::save(path, &app.cmdline.history)
        {
            app.error(fill(
                app.cmdline_words().history_not_saved,
                &[&e.to_string()],
            ));
        }
        // Doing an effect may ask for more (a file read for the wizard): one queue for all.
        let mut effects = std::collections::VecDeque::from(effects);
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::Quit => {
                    app.save_drafts();
                    return Ok(());
                }
                Effect::Call(tag, request) => {
                    if requests.send((tag, request)).is_err() {
                        app.on_disconnected("the engine link stopped".into());
                    }
                }
                Effect::Bell => {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07");
                    let _ = out.flush();
                }
                Effect::Editor => {
                    // The editor gets the terminal: stop reading it, give it back, take it again.
                    drop(input);
                    terminal::restore();
                    let edited = scratch::edit_in_editor(&app.composer_text());
                    // A fresh Terminal redraws everything; `Terminal::clear` is avoided because
                    // it asks the terminal for the cursor position, racing the event reader
                    // that is winding down.
                    term = terminal::setup(config.ui.mouse)?;
                    input = EventStream::new();
                    match edited {
                        Ok(text) => app.set_composer_text(&text),
                        Err(e) => app.error(fill(app.t.editor_failed, &[&e.to_string()])),
                    }
                    app.dirty = true;
                }
                Effect::Copy(text) => app.wizard_copied(wizard::clipboard::copy(&text)),
                Effect::ReadFile(tag, path) => {
                    effects.extend(app.wizard_file(tag, wizard::read_file(&path)));
                }
                Effect::SaveFileAs { file, path } => {
                    let v = crate::i18n::views::for_lang(app.t.lang);
                    let saved = scratch::fetched_path(file.message_id)
                        .map_err(|e| e.to_string())
                        .and_then(|from| {
                            let saved = save::write(&from, &path, v);
                            let _ = std::fs::remove_file(&from);
                            saved
                        });
                    match saved {
                        Ok(()) => {
                            let shown = path.display().to_string();
                            app.info(&fill(app.t.saved_to, &[&shown]));
                        }
                        Err(e) => app.error(e),
                    }
                }
                Effect::SaveFile { file, open } => {
                    match scratch::save_media(&file, open, open_command.as_deref()) {
                        Ok(path) => {
                            let shown = path.display().to_string();
                            let text = if open { app.t.opening } else { app.t.saved_to };
                            app.info(&fill(text, &[&shown]));
                        }
                        Err(e) => app.error(e.to_string()),
                    }
                }
            }
        }
    }
}

fn on_link_event(app: &mut App, event: LinkEvent) -> Vec<Effect> {
    match event {
        LinkEvent::Connected { user, resumed } => {
            app.user = user;
            app.on_connected(resumed);
            let mut out = vec![Effect::Call(
                app::Tag::Hello,
                crate::protocol::Request::Hello,
            )];
            // Taken up where it was, the changes missed come as a push: nothing to read again.
            if !resumed {
                out.extend(app.reload_open());
            }
            out
        }
        LinkEvent::Lost(reason) => {
            app.on_disconnected(reason);
            Vec::new()
        }
        LinkEvent::Ended(reason) => {
            app.on_ended(reason);
            Vec::new()
        }
        LinkEvent::Reply(tag, result) => app.on_reply(tag, *result),
        LinkEvent::Engine(push) => app.on_push(*push),
    }
}

fn on_terminal_event(app: &mut App, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => app.on_key(key),
        Event::Paste(text) => {
            app.on_paste(&text);
            Vec::new()
        }
        Event::Resize(..) => {
            app.dirty = true;
            Vec::new()
        }
        Event::Mouse(m) => {
            let code = match m.kind {
                MouseEventKind::ScrollUp => KeyCode::Up,
                MouseEventKind::ScrollDown => KeyCode::Down,
                _ => return Vec::new(),
            };
            app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
        }
        _ => Vec::new(),
    }
}
