//! The journal of raw deliveries: written before Meta gets its 200 (usually already applied, in
//! the same transaction), and applied from here in order when it is not.

use super::{Result, StoreError};
use crate::db::{Connection, OptionalExtension, params};
use crate::words::RowWords;
use sha2::{Digest, Sha256};
pub use wabox_protocol::admin::JournalState;
pub use wabox_protocol::admin::{JournalEntryView, JournalFilter};

/// The key a delivery is known by: the same bytes delivered again are the same delivery. Worked
/// out by the caller (an HTTP handler), off the writer's thread.
pub fn digest(body: &[u8]) -> [u8; 32] {
    Sha256::digest(body).into()
}

/// Appends a delivery in `state` (`Pending` for the writer to apply later; `Processed` when it
/// is applied in the same transaction), or counts a repeat of one already journaled (same
/// `digest`, which is `digest(body)`). Returns its id and whether it is new.
pub fn append(
    conn: &Connection,
    body: &[u8],
    digest: &[u8; 32],
    state: JournalState,
    now: i64,
) -> Result<(i64, bool)> {
    // The cast types `?1` for PostgreSQL, which would take a CASE of NULL and a parameter for
    // text; `journal.deliveries`, qualified, as PostgreSQL finds a bare one ambiguous.
    let mut stmt = conn.prepare_cached(
        "INSERT INTO journal (received_at, body, body_sha256, state, processed_at)
         VALUES (?1, ?2, ?3, ?4, CASE WHEN ?4 = 'pending' THEN NULL ELSE CAST(?1 AS BIGINT) END)
         ON CONFLICT (body_sha256) DO UPDATE SET deliveries = journal.deliveries + 1
         RETURNING id, deliveries",
    )?;
    Ok(
        stmt.query_row(params![now, body, digest.as_slice(), state.as_str()], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? == 1))
        })?,
    )
}

// `state != 'processed'` lets SQLite see that the partial index of unprocessed entries applies;
// without it the planner scans the whole journal (and every batch got slower as it grew).
const ANY_PENDING: &str =
    "SELECT EXISTS (SELECT 1 FROM journal WHERE state != 'processed' AND state = 'pending')";
const PENDING: &str =
    "SELECT id, body FROM journal WHERE state != 'processed' AND state = 'pending'
     ORDER BY id LIMIT ?1";

/// Whether any delivery waits to be applied.
pub fn any_pending(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached(ANY_PENDING)?
        .query_row([], |r| r.get(0))?)
}

/// The oldest pending deliveries, in order of arrival.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<(i64, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached(PENDING)?;
    let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

pub fn body(conn: &Connection, id: i64) -> Result<Vec<u8>> {
    conn.query_row("SELECT body FROM journal WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoJournalEntry { id }))
}

pub fn state(conn: &Connection, id: i64) -> Result<JournalState> {
    let s: Option<JournalState> = conn
        .query_row("SELECT state FROM journal WHERE id = ?1", [id], |r| {
            r.word(0)
        })
        .optional()?;
    s.ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoJournalEntry { id }))
}

/// The longest `detail` kept: an error quoting a sender's body (a parse error, an unknown field)
/// must not make each forged-but-signed delivery cost the store a copy of itself.
pub const MAX_DETAIL_BYTES: usize = 2048;

/// `detail` cut to `MAX_DETAIL_BYTES` on a character boundary, "…" marking the cut.
pub fn capped_detail(detail: &str) -> std::borrow::Cow<'_, str> {
    if detail.len() <= MAX_DETAIL_BYTES {
        return std::borrow::Cow::Borrowed(detail);
    }
    let mut end = MAX_DETAIL_BYTES - '…'.len_utf8();
    while !detail.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &detail[..end]))
}

