//! The sidebar: my views, then per tenant its queues with their numbers. It owns what the
//! engine says of numbers and queues and which view is chosen.

use super::{LIST_COMMANDS, Pane, PaneEvent, movement, step};
use crate::protocol::Request;
use crate::protocol::directory::{ConversationCounts, NumberView, QueueView};
use crate::protocol::views::{QueueSelection, StateFilter};
use crate::tui::app::{Effect, Focus, SidebarItem, Tag};
use crate::tui::keymap::{Action, Scope};

#[derive(Debug, Clone)]
pub struct Sidebar {
    pub numbers: Vec<NumberView>,
    pub queues: Vec<QueueView>,
    pub selected: usize,
    /// How many conversations the sidebar's own views list, once the engine has said.
    pub counts: Option<ConversationCounts>,
    /// Deliveries naming a number wabox does not know, and unreadable ones (admins' warning).
    pub unrouted: i64,
    pub invalid: i64,
    /// The numbers, queues and counts must be asked for again.
    pub(in crate::tui) stale: bool,
    /// One request at a time: counting waiting customers is not free on a big store.
    pub(in crate::tui) loading: bool,
}

impl Default for Sidebar {
    fn default() -> Self {
        Sidebar {
            numbers: Vec::new(),
            queues: Vec::new(),
            selected: 0,
            counts: None,
            unrouted: 0,
            invalid: 0,
            stale: true,
            loading: false,
        }
    }
}

impl Sidebar {
    /// The directory's requests, when stale and none is running.
    pub fn request(&mut self) -> Vec<Effect> {
        if !self.stale || self.loading {
            return Vec::new();
        }
        self.stale = false;
        self.loading = true;
        vec![
            Effect::Call(Tag::Numbers, Request::ListNumbers),
            Effect::Call(Tag::Queues, Request::ListQueues),
            Effect::Call(Tag::Attention, Request::Attention),
            Effect::Call(Tag::Counts, Request::ConversationCounts),
        ]
    }

    /// Connected again: everything is read again.
    pub fn reconnected(&mut self) {
        self.stale = true;
        self.loading = false;
    }

    /// My views, then per tenant its queues with their numbers, then its numbers without a
    /// queue.
    pub fn items(&self) -> Vec<SidebarItem> {
        let mut items = vec![
            SidebarItem::All,
            SidebarItem::Mine,
            SidebarItem::Unassigned,
            SidebarItem::Snoozed,
            SidebarItem::Closed,
        ];
        for tenant in self.tenants() {
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

    /// The tenants of the queues and numbers, in the order first seen.
    fn tenants(&self) -> Vec<&str> {
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
        tenants
    }

    /// The number, queue view and state the conversation list shows: open ones, but in the
    /// snoozed and closed views.
    pub fn chosen_view(&self) -> (Option<String>, Option<QueueSelection>, StateFilter) {
        let open = StateFilter::Open;
        match self.items().get(self.selected) {
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

    /// After the numbers or queues changed: the cursor stays inside the items.
    pub fn clamp(&mut self) {
        let len = self.items().len();
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    /// Moves the cursor, skipping tenant headings in the direction of travel; true if it moved.
    fn move_by(&mut self, delta: isize) -> bool {
        let items = self.items();
        let mut i = step(self.selected, items.len(), delta);
        while items.get(i).is_some_and(SidebarItem::is_heading) {
            let next = if delta < 0 {
                i.checked_sub(1)
            } else {
                Some(i + 1)
            };
            match next.filter(|n| *n < items.len()) {
                Some(n) => i = n,
                None => break,
            }
        }
        if items.get(i).is_some_and(SidebarItem::is_heading) || i == self.selected {
            return false;
        }
        self.selected = i;
        true
    }
}

impl Pane for Sidebar {
    fn on_action(&mut self, action: Action) -> Option<Vec<PaneEvent>> {
        if let Some(delta) = movement(action) {
            return Some(if self.move_by(delta) {
                vec![PaneEvent::ViewChanged]
            } else {
                Vec::new()
            });
        }
        match action {
            Action::Open => Some(vec![PaneEvent::Focus(Focus::Conversations)]),
            _ => None,
        }
    }

    fn commands(&self) -> (Scope, &'static [Action]) {
        (Scope::Lists, LIST_COMMANDS)
    }
}
