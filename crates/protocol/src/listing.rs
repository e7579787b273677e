//! Which conversations a list holds and in what order, as the engine's `ListConversations`
//! decides it: a client patching its list from pushes applies the same rule.

use super::states::ConversationState;
use super::views::{ConversationView, QueueSelection, StateFilter};

/// What a list was asked for (`Request::ListConversations` without its paging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCriteria {
    pub phone_number_id: Option<String>,
    pub queue: Option<QueueSelection>,
    pub state: StateFilter,
    /// The text filter, as typed.
    pub text: Option<String>,
}

impl ListCriteria {
    /// Whether the engine's list would hold this row for `user` (whose "mine" it is). None when
    /// only the engine can tell (a "mine" list without knowing whose).
    pub fn holds(&self, row: &ConversationView, user: Option<&str>) -> Option<bool> {
        if self
            .phone_number_id
            .as_ref()
            .is_some_and(|p| *p != row.phone_number_id)
        {
            return Some(false);
        }
        let in_queue = match self.queue {
            None => true,
            Some(QueueSelection::Queue(q)) => row.queue_id == Some(q),
            Some(QueueSelection::NoQueue) => row.queue_id.is_none(),
            Some(QueueSelection::Mine) => row.assignee.as_deref() == Some(user?),
            Some(QueueSelection::Unassigned) => row.assignee.is_none(),
        };
        // The row's state already counts a snooze whose time has come as open.
        let in_state = match self.state {
            StateFilter::Open => matches!(
                row.state,
                ConversationState::Open | ConversationState::Pending
            ),
            StateFilter::Snoozed => row.state == ConversationState::Snoozed,
            StateFilter::Closed => row.state == ConversationState::Closed,
        };
        Some(in_queue && in_state && self.text_matches(row))
    }

    /// SQLite's `LIKE '%text%'`: ASCII letters match either case, anything else exactly.
    fn text_matches(&self, row: &ConversationView) -> bool {
        let Some(text) = self
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return true;
        };
        let needle = text.to_ascii_lowercase();
        let has =
            |field: Option<&str>| field.is_some_and(|f| f.to_ascii_lowercase().contains(&needle));
        has(row.contact.name.as_deref())
            || has(row.contact.wa_id.as_deref())
            || has(row.contact.user_id.as_deref())
            || has(row.last_message.as_ref().map(|m| m.text.as_str()))
    }
}

/// Where a row goes in a list: newest activity first, then the higher id (the engine's
/// `ORDER BY c.last_message_at DESC, c.id DESC`, where no activity sorts last).
pub fn comes_before(a: &ConversationView, b: &ConversationView) -> bool {
    (a.last_activity, a.id) > (b.last_activity, b.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::{ContactView, LastMessageView, WindowView};

    fn row(id: i64) -> ConversationView {
        ConversationView {
            id,
            phone_number_id: "106540352242922".into(),
            display_phone: "+1 555 078 3881".into(),
            tenant: "Acme".into(),
            contact: ContactView {
                wa_id: Some("16505551234".into()),
                user_id: None,
                name: Some("Ana Pérez".into()),
                username: None,
            },
            state: ConversationState::Open,
            snoozed_until: None,
            queue: Some("Sales".into()),
            assignee: None,
            unread: 1,
            last_inbound_at: None,
            window: WindowView {
                open: true,
                closes_at: None,
            },
            from_ad: false,
            last_message: Some(LastMessageView {
                text: "Where is my order?".into(),
                at: 0,
            }),
            group: None,
            queue_id: Some(5),
            last_activity: Some(1_800_000_000 + id),
            blocked: None,
            sla_due_at: None,
        }
    }

    fn open_list() -> ListCriteria {
        ListCriteria {
            phone_number_id: None,
            queue: None,
            state: StateFilter::Open,
            text: None,
        }
    }

    #[test]
    fn a_list_of_one_number_holds_only_that_numbers_conversations() {
        let mut c = open_list();
        c.phone_number_id = Some("106540352242922".into());
        assert_eq!(c.holds(&row(1), None), Some(true));
        c.phone_number_id = Some("999".into());
        assert_eq!(c.holds(&row(1), None), Some(false));
    }

    #[test]
    fn queue_views_hold_their_queue_no_queue_mine_and_unassigned() {
        let mut c = open_list();
        c.queue = Some(QueueSelection::Queue(5));
        assert_eq!(c.holds(&row(1), None), Some(true));
        c.queue = Some(QueueSelection::Queue(6));
        assert_eq!(c.holds(&row(1), None), Some(false));
        c.queue = Some(QueueSelection::NoQueue);
        assert_eq!(c.holds(&row(1), None), Some(false));
        c.queue = Some(QueueSelection::Unassigned);
        assert_eq!(c.holds(&row(1), None), Some(true));
        let mut mine = row(1);
        mine.assignee = Some("ana".into());
        c.queue = Some(QueueSelection::Mine);
        assert_eq!(c.holds(&mine, Some("ana")), Some(true));
        assert_eq!(c.holds(&mine, Some("bob")), Some(false));
        assert_eq!(c.holds(&mine, None), None, "whose mine is unknown");
    }

    #[test]
    fn the_open_list_holds_open_and_pending_ones_and_each_state_its_own() {
        let mut r = row(1);
        for (state, open, snoozed, closed) in [
            (ConversationState::Open, true, false, false),
            (ConversationState::Pending, true, false, false),
            (ConversationState::Snoozed, false, true, false),
            (ConversationState::Closed, false, false, true),
        ] {
            r.state = state;
            for (filter, want) in [
                (StateFilter::Open, open),
                (StateFilter::Snoozed, snoozed),
                (StateFilter::Closed, closed),
            ] {
                let c = ListCriteria {
                    state: filter,
                    ..open_list()
                };
                assert_eq!(c.holds(&r, None), Some(want), "{state} in {filter:?}");
            }
        }
    }

    #[test]
    fn the_text_filter_matches_as_like_does_ascii_case_folded() {
        let mut c = open_list();
        for (text, want) in [
            ("ana", true),
            ("PÉREZ", false), // LIKE folds ASCII only
            ("Pérez", true),
            ("ORDER", true),
            ("1234", true),
            ("refund", false),
            ("  ", true),
        ] {
            c.text = Some(text.into());
            assert_eq!(c.holds(&row(1), None), Some(want), "{text:?}");
        }
    }

    #[test]
    fn newer_activity_comes_first_then_the_higher_id() {
        let (a, b) = (row(2), row(1));
        assert!(comes_before(&a, &b));
        let mut same = row(3);
        same.last_activity = a.last_activity;
        assert!(comes_before(&same, &a), "same time: the higher id first");
        let mut never = row(9);
        never.last_activity = None;
        assert!(comes_before(&b, &never), "no activity sorts last");
    }
}
