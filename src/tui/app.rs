//! The inbox's state and how it answers keys, engine answers and pushed events. No IO here:
//! what must happen outside (a request, the bell, the editor) comes back as an `Effect`, and the
//! request it answers comes back with its `Tag`, so a stale answer is recognised and dropped.

use super::keymap::Keymap;
use super::picker::TemplatePicker;
pub use super::popup::search::SearchState;
use crate::domain::ServiceWindow;
use crate::i18n::Strings;
use crate::protocol::admin::TemplateView;
use crate::protocol::directory::AgentView;
use crate::protocol::views::ConversationView;
use crate::protocol::{ApiError, Request, Response};
use std::collections::HashMap;
use time::UtcOffset;

mod effect;
mod engine_clock;
mod incoming;
mod patch;
mod rows;

pub use effect::{Effect, Tag};
pub use rows::{ConversationRow, MessageRow, OpenConversation, SidebarItem};

/// Conversations asked for at a time; more as the agent scrolls down.
pub const CONVERSATION_PAGE: usize = 200;
/// Messages asked for at a time; older pages as the agent scrolls up.
pub const MESSAGE_PAGE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    Conversations,
    Messages,
    Composer,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help(super::pager::Pager),
    /// Every answer of the session, whole (`:messages`).
    Messages(super::pager::Pager),
    Templates(Box<TemplatePicker>),
    Command(String),
    Search(SearchState),
    /// Where to save the selected message's file (`s`).
    SaveAs(super::save::SavePrompt),
    /// Queues, agents and unrouted numbers, for admins; changed through `:` commands.
    Admin(super::popup::admin::AdminScreen),
    /// Our reaction to the selected message: a few common emoji, or any typed.
    React(super::answers::ReactionChoice),
    /// Ctrl+C in the composer: quit (drafts kept) or go back to what was there.
    ConfirmQuit {
        under: Option<Box<Popup>>,
    },
    /// The open conversation's sequences (pause, resume, stop) and those it may start.
    Automation(super::popup::automation::AutomationPopup),
    /// The team's figures with charts (`R`, admins).
    Report(Box<super::popup::report::ReportScreen>),
    /// The broadcasts the user may see, with their progress (`:broadcasts`).
    Broadcasts(super::popup::broadcasts::BroadcastsPopup),
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinkState {
    Connecting,
    Connected,
    Lost(String),
    /// Gone for good (the engine refuses the token): nothing more is tried.
    Ended(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// When it was shown; a success goes after `NOTICE_SECONDS`, an error at the next key.
    pub at: i64,
}

/// How long a notice stays in the top bar.
pub const NOTICE_SECONDS: i64 = 8;

/// Everything on screen.
pub struct App {
    pub t: &'static Strings,
    pub keymap: Keymap,
    pub offset: UtcOffset,
    /// The engine's now (its clock may have been moved: tests, the demo).
    pub now: i64,
    /// How far the engine's clock runs ahead of the system's (`EngineInfo`).
    pub clock_offset: i64,
    /// The user is an admin: a failure's advice names the command rather than "an admin must…".
    pub admin: bool,
    pub focus: Focus,
    pub link: LinkState,
    /// Views, queues and numbers (a pane).
    pub sidebar: super::pane::sidebar::Sidebar,
    /// The conversations of the chosen view (a pane).
    pub list: super::pane::list::ConversationList,
    /// Whose inbox this is, as the engine said on subscribing: "mine" lists are theirs.
    pub user: Option<String>,
    /// Shared by the messages pane (whose state it is), the composer, the contact panel and
    /// the popups that act on it.
    pub open: Option<OpenConversation>,
    /// The text being written (a pane).
    pub composer: super::pane::composer::Composer,
    /// What was typed in each conversation and not sent, kept across conversations and runs.
    pub drafts: super::drafts::Drafts,
    pub popup: Option<Popup>,
    pub templates: HashMap<String, Vec<TemplateView>>,
    pub notice: Option<Notice>,
    pub bell: bool,
    pub language: String,
    /// The contact panel beside the messages (a pane).
    pub contact: super::pane::contact::ContactPanel,
    /// The admin screen's agents while the command line is over it.
    pub admin_agents: Option<Vec<AgentView>>,
    /// The connect wizard, over the whole screen while it is open.
    pub wizard: Option<Box<super::wizard::Wizard>>,
    /// The `:` line's history and completion, and the log of answers.
    pub cmdline: super::cmdline::CmdlineState,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl App {
    /// Who an outgoing message of an agent is shown as: "You" for this inbox's user, else the
    /// one who sent it (a colleague, an admin): an admin reading a conversation must tell
    /// their own answers from the agent's.
    pub fn sender_of(&self, m: &crate::protocol::views::MessageView) -> String {
        match (&m.sent_by, &self.user) {
            (Some(by), Some(me)) if by != me => super::view::text::shown(by),
            _ => self.t.you.to_string(),
        }
    }

    pub fn new(t: &'static Strings, keymap: Keymap, offset: UtcOffset, now: i64) -> App {
        App {
            t,
            keymap,
            offset,
            now,
            clock_offset: 0,
            admin: false,
            focus: Focus::Conversations,
            link: LinkState::Connecting,
            sidebar: Default::default(),
            list: Default::default(),
            user: None,
            open: None,
            composer: Default::default(),
            drafts: super::drafts::Drafts::default(),
            popup: None,
            templates: HashMap::new(),
            notice: None,
            bell: false,
            language: if t.lang == crate::i18n::Lang::Es {
                "es".into()
            } else {
                "en".into()
            },
            contact: Default::default(),
            admin_agents: None,
            wizard: None,
            cmdline: super::cmdline::CmdlineState::new(),
            dirty: true,
        }
    }

    // ----- requests that keep the screen current -----

    /// Reloads whatever went stale; called once after a batch of events.
    pub fn flush(&mut self) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.link != LinkState::Connected {
            return out;
        }
        out.extend(self.sidebar.request());
        out.extend(self.list.request(self.sidebar.chosen_view()));
        out
    }

    /// The list must be asked for again, from the top (a new number, a new filter).
    pub(super) fn restart_conversations(&mut self) {
        self.list.restart();
        self.dirty = true;
    }

    /// Connected, or again after a loss: everything shown is read again unless the link took
    /// the pushes up where they stopped (`resumed`).
    pub fn on_connected(&mut self, resumed: bool) {
        self.link = LinkState::Connected;
        if !resumed {
            self.sidebar.reconnected();
            self.list.stale = true;
            self.list.loading = false;
        }
        self.dirty = true;
    }

    /// After a reconnect, the open conversation is read again too.
    pub fn reload_open(&mut self) -> Vec<Effect> {
        match &mut self.open {
            Some(open) => {
                open.loading = true;
                vec![focus_request(open.id()), messages_request(open.id(), None)]
            }
            None => Vec::new(),
        }
    }

    pub fn on_disconnected(&mut self, reason: String) {
        self.link = LinkState::Lost(reason);
        self.dirty = true;
    }

    pub fn on_ended(&mut self, reason: String) {
        self.link = LinkState::Ended(reason);
        self.dirty = true;
    }

    /// `system_now`: the system's clock; the engine's offset is added here.
    pub fn on_tick(&mut self, system_now: i64) {
        let now = system_now + self.clock_offset;
        // Countdowns show minutes: redraw when the minute turns, not every second (SSH).
        if now / 60 != self.now / 60 {
            self.dirty = true;
        }
        self.now = now;
        self.expire_notice(now);
    }

    /// A new answer replaces the one shown; every answer is kept in the log.
    pub fn info(&mut self, text: &str) {
        self.notice(text.to_string(), false);
    }

    pub fn error(&mut self, text: String) {
        self.notice(text, true);
    }

    fn notice(&mut self, text: String, error: bool) {
        let notice = Notice {
            text,
            error,
            at: self.now,
        };
        self.cmdline.log(&notice);
        self.notice = Some(notice);
        self.dirty = true;
    }

    pub fn composer_text(&self) -> String {
        self.composer.content()
    }

    pub fn set_composer_text(&mut self, text: &str) {
        self.composer.set_content(text);
        self.dirty = true;
    }

    /// The window of the open conversation, now.
    pub fn open_window(&self) -> Option<ServiceWindow> {
        self.open
            .as_ref()
            .map(|o| ServiceWindow::at(o.row.last_inbound, self.now))
    }
}

/// The contact panel's two requests: the contact, and the conversation's hands.
pub(super) fn contact_requests(conversation_id: i64) -> [Effect; 2] {
    [
        Effect::Call(
            Tag::Contact { conversation_id },
            Request::GetContact { conversation_id },
        ),
        Effect::Call(
            Tag::History { conversation_id },
            Request::History { conversation_id },
        ),
    ]
}

pub(super) fn enrollments_request(conversation_id: i64) -> Effect {
    Effect::Call(
        Tag::Enrollments { conversation_id },
        Request::ListEnrollments {
            conversation_id: Some(conversation_id),
            all: false,
        },
    )
}

/// Pushes carry this conversation's messages from now on (the others reach the inbox as their
/// rows); asked before its messages are read, so none falls between the read and the pushes.
pub(super) fn focus_request(conversation_id: i64) -> Effect {
    Effect::Call(
        Tag::Focus,
        Request::Focus {
            conversation_id: Some(conversation_id),
        },
    )
}

pub(super) fn messages_request(conversation_id: i64, before: Option<i64>) -> Effect {
    Effect::Call(
        Tag::Messages {
            conversation_id,
            older: before.is_some(),
        },
        Request::ListMessages {
            conversation_id,
            before,
            limit: Some(MESSAGE_PAGE),
        },
    )
}
