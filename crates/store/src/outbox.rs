//! The outbox: each outgoing message is queued here (with its message row, so the conversation
//! shows it at once) before any network call, and moves queued → sending → sent | failed |
//! uncertain. `sending` left behind by a crash becomes `uncertain`: never re-sent blindly.

use super::apply::settle_status;
use super::{Result, StoreError, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
use crate::words::RowWords;
use serde_json::Value;
use wabox_domain::ConnectionKind;
pub use wabox_protocol::admin::QueuedView;

/// Everything needed to address a message in a conversation.
#[derive(Debug, Clone)]
pub struct SendTarget {
    pub conversation_id: i64,
    pub number_id: i64,
    pub tenant_id: i64,
    pub phone_number_id: String,
    pub waba_id: String,
    pub connection: ConnectionKind,
    pub has_token: bool,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub last_inbound_at: Option<i64>,
    /// A group's conversation: sends go to the group (`recipient_type: group`, `to`: its id).
    pub group_id: Option<String>,
}

impl SendTarget {
    /// `to` (a wa_id, or a group's id) when there is one, else `recipient` (a BSUID).
    pub fn address(&self) -> Option<(&'static str, &str)> {
        if let Some(g) = &self.group_id {
            return Some(("to", g.as_str()));
        }
        match (&self.wa_id, &self.user_id) {
            (Some(w), _) => Some(("to", w.as_str())),
            (None, Some(u)) => Some(("recipient", u.as_str())),
            (None, None) => None,
        }
    }
}

pub fn send_target(conn: &Connection, conversation_id: i64) -> Result<SendTarget> {
    conn.prepare_cached(
        "SELECT c.id, n.id, n.tenant_id, n.phone_number_id, n.waba_id, n.connection,
                n.access_token_sealed IS NOT NULL, k.wa_id, k.user_id, c.last_inbound_at, g.group_id
         FROM conversations c JOIN numbers n ON n.id = c.number_id JOIN contacts k ON k.id = c.contact_id
         LEFT JOIN whatsapp_groups g ON g.contact_id = k.id
         WHERE c.id = ?1",
    )?
    .query_row([conversation_id], |r| {
        Ok(SendTarget {
            conversation_id: r.get(0)?,
            number_id: r.get(1)?,
            tenant_id: r.get(2)?,
            phone_number_id: r.get(3)?,
            waba_id: r.get(4)?,
            connection: r.word(5)?,
            has_token: r.get(6)?,
            wa_id: r.get(7)?,
            user_id: r.get(8)?,
            last_inbound_at: r.get(9)?,
            group_id: r.get(10)?,
        })
    })
    .optional()?
    .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoConversationListed { conversation: conversation_id }))
}

/// A message to queue.
pub struct NewSend<'a> {
    pub kind: &'a str,
    pub request: &'a Value,
    /// What the customer will read.
    pub rendered: &'a str,
    pub requested_by: &'a str,
    /// `agent` (a person, through a client) or `sequence` (automation).
    pub origin: &'a str,
    /// The wamid the message quotes (its request carries it as `context.message_id`).
    pub reply_to: Option<&'a str>,
}

