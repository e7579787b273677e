//! The inbox's state and how it answers keys, engine answers and pushed events. No IO here:
//! what must happen outside (a request, the bell, the editor) comes back as an `Effect`, and the
//! request it answers comes back with its `Tag`, so a stale answer is recognised and dropped.

use super::keymap::Keymap;
use super::picker::TemplatePicker;
pub use super::popup::search::SearchState;
use crate::domain::ServiceWindow;
use crate::i18n::Strings;
use crate::protocol::admin::ContactDetails;
use crate::protocol::admin::TemplateView;
use crate::protocol::directory::ConversationCounts;
use crate::protocol::directory::NumberView;
use crate::protocol::directory::{AgentView, QueueView};
use crate::protocol::views::ConversationView;
use crate::protocol::views::{QueueSelection, StateFilter};
use crate::protocol::{ApiError, Request, Response};
use ratatui_textarea::TextArea;
use std::collections::{BTreeMap, HashMap};
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
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinkState {
    Connecting,
    Connected,
    Lost(String),
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
    pub numbers: Vec<NumberView>,
    pub queues: Vec<QueueView>,
    pub sidebar_selected: usize,
    pub conversations: Vec<ConversationRow>,
    pub conversation_selected: usize,
    /// The conversation the agent put the cursor on; it stays under the cursor as the list
    /// reorders. Until the agent moves, the cursor stays at the top (the newest).
    pub conversation_pinned: Option<i64>,
    pub conversation_limit: usize,
    /// The open conversation is not in the list (a search result from elsewhere): the list's
    /// actions act on it, not on a row, until the agent moves the cursor.
    pub open_outside_list: bool,
    /// How many conversations the sidebar's own views list, once the engine has said.
    pub counts: Option<ConversationCounts>,
    /// Whose inbox this is, as the engine said on subscribing: "mine" lists are theirs.
    pub user: Option<String>,
    pub generation: u64,
    pub filter: String,
    pub filter_editing: bool,
    pub open: Option<OpenConversation>,
    pub composer: TextArea<'static>,
    /// The message the composer's text answers (`R` on a message; Esc cancels).
    pub reply_to: Option<super::answers::ReplyDraft>,
    /// What was typed in each conversation and not sent, kept across conversations and runs.
    pub drafts: super::drafts::Drafts,
    pub popup: Option<Popup>,
    pub templates: HashMap<String, Vec<TemplateView>>,
    pub notice: Option<Notice>,
    pub bell: bool,
    pub canned: BTreeMap<String, String>,
    pub language: String,
    /// The contact panel beside the messages.
    pub contact_panel: bool,
    /// The open conversation's contact, when the panel has asked for it.
    pub contact: Option<ContactDetails>,
    /// Who claimed and moved the open conversation (the contact panel shows it).
    pub history: Vec<crate::protocol::directory::HandEvent>,
    /// The admin screen's agents while the command line is over it.
    pub admin_agents: Option<Vec<AgentView>>,
    /// Deliveries naming a number wabox does not know, and unreadable ones (admins' warning).
    pub unrouted: i64,
    pub invalid: i64,
    /// The connect wizard, over the whole screen while it is open.
    pub wizard: Option<Box<super::wizard::Wizard>>,
    /// The `:` line's history and completion, and the log of answers.
    pub cmdline: super::cmdline::CmdlineState,
    /// Something changed since the last frame.
    pub dirty: bool,
    pub(super) numbers_stale: bool,
    /// One numbers request at a time: counting waiting customers is not free on a big store.
    numbers_loading: bool,
    /// The engine caches the counts for a second: after a burst of changes, ask once more when
    /// that has passed, so the last answer of a burst is not a stale one.
    numbers_recheck_at: Option<i64>,
    /// The coming numbers request is that second look (it schedules no other).
    numbers_rechecking: bool,
    pub(super) conversations_stale: bool,
    pub(super) conversations_loading: bool,
    pub(super) seen_unread: HashMap<i64, i64>,
}

