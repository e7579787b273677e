//! The composer: the text being written, the message it answers, and the canned replies `/`
//! names. Keys no composer action has are typing; Tab on `/name` completes a canned reply.

use super::{Pane, PaneEvent};
use crate::tui::answers::ReplyDraft;
use crate::tui::keymap::{Action, Scope};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Composer {
    pub text: TextArea<'static>,
    /// The message the text answers (`R` on a message; Esc cancels).
    pub reply_to: Option<ReplyDraft>,
    /// `/name` → its text, from the config.
    pub canned: BTreeMap<String, String>,
    /// The conversation another agent has, where this one was told so and may now answer.
    pub theirs_told: Option<i64>,
}

impl Default for Composer {
    fn default() -> Self {
        Composer {
            text: empty(),
            reply_to: None,
            canned: BTreeMap::new(),
            theirs_told: None,
        }
    }
}

/// An empty text area: long lines wrap (at words, or inside a word longer than a line)
/// instead of scrolling sideways out of sight.
pub fn empty() -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
    t
}

/// A text area holding `text`, the cursor at its end.
pub fn holding(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(text.lines().map(str::to_string).collect());
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
    t.move_cursor(ratatui_textarea::CursorMove::Bottom);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

impl Composer {
    pub fn content(&self) -> String {
        self.text.lines().join("\n")
    }

    pub fn set_content(&mut self, text: &str) {
        self.text = holding(text);
    }

    pub fn clear(&mut self) {
        self.text = empty();
    }

    /// Typing: the keys no composer action has.
    pub fn type_key(&mut self, key: KeyEvent) {
        self.text.input(key);
    }

    /// The canned replies whose names start with what follows `/`.
    pub fn canned_matches(&self) -> Vec<&str> {
        let text = self.content();
        match text.trim().strip_prefix('/') {
            Some(prefix) if !prefix.contains(char::is_whitespace) => self
                .canned
                .keys()
                .filter(|k| k.starts_with(prefix))
                .map(String::as_str)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Tab (plain) on `/` plus a canned reply's name; true if it completed something.
    pub fn complete_key(&mut self, key: &KeyEvent) -> bool {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        key.code == KeyCode::Tab && plain && self.complete_canned()
    }

    /// `/ho` + Tab: with one canned reply named so, its text replaces what is typed, ready for
    /// one Enter; with several, the names' common part is completed first, then the first of
    /// them (the composer's hint lists them in that order) is taken.
    fn complete_canned(&mut self) -> bool {
        let text = self.content();
        let Some(typed) = text.trim().strip_prefix('/') else {
            return false;
        };
        let names = self.canned_matches();
        let chosen = match names.as_slice() {
            [] => return false,
            [one] => one.to_string(),
            several if several.contains(&typed) => typed.to_string(),
            several => {
                let common = common_prefix(several);
                if common.len() > typed.len() {
                    self.set_content(&format!("/{common}"));
                    return true;
                }
                several[0].to_string()
            }
        };
        match self.canned.get(&chosen).cloned() {
            Some(reply) => {
                self.set_content(&reply);
                true
            }
            None => false,
        }
    }
}

/// The longest start all the names share (by characters).
fn common_prefix(names: &[&str]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut common: Vec<char> = first.chars().collect();
    for name in &names[1..] {
        let same = common
            .iter()
            .zip(name.chars())
            .take_while(|(a, b)| **a == *b)
            .count();
        common.truncate(same);
    }
    common.into_iter().collect()
}

impl Pane for Composer {
    fn on_action(&mut self, action: Action) -> Option<Vec<PaneEvent>> {
        match action {
            Action::Newline => {
                self.text.insert_newline();
                Some(Vec::new())
            }
            _ => None,
        }
    }

    fn commands(&self) -> (Scope, &'static [Action]) {
        (
            Scope::Composer,
            &[
                Action::Send,
                Action::Newline,
                Action::Templates,
                Action::Editor,
                Action::Back,
                Action::Help,
            ],
        )
    }
}
