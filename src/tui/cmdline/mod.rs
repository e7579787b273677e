//! The `:` command line around the dispatcher (`input.rs`): Up/Down history, Tab completion,
//! the check of a line against the command table, the answer each command gives, and the log
//! of every answer of the session (`:messages`).
//!
//! Answers follow what aerc and neomutt users expect: a new answer replaces the old one; a
//! success goes by itself after a few seconds; an error stays until the next key, so it is not
//! missed while looking away; every answer can be read whole in the log.

mod answers;
pub mod complete;
pub mod history;
pub mod table;

use super::app::{App, Effect, Notice, Popup, Tag};
use super::keymap::{PopupAction, PopupKind};
use crate::i18n::cmdline::{CmdlineStrings, strings};
use crate::protocol::Request;
use complete::Sources;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use table::ArgKind;

/// Answers kept for `:messages`.
const LOG_KEEP: usize = 200;
/// An error younger than this survives a key: it came as the agent was typing.
const ERROR_READ_SECONDS: i64 = 2;

/// What a command's request was for, so its answer says what happened.
#[derive(Debug, Clone, PartialEq)]
pub enum CmdTag {
    /// Agents' names, for completion (admins only: others get none, silently).
    Agents,
    /// A contact's labels, for completing `:unlabel`.
    Labels {
        conversation_id: i64,
    },
    Labeled {
        conversation_id: i64,
        label: String,
        added: bool,
    },
    Noted {
        conversation_id: i64,
    },
    /// `:block` or `:unblock`.
    Blocked {
        block: bool,
    },
    /// `:transfer` (to a queue) or `:assign` (to an agent).
    Moved {
        to: String,
        agent: bool,
    },
}

/// One answer, as the log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub at: i64,
    pub text: String,
    pub error: bool,
}

/// Tab pressed more than once: the candidates, and which one is in the line.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// Where the completed word starts in the line.
    pub start: usize,
    pub candidates: Vec<String>,
    pub index: Option<usize>,
}

/// Up/Down through the history: where, and what was typed before (it filters the walk).
#[derive(Debug, Clone, PartialEq)]
struct Walk {
    index: usize,
    typed: String,
}

#[derive(Debug, Clone, Default)]
pub struct CmdlineState {
    /// Commands run, oldest first, without repeats.
    pub history: Vec<String>,
    walk: Option<Walk>,
    pub cycle: Option<Cycle>,
    /// A Tab waiting for agents or labels to arrive.
    pending_tab: bool,
    agents: Option<Vec<String>>,
    agents_asked: bool,
    /// A contact's labels (its conversation's id), asked for completion.
    contact_labels: Option<(i64, Vec<String>)>,
    /// Labels met this session, offered to `:label`.
    seen_labels: BTreeSet<String>,
    /// The history changed since it was last written.
    unsaved: bool,
    /// What an admin command will say when its answer comes.
    admin_done: Option<String>,
    pub log: VecDeque<LogEntry>,
    /// Where relative paths start, and `~`.
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
}

impl CmdlineState {
    pub fn new() -> CmdlineState {
        CmdlineState {
            cwd: std::env::current_dir().unwrap_or_default(),
            home: std::env::var_os("HOME").map(PathBuf::from),
            ..CmdlineState::default()
        }
    }

    /// Starts from the history kept by an earlier session.
    pub fn load_history(&mut self, entries: Vec<String>) {
        self.history = entries;
    }

    /// Whether the history must be written (and forgets it).
    pub fn take_unsaved(&mut self) -> bool {
        std::mem::take(&mut self.unsaved)
    }

    fn remember(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        self.history.retain(|h| h != line);
        self.history.push(line.to_string());
        let extra = self.history.len().saturating_sub(history::KEEP);
        self.history.drain(..extra);
        self.unsaved = true;
    }

    pub fn log(&mut self, notice: &Notice) {
        self.log.push_back(LogEntry {
            at: notice.at,
            text: notice.text.clone(),
            error: notice.error,
        });
        while self.log.len() > LOG_KEEP {
            self.log.pop_front();
        }
    }

