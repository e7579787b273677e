//! What a WhatsApp message carries, by type, and the one-line text wabox shows for it.

use super::calls::CallPermission;
use super::forms::{FormField, fields_of_response};
use serde_json::Value;

/// The content of one message, parsed from its `type` and the object of that name.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageContent {
    Text {
        body: String,
    },
    /// `image`, `video`, `audio`, `document` and `sticker` share this shape.
    Media {
        kind: String,
        media_id: Option<String>,
        mime_type: Option<String>,
        caption: Option<String>,
        filename: Option<String>,
        voice: bool,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts {
        /// `Name +phone` for each shared contact.
        cards: Vec<String>,
    },
    /// An interactive reply: `button_reply`, `list_reply` or `nfm_reply` (Flows).
    Interactive {
        reply_type: String,
        id: Option<String>,
        title: String,
    },
    /// A completed WhatsApp Flow (`nfm_reply`): what the customer filled in, `flow_token` left out.
    FlowReply {
        fields: Vec<FormField>,
        /// What WhatsApp showed the customer on sending (`Sent`).
        body: String,
    },
    /// The customer's answer to a call permission request (`call_permission_reply`).
    CallPermissionReply(CallPermission),
    /// An `interactive` message without its object: Meta sends it so, with `errors`, when the
    /// customer's reply is one it cannot deliver. Kept whole, shown with the reason Meta gives.
    UnreadableInteractive {
        reason: Option<String>,
    },
    /// A tap on a template's quick-reply button.
    Button {
        payload: Option<String>,
        text: String,
    },
    /// A reaction to another message; an empty emoji removes it.
    Reaction {
        target: String,
        emoji: String,
    },
    Order {
        item_count: usize,
        text: Option<String>,
    },
    System {
        body: String,
        system_type: Option<String>,
        new_wa_id: Option<String>,
    },
    /// Meta's own `unsupported` type (e.g. polls), with the type it names when it does.
    Unsupported {
        kind: Option<String>,
    },
    /// The customer edited an earlier message.
    Edit {
        original: String,
        new_content: Box<MessageContent>,
    },
    /// The customer deleted an earlier message.
    Revoke {
        original: String,
    },
    /// A file in a coexistence history import whose media Meta sends later, in a separate
    /// `history` post with the same wamid (only for files of the last 14 days).
    MediaPlaceholder,
    /// A type this version of wabox does not know: kept with its raw JSON, shown as unsupported.
    Unknown {
        kind: String,
    },
}

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

    /// The message's `type` as Meta names it.
    pub fn kind(&self) -> &str {
        match self {
            MessageContent::Text { .. } => "text",
            MessageContent::Media { kind, .. } => kind,
            MessageContent::Location { .. } => "location",
            MessageContent::Contacts { .. } => "contacts",
            MessageContent::Interactive { .. }
            | MessageContent::FlowReply { .. }
            | MessageContent::CallPermissionReply(_)
            | MessageContent::UnreadableInteractive { .. } => "interactive",
            MessageContent::Button { .. } => "button",
            MessageContent::Reaction { .. } => "reaction",
            MessageContent::Order { .. } => "order",
            MessageContent::System { .. } => "system",
            MessageContent::Unsupported { .. } => "unsupported",
            MessageContent::Edit { .. } => "edit",
            MessageContent::Revoke { .. } => "revoke",
            MessageContent::MediaPlaceholder => "media_placeholder",
            MessageContent::Unknown { kind } => kind,
        }
    }

    /// One line of readable text: the body, a caption, or a summary such as
    /// `[location] Av. Arce 2631`.
    pub fn summary(&self) -> String {
        match self {
            MessageContent::Text { body } => body.clone(),
            MessageContent::Media {
                kind,
                caption,
                filename,
                voice,
                ..
            } => {
                let label = if kind == "audio" && *voice {
                    "voice message"
                } else {
                    kind.as_str()
                };
                let detail: Vec<&str> = [filename.as_deref(), caption.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                if detail.is_empty() {
                    format!("[{label}]")
                } else {
                    format!("[{label}] {}", detail.join(" — "))
                }
            }
            MessageContent::Location {
                latitude,
                longitude,
                name,
                address,
            } => {
                let place: Vec<&str> = [name.as_deref(), address.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                if place.is_empty() {
                    format!("[location] {latitude:.5}, {longitude:.5}")
                } else {
                    format!("[location] {}", place.join(", "))
                }
            }
            MessageContent::Contacts { cards } => format!("[contact] {}", cards.join("; ")),
            MessageContent::Interactive {
                reply_type, title, ..
            } => match reply_type.as_str() {
                "list_reply" => format!("[list] {title}"),
                "nfm_reply" => format!("[form] {title}"),
                "button_reply" => format!("[button] {title}"),
                other => format!("[interactive: {other}] {title}")
                    .trim_end()
                    .to_string(),
            },
            MessageContent::FlowReply { fields, body } if fields.is_empty() => {
                format!("[form] {body}").trim_end().to_string()
            }
            MessageContent::FlowReply { fields, .. } => {
                let shown: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, f.value))
                    .collect();
                format!("[form] {}", shown.join(" · "))
            }
            MessageContent::CallPermissionReply(p) => p.summary(),
            MessageContent::UnreadableInteractive { reason: Some(r) } => {
                format!("[interactive reply — not readable: {r}]")
            }
            MessageContent::UnreadableInteractive { reason: None } => {
                "[interactive reply — not readable]".to_string()
            }
            MessageContent::Button { text, .. } => format!("[button] {text}"),
            MessageContent::Reaction { emoji, .. } if emoji.is_empty() => {
                "[reaction removed]".to_string()
            }
            MessageContent::Reaction { emoji, .. } => format!("[reaction] {emoji}"),
            MessageContent::Order { item_count, text } => {
                let items = if *item_count == 1 { "item" } else { "items" };
                match text {
                    Some(t) => format!("[order] {item_count} {items} — {t}"),
                    None => format!("[order] {item_count} {items}"),
                }
            }
            MessageContent::System {
                body,
                system_type,
                new_wa_id,
            } => system_summary(body, system_type.as_deref(), new_wa_id.as_deref()),
            MessageContent::Unsupported { kind: Some(k) } => format!("[unsupported: {k}]"),
            MessageContent::Unsupported { kind: None } => "[unsupported message]".to_string(),
            MessageContent::Edit { new_content, .. } => new_content.summary(),
            MessageContent::Revoke { .. } => "[deleted]".to_string(),
            MessageContent::MediaPlaceholder => {
                "[media — arriving from the phone's history]".to_string()
            }
            MessageContent::Unknown { kind } => format!("[unsupported: {kind}]"),
        }
    }
}

