//! A warning that an unauthenticated sender can trigger at will (a forged webhook delivery) is
//! logged in full the first time, then counted: at most one line a minute says how many more came
//! since when, and why. A flood then costs the log a line a minute instead of a line a request.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// What to do with one occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Noted {
    /// Log this one in full: nothing was logged for a while.
    Say,
    /// Counted for the next summary; `first` when it opened the count, so the caller arranges
    /// for `summary` to be asked once the minute is over.
    Counted { first: bool },
}

/// The occurrences not logged one by one since the last line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub count: u64,
    /// Unix seconds of the first one counted.
    pub since: i64,
    /// How many of each reason, most frequent first.
    pub reasons: Vec<(String, u64)>,
}

impl Summary {
    /// `12 more since 14:02 UTC (bad signature: 10, no signature: 2)`.
    pub fn describe(&self, what: &str) -> String {
        let at = time::OffsetDateTime::from_unix_timestamp(self.since)
            .ok()
            .and_then(|t| {
                t.format(time::macros::format_description!("[hour]:[minute]"))
                    .ok()
            })
            .unwrap_or_else(|| self.since.to_string());
        let reasons = self
            .reasons
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{} more {what} since {at} UTC ({reasons})", self.count)
    }
}

#[derive(Default)]
struct State {
    last_line: Option<i64>,
    count: u64,
    since: i64,
    reasons: BTreeMap<String, u64>,
}

/// One kind of repeated warning, shared by every task that may raise it.
pub struct Repeated {
    every: i64,
    state: Mutex<State>,
}

impl Repeated {
    /// At most one line each `every` seconds.
    pub fn new(every: i64) -> Repeated {
        Repeated {
            every: every.max(1),
            state: Mutex::new(State::default()),
        }
    }

    pub fn per_minute() -> Repeated {
        Repeated::new(60)
    }

    /// The seconds to wait after a `Counted { first: true }` before asking for the summary.
    pub fn every(&self) -> i64 {
        self.every
    }

    /// One more occurrence at `now` (Unix seconds), for `reason` (a fixed phrase, never the
    /// sender's text: the count by reason must not grow with what a sender invents).
    pub fn note(&self, now: i64, reason: &str) -> Noted {
        // A poisoned lock only means a panic elsewhere mid-count: the count is still usable.
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let quiet_long_enough = s.last_line.is_none_or(|t| now >= t + self.every);
        if s.count == 0 && quiet_long_enough {
            s.last_line = Some(now);
            return Noted::Say;
        }
        s.count += 1;
        if s.count == 1 {
            s.since = now;
        }
        *s.reasons.entry(reason.to_string()).or_insert(0) += 1;
        Noted::Counted {
            first: s.count == 1,
        }
    }

    /// What was counted, once a minute has passed since the last line (then the count restarts).
    pub fn summary(&self, now: i64) -> Option<Summary> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.count == 0 || s.last_line.is_some_and(|t| now < t + self.every) {
            return None;
        }
        let mut reasons: Vec<(String, u64)> = std::mem::take(&mut s.reasons).into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let summary = Summary {
            count: s.count,
            since: s.since,
            reasons,
        };
        s.count = 0;
        s.last_line = Some(now);
        Some(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_is_said_the_rest_of_the_minute_counted_then_summarised_once() {
        let r = Repeated::per_minute();
        assert_eq!(r.note(1000, "bad signature"), Noted::Say);
        assert_eq!(
            r.note(1001, "bad signature"),
            Noted::Counted { first: true }
        );
        for t in 1002..1050 {
            assert_eq!(r.note(t, "no signature"), Noted::Counted { first: false });
        }
        assert_eq!(r.summary(1059), None, "a summary before the minute is over");
        let s = r.summary(1060).expect("a summary after the minute");
        assert_eq!(s.count, 49);
        assert_eq!(s.since, 1001);
        assert_eq!(
            s.reasons,
            vec![
                ("no signature".to_string(), 48),
                ("bad signature".to_string(), 1)
            ]
        );
        assert_eq!(r.summary(1200), None, "a summary said twice");
    }

    #[test]
    fn during_a_flood_there_is_at_most_one_line_a_minute() {
        let r = Repeated::per_minute();
        let mut lines = 0;
        // 10 minutes at 100 a second, the summary asked for whenever a count opens (as the
        // listener does, a minute later) and also at every second (as if asked too often).
        for t in 0..600 {
            for _ in 0..100 {
                if r.note(t, "bad signature") == Noted::Say {
                    lines += 1;
                }
            }
            if r.summary(t).is_some() {
                lines += 1;
            }
        }
        assert!(lines <= 11, "{lines} lines");
        assert!(lines >= 10, "{lines} lines: the flood went unsaid");
    }

    #[test]
    fn after_a_quiet_minute_the_next_one_is_said_in_full_again() {
        let r = Repeated::per_minute();
        assert_eq!(r.note(0, "x"), Noted::Say);
        assert_eq!(r.note(61, "x"), Noted::Say);
    }

    #[test]
    fn a_summary_names_how_many_since_when_and_why() {
        let s = Summary {
            count: 12,
            since: 14 * 3600 + 2 * 60,
            reasons: vec![("bad signature".into(), 10), ("no signature".into(), 2)],
        };
        assert_eq!(
            s.describe("refused deliveries"),
            "12 more refused deliveries since 14:02 UTC (bad signature: 10, no signature: 2)"
        );
    }
}
