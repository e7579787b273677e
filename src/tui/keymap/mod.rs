//! Keys → actions. One table drives the input handler, the footer hints and the `?` help, so
//! there is no second list of keys to go stale. `[keys]` in the config replaces an action's keys
//! in the lists, `[keys.composer]` in the composer, `[keys.search]` (and each popup's table) in
//! that popup.

use crossterm::event::KeyEvent;

mod chord;
mod config;
mod popup;

pub use chord::KeyChord;
pub use config::split_config;
pub use popup::{PopupAction, PopupBinding, PopupKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Compose,
    Send,
    Newline,
    Templates,
    Filter,
    NextUnread,
    Retry,
    /// Reply to the selected message, quoting it.
    Reply,
    /// React to the selected message with an emoji.
    React,
    /// Remove our reaction from the selected message.
    Unreact,
    MarkUnread,
    OpenMedia,
    SaveMedia,
    Help,
    CommandLine,
    Editor,
    Search,
    ContactPanel,
    CloseConversation,
    Snooze,
    Claim,
    Admin,
    /// The team's figures with charts (admins).
    Report,
    Automation,
    /// The connect wizard (admins).
    Connect,
    /// The log of this session's answers, whole.
    Messages,
}

impl Action {
    /// The name in `[keys]` and on the `:` command line.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Back => "back",
            Action::Compose => "compose",
            Action::Send => "send",
            Action::Newline => "newline",
            Action::Templates => "templates",
            Action::Filter => "filter",
            Action::NextUnread => "next_unread",
            Action::Retry => "retry",
            Action::Reply => "reply_to",
            Action::React => "react",
            Action::Unreact => "unreact",
            Action::MarkUnread => "mark_unread",
            Action::OpenMedia => "open_media",
            Action::SaveMedia => "save_media",
            Action::Help => "help",
            Action::CommandLine => "command",
            Action::Editor => "editor",
            Action::Search => "search",
            Action::ContactPanel => "contact",
            Action::CloseConversation => "close",
            Action::Snooze => "snooze",
            Action::Claim => "claim",
            Action::Admin => "admin",
            Action::Report => "report",
            Action::Automation => "sequences",
            Action::Connect => "connect",
            Action::Messages => "messages",
        }
    }
}

/// Where a binding applies: the three lists, or the composer (where plain letters are text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Lists,
    Composer,
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub scope: Scope,
    pub action: Action,
    pub keys: Vec<KeyChord>,
}

/// The defaults, as they would be written in the config.
pub(in crate::tui::keymap) const DEFAULTS: &[(Scope, Action, &[&str])] = &[
    (Scope::Lists, Action::Up, &["up", "k"]),
    (Scope::Lists, Action::Down, &["down", "j"]),
    (Scope::Lists, Action::PageUp, &["pgup", "ctrl+u"]),
    (Scope::Lists, Action::PageDown, &["pgdn", "ctrl+d"]),
    (Scope::Lists, Action::Top, &["home", "g"]),
    (Scope::Lists, Action::Bottom, &["end", "G"]),
    (Scope::Lists, Action::Open, &["enter", "l", "right"]),
    (Scope::Lists, Action::Back, &["esc", "h", "left"]),
    (Scope::Lists, Action::NextPane, &["tab"]),
    (Scope::Lists, Action::PrevPane, &["shift+tab"]),
    (Scope::Lists, Action::Compose, &["i", "c"]),
    (Scope::Lists, Action::Templates, &["t"]),
    (Scope::Lists, Action::Filter, &["/"]),
    (Scope::Lists, Action::NextUnread, &["n"]),
    (Scope::Lists, Action::Retry, &["r"]),
    (Scope::Lists, Action::Reply, &["Q"]),
    (Scope::Lists, Action::React, &["e"]),
    (Scope::Lists, Action::Unreact, &["E"]),
    (Scope::Lists, Action::MarkUnread, &["u"]),
    (Scope::Lists, Action::OpenMedia, &["o"]),
    (Scope::Lists, Action::SaveMedia, &["s"]),
    (Scope::Lists, Action::Search, &["ctrl+f", "F"]),
    (Scope::Lists, Action::ContactPanel, &["p"]),
    (Scope::Lists, Action::CloseConversation, &["x"]),
    (Scope::Lists, Action::Snooze, &["z"]),
    (Scope::Lists, Action::Claim, &["a"]),
    (Scope::Lists, Action::Admin, &["A"]),
    (Scope::Lists, Action::Report, &["R"]),
    (Scope::Lists, Action::Automation, &["S"]),
    (Scope::Lists, Action::Connect, &["C"]),
    (Scope::Lists, Action::Messages, &["L"]),
    (Scope::Lists, Action::Help, &["?", "f1"]),
    (Scope::Lists, Action::CommandLine, &[":"]),
    (Scope::Lists, Action::Quit, &["q"]),
    (Scope::Composer, Action::Send, &["enter"]),
    (Scope::Composer, Action::Newline, &["alt+enter", "ctrl+j"]),
    (Scope::Composer, Action::Back, &["esc"]),
    (Scope::Composer, Action::Templates, &["ctrl+t"]),
    (Scope::Composer, Action::Editor, &["ctrl+e"]),
    (Scope::Composer, Action::NextPane, &["tab"]),
    (Scope::Composer, Action::PrevPane, &["shift+tab"]),
    (Scope::Composer, Action::Search, &["ctrl+f"]),
    (Scope::Composer, Action::Help, &["f1"]),
];

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
    /// Each popup's own table.
    pub popups: Vec<PopupBinding>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct KeymapError(String);

impl Keymap {
    pub fn defaults() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .map(|(scope, action, keys)| Binding {
                scope: *scope,
                action: *action,
                keys: keys.iter().map(|k| default_chord(k)).collect(),
            })
            .collect();
        Keymap {
            bindings,
            popups: popup::defaults(),
        }
    }

    pub fn action(&self, scope: Scope, key: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .filter(|b| b.scope == scope)
            .find(|b| b.keys.iter().any(|k| k.matches(key)))
            .map(|b| b.action)
    }

    /// The first key of an action, for hints: `t`, `Ctrl+T`.
    pub fn key_of(&self, scope: Scope, action: Action) -> String {
        self.bindings
            .iter()
            .find(|b| b.scope == scope && b.action == action)
            .and_then(|b| b.keys.first())
            .map(|k| k.to_string())
            .unwrap_or_else(|| format!(":{}", action.name()))
    }

    pub fn in_scope(&self, scope: Scope) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.scope == scope)
    }

    /// An action by its `:` command-line name.
    pub fn by_name(&self, name: &str) -> Option<Action> {
        self.bindings
            .iter()
            .map(|b| b.action)
            .find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests;

/// A key of the built-in tables; `defaults_parse_and_answer_vim_and_arrow_keys` parses them all.
fn default_chord(text: &str) -> KeyChord {
    KeyChord::parse(text).unwrap_or_else(|e| panic!("default key: {e}"))
}