/// Queues a send and its message row in the caller's transaction.
pub fn queue(
    conn: &Connection,
    target: &SendTarget,
    send: &NewSend<'_>,
    now_ms: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<QueuedView> {
    let now = now_ms / 1000;
    // A placeholder wamid, unique, replaced by Meta's once the send is accepted.
    let placeholder = format!(
        "{}{:032x}",
        wabox_domain::reply::PLACEHOLDER_PREFIX,
        rand::random::<u128>()
    );
    // Each row's id comes back with it (`RETURNING`): asking for it after was one more round
    // trip each on PostgreSQL, and the writer runs every agent's send one after the other.
    let request = send.request.to_string();
    let message_id: i64 = conn
        .prepare_cached(
            "INSERT INTO messages (conversation_id, wamid, direction, origin, type, text, at, status, payload, reply_to)
             VALUES (?1, ?2, 'out', ?7, ?3, ?4, ?5, 'queued', ?6, ?8) RETURNING id",
        )?
        .query_row(
            params![target.conversation_id, placeholder, send.kind, send.rendered, now, request, send.origin, send.reply_to],
            |r| r.get(0),
        )?;
    let outbox_id: i64 = conn
        .prepare_cached(
            "INSERT INTO outbox (conversation_id, number_id, message_id, kind, request, next_attempt_at,
                                 requested_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
        )?
        .query_row(
            params![
                target.conversation_id,
                target.number_id,
                message_id,
                send.kind,
                request,
                now_ms,
                send.requested_by,
                now
            ],
            |r| r.get(0),
        )?;
    // Our message is the latest activity, but it never touches the service window. A reaction
    // is not a message of the timeline: the list keeps showing the last real one.
    if send.kind != "reaction" {
        conn.prepare_cached(
            "UPDATE conversations SET last_message_at = ?2, last_message_text = ?3
         WHERE id = ?1 AND (last_message_at IS NULL OR last_message_at <= ?2)",
        )?
        .execute(params![target.conversation_id, now, send.rendered])?;
    }
    events.push(StoreEvent::MessageAdded {
        conversation_id: target.conversation_id,
        message_id,
    });
    events.push(StoreEvent::ConversationChanged {
        conversation_id: target.conversation_id,
    });
    Ok(QueuedView {
        outbox_id,
        message_id,
        conversation_id: target.conversation_id,
        warning: None,
    })
}

/// The file of a queued media send, or of a template's media header.
#[derive(Debug, Clone)]
pub struct DueFile {
    /// Relative to the data dir.
    pub path: String,
    pub mime_type: String,
    pub filename: String,
    /// Meta's id once uploaded: a retry sends by it instead of uploading again.
    pub media_id: Option<String>,
}

/// The same, for PostgreSQL. It runs `QUEUED_SQL`'s `IN (… LIMIT)` as a subplan for every
/// outbox row and number (14.7 s a call with 10,000 queued on four numbers, so a broadcast went
/// out one look every 15 s); here each number's soonest are a lateral join, which SQLite lacks
/// (2.5 ms).
const QUEUED_SQL_POSTGRES: &str = "
    SELECT q.id, q.message_id, q.conversation_id, q.number_id, n.phone_number_id, n.connection,
           n.access_token_sealed, q.request, q.attempts, q.next_attempt_at, q.kind,
           md.path, md.mime_type, md.filename, q.media_id
    FROM numbers n CROSS JOIN LATERAL (
        SELECT o.* FROM outbox o
        WHERE o.number_id = n.id AND o.state = 'queued'
          AND NOT EXISTS (SELECT 1 FROM outbox p
                          WHERE p.conversation_id = o.conversation_id
                            AND p.state IN ('queued', 'sending') AND p.id < o.id)
        ORDER BY o.next_attempt_at, o.id LIMIT ?1) AS q
    LEFT JOIN media md ON md.message_id = q.message_id AND q.kind <> 'text'
    ORDER BY q.next_attempt_at, q.id";

const QUEUED_SQL: &str = "
    SELECT o.id, o.message_id, o.conversation_id, o.number_id, n.phone_number_id, n.connection,
           n.access_token_sealed, o.request, o.attempts, o.next_attempt_at, o.kind,
           md.path, md.mime_type, md.filename, o.media_id
    FROM numbers n JOIN outbox o ON o.id IN (
        SELECT q.id FROM outbox q
        WHERE q.number_id = n.id AND q.state = 'queued'
          AND NOT EXISTS (SELECT 1 FROM outbox p
                          WHERE p.conversation_id = q.conversation_id
                            AND p.state IN ('queued', 'sending') AND p.id < q.id)
        ORDER BY q.next_attempt_at, q.id LIMIT ?1)
    LEFT JOIN media md ON md.message_id = o.message_id AND o.kind <> 'text'
    ORDER BY o.next_attempt_at, o.id";

/// On PostgreSQL, takes the outbox's statistics anew (`ANALYZE`: a sample of its rows, some
/// milliseconds); nothing on SQLite. The server does so by itself only after enough changes and
/// at most a minute later. Until then, planned with the statistics of an outbox holding a
/// handful of queued sends, the look read its whole conversation index for each candidate once
/// agents had queued 10,000 in a few seconds: 3 s a look (`EXPLAIN ANALYZE` in the middle of
/// `wabox bench send --store`), for as long as 40 s.
pub fn refresh_statistics(conn: &Connection) -> Result<()> {
    if conn.dialect() == crate::db::Dialect::Postgres {
        conn.execute_batch("ANALYZE outbox")?;
    }
    Ok(())
}

/// A queued send, as the worker needs it.
#[derive(Debug, Clone)]
pub struct DueSend {
    pub id: i64,
    pub message_id: i64,
    pub conversation_id: i64,
    pub number_id: i64,
    pub phone_number_id: String,
    pub connection: ConnectionKind,
    pub token_sealed: Option<Vec<u8>>,
    pub request: Value,
    pub attempts: i64,
    pub next_attempt_at: i64,
    /// `text`, `template`, or a media kind.
    pub kind: String,
    pub file: Option<DueFile>,
}

/// Queued sends, up to `per_number` of each number's soonest, soonest first overall (including
/// ones not due yet, so the worker knows when to wake). Per number, so that a slow number's
/// backlog never hides a fast number's messages. Only the oldest unsent message of each
/// conversation is eligible: one waiting for a retry holds back the messages queued after it, so
/// the customer reads them in the order they were written.
///
/// Planned at every call: PostgreSQL kept the plan it made while a handful were queued, and
/// once agents had queued thousands in a few seconds each look took 90 ms to 1.4 s (3–10 ms
/// planned anew), so a number of 80 a second sent 44 while they queued (`wabox bench send`).
pub fn queued(conn: &Connection, per_number: usize) -> Result<Vec<DueSend>> {
    let mut stmt = conn.prepare_replanned(match conn.dialect() {
        crate::db::Dialect::Postgres => QUEUED_SQL_POSTGRES,
        crate::db::Dialect::Sqlite => QUEUED_SQL,
    })?;
    let rows = stmt.query_map([per_number as i64], |r| {
        let request: String = r.get(7)?;
        Ok(DueSend {
            id: r.get(0)?,
            message_id: r.get(1)?,
            conversation_id: r.get(2)?,
            number_id: r.get(3)?,
            phone_number_id: r.get(4)?,
            connection: r.word(5)?,
            token_sealed: r.get(6)?,
            request: serde_json::from_str(&request).unwrap_or(Value::Null),
            attempts: r.get(8)?,
            next_attempt_at: r.get(9)?,
            kind: r.get(10)?,
            file: match r.get::<_, Option<String>>(11)? {
                Some(path) => Some(DueFile {
                    path,
                    mime_type: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
                    filename: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
                    media_id: r.get(14)?,
                }),
                None => None,
            },
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

fn set_message_status(
    conn: &Connection,
    message_id: i64,
    status: &str,
    code: Option<i64>,
    title: Option<&str>,
) -> Result<i64> {
    conn.prepare_cached(
        "UPDATE messages SET status = ?2, error_code = ?3, error_title = ?4 WHERE id = ?1",
    )?
    .execute(params![message_id, status, code, title])?;
    Ok(conn.query_row(
        "SELECT conversation_id FROM messages WHERE id = ?1",
        [message_id],
        |r| r.get(0),
    )?)
}

/// Claims a queued send for the network; false if it is no longer queued. Committed before the call.
pub fn mark_sending(conn: &Connection, id: i64, now_ms: i64) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2
             WHERE id = ?1 AND state = 'queued'",
        )?
        .execute(params![id, now_ms / 1000])?;
    Ok(n == 1)
}

/// The file of a media send is uploaded: keep Meta's id (on the row, so a retry sends by it, and
/// on the media row). Committed before the send that uses it.
pub fn mark_uploaded(conn: &Connection, id: i64, media_id: &str) -> Result<()> {
    conn.prepare_cached("UPDATE outbox SET media_id = ?2 WHERE id = ?1")?
        .execute(params![id, media_id])?;
    conn.prepare_cached(
        "UPDATE media SET media_id = ?2 WHERE message_id = (SELECT message_id FROM outbox WHERE id = ?1)",
    )?
    .execute(params![id, media_id])?;
    Ok(())
}

/// Meta accepted the send: record its wamid, and fold statuses that may already have arrived.
pub fn mark_sent(
    conn: &Connection,
    id: i64,
    wamid: &str,
    wa_id: Option<&str>,
    now_ms: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let (message_id, conversation_id): (i64, i64) = conn.query_row(
        "SELECT message_id, conversation_id FROM outbox WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    conn.prepare_cached("UPDATE outbox SET state = 'sent', wamid = ?2, error_code = NULL, error_text = NULL, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, wamid, now_ms / 1000])?;
    super::answers::reaction_sent(conn, message_id, wamid)?;
    conn.prepare_cached("UPDATE messages SET wamid = ?2, status = 'accepted', error_code = NULL, error_title = NULL WHERE id = ?1")?
        .execute(params![message_id, wamid])?;
    settle_status(conn, message_id, wamid)?;
    // Meta maps the number we typed to the customer's real wa_id (Brazil's ninth digit, Mexico's
    // 521/52): key the contact by what Meta says, so one person stays one contact.
    // Left as it is when another contact of the tenant holds that wa_id already (SQLite's
    // `UPDATE OR IGNORE`, which PostgreSQL has not: the test is spelled out).
    if let Some(w) = wa_id {
        conn.execute(
            "UPDATE contacts SET wa_id = ?2
             WHERE id = (SELECT contact_id FROM conversations WHERE id = ?1) AND (wa_id IS NULL OR wa_id != ?2)
               AND id NOT IN (SELECT contact_id FROM whatsapp_groups)
               AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.tenant_id = contacts.tenant_id AND o.wa_id = ?2)",
            params![conversation_id, w],
        )?;
    }
    events.push(StoreEvent::MessageChanged {
        conversation_id,
        message_id,
    });
    Ok(())
}

/// The send failed in a way worth another try at `next_attempt_ms`.
pub fn mark_retry(
    conn: &Connection,
    id: i64,
    next_attempt_ms: i64,
    code: Option<i64>,
    text: &str,
    now_ms: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, error_code = ?3, error_text = ?4, updated_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![id, next_attempt_ms, code, text, now_ms / 1000])?;
    Ok(())
}

/// The send failed for good: the explanation goes on the message.
pub fn mark_failed(
    conn: &Connection,
    id: i64,
    code: Option<i64>,
    text: &str,
    now_ms: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let message_id: i64 =
        conn.query_row("SELECT message_id FROM outbox WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    conn.prepare_cached("UPDATE outbox SET state = 'failed', error_code = ?2, error_text = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(params![id, code, text, now_ms / 1000])?;
    let conversation_id = set_message_status(
        conn,
        message_id,
        "failed",
        Some(code.unwrap_or(0)),
        Some(text),
    )?;
    super::answers::reaction_failed(conn, message_id, events)?;
    events.push(StoreEvent::MessageChanged {
        conversation_id,
        message_id,
    });
    Ok(())
}

/// No answer came: Meta may or may not have the message. An agent decides.
pub fn mark_uncertain(
    conn: &Connection,
    id: i64,
    text: &str,
    now_ms: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let message_id: i64 =
        conn.query_row("SELECT message_id FROM outbox WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    conn.prepare_cached(
        "UPDATE outbox SET state = 'uncertain', error_text = ?2, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, text, now_ms / 1000])?;
    let conversation_id = set_message_status(conn, message_id, "uncertain", None, Some(text))?;
    events.push(StoreEvent::MessageChanged {
        conversation_id,
        message_id,
    });
    Ok(())
}

/// At start: whatever was in flight when the engine died may have reached Meta.
pub fn recover_in_flight(
    conn: &Connection,
    now_ms: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<usize> {
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM outbox WHERE state = 'sending' ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    for &id in &ids {
        mark_uncertain(
            conn,
            id,
            "the engine stopped while this was being sent: it may or may not have reached the customer",
            now_ms,
            events,
        )?;
    }
    Ok(ids.len())
}

/// An agent asks to send a failed or uncertain message again.
pub fn retry(
    conn: &Connection,
    message_id: i64,
    now_ms: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let state: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, state FROM outbox WHERE message_id = ?1",
            [message_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match state {
        None => Err(StoreError::NotFound(
            wabox_protocol::ErrorCode::NotOursToRetry {
                message: message_id,
            },
        )),
        Some((id, s)) if s == "failed" || s == "uncertain" => {
            conn.execute(
                "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, now_ms, now_ms / 1000],
            )?;
            let conversation_id = set_message_status(conn, message_id, "queued", None, None)?;
            events.push(StoreEvent::MessageChanged {
                conversation_id,
                message_id,
            });
            Ok(())
        }
        Some((_, s)) => Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::NotRetryable {
                message: message_id,
                status: s,
            },
        )),
    }
}

/// Counts by state, for status reports and tests.
pub fn counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt =
        conn.prepare("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::store;
    use serde_json::json;

    /// A number with two customers; returns their send targets.
    fn two_conversations(conn: &Connection) -> (SendTarget, SendTarget) {
        conn.execute_batch(
            "INSERT INTO tenants (id, name, created_at) VALUES (1, 'Acme', 0);
             INSERT INTO numbers (id, tenant_id, phone_number_id, waba_id, display_phone, connection, created_at)
                 VALUES (1, 1, '106540352242922', '104829357711032', '15550783881', 'dedicated', 0);
             INSERT INTO contacts (id, tenant_id, wa_id, created_at, updated_at) VALUES (1, 1, '59171000001', 0, 0);
             INSERT INTO contacts (id, tenant_id, wa_id, created_at, updated_at) VALUES (2, 1, '59171000002', 0, 0);
             INSERT INTO conversations (id, number_id, contact_id, created_at) VALUES (1, 1, 1, 0);
             INSERT INTO conversations (id, number_id, contact_id, created_at) VALUES (2, 1, 2, 0);",
        )
        .unwrap();
        (send_target(conn, 1).unwrap(), send_target(conn, 2).unwrap())
    }

    fn queue_text(conn: &Connection, target: &SendTarget, text: &str, now_ms: i64) -> i64 {
        let request = json!({"type": "text", "text": {"body": text}});
        let send = NewSend {
            kind: "text",
            request: &request,
            rendered: text,
            requested_by: "ana",
            origin: "agent",
            reply_to: None,
        };
        queue(conn, target, &send, now_ms, &mut Vec::new())
            .unwrap()
            .outbox_id
    }

    fn eligible(conn: &Connection) -> Vec<i64> {
        queued(conn, 200).unwrap().iter().map(|s| s.id).collect()
    }

    #[crate::testing::both_stores]
    fn only_the_oldest_unsent_message_of_a_conversation_is_eligible() {
        let (_d, conn) = store();
        let (a, b) = two_conversations(&conn);
        let a1 = queue_text(&conn, &a, "a1", 1_000);
        let a2 = queue_text(&conn, &a, "a2", 1_001);
        let b1 = queue_text(&conn, &b, "b1", 1_002);
        assert_eq!(eligible(&conn), [a1, b1]);
        // a1 waits for a retry far ahead: a2 still waits behind it, b1 does not.
        mark_sending(&conn, a1, 1_003).unwrap();
        assert_eq!(
            eligible(&conn),
            [b1],
            "a2 must not pass a1 while it is in flight"
        );
        mark_retry(&conn, a1, 60_000, Some(130429), "throttled", 1_004).unwrap();
        assert_eq!(eligible(&conn), [b1, a1]);
        // Once a1 is sent, a2 is next.
        mark_sending(&conn, a1, 60_000).unwrap();
        mark_sent(&conn, a1, "wamid.A1", None, 60_001, &mut Vec::new()).unwrap();
        assert_eq!(eligible(&conn), [a2, b1]);
        // A failed message no longer holds its conversation (an agent decides about it).
        mark_sending(&conn, a2, 60_002).unwrap();
        mark_failed(
            &conn,
            a2,
            Some(131026),
            "undeliverable",
            60_003,
            &mut Vec::new(),
        )
        .unwrap();
        let a3 = queue_text(&conn, &a, "a3", 60_004);
        assert_eq!(eligible(&conn), [b1, a3]);
    }

    // SQLite's plan (EXPLAIN QUERY PLAN); PostgreSQL plans by its statistics.
    #[test]
    fn finding_each_conversations_oldest_message_uses_the_indexes() {
        let (_d, conn) = store();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {QUEUED_SQL}"))
            .unwrap()
            .query_map([200], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("SEARCH q USING INDEX outbox_due_by_number (number_id=?)"),
            "{plan}"
        );
        assert!(
            plan.contains(
                "SEARCH p USING INDEX outbox_open_by_conversation (conversation_id=? AND id<?)"
            ),
            "{plan}"
        );
        assert!(
            !plan.contains("SCAN o") && !plan.contains("SCAN p") && !plan.contains("SCAN q"),
            "{plan}"
        );
    }
}
