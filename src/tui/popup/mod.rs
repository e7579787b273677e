//! The popups as components (gitui's shape): each owns its state, answers a key through its
//! own table of the keymap, and lists the keys it answers for its hint line, so the hint cannot
//! disagree with what the keys do. What a popup needs done outside itself (close, ask the
//! engine, show an error, send a template) comes back as `PopupEvent`s the inbox applies after
//! the key, never through references into the inbox.

use super::app::{App, Effect, OpenConversation, Popup, Tag};
use super::keymap::{Keymap, PopupAction, PopupKind};
use super::picker::Ready;
use crate::i18n::{Lang, Strings};
use crate::protocol::Request;
use crate::protocol::directory::AgentView;
use crossterm::event::KeyEvent;

pub mod admin;
pub mod automation;
pub mod broadcasts;
mod pager;
mod react;
pub mod report;
mod save;
pub mod search;
mod templates;

/// A popup that owns its state and answers keys.
pub trait Component {
    /// Which table of the keymap its keys are read from.
    fn kind(&self) -> PopupKind;

    /// Answers a key; what the inbox must do comes back in order.
    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent>;

    /// The keys it answers, in the order its hint names them.
    fn commands(&self) -> &'static [PopupAction];

    /// Its hint line: `template` with each command's first key, in order.
    fn hint(&self, keymap: &Keymap, lang: Lang, template: &str) -> String {
        let keys: Vec<String> = self
            .commands()
            .iter()
            .map(|a| key_name(lang, &keymap.popup_key(self.kind(), *a)))
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        crate::i18n::fill(template, &keys)
    }
}

/// What a popup reads of the inbox behind it.
pub struct Context<'a> {
    pub keymap: &'a Keymap,
    pub t: &'static Strings,
    pub open: Option<&'a OpenConversation>,
    /// The engine's now, at which the inbox words times.
    pub now: i64,
}

/// What a popup asks of the inbox.
#[derive(Debug, Clone, PartialEq)]
pub enum PopupEvent {
    Close,
    Call(Tag, Request),
    Error(String),
    /// Send this template in the conversation (the inbox adds the reply being written).
    SendTemplate {
        conversation_id: i64,
        ready: Ready,
    },
    /// The `:` line over the admin screen, which keeps its agents to show again.
    CommandLineOverAdmin(Option<Vec<AgentView>>),
}

/// A key's name in a hint: the Spanish keyboard's names for the page keys, as the hints always
/// said.
fn key_name(lang: Lang, key: &str) -> String {
    match (lang, key) {
        (Lang::Es, "PgUp") => "RePág".into(),
        (Lang::Es, "PgDn") => "AvPág".into(),
        _ => key.to_string(),
    }
}

impl Popup {
    /// The popup as a component; the `:` line and the quit question are the inbox's own.
    fn component_mut(&mut self) -> Option<&mut dyn Component> {
        match self {
            Popup::Help(p) | Popup::Messages(p) => Some(p),
            Popup::Templates(p) => Some(p.as_mut()),
            Popup::Search(s) => Some(s),
            Popup::SaveAs(s) => Some(s),
            Popup::Admin(a) => Some(a),
            Popup::React(r) => Some(r),
            Popup::Automation(a) => Some(a),
            Popup::Report(r) => Some(r.as_mut()),
            Popup::Broadcasts(b) => Some(b),
            Popup::Command(_) | Popup::ConfirmQuit { .. } => None,
        }
    }
}

impl App {
    /// A key while a popup is open: the popup on top takes it, so none leaks into the inbox.
    pub(super) fn popup_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(mut popup) = self.popup.take() else {
            return Vec::new();
        };
        let events = match popup.component_mut() {
            Some(component) => {
                let cx = Context {
                    keymap: &self.keymap,
                    t: self.t,
                    open: self.open.as_ref(),
                    now: self.now,
                };
                component.on_key(&key, &cx)
            }
            None => {
                self.popup = Some(popup);
                return match self.popup {
                    Some(Popup::Command(_)) => self.command_key(key),
                    _ => self.quit_answer(&key),
                };
            }
        };
        self.apply(popup, events)
    }

    /// Applies what the popup asked, in order; it stays open unless it closed or gave way.
    pub(super) fn apply(&mut self, popup: Popup, events: Vec<PopupEvent>) -> Vec<Effect> {
        let mut kept = Some(popup);
        // The popup a `Close` took, should a later event keep it open after all.
        let mut closed = None;
        let mut out = Vec::new();
        for event in events {
            match event {
                PopupEvent::Close => closed = kept.take().or(closed),
                PopupEvent::Call(tag, request) => out.push(Effect::Call(tag, request)),
                PopupEvent::Error(text) => self.error(text),
                PopupEvent::SendTemplate {
                    conversation_id,
                    ready,
                } => {
                    // In another agent's conversation the first is not sent: the picker stays
                    // at its review, where Enter again sends it.
                    if self.tell_whose_first(conversation_id, self.t.composer_theirs) {
                        kept = kept.or(closed.take());
                    } else {
                        out.push(self.send_template(conversation_id, ready));
                    }
                }
                PopupEvent::CommandLineOverAdmin(agents) => {
                    self.admin_agents = agents;
                    kept = Some(Popup::Command(String::new()));
                }
            }
        }
        self.popup = kept;
        out
    }
}
