//! The states a row carries on the wire, each a closed set of words: clients match on them, and
//! the compiler finds every place a new state must be handled. The words on the wire are the
//! ones the store keeps (snake_case), so `--json` readers see what they always saw.

#[cfg(test)]
use serde::{Deserialize, Serialize};
use wabox_domain::words;

words! {
    /// Where a conversation stands (`DOMAIN.md`: open, pending, closed, snoozed).
    pub enum ConversationState {
        Open = "open",
        Pending = "pending",
        Closed = "closed",
        /// Until its `snoozed_until`; then it is shown open again.
        Snoozed = "snoozed",
    }
}

words! {
    /// Which way a message went.
    pub enum Direction {
        /// From the customer.
        In = "in",
        /// From the business.
        Out = "out",
    }
}

words! {
    /// Where a message came from.
    pub enum Origin {
        /// The customer wrote it.
        Customer = "customer",
        /// The business sent it from the WhatsApp Business phone app (an echo).
        PhoneApp = "phone_app",
        /// Imported from the phone app's history at coexistence onboarding.
        History = "history",
        /// An agent sent it through wabox.
        Agent = "agent",
        /// A sequence sent it.
        Sequence = "sequence",
        /// The away reply of a queue outside its business hours.
        Away = "away",
        /// The answer to a customer's opt-out (a stop word).
        OptOut = "opt_out",
        /// A broadcast sent it (`wabox broadcast`).
        Broadcast = "broadcast",
        /// A call (not a message: nothing answers, quotes or marks it read).
        Call = "call",
    }
}

words! {
    /// A message's shown status: our outbox's before Meta has it, then Meta's delivery status
    /// (`domain::status`, which only moves forward).
    pub enum MessageStatus {
        /// In the outbox, not sent yet.
        Queued = "queued",
        /// It may or may not have reached Meta when the process died: an agent decides.
        Uncertain = "uncertain",
        Accepted = "accepted",
        Sent = "sent",
        Delivered = "delivered",
        Read = "read",
        /// A voice message was played (ranks as read).
        Played = "played",
        Failed = "failed",
    }
}

impl MessageStatus {
    /// It went wrong and an agent may send it again (`failed`, `uncertain`).
    pub fn needs_decision(self) -> bool {
        matches!(self, MessageStatus::Failed | MessageStatus::Uncertain)
    }

    /// Meta's delivery status, once Meta has the message.
    pub fn delivery(self) -> Option<wabox_domain::status::DeliveryStatus> {
        use wabox_domain::status::DeliveryStatus as D;
        Some(match self {
            MessageStatus::Queued | MessageStatus::Uncertain => return None,
            MessageStatus::Accepted => D::Accepted,
            MessageStatus::Sent => D::Sent,
            MessageStatus::Delivered => D::Delivered,
            MessageStatus::Read => D::Read,
            MessageStatus::Played => D::Played,
            MessageStatus::Failed => D::Failed,
        })
    }
}

impl From<wabox_domain::status::DeliveryStatus> for MessageStatus {
    fn from(s: wabox_domain::status::DeliveryStatus) -> Self {
        use wabox_domain::status::DeliveryStatus as D;
        match s {
            D::Accepted => MessageStatus::Accepted,
            D::Sent => MessageStatus::Sent,
            D::Delivered => MessageStatus::Delivered,
            D::Read => MessageStatus::Read,
            D::Played => MessageStatus::Played,
            D::Failed => MessageStatus::Failed,
        }
    }
}

words! {
    /// Where a media message's file stands.
    pub enum MediaState {
        /// Downloading (or waiting to be tried again).
        Pending = "pending",
        Downloaded = "downloaded",
        Failed = "failed",
    }
}

words! {
    /// Who reacted to a message.
    pub enum Reactor {
        Customer = "customer",
        Business = "business",
    }
}

words! {
    /// Where a conversation's run through a sequence stands.
    pub enum EnrollmentState {
        Active = "active",
        /// Waiting for the customer to write.
        WaitingReply = "waiting_reply",
        Paused = "paused",
        Done = "done",
        Stopped = "stopped",
    }
}

