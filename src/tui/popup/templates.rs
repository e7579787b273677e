//! The templates picker (`t`) as a component: choose, fill, review, send.

use super::{Component, Context, PopupEvent};
use crate::protocol::views::MessageRef;
use crate::protocol::{Request, SendContent};
use crate::tui::app::{App, Effect, Tag};
use crate::tui::keymap::{PopupAction, PopupKind};
use crate::tui::picker::{Ready, TemplatePicker};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl Component for TemplatePicker {
    fn kind(&self) -> PopupKind {
        PopupKind::Templates
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        match cx.keymap.popup_action(self.kind(), key) {
            Some(PopupAction::Back) if self.back() => return vec![PopupEvent::Close],
            Some(PopupAction::Up) => self.move_by(-1),
            Some(PopupAction::Down) => self.move_by(1),
            Some(PopupAction::Choose) => {
                if let Some(ready) = self.enter() {
                    return vec![
                        PopupEvent::Close,
                        PopupEvent::SendTemplate {
                            conversation_id: self.conversation_id,
                            ready,
                        },
                    ];
                }
            }
            Some(_) => {}
            None => match key.code {
                KeyCode::Backspace => self.backspace(),
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.type_char(c)
                }
                _ => {}
            },
        }
        Vec::new()
    }

    /// Enter goes on (choose, next field, send after the review), Esc goes back.
    fn commands(&self) -> &'static [PopupAction] {
        &[PopupAction::Choose, PopupAction::Back]
    }
}

impl App {
    /// The picker's template, sent as an answer to the message being replied to, if any.
    pub(super) fn send_template(&mut self, conversation_id: i64, ready: Ready) -> Effect {
        self.after_send();
        let reply = self.take_reply(conversation_id);
        Effect::Call(
            Tag::Send {
                conversation_id,
                text: None,
                reply: reply.clone().map(Box::new),
            },
            Request::Send {
                conversation_id,
                content: SendContent::Template {
                    name: ready.name,
                    language: ready.language,
                    params: ready.params,
                    header: ready.header,
                },
                reply_to: reply.map(|d| MessageRef::Id(d.message_id)),
            },
        )
    }
}
