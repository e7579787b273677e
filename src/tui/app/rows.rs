//! The rows the panes show: the sidebar's items, the conversations, the open conversation and
//! its messages.

use crate::protocol::directory::{NumberView, QueueView};
use crate::protocol::views::{ConversationView, MessageView};

#[derive(Debug, Clone, PartialEq)]
pub enum SidebarItem {
    /// Every open conversation the agent may see ("all of my queues" for an agent).
    All,
    Mine,
    Unassigned,
    /// Snoozed and closed conversations leave the other lists for these two.
    Snoozed,
    Closed,
    Tenant(String),
    Queue(QueueView),
    /// Conversations of a tenant's numbers without a queue (only admins see such numbers).
    NoQueue(String),
    Number(NumberView),
}

impl SidebarItem {
    /// Headings are not chosen: the cursor skips them.
    pub fn is_heading(&self) -> bool {
        matches!(self, SidebarItem::Tenant(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationRow {
    pub view: ConversationView,
    pub last_inbound: Option<i64>,
    pub last_at: Option<i64>,
}

impl ConversationRow {
    pub fn new(view: ConversationView) -> Self {
        ConversationRow {
            last_inbound: view.last_inbound_at,
            last_at: view.last_message.as_ref().map(|m| m.at),
            view,
        }
    }

    /// Contact name, else phone number, else the BSUID.
    pub fn title(&self) -> String {
        let c = &self.view.contact;
        c.name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| c.wa_id.as_ref().map(|w| format!("+{w}")))
            .or_else(|| c.user_id.clone())
            .or_else(|| self.view.group.as_ref().map(crate::tui::view::group_title))
            .unwrap_or_else(|| format!("#{}", self.view.id))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub view: MessageView,
    pub at: i64,
}

impl MessageRow {
    pub fn new(view: MessageView) -> Self {
        MessageRow { at: view.at, view }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpenConversation {
    pub row: ConversationRow,
    pub messages: Vec<MessageRow>,
    /// The message under the cursor in the messages pane (the newest follows new arrivals).
    pub selected: usize,
    pub has_older: bool,
    pub loading: bool,
    /// A message to put the cursor on once loaded (a search result): older pages are read
    /// until it is found.
    pub seek: Option<i64>,
    /// The sequences running or paused in it.
    pub automation: Vec<crate::protocol::EnrollmentView>,
}

impl OpenConversation {
    pub fn id(&self) -> i64 {
        self.row.view.id
    }

    pub fn selected_message(&self) -> Option<&MessageRow> {
        self.messages.get(self.selected)
    }

    /// Adds or replaces a message, keeping (time, id) order; the cursor follows the newest.
    pub(in crate::tui::app) fn upsert(&mut self, m: MessageRow) -> bool {
        let following = self.messages.is_empty() || self.selected + 1 >= self.messages.len();
        if let Some(existing) = self.messages.iter_mut().find(|x| x.view.id == m.view.id) {
            *existing = m;
            return false;
        }
        let at = self
            .messages
            .partition_point(|x| (x.at, x.view.id) < (m.at, m.view.id));
        self.messages.insert(at, m);
        if following {
            self.selected = self.messages.len() - 1;
        } else if at <= self.selected {
            self.selected += 1;
        }
        true
    }
}
