//! Broadcasts as stored (`broadcasts`, `broadcast_recipients`): the customers a segment names,
//! a broadcast and its recipients written in one transaction, the pending ones taken in order
//! and marked queued with their message, and where a broadcast stands, read from its
//! recipients' messages rather than copied.

use super::{Result, StoreError};
use crate::db::{Connection, OptionalExtension, params};
use crate::scope::Scope;
use std::collections::BTreeMap;
use wabox_domain::broadcast::{Segment, SkipReason};
use wabox_domain::template_header::HeaderValue;
use wabox_protocol::broadcasts::{BroadcastView, FailureCount, SkippedCount};

/// Examples kept per skip reason.
const EXAMPLES: usize = 3;

/// A customer a segment names, with what decides whether they are sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub contact_id: Option<i64>,
    /// Their phone number, or their BSUID when they hide it: the address, and the key that
    /// keeps a customer in a broadcast once.
    pub wa_id: String,
    pub name: Option<String>,
    pub opted_out: bool,
    pub blocked: bool,
}

const CANDIDATE_SQL: &str = "SELECT k.id, COALESCE(k.wa_id, k.user_id), k.name,
        CASE WHEN k.opted_out_at IS NULL THEN 0 ELSE 1 END,
        CASE WHEN c.blocked_at IS NULL THEN 0 ELSE 1 END
     FROM contacts k LEFT JOIN conversations c ON c.contact_id = k.id AND c.number_id = ?2
     WHERE k.tenant_id = ?1 AND COALESCE(k.wa_id, k.user_id) IS NOT NULL AND k.id IN";

fn candidate(r: &crate::db::Row<'_>) -> crate::db::Result<Candidate> {
    Ok(Candidate {
        contact_id: Some(r.get(0)?),
        wa_id: r.get(1)?,
        name: r.get(2)?,
        opted_out: r.get::<_, i64>(3)? != 0,
        blocked: r.get::<_, i64>(4)? != 0,
    })
}

/// The tenant's customers a (non-CSV) segment names, each once, oldest contact first.
pub fn segment_candidates(
    conn: &Connection,
    tenant_id: i64,
    number_id: i64,
    segment: &Segment,
) -> Result<Vec<Candidate>> {
    let rows = match segment {
        Segment::Label { name } => conn
            .prepare(&format!(
                "{CANDIDATE_SQL} (SELECT contact_id FROM contact_labels WHERE lower(label) = lower(?3))
                 ORDER BY k.id"
            ))?
            .query_map(params![tenant_id, number_id, name], candidate)?
            .collect::<crate::db::Result<Vec<_>>>()?,
        Segment::Queue { name } => {
            let known: Option<i64> = conn
                .query_row(
                    "SELECT id FROM queues WHERE tenant_id = ?1 AND lower(name) = lower(?2)",
                    params![tenant_id, name],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(queue_id) = known else {
                return Err(StoreError::Invalid(
                    wabox_protocol::ErrorCode::BroadcastRefused {
                        detail: format!("this tenant has no queue {name:?}"),
                    },
                ));
            };
            conn.prepare(&format!(
                "{CANDIDATE_SQL} (SELECT contact_id FROM conversations WHERE queue_id = ?3)
                 ORDER BY k.id"
            ))?
            .query_map(params![tenant_id, number_id, queue_id], candidate)?
            .collect::<crate::db::Result<Vec<_>>>()?
        }
        Segment::Wrote { from, until } => conn
            .prepare(&format!(
                "{CANDIDATE_SQL} (SELECT w.contact_id FROM conversations w
                     JOIN numbers n ON n.id = w.number_id WHERE n.tenant_id = ?1
                     GROUP BY w.contact_id
                     HAVING MAX(w.last_inbound_at) >= ?3 AND MAX(w.last_inbound_at) < ?4)
                 ORDER BY k.id"
            ))?
            .query_map(params![tenant_id, number_id, from, until], candidate)?
            .collect::<crate::db::Result<Vec<_>>>()?,
        Segment::Csv { .. } => Vec::new(),
    };
    Ok(rows)
}

