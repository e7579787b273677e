//! The customer service window: opened only by the customer's own messages to a number.
//!
//! Our sends (replies, templates, echoes from the phone app) never open or extend it, so the one
//! input is the timestamp of the customer's most recent inbound message to that number.

use super::time::short_duration;

/// How long a customer's message keeps the window open.
pub const WINDOW_SECONDS: i64 = 24 * 3600;
/// Below this much time left, the UI warns that the window is closing.
pub const CLOSING_SOON_SECONDS: i64 = 3600;

/// The state of one conversation's service window at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceWindow {
    /// The customer has never written to this number: only templates may be sent.
    NeverOpened,
    /// Free-form messages may be sent until `closes_at` (unix seconds).
    Open { closes_at: i64 },
    /// The window closed at `closed_at`: only templates may be sent.
    Closed { closed_at: i64 },
}

impl ServiceWindow {
    /// The window at `now`, given the customer's last inbound message time (both unix seconds).
    pub fn at(last_inbound_at: Option<i64>, now: i64) -> Self {
        match last_inbound_at {
            None => ServiceWindow::NeverOpened,
            Some(t) => {
                let closes_at = t + WINDOW_SECONDS;
                if now < closes_at {
                    ServiceWindow::Open { closes_at }
                } else {
                    ServiceWindow::Closed {
                        closed_at: closes_at,
                    }
                }
            }
        }
    }

    /// Whether a free-form (non-template) message may be sent now.
    pub fn is_open(&self) -> bool {
        matches!(self, ServiceWindow::Open { .. })
    }

    /// When the window closes (open) or closed (closed); none if it never opened.
    pub fn boundary(&self) -> Option<i64> {
        match self {
            ServiceWindow::NeverOpened => None,
            ServiceWindow::Open { closes_at } => Some(*closes_at),
            ServiceWindow::Closed { closed_at } => Some(*closed_at),
        }
    }

    /// Whether the window is open but closes within the hour.
    pub fn closing_soon(&self, now: i64) -> bool {
        matches!(self, ServiceWindow::Open { closes_at } if closes_at - now <= CLOSING_SOON_SECONDS)
    }

    /// A short label: `23h 12m`, `closes in 9m`, `closed 3d ago`, `no window`.
    pub fn label(&self, now: i64) -> String {
        match self {
            ServiceWindow::NeverOpened => "no window".to_string(),
            ServiceWindow::Open { closes_at } if self.closing_soon(now) => {
                format!("closes in {}", short_duration(closes_at - now))
            }
            ServiceWindow::Open { closes_at } => short_duration(closes_at - now),
            ServiceWindow::Closed { closed_at } => {
                format!("closed {} ago", short_duration(now - closed_at))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_782_900_000;

    #[test]
    fn a_customer_message_opens_the_window_for_24_hours() {
        assert_eq!(
            ServiceWindow::at(Some(T), T + 10),
            ServiceWindow::Open {
                closes_at: T + WINDOW_SECONDS
            }
        );
        assert!(ServiceWindow::at(Some(T), T + WINDOW_SECONDS - 1).is_open());
    }

    #[test]
    fn the_window_is_closed_at_exactly_24_hours() {
        assert_eq!(
            ServiceWindow::at(Some(T), T + WINDOW_SECONDS),
            ServiceWindow::Closed {
                closed_at: T + WINDOW_SECONDS
            }
        );
    }

    #[test]
    fn no_inbound_message_means_no_window() {
        assert_eq!(ServiceWindow::at(None, T), ServiceWindow::NeverOpened);
        assert!(!ServiceWindow::at(None, T).is_open());
    }

    #[test]
    fn labels_count_down_and_warn_in_the_last_hour() {
        let w = ServiceWindow::at(Some(T), T + 48 * 60);
        assert_eq!(w.label(T + 48 * 60), "23h 12m");
        let now = T + WINDOW_SECONDS - 9 * 60;
        let w = ServiceWindow::at(Some(T), now);
        assert!(w.closing_soon(now));
        assert_eq!(w.label(now), "closes in 9m");
        let now = T + WINDOW_SECONDS + 3 * 86_400;
        assert_eq!(ServiceWindow::at(Some(T), now).label(now), "closed 3d ago");
    }
}
