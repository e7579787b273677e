//! The full-screen connect wizard: pick or create the tenant, choose how the number connects
//! (Meta's Embedded Signup, a Kapso setup link, a Business app number or ids typed by hand, a
//! connections file), follow it to the end, and see what was stored.
//!
//! A pure state machine: keys, the engine's answers and clock ticks go in; the next screen and
//! `Effect`s (requests for the engine, a copy to the clipboard, a file to read) come out. A thin
//! runner does the IO: `runner.rs` for `wabox connect`, the inbox's loop inside the TUI
//! (`inbox.rs`). Every request carries the screen generation it was made for, so an answer that
//! arrives after the admin moved on is dropped.

pub mod clipboard;
pub mod field;
mod inbox;
pub mod keys;
pub mod runner;
pub mod state;
mod steps;
pub mod view;

#[cfg(test)]
mod tests;

use crate::i18n::wizard::WizardStrings;
use crate::protocol::{ApiError, ErrorKind, Request, Response};
use crossterm::event::KeyEvent;
use keys::{Act, Scope};
use state::*;

/// Seconds between two questions about a link nobody has come back through yet.
pub const SIGNUP_POLL: i64 = 2;
/// Seconds between two looks at a coexistence number (Meta's pace).
pub const COEXISTENCE_POLL: i64 = 5;
/// How long the wizard waits for the phone to confirm a coexistence number.
pub const COEXISTENCE_LIMIT: i64 = 10 * 60;
/// Seconds between two looks at the history import's progress.
pub const HISTORY_POLL: i64 = 2;

/// What the wizard needs done outside itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Ask the engine; the answer comes back to `on_reply` with the tag.
    Call(Tag, Request),
    /// Put this text on the clipboard (`clipboard::copy`); where it went comes back to
    /// `on_copied`.
    Copy(String),
    /// Read this file; its text (or why not) comes back to `on_file` with the tag.
    ReadFile(Tag, String),
    /// The admin left the wizard.
    Close,
}

/// What a request was for, and for which screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    generation: u64,
    pub ask: Ask,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Whether the engine has an HTTP listener a browser can come back to.
    Hello,
    Tenants,
    Queues,
    Begin,
    /// The public URL, for the short link the QR code holds.
    PublicUrl,
    Poll,
    Finish,
    Revoke,
    Regenerate,
    Check,
    Connect,
    HistorySync,
    Progress,
    ReadImport,
    ImportPreview,
    ImportApply,
    Dashboard,
    /// The demo's simulated numbers and tokens, for the by-hand screens.
    Demo,
}

impl Ask {
    /// The engine changes something for it (leaving before its answer leaves that unknown);
    /// the others only read.
    pub fn changes_something(self) -> bool {
        matches!(
            self,
            Ask::Begin
                | Ask::Finish
                | Ask::Revoke
                | Ask::Regenerate
                | Ask::Connect
                | Ask::HistorySync
                | Ask::ImportApply
        )
    }
}

/// A line under the screen's content: what just happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

pub struct Wizard {
    pub t: &'static WizardStrings,
    pub now: i64,
    /// Whether the engine runs its HTTP listener (`wabox serve`, the demo); None: not known yet.
    pub listening: Option<bool>,
    /// `{public_url}` of the engine, for short links.
    pub public_url: Option<String>,
    pub tenant: Option<String>,
    /// The tenant was typed, not picked: it is made with the number, when the admin confirms.
    pub new_tenant: bool,
    pub queue: Option<String>,
    pub path: Option<PathChoice>,
    pub screen: Screen,
    back: Vec<Screen>,
    generation: u64,
    in_flight: usize,
    /// Of those, the ones that change something.
    changing: usize,
    /// "Leave the wizard?" is asked.
    pub confirm_quit: bool,
    pub notice: Option<Notice>,
    /// Inside the inbox (leaving returns to it) rather than `wabox connect`.
    pub in_inbox: bool,
    pub dirty: bool,
    /// The demo's simulated numbers the by-hand screens offer (empty outside the demo); None:
    /// not asked yet.
    pub demo: Option<Vec<crate::protocol::DemoNumber>>,
}

impl Wizard {
    /// A wizard at its first screen, with the requests that screen needs.
    pub fn start(t: &'static WizardStrings, now: i64, in_inbox: bool) -> (Wizard, Vec<Effect>) {
        let mut w = Wizard {
            t,
            now,
            listening: None,
            public_url: None,
            tenant: None,
            new_tenant: false,
            queue: None,
            path: None,
            screen: Screen::Tenant(TenantStep::default()),
            back: Vec::new(),
            generation: 0,
            in_flight: 0,
            changing: 0,
            confirm_quit: false,
            notice: None,
            in_inbox,
            dirty: true,
            demo: None,
        };
        // Who the engine is, and where a browser reaches it (for short links), before it matters.
        let mut out = vec![
            w.call(Ask::Hello, Request::Hello),
            w.call(
                Ask::PublicUrl,
                Request::Dashboard {
                    test: false,
                    reveal: false,
                },
            ),
        ];
        out.extend(w.enter());
        (w, out)
    }

