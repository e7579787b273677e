//! What comes from the engine: the events it pushes and the answers to the inbox's requests.
//! Each answer comes back with the `Tag` of its request, so one for a list no longer shown is
//! recognised and dropped.

use super::*;

impl App {
    pub fn on_reply(&mut self, tag: Tag, result: Result<Response, ApiError>) -> Vec<Effect> {
        if let Tag::Wizard(tag) = tag {
            return self.wizard_reply(tag, result);
        }
        if let Tag::Cmdline(tag) = tag {
            return self.cmdline_reply(tag, result);
        }
        if let Tag::Hello = tag {
            self.hello_reply(result);
            return Vec::new();
        }
        if let (Tag::Focus, Ok(_)) = (&tag, &result) {
            return Vec::new(); // nothing to show
        }
        self.dirty = true;
        let mut out = Vec::new();
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                self.refused(tag, &e);
                return out;
            }
        };
        match (tag, response) {
            (Tag::Numbers, Response::Numbers(numbers)) => {
                self.sidebar.loading = false;
                self.sidebar.numbers = numbers;
                out.extend(self.flush());
                self.sidebar.clamp();
            }
            (Tag::Conversations { generation }, Response::Conversations(list)) => {
                if generation != self.list.generation {
                    return out; // an answer for a list no longer shown
                }
                out.extend(self.conversations_reply(list));
            }
            (
                Tag::Messages {
                    conversation_id,
                    older,
                },
                Response::Messages(list),
            ) => out.extend(self.messages_reply(conversation_id, older, list)),
            (Tag::Message { conversation_id }, Response::Message(m)) => {
                out.extend(self.message_reply(conversation_id, *m));
            }
            (Tag::Templates { waba_id }, Response::Templates(list)) => {
                self.templates.insert(waba_id, list.clone());
                if let Some(Popup::Templates(p)) = &mut self.popup {
                    p.set_templates(list);
                }
            }
            (Tag::Send { .. }, Response::Queued(_)) => self.info(self.t.queued_notice),
            (Tag::Claim, Response::Conversation(view)) => {
                let said = about(&view, self.t.claimed);
                self.info(&said)
            }
            (
                Tag::Report {
                    generation,
                    by_agent,
                },
                Response::Report(report),
            ) => {
                if let Some(Popup::Report(screen)) = &mut self.popup {
                    screen.answered(generation, by_agent, *report);
                }
            }
            (Tag::Agents, Response::Agents(list)) => {
                if let Some(Popup::Admin(admin)) = &mut self.popup {
                    admin.agents = Some(list);
                }
            }
            (Tag::AdminChange, Response::Agents(list)) => self.agents_changed(list),
            (Tag::AdminChange, Response::Queues(queues)) => {
                out.extend(self.queues_changed(queues));
            }
            (Tag::Transfer, Response::Conversation(_)) => self.info(self.t.transferred),
            (Tag::Enrollments { conversation_id }, Response::Enrollments(list)) => {
                if let Some(open) = self.open.as_mut().filter(|o| o.id() == conversation_id) {
                    open.automation = list;
                }
            }
            (Tag::Sequences, Response::Sequences(v)) => self.sequences_reply(*v),
            (Tag::Broadcasts, Response::Broadcasts(list)) => {
                if let Some(Popup::Broadcasts(popup)) = &mut self.popup {
                    popup.selected = popup.selected.min(list.len().saturating_sub(1));
                    popup.list = Some(list);
                    popup.asking = false;
                }
            }
            (Tag::BroadcastChange, Response::Broadcast(view)) => {
                if let Some(Popup::Broadcasts(popup)) = &mut self.popup {
                    popup.changed(*view);
                }
                self.info(self.t.done);
            }
            (Tag::EnrollmentChange, Response::Enrollment(e)) => {
                out.push(self.enrollment_changed(&e));
            }
            (Tag::Queues, Response::Queues(queues)) => {
                self.sidebar.queues = queues;
                self.sidebar.clamp();
            }
            (Tag::Counts, Response::ConversationCounts(counts)) => {
                self.sidebar.counts = Some(counts)
            }
            (Tag::Attention, Response::Attention { unrouted, invalid }) => {
                self.sidebar.unrouted = unrouted;
                self.sidebar.invalid = invalid;
            }
            (Tag::Search { generation }, Response::SearchResults(hits)) => {
                if let Some(Popup::Search(s)) = &mut self.popup
                    && s.generation == generation
                {
                    s.results = Some(hits);
                    s.selected = 0;
                }
            }
            (Tag::OpenById, Response::Conversation(view)) => {
                out.extend(self.open_conversation(
                    ConversationRow::new(*view),
                    Focus::Messages,
                    None,
                ));
            }
            (Tag::Jump { message_id }, Response::Conversation(view)) => {
                // "Go to the message": the contact panel, if shown, would stand where it is.
                self.contact.shown = false;
                out.extend(self.open_conversation(
                    ConversationRow::new(*view),
                    Focus::Messages,
                    Some(message_id),
                ));
            }
            (Tag::Contact { conversation_id }, Response::Contact(details))
                if self.open.as_ref().map(OpenConversation::id) == Some(conversation_id) =>
            {
                self.contact.details = Some(*details);
            }
            (Tag::History { conversation_id }, Response::History(events))
                if self.open.as_ref().map(OpenConversation::id) == Some(conversation_id) =>
            {
                self.contact.history = events;
            }
            (Tag::ConversationState, Response::Conversation(view)) => self.state_reply(&view),
            (Tag::Retry, _) => self.info(self.t.retried),
            (Tag::React, _) => self.info(self.t.reaction_queued),
            (Tag::MarkUnread, _) => self.info(self.t.marked_unread),
            (Tag::Media { open, .. }, Response::Media(file)) => {
                out.push(Effect::SaveFile { file, open });
            }
            (Tag::SaveAs { path }, Response::Media(file)) => {
                out.push(Effect::SaveFileAs { file, path });
            }
            _ => {}
        }
        out
    }

    /// A request refused: what was waiting for it stops waiting, and the agent is told why.
    fn refused(&mut self, tag: Tag, e: &ApiError) {
        match tag {
            Tag::Conversations { .. } => self.list.loading = false,
            Tag::Numbers => self.sidebar.loading = false,
            Tag::Send {
                conversation_id,
                text,
                reply,
            } => self.send_refused(conversation_id, text, reply),
            Tag::Templates { .. } => {
                if let Some(Popup::Templates(p)) = &mut self.popup {
                    p.set_templates(Vec::new());
                }
            }
            // The report screen says why instead of counting for ever.
            Tag::Report { generation, .. } => {
                if let Some(Popup::Report(screen)) = &mut self.popup
                    && screen.generation == generation
                {
                    screen.error = Some(crate::i18n::errors::word(self.t.lang, e));
                }
            }
            _ => {}
        }
        self.error(crate::i18n::errors::word(self.t.lang, e));
    }

    fn send_refused(
        &mut self,
        conversation_id: i64,
        text: Option<String>,
        reply: Option<Box<crate::tui::answers::ReplyDraft>>,
    ) {
        // Nothing typed is lost: the refused text comes back to the composer,
        // with the message it answered (or to its conversation's draft, if
        // the agent has moved on).
        let here = self.open.as_ref().map(OpenConversation::id);
        if let Some(text) = text {
            if here != Some(conversation_id) {
                self.drafts.give_back(conversation_id, &text);
            } else if self.composer_text().trim().is_empty() {
                self.composer.set_content(&text);
            }
        }
        if self.composer.reply_to.is_none() {
            self.composer.reply_to = reply.map(|r| *r);
        }
    }

    /// The conversation list, as the answer for the list shown now.
    fn conversations_reply(&mut self, list: Vec<ConversationView>) -> Vec<Effect> {
        let mut out = Vec::new();
        let rang = self.list.rang(&list);
        self.list.replace(list);
        if let Some(open) = &mut self.open
            && let Some(row) = self.list.rows.iter().find(|c| c.view.id == open.id())
        {
            open.row = row.clone();
        }
        self.follow_open_into_list();
        if rang && self.bell {
            out.push(Effect::Bell);
        }
        out.extend(self.flush());
        out
    }

    /// A page of the open conversation's messages: the newest, or older ones above them.
    fn messages_reply(
        &mut self,
        conversation_id: i64,
        older: bool,
        list: Vec<crate::protocol::views::MessageView>,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        let Some(open) = self.open.as_mut().filter(|o| o.id() == conversation_id) else {
            return out;
        };
        open.loading = false;
        open.has_older = list.len() >= MESSAGE_PAGE;
        let rows: Vec<MessageRow> = list.into_iter().map(MessageRow::new).collect();
        if older {
            let added = rows.len();
            open.messages.splice(0..0, rows);
            open.selected += added;
            open.selected = open.selected.saturating_sub(1);
        } else {
            open.messages = rows;
            open.selected = open.messages.len().saturating_sub(1);
        }
        if let Some(target) = open.seek {
            if let Some(i) = open.messages.iter().position(|m| m.view.id == target) {
                open.selected = i;
                open.seek = None;
            } else if open.has_older {
                open.loading = true;
                let before = open.messages.first().map(|m| m.view.id);
                out.push(messages_request(open.id(), before));
            } else {
                open.seek = None;
            }
        }
        out
    }

    /// One message, new or changed, in the open conversation.
    fn message_reply(
        &mut self,
        conversation_id: i64,
        m: crate::protocol::views::MessageView,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        let focused = matches!(self.focus, Focus::Messages | Focus::Composer);
        let Some(open) = self.open.as_mut().filter(|o| o.id() == conversation_id) else {
            return out;
        };
        let from_customer = m.direction == crate::protocol::Direction::In
            && m.origin == crate::protocol::Origin::Customer;
        if !m.in_timeline() {
            // Our reaction's own row: it shows on the message it reacts to instead.
            open.messages.retain(|x| x.view.id != m.id);
            return out;
        }
        let added = open.upsert(MessageRow::new(m));
        // The agent is looking at it: the customer sees it read, as in WhatsApp.
        if added && from_customer && focused {
            out.push(Effect::Call(
                Tag::MarkRead,
                Request::MarkRead { conversation_id },
            ));
        }
        out
    }

    /// An admin's change to the agents, done.
    fn agents_changed(&mut self, list: Vec<AgentView>) {
        if let Some(Popup::Admin(admin)) = &mut self.popup {
            admin.agents = Some(list);
        }
        let done = self.cmdline.take_admin_done(self.t.done);
        self.info(&done);
    }

    /// An admin's change to the queues, done: the sidebar shows them anew.
    fn queues_changed(
        &mut self,
        queues: Vec<crate::protocol::directory::QueueView>,
    ) -> Vec<Effect> {
        self.sidebar.queues = queues;
        self.sidebar.stale = true;
        let done = self.cmdline.take_admin_done(self.t.done);
        self.info(&done);
        self.flush()
    }

    /// An enrollment started or changed: the agent is told, and the conversation's list of
    /// enrollments is read again.
    fn enrollment_changed(&mut self, e: &crate::protocol::EnrollmentView) -> Effect {
        if e.state == crate::protocol::EnrollmentState::Active && e.log.len() <= 1 {
            self.info(self.t.automation_enrolled);
        } else {
            self.info(self.t.done);
        }
        enrollments_request(e.conversation_id)
    }

    /// The sequences the automation popup offers: those of the open conversation's tenant.
    fn sequences_reply(&mut self, v: crate::protocol::SequencesView) {
        let tenant = self.open.as_ref().map(|o| o.row.view.tenant.clone());
        if let Some(Popup::Automation(popup)) = &mut self.popup {
            popup.sequences = Some(
                v.sequences
                    .into_iter()
                    .filter(|s| {
                        tenant
                            .as_deref()
                            .is_some_and(|t| t.eq_ignore_ascii_case(&s.tenant))
                    })
                    .collect(),
            );
        }
    }

    /// A conversation closed, snoozed or reopened: the agent is told which.
    fn state_reply(&mut self, view: &ConversationView) {
        use crate::protocol::ConversationState;
        let text = match view.state {
            ConversationState::Closed => self.t.closed_notice.to_string(),
            ConversationState::Snoozed => {
                let until = view
                    .snoozed_until
                    .map(|t| crate::tui::clock::future_time(t, self.now, self.offset, self.t))
                    .unwrap_or_default();
                crate::i18n::fill(self.t.snoozed_notice, &[&until])
            }
            ConversationState::Open | ConversationState::Pending => {
                self.t.reopened_notice.to_string()
            }
        };
        self.info(&about(view, &text));
    }
}

/// An action's answer with the conversation it was about: `Sheena Nelson: snoozed until 09:00`.
/// A `:snooze` typed with no conversation open acts on the list's selected row, and the
/// answers log (`L`) read "snoozed until …" lines that named nobody.
fn about(view: &ConversationView, said: &str) -> String {
    let who = super::rows::ConversationRow::new(view.clone()).title();
    format!("{}: {said}", crate::tui::view::text::shown(&who))
}
