//! One view's push for a tick, fitted to what each subscriber wants of its messages: the same
//! rows for all, the messages of every conversation, of one, or of none. Each fitting is
//! serialized once and shared by every subscriber that wants it.

use super::Delivery;
use super::focus::Wants;
use std::collections::HashMap;
use std::sync::Arc;
use wabox_protocol::push::{Push, Sidebar};
use wabox_protocol::views::MessageView;

pub struct Fitted {
    /// The push without its messages.
    base: Push,
    /// The messages this view may see, oldest first.
    messages: Vec<MessageView>,
    made: HashMap<Wants, Arc<Delivery>>,
}

impl Fitted {
    pub fn new(base: Push, messages: Vec<MessageView>) -> Fitted {
        debug_assert!(base.messages.is_empty());
        Fitted {
            base,
            messages,
            made: HashMap::new(),
        }
    }

    /// This push with a sidebar riding along (one view's: the others' stay without it).
    pub fn with_sidebar(&self, sidebar: Box<Sidebar>) -> Fitted {
        let mut base = self.base.clone();
        base.sidebar = Some(sidebar);
        Fitted::new(base, self.messages.clone())
    }

    /// Nothing to push to anyone: a message is only ever seen with its conversation's row,
    /// so a push without rows carries no message either.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.messages.is_empty()
    }

    /// The push for a subscriber that wants `wants`.
    pub fn for_wants(&mut self, wants: Wants) -> Arc<Delivery> {
        // Wanting one conversation whose messages this tick has none of is wanting nothing.
        let key = match wants {
            Wants::One(id) if !self.messages.iter().any(|m| m.conversation_id == id) => {
                Wants::Nothing
            }
            Wants::All if self.messages.is_empty() => Wants::Nothing,
            w => w,
        };
        let (base, messages) = (&self.base, &self.messages);
        self.made
            .entry(key)
            .or_insert_with(|| {
                let mut push = base.clone();
                push.messages = match key {
                    Wants::All => messages.clone(),
                    Wants::Nothing => Vec::new(),
                    Wants::One(id) => messages
                        .iter()
                        .filter(|m| m.conversation_id == id)
                        .cloned()
                        .collect(),
                };
                Delivery::new(push)
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wabox_protocol::{Direction, Origin};

    fn message(id: i64, conversation_id: i64) -> MessageView {
        MessageView {
            id,
            conversation_id,
            wamid: format!("wamid.{id}"),
            direction: Direction::In,
            origin: Origin::Customer,
            kind: "text".into(),
            text: "hola".into(),
            at: 0,
            status: None,
            error: None,
            reply_to: None,
            forwarded: false,
            reactions: Vec::new(),
            edited: false,
            revoked: false,
            previous_texts: Vec::new(),
            media: None,
            author: None,
            form: None,
            sent_by: None,
        }
    }

    fn ids(d: &Delivery) -> Vec<i64> {
        d.push.messages.iter().map(|m| m.id).collect()
    }

    fn fitted() -> Fitted {
        let base = Push {
            gone: vec![9],
            ..Push::default()
        };
        Fitted::new(base, vec![message(1, 10), message(2, 20), message(3, 10)])
    }

    #[test]
    fn each_subscriber_gets_the_messages_it_wants_and_the_same_rows() {
        let mut f = fitted();
        assert_eq!(ids(&f.for_wants(Wants::All)), [1, 2, 3]);
        assert_eq!(ids(&f.for_wants(Wants::One(10))), [1, 3]);
        assert_eq!(ids(&f.for_wants(Wants::One(20))), [2]);
        assert!(ids(&f.for_wants(Wants::Nothing)).is_empty());
        assert!(ids(&f.for_wants(Wants::One(30))).is_empty());
        for w in [Wants::All, Wants::Nothing, Wants::One(10), Wants::One(30)] {
            assert_eq!(f.for_wants(w).push.gone, [9], "the rows go to everyone");
        }
    }

    #[test]
    fn each_fitting_is_serialized_once_and_shared() {
        let mut f = fitted();
        let a = f.for_wants(Wants::One(10));
        assert!(Arc::ptr_eq(&a, &f.for_wants(Wants::One(10))));
        // A conversation without messages in this tick shares the push without any.
        let none = f.for_wants(Wants::Nothing);
        assert!(Arc::ptr_eq(&none, &f.for_wants(Wants::One(30))));
        let line: serde_json::Value = serde_json::from_slice(&a.line).unwrap();
        assert_eq!(line["push"]["messages"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn a_tick_without_messages_is_one_push_for_everyone() {
        let mut f = Fitted::new(
            Push {
                gone: vec![1],
                ..Push::default()
            },
            Vec::new(),
        );
        let all = f.for_wants(Wants::All);
        assert!(Arc::ptr_eq(&all, &f.for_wants(Wants::One(5))));
        assert!(Arc::ptr_eq(&all, &f.for_wants(Wants::Nothing)));
        assert!(!f.is_empty());
        assert!(Fitted::new(Push::default(), Vec::new()).is_empty());
    }
}