    /// What an admin command says when it is done; `done` if none was set.
    pub fn take_admin_done(&mut self, done: &str) -> String {
        self.admin_done.take().unwrap_or_else(|| done.to_string())
    }
}

impl App {
    pub(super) fn cmdline_words(&self) -> &'static CmdlineStrings {
        strings(self.t.lang)
    }

    /// A key while the `:` line is open: `[keys.command]`'s actions, else editing the line.
    pub(super) fn command_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let action = self.keymap.popup_action(PopupKind::CommandLine, &key);
        match action {
            Some(PopupAction::Complete) => return self.complete(true),
            Some(PopupAction::CompleteBack) => return self.complete(false),
            Some(PopupAction::Older) => return self.recall(true),
            Some(PopupAction::Newer) => return self.recall(false),
            _ => {}
        }
        self.cmdline.cycle = None;
        self.cmdline.pending_tab = false;
        self.cmdline.walk = None;
        let Some(Popup::Command(line)) = &mut self.popup else {
            return Vec::new();
        };
        match action {
            Some(PopupAction::Close) => self.popup = None,
            Some(PopupAction::Choose) => {
                let line = std::mem::take(line);
                self.popup = None;
                self.cmdline.remember(&line);
                return self.run_command(&line);
            }
            Some(_) => {}
            None => {
                if edit_line(line, &key) {
                    self.popup = None;
                }
            }
        }
        Vec::new()
    }

    /// Up (older) or Down (newer) through the commands that start as the typed line does.
    fn recall(&mut self, older: bool) -> Vec<Effect> {
        let Some(Popup::Command(line)) = &mut self.popup else {
            return Vec::new();
        };
        let state = &mut self.cmdline;
        state.cycle = None;
        let history = &state.history;
        let (index, typed) = match state.walk.take() {
            Some(w) => (w.index, w.typed),
            None => (history.len(), line.clone()),
        };
        let matches = |i: &usize| history[*i].starts_with(typed.as_str());
        let found = if older {
            (0..index).rev().find(matches)
        } else {
            (index + 1..history.len()).find(matches)
        };
        match found {
            Some(i) => {
                *line = history[i].clone();
                state.walk = Some(Walk { index: i, typed });
            }
            // Past the newest: back to what was typed.
            None if !older => *line = typed,
            None => {
                if index < history.len() {
                    state.walk = Some(Walk { index, typed });
                }
            }
        }
        Vec::new()
    }

    /// Tab (forward) or Shift+Tab: one candidate is put in whole; several first extend what is
    /// typed as far as they agree, then cycle, shown in a line above the prompt.
    fn complete(&mut self, forward: bool) -> Vec<Effect> {
        let Some(Popup::Command(line)) = &self.popup else {
            return Vec::new();
        };
        let mut line = line.clone();
        if let Some(cycle) = &mut self.cmdline.cycle {
            let n = cycle.candidates.len();
            let next = match (cycle.index, forward) {
                (None, true) => 0,
                (None, false) => n - 1,
                (Some(i), true) => (i + 1) % n,
                (Some(i), false) => (i + n - 1) % n,
            };
            cycle.index = Some(next);
            line.truncate(cycle.start);
            line.push_str(&cycle.candidates[next]);
            self.popup = Some(Popup::Command(line));
            return Vec::new();
        }
        if let Some(wait) = self.fetch_for_completion(&line) {
            self.cmdline.pending_tab = true;
            return wait;
        }
        let sources = self.completion_sources(&line);
        let Some((start, candidates)) = complete::candidates(&line, &sources) else {
            return Vec::new();
        };
        match candidates.as_slice() {
            [] => {}
            [only] => {
                line.truncate(start);
                line.push_str(only);
                if !only.ends_with('/') {
                    line.push(' ');
                }
            }
            many => {
                let shared = complete::common_prefix(many);
                let typed = line.len() - start;
                if shared.len() > typed {
                    line.truncate(start);
                    line.push_str(&shared);
                }
                self.cmdline.cycle = Some(Cycle {
                    start,
                    candidates: candidates.clone(),
                    index: None,
                });
            }
        }
        self.popup = Some(Popup::Command(line));
        Vec::new()
    }

    /// Agents and a contact's labels are asked for when first needed; the Tab is done again
    /// when they arrive.
    fn fetch_for_completion(&mut self, line: &str) -> Option<Vec<Effect>> {
        let (_, kind) = complete::word_at_end(line)?;
        match kind? {
            ArgKind::Agent if self.cmdline.agents.is_none() && !self.cmdline.agents_asked => {
                self.cmdline.agents_asked = true;
                Some(vec![Effect::Call(
                    Tag::Cmdline(CmdTag::Agents),
                    Request::ListAgents,
                )])
            }
            ArgKind::Label => {
                let conversation_id = self.focused_conversation_id()?;
                let known = self
                    .cmdline
                    .contact_labels
                    .as_ref()
                    .is_some_and(|(id, _)| *id == conversation_id);
                let open_contact = self
                    .open
                    .as_ref()
                    .is_some_and(|o| o.id() == conversation_id)
                    && self.contact.details.is_some();
                if known || open_contact {
                    return None;
                }
                self.cmdline.contact_labels = Some((conversation_id, Vec::new()));
                Some(vec![Effect::Call(
                    Tag::Cmdline(CmdTag::Labels { conversation_id }),
                    Request::GetContact { conversation_id },
                )])
            }
            _ => None,
        }
    }

    fn completion_sources(&self, line: &str) -> Sources {
        let mut sources = Sources {
            cwd: self.cmdline.cwd.clone(),
            home: self.cmdline.home.clone(),
            ..Sources::default()
        };
        sources.actions = self
            .keymap
            .bindings
            .iter()
            .map(|b| b.action.name().to_string())
            .collect();
        sources.queues = self.sidebar.queues.iter().map(|q| q.name.clone()).collect();
        sources.queues.dedup();
        let tenants = self.sidebar.queues.iter().map(|q| q.tenant.clone());
        let mut tenants: Vec<String> = tenants
            .chain(self.sidebar.numbers.iter().map(|n| n.tenant.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        sources.tenants.append(&mut tenants);
        sources.numbers = self
            .sidebar
            .numbers
            .iter()
            .map(|n| n.display_phone.clone())
            .collect();
        sources.conversations = self
            .list
            .rows
            .iter()
            .map(|c| c.view.id.to_string())
            .collect();
        let agents: BTreeSet<String> = self
            .cmdline
            .agents
            .iter()
            .flatten()
            .cloned()
            .chain(self.admin_agents.iter().flatten().map(|a| a.user.clone()))
            .chain(
                self.sidebar
                    .queues
                    .iter()
                    .flat_map(|q| q.agents.iter().cloned()),
            )
            .chain(
                self.list
                    .rows
                    .iter()
                    .filter_map(|c| c.view.assignee.clone()),
            )
            .collect();
        sources.agents = agents.into_iter().collect();
        // `:unlabel` offers the contact's labels; `:label` every label met as well.
        let focused = self.focused_conversation_id();
        let contact: Option<Vec<String>> = match &self.cmdline.contact_labels {
            Some((id, labels)) if Some(*id) == focused => Some(labels.clone()),
            _ => self
                .contact
                .details
                .as_ref()
                .filter(|_| self.open.as_ref().map(|o| o.id()) == focused)
                .map(|c| c.labels.clone()),
        };
        sources.labels = match (line.starts_with("unlabel "), contact) {
            (true, Some(labels)) => labels,
            (_, contact) => contact
                .into_iter()
                .flatten()
                .chain(self.cmdline.seen_labels.iter().cloned())
                .collect(),
        };
        sources
    }
}

/// Editing the `:` line as readline does; true when Backspace on an empty line leaves it, as
/// in vim.
fn edit_line(line: &mut String, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Backspace if line.is_empty() => return true,
        KeyCode::Backspace => {
            line.pop();
        }
        // Clear the line, delete the word before the cursor.
        KeyCode::Char('u') if ctrl => line.clear(),
        KeyCode::Char('w') if ctrl => {
            let kept = line.trim_end().rfind(' ').map_or(0, |at| at + 1);
            line.truncate(kept);
        }
        KeyCode::Char(c) if !ctrl => line.push(c),
        _ => {}
    }
    false
}
