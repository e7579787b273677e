//! The popups' keys. Each popup has its own table (`[keys.search]`, `[keys.pager]`…): a key
//! means one thing inside it, whatever it means in the lists behind, and the popup's hint line
//! is written from the same table its keys are read from.

use super::{KeyChord, Keymap, default_chord};
use crossterm::event::KeyEvent;

/// A popup with a table of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PopupKind {
    /// The help and the messages log, read like a pager.
    Pager,
    Search,
    Templates,
    Automation,
    /// The broadcasts (`:broadcasts`).
    Broadcasts,
    Admin,
    /// The report screen (`R`).
    Report,
    React,
    SaveAs,
    CommandLine,
    /// The conversation list's filter line (`/`).
    Filter,
}

impl PopupKind {
    pub const ALL: [PopupKind; 11] = [
        PopupKind::Pager,
        PopupKind::Search,
        PopupKind::Templates,
        PopupKind::Automation,
        PopupKind::Broadcasts,
        PopupKind::Admin,
        PopupKind::Report,
        PopupKind::React,
        PopupKind::SaveAs,
        PopupKind::CommandLine,
        PopupKind::Filter,
    ];

    /// The table's name under `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            PopupKind::Pager => "pager",
            PopupKind::Search => "search",
            PopupKind::Templates => "templates",
            PopupKind::Automation => "sequences",
            PopupKind::Broadcasts => "broadcasts",
            PopupKind::Admin => "admin",
            PopupKind::Report => "report",
            PopupKind::React => "react",
            PopupKind::SaveAs => "save",
            PopupKind::CommandLine => "command",
            PopupKind::Filter => "filter",
        }
    }

    pub fn by_name(name: &str) -> Option<PopupKind> {
        PopupKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// What a key does inside a popup. Typing (search words, a path, a command) is not an action:
/// the keys no action has are the text, as in the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PopupAction {
    Close,
    /// One step back (the template form to the list), closing at the first step.
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    /// Enter: the chosen row, the typed answer.
    Choose,
    /// Pause a running sequence, or resume a paused one.
    PauseResume,
    Stop,
    /// The `:` line over the admin screen.
    CommandLine,
    Complete,
    CompleteBack,
    Older,
    Newer,
    /// The report's business-hours filter: all, inside the queues' hours, outside them.
    Hours,
}

impl PopupAction {
    /// The name in the popup's `[keys.…]` table.
    pub fn name(self) -> &'static str {
        match self {
            PopupAction::Close => "close",
            PopupAction::Back => "back",
            PopupAction::Up => "up",
            PopupAction::Down => "down",
            PopupAction::PageUp => "page_up",
            PopupAction::PageDown => "page_down",
            PopupAction::Top => "top",
            PopupAction::Bottom => "bottom",
            PopupAction::Left => "left",
            PopupAction::Right => "right",
            PopupAction::Choose => "choose",
            PopupAction::PauseResume => "pause_resume",
            PopupAction::Stop => "stop",
            PopupAction::CommandLine => "command",
            PopupAction::Complete => "complete",
            PopupAction::CompleteBack => "complete_back",
            PopupAction::Older => "older",
            PopupAction::Newer => "newer",
            PopupAction::Hours => "hours",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PopupBinding {
    pub popup: PopupKind,
    pub action: PopupAction,
    pub keys: Vec<KeyChord>,
}

use PopupAction as A;
use PopupKind as K;

/// The defaults, as they would be written in the config: the keys each popup answered before
/// it had a table.
pub(super) const POPUP_DEFAULTS: &[(PopupKind, PopupAction, &[&str])] = &[
    (K::Pager, A::Close, &["esc", "enter", "f1", "q", "?"]),
    (K::Pager, A::Down, &["j", "down"]),
    (K::Pager, A::Up, &["k", "up"]),
    (
        K::Pager,
        A::PageDown,
        &["pgdn", "space", "ctrl+d", "ctrl+f"],
    ),
    (K::Pager, A::PageUp, &["pgup", "ctrl+u", "ctrl+b"]),
    (K::Pager, A::Top, &["g", "home"]),
    (K::Pager, A::Bottom, &["G", "end"]),
    (K::Search, A::Close, &["esc"]),
    (K::Search, A::Up, &["up"]),
    (K::Search, A::Down, &["down"]),
    (K::Search, A::Choose, &["enter"]),
    (K::Templates, A::Back, &["esc"]),
    (K::Templates, A::Up, &["up", "shift+tab"]),
    (K::Templates, A::Down, &["down", "tab"]),
    (K::Templates, A::Choose, &["enter"]),
    (K::Automation, A::Choose, &["enter"]),
    (K::Automation, A::PauseResume, &["p", "space"]),
    (K::Automation, A::Stop, &["x"]),
    (K::Automation, A::Close, &["esc", "q"]),
    (K::Automation, A::Down, &["down", "j"]),
    (K::Automation, A::Up, &["up", "k"]),
    (K::Report, A::Older, &["left", "h"]),
    (K::Report, A::Newer, &["right", "l"]),
    (K::Report, A::Choose, &["m", "enter"]),
    (K::Report, A::Hours, &["o"]),
    (K::Report, A::Close, &["esc", "q", "R"]),
    (K::Broadcasts, A::Choose, &["enter"]),
    (K::Broadcasts, A::PauseResume, &["p", "space"]),
    (K::Broadcasts, A::Stop, &["x"]),
    (K::Broadcasts, A::Close, &["esc", "q"]),
    (K::Broadcasts, A::Down, &["down", "j"]),
    (K::Broadcasts, A::Up, &["up", "k"]),
    (K::Admin, A::Down, &["down", "j"]),
    (K::Admin, A::Up, &["up", "k"]),
    (K::Admin, A::CommandLine, &[":"]),
    (K::React, A::Left, &["left"]),
    (K::React, A::Right, &["right", "tab"]),
    (K::React, A::Choose, &["enter"]),
    (K::React, A::Close, &["esc"]),
    (K::SaveAs, A::Choose, &["enter"]),
    (K::SaveAs, A::Close, &["esc"]),
    (K::CommandLine, A::Choose, &["enter"]),
    (K::CommandLine, A::Close, &["esc"]),
    (K::CommandLine, A::Complete, &["tab"]),
    (K::CommandLine, A::CompleteBack, &["shift+tab"]),
    (K::CommandLine, A::Older, &["up"]),
    (K::CommandLine, A::Newer, &["down"]),
    (K::Filter, A::Choose, &["enter"]),
    (K::Filter, A::Close, &["esc"]),
];

pub(super) fn defaults() -> Vec<PopupBinding> {
    POPUP_DEFAULTS
        .iter()
        .map(|(popup, action, keys)| PopupBinding {
            popup: *popup,
            action: *action,
            keys: keys.iter().map(|k| default_chord(k)).collect(),
        })
        .collect()
}

impl Keymap {
    /// What a key does in a popup; `None`: not an action there (text, or ignored).
    pub fn popup_action(&self, popup: PopupKind, key: &KeyEvent) -> Option<PopupAction> {
        self.in_popup(popup)
            .find(|b| b.keys.iter().any(|k| k.matches(key)))
            .map(|b| b.action)
    }

    /// The first key of a popup's action, for its hint line (empty if it has none).
    pub fn popup_key(&self, popup: PopupKind, action: PopupAction) -> String {
        self.in_popup(popup)
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first())
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    pub fn in_popup(&self, popup: PopupKind) -> impl Iterator<Item = &PopupBinding> {
        self.popups.iter().filter(move |b| b.popup == popup)
    }
}
