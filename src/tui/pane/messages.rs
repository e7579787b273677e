//! The messages pane: the open conversation's messages, its cursor, and older pages read as
//! the cursor reaches the top.

use super::{Pane, PaneEvent, movement, step};
use crate::protocol::Request;
use crate::tui::app::{Effect, MESSAGE_PAGE, OpenConversation, Tag};
use crate::tui::keymap::{Action, Scope};

/// What the messages' footer shows (also with no conversation open).
pub(super) const COMMANDS: &[Action] = &[
    Action::Compose,
    Action::Templates,
    Action::Retry,
    Action::OpenMedia,
    Action::Back,
    Action::Help,
    Action::Quit,
];

impl Pane for OpenConversation {
    fn on_action(&mut self, action: Action) -> Option<Vec<PaneEvent>> {
        let delta = movement(action)?;
        self.selected = step(self.selected, self.messages.len(), delta);
        if self.selected == 0 && self.has_older && !self.loading {
            self.loading = true;
            let before = self.messages.first().map(|m| m.view.id);
            return Some(vec![PaneEvent::Call(Box::new(Effect::Call(
                Tag::Messages {
                    conversation_id: self.id(),
                    older: true,
                },
                Request::ListMessages {
                    conversation_id: self.id(),
                    before,
                    limit: Some(MESSAGE_PAGE),
                },
            )))]);
        }
        Some(Vec::new())
    }

    fn commands(&self) -> (Scope, &'static [Action]) {
        (Scope::Lists, COMMANDS)
    }
}
