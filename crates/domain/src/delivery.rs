//! Parses a webhook delivery into changes. Tolerant of what Meta may add, strict about what wabox
//! needs: a message without an id or a timestamp makes the delivery invalid, never half-applied.

use crate::{Bsuid, MessageContent, PhoneNumberId, WaId, WabaId, Wamid};
use serde_json::Value;

/// A delivery that cannot be understood; it stays in the journal as `invalid` with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(msg.into()))
}

/// One POST body: every change of every entry, in order.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub changes: Vec<Change>,
}

/// One `entry[].changes[]` item.
#[derive(Debug, Clone)]
pub struct Change {
    /// Position in the delivery, stable across replays (used to keep events idempotent).
    pub index: usize,
    pub waba_id: WabaId,
    pub field: String,
    /// `value.metadata.phone_number_id`, the routing key of message-path fields.
    pub phone_number_id: Option<PhoneNumberId>,
    /// `value.metadata.display_phone_number`: the business's own number, to tell history directions.
    pub display_phone: Option<String>,
    pub payload: ChangePayload,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub enum ChangePayload {
    Messages {
        contacts: Vec<ContactProfile>,
        messages: Vec<InboundMessage>,
        statuses: Vec<StatusReport>,
        errors: Vec<Value>,
    },
    Echoes {
        echoes: Vec<Echo>,
    },
    History {
        chunks: Vec<HistoryChunk>,
        /// Media of history messages arrive as `value.messages[]` in separate posts.
        messages: Vec<HistoryMessage>,
    },
    TemplateStatus(TemplateStatusUpdate),
    /// `calls`: call events and call statuses, each keyed by call id and event.
    Calls {
        contacts: Vec<ContactProfile>,
        events: Vec<crate::calls::CallEvent>,
        errors: Vec<Value>,
    },
    /// A field wabox records but does not act on yet (account_update, quality updates, …).
    Recorded {
        event: Option<String>,
    },
}

/// `contacts[]`: who wrote, with the profile name they chose.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactProfile {
    pub wa_id: Option<WaId>,
    pub user_id: Option<Bsuid>,
    pub name: Option<String>,
    /// `profile.username`: the handle a customer who hides their number chose.
    pub username: Option<String>,
}

/// A customer's identity as one message names it; at least one of the two is present.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerKey {
    pub wa_id: Option<WaId>,
    pub user_id: Option<Bsuid>,
}

#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub quoted: Option<Wamid>,
    pub forwarded: bool,
}

/// An inbound `messages[]` item.
#[derive(Debug, Clone)]
pub struct InboundMessage {
    pub wamid: Wamid,
    pub from: CustomerKey,
    pub at: i64,
    pub content: MessageContent,
    pub context: Option<ReplyContext>,
    pub referral: Option<Value>,
    /// Meta's Groups API: the group the message was written in (the author is `from`).
    pub group_id: Option<String>,
    /// The type-specific object (or the whole message for a type wabox does not know).
    pub payload: Value,
}

/// A `statuses[]` item.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub wamid: Wamid,
    pub status: String,
    pub at: i64,
    pub recipient_id: Option<String>,
    /// `recipient_user_id`: the BSUID, when the customer's phone number is hidden.
    pub recipient_user_id: Option<Bsuid>,
    pub error: Option<ReportedError>,
    pub pricing: Option<Value>,
    pub callback_data: Option<String>,
    /// `group` for a message sent to a group (then `recipient_id` is the group id).
    pub recipient_type: Option<String>,
    /// In a group: the participant this status is about.
    pub recipient_participant_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportedError {
    pub code: i64,
    pub title: String,
    pub detail: Option<String>,
}

/// A `message_echoes[]` item: sent by the business from the WhatsApp Business app.
#[derive(Debug, Clone)]
pub struct Echo {
    pub wamid: Wamid,
    pub to: CustomerKey,
    pub at: i64,
    pub content: MessageContent,
    pub context: Option<ReplyContext>,
    pub payload: Value,
}

#[derive(Debug, Clone)]
pub struct HistoryChunk {
    pub phase: i64,
    pub chunk_order: i64,
    pub progress: Option<i64>,
    pub error: Option<ReportedError>,
    pub threads: Vec<HistoryThread>,
}

#[derive(Debug, Clone)]
pub struct HistoryThread {
    pub customer: CustomerKey,
    pub messages: Vec<HistoryMessage>,
}