impl EnrollmentState {
    /// Running or paused (not ended).
    pub fn live(self) -> bool {
        matches!(
            self,
            EnrollmentState::Active | EnrollmentState::WaitingReply | EnrollmentState::Paused
        )
    }
}

words! {
    /// What a user may do (`DOMAIN.md`: role admin or agent).
    pub enum Role {
        Admin = "admin",
        Agent = "agent",
    }
}

words! {
    /// How a client reaches the engine.
    pub enum EngineMode {
        /// A running `wabox serve`, over its socket.
        Engine = "engine",
        /// This command runs the API itself (no engine is running).
        InProcess = "in_process",
    }
}

words! {
    /// How a number was connected.
    pub enum ConnectedVia {
        /// By hand: its ids and a token typed or pasted.
        Manual = "manual",
        /// Meta's Embedded Signup.
        Meta = "meta",
        /// A Kapso setup link.
        Kapso = "kapso",
        /// A `whatsapp-connections.json` file.
        Import = "import",
    }
}

words! {
    /// Which browser flow a signup is.
    pub enum SignupVia {
        Meta = "meta",
        Kapso = "kapso",
    }
}

words! {
    /// What a coexistence number asks Meta to send once (`smb_app_data`).
    pub enum SmbData {
        /// The contacts (Meta's `smb_app_state_sync`).
        SmbAppStateSync = "smb_app_state_sync",
        /// The chat history.
        History = "history",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde's word and the store's word must be one word, or a row would read back wrong.
    fn same_words<T>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: Copy + Serialize + PartialEq + std::fmt::Debug + for<'de> Deserialize<'de>,
    {
        for s in all {
            let wire = serde_json::to_value(s).unwrap();
            assert_eq!(wire, serde_json::json!(as_str(*s)));
            assert_eq!(parse(as_str(*s)), Some(*s));
            assert_eq!(serde_json::from_value::<T>(wire).unwrap(), *s);
        }
        assert_eq!(parse("no such word"), None);
    }

    #[test]
    fn every_state_is_one_word_on_the_wire_and_in_the_store() {
        same_words(
            ConversationState::ALL,
            ConversationState::as_str,
            ConversationState::parse,
        );
        same_words(Direction::ALL, Direction::as_str, Direction::parse);
        same_words(Origin::ALL, Origin::as_str, Origin::parse);
        same_words(
            MessageStatus::ALL,
            MessageStatus::as_str,
            MessageStatus::parse,
        );
        same_words(MediaState::ALL, MediaState::as_str, MediaState::parse);
        same_words(Reactor::ALL, Reactor::as_str, Reactor::parse);
        same_words(
            EnrollmentState::ALL,
            EnrollmentState::as_str,
            EnrollmentState::parse,
        );
        same_words(Role::ALL, Role::as_str, Role::parse);
        same_words(EngineMode::ALL, EngineMode::as_str, EngineMode::parse);
        same_words(ConnectedVia::ALL, ConnectedVia::as_str, ConnectedVia::parse);
        same_words(SignupVia::ALL, SignupVia::as_str, SignupVia::parse);
        same_words(SmbData::ALL, SmbData::as_str, SmbData::parse);
    }

    #[test]
    fn a_message_status_is_meta_delivery_status_once_meta_has_it() {
        use wabox_domain::status::DeliveryStatus;
        for d in [
            DeliveryStatus::Accepted,
            DeliveryStatus::Sent,
            DeliveryStatus::Delivered,
            DeliveryStatus::Read,
            DeliveryStatus::Played,
            DeliveryStatus::Failed,
        ] {
            let s = MessageStatus::from(d);
            assert_eq!(s.delivery(), Some(d));
            assert_eq!(s.as_str(), d.as_str());
        }
        assert_eq!(MessageStatus::Queued.delivery(), None);
        assert!(MessageStatus::Uncertain.needs_decision());
        assert!(!MessageStatus::Read.needs_decision());
    }
}