/// The contact of a CSV's number in the tenant, if it has one; else a candidate to be made a
/// contact when their turn comes.
pub fn csv_candidate(
    conn: &Connection,
    tenant_id: i64,
    number_id: i64,
    wa_id: &str,
    csv_name: Option<&str>,
) -> Result<Candidate> {
    let known = conn
        .prepare_cached(
            "SELECT k.id, COALESCE(k.wa_id, k.user_id), k.name,
                CASE WHEN k.opted_out_at IS NULL THEN 0 ELSE 1 END,
                CASE WHEN c.blocked_at IS NULL THEN 0 ELSE 1 END
             FROM contacts k LEFT JOIN conversations c ON c.contact_id = k.id AND c.number_id = ?2
             WHERE k.tenant_id = ?1 AND k.wa_id = ?3",
        )?
        .query_row(params![tenant_id, number_id, wa_id], candidate)
        .optional()?;
    Ok(known.unwrap_or_else(|| Candidate {
        contact_id: None,
        wa_id: wa_id.to_string(),
        name: csv_name.map(str::to_string),
        opted_out: false,
        blocked: false,
    }))
}

/// A broadcast about to be stored.
#[derive(Debug, Clone)]
pub struct NewBroadcast<'a> {
    pub tenant_id: i64,
    pub number_id: i64,
    pub template: &'a str,
    pub language: &'a str,
    pub category: &'a str,
    pub segment: &'a str,
    /// The `--param` given, as JSON.
    pub params: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
    /// CSV rows with nobody to send to (duplicates, not numbers).
    pub skipped_rows: &'a [SkippedCount],
    /// What every send carries for the template's media header.
    pub header: Option<&'a HeaderValue>,
}

/// One recipient: sent to, or skipped with why.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecipient {
    pub candidate: Candidate,
    pub params: Vec<String>,
    pub skip: Option<SkipReason>,
}

/// Stores a broadcast (a draft) and its recipients: call it inside the caller's transaction.
pub fn create(conn: &Connection, b: &NewBroadcast<'_>, recipients: &[NewRecipient]) -> Result<i64> {
    let skipped_rows =
        serde_json::to_string(&b.skipped_rows).map_err(|e| StoreError::invalid(e.to_string()))?;
    let header = b
        .header
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::invalid(e.to_string()))?;
    let id: i64 = conn.query_row(
        "INSERT INTO broadcasts (tenant_id, number_id, template, language, category, segment,
                                 params, state, created_by, created_at, skipped_rows, header)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?9, ?10, ?11) RETURNING id",
        params![
            b.tenant_id,
            b.number_id,
            b.template,
            b.language,
            b.category,
            b.segment,
            b.params,
            b.created_by,
            b.created_at,
            skipped_rows,
            header
        ],
        |r| r.get(0),
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO broadcast_recipients (broadcast_id, wa_id, contact_id, name, params, state,
                                           skip_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for r in recipients {
        let params =
            serde_json::to_string(&r.params).map_err(|e| StoreError::invalid(e.to_string()))?;
        let state = if r.skip.is_some() {
            "skipped"
        } else {
            "pending"
        };
        insert.execute(params![
            id,
            r.candidate.wa_id,
            r.candidate.contact_id,
            r.candidate.name,
            params,
            state,
            r.skip.map(SkipReason::as_str)
        ])?;
    }
    Ok(id)
}

/// A broadcast's row, for the engine's decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastRow {
    pub id: i64,
    pub tenant_id: i64,
    pub number_id: i64,
    pub template: String,
    pub language: String,
    pub state: String,
    pub quality_mark: i64,
    /// What every send carries for the template's media header.
    pub header: Option<HeaderValue>,
}

const ROW_SQL: &str =
    "SELECT id, tenant_id, number_id, template, language, state, quality_mark, header
     FROM broadcasts";

