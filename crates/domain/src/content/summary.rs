//! The one-line text wabox shows for a message.

use super::MessageContent;

impl MessageContent {
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
