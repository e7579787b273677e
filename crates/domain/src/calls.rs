//! WhatsApp calls (the Calling API): the events Meta reports for one call, what they add up to
//! in words for the conversation ("Missed call", "Incoming call, 2 min 0 s"), whether a call opens
//! the service window, and the customer's answer to a call permission request.

use serde_json::Value;

/// Who placed the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDirection {
    /// `USER_INITIATED`: the customer called the business.
    Incoming,
    /// `BUSINESS_INITIATED`: the business called the customer.
    Outgoing,
}

impl CallDirection {
    /// Meta's word for it (`USER_INITIATED`, `BUSINESS_INITIATED`); anything else is unknown.
    pub fn parse(meta: &str) -> Option<Self> {
        match meta.to_ascii_uppercase().as_str() {
            "USER_INITIATED" => Some(CallDirection::Incoming),
            "BUSINESS_INITIATED" => Some(CallDirection::Outgoing),
            _ => None,
        }
    }

    /// `in` or `out`, as messages store their direction.
    pub fn as_str(&self) -> &'static str {
        match self {
            CallDirection::Incoming => "in",
            CallDirection::Outgoing => "out",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "in" => Some(CallDirection::Incoming),
            "out" => Some(CallDirection::Outgoing),
            _ => None,
        }
    }
}

/// One event of a call as a webhook reports it: `value.calls[]` (connect, terminate) or
/// `value.statuses[]` with `type: "call"` (RINGING, ACCEPTED, REJECTED…, business-initiated
/// calls only). The SDP session a connect carries is for a media stack, not for wabox: it is
/// not kept here (the raw delivery stays in the journal).
#[derive(Debug, Clone, PartialEq)]
pub struct CallEvent {
    /// `wacid.…`
    pub call_id: String,
    /// `connect`, `terminate`, or `status:RINGING` (…): with the call id, what makes an event
    /// the same one delivered again.
    pub event: String,
    pub at: i64,
    pub direction: Option<CallDirection>,
    /// A terminate's `status`: `COMPLETED` or `FAILED`.
    pub outcome: Option<String>,
    /// Seconds the call lasted (terminate).
    pub duration: Option<i64>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A status's `recipient_id`: the customer called.
    pub recipient: Option<String>,
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Unix seconds written as a string or a number.
fn seconds(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

impl CallEvent {
    /// A `value.calls[]` item. An event without a call id, an event name or a timestamp cannot be
    /// placed or deduplicated: it is refused with what is missing.
    pub fn from_call(v: &Value) -> Result<Self, String> {
        let call_id = str_of(v, "id").ok_or("a call without `id`")?;
        let event = str_of(v, "event")
            .ok_or("a call without `event`")?
            .to_ascii_lowercase();
        Ok(CallEvent {
            call_id,
            event,
            at: seconds(v, "timestamp").ok_or("a call without a `timestamp` in unix seconds")?,
            direction: str_of(v, "direction").and_then(|d| CallDirection::parse(&d)),
            outcome: str_of(v, "status").map(|s| s.to_ascii_uppercase()),
            duration: seconds(v, "duration"),
            start_time: seconds(v, "start_time"),
            end_time: seconds(v, "end_time"),
            from: str_of(v, "from"),
            to: str_of(v, "to"),
            recipient: None,
        })
    }

    /// A `value.statuses[]` item of the `calls` field. Meta reports call statuses only for the
    /// business's own calls, so the call is outgoing.
    pub fn from_status(v: &Value) -> Result<Self, String> {
        let call_id = str_of(v, "id").ok_or("a call status without `id`")?;
        let status = str_of(v, "status")
            .ok_or("a call status without `status`")?
            .to_ascii_uppercase();
        Ok(CallEvent {
            call_id,
            event: format!("status:{status}"),
            at: seconds(v, "timestamp")
                .ok_or("a call status without a `timestamp` in unix seconds")?,
            direction: Some(CallDirection::Outgoing),
            outcome: None,
            duration: None,
            start_time: None,
            end_time: None,
            from: None,
            to: None,
            recipient: str_of(v, "recipient_id"),
        })
    }

    /// Whose call it is: the customer's number (or user id) in this event, given the business's
    /// own number. The side that is not the business; else the callee of an outgoing call, the
    /// caller of an incoming one.
    pub fn customer(&self, business_phone: &str) -> Option<String> {
        if let Some(r) = &self.recipient {
            return Some(r.clone());
        }
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let business = digits(business_phone);
        let not_business = |s: &&String| business.is_empty() || digits(s) != business;
        match (
            self.from.as_ref().filter(not_business),
            self.to.as_ref().filter(not_business),
        ) {
            (Some(f), None) => Some(f.clone()),
            (None, Some(t)) => Some(t.clone()),
            _ => match self.direction {
                Some(CallDirection::Outgoing) => self.to.clone(),
                _ => self.from.clone().or_else(|| self.to.clone()),
            },
        }
    }
}

/// What the events of one call add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub direction: CallDirection,
    /// When the call began: its earliest event (or its reported start).
    pub at: i64,
    /// The line the conversation shows.
    pub summary: String,
    /// A call the customer placed opens the service window at `at` (Meta: the window opens
    /// when the user "messages or calls you"); the business's own calls never do.
    pub opens_window: bool,
}

/// Folds every event of one call, in any order and with repeats, into what happened.
pub fn record_of(events: &[CallEvent]) -> Option<CallRecord> {
    let first = events.iter().min_by_key(|e| e.at)?;
    let direction = events
        .iter()
        .find_map(|e| e.direction)
        .unwrap_or(CallDirection::Incoming);
    let terminate = events.iter().find(|e| e.event == "terminate");
    let has_status = |s: &str| events.iter().any(|e| e.event == format!("status:{s}"));
    let at = events
        .iter()
        .filter_map(|e| e.start_time)
        .chain(std::iter::once(first.at))
        .min()
        .unwrap_or(first.at);
    // A FAILED call never connected, whatever times it reports.
    let talked = terminate
        .filter(|t| t.outcome.as_deref() != Some("FAILED"))
        .and_then(|t| {
            t.duration
                .or_else(|| Some(t.end_time? - t.start_time?))
                .filter(|d| *d > 0)
        });
    let summary = match (direction, terminate, talked) {
        (CallDirection::Incoming, None, _) => "Incoming call".to_string(),
        (CallDirection::Incoming, Some(_), Some(d)) => {
            format!("Incoming call, {}", call_duration(d))
        }
        (CallDirection::Incoming, Some(_), None) => "Missed call".to_string(),
        (CallDirection::Outgoing, Some(_), Some(d)) => {
            format!("Outgoing call, {}", call_duration(d))
        }
        (CallDirection::Outgoing, _, None) if has_status("REJECTED") => {
            "Outgoing call, declined".to_string()
        }
        (CallDirection::Outgoing, Some(t), None) if t.outcome.as_deref() == Some("FAILED") => {
            "Outgoing call, failed".to_string()
        }
        (CallDirection::Outgoing, Some(_), None) => "Outgoing call, not answered".to_string(),
        (CallDirection::Outgoing, None, _) if has_status("ACCEPTED") => {
            "Outgoing call, answered".to_string()
        }
        (CallDirection::Outgoing, None, _) => "Outgoing call, ringing".to_string(),
    };
    Some(CallRecord {
        direction,
        at,
        summary: format!("[call] {summary}"),
        opens_window: direction == CallDirection::Incoming,
    })
}

/// `45 s`, `2 min 0 s`, `1 h 3 min`: a call's length as people say it.
pub fn call_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec} s"),
        (0, min, sec) => format!("{min} min {sec} s"),
        (h, min, _) => format!("{h} h {min} min"),
    }
}