#[derive(Debug, Clone)]
pub struct HistoryMessage {
    pub wamid: Wamid,
    pub from: Option<String>,
    pub to: Option<String>,
    pub at: i64,
    pub content: MessageContent,
    pub context: Option<ReplyContext>,
    pub status: Option<String>,
    pub payload: Value,
}

#[derive(Debug, Clone)]
pub struct TemplateStatusUpdate {
    pub event: String,
    pub template_id: String,
    pub name: Option<String>,
    pub language: Option<String>,
    pub category: Option<String>,
    pub reason: Option<String>,
}

/// Parses a raw body. Fails only on what makes the delivery unusable.
pub fn parse_delivery(body: &[u8]) -> Result<Delivery, ParseError> {
    let mut root: Value = serde_json::from_slice(body)
        .map_err(|e| ParseError(format!("the body is not JSON: {e}")))?;
    // Taken apart, not cloned: each change keeps its `value`, and copying them was about a
    // third of the parse's time (`perf`, three engines in a burst).
    let Some(Value::Array(entries)) = root.get_mut("entry").map(Value::take) else {
        return err("the body has no `entry` array");
    };
    let mut changes = Vec::new();
    for (e, mut entry) in entries.into_iter().enumerate() {
        let waba_id = match entry.get("id") {
            Some(Value::String(s)) => WabaId(s.clone()),
            Some(Value::Number(n)) => WabaId(n.to_string()),
            _ => return err(format!("entry[{e}] has no `id`")),
        };
        let Some(Value::Array(entry_changes)) = entry.get_mut("changes").map(Value::take) else {
            return err(format!("entry[{e}] has no `changes` array"));
        };
        for (c, mut change) in entry_changes.into_iter().enumerate() {
            let at = format!("entry[{e}].changes[{c}]");
            let Some(field) = change
                .get("field")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                return err(format!("{at} has no `field`"));
            };
            let value = change.get_mut("value").map_or(Value::Null, Value::take);
            let metadata = value.get("metadata");
            let phone_number_id = metadata
                .and_then(|m| m.get("phone_number_id"))
                .and_then(id_string)
                .map(PhoneNumberId);
            let display_phone = metadata
                .and_then(|m| m.get("display_phone_number"))
                .and_then(id_string);
            let payload =
                parse_change(&field, &value).map_err(|e| ParseError(format!("{at}: {}", e.0)))?;
            changes.push(Change {
                index: changes.len(),
                waba_id: waba_id.clone(),
                field,
                phone_number_id,
                display_phone,
                payload,
                value,
            });
        }
    }
    Ok(Delivery { changes })
}

fn parse_change(field: &str, value: &Value) -> Result<ChangePayload, ParseError> {
    Ok(match field {
        "messages" => ChangePayload::Messages {
            contacts: array(value, "contacts").iter().map(parse_contact).collect(),
            messages: indexed(value, "messages", |m| {
                parse_inbound(m, array(value, "errors"))
            })?,
            statuses: indexed(value, "statuses", parse_status)?,
            errors: array(value, "errors").to_vec(),
        },
        "smb_message_echoes" => ChangePayload::Echoes {
            echoes: indexed(value, "message_echoes", parse_echo)?,
        },
        "history" => ChangePayload::History {
            chunks: indexed(value, "history", parse_history_chunk)?,
            messages: indexed(value, "messages", parse_history_message)?,
        },
        "message_template_status_update" => {
            let template_id = value
                .get("message_template_id")
                .and_then(id_string)
                .ok_or_else(|| ParseError("no `message_template_id`".into()))?;
            ChangePayload::TemplateStatus(TemplateStatusUpdate {
                event: str_of(value, "event").unwrap_or_else(|| "UNKNOWN".into()),
                template_id,
                name: str_of(value, "message_template_name"),
                language: str_of(value, "message_template_language"),
                category: str_of(value, "message_template_category"),
                reason: str_of(value, "reason").filter(|r| r != "NONE"),
            })
        }
        "calls" => ChangePayload::Calls {
            contacts: array(value, "contacts").iter().map(parse_contact).collect(),
            events: {
                use crate::calls::CallEvent;
                let mut events = indexed(value, "calls", |c| {
                    CallEvent::from_call(c).map_err(ParseError)
                })?;
                events.extend(indexed(value, "statuses", |c| {
                    CallEvent::from_status(c).map_err(ParseError)
                })?);
                events
            },
            errors: array(value, "errors").to_vec(),
        },
        _ => ChangePayload::Recorded {
            event: str_of(value, "event"),
        },
    })
}

fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn indexed<T>(
    value: &Value,
    key: &str,
    f: impl Fn(&Value) -> Result<T, ParseError>,
) -> Result<Vec<T>, ParseError> {
    array(value, key)
        .iter()
        .enumerate()
        .map(|(i, v)| f(v).map_err(|e| ParseError(format!("{key}[{i}]: {}", e.0))))
        .collect()
}

/// Ids arrive as strings, but a number is accepted too (some tools re-serialise them).
pub(crate) fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(id_string)
}

fn required_wamid(v: &Value) -> Result<Wamid, ParseError> {
    str_of(v, "id")
        .map(Wamid)
        .ok_or_else(|| ParseError("no message `id`".into()))
}

/// `timestamp` is unix seconds as a string; a number is accepted too.
fn required_timestamp(v: &Value) -> Result<i64, ParseError> {
    match v.get("timestamp") {
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| ParseError(format!("`timestamp` {s:?} is not unix seconds"))),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| ParseError("`timestamp` is not whole seconds".into())),
        _ => Err(ParseError("no `timestamp`".into())),
    }
}

/// Tells a BSUID (`US.1349…`) from a phone-number wa_id.
pub fn customer_key_from_id(id: &str) -> CustomerKey {
    if id.contains('.') {
        CustomerKey {
            wa_id: None,
            user_id: Some(Bsuid(id.to_string())),
        }
    } else {
        CustomerKey {
            wa_id: Some(WaId(id.to_string())),
            user_id: None,
        }
    }
}

fn customer_key(v: &Value, wa_key: &str, user_key: &str) -> Result<CustomerKey, ParseError> {
    let key = CustomerKey {
        wa_id: str_of(v, wa_key).map(WaId),
        user_id: str_of(v, user_key).map(Bsuid),
    };
    if key.wa_id.is_none() && key.user_id.is_none() {
        return err(format!(
            "neither `{wa_key}` nor `{user_key}` names the customer"
        ));
    }
    Ok(key)
}

fn parse_contact(v: &Value) -> ContactProfile {
    ContactProfile {
        wa_id: str_of(v, "wa_id").map(WaId),
        user_id: str_of(v, "user_id").map(Bsuid),
        name: v
            .get("profile")
            .and_then(|p| str_of(p, "name"))
            .filter(|n| !n.trim().is_empty()),
        username: v
            .get("profile")
            .and_then(|p| str_of(p, "username"))
            .filter(|n| !n.trim().is_empty()),
    }
}

fn parse_context(v: &Value) -> Option<ReplyContext> {
    let c = v.get("context")?;
    Some(ReplyContext {
        quoted: str_of(c, "id").map(Wamid),
        forwarded: c.get("forwarded").and_then(Value::as_bool).unwrap_or(false)
            || c.get("frequently_forwarded")
                .and_then(Value::as_bool)
                .unwrap_or(false),
    })
}

/// The part of a message worth keeping beside its summary: the object of its type, or the whole
/// message when wabox does not know the type (so nothing is lost).
fn payload_of(v: &Value, content: &MessageContent) -> Value {
    match content {
        MessageContent::Unknown { .. }
        | MessageContent::Unsupported { .. }
        | MessageContent::UnreadableInteractive { .. } => v.clone(),
        _ => v.get(content.kind()).cloned().unwrap_or(Value::Null),
    }
}

fn parse_inbound(v: &Value, change_errors: &[Value]) -> Result<InboundMessage, ParseError> {
    let content = MessageContent::from_message(v).with_change_errors(change_errors);
    Ok(InboundMessage {
        wamid: required_wamid(v)?,
        from: customer_key(v, "from", "from_user_id")?,
        at: required_timestamp(v)?,
        context: parse_context(v),
        referral: v.get("referral").cloned(),
        group_id: str_of(v, "group_id"),
        payload: payload_of(v, &content),
        content,
    })
}

fn parse_error(v: &Value) -> ReportedError {
    ReportedError {
        code: v.get("code").and_then(Value::as_i64).unwrap_or(0),
        title: str_of(v, "title")
            .or_else(|| str_of(v, "message"))
            .unwrap_or_else(|| "Unknown error".into()),
        detail: v.get("error_data").and_then(|d| {
            d.get("details")
                .and_then(id_string)
                .or_else(|| id_string(d))
        }),
    }
}

impl StatusReport {
    /// Sent to a group: `recipient_id` is the group, not a customer to pair ids of.
    pub fn to_group(&self) -> bool {
        self.recipient_type.as_deref() == Some("group")
    }
}

