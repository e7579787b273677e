//! The inbox's global actions (those no pane took), by what they act on: the selected
//! message, the conversation in focus, the inbox itself.

use super::*;

impl App {
    /// On the message under the messages' cursor.
    pub(super) fn act_on_message(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Retry => self.retry_selected(),
            Action::Reply => self.start_reply(),
            Action::React => self.open_reaction_choice(),
            Action::Unreact => self.remove_reaction(),
            Action::SaveMedia => self.ask_where_to_save(),
            Action::OpenMedia => {
                let open = true;
                match self.open.as_ref().and_then(|o| o.selected_message()) {
                    Some(m) if m.view.media.is_some() => {
                        let message_id = m.view.id;
                        vec![Effect::Call(
                            Tag::Media { message_id, open },
                            // Offset 0: the link fetches every chunk into one answer.
                            Request::GetMedia {
                                message_id,
                                offset: 0,
                                len: None,
                            },
                        )]
                    }
                    _ => {
                        self.error(self.t.no_media.to_string());
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    /// On the conversation in focus (the one under the list's cursor, or the open one).
    pub(super) fn act_on_conversation(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Compose => {
                // From the list, "reply" answers the conversation under the cursor.
                let selected = self.list_target();
                let open = self.open.as_ref().map(OpenConversation::id);
                if open.is_none() || (self.focus == Focus::Conversations && selected != open) {
                    return self.open_selected_then(Focus::Composer);
                }
                self.focus = Focus::Composer;
                self.guard_closed_window()
            }
            Action::Send => self.send_composer(),
            // `:newline` from the lists still writes into the composer.
            Action::Newline => {
                self.composer.text.insert_newline();
                Vec::new()
            }
            Action::Templates => self.open_templates(),
            Action::NextUnread => self.newest_unread(),
            Action::MarkUnread => match self.focused_conversation_id() {
                Some(conversation_id) => vec![Effect::Call(
                    Tag::MarkUnread,
                    Request::MarkUnread { conversation_id },
                )],
                None => Vec::new(),
            },
            Action::ContactPanel => {
                self.contact.shown = !self.contact.shown;
                match (&self.open, self.contact.shown) {
                    (Some(open), true) => contact_requests(open.id()).to_vec(),
                    _ => Vec::new(),
                }
            }
            Action::CloseConversation => {
                let Some(id) = self.focused_conversation_id() else {
                    return Vec::new();
                };
                let closed = self
                    .list
                    .rows
                    .iter()
                    .find(|c| c.view.id == id)
                    .or(self.open.as_ref().map(|o| &o.row))
                    .is_some_and(|c| c.view.state == ConversationState::Closed);
                vec![state_request(
                    id,
                    if closed {
                        ConversationState::Open
                    } else {
                        ConversationState::Closed
                    },
                    None,
                )]
            }
            Action::Automation => {
                let Some(open) = &self.open else {
                    return Vec::new();
                };
                let id = open.id();
                self.popup = Some(Popup::Automation(Default::default()));
                vec![
                    Effect::Call(Tag::Sequences, Request::ListSequences),
                    crate::tui::app::enrollments_request(id),
                ]
            }
            Action::Claim => match self.focused_conversation_id() {
                Some(conversation_id) => {
                    vec![Effect::Call(Tag::Claim, Request::Claim { conversation_id })]
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Popups, panes and leaving.
    pub(super) fn act_on_inbox(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => vec![Effect::Quit],
            Action::Help => {
                self.open_help(false);
                Vec::new()
            }
            Action::Messages => {
                self.open_messages();
                Vec::new()
            }
            Action::CommandLine => {
                self.popup = Some(Popup::Command(String::new()));
                Vec::new()
            }
            Action::NextPane => {
                self.focus = self.cycle(1);
                Vec::new()
            }
            Action::PrevPane => {
                self.focus = self.cycle(-1);
                Vec::new()
            }
            // Moving is the panes' (no pane to move in: nothing happens).
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => Vec::new(),
            // The lists open in their panes; in the messages, Enter writes.
            Action::Open => match self.focus {
                Focus::Messages => self.act(Action::Compose),
                _ => Vec::new(),
            },
            Action::Back if self.focus == Focus::Composer && self.cancel_reply() => Vec::new(),
            Action::Back => {
                self.focus = match self.focus {
                    Focus::Composer => Focus::Messages,
                    Focus::Messages => Focus::Conversations,
                    _ => Focus::Sidebar,
                };
                Vec::new()
            }
            Action::Filter => {
                self.focus = Focus::Conversations;
                self.list.filter_editing = true;
                Vec::new()
            }
            Action::Editor => vec![Effect::Editor],
            Action::Search => {
                self.popup = Some(Popup::Search(SearchState::default()));
                Vec::new()
            }
            Action::Report => {
                if !self.admin {
                    let words = crate::i18n::report::for_lang(self.t.lang);
                    self.info(words.only_admins);
                    return Vec::new();
                }
                // Opened as its own keys would leave it: its questions go out as calls.
                let mut screen = crate::tui::popup::report::ReportScreen::default();
                let asks = screen.ask(self.now);
                self.apply(Popup::Report(Box::new(screen)), asks)
            }
            Action::Admin => {
                self.popup = Some(Popup::Admin(Default::default()));
                vec![Effect::Call(Tag::Agents, Request::ListAgents)]
            }
            Action::Snooze => {
                self.popup = Some(Popup::Command("snooze ".into()));
                Vec::new()
            }
            Action::Connect => self.open_wizard(),
            _ => Vec::new(),
        }
    }
}
