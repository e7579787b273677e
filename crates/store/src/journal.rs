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

/// Where a prune of old deliveries stands after one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneStep {
    /// Deliveries deleted by this step.
    pub deleted: usize,
    /// The last id this step looked at: the next step (or the next pass) goes on after it.
    pub after: i64,
    /// The step met a delivery received since `before`, or the journal's end: nothing older is
    /// left past `after` until time moves on.
    pub caught_up: bool,
}

/// Deletes the deliveries applied before `before` among the `limit` entries after id `after`,
/// in order of arrival, stopping at the first one received since `before`. An entry not applied
/// (pending, invalid, unrouted) stays, whatever its age: it is what an admin has yet to see.
///
/// The walk goes by id, the journal's key, and not by time, which no index orders: each step
/// costs its own entries, never a scan of the journal. The newest entry is never deleted: on
/// SQLite the next id is the largest plus one, and an id given again would be taken by the
/// messages and account events that name their delivery for the one they came from.
pub fn prune_processed(
    conn: &Connection,
    after: i64,
    before: i64,
    limit: usize,
) -> Result<PruneStep> {
    let rows: Vec<(i64, i64)> = conn
        .prepare_cached("SELECT id, received_at FROM journal WHERE id > ?1 ORDER BY id LIMIT ?2")?
        .query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    let old = rows
        .iter()
        .take_while(|(_, received)| *received < before)
        .count();
    let caught_up = old < limit;
    let Some(&(last, _)) = rows[..old].last() else {
        return Ok(PruneStep {
            deleted: 0,
            after,
            caught_up,
        });
    };
    // On PostgreSQL every engine prunes: rows another engine is deleting are skipped, not
    // waited for (two deletes locking the same rows in different orders could deadlock).
    let sql = match conn.dialect() {
        crate::db::Dialect::Sqlite => {
            "DELETE FROM journal WHERE id > ?1 AND id <= ?2
               AND state = 'processed' AND processed_at < ?3
               AND id < (SELECT max(id) FROM journal)"
        }
        crate::db::Dialect::Postgres => {
            "DELETE FROM journal WHERE id IN (
               SELECT id FROM journal WHERE id > ?1 AND id <= ?2
                 AND state = 'processed' AND processed_at < ?3
                 AND id < (SELECT max(id) FROM journal)
               ORDER BY id FOR UPDATE SKIP LOCKED)"
        }
    };
    let deleted = conn
        .prepare_cached(sql)?
        .execute(params![after, last, before])?;
    Ok(PruneStep {
        deleted,
        after: last,
        caught_up,
    })
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
    fn old_applied_deliveries_are_pruned_in_steps_and_the_rest_stay() {
        let (_d, conn) = store();
        // Ids 1-6 received at 10..60; 3 never applied (invalid), 5 applied late (at 95).
        let mut ids = Vec::new();
        for (i, body) in [b"a", b"b", b"c", b"d", b"e", b"f"].iter().enumerate() {
            let at = 10 * (i as i64 + 1);
            let (id, _) = put(&conn, *body, at).unwrap();
            ids.push(id);
            if i != 2 {
                let done = if i == 4 { 95 } else { at + 1 };
                mark(&conn, id, JournalState::Processed, None, done).unwrap();
            }
        }
        mark(&conn, ids[2], JournalState::Invalid, Some("bad"), 31).unwrap();
        let left = |conn: &Connection| -> Vec<i64> {
            let mut stmt = conn.prepare("SELECT id FROM journal ORDER BY id").unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<crate::db::Result<_>>()
                .unwrap()
        };

        // Before 55, two at a time: 1 and 2 go; then 3 stays (invalid) and 4 goes; then 5
        // (received at 50, applied at 95) stays and the walk meets 6, received at 60.
        let step = prune_processed(&conn, 0, 55, 2).unwrap();
        assert_eq!(
            step,
            PruneStep {
                deleted: 2,
                after: ids[1],
                caught_up: false
            }
        );
        let step = prune_processed(&conn, step.after, 55, 2).unwrap();
        assert_eq!(
            step,
            PruneStep {
                deleted: 1,
                after: ids[3],
                caught_up: false
            }
        );
        let step = prune_processed(&conn, step.after, 55, 2).unwrap();
        assert_eq!(
            step,
            PruneStep {
                deleted: 0,
                after: ids[4],
                caught_up: true
            }
        );
        assert_eq!(left(&conn), vec![ids[2], ids[4], ids[5]]);
        // Caught up, a step goes no further.
        let again = prune_processed(&conn, step.after, 55, 2).unwrap();
        assert_eq!(
            again,
            PruneStep {
                deleted: 0,
                after: ids[4],
                caught_up: true
            }
        );

        // Much later, from the start again: 5 goes; 6, the newest, stays.
        let step = prune_processed(&conn, 0, 1_000, 10).unwrap();
        assert_eq!(step.deleted, 1);
        assert!(step.caught_up);
        assert_eq!(left(&conn), vec![ids[2], ids[5]]);
        // So the next delivery gets an id never given before.
        let (next, _) = put(&conn, b"g", 2_000).unwrap();
        assert!(next > ids[5], "{next} after {}", ids[5]);
    }

    /// Several engines prune one PostgreSQL journal: a row another holds is passed over, not
    /// waited for (the lock timeout turns a wait into this test's failure, not a hang).
    #[test]
    fn on_postgres_a_row_another_engine_holds_is_skipped_not_waited_for() {
        let Some(database) = crate::testing::postgres_database() else {
            return;
        };
        let a = crate::open_postgres(&database.url).unwrap();
        let b = crate::open_postgres(&database.url).unwrap();
        let mut ids = Vec::new();
        for (i, body) in [b"a", b"b", b"c"].iter().enumerate() {
            let (id, _) = put(&a, *body, 10 + i as i64).unwrap();
            mark(&a, id, JournalState::Processed, None, 20).unwrap();
            ids.push(id);
        }
        a.execute_batch(&format!(
            "BEGIN; SELECT id FROM journal WHERE id = {} FOR UPDATE",
            ids[0]
        ))
        .unwrap();
        b.execute_batch("SET lock_timeout = '5s'").unwrap();
        // The first is held, the third the newest: the second goes.
        let step = prune_processed(&b, 0, 100, 10).unwrap();
        assert_eq!(step.deleted, 1, "{step:?}");
        a.execute_batch("ROLLBACK").unwrap();
        let left: i64 = b
            .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 2);
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