fn row(r: &crate::db::Row<'_>) -> crate::db::Result<BroadcastRow> {
    Ok(BroadcastRow {
        id: r.get(0)?,
        tenant_id: r.get(1)?,
        number_id: r.get(2)?,
        template: r.get(3)?,
        language: r.get(4)?,
        state: r.get(5)?,
        quality_mark: r.get(6)?,
        // Written by `create` from the same type. One that did not read would be no header, and
        // the template's check would stop the broadcast with the reason, sending nothing.
        header: r
            .get::<_, Option<String>>(7)?
            .and_then(|h| serde_json::from_str(&h).ok()),
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<BroadcastRow>> {
    Ok(conn
        .prepare_cached(&format!("{ROW_SQL} WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?)
}

/// The broadcasts that are running, oldest first: the broadcast task feeds them.
pub fn running(conn: &Connection) -> Result<Vec<BroadcastRow>> {
    Ok(conn
        .prepare_cached(&format!("{ROW_SQL} WHERE state = 'running' ORDER BY id"))?
        .query_map([], row)?
        .collect::<crate::db::Result<_>>()?)
}

/// Moves a broadcast from one of `from` to `to`; false when it was in none of them. A start
/// or a resume remembers the newest account event, so only a quality drop after it stops it.
pub fn set_state(
    conn: &Connection,
    id: i64,
    from: &[&str],
    to: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool> {
    let state: Option<String> = conn
        .query_row("SELECT state FROM broadcasts WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    if !state.is_some_and(|s| from.contains(&s.as_str())) {
        return Ok(false);
    }
    let finished = matches!(to, "done" | "cancelled" | "stopped").then_some(now);
    let running = to == "running";
    conn.execute(
        "UPDATE broadcasts SET state = ?2, stop_reason = ?3,
            started_at = CASE WHEN ?4 = 1 THEN COALESCE(started_at, ?5) ELSE started_at END,
            finished_at = COALESCE(?6, finished_at),
            quality_mark = CASE WHEN ?4 = 1
                THEN (SELECT COALESCE(MAX(id), 0) FROM account_events) ELSE quality_mark END
         WHERE id = ?1",
        params![id, to, reason, running as i64, now, finished],
    )?;
    Ok(true)
}

/// A recipient whose turn has come.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub id: i64,
    pub wa_id: String,
    pub contact_id: Option<i64>,
    pub name: Option<String>,
    pub params: Vec<String>,
}

/// The next pending recipients of a broadcast, in the order they were stored.
pub fn pending(conn: &Connection, broadcast_id: i64, limit: usize) -> Result<Vec<Pending>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, wa_id, contact_id, name, params FROM broadcast_recipients
             WHERE broadcast_id = ?1 AND state = 'pending' ORDER BY id LIMIT ?2",
        )?
        .query_map(params![broadcast_id, limit as i64], |r| {
            Ok(Pending {
                id: r.get(0)?,
                wa_id: r.get(1)?,
                contact_id: r.get(2)?,
                name: r.get(3)?,
                params: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
            })
        })?
        .collect::<crate::db::Result<_>>()?)
}

/// A recipient queued in the outbox as `message_id`: in the transaction that queued it.
pub fn mark_queued(
    conn: &Connection,
    recipient_id: i64,
    contact_id: i64,
    message_id: i64,
    outside_window: bool,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE broadcast_recipients SET state = 'queued', contact_id = ?2, message_id = ?3,
            outside_window = ?4, queued_at = ?5
         WHERE id = ?1 AND state = 'pending'",
    )?
    .execute(params![
        recipient_id,
        contact_id,
        message_id,
        outside_window as i64,
        now
    ])?;
    Ok(())
}

/// A recipient skipped when their turn came (opted out or blocked since the create).
pub fn mark_skipped(conn: &Connection, recipient_id: i64, reason: SkipReason) -> Result<()> {
    conn.prepare_cached(
        "UPDATE broadcast_recipients SET state = 'skipped', skip_reason = ?2
         WHERE id = ?1 AND state = 'pending'",
    )?
    .execute(params![recipient_id, reason.as_str()])?;
    Ok(())
}

/// Whether a contact is still there (two contacts found to be one person are merged into one).
pub fn contact_exists(conn: &Connection, contact_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether a customer may still be sent marketing on the number: (opted out, blocked).
pub fn still_reachable(conn: &Connection, contact_id: i64, number_id: i64) -> Result<(bool, bool)> {
    Ok(conn
        .prepare_cached(
            "SELECT CASE WHEN k.opted_out_at IS NULL THEN 0 ELSE 1 END,
                    CASE WHEN c.blocked_at IS NULL THEN 0 ELSE 1 END
             FROM contacts k LEFT JOIN conversations c ON c.contact_id = k.id AND c.number_id = ?2
             WHERE k.id = ?1",
        )?
        .query_row(params![contact_id, number_id], |r| {
            Ok((r.get::<_, i64>(0)? != 0, r.get::<_, i64>(1)? != 0))
        })
        .optional()?
        .unwrap_or((false, false)))
}

/// The conversation of a contact with a number, opened now if they have none (a CSV's new
/// customer), in its number's queue as a customer's first message would put it.
pub fn conversation_for(
    conn: &Connection,
    number_id: i64,
    contact_id: i64,
    now: i64,
) -> Result<i64> {
    let known: Option<i64> = conn
        .prepare_cached("SELECT id FROM conversations WHERE number_id = ?1 AND contact_id = ?2")?
        .query_row(params![number_id, contact_id], |r| r.get(0))
        .optional()?;
    if let Some(id) = known {
        return Ok(id);
    }
    Ok(conn
        .prepare_cached(
            "INSERT INTO conversations (number_id, contact_id, created_at, queue_id)
             VALUES (?1, ?2, ?3, (SELECT queue_id FROM numbers WHERE id = ?1))
             RETURNING id",
        )?
        .query_row(params![number_id, contact_id, now], |r| r.get(0))?)
}

/// Running broadcasts without a pending recipient are done.
pub fn finish_done(conn: &Connection, broadcast_id: i64, now: i64) -> Result<bool> {
    let left: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = ?1 AND state = 'pending'",
        )?
        .query_row([broadcast_id], |r| r.get(0))?;
    if left > 0 {
        return Ok(false);
    }
    set_state(conn, broadcast_id, &["running"], "done", None, now)
}

/// Unique customers outside their window that broadcasts reached since `since`, from the
/// number and every other number of its Meta business portfolio: Meta's messaging limit is the
/// portfolio's, shared by its numbers. A number whose portfolio is not known yet counts alone.
pub fn tier_used(conn: &Connection, number_id: i64, since: i64) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(DISTINCT r.wa_id) FROM broadcast_recipients r
             JOIN broadcasts b ON b.id = r.broadcast_id
             WHERE b.number_id IN (
                     SELECT p.id FROM numbers n JOIN numbers p
                       ON p.id = n.id OR p.business_id = n.business_id
                     WHERE n.id = ?1)
               AND r.outside_window = 1 AND r.queued_at >= ?2",
        )?
        .query_row(params![number_id, since], |r| r.get(0))?;
    Ok(n as u64)
}

