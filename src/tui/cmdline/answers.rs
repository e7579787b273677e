//! What commands answer, and how answers come and go: the check of a line against the table,
//! the words each command's answer says, the notice's lifetime, and the popups that show the
//! help and the log.

use super::{CmdTag, ERROR_READ_SECONDS, complete, table};
use crate::i18n::fill;
use crate::protocol::{ApiError, Response};
use crate::tui::app::{App, Effect, NOTICE_SECONDS, Popup};
use crate::tui::keymap::Action;
use crate::tui::pager::Pager;

impl App {
    /// The answer to a request a command (or its completion) made.
    pub(in crate::tui) fn cmdline_reply(
        &mut self,
        tag: CmdTag,
        result: Result<Response, ApiError>,
    ) -> Vec<Effect> {
        self.dirty = true;
        let s = self.cmdline_words();
        match (tag, result) {
            (CmdTag::Agents, result) => {
                let users = match result {
                    Ok(Response::Agents(list)) => list.into_iter().map(|a| a.user).collect(),
                    _ => Vec::new(), // not an admin: complete from what the list shows
                };
                self.cmdline.agents = Some(users);
                return self.tab_again();
            }
            (CmdTag::Labels { conversation_id }, result) => {
                let labels = match result {
                    Ok(Response::Contact(details)) => details.labels,
                    _ => Vec::new(),
                };
                self.cmdline.seen_labels.extend(labels.iter().cloned());
                self.cmdline.contact_labels = Some((conversation_id, labels));
                return self.tab_again();
            }
            (tag, Err(e)) => {
                let what = match &tag {
                    CmdTag::Labeled { label, added, .. } => {
                        format!(":{} {label}", if *added { "label" } else { "unlabel" })
                    }
                    CmdTag::Noted { .. } => ":note".into(),
                    CmdTag::Moved { to, agent } => {
                        format!(":{} {to}", if *agent { "assign" } else { "transfer" })
                    }
                    CmdTag::Blocked { block } => {
                        format!(":{}", if *block { "block" } else { "unblock" })
                    }
                    CmdTag::Agents | CmdTag::Labels { .. } => String::new(),
                };
                let why = crate::i18n::errors::word(self.t.lang, &e);
                self.error(fill(s.failed, &[&what, &why]));
            }
            (
                CmdTag::Labeled {
                    conversation_id,
                    label,
                    added,
                },
                Ok(Response::Contact(details)),
            ) => {
                self.cmdline.seen_labels.insert(label.clone());
                self.contact_answered(conversation_id, *details);
                let text = if added {
                    s.label_added
                } else {
                    s.label_removed
                };
                self.info(&fill(text, &[&label]));
            }
            (CmdTag::Noted { conversation_id }, Ok(Response::Contact(details))) => {
                self.contact_answered(conversation_id, *details);
                self.info(s.note_added);
            }
            (CmdTag::Blocked { block }, Ok(_)) => {
                self.info(if block { s.blocked } else { s.unblocked });
            }
            (CmdTag::Moved { to, agent }, Ok(_)) => {
                let text = if agent {
                    s.assigned_to
                } else {
                    s.moved_to_queue
                };
                self.info(&fill(text, &[&to]));
            }
            (_, Ok(_)) => self.info(self.t.done),
        }
        Vec::new()
    }

    /// A note or label changed the contact: the panel shows it, and completion knows it.
    fn contact_answered(
        &mut self,
        conversation_id: i64,
        details: crate::protocol::admin::ContactDetails,
    ) {
        self.cmdline.contact_labels = Some((conversation_id, details.labels.clone()));
        if self.open.as_ref().map(|o| o.id()) == Some(conversation_id) {
            self.contact.details = Some(details);
        }
    }

    fn tab_again(&mut self) -> Vec<Effect> {
        let waiting = std::mem::take(&mut self.cmdline.pending_tab);
        if waiting && matches!(self.popup, Some(Popup::Command(_))) {
            return self.complete(true);
        }
        Vec::new()
    }

    /// Whether a line names a command and gives it what it needs; if not, says what is wrong.
    pub(in crate::tui) fn command_is_complete(&mut self, name: &str, arg: &str) -> bool {
        let s = self.cmdline_words();
        if let Some(command) = table::find(name) {
            if arg.split_whitespace().count() < command.required() {
                let usage = command.usage(self.t.lang);
                self.error(fill(s.needs_args, &[name, &usage]));
                return false;
            }
            return true;
        }
        if self.keymap.by_name(name).is_some() {
            return true;
        }
        let names = table::COMMANDS
            .iter()
            .map(|c| c.name)
            .chain(self.keymap.bindings.iter().map(|b| b.action.name()));
        let text = match complete::closest(name, names) {
            Some(near) => fill(s.did_you_mean, &[name, near]),
            None => fill(s.unknown, &[name]),
        };
        self.error(text);
        false
    }

    /// Remembered until the admin command's answer arrives.
    pub(in crate::tui) fn admin_command_says(&mut self, name: &str, words: &[String], arg: &str) {
        let s = self.cmdline_words();
        let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let text = match name {
            "queue-add" => fill(s.queue_added, &[arg]),
            "queue-rename" => fill(s.queue_renamed, &[word(0), word(1)]),
            "queue-remove" => fill(s.queue_removed, &[arg]),
            "assign-number" => fill(
                s.number_assigned,
                &[word(0), &words.get(1..).unwrap_or_default().join(" ")],
            ),
            "agent-admin" => fill(s.admin_added, &[word(0)]),
            _ => fill(s.agent_added, &[word(0)]),
        };
        self.cmdline.admin_done = Some(text);
    }

    /// A key pressed: an error shown until now has been seen (neomutt's rule); it stays in the
    /// log. One that arrived a moment ago was maybe not read yet: it waits for a later key.
    pub(in crate::tui) fn dismiss_error(&mut self) {
        let now = self.now;
        if self
            .notice
            .as_ref()
            .is_some_and(|n| n.error && now - n.at >= ERROR_READ_SECONDS)
        {
            self.notice = None;
        }
    }

    /// A success goes by itself; an error waits for a key.
    pub(in crate::tui) fn expire_notice(&mut self, now: i64) {
        if self
            .notice
            .as_ref()
            .is_some_and(|n| !n.error && now - n.at >= NOTICE_SECONDS)
        {
            self.notice = None;
            self.dirty = true;
        }
    }

    /// The help, at its top (`?`) or at the commands (`:help`).
    pub(in crate::tui) fn open_help(&mut self, at_commands: bool) {
        let at = if at_commands {
            crate::tui::view::help::commands_line(&self.keymap)
        } else {
            0
        };
        self.popup = Some(Popup::Help(Pager::at(at)));
    }

    /// The log of answers, at its newest.
    pub(in crate::tui) fn open_messages(&mut self) {
        self.popup = Some(Popup::Messages(Pager::at(usize::MAX)));
    }

    /// The key that opens the log, for hints (`:messages` if it has none).
    pub fn messages_key(&self) -> String {
        self.keymap
            .key_of(crate::tui::keymap::Scope::Lists, Action::Messages)
    }
}
