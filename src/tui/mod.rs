//! The full-screen inbox. One task owns the terminal: it merges terminal input, the engine's
//! answers and events, and a clock tick; handles everything queued; then draws once, and only
//! when something changed (SSH bandwidth matters).

pub mod app;
pub mod clock;
mod input;
pub mod keymap;
pub mod link;
pub mod picker;
pub mod terminal;
pub mod view;
pub mod wizard;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

use crate::api::MediaFile;
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
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::UtcOffset;

/// Builds the inbox's state from the config: language, keys, bell, canned replies.
pub fn app_from_config(config: &Config, offset: UtcOffset, now: i64) -> anyhow::Result<App> {
    let (lists, composer) = keymap::split_config(&config.keys);
    let keymap = Keymap::with_overrides(&lists, &composer).map_err(|e| {
        let file = config
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the config".into());
        anyhow::anyhow!("{file}: {e}")
    })?;
    let mut app = App::new(Strings::for_code(&config.ui.language), keymap, offset, now);
    app.bell = config.ui.bell;
    app.canned = config.ui.canned.clone();
    Ok(app)
}

/// Runs the inbox until the agent quits. `reconnect_to`: the data dir of a socket engine.
pub async fn run(
    client: Client,
    config: &Config,
    offset: UtcOffset,
    reconnect_to: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut app = app_from_config(config, offset, crate::domain::time::now_unix())?;
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
                    app.on_disconnected("the engine stopped".into());
                    Vec::new()
                }
            },
            _ = tick.tick() => {
                app.on_tick(crate::domain::time::now_unix());
                app.wizard_tick()
            }
        };
        // Drain what else is queued before drawing: a burst of events makes one frame.
        while let Ok(event) = link.try_recv() {
            effects.extend(on_link_event(&mut app, event));
        }
        effects.extend(app.flush());
        // Doing an effect may ask for more (a file read for the wizard): one queue for all.
        let mut effects = std::collections::VecDeque::from(effects);
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::Quit => return Ok(()),
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
                    let edited = edit_in_editor(&app.composer_text());
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
                Effect::Copy(text) => {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(wizard::osc52(&text).as_bytes());
                    let _ = out.flush();
                }
                Effect::ReadFile(tag, path) => {
                    effects.extend(app.wizard_file(tag, wizard::read_file(&path)));
                }
                Effect::SaveFile { file, open } => {
                    match save_media(&file, open, open_command.as_deref()) {
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
        LinkEvent::Connected => {
            app.on_connected();
            app.reload_open()
        }
        LinkEvent::Lost(reason) => {
            app.on_disconnected(reason);
            Vec::new()
        }
        LinkEvent::Reply(tag, result) => app.on_reply(tag, *result),
        LinkEvent::Engine(event) => app.on_engine_event(event),
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

/// `$VISUAL`, else `$EDITOR`, else `vi`, on a private temporary file.
fn edit_in_editor(text: &str) -> std::io::Result<String> {
    let dir = private_dir()?;
    let path = dir.join(format!("reply-{}.txt", std::process::id()));
    std::fs::write(&path, text)?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    // Through the shell, so an editor with arguments (`code --wait`) works.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("wabox-editor")
        .arg(&path)
        .status()?;
    let edited = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "{editor} exited with {status}"
        )));
    }
    Ok(edited?.trim_end_matches('\n').to_string())
}

/// A directory only this user can read, for files handed to other programs.
fn private_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = std::env::temp_dir().join(format!("wabox-{}", nix::unistd::getuid()));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => Ok(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(dir),
        Err(e) => Err(e),
    }
}

fn extension(mime: Option<&str>) -> &'static str {
    match mime.unwrap_or("").split(';').next().unwrap_or("").trim() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" | "audio/aac" => "m4a",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => "bin",
    }
}

/// Opening writes to the private temp dir and hands the file over; saving writes to the
/// current directory.
fn save_media(file: &MediaFile, open: bool, open_command: Option<&str>) -> anyhow::Result<PathBuf> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(&file.data_base64)?;
    let name = format!(
        "wabox-{}.{}",
        file.message_id,
        extension(file.mime_type.as_deref())
    );
    let path = if open {
        private_dir()?.join(name)
    } else {
        Path::new(".").join(name)
    };
    std::fs::write(&path, bytes)?;
    if open {
        let command = open_command.unwrap_or(if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        });
        std::process::Command::new(command)
            .arg(&path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("could not run {command}: {e}"))?;
    }
    Ok(path)
}
