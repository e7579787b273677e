//! Keys while a popup is open (templates, search, help, the messages log, the admin screen...):
//! each popup takes them before the panes do.

use super::*;

impl App {
    pub(super) fn popup_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match self.popup {
            Some(Popup::Command(_)) => return self.command_key(key),
            Some(Popup::Help(_) | Popup::Messages(_)) => {
                self.pager_key(key);
                return Vec::new();
            }
            _ => {}
        }
        let Some(popup) = self.popup.as_mut() else {
            return Vec::new();
        };
        match popup {
            Popup::React(_) => return self.reaction_key(key),
            Popup::SaveAs(_) => return self.save_prompt_key(key),
            Popup::ConfirmQuit { .. } => return self.quit_answer(&key),
            // Answered above.
            Popup::Help(_) | Popup::Messages(_) | Popup::Command(_) => {}
            Popup::Search(search) => match key.code {
                KeyCode::Esc => self.popup = None,
                KeyCode::Up => search.selected = search.selected.saturating_sub(1),
                KeyCode::Down => {
                    let len = search.results.as_ref().map_or(0, Vec::len);
                    search.selected = (search.selected + 1).min(len.saturating_sub(1));
                }
                KeyCode::Enter => {
                    let hit = search
                        .results
                        .as_ref()
                        .and_then(|r| r.get(search.selected))
                        .cloned();
                    if let Some(hit) = hit {
                        self.popup = None;
                        return vec![Effect::Call(
                            Tag::Jump {
                                message_id: hit.message_id,
                            },
                            Request::GetConversation {
                                conversation_id: hit.conversation_id,
                            },
                        )];
                    }
                }
                KeyCode::Backspace => {
                    search.query.pop();
                    return search_request(search);
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    search.query.push(c);
                    return search_request(search);
                }
                _ => {}
            },
            Popup::Automation {
                sequences,
                selected,
            } => {
                let Some(open) = &self.open else {
                    self.popup = None;
                    return Vec::new();
                };
                let conversation_id = open.id();
                let running = &open.automation;
                let total = running.len() + sequences.as_ref().map_or(0, Vec::len);
                let enrollment = running.get(*selected);
                let sequence = selected
                    .checked_sub(running.len())
                    .and_then(|i| sequences.as_ref().and_then(|s| s.get(i)));
                let control = |id, control| {
                    vec![Effect::Call(
                        Tag::EnrollmentChange,
                        Request::ControlEnrollment { id, control },
                    )]
                };
                match key.code {
                    KeyCode::Esc | KeyCode::Char('q') => self.popup = None,
                    KeyCode::Down | KeyCode::Char('j') => {
                        *selected = (*selected + 1).min(total.saturating_sub(1))
                    }
                    KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
                    KeyCode::Enter => {
                        if let Some(s) = sequence {
                            let sequence = s.id.clone();
                            self.popup = None;
                            return vec![Effect::Call(
                                Tag::EnrollmentChange,
                                Request::Enroll {
                                    sequence,
                                    conversation_id,
                                },
                            )];
                        }
                    }
                    KeyCode::Char('p') | KeyCode::Char(' ') => {
                        if let Some(e) = enrollment {
                            let c = if e.state == crate::protocol::EnrollmentState::Paused {
                                crate::protocol::EnrollmentControl::Resume
                            } else {
                                crate::protocol::EnrollmentControl::Pause
                            };
                            return control(e.id, c);
                        }
                    }
                    KeyCode::Char('x') => {
                        if let Some(e) = enrollment {
                            return control(e.id, crate::protocol::EnrollmentControl::Stop);
                        }
                    }
                    _ => {}
                }
            }
            Popup::Admin { scroll, .. } => match key.code {
                KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                // The command line works over the admin screen: its changes show at once.
                KeyCode::Char(':') => {
                    let agents = match self.popup.take() {
                        Some(Popup::Admin { agents, .. }) => agents,
                        _ => None,
                    };
                    self.admin_agents = agents;
                    self.popup = Some(Popup::Command(String::new()));
                }
                _ => self.popup = None,
            },
            Popup::Templates(picker) => match key.code {
                KeyCode::Esc => {
                    let close = picker.back();
                    if close {
                        self.popup = None;
                    }
                }
                KeyCode::Up => picker.move_by(-1),
                KeyCode::Down | KeyCode::Tab => picker.move_by(1),
                KeyCode::BackTab => picker.move_by(-1),
                KeyCode::Backspace => picker.backspace(),
                KeyCode::Enter => {
                    if let Some(ready) = picker.enter() {
                        let conversation_id = picker.conversation_id;
                        self.popup = None;
                        self.after_send();
                        let reply = self.take_reply(conversation_id);
                        return vec![Effect::Call(
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
                        )];
                    }
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    picker.type_char(c)
                }
                _ => {}
            },
        }
        Vec::new()
    }
}
