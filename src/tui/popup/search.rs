//! Searching every message (`Ctrl+F`): the words typed, the hits newest first, Enter to open
//! the conversation at the hit.

use super::{Component, Context, PopupEvent};
use crate::protocol::Request;
use crate::protocol::admin::SearchHit;
use crate::tui::app::Tag;
use crate::tui::keymap::{PopupAction, PopupKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchState {
    pub query: String,
    /// None until the first answer (or with nothing typed).
    pub results: Option<Vec<SearchHit>>,
    pub selected: usize,
    /// The answer to the latest query only; earlier ones are dropped.
    pub generation: u64,
}

impl SearchState {
    /// Asks for the query's results; an empty query shows nothing.
    pub fn request(&mut self) -> Vec<PopupEvent> {
        self.generation += 1;
        self.selected = 0;
        if self.query.trim().is_empty() {
            self.results = None;
            return Vec::new();
        }
        vec![PopupEvent::Call(
            Tag::Search {
                generation: self.generation,
            },
            Request::Search {
                before: None,
                query: self.query.clone(),
                limit: Some(100),
            },
        )]
    }

    fn jump(&self) -> Vec<PopupEvent> {
        let Some(hit) = self.results.as_ref().and_then(|r| r.get(self.selected)) else {
            return Vec::new();
        };
        vec![
            PopupEvent::Close,
            PopupEvent::Call(
                Tag::Jump {
                    message_id: hit.message_id,
                },
                Request::GetConversation {
                    conversation_id: hit.conversation_id,
                },
            ),
        ]
    }

    /// Keys no action has are the query.
    fn typed(&mut self, key: &KeyEvent) -> Vec<PopupEvent> {
        match key.code {
            KeyCode::Backspace => {
                self.query.pop();
                self.request()
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.query.push(c);
                self.request()
            }
            _ => Vec::new(),
        }
    }
}

impl Component for SearchState {
    fn kind(&self) -> PopupKind {
        PopupKind::Search
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        match cx.keymap.popup_action(self.kind(), key) {
            Some(PopupAction::Close) => vec![PopupEvent::Close],
            Some(PopupAction::Up) => {
                self.selected = self.selected.saturating_sub(1);
                Vec::new()
            }
            Some(PopupAction::Down) => {
                let len = self.results.as_ref().map_or(0, Vec::len);
                self.selected = (self.selected + 1).min(len.saturating_sub(1));
                Vec::new()
            }
            Some(PopupAction::Choose) => self.jump(),
            Some(_) => Vec::new(),
            None => self.typed(key),
        }
    }

    fn commands(&self) -> &'static [PopupAction] {
        &[
            PopupAction::Up,
            PopupAction::Down,
            PopupAction::Choose,
            PopupAction::Close,
        ]
    }
}