/// Recipients of a broadcast whose message failed with `code`.
pub fn failures_with(conn: &Connection, broadcast_id: i64, code: i64) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM broadcast_recipients r JOIN messages m ON m.id = r.message_id
             WHERE r.broadcast_id = ?1 AND m.status = 'failed' AND m.error_code = ?2",
        )?
        .query_row(params![broadcast_id, code], |r| r.get(0))?;
    Ok(n as u64)
}

/// Quality updates Meta sent about the number after account event `after`: (event id, the
/// `event`, the payload). Meta routes them by WABA, naming the number by its display phone.
pub fn quality_updates(
    conn: &Connection,
    number_id: i64,
    after: i64,
) -> Result<Vec<(i64, Option<String>, serde_json::Value)>> {
    let (display, waba, pnid): (String, String, String) = conn.query_row(
        "SELECT display_phone, waba_id, phone_number_id FROM numbers WHERE id = ?1",
        [number_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let rows: Vec<(i64, Option<String>, String)> = conn
        .prepare_cached(
            "SELECT id, event, payload FROM account_events
             WHERE id > ?1 AND field = 'phone_number_quality_update'
               AND (waba_id = ?2 OR phone_number_id = ?3) ORDER BY id",
        )?
        .query_map(params![after, waba, pnid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<crate::db::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, event, payload)| {
            let value: serde_json::Value = serde_json::from_str(&payload).ok()?;
            let names = value
                .get("display_phone_number")
                .and_then(|v| v.as_str())
                .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>());
            // A WABA's update about another of its numbers is not this one's.
            if names.is_some_and(|p| p != display) {
                return None;
            }
            Some((id, event, value))
        })
        .collect())
}

const VIEW_SQL: &str = "SELECT b.id, t.name, n.display_phone, n.phone_number_id, b.template,
        b.language, b.category, b.segment, b.state, b.stop_reason, b.created_by, b.created_at,
        b.started_at, b.finished_at, b.skipped_rows, b.header
     FROM broadcasts b JOIN tenants t ON t.id = b.tenant_id JOIN numbers n ON n.id = b.number_id";

/// One broadcast as it stands, if the scope sees its number.
pub fn view(conn: &Connection, scope: &Scope, id: i64) -> Result<Option<BroadcastView>> {
    let sql = format!(
        "{VIEW_SQL} WHERE b.id = :id AND {}",
        crate::scope::NUMBER_SCOPE_SQL
    );
    let found = conn
        .prepare(&sql)?
        .query_row(
            crate::named_params! {
                ":id": id,
                ":scope_tenant": scope.tenant(),
                ":scope_agent": scope.agent(),
            },
            view_head,
        )
        .optional()?;
    match found {
        Some((v, rows)) => Ok(Some(counted(conn, v, &rows)?)),
        None => Ok(None),
    }
}