/// What a `system` message says happened, in words even when Meta's `body` is empty or vague.
fn system_summary(body: &str, system_type: Option<&str>, new_wa_id: Option<&str>) -> String {
    match (system_type, new_wa_id) {
        // Meta's body ("User identity changed") does not say what it means for the agent.
        (Some("customer_identity_changed"), _) => "[system] the customer's security code \
            changed (new phone or WhatsApp reinstalled): confirm who they are before sharing \
            private details"
            .to_string(),
        (Some("user_changed_number"), Some(w)) if body.trim().is_empty() => {
            format!("[system] the customer changed their number to +{w}")
        }
        (Some("user_changed_user_id"), _) if body.trim().is_empty() => {
            "[system] the customer's WhatsApp user id changed".to_string()
        }
        _ if body.trim().is_empty() => {
            format!(
                "[system] {}",
                system_type.unwrap_or("notice").replace('_', " ")
            )
        }
        _ => format!("[system] {body}"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn summary(v: Value) -> String {
        MessageContent::from_message(&v).summary()
    }

    #[test]
    fn text_shows_its_body() {
        assert_eq!(
            summary(json!({"type":"text","text":{"body":"hola"}})),
            "hola"
        );
    }

    #[test]
    fn media_shows_kind_and_caption() {
        assert_eq!(
            summary(json!({"type":"image","image":{"id":"1","caption":"The box"}})),
            "[image] The box"
        );
        assert_eq!(
            summary(json!({"type":"sticker","sticker":{"id":"1"}})),
            "[sticker]"
        );
        assert_eq!(
            summary(json!({"type":"audio","audio":{"id":"1","voice":true}})),
            "[voice message]"
        );
        assert_eq!(
            summary(
                json!({"type":"document","document":{"id":"1","filename":"inv.pdf","caption":"March"}})
            ),
            "[document] inv.pdf — March"
        );
    }

    #[test]
    fn location_prefers_name_and_address() {
        assert_eq!(
            summary(
                json!({"type":"location","location":{"latitude":-16.5,"longitude":-68.1,"address":"Av. Arce 2631"}})
            ),
            "[location] Av. Arce 2631"
        );
        assert_eq!(
            summary(json!({"type":"location","location":{"latitude":-16.5,"longitude":-68.15}})),
            "[location] -16.50000, -68.15000"
        );
    }

    #[test]
    fn a_security_code_change_says_what_happened() {
        let shown = summary(
            json!({"type":"system","system":{"body":"User identity changed",
            "type":"customer_identity_changed"}}),
        );
        assert!(shown.contains("security code changed"), "{shown}");
        assert_eq!(
            summary(
                json!({"type":"system","system":{"type":"user_changed_number","wa_id":"59172000002"}})
            ),
            "[system] the customer changed their number to +59172000002"
        );
        assert_eq!(
            summary(json!({"type":"system","system":{"type":"something_new"}})),
            "[system] something new"
        );
    }

    #[test]
    fn replies_orders_and_system_messages_are_summarised() {
        assert_eq!(
            summary(
                json!({"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"a","title":"Size M"}}})
            ),
            "[list] Size M"
        );
        assert_eq!(
            summary(json!({"type":"button","button":{"payload":"STOP","text":"Stop promotions"}})),
            "[button] Stop promotions"
        );
        assert_eq!(
            summary(
                json!({"type":"order","order":{"catalog_id":"1","product_items":[{"quantity":2},{"quantity":1}]}})
            ),
            "[order] 3 items"
        );
        assert_eq!(
            summary(
                json!({"type":"system","system":{"body":"User A changed from 1 to 2","type":"user_changed_number","wa_id":"2"}})
            ),
            "[system] User A changed from 1 to 2"
        );
        assert_eq!(
            summary(
                json!({"type":"contacts","contacts":[{"name":{"formatted_name":"Ana"},"phones":[{"phone":"+591 700"}]}]})
            ),
            "[contact] Ana +591 700"
        );
    }

    #[test]
    fn unknown_types_are_kept_as_unsupported_not_dropped() {
        let c = MessageContent::from_message(&json!({"type":"poll_v9","poll_v9":{"q":"?"}}));
        assert_eq!(
            c,
            MessageContent::Unknown {
                kind: "poll_v9".into()
            }
        );
        assert_eq!(c.summary(), "[unsupported: poll_v9]");
        assert_eq!(
            summary(json!({"type":"unsupported","unsupported":{"type":"poll"}})),
            "[unsupported: poll]"
        );
    }

    #[test]
    fn a_history_media_placeholder_says_its_file_is_on_the_way() {
        let c = MessageContent::from_message(
            &json!({"type":"media_placeholder","history_context":{"status":"READ"}}),
        );
        assert_eq!(c, MessageContent::MediaPlaceholder);
        assert_eq!(c.kind(), "media_placeholder");
        assert_eq!(c.summary(), "[media — arriving from the phone's history]");
    }

    #[test]
    fn edits_carry_the_new_content_and_revokes_the_original() {
        let c = MessageContent::from_message(
            &json!({"type":"edit","edit":{"original_message_id":"wamid.A","message":{"type":"text","text":{"body":"new"}}}}),
        );
        match &c {
            MessageContent::Edit {
                original,
                new_content,
            } => {
                assert_eq!(original, "wamid.A");
                assert_eq!(new_content.summary(), "new");
            }
            other => panic!("expected an edit, got {other:?}"),
        }
        let r = MessageContent::from_message(
            &json!({"type":"revoke","revoke":{"original_message_id":"wamid.B"}}),
        );
        assert_eq!(
            r,
            MessageContent::Revoke {
                original: "wamid.B".into()
            }
        );
    }

    #[test]
    fn reactions_and_their_removal() {
        assert_eq!(
            MessageContent::from_message(
                &json!({"type":"reaction","reaction":{"message_id":"wamid.X","emoji":""}})
            )
            .summary(),
            "[reaction removed]"
        );
    }
}

impl MessageContent {
    /// Whether this message, sent by the customer, opens (or resets) the service window. Meta
    /// says a message or a call does; reactions, edits, deletions and system notices are not
    /// messages the customer wrote to us, and counting them could let a doomed send through.
    pub fn opens_window(&self) -> bool {
        !matches!(
            self,
            MessageContent::Reaction { .. }
                | MessageContent::Edit { .. }
                | MessageContent::Revoke { .. }
                | MessageContent::System { .. }
        )
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_messages_the_customer_wrote_open_the_window() {
        let opens = |v| MessageContent::from_message(&v).opens_window();
        assert!(opens(json!({"type":"text","text":{"body":"hi"}})));
        assert!(opens(json!({"type":"image","image":{"id":"1"}})));
        assert!(opens(
            json!({"type":"unsupported","unsupported":{"type":"poll"}})
        ));
        assert!(!opens(
            json!({"type":"reaction","reaction":{"message_id":"w","emoji":"👍"}})
        ));
        assert!(!opens(json!({"type":"system","system":{"body":"changed"}})));
        assert!(!opens(
            json!({"type":"revoke","revoke":{"original_message_id":"w"}})
        ));
    }
}

#[cfg(test)]
#[path = "content_interactive_tests.rs"]
mod interactive_tests;