pub fn mark(
    conn: &Connection,
    id: i64,
    state: JournalState,
    detail: Option<&str>,
    now: i64,
) -> Result<()> {
    let detail = detail.map(capped_detail);
    conn.prepare_cached(
        "UPDATE journal SET state = ?2, detail = ?3, processed_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, state.as_str(), detail, now])?;
    Ok(())
}

/// Marks these entries processed, in one statement (a round trip each was a tenth of a
/// delivery's on PostgreSQL).
pub fn mark_processed(conn: &Connection, ids: &[i64], now: i64) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = serde_json::to_string(ids).map_err(crate::StoreError::invalid)?;
    let sql = match conn.dialect() {
        crate::db::Dialect::Sqlite => {
            "UPDATE journal SET state = 'processed', detail = NULL, processed_at = ?2
             WHERE id IN (SELECT value FROM json_each(?1))"
        }
        crate::db::Dialect::Postgres => {
            "UPDATE journal SET state = 'processed', detail = NULL, processed_at = ?2
             WHERE id IN (SELECT CAST(value AS BIGINT)
                          FROM json_array_elements_text(CAST(CAST(?1 AS TEXT) AS JSON)))"
        }
    };
    // Planned anew each time: kept, its plan made while the journal was empty scanned the
    // whole journal once it was not (6.6 ms for 64 ids).
    conn.prepare_replanned(sql)?.execute(params![list, now])?;
    Ok(())
}

