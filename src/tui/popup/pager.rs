//! The help and the messages log, read like a pager.

use super::{Component, Context, PopupEvent};
use crate::tui::keymap::{PopupAction, PopupKind};
use crate::tui::pager::{Pager, PagerKey};
use crossterm::event::KeyEvent;

impl Component for Pager {
    fn kind(&self) -> PopupKind {
        PopupKind::Pager
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        match cx
            .keymap
            .popup_action(self.kind(), key)
            .map(|a| self.act(a))
        {
            Some(PagerKey::Close) => vec![PopupEvent::Close],
            _ => Vec::new(),
        }
    }

    fn commands(&self) -> &'static [PopupAction] {
        &[
            PopupAction::Down,
            PopupAction::Up,
            PopupAction::PageUp,
            PopupAction::PageDown,
            PopupAction::Top,
            PopupAction::Bottom,
            PopupAction::Close,
        ]
    }
}
