//! What agents keep about a contact and never send: labels and private notes; and the state
//! they put a conversation in (closed, snoozed).

use super::{Result, StoreError, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
pub use wabox_protocol::admin::ContactDetails;
pub use wabox_protocol::admin::NoteView;

fn contact_of(conn: &Connection, conversation_id: i64) -> Result<i64> {
    conn.query_row(
        "SELECT contact_id FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        StoreError::NotFound(wabox_protocol::ErrorCode::NoConversationListed {
            conversation: conversation_id,
        })
    })
}

pub fn details(conn: &Connection, conversation_id: i64) -> Result<ContactDetails> {
    let contact_id = contact_of(conn, conversation_id)?;
    let (name, wa_id, user_id, username, tenant, opted_out_at, opted_out_by) = conn.query_row(
        "SELECT k.name, k.wa_id, k.user_id, k.username, t.name, k.opted_out_at, k.opted_out_by
         FROM contacts k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?1",
        [contact_id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        },
    )?;
    let labels = conn
        .prepare_cached("SELECT label FROM contact_labels WHERE contact_id = ?1 ORDER BY label")?
        .query_map([contact_id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    let notes = conn
        .prepare_cached(
            "SELECT author, text, at FROM contact_notes WHERE contact_id = ?1 ORDER BY at, id",
        )?
        .query_map([contact_id], |r| {
            Ok(NoteView {
                author: r.get(0)?,
                text: r.get(1)?,
                at: r.get(2)?,
            })
        })?
        .collect::<crate::db::Result<_>>()?;
    Ok(ContactDetails {
        contact_id,
        name,
        wa_id,
        user_id,
        username,
        tenant,
        labels,
        notes,
        opted_out: opted_out_at.map(|at| wabox_protocol::admin::OptOutView {
            at,
            by: opted_out_by.unwrap_or_default(),
        }),
    })
}

/// Opts the conversation's customer out of marketing at `now` (`Some(by)`: `customer`, or the
/// wabox user) or back in (`None`, remembered as when). True when that changed anything (a
/// second STOP changes nothing, and is not answered).
pub fn set_opted_out(
    conn: &Connection,
    conversation_id: i64,
    opted_out_by: Option<&str>,
    now: i64,
) -> Result<bool> {
    let contact_id = contact_of(conn, conversation_id)?;
    let changed = match opted_out_by {
        Some(by) => conn
            .prepare_cached(
                "UPDATE contacts SET opted_out_at = ?2, opted_out_by = ?3
                 WHERE id = ?1 AND opted_out_at IS NULL",
            )?
            .execute(params![contact_id, now, by])?,
        None => conn
            .prepare_cached(
                "UPDATE contacts SET opted_out_at = NULL, opted_out_by = NULL, opted_in_at = ?2
                 WHERE id = ?1 AND opted_out_at IS NOT NULL",
            )?
            .execute(params![contact_id, now])?,
    };
    Ok(changed > 0)
}

fn clean_label(label: &str) -> Result<String> {
    use wabox_domain::text::{NameError, check_name};
    let wrong_size = || {
        StoreError::Invalid(wabox_protocol::ErrorCode::BadLabel {
            label: label.trim().to_string(),
        })
    };
    match check_name("label", label) {
        Ok(label) if label.chars().count() <= 40 => Ok(label),
        Ok(_) | Err(NameError::Blank { .. } | NameError::TooLong { .. }) => Err(wrong_size()),
        Err(hidden) => Err(StoreError::invalid(hidden)),
    }
}

/// Adds and removes labels; answers the contact's labels after.
pub fn change_labels(
    conn: &Connection,
    conversation_id: i64,
    add: &[String],
    remove: &[String],
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    use wabox_domain::text::normalised_name;
    // "VIP" and "vip" are one label: on a contact labelled "vip", adding "VIP" adds nothing and
    // removing "VIP" removes it.
    if let Some(both) = add.iter().find(|a| {
        remove
            .iter()
            .any(|r| normalised_name(r) == normalised_name(a))
    }) {
        return Err(StoreError::invalid(format!(
            "label {:?} is both added and removed: say which",
            both.trim()
        )));
    }
    let contact_id = contact_of(conn, conversation_id)?;
    // The contact's labels, read once and kept as they change.
    let mut has: Vec<String> = conn
        .prepare_cached("SELECT label FROM contact_labels WHERE contact_id = ?1")?
        .query_map([contact_id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    for label in add {
        let label = clean_label(label)?;
        let wanted = normalised_name(&label);
        if has.iter().any(|l| normalised_name(l) == wanted) {
            continue;
        }
        conn.execute(
            "INSERT INTO contact_labels (contact_id, label) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![contact_id, label],
        )?;
        has.push(label);
    }
    if !remove.is_empty() {
        let unwanted: Vec<String> = remove.iter().map(|r| normalised_name(r)).collect();
        for label in has {
            if unwanted.contains(&normalised_name(&label)) {
                conn.execute(
                    "DELETE FROM contact_labels WHERE contact_id = ?1 AND label = ?2",
                    params![contact_id, label],
                )?;
            }
        }
    }
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(())
}

pub fn add_note(
    conn: &Connection,
    conversation_id: i64,
    author: &str,
    text: &str,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::Invalid(wabox_protocol::ErrorCode::EmptyNote {}));
    }
    let contact_id = contact_of(conn, conversation_id)?;
    conn.execute(
        "INSERT INTO contact_notes (contact_id, author, text, at) VALUES (?1, ?2, ?3, ?4)",
        params![contact_id, author, text, now],
    )?;
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(())
}

/// The longest snooze: past it, the time is a typo (`--for 1000000000h` was stored as a time
/// no clock reads) or a close meant.
pub const MAX_SNOOZE_SECONDS: i64 = 366 * 86_400;

/// Closes, reopens or snoozes a conversation (until a time to come, `MAX_SNOOZE_SECONDS` at
/// most; the customer's next message wakes it before).
pub fn set_state(
    conn: &Connection,
    conversation_id: i64,
    state: &str,
    snoozed_until: Option<i64>,
    actor: &str,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    if !matches!(state, "open" | "closed" | "snoozed") {
        return Err(StoreError::Invalid(
            wabox_protocol::ErrorCode::BadConversationState {
                state: state.to_string(),
            },
        ));
    }
    if state == "snoozed" {
        match snoozed_until {
            Some(until) if until > now && until - now <= MAX_SNOOZE_SECONDS => {}
            Some(until) if until > now => {
                return Err(StoreError::invalid(
                    "a snooze lasts a year at most: close the conversation instead \
                     (the customer's next message reopens it)",
                ));
            }
            _ => {
                return Err(StoreError::invalid("a snooze needs a time still to come"));
            }
        }
    }
    let before: Option<String> = conn
        .prepare_cached("SELECT state FROM conversations WHERE id = ?1")?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?;
    let Some(before) = before else {
        return Err(crate::views::no_conversation(conversation_id));
    };
    conn.execute(
        "UPDATE conversations SET state = ?2, snoozed_until = ?3 WHERE id = ?1",
        params![conversation_id, state, snoozed_until],
    )?;
    // A close ends a thread for the reports, and shows in the conversation's history; so does
    // a reopening by hand (a customer's message reopens without one: it starts a thread).
    let kind = match (before.as_str(), state) {
        (b, "closed") if b != "closed" => Some("closed"),
        ("closed", "open") => Some("reopened"),
        _ => None,
    };
    if let Some(kind) = kind {
        conn.prepare_cached(
            "INSERT INTO conversation_events (conversation_id, at, actor, kind, detail)
             VALUES (?1, ?2, ?3, ?4, '')",
        )?
        .execute(params![conversation_id, now, actor, kind])?;
    }
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(())
}