/// Ids of every unrouted delivery, oldest first.
pub fn unrouted_ids(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM journal WHERE state != 'processed' AND state = 'unrouted' ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// Counts by state, for `healthz` and the bench.
pub fn counts(conn: &Connection) -> Result<Vec<(JournalState, i64)>> {
    let mut stmt = conn
        .prepare("SELECT state, count(*) FROM journal WHERE state != 'processed' GROUP BY state ORDER BY state")?;
    let rows = stmt.query_map([], |r| Ok((r.word(0)?, r.get(1)?)))?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// Lists journal entries, newest first.
pub fn list(
    conn: &Connection,
    filter: JournalFilter,
    limit: usize,
    before: Option<i64>,
) -> Result<Vec<JournalEntryView>> {
    // One statement per filter, so the partial index on unprocessed entries serves the default.
    // The casts type for PostgreSQL the parameters a filter only tests for NULL.
    let (sql, state) = match filter {
        JournalFilter::NotProcessed => (
            "SELECT id, received_at, deliveries, state, detail, length(body) FROM journal
             WHERE state != 'processed' AND CAST(?1 AS TEXT) IS NULL
               AND (CAST(?3 AS BIGINT) IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?2",
            None,
        ),
        JournalFilter::All => (
            "SELECT id, received_at, deliveries, state, detail, length(body) FROM journal
             WHERE CAST(?1 AS TEXT) IS NULL
               AND (CAST(?3 AS BIGINT) IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?2",
            None,
        ),
        JournalFilter::Only(JournalState::Processed) => (
            "SELECT id, received_at, deliveries, state, detail, length(body) FROM journal
             WHERE state = 'processed' AND CAST(?1 AS TEXT) IS NULL
               AND (CAST(?3 AS BIGINT) IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?2",
            None,
        ),
        JournalFilter::Only(s) => (
            "SELECT id, received_at, deliveries, state, detail, length(body) FROM journal
             WHERE state != 'processed' AND state = ?1
               AND (CAST(?3 AS BIGINT) IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?2",
            Some(s.as_str()),
        ),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![state, limit as i64, before], |r| {
        Ok(JournalEntryView {
            id: r.get(0)?,
            received_at: r.get(1)?,
            deliveries: r.get(2)?,
            state: r.word(3)?,
            detail: r.get(4)?,
            bytes: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::store;

    /// Appends as the writer does when it applies later.
    fn put(conn: &Connection, body: &[u8], now: i64) -> Result<(i64, bool)> {
        append(conn, body, &digest(body), JournalState::Pending, now)
    }

    #[crate::testing::both_stores]
    fn a_delivery_applied_as_it_is_journaled_is_never_pending() {
        let (_d, conn) = store();
        let (a, _) = put(&conn, b"a", 1).unwrap();
        assert!(any_pending(&conn).unwrap());
        mark(&conn, a, JournalState::Processed, None, 2).unwrap();
        assert!(!any_pending(&conn).unwrap());
        let (b, new) = append(&conn, b"b", &digest(b"b"), JournalState::Processed, 3).unwrap();
        assert!(new);
        assert!(!any_pending(&conn).unwrap());
        assert_eq!(state(&conn, b).unwrap(), JournalState::Processed);
        let at: Option<i64> = conn
            .query_row("SELECT processed_at FROM journal WHERE id = ?1", [b], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(at, Some(3));
        // A repeat of an applied delivery is counted, and neither re-applied nor made pending.
        let (again, new) = put(&conn, b"b", 4).unwrap();
        assert_eq!((again, new), (b, false));
        assert_eq!(state(&conn, b).unwrap(), JournalState::Processed);
    }

    #[crate::testing::both_stores]
    fn a_long_detail_is_cut_on_a_character_boundary_and_marked() {
        let (_d, conn) = store();
        let (id, _) = put(&conn, b"{}", 10).unwrap();
        // 3-byte characters, so a cut at a fixed byte count would split one.
        let long = "\u{20AC}".repeat(5000);
        mark(&conn, id, JournalState::Invalid, Some(&long), 11).unwrap();
        let listed = list(&conn, JournalFilter::All, 10, None).unwrap();
        let kept = listed[0].detail.clone().unwrap();
        assert!(kept.len() <= MAX_DETAIL_BYTES, "{}", kept.len());
        assert!(kept.ends_with('…'));
        assert!(kept.trim_end_matches('…').chars().all(|c| c == '\u{20AC}'));
        assert_eq!(capped_detail("short"), "short");
    }

    #[crate::testing::both_stores]
    fn a_repeated_body_is_journaled_once_and_counted() {
        let (_d, conn) = store();
        let (a, new_a) = put(&conn, b"{\"x\":1}", 10).unwrap();
        let (b, new_b) = put(&conn, b"{\"x\":1}", 11).unwrap();
        let (c, _) = put(&conn, b"{\"x\":2}", 12).unwrap();
        assert_eq!(a, b);
        assert!(new_a && !new_b);
        assert_ne!(a, c);
        let listed = list(&conn, JournalFilter::All, 10, None).unwrap();
        assert_eq!(listed.iter().find(|e| e.id == a).unwrap().deliveries, 2);
        assert_eq!(pending(&conn, 10).unwrap().len(), 2);
    }

    // SQLite's plan (EXPLAIN QUERY PLAN); PostgreSQL plans by its statistics.
    #[test]
    fn the_pending_queries_use_the_partial_index_not_a_scan() {
        let (_d, conn) = store();
        for sql in [PENDING, ANY_PENDING] {
            let sqlite = conn.as_sqlite().unwrap();
            let limit = vec![64; sqlite.prepare(sql).unwrap().parameter_count()];
            let mut explain = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> = explain
                .query_map(crate::db::params_from_iter(limit), |r| {
                    r.get::<_, String>(3)
                })
                .unwrap()
                .map(|row: crate::db::Result<String>| row.unwrap())
                .collect();
            assert!(
                plan.iter().any(|p| p.contains("journal_not_processed")),
                "{sql}: {plan:?}"
            );
        }
    }

    #[crate::testing::both_stores]
    fn marking_moves_entries_out_of_pending() {
        let (_d, conn) = store();
        let (a, _) = put(&conn, b"a", 1).unwrap();
        mark(
            &conn,
            a,
            JournalState::Unrouted,
            Some("unknown phone number id 9"),
            2,
        )
        .unwrap();
        assert!(pending(&conn, 10).unwrap().is_empty());
        assert_eq!(unrouted_ids(&conn).unwrap(), vec![a]);
        assert_eq!(state(&conn, a).unwrap(), JournalState::Unrouted);
        let invalid = JournalFilter::Only(JournalState::Invalid);
        assert_eq!(list(&conn, invalid, 10, None).unwrap().len(), 0);
        assert_eq!(
            list(&conn, JournalFilter::NotProcessed, 10, None)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(list(&conn, JournalFilter::All, 10, None).unwrap().len(), 1);
    }
}