impl App {
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
            numbers: Vec::new(),
            queues: Vec::new(),
            sidebar_selected: 0,
            conversations: Vec::new(),
            conversation_selected: 0,
            conversation_pinned: None,
            conversation_limit: CONVERSATION_PAGE,
            open_outside_list: false,
            counts: None,
            user: None,
            generation: 0,
            filter: String::new(),
            filter_editing: false,
            open: None,
            composer: new_composer(),
            reply_to: None,
            drafts: super::drafts::Drafts::default(),
            popup: None,
            templates: HashMap::new(),
            notice: None,
            bell: false,
            canned: BTreeMap::new(),
            language: if t.lang == crate::i18n::Lang::Es {
                "es".into()
            } else {
                "en".into()
            },
            contact_panel: false,
            contact: None,
            history: Vec::new(),
            unrouted: 0,
            invalid: 0,
            admin_agents: None,
            wizard: None,
            cmdline: super::cmdline::CmdlineState::new(),
            dirty: true,
            numbers_stale: true,
            numbers_loading: false,
            numbers_recheck_at: None,
            numbers_rechecking: false,
            conversations_stale: true,
            conversations_loading: false,
            seen_unread: HashMap::new(),
        }
    }

    // ----- what the sidebar offers -----

    /// My views, then per tenant its queues with their numbers, then its numbers without a queue.
    pub fn sidebar_items(&self) -> Vec<SidebarItem> {
        let mut items = vec![
            SidebarItem::All,
            SidebarItem::Mine,
            SidebarItem::Unassigned,
            SidebarItem::Snoozed,
            SidebarItem::Closed,
        ];
        let mut tenants: Vec<&str> = Vec::new();
        for t in self
            .queues
            .iter()
            .map(|q| q.tenant.as_str())
            .chain(self.numbers.iter().map(|n| n.tenant.as_str()))
        {
            if !tenants.contains(&t) {
                tenants.push(t);
            }
        }
        for tenant in tenants {
            items.push(SidebarItem::Tenant(tenant.to_string()));
            for q in self.queues.iter().filter(|q| q.tenant == tenant) {
                items.push(SidebarItem::Queue(q.clone()));
                for n in &self.numbers {
                    if n.tenant == tenant && n.queue.as_deref() == Some(q.name.as_str()) {
                        items.push(SidebarItem::Number(n.clone()));
                    }
                }
            }
            let orphans: Vec<&NumberView> = self
                .numbers
                .iter()
                .filter(|n| n.tenant == tenant && n.queue.is_none())
                .collect();
            if !orphans.is_empty() {
                items.push(SidebarItem::NoQueue(tenant.to_string()));
                items.extend(orphans.into_iter().cloned().map(SidebarItem::Number));
            }
        }
        items
    }

    /// The number, queue view and state the conversation list shows: open ones, but in the
    /// snoozed and closed views.
    fn chosen_view(&self) -> (Option<String>, Option<QueueSelection>, StateFilter) {
        let open = StateFilter::Open;
        match self.sidebar_items().get(self.sidebar_selected) {
            Some(SidebarItem::Number(n)) => (Some(n.phone_number_id.clone()), None, open),
            Some(SidebarItem::Queue(q)) => (None, Some(QueueSelection::Queue(q.id)), open),
            Some(SidebarItem::NoQueue(_)) => (None, Some(QueueSelection::NoQueue), open),
            Some(SidebarItem::Mine) => (None, Some(QueueSelection::Mine), open),
            Some(SidebarItem::Unassigned) => (None, Some(QueueSelection::Unassigned), open),
            Some(SidebarItem::Snoozed) => (None, None, StateFilter::Snoozed),
            Some(SidebarItem::Closed) => (None, None, StateFilter::Closed),
            _ => (None, None, open),
        }
    }

    // ----- requests that keep the screen current -----

    /// Reloads whatever went stale; called once after a batch of events.
    pub fn flush(&mut self) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.link != LinkState::Connected {
            return out;
        }
        if self.numbers_stale && !self.numbers_loading {
            self.numbers_stale = false;
            self.numbers_loading = true;
            if !std::mem::take(&mut self.numbers_rechecking) {
                self.numbers_recheck_at = Some(self.now + 2);
            }
            out.push(Effect::Call(Tag::Numbers, Request::ListNumbers));
            out.push(Effect::Call(Tag::Queues, Request::ListQueues));
            out.push(Effect::Call(Tag::Attention, Request::Attention));
            out.push(Effect::Call(Tag::Counts, Request::ConversationCounts));
        }
        if self.conversations_stale && !self.conversations_loading {
            let (phone_number_id, queue, state) = self.chosen_view();
            self.conversations_stale = false;
            self.conversations_loading = true;
            out.push(Effect::Call(
                Tag::Conversations {
                    generation: self.generation,
                },
                Request::ListConversations {
                    before: None,
                    phone_number_id,
                    limit: Some(self.conversation_limit),
                    filter: Some(self.filter.clone()).filter(|f| !f.is_empty()),
                    queue,
                    state: Some(state),
                },
            ));
        }
        out
    }

    /// The list must be asked for again, from the top (a new number, a new filter).
    pub(super) fn restart_conversations(&mut self) {
        self.generation += 1;
        self.conversation_limit = CONVERSATION_PAGE;
        self.conversation_selected = 0;
        self.conversation_pinned = None;
        self.conversations_stale = true;
        self.conversations_loading = false;
        self.dirty = true;
    }

    pub fn on_connected(&mut self) {
        self.link = LinkState::Connected;
        self.numbers_stale = true;
        self.numbers_loading = false;
        self.conversations_stale = true;
        self.conversations_loading = false;
        self.dirty = true;
    }

    /// After a reconnect, the open conversation is read again too.
    pub fn reload_open(&mut self) -> Vec<Effect> {
        match &mut self.open {
            Some(open) => {
                open.loading = true;
                vec![messages_request(open.id(), None)]
            }
            None => Vec::new(),
        }
    }

    pub fn on_disconnected(&mut self, reason: String) {
        self.link = LinkState::Lost(reason);
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
        if self.numbers_recheck_at.is_some_and(|at| now >= at) {
            self.numbers_recheck_at = None;
            self.numbers_stale = true;
            self.numbers_rechecking = true;
        }
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
        self.composer.lines().join("\n")
    }

    pub fn set_composer_text(&mut self, text: &str) {
        self.composer = composer_with(text);
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

pub(super) fn new_composer() -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_cursor_line_style(ratatui::style::Style::default());
    // Long lines wrap (at words, or inside a word longer than a line) instead of scrolling
    // sideways out of sight.
    t.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
    t
}

pub(super) fn composer_with(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(text.lines().map(str::to_string).collect());
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
    t.move_cursor(ratatui_textarea::CursorMove::Bottom);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}