/// The customer's answer to a call permission request (`interactive.call_permission_reply`).
#[derive(Debug, Clone, PartialEq)]
pub struct CallPermission {
    pub accepted: bool,
    /// Until when the business may call (accepted answers only).
    pub expires_at: Option<i64>,
    /// `user_action` (the customer tapped) or `automatic` (granted by calling the business).
    pub source: Option<String>,
}

impl CallPermission {
    pub fn from_reply(reply: &Value) -> Self {
        CallPermission {
            accepted: str_of(reply, "response")
                .is_some_and(|r| matches!(r.to_ascii_lowercase().as_str(), "accept" | "accepted")),
            expires_at: seconds(reply, "expiration_timestamp"),
            source: str_of(reply, "response_source"),
        }
    }

    /// `[call permission] accepted until 2025-07-22 12:23 UTC, by the customer`.
    pub fn summary(&self) -> String {
        let mut out = String::from("[call permission] ");
        out.push_str(if self.accepted {
            "accepted"
        } else {
            "rejected"
        });
        if self.accepted
            && let Some(until) = self.expires_at
        {
            out.push_str(&format!(" until {}", utc_minute(until)));
        }
        match self.source.as_deref() {
            Some("user_action") => out.push_str(", by the customer"),
            Some("automatic") => out.push_str(", automatically (the customer called)"),
            Some(other) => out.push_str(&format!(", by {other}")),
            None => {}
        }
        out
    }
}

