//! The panes as components: each owns its state, answers the keymap's actions that are its
//! own (moving its cursor, opening what is under it) and names the actions the footer shows
//! while it has the focus. What crosses panes (the list must be read again, open the
//! conversation under the cursor) comes back as `PaneEvent`s the inbox applies, and an action
//! no pane takes is one of the inbox's global keys.

use super::app::Focus;
use super::keymap::{Action, Scope};

pub mod composer;
pub mod contact;
pub mod list;
mod messages;
pub mod sidebar;

/// A pane that owns its state and answers the keymap's actions.
pub trait Pane {
    /// Answers an action; `None`: not its own, for the inbox's global keys.
    fn on_action(&mut self, action: Action) -> Option<Vec<PaneEvent>>;

    /// The table its keys are read from and the actions its footer shows, in order.
    fn commands(&self) -> (Scope, &'static [Action]);
}

/// What a pane asks of the inbox.
#[derive(Debug, Clone, PartialEq)]
pub enum PaneEvent {
    /// Another sidebar view: the list is read again from the top.
    ViewChanged,
    /// The list wants more rows (or anything gone stale) asked for.
    Reload,
    Focus(Focus),
    /// Open the conversation under the list's cursor.
    OpenSelected,
    /// Ask the engine (older messages).
    Call(Box<super::app::Effect>),
}

/// `delta` rows from `i` in a list of `len`, kept inside it.
pub fn step(i: usize, len: usize, delta: isize) -> usize {
    if len == 0 {
        return 0;
    }
    (i as isize)
        .saturating_add(delta)
        .clamp(0, len as isize - 1) as usize
}

/// How far a movement action goes; `None`: not a movement.
pub fn movement(action: Action) -> Option<isize> {
    match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::PageUp => Some(-10),
        Action::PageDown => Some(10),
        Action::Top => Some(isize::MIN / 2),
        Action::Bottom => Some(isize::MAX / 2),
        _ => None,
    }
}

/// What the lists' footer shows (the sidebar and the conversations).
pub(super) const LIST_COMMANDS: &[Action] = &[
    Action::Open,
    Action::Compose,
    Action::Filter,
    Action::NextUnread,
    Action::NextPane,
    Action::Help,
    Action::Quit,
];

impl super::app::App {
    /// The keys worth showing for what has the focus, from the pane that answers them.
    pub fn focused_commands(&self) -> (Scope, &'static [Action]) {
        match self.focus {
            Focus::Sidebar => self.sidebar.commands(),
            Focus::Conversations => self.list.commands(),
            Focus::Messages => (Scope::Lists, messages::COMMANDS),
            Focus::Composer => self.composer.commands(),
        }
    }
}

#[cfg(test)]
mod tests;
