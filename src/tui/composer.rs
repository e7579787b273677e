//! The composer's own keys, beside the keymap: Tab completes a canned reply, Ctrl+C asks before
//! quitting, and a send hands the keys back to the lists so nothing typed next reaches the
//! customer unseen.

use super::app::{App, Effect, Focus, Popup};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    /// Keys the composer answers before the keymap: Tab on `/` plus a canned reply's name.
    pub(super) fn composer_key(&mut self, key: &KeyEvent) -> Option<Vec<Effect>> {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if key.code == KeyCode::Tab && plain && self.complete_canned() {
            return Some(Vec::new());
        }
        None
    }

    /// `/ho` + Tab: with one canned reply named so, its text replaces what is typed, ready for
    /// one Enter; with several, the names' common part is completed first, then the first of
    /// them (the composer's hint lists them in that order) is taken.
    fn complete_canned(&mut self) -> bool {
        let text = self.composer_text();
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
                    self.set_composer_text(&format!("/{common}"));
                    return true;
                }
                several[0].to_string()
            }
        };
        match self.canned.get(&chosen).cloned() {
            Some(reply) => {
                self.set_composer_text(&reply);
                true
            }
            None => false,
        }
    }

    /// Ctrl+C: in the composer it asks first (the draft is kept either way); anywhere else, or
    /// asked twice, it quits.
    pub(super) fn on_ctrl_c(&mut self) -> Vec<Effect> {
        let asking = matches!(self.popup, Some(Popup::ConfirmQuit { .. }));
        if self.focus != Focus::Composer || asking {
            return vec![Effect::Quit];
        }
        let under = self.popup.take().map(Box::new);
        self.popup = Some(Popup::ConfirmQuit { under });
        Vec::new()
    }

    /// The answer to "quit?": the language's yes quits; any other key goes back to what was
    /// there (a popup under the question included), the key itself dropped.
    pub(super) fn quit_answer(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let yes = crate::i18n::composer::strings(self.t.lang).yes;
        if let KeyCode::Char(c) = key.code
            && !key.modifiers.contains(KeyModifiers::CONTROL)
            && c.eq_ignore_ascii_case(&yes)
        {
            return vec![Effect::Quit];
        }
        self.popup = match self.popup.take() {
            Some(Popup::ConfirmQuit { under }) => under.map(|p| *p),
            other => other,
        };
        Vec::new()
    }

    /// Once a message is queued the keys go back to the messages, so what is typed next is a
    /// command again, never a second message.
    pub(super) fn after_send(&mut self) {
        if self.focus == Focus::Composer {
            self.focus = Focus::Messages;
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