/// The broadcasts the scope sees, newest first.
pub fn list(conn: &Connection, scope: &Scope, limit: usize) -> Result<Vec<BroadcastView>> {
    let sql = format!(
        "{VIEW_SQL} WHERE {} ORDER BY b.id DESC LIMIT :limit",
        crate::scope::NUMBER_SCOPE_SQL
    );
    let heads: Vec<(BroadcastView, String)> = conn
        .prepare(&sql)?
        .query_map(
            crate::named_params! {
                ":scope_tenant": scope.tenant(),
                ":scope_agent": scope.agent(),
                ":limit": limit as i64,
            },
            view_head,
        )?
        .collect::<crate::db::Result<_>>()?;
    heads
        .into_iter()
        .map(|(v, rows)| counted(conn, v, &rows))
        .collect()
}

fn view_head(r: &crate::db::Row<'_>) -> crate::db::Result<(BroadcastView, String)> {
    // Written by `create` from the same type; one that did not read shows as none.
    let header = r
        .get::<_, Option<String>>(15)?
        .and_then(|h| serde_json::from_str::<HeaderValue>(&h).ok());
    Ok((
        BroadcastView {
            id: r.get(0)?,
            tenant: r.get(1)?,
            number: r.get(2)?,
            phone_number_id: r.get(3)?,
            template: r.get(4)?,
            language: r.get(5)?,
            category: r.get(6)?,
            segment: r.get(7)?,
            state: r.get(8)?,
            stop_reason: r.get(9)?,
            created_by: r.get(10)?,
            created_at: r.get(11)?,
            started_at: r.get(12)?,
            finished_at: r.get(13)?,
            recipients: 0,
            pending: 0,
            queued: 0,
            sent: 0,
            delivered: 0,
            read: 0,
            failed: 0,
            uncertain: 0,
            skipped: Vec::new(),
            failures: Vec::new(),
            header: header
                .as_ref()
                .map(wabox_domain::template_header::described),
            header_name: header.as_ref().map(wabox_domain::template_header::what),
        },
        r.get(14)?,
    ))
}

/// Fills a view's counts from its recipients and their messages.
fn counted(conn: &Connection, mut v: BroadcastView, skipped_rows: &str) -> Result<BroadcastView> {
    let states: Vec<(String, Option<String>, Option<i64>, i64)> = conn
        .prepare_cached(
            "SELECT r.state, m.status, m.error_code, count(*) FROM broadcast_recipients r
             LEFT JOIN messages m ON m.id = r.message_id
             WHERE r.broadcast_id = ?1 AND r.state <> 'skipped'
             GROUP BY r.state, m.status, m.error_code",
        )?
        .query_map([v.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<crate::db::Result<_>>()?;
    let mut failures: BTreeMap<Option<i64>, u64> = BTreeMap::new();
    for (state, status, code, n) in states {
        let n = n as u64;
        v.recipients += n;
        let slot = match (state.as_str(), status.as_deref()) {
            ("pending", _) => &mut v.pending,
            (_, Some("accepted" | "sent")) => &mut v.sent,
            (_, Some("delivered")) => &mut v.delivered,
            (_, Some("read" | "played")) => &mut v.read,
            (_, Some("failed")) => {
                *failures.entry(code).or_default() += n;
                &mut v.failed
            }
            (_, Some("uncertain")) => &mut v.uncertain,
            _ => &mut v.queued,
        };
        *slot += n;
    }
    v.failures = failures
        .into_iter()
        .map(|(code, count)| FailureCount { code, count })
        .collect();
    let mut skipped: Vec<SkippedCount> = serde_json::from_str(skipped_rows).unwrap_or_default();
    let rows: Vec<(Option<String>, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT skip_reason, wa_id, name FROM broadcast_recipients
             WHERE broadcast_id = ?1 AND state = 'skipped' ORDER BY id",
        )?
        .query_map([v.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::db::Result<_>>()?;
    for (reason, wa_id, name) in rows {
        let reason = reason.unwrap_or_default();
        let example = match name {
            Some(n) => format!("{n} (+{wa_id})"),
            None => format!("+{wa_id}"),
        };
        add_skip(&mut skipped, &reason, example);
    }
    v.skipped = skipped;
    Ok(v)
}

/// Counts one skipped customer under its reason, keeping a few examples.
pub fn add_skip(skipped: &mut Vec<SkippedCount>, reason: &str, example: String) {
    let at = match skipped.iter().position(|s| s.reason == reason) {
        Some(i) => i,
        None => {
            skipped.push(SkippedCount {
                reason: reason.to_string(),
                count: 0,
                examples: Vec::new(),
            });
            skipped.len() - 1
        }
    };
    let s = &mut skipped[at];
    s.count += 1;
    if s.examples.len() < EXAMPLES {
        s.examples.push(example);
    }
}
