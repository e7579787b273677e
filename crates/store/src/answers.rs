//! Answering a given message: finding the message a reply quotes or a reaction points at, and
//! our reactions, which go through the outbox (a hidden `reaction` message row carries their
//! status) and show on the message they react to through the `reactions` table.

use super::outbox::{self, NewSend, QueuedView, SendTarget};
use super::{Result, StoreError, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use wabox_domain::reply::Target;
pub use wabox_protocol::views::MessageRef;

/// The stored message a client named, with what the reply and reaction rules look at.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTarget {
    pub id: i64,
    pub conversation_id: i64,
    pub wamid: String,
    pub direction: String,
    pub kind: String,
    pub status: Option<String>,
    pub revoked: bool,
    pub at: i64,
}

impl StoredTarget {
    pub fn rules(&self) -> Target<'_> {
        Target {
            id: self.id,
            conversation_id: self.conversation_id,
            wamid: &self.wamid,
            direction: &self.direction,
            kind: &self.kind,
            status: self.status.as_deref(),
            revoked: self.revoked,
            at: self.at,
        }
    }
}

/// The message named, or "not found" in words that say what was looked for.
pub fn target(conn: &Connection, message: &MessageRef) -> Result<StoredTarget> {
    const SELECT: &str = "SELECT id, conversation_id, wamid, direction, type, status, revoked, at
                          FROM messages";
    let row = |r: &crate::db::Row<'_>| {
        Ok(StoredTarget {
            id: r.get(0)?,
            conversation_id: r.get(1)?,
            wamid: r.get(2)?,
            direction: r.get(3)?,
            kind: r.get(4)?,
            status: r.get(5)?,
            revoked: r.get(6)?,
            at: r.get(7)?,
        })
    };
    let found = match message {
        MessageRef::Id(id) => conn
            .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
            .query_row([id], row)
            .optional()?,
        MessageRef::Wamid(w) => conn
            .prepare_cached(&format!("{SELECT} WHERE wamid = ?1"))?
            .query_row([w], row)
            .optional()?,
    };
    found.ok_or_else(|| {
        StoreError::NotFound(wabox_protocol::ErrorCode::NoMessageNamedListed {
            message: message.to_string(),
        })
    })
}

/// The request body of a reaction (addressed already); an empty emoji removes ours.
pub fn reaction_request(mut request: Value, message_wamid: &str, emoji: &str) -> Value {
    request["type"] = json!("reaction");
    request["reaction"] = json!({"message_id": message_wamid, "emoji": emoji});
    request
}

/// Our reaction to queue.
#[derive(Clone, Copy)]
pub struct NewReaction<'a> {
    pub reacted: &'a StoredTarget,
    /// Empty to remove ours.
    pub emoji: &'a str,
    /// The whole request body (`reaction_request`).
    pub request: &'a Value,
    pub requested_by: &'a str,
}

/// Queues our reaction on `message_wamid` and shows it on that message at once, replacing our
/// earlier one (an empty emoji removes it). The outbox row's message is hidden from the
/// timeline unless it fails.
pub fn queue_reaction(
    conn: &Connection,
    target: &SendTarget,
    reaction: &NewReaction<'_>,
    now_ms: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<QueuedView> {
    let NewReaction {
        reacted,
        emoji,
        request,
        requested_by,
    } = *reaction;
    let rendered = if emoji.is_empty() {
        "[reaction removed]".to_string()
    } else {
        format!("[reaction] {emoji}")
    };
    // The row's own events would add it to the timeline: the reacted message changes instead.
    let mut own_events = Vec::new();
    let queued = outbox::queue(
        conn,
        target,
        &NewSend {
            kind: "reaction",
            request,
            rendered: &rendered,
            requested_by,
            origin: "agent",
            reply_to: None,
        },
        now_ms,
        &mut own_events,
    )?;
    let placeholder: String = conn.query_row(
        "SELECT wamid FROM messages WHERE id = ?1",
        [queued.message_id],
        |r| r.get(0),
    )?;
    // Ours is the latest word on it: a later agent's choice always replaces an earlier one.
    conn.prepare_cached(
        "INSERT INTO reactions (message_wamid, reactor, emoji, reaction_wamid, at)
         VALUES (?1, 'business', ?2, ?3, ?4)
         ON CONFLICT (message_wamid, reactor) DO UPDATE SET
            emoji = excluded.emoji, reaction_wamid = excluded.reaction_wamid,
            at = CASE WHEN excluded.at > reactions.at THEN excluded.at ELSE reactions.at END",
    )?
    .execute(params![reacted.wamid, emoji, placeholder, now_ms / 1000])?;
    events.push(StoreEvent::MessageChanged {
        conversation_id: reacted.conversation_id,
        message_id: reacted.id,
    });
    Ok(queued)
}

/// Meta accepted a reaction: its placeholder becomes Meta's wamid, so a late status or an
/// echo of it is recognised; a reaction retried after failing shows again, unless another of
/// ours replaced it meanwhile. Nothing happens for other messages.
pub fn reaction_sent(conn: &Connection, message_id: i64, wamid: &str) -> Result<()> {
    let own: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT wamid, payload, at FROM messages WHERE id = ?1 AND type = 'reaction'",
            [message_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    r.get(2)?,
                ))
            },
        )
        .optional()?;
    let Some((placeholder, payload, at)) = own else {
        return Ok(());
    };
    let Some((on, emoji)) = reacted_in(&payload) else {
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT INTO reactions (message_wamid, reactor, emoji, reaction_wamid, at)
         VALUES (?1, 'business', ?2, ?3, ?4)
         ON CONFLICT (message_wamid, reactor) DO UPDATE SET reaction_wamid = excluded.reaction_wamid
         WHERE reactions.reaction_wamid = ?5",
    )?
    .execute(params![on, emoji, wamid, at, placeholder])?;
    Ok(())
}

/// The wamid reacted to and the emoji, from a reaction's request body.
fn reacted_in(payload: &str) -> Option<(String, String)> {
    let v: Value = serde_json::from_str(payload).ok()?;
    let r = v.get("reaction")?;
    Some((
        r.get("message_id")?.as_str()?.to_string(),
        r.get("emoji")?.as_str()?.to_string(),
    ))
}

/// A reaction of ours failed: it no longer shows on the message (unless a later one replaced
/// it), and the failed row shows in the timeline instead, to be retried or left.
pub fn reaction_failed(
    conn: &Connection,
    message_id: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let reacted: Option<(String, String)> = conn
        .query_row(
            "SELECT wamid, payload FROM messages WHERE id = ?1 AND type = 'reaction'",
            [message_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                ))
            },
        )
        .optional()?;
    let Some((own_wamid, request)) = reacted else {
        return Ok(());
    };
    conn.prepare_cached(
        "DELETE FROM reactions WHERE reactor = 'business' AND reaction_wamid = ?1",
    )?
    .execute([&own_wamid])?;
    if let Some((on, _)) = reacted_in(&request) {
        let changed: Option<(i64, i64)> = conn
            .query_row(
                "SELECT conversation_id, id FROM messages WHERE wamid = ?1",
                [&on],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((conversation_id, message_id)) = changed {
            events.push(StoreEvent::MessageChanged {
                conversation_id,
                message_id,
            });
        }
    }
    Ok(())
}
