//! Reading a message's content from Meta's JSON: by its `type`, never failing on its shape.

use super::MessageContent;
use crate::calls::CallPermission;
use crate::forms::fields_of_response;
use serde_json::Value;

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn non_empty(o: Option<String>) -> Option<String> {
    o.filter(|x| !x.trim().is_empty())
}

impl MessageContent {
    /// Parses a message object (`messages[]`, `message_echoes[]`, history messages, or the inner
    /// `message` of an edit). Unknown types and missing fields never fail: they become
    /// `Unknown` or empty text, because a message must never be dropped for its shape.
    pub fn from_message(message: &Value) -> Self {
        let kind = message
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        let body = message.get(&kind).unwrap_or(&Value::Null);
        match kind.as_str() {
            "text" => MessageContent::Text {
                body: s(body, "body").unwrap_or_default(),
            },
            "image" | "video" | "audio" | "document" | "sticker" => MessageContent::Media {
                media_id: s(body, "id"),
                mime_type: s(body, "mime_type"),
                caption: non_empty(s(body, "caption")),
                filename: non_empty(s(body, "filename")),
                voice: body.get("voice").and_then(Value::as_bool).unwrap_or(false),
                kind,
            },
            "location" => MessageContent::Location {
                latitude: body.get("latitude").and_then(Value::as_f64).unwrap_or(0.0),
                longitude: body.get("longitude").and_then(Value::as_f64).unwrap_or(0.0),
                name: non_empty(s(body, "name")),
                address: non_empty(s(body, "address")),
            },
            "contacts" => {
                let cards = body
                    .as_array()
                    .map(|cards| cards.iter().map(contact_card).collect())
                    .unwrap_or_default();
                MessageContent::Contacts { cards }
            }
            "interactive" => interactive(message, body),
            "button" => MessageContent::Button {
                payload: s(body, "payload"),
                text: s(body, "text").unwrap_or_default(),
            },
            "reaction" => MessageContent::Reaction {
                target: s(body, "message_id").unwrap_or_default(),
                emoji: s(body, "emoji").unwrap_or_default(),
            },
            "order" => MessageContent::Order {
                item_count: body
                    .get("product_items")
                    .and_then(Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .map(|i| {
                                i.get("quantity").and_then(Value::as_u64).unwrap_or(1) as usize
                            })
                            .sum()
                    })
                    .unwrap_or(0),
                text: non_empty(s(body, "text")),
            },
            "system" => MessageContent::System {
                body: s(body, "body").unwrap_or_default(),
                system_type: s(body, "type"),
                new_wa_id: s(body, "wa_id"),
            },
            "unsupported" => MessageContent::Unsupported {
                kind: s(body, "type"),
            },
            "edit" => MessageContent::Edit {
                original: s(body, "original_message_id").unwrap_or_default(),
                new_content: Box::new(
                    body.get("message")
                        .map(MessageContent::from_message)
                        .unwrap_or(MessageContent::Text {
                            body: String::new(),
                        }),
                ),
            },
            "revoke" => MessageContent::Revoke {
                original: s(body, "original_message_id").unwrap_or_default(),
            },
            "media_placeholder" => MessageContent::MediaPlaceholder,
            _ => MessageContent::Unknown { kind },
        }
    }
}

/// An `interactive` reply by its `type`: buttons and lists by their title, a Flow by its fields,
/// a call permission by its answer; without its object, unreadable with the message's own
/// `errors` as the reason (the change's `errors` are added by `with_change_errors`).
fn interactive(message: &Value, body: &Value) -> MessageContent {
    let reply_type = s(body, "type");
    let reply = reply_type
        .as_deref()
        .and_then(|t| body.get(t))
        .filter(|r| r.is_object());
    let (Some(reply_type), Some(reply)) = (reply_type, reply) else {
        let errors = message
            .get("errors")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        return MessageContent::UnreadableInteractive {
            reason: error_reason(errors),
        };
    };
    match reply_type.as_str() {
        "nfm_reply" => MessageContent::FlowReply {
            fields: reply
                .get("response_json")
                .and_then(Value::as_str)
                .map(fields_of_response)
                .unwrap_or_default(),
            body: s(reply, "body").unwrap_or_default(),
        },
        "call_permission_reply" => {
            MessageContent::CallPermissionReply(CallPermission::from_reply(reply))
        }
        _ => MessageContent::Interactive {
            id: s(reply, "id"),
            title: s(reply, "title")
                .or_else(|| s(reply, "body"))
                .or_else(|| s(reply, "name"))
                .unwrap_or_default(),
            reply_type,
        },
    }
}

/// Why Meta could not deliver a message, from its `errors`: the details, else the title.
pub fn error_reason(errors: &[Value]) -> Option<String> {
    let e = errors.first()?;
    e.pointer("/error_data/details")
        .and_then(Value::as_str)
        .or_else(|| e.get("title").and_then(Value::as_str))
        .or_else(|| e.get("message").and_then(Value::as_str))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

impl MessageContent {
    /// An unreadable message whose own `errors` said nothing takes the reason from the errors
    /// of the change that carried it (Meta puts them beside `messages`, not inside).
    pub fn with_change_errors(self, errors: &[Value]) -> Self {
        match self {
            MessageContent::UnreadableInteractive { reason: None } => {
                MessageContent::UnreadableInteractive {
                    reason: error_reason(errors),
                }
            }
            other => other,
        }
    }
}

fn contact_card(card: &Value) -> String {
    let name = card
        .get("name")
        .and_then(|n| s(n, "formatted_name"))
        .unwrap_or_else(|| "(no name)".into());
    let phone = card
        .get("phones")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(|p| s(p, "phone"));
    match phone {
        Some(p) => format!("{name} {p}"),
        None => name,
    }
}
