//! Enrollments: where each conversation stands in a sequence, when it runs next, and what it did.
//! The engine's scheduler reads the due ones and writes each run's outcome in one transaction
//! with what the run queued, so a step never runs twice.

use super::scope::Scope;
use super::{Result, StoreError, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
use crate::words::RowWords;
use wabox_domain::sequence::{ContactFields, Position};
use wabox_protocol::{EnrollmentLogEntry, EnrollmentView};

/// The states of an enrollment that is not over.
pub const LIVE_STATES: &str = "('active', 'waiting_reply', 'paused')";

/// An enrollment as the scheduler needs it.
#[derive(Debug, Clone)]
pub struct Enrollment {
    pub id: i64,
    pub tenant_id: i64,
    pub conversation_id: i64,
    pub sequence: String,
    pub state: String,
    pub position: Position,
    pub step_id: Option<String>,
    pub due_at: Option<i64>,
}

const ENROLLMENT_COLUMNS: &str = "e.id, e.tenant_id, e.conversation_id, e.sequence, e.state, e.step, \
     e.waiting_since, e.reply_after, e.step_id, e.due_at";

fn enrollment(r: &crate::db::Row<'_>) -> crate::db::Result<Enrollment> {
    Ok(Enrollment {
        id: r.get(0)?,
        tenant_id: r.get(1)?,
        conversation_id: r.get(2)?,
        sequence: r.get(3)?,
        state: r.get(4)?,
        position: Position {
            step: r.get::<_, i64>(5)?.max(0) as usize,
            waiting_since: r.get(6)?,
            reply_after: r.get(7)?,
        },
        step_id: r.get(8)?,
        due_at: r.get(9)?,
    })
}

/// Enrolls a conversation at the first step, due now. None when it is already in that sequence
/// (running or paused): a trigger that fires twice enrolls once.
pub fn enroll(
    conn: &Connection,
    conversation_id: i64,
    sequence: &str,
    first_step_id: Option<&str>,
    by: &str,
    now: i64,
) -> Result<Option<i64>> {
    let tenant_id: i64 = conn
        .prepare_cached(
            "SELECT n.tenant_id FROM conversations c JOIN numbers n ON n.id = c.number_id WHERE c.id = ?1",
        )?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoConversation { conversation: conversation_id }))?;
    let added = conn
        .prepare_cached(
            "INSERT INTO enrollments (tenant_id, conversation_id, sequence, state, step, step_id,
                                      due_at, enrolled_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'active', 0, ?4, ?5, ?6, ?5, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            tenant_id,
            conversation_id,
            sequence,
            first_step_id,
            now,
            by
        ])?;
    if added == 0 {
        return Ok(None);
    }
    let id = conn.last_insert_rowid()?;
    log(conn, id, now, None, &format!("enrolled by {by}"), None)?;
    Ok(Some(id))
}

/// Whether the conversation was enrolled in the sequence at `since` or later, whatever became
/// of it (a trigger does not start again what it started a moment ago).
pub fn enrolled_since(
    conn: &Connection,
    conversation_id: i64,
    sequence: &str,
    since: i64,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM enrollments
                            WHERE conversation_id = ?1 AND sequence = ?2 AND created_at >= ?3)",
        )?
        .query_row(params![conversation_id, sequence, since], |r| r.get(0))?)
}

/// Enrollments due by `now`, soonest first.
pub fn due(conn: &Connection, now: i64, limit: usize) -> Result<Vec<Enrollment>> {
    let sql = format!(
        "SELECT {ENROLLMENT_COLUMNS} FROM enrollments e
         WHERE e.state IN ('active', 'waiting_reply') AND e.due_at IS NOT NULL AND e.due_at <= ?1
         ORDER BY e.due_at, e.id LIMIT ?2"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![now, limit as i64], enrollment)?
        .collect::<crate::db::Result<_>>()?)
}