    /// A request for the engine, tagged with the current screen.
    pub(super) fn call(&mut self, ask: Ask, request: Request) -> Effect {
        self.in_flight += 1;
        if ask.changes_something() {
            self.changing += 1;
        }
        Effect::Call(
            Tag {
                generation: self.generation,
                ask,
            },
            request,
        )
    }

    pub(super) fn tag(&mut self, ask: Ask) -> Tag {
        self.in_flight += 1;
        Tag {
            generation: self.generation,
            ask,
        }
    }

    /// Requests still unanswered.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    // ----- moving between screens -----

    /// On to a screen; Esc comes back to this one.
    pub(super) fn go(&mut self, next: Screen) -> Vec<Effect> {
        let was = std::mem::replace(&mut self.screen, next);
        self.back.push(was);
        self.entered()
    }

    /// On to a screen that takes this one's place (Esc does not come back to it).
    pub(super) fn replace(&mut self, next: Screen) -> Vec<Effect> {
        self.screen = next;
        self.entered()
    }

    /// A finished connection: nothing before it is worth going back to.
    pub(super) fn settle(&mut self, next: Screen) -> Vec<Effect> {
        self.back.clear();
        self.replace(next)
    }

    fn entered(&mut self) -> Vec<Effect> {
        self.generation += 1;
        self.notice = None;
        self.confirm_quit = false;
        self.dirty = true;
        self.enter()
    }

    /// One step back; from the first screen, leaving.
    pub(super) fn go_back(&mut self) -> Vec<Effect> {
        let note = self.leaving_note();
        match self.back.pop() {
            Some(previous) => {
                // Back before a choice: it is no longer made (the header stops naming it).
                match previous {
                    Screen::Tenant(_) => {
                        self.tenant = None;
                        self.new_tenant = false;
                        self.path = None;
                        self.queue = None;
                    }
                    Screen::Path(_) => {
                        self.path = None;
                        self.queue = None;
                    }
                    Screen::Queue(_) => self.queue = None,
                    _ => {}
                }
                self.screen = previous;
                let out = self.entered();
                if let Some(text) = note {
                    self.info(text);
                }
                out
            }
            None => self.quit(),
        }
    }

    /// From the start again (another number).
    pub(super) fn restart(&mut self) -> Vec<Effect> {
        self.tenant = None;
        self.new_tenant = false;
        self.queue = None;
        self.path = None;
        self.back.clear();
        self.screen = Screen::Tenant(TenantStep::default());
        self.entered()
    }

    /// Leave, asking first when something is under way.
    pub(super) fn quit(&mut self) -> Vec<Effect> {
        if self.under_way().is_some() {
            self.confirm_quit = true;
            Vec::new()
        } else {
            vec![Effect::Close]
        }
    }

    /// What leaving now would leave behind, in words; None: nothing.
    pub fn under_way(&self) -> Option<String> {
        let t = self.t;
        let fill = crate::i18n::fill;
        match &self.screen {
            Screen::Link(l) if l.open() => {
                let id = l.signup.as_ref().map_or(0, |s| s.id).to_string();
                Some(fill(t.leave_link_open, &[&id, &id]))
            }
            Screen::Choose(c) => Some(fill(t.leave_unfinished, &[&c.signup.id.to_string()])),
            Screen::Pin(p) => Some(fill(t.leave_unfinished, &[&p.signup.id.to_string()])),
            Screen::Coexistence(c) if c.phase.watching() => Some(t.leave_coexistence.to_string()),
            Screen::History(h) if !h.done() => Some(t.leave_history.to_string()),
            _ if self.changing > 0 => Some(t.leave_request.to_string()),
            _ => None,
        }
    }

    /// Said when Esc leaves a link that still works.
    fn leaving_note(&self) -> Option<String> {
        match &self.screen {
            Screen::Link(l) if l.open() => {
                let id = l.signup.as_ref().map_or(0, |s| s.id).to_string();
                Some(crate::i18n::fill(self.t.link_left_open, &[&id, &id]))
            }
            _ => None,
        }
    }

    pub(super) fn info(&mut self, text: String) {
        self.notice = Some(Notice { text, error: false });
    }

