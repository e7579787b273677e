//! The `:` command line's dispatch: what each command asks of the engine (the table of
//! commands, their arguments and their help is `cmdline::table`).

use super::*;
use crate::protocol::ConversationState;

impl App {
    /// `:quit`, `:filter text`, `:open 42`, or any action's name.
    pub fn run_command(&mut self, line: &str) -> Vec<Effect> {
        let line = line.trim();
        let (name, arg) = line.split_once(' ').unwrap_or((line, ""));
        // A new command: the answer to the last one is no longer news.
        self.notice = None;
        if name.is_empty() || !self.command_is_complete(name, arg.trim()) {
            return Vec::new();
        }
        match name {
            "q" | "quit" => vec![Effect::Quit],
            "help" => {
                self.open_help(true);
                Vec::new()
            }
            "attach" => self.attach_command(arg.trim()),
            "broadcasts" => {
                self.popup = Some(Popup::Broadcasts(Default::default()));
                vec![Effect::Call(Tag::Broadcasts, Request::ListBroadcasts)]
            }
            "queue-add" | "queue-rename" | "queue-remove" | "assign-number" | "agent-add"
            | "agent-admin" => self.admin_command(name, arg.trim()),
            "note" | "label" | "unlabel" | "close" | "reopen" | "snooze" | "search"
            | "transfer" | "assign" | "block" | "unblock" => {
                self.conversation_command(name, arg.trim())
            }
            "filter" => {
                self.list.filter = arg.trim().to_string();
                let s = self.cmdline_words();
                if self.list.filter.is_empty() {
                    self.info(s.filter_cleared);
                } else {
                    self.info(&fill(s.filter_set, &[&self.list.filter.clone()]));
                }
                self.restart_conversations();
                self.flush()
            }
            "open" => match arg.trim().parse::<i64>() {
                Ok(id) => match self.list.rows.iter().position(|c| c.view.id == id) {
                    Some(i) => {
                        self.list.outside_list = false;
                        self.list.selected = i;
                        self.open_selected()
                    }
                    // Not in this list (another view, a filter): asked of the engine and
                    // opened as a search result is; one the user may not see is "not found".
                    None => vec![Effect::Call(
                        Tag::OpenById,
                        Request::GetConversation {
                            conversation_id: id,
                        },
                    )],
                },
                Err(_) => {
                    self.error(self.t.open_needs_number.to_string());
                    Vec::new()
                }
            },
            other => match self.keymap.by_name(other) {
                Some(action) => self.pane_action(action),
                None => {
                    self.error(fill(self.t.unknown_command, &[other]));
                    Vec::new()
                }
            },
        }
    }

    /// `:note`, `:label`, `:unlabel`, `:close`, `:reopen`, `:snooze 2h` on the conversation in
    /// focus; `:search words`.
    fn conversation_command(&mut self, name: &str, arg: &str) -> Vec<Effect> {
        if name == "search" {
            let mut search = SearchState {
                query: arg.to_string(),
                ..SearchState::default()
            };
            let out = search.request();
            self.popup = Some(Popup::Search(search));
            return out
                .into_iter()
                .filter_map(|event| match event {
                    crate::tui::popup::PopupEvent::Call(tag, request) => {
                        Some(Effect::Call(tag, request))
                    }
                    _ => None,
                })
                .collect();
        }
        let Some(conversation_id) = self.focused_conversation_id() else {
            self.error(self.cmdline_words().no_conversation.to_string());
            return Vec::new();
        };
        match name {
            "transfer" | "assign" => {
                let (target, note) = arg.split_once(' ').unwrap_or((arg, ""));
                let note = Some(note.trim().to_string()).filter(|n| !n.is_empty());
                let (queue, agent) = if name == "transfer" {
                    (Some(target.to_string()), None)
                } else {
                    (None, Some(target.to_string()))
                };
                let moved = CmdTag::Moved {
                    to: target.to_string(),
                    agent: name == "assign",
                };
                vec![Effect::Call(
                    Tag::Cmdline(moved),
                    Request::Transfer {
                        conversation_id,
                        queue,
                        agent,
                        note,
                    },
                )]
            }
            "note" => vec![Effect::Call(
                Tag::Cmdline(CmdTag::Noted { conversation_id }),
                Request::AddNote {
                    conversation_id,
                    text: arg.to_string(),
                },
            )],
            "label" | "unlabel" => {
                let labels = vec![arg.to_string()];
                let tag = CmdTag::Labeled {
                    conversation_id,
                    label: arg.to_string(),
                    added: name == "label",
                };
                let (add, remove) = if name == "label" {
                    (labels, Vec::new())
                } else {
                    (Vec::new(), labels)
                };
                vec![Effect::Call(
                    Tag::Cmdline(tag),
                    Request::ChangeLabels {
                        conversation_id,
                        add,
                        remove,
                    },
                )]
            }
            "block" => vec![Effect::Call(
                Tag::Cmdline(CmdTag::Blocked { block: true }),
                Request::Block { conversation_id },
            )],
            "unblock" => vec![Effect::Call(
                Tag::Cmdline(CmdTag::Blocked { block: false }),
                Request::Unblock { conversation_id },
            )],
            "close" => vec![state_request(
                conversation_id,
                ConversationState::Closed,
                None,
            )],
            "reopen" => vec![state_request(
                conversation_id,
                ConversationState::Open,
                None,
            )],
            // A duration (`2h`), or a moment as the CLI's `--until` takes it (`17:30`,
            // `tomorrow`), in this machine's zone.
            _ => match crate::domain::time::parse_duration(arg)
                .map(|seconds| self.now + seconds)
                .or_else(|| crate::domain::time::parse_until_here(arg, self.now).ok())
            {
                Some(until) => vec![state_request(
                    conversation_id,
                    ConversationState::Snoozed,
                    Some(until),
                )],
                None => {
                    self.error(fill(self.t.bad_duration, &[arg]));
                    Vec::new()
                }
            },
        }
    }

    /// `:queue-add`, `:queue-rename`, `:queue-remove`, `:assign-number`, `:agent-add`,
    /// `:agent-admin`: the admin screen's changes, reopened on the answer.
    fn admin_command(&mut self, name: &str, arg: &str) -> Vec<Effect> {
        use crate::tui::admin_args::{AdminArgsError, admin_request};
        let request = match admin_request(name, arg) {
            Ok(request) => request,
            Err(AdminArgsError::TwoTenants(a, b)) => {
                self.error(crate::i18n::admin::agent_two_tenants(self.t.lang, &a, &b));
                return Vec::new();
            }
            Err(AdminArgsError::Unknown) => {
                self.error(fill(self.t.unknown_command, &[&format!("{name} {arg}")]));
                return Vec::new();
            }
        };
        let words: Vec<String> = arg.split_whitespace().map(String::from).collect();
        self.admin_command_says(name, &words, arg);
        self.popup = Some(Popup::Admin(crate::tui::popup::admin::AdminScreen {
            agents: self.admin_agents.take(),
            scroll: 0,
        }));
        vec![
            Effect::Call(Tag::AdminChange, request),
            Effect::Call(Tag::Agents, Request::ListAgents),
        ]
    }
}
