//! Around the composer: Ctrl+C asks before quitting, and a send hands the keys back to the
//! lists so nothing typed next reaches the customer unseen (the composer itself is
//! `pane::composer`).

use super::app::{App, Effect, Focus, Popup};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
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