/// One enrollment, if it is due by `now` (it may have been paused or run since it was listed).
pub fn due_one(conn: &Connection, id: i64, now: i64) -> Result<Option<Enrollment>> {
    let sql = format!(
        "SELECT {ENROLLMENT_COLUMNS} FROM enrollments e
         WHERE e.id = ?1 AND e.state IN ('active', 'waiting_reply') AND e.due_at <= ?2"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![id, now], enrollment)
        .optional()?)
}

/// When the soonest enrollment is due.
pub fn next_due(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT MIN(due_at) FROM enrollments
             WHERE state IN ('active', 'waiting_reply') AND due_at IS NOT NULL",
        )?
        .query_row([], |r| r.get(0))?)
}

/// Saves where an enrollment stands after a run.
#[allow(clippy::too_many_arguments)]
pub fn save(
    conn: &Connection,
    id: i64,
    position: Position,
    step_id: Option<&str>,
    state: &str,
    due_at: Option<i64>,
    reason: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE enrollments SET step = ?2, waiting_since = ?3, reply_after = ?4, step_id = ?5,
                                state = ?6, due_at = ?7, reason = ?8, updated_at = ?9
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        position.step as i64,
        position.waiting_since,
        position.reply_after,
        step_id,
        state,
        due_at,
        reason,
        now
    ])?;
    Ok(())
}

pub fn log(
    conn: &Connection,
    id: i64,
    now: i64,
    step: Option<usize>,
    what: &str,
    message_id: Option<i64>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO enrollment_log (enrollment_id, at, step, what, message_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, now, step.map(|s| s as i64), what, message_id])?;
    Ok(())
}

/// What a run needs to know about its conversation.
#[derive(Debug, Clone)]
pub struct RunFacts {
    pub contact: ContactFields,
    pub last_inbound_at: Option<i64>,
    pub last_message_id: i64,
    /// What the customer wrote after the reply mark (or their last message, without one).
    pub reply: Option<String>,
}

pub fn run_facts(
    conn: &Connection,
    conversation_id: i64,
    reply_after: Option<i64>,
) -> Result<RunFacts> {
    let (name, wa_id, last_inbound_at): (Option<String>, Option<String>, Option<i64>) = conn
        .prepare_cached(
            "SELECT k.name, k.wa_id, c.last_inbound_at FROM conversations c
             JOIN contacts k ON k.id = c.contact_id WHERE c.id = ?1",
        )?
        .query_row([conversation_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(wabox_protocol::ErrorCode::NoConversation {
                conversation: conversation_id,
            })
        })?;
    let last_message_id: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = ?1")?
        .query_row([conversation_id], |r| r.get(0))?;
    let reply = match reply_after {
        Some(after) => {
            let texts: Vec<String> = conn
                .prepare_cached(
                    "SELECT text FROM messages WHERE conversation_id = ?1 AND id > ?2
                     AND direction = 'in' AND origin = 'customer' ORDER BY id LIMIT 50",
                )?
                .query_map(params![conversation_id, after], |r| r.get(0))?
                .collect::<crate::db::Result<_>>()?;
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        None => conn
            .prepare_cached(
                "SELECT text FROM messages WHERE conversation_id = ?1 AND direction = 'in'
                 AND origin = 'customer' ORDER BY id DESC LIMIT 1",
            )?
            .query_row([conversation_id], |r| r.get(0))
            .optional()?,
    };
    Ok(RunFacts {
        contact: ContactFields { name, phone: wa_id },
        last_inbound_at,
        last_message_id,
        reply,
    })
}

/// The customer wrote: enrollments of the conversation waiting for a reply run now.
pub fn reply_arrived(
    conn: &Connection,
    conversation_id: i64,
    message_id: i64,
    now: i64,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE enrollments SET due_at = ?3, updated_at = ?3
             WHERE conversation_id = ?1 AND state = 'waiting_reply' AND reply_after < ?2",
        )?
        .execute(params![conversation_id, message_id, now])?)
}