    pub(super) fn error(&mut self, text: String) {
        self.notice = Some(Notice { text, error: true });
    }

    /// Whether letters are text on this screen.
    pub fn scope(&self) -> Scope {
        if self.confirm_quit {
            return Scope::Confirm;
        }
        match &self.screen {
            // A list's rows are moved through like any list (j, k, q); letters are text only
            // on its name field, so a key never types on one screen and acts on the next.
            Screen::Tenant(s) if s.on_new_row() => Scope::Text,
            Screen::Queue(s) if s.on_new_row() => Scope::Text,
            Screen::Tenant(_) | Screen::Queue(_) => Scope::Plain,
            Screen::Kapso(_) | Screen::Pin(_) | Screen::Manual(_) => Scope::Text,
            Screen::Import(i) if i.result.is_none() => Scope::Text,
            _ => Scope::Plain,
        }
    }

    // ----- what comes in -----

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.dirty = true;
        let scope = self.scope();
        let act = keys::act(scope, &key);
        if self.confirm_quit {
            return match act {
                Some(Act::Yes) => vec![Effect::Close],
                Some(Act::No) => {
                    self.confirm_quit = false;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        match act {
            Some(Act::Quit) => self.quit(),
            Some(Act::Back) => self.back_key(),
            _ => self.step_key(act, &key),
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        self.dirty = true;
        if let Some(field) = self.focused_field() {
            field.paste(text);
            self.after_typing();
        }
    }

    pub fn on_reply(&mut self, tag: Tag, result: Result<Response, ApiError>) -> Vec<Effect> {
        // The engine answers with a code; the wizard words it in the admin's language.
        let result = result.map_err(|e| Refusal {
            message: crate::i18n::errors::word(self.t.lang, &e),
            kind: e.kind,
        });
        self.in_flight = self.in_flight.saturating_sub(1);
        if tag.ask.changes_something() {
            self.changing = self.changing.saturating_sub(1);
        }
        self.dirty = true;
        if tag.ask == Ask::Hello {
            if let Ok(Response::Hello(info)) = &result {
                self.listening = Some(info.mode == crate::protocol::EngineMode::Engine);
            }
            return Vec::new();
        }
        if tag.ask == Ask::Demo {
            // Any other answer (an engine from before this request): nothing to offer.
            if let Ok(Response::DemoNumbers(numbers)) = result {
                self.demo = Some(numbers);
            }
            return Vec::new();
        }
        if tag.ask == Ask::PublicUrl {
            if let Ok(Response::Dashboard(d)) = &result {
                self.public_url = d.public_url.clone();
            }
            return Vec::new();
        }
        if tag.generation != self.generation {
            return Vec::new(); // for a screen the admin has left
        }
        self.step_reply(tag.ask, result)
    }

    /// The text of a file asked for with `Effect::ReadFile`.
    pub fn on_file(&mut self, tag: Tag, result: Result<String, String>) -> Vec<Effect> {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.dirty = true;
        if tag.generation != self.generation {
            return Vec::new();
        }
        self.import_file(result)
    }

    /// Where a copied link went (`Effect::Copy`), told on the notice line.
    pub fn on_copied(&mut self, copied: clipboard::Copied) {
        use clipboard::Copied;
        let fill = crate::i18n::fill;
        self.dirty = true;
        match copied {
            Copied::Tool(tool) => self.info(fill(self.t.copied, &[tool])),
            Copied::Tmux => self.info(self.t.copied_tmux.to_string()),
            Copied::Osc52 => self.info(self.t.copied_osc52.to_string()),
            Copied::Failed(why) => self.error(fill(self.t.copy_failed, &[&why])),
        }
    }

    /// The clock: countdowns move, and the engine is asked again when it is time.
    pub fn on_tick(&mut self, now: i64) -> Vec<Effect> {
        if now != self.now && self.shows_clock() {
            self.dirty = true;
        }
        self.now = now;
        self.step_tick()
    }

    fn shows_clock(&self) -> bool {
        match &self.screen {
            Screen::Link(l) => l.open(),
            Screen::Coexistence(c) => c.phase == CoexistencePhase::Polling,
            Screen::History(h) => !h.done(),
            _ => false,
        }
    }
}

/// OSC 52: the terminal puts the text on the clipboard (also over SSH, where the terminal allows).
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// Reads a connections file for the import (the engine never reads the client's files).
pub fn read_file(path: &str) -> Result<String, String> {
    let path = expand_home(path.trim());
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

/// An engine's refusal as a step shows it: worded in the wizard's language, with the kind a
/// step acts on (a refused token is asked for again).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub kind: ErrorKind,
}