/// `2025-07-22 12:23 UTC`: stored text is read in every time zone, so it says which it uses.
fn utc_minute(unix: i64) -> String {
    let full = super::time::rfc3339(unix);
    match (full.get(..10), full.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn connect(direction: &str, at: i64) -> CallEvent {
        CallEvent::from_call(
            &json!({"id":"wacid.A","event":"connect","timestamp":at.to_string(),
                                     "direction":direction,"from":"59170000001","to":"15550001111",
                                     "session":{"sdp_type":"offer","sdp":"v=0"}}),
        )
        .unwrap()
    }

    fn terminate(direction: &str, status: &str, duration: Option<i64>) -> CallEvent {
        let mut v = json!({"id":"wacid.A","event":"terminate","timestamp":"1700000200",
                           "direction":direction,"status":status,"from":"59170000001",
                           "to":"15550001111"});
        if let Some(d) = duration {
            v["duration"] = json!(d);
            v["start_time"] = json!("1700000080");
            v["end_time"] = json!((1_700_000_080 + d).to_string());
        }
        CallEvent::from_call(&v).unwrap()
    }

    fn status(s: &str, at: i64) -> CallEvent {
        CallEvent::from_status(&json!({"id":"wacid.A","type":"call","status":s,
                                       "timestamp":at.to_string(),"recipient_id":"59170000001"}))
        .unwrap()
    }

    fn summary(events: &[CallEvent]) -> String {
        record_of(events).unwrap().summary
    }

    #[test]
    fn an_answered_incoming_call_shows_its_length() {
        let events = [
            connect("USER_INITIATED", 1_700_000_070),
            terminate("USER_INITIATED", "COMPLETED", Some(120)),
        ];
        let r = record_of(&events).unwrap();
        assert_eq!(r.summary, "[call] Incoming call, 2 min 0 s");
        assert_eq!(r.at, 1_700_000_070);
        assert_eq!(r.direction, CallDirection::Incoming);
        assert!(r.opens_window);
    }

    #[test]
    fn an_incoming_call_nobody_took_is_missed() {
        assert_eq!(
            summary(&[connect("USER_INITIATED", 1_700_000_000)]),
            "[call] Incoming call"
        );
        assert_eq!(
            summary(&[terminate("USER_INITIATED", "FAILED", Some(30))]),
            "[call] Missed call"
        );
        assert_eq!(
            summary(&[
                terminate("USER_INITIATED", "FAILED", None),
                connect("USER_INITIATED", 1_700_000_000)
            ]),
            "[call] Missed call"
        );
    }

    #[test]
    fn the_business_calls_never_open_the_window_and_say_how_they_went() {
        let ringing = status("RINGING", 1_700_000_001);
        let r = record_of(std::slice::from_ref(&ringing)).unwrap();
        assert_eq!(r.summary, "[call] Outgoing call, ringing");
        assert!(!r.opens_window);
        assert_eq!(
            summary(&[ringing.clone(), status("REJECTED", 1_700_000_009)]),
            "[call] Outgoing call, declined"
        );
        assert_eq!(
            summary(&[ringing.clone(), status("ACCEPTED", 1_700_000_009)]),
            "[call] Outgoing call, answered"
        );
        assert_eq!(
            summary(&[
                connect("BUSINESS_INITIATED", 1_700_000_000),
                terminate("BUSINESS_INITIATED", "COMPLETED", Some(45))
            ]),
            "[call] Outgoing call, 45 s"
        );
        assert_eq!(
            summary(&[ringing, terminate("BUSINESS_INITIATED", "COMPLETED", None)]),
            "[call] Outgoing call, not answered"
        );
    }

    #[test]
    fn events_without_id_event_or_time_are_refused() {
        assert!(CallEvent::from_call(&json!({"event":"connect","timestamp":"1"})).is_err());
        assert!(CallEvent::from_call(&json!({"id":"wacid.A","timestamp":"1"})).is_err());
        assert!(CallEvent::from_call(&json!({"id":"wacid.A","event":"connect"})).is_err());
        assert_eq!(status("RINGING", 5).event, "status:RINGING");
    }

    #[test]
    fn the_customer_is_the_side_that_is_not_the_business() {
        let c = connect("USER_INITIATED", 1);
        assert_eq!(
            c.customer("+1 555 000 1111").as_deref(),
            Some("59170000001")
        );
        let out = CallEvent::from_call(&json!({"id":"wacid.B","event":"connect","timestamp":"1",
                                               "direction":"BUSINESS_INITIATED",
                                               "from":"15550001111","to":"59170000002"}))
        .unwrap();
        assert_eq!(out.customer("15550001111").as_deref(), Some("59170000002"));
        assert_eq!(
            status("RINGING", 1).customer("15550001111").as_deref(),
            Some("59170000001")
        );
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(call_duration(45), "45 s");
        assert_eq!(call_duration(120), "2 min 0 s");
        assert_eq!(call_duration(3_780), "1 h 3 min");
    }

    #[test]
    fn a_permission_answer_says_accepted_or_rejected_until_when_and_how() {
        let yes = CallPermission::from_reply(
            &json!({"response":"accept","expiration_timestamp":1_753_186_982,"response_source":"user_action"}),
        );
        assert_eq!(
            yes.summary(),
            "[call permission] accepted until 2025-07-22 12:23 UTC, by the customer"
        );
        let no =
            CallPermission::from_reply(&json!({"response":"reject","response_source":"automatic"}));
        assert_eq!(
            no.summary(),
            "[call permission] rejected, automatically (the customer called)"
        );
    }
}
