//! The inbox as people read it: conversations, messages, search hits and a contact.

use super::{clip, say, table};
use crate::cli::reader::Reader;
use crate::domain::time::rfc3339_here;
use crate::protocol::admin::{ContactDetails, SearchHit};
use crate::protocol::views::{ConversationView, MessageView};

/// A conversation's state in a table: a snooze says how long it has left (the customer's
/// next message wakes it sooner), a block says so.
fn state_words(c: &ConversationView, now: i64) -> String {
    let state = match (c.state, c.snoozed_until) {
        (crate::protocol::ConversationState::Snoozed, Some(until)) => format!(
            "{} {}",
            c.state,
            crate::domain::time::short_duration(until - now)
        ),
        _ => c.state.to_string(),
    };
    match &c.blocked {
        Some(_) => format!("{state} (blocked)"),
        None => state,
    }
}

pub fn conversations(cs: &[ConversationView], reader: &Reader) {
    if cs.is_empty() {
        say!("no conversations");
        return;
    }
    table(
        &[
            "ID",
            "NUMBER",
            "CONTACT",
            "STATE",
            "AGENT",
            "UNREAD",
            "WINDOW",
            "LAST MESSAGE",
        ],
        cs.iter()
            .map(|c| {
                let who = contact_words(c);
                vec![
                    c.id.to_string(),
                    format!("+{}", c.display_phone),
                    clip(&who, 24),
                    state_words(c, reader.now),
                    c.assignee
                        .as_ref()
                        .map(|a| format!("@{}", clip(a, 16)))
                        .unwrap_or_default(),
                    c.unread.to_string(),
                    format!(
                        "{}{}",
                        c.window.label(reader.now),
                        if c.from_ad { " (ad)" } else { "" }
                    ),
                    c.last_message
                        .as_ref()
                        .map(|m| clip(&m.text, 50))
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    )
}

/// One line per message: time, direction, id, text, then what happened to it in brackets.
pub fn messages(ms: &[MessageView], reader: &Reader) {
    for m in ms {
        say!("{}", message_line(m, reader));
    }
}

/// A message as `messages` prints it (its text still the customer's: print it with `say!`).
pub fn message_line(m: &MessageView, reader: &Reader) -> String {
    let arrow = match m.direction {
        crate::protocol::Direction::In => "<-",
        crate::protocol::Direction::Out => "->",
    };
    let notes = notes(m, reader);
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("  [{}]", notes.join(", "))
    };
    format!(
        "{} {} #{} {}{}",
        rfc3339_here(m.at),
        arrow,
        m.id,
        m.text,
        notes
    )
}

/// Who a conversation is with, as the tables name them.
pub fn contact_words(c: &ConversationView) -> String {
    c.contact
        .name
        .clone()
        .or_else(|| c.contact.wa_id.as_ref().map(|w| format!("+{w}")))
        .or_else(|| c.contact.user_id.clone())
        .unwrap_or_default()
}

/// Where a message came from, its status or failure, edits, its file and reactions.
fn notes(m: &MessageView, reader: &Reader) -> Vec<String> {
    use crate::protocol::{MediaState, Origin};
    let mut notes = Vec::new();
    match m.origin {
        Origin::PhoneApp => notes.push("sent from phone".to_string()),
        Origin::History => notes.push("history".to_string()),
        _ => {}
    }
    if let Some(by) = &m.sent_by {
        notes.push(format!("by {by}"));
    }
    if let Some(s) = &m.status {
        notes.push(s.to_string());
    }
    if let Some(e) = &m.error {
        notes.push(crate::cli::failure::note(e, reader));
    }
    if m.edited {
        notes.push("edited".into());
    }
    if m.revoked {
        notes.push("deleted".into());
    }
    if let Some(media) = &m.media {
        notes.push(match media.state {
            MediaState::Downloaded => format!("file {} bytes", media.bytes.unwrap_or(0)),
            MediaState::Failed if media.expired => {
                format!("file {}", media.error.as_deref().unwrap_or("deleted"))
            }
            MediaState::Failed => {
                format!("file failed: {}", media.error.as_deref().unwrap_or(""))
            }
            MediaState::Pending => match &media.error {
                Some(e) => format!("download failed, retrying: {e}"),
                None => "downloading…".to_string(),
            },
        });
    }
    for r in &m.reactions {
        notes.push(format!("{} by {}", r.emoji, r.by));
    }
    notes
}

pub fn search_results(hits: &[SearchHit]) {
    if hits.is_empty() {
        say!("nothing found");
        return;
    }
    table(
        &["MESSAGE", "CONVERSATION", "CONTACT", "AT", "TEXT"],
        hits.iter()
            .map(|h| {
                vec![
                    h.message_id.to_string(),
                    h.conversation_id.to_string(),
                    h.contact.clone(),
                    rfc3339_here(h.at),
                    h.snippet.replace('\n', " "),
                ]
            })
            .collect(),
    )
}

pub fn contact(c: &ContactDetails) {
    say!(
        "{} · {} · {} · tenant {}",
        c.name.as_deref().unwrap_or("(no name)"),
        c.wa_id
            .as_ref()
            .map(|w| format!("+{w}"))
            .unwrap_or_else(|| "no phone number".into()),
        match (&c.username, &c.user_id) {
            (Some(name), Some(user)) => format!("{name} ({user})"),
            (Some(name), None) => name.clone(),
            (None, Some(user)) => user.clone(),
            (None, None) => "no user id".into(),
        },
        c.tenant
    );
    say!(
        "labels: {}",
        if c.labels.is_empty() {
            "none".to_string()
        } else {
            c.labels.join(", ")
        }
    );
    if let Some(o) = &c.opted_out {
        let by = match o.by.as_str() {
            "customer" => "by writing a stop word".to_string(),
            user => format!("by {user}"),
        };
        say!(
            "opted out of marketing {} ({by}): broadcasts skip them",
            crate::domain::time::rfc3339_here(o.at)
        );
    }
    for n in &c.notes {
        say!("note by {} at {}: {}", n.author, rfc3339_here(n.at), n.text);
    }
}
