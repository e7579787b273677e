//! Delivery statuses of our outgoing messages, and the rule that they only move forward.

use serde::{Deserialize, Serialize};

/// A delivery status as Meta reports it in `statuses[].status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Handed to Meta (the send's HTTP 200); nothing reported yet.
    Accepted,
    Sent,
    Delivered,
    Read,
    /// Voice messages report `played`; it ranks as `read`.
    Played,
    Failed,
}

impl DeliveryStatus {
    /// Parses Meta's spelling; `None` for a status we do not know.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "accepted" => Self::Accepted,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "played" => Self::Played,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// Meta's spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Played => "played",
            Self::Failed => "failed",
        }
    }

    /// Position in the forward order; `failed` is final and outranks everything.
    fn rank(&self) -> u8 {
        match self {
            Self::Accepted => 0,
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read | Self::Played => 3,
            Self::Failed => 4,
        }
    }
}

/// What to do with a message's shown status when a status update arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusDecision {
    /// Show the incoming status from now on.
    Advance(DeliveryStatus),
    /// Keep the current status (the update is late, a repeat, or a step back).
    Keep,
}

/// Statuses only move forward (`accepted < sent < delivered < read`, `played` = `read`); `failed`
/// wins whatever came before and nothing moves a message out of `failed`. Meta does not order its
/// deliveries, so `read` may come before `delivered`, and a late `delivered` must change nothing.
pub fn decide(current: Option<DeliveryStatus>, incoming: DeliveryStatus) -> StatusDecision {
    match current {
        None => StatusDecision::Advance(incoming),
        Some(cur) if incoming.rank() > cur.rank() => StatusDecision::Advance(incoming),
        Some(_) => StatusDecision::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryStatus::*;
    use super::*;

    #[test]
    fn statuses_move_forward() {
        assert_eq!(
            decide(Some(Sent), Delivered),
            StatusDecision::Advance(Delivered)
        );
        assert_eq!(decide(None, Sent), StatusDecision::Advance(Sent));
    }

    #[test]
    fn a_late_delivered_after_read_changes_nothing() {
        assert_eq!(decide(Some(Read), Delivered), StatusDecision::Keep);
        assert_eq!(decide(Some(Read), Sent), StatusDecision::Keep);
    }

    #[test]
    fn played_counts_as_read() {
        assert_eq!(decide(Some(Played), Read), StatusDecision::Keep);
        assert_eq!(decide(Some(Read), Played), StatusDecision::Keep);
    }

    #[test]
    fn failed_wins_whatever_came_before_and_is_final() {
        assert_eq!(decide(Some(Read), Failed), StatusDecision::Advance(Failed));
        assert_eq!(decide(Some(Failed), Read), StatusDecision::Keep);
        assert_eq!(decide(Some(Failed), Failed), StatusDecision::Keep);
    }

    #[test]
    fn repeats_change_nothing() {
        assert_eq!(decide(Some(Delivered), Delivered), StatusDecision::Keep);
    }

    #[test]
    fn parses_meta_spelling_and_rejects_unknown() {
        assert_eq!(DeliveryStatus::parse("READ"), Some(Read));
        assert_eq!(DeliveryStatus::parse("deleted"), None);
    }
}
