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
        self.dirty = true;
        let mut out = Vec::new();
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                match tag {
                    Tag::Conversations { .. } => self.list.loading = false,
                    Tag::Numbers => self.sidebar.loading = false,
                    Tag::Send {
                        conversation_id,
                        text,
                        reply,
                    } => {
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
                    Tag::Templates { .. } => {
                        if let Some(Popup::Templates(p)) = &mut self.popup {
                            p.set_templates(Vec::new());
                        }
                    }
                    _ => {}
                }
                self.error(crate::i18n::errors::word(self.t.lang, &e));
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
            }
            (
                Tag::Messages {
                    conversation_id,
                    older,
                },
                Response::Messages(list),
            ) => {
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
            }
            (Tag::Message { conversation_id }, Response::Message(m)) => {
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
                let added = open.upsert(MessageRow::new(*m));
                // The agent is looking at it: the customer sees it read, as in WhatsApp.
                if added && from_customer && focused {
                    out.push(Effect::Call(
                        Tag::MarkRead,
                        Request::MarkRead { conversation_id },
                    ));
                }
            }
            (Tag::Templates { waba_id }, Response::Templates(list)) => {
                self.templates.insert(waba_id, list.clone());
                if let Some(Popup::Templates(p)) = &mut self.popup {
                    p.set_templates(list);
                }
            }
            (Tag::Send { .. }, Response::Queued(_)) => self.info(self.t.queued_notice),
            (Tag::Claim, Response::Conversation(_)) => self.info(self.t.claimed),
            (Tag::Agents, Response::Agents(list)) => {
                if let Some(Popup::Admin(admin)) = &mut self.popup {
                    admin.agents = Some(list);
                }
            }
            (Tag::AdminChange, Response::Agents(list)) => {
                if let Some(Popup::Admin(admin)) = &mut self.popup {
                    admin.agents = Some(list);
                }
                let done = self.cmdline.take_admin_done(self.t.done);
                self.info(&done);
            }
            (Tag::AdminChange, Response::Queues(queues)) => {
                self.sidebar.queues = queues;
                self.sidebar.stale = true;
                let done = self.cmdline.take_admin_done(self.t.done);
                self.info(&done);
                out.extend(self.flush());
            }
            (Tag::Transfer, Response::Conversation(_)) => self.info(self.t.transferred),
            (Tag::Enrollments { conversation_id }, Response::Enrollments(list)) => {
                if let Some(open) = self.open.as_mut().filter(|o| o.id() == conversation_id) {
                    open.automation = list;
                }
            }
            (Tag::Sequences, Response::Sequences(v)) => {
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
            (Tag::EnrollmentChange, Response::Enrollment(e)) => {
                if e.state == crate::protocol::EnrollmentState::Active && e.log.len() <= 1 {
                    self.info(self.t.automation_enrolled);
                } else {
                    self.info(self.t.done);
                }
                out.push(enrollments_request(e.conversation_id));
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
            (Tag::Jump { message_id }, Response::Conversation(view)) => {
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
            (Tag::ConversationState, Response::Conversation(view)) => {
                use crate::protocol::ConversationState;
                let text = match view.state {
                    ConversationState::Closed => self.t.closed_notice.to_string(),
                    ConversationState::Snoozed => {
                        let until = view
                            .snoozed_until
                            .map(|t| {
                                crate::tui::clock::future_time(t, self.now, self.offset, self.t)
                            })
                            .unwrap_or_default();
                        crate::i18n::fill(self.t.snoozed_notice, &[&until])
                    }
                    ConversationState::Open | ConversationState::Pending => {
                        self.t.reopened_notice.to_string()
                    }
                };
                self.info(&text);
            }
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
}
