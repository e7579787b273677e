//! The emoji choice (`e` on a message): ← → among the common ones, or any emoji typed.

use super::{Component, Context, PopupEvent};
use crate::tui::answers::{COMMON_EMOJI, ReactionChoice, react_request};
use crate::tui::app::Tag;
use crate::tui::keymap::{PopupAction, PopupKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl Component for ReactionChoice {
    fn kind(&self) -> PopupKind {
        PopupKind::React
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        match cx.keymap.popup_action(self.kind(), key) {
            Some(PopupAction::Close) => return vec![PopupEvent::Close],
            // While an emoji is typed, the arrows are not choosing.
            Some(PopupAction::Left) if self.typed.is_empty() => {
                self.selected = self.selected.saturating_sub(1);
            }
            Some(PopupAction::Right) if self.typed.is_empty() => {
                self.selected = (self.selected + 1).min(COMMON_EMOJI.len() - 1);
            }
            Some(PopupAction::Choose) => {
                return match self.chosen() {
                    Ok(emoji) => vec![
                        PopupEvent::Close,
                        PopupEvent::Call(Tag::React, react_request(self.message_id, emoji)),
                    ],
                    Err(e) => vec![PopupEvent::Error(e.to_string())],
                };
            }
            Some(_) => {}
            None => match key.code {
                KeyCode::Backspace => {
                    self.typed.pop();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.typed.push(c);
                }
                _ => {}
            },
        }
        Vec::new()
    }

    fn commands(&self) -> &'static [PopupAction] {
        &[
            PopupAction::Left,
            PopupAction::Right,
            PopupAction::Choose,
            PopupAction::Close,
        ]
    }
}