/// Pauses the conversation's running enrollments in these sequences (an agent took over).
pub fn pause_in_conversation(
    conn: &Connection,
    conversation_id: i64,
    sequences: &[String],
    reason: &str,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<usize> {
    let ids: Vec<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, sequence FROM enrollments
             WHERE conversation_id = ?1 AND state IN ('active', 'waiting_reply') ORDER BY id",
        )?
        .query_map([conversation_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    let mut paused = 0;
    for (id, sequence) in ids {
        if !sequences.contains(&sequence) {
            continue;
        }
        conn.prepare_cached(
            "UPDATE enrollments SET state = 'paused', due_at = NULL, reason = ?2, updated_at = ?3 WHERE id = ?1",
        )?
        .execute(params![id, reason, now])?;
        log(conn, id, now, None, &format!("paused: {reason}"), None)?;
        paused += 1;
    }
    if paused > 0 {
        events.push(StoreEvent::ConversationChanged { conversation_id });
    }
    Ok(paused)
}

/// The last message id the triggers have looked at.
pub fn cursor(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT last_message_id FROM sequence_cursor")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub fn set_cursor(conn: &Connection, last_message_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE sequence_cursor SET last_message_id = ?1")?
        .execute([last_message_id])?;
    Ok(())
}

/// A message the triggers look at.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: i64,
    pub conversation_id: i64,
    pub tenant_id: i64,
    pub phone_number_id: String,
    pub display_phone: String,
    pub direction: String,
    pub origin: String,
    pub text: String,
    pub at: i64,
    /// No earlier message in its conversation.
    pub first: bool,
}

/// Messages after the cursor, oldest first.
pub fn messages_after(conn: &Connection, after: i64, limit: usize) -> Result<Vec<NewMessage>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.id, m.conversation_id, n.tenant_id, n.phone_number_id, n.display_phone,
                    m.direction, m.origin, m.text, m.at,
                    NOT EXISTS (SELECT 1 FROM messages p WHERE p.conversation_id = m.conversation_id AND p.id < m.id)
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             JOIN numbers n ON n.id = c.number_id
             WHERE m.id > ?1 ORDER BY m.id LIMIT ?2",
        )?
        .query_map(params![after, limit as i64], |r| {
            Ok(NewMessage {
                id: r.get(0)?,
                conversation_id: r.get(1)?,
                tenant_id: r.get(2)?,
                phone_number_id: r.get(3)?,
                display_phone: r.get(4)?,
                direction: r.get(5)?,
                origin: r.get(6)?,
                text: r.get(7)?,
                at: r.get(8)?,
                first: r.get(9)?,
            })
        })?
        .collect::<crate::db::Result<_>>()?)
}

/// Pause, resume (due now, at the step it stopped on) or stop an enrollment.
pub fn control(
    conn: &Connection,
    id: i64,
    control: wabox_protocol::EnrollmentControl,
    actor: &str,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    use wabox_protocol::EnrollmentControl::*;
    let (state, conversation_id): (String, i64) = conn
        .query_row(
            "SELECT state, conversation_id FROM enrollments WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoEnrollment { id }))?;
    if matches!(state.as_str(), "done" | "stopped") {
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::EnrollmentEnded { id, state },
        ));
    }
    // Resumed, it is due now: a wait that was under way goes on to its own end, a step that
    // paused (the window) is tried again.
    let (new_state, due_at, what) = match control {
        Pause if state == "paused" => return Ok(()),
        Resume if state != "paused" => return Ok(()),
        Pause => ("paused", None, format!("paused by {actor}")),
        Resume => ("active", Some(now), format!("resumed by {actor}")),
        Stop => ("stopped", None, format!("stopped by {actor}")),
    };
    let reason = (new_state != "active").then_some(what.as_str());
    conn.execute(
        "UPDATE enrollments SET state = ?2, due_at = ?3, reason = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, new_state, due_at, reason, now],
    )?;
    log(conn, id, now, None, &what, None)?;
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(())
}