fn parse_status(v: &Value) -> Result<StatusReport, ParseError> {
    Ok(StatusReport {
        wamid: required_wamid(v)?,
        status: str_of(v, "status").ok_or_else(|| ParseError("no `status`".into()))?,
        at: required_timestamp(v)?,
        recipient_id: str_of(v, "recipient_id"),
        recipient_user_id: str_of(v, "recipient_user_id").map(Bsuid),
        error: array(v, "errors").first().map(parse_error),
        pricing: v.get("pricing").cloned(),
        callback_data: str_of(v, "biz_opaque_callback_data"),
        recipient_type: str_of(v, "recipient_type"),
        recipient_participant_id: str_of(v, "recipient_participant_id"),
    })
}

fn parse_echo(v: &Value) -> Result<Echo, ParseError> {
    let content = MessageContent::from_message(v);
    Ok(Echo {
        wamid: required_wamid(v)?,
        to: customer_key(v, "to", "to_user_id")?,
        at: required_timestamp(v)?,
        context: parse_context(v),
        payload: payload_of(v, &content),
        content,
    })
}

fn parse_history_message(v: &Value) -> Result<HistoryMessage, ParseError> {
    let content = MessageContent::from_message(v);
    Ok(HistoryMessage {
        wamid: required_wamid(v)?,
        from: str_of(v, "from"),
        to: str_of(v, "to"),
        at: required_timestamp(v)?,
        context: parse_context(v),
        status: v
            .get("history_context")
            .and_then(|h| str_of(h, "status"))
            .map(|s| s.to_ascii_lowercase()),
        payload: payload_of(v, &content),
        content,
    })
}

fn parse_history_chunk(v: &Value) -> Result<HistoryChunk, ParseError> {
    let meta = v.get("metadata").unwrap_or(&Value::Null);
    let threads = indexed(v, "threads", |t| {
        let id = str_of(t, "id").ok_or_else(|| ParseError("thread has no `id`".into()))?;
        Ok(HistoryThread {
            customer: customer_key_from_id(&id),
            messages: indexed(t, "messages", parse_history_message)?,
        })
    })?;
    Ok(HistoryChunk {
        phase: meta.get("phase").and_then(Value::as_i64).unwrap_or(0),
        chunk_order: meta.get("chunk_order").and_then(Value::as_i64).unwrap_or(0),
        progress: meta.get("progress").and_then(Value::as_i64),
        error: array(v, "errors").first().map(parse_error),
        threads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn every_reference_payload_parses() {
        for entry in std::fs::read_dir(format!(
            "{}/../../tests/fixtures",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let body = std::fs::read(&path).unwrap();
                parse_delivery(&body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
    }

    #[test]
    fn an_inbound_text_is_routed_by_phone_number_id() {
        let d = parse_delivery(&fixture("01_inbound_text.json")).unwrap();
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(
            c.phone_number_id,
            Some(PhoneNumberId("106540352242922".into()))
        );
        let ChangePayload::Messages {
            messages, contacts, ..
        } = &c.payload
        else {
            panic!("expected messages")
        };
        assert_eq!(messages[0].at, 1_782_900_123);
        assert_eq!(
            messages[0].from.user_id,
            Some(Bsuid("US.13491208655302741918".into()))
        );
        assert_eq!(contacts[0].name.as_deref(), Some("Sheena Nelson"));
    }

    #[test]
    fn a_batch_keeps_each_change_with_its_own_number() {
        let d = parse_delivery(&fixture("10_batch_two_phone_numbers.json")).unwrap();
        let ids: Vec<_> = d
            .changes
            .iter()
            .map(|c| c.phone_number_id.clone().unwrap().0)
            .collect();
        assert_eq!(ids, ["331122009988776", "331122009988777"]);
    }

    #[test]
    fn a_message_without_id_or_timestamp_makes_the_delivery_invalid() {
        let body = br#"{"entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"1","type":"text","timestamp":"1"}]}}]}]}"#;
        let e = parse_delivery(body).unwrap_err();
        assert!(e.0.contains("messages[0]"), "{e}");
        let body = br#"{"entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"w","type":"text","timestamp":"soon"}]}}]}]}"#;
        assert!(parse_delivery(body).is_err());
    }

    #[test]
    fn malformed_json_and_missing_entry_are_errors() {
        assert!(parse_delivery(b"{not json").is_err());
        assert!(parse_delivery(b"{\"object\":\"x\"}").is_err());
    }

    #[test]
    fn bsuid_ids_are_told_from_phone_numbers() {
        assert!(customer_key_from_id("US.134912").wa_id.is_none());
        assert!(customer_key_from_id("5215598765432").user_id.is_none());
    }
}