/// The enrollments the scope may see: a conversation's (all states when `all`), or every live one.
pub fn list(
    conn: &Connection,
    scope: &Scope,
    conversation_id: Option<i64>,
    all: bool,
    limit: usize,
) -> Result<Vec<RawEnrollment>> {
    let sql = format!(
        "SELECT e.id, e.conversation_id, e.sequence, e.state, e.step, e.step_id, e.due_at, e.reason,
                e.enrolled_by, e.created_at, e.updated_at
         FROM enrollments e JOIN conversations c ON c.id = e.conversation_id
         JOIN numbers n ON n.id = c.number_id
         WHERE (CAST(:conversation AS BIGINT) IS NULL OR e.conversation_id = :conversation)
           AND (:all OR e.state IN {LIVE_STATES})
           AND {}
         ORDER BY e.id DESC LIMIT :limit",
        super::scope::SCOPE_SQL
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(
            crate::named_params! {
                ":conversation": conversation_id,
                ":all": all,
                ":limit": limit as i64,
                ":scope_tenant": scope.tenant(),
                ":scope_agent": scope.agent(),
            },
            |r| {
                Ok(RawEnrollment {
                    id: r.get(0)?,
                    conversation_id: r.get(1)?,
                    sequence: r.get(2)?,
                    state: r.word(3)?,
                    step: r.get::<_, i64>(4)?.max(0) as usize,
                    step_id: r.get(5)?,
                    due_at: r.get(6)?,
                    reason: r.get(7)?,
                    enrolled_by: r.get(8)?,
                    created_at: r.get(9)?,
                    updated_at: r.get(10)?,
                })
            },
        )?
        .collect::<crate::db::Result<_>>()?)
}

/// An enrollment's row, before the engine names its sequence and step.
#[derive(Debug, Clone)]
pub struct RawEnrollment {
    pub id: i64,
    pub conversation_id: i64,
    pub sequence: String,
    pub state: wabox_protocol::states::EnrollmentState,
    pub step: usize,
    pub step_id: Option<String>,
    pub due_at: Option<i64>,
    pub reason: Option<String>,
    pub enrolled_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RawEnrollment {
    /// The view, with the sequence's words filled in by the caller.
    pub fn view(
        self,
        sequence_name: String,
        step_name: String,
        step_kind: String,
        steps: usize,
    ) -> EnrollmentView {
        EnrollmentView {
            id: self.id,
            conversation_id: self.conversation_id,
            sequence: self.sequence,
            sequence_name,
            state: self.state,
            step: self.step,
            step_name,
            step_kind,
            steps,
            due_at: self.due_at,
            reason: self.reason,
            enrolled_by: self.enrolled_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            log: Vec::new(),
        }
    }
}

/// One enrollment the scope may see.
pub fn get(conn: &Connection, scope: &Scope, id: i64) -> Result<RawEnrollment> {
    let conversation_id: i64 = conn
        .query_row(
            "SELECT conversation_id FROM enrollments WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoEnrollment { id }))?;
    scope
        .check_conversation(conn, conversation_id)
        .map_err(|_| StoreError::NotFound(wabox_protocol::ErrorCode::NoEnrollment { id }))?;
    list(conn, scope, Some(conversation_id), true, 10_000)?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoEnrollment { id }))
}

pub fn log_of(conn: &Connection, id: i64) -> Result<Vec<EnrollmentLogEntry>> {
    Ok(conn
        .prepare_cached("SELECT at, step, what, message_id FROM enrollment_log WHERE enrollment_id = ?1 ORDER BY id")?
        .query_map([id], |r| {
            Ok(EnrollmentLogEntry {
                at: r.get(0)?,
                step: r.get::<_, Option<i64>>(1)?.map(|s| s.max(0) as usize),
                what: r.get(2)?,
                message_id: r.get(3)?,
            })
        })?
        .collect::<crate::db::Result<_>>()?)
}

/// Live enrollments per sequence, for listings.
pub fn live_counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let sql = format!(
        "SELECT sequence, COUNT(*) FROM enrollments WHERE state IN {LIVE_STATES}
         GROUP BY sequence ORDER BY sequence"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?)
}
