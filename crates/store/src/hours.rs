//! Queues' business hours as stored (`queue_hours`, `queue_holidays`), read back as the
//! domain's `Hours`, and the away replies already sent (`away_replies`: one a conversation a
//! closed period).

use super::Result;
use crate::db::{Connection, OptionalExtension, params};
use wabox_domain::hours::Hours;

/// One queue's hours as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHours {
    pub queue_id: i64,
    pub queue: String,
    pub tenant_id: i64,
    pub tenant: String,
    pub zone: String,
    pub week: String,
    pub away_text: Option<String>,
    pub holidays: Vec<String>,
}

impl StoredHours {
    /// The rule; none when what is stored no longer reads (a zone this build does not know).
    pub fn hours(&self) -> Option<Hours> {
        Hours::from_parts(&self.zone, &self.week, &self.holidays)
    }
}

/// Sets a queue's zone, week and away reply (the week already checked by the caller).
pub fn set(
    conn: &Connection,
    queue_id: i64,
    zone: &str,
    week: &str,
    away_text: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO queue_hours (queue_id, zone, week, away_text, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (queue_id) DO UPDATE SET zone = excluded.zone, week = excluded.week,
             away_text = excluded.away_text, updated_at = excluded.updated_at",
    )?
    .execute(params![queue_id, zone, week, away_text, now])?;
    Ok(())
}

/// Adds (or, with `remove`, takes away) a holiday: `YYYY-MM-DD`, already checked.
pub fn holiday(conn: &Connection, queue_id: i64, day: &str, remove: bool) -> Result<bool> {
    let changed = if remove {
        conn.prepare_cached("DELETE FROM queue_holidays WHERE queue_id = ?1 AND day = ?2")?
            .execute(params![queue_id, day])?
    } else {
        conn.prepare_cached(
            "INSERT INTO queue_holidays (queue_id, day) VALUES (?1, ?2)
             ON CONFLICT (queue_id, day) DO NOTHING",
        )?
        .execute(params![queue_id, day])?
    };
    Ok(changed > 0)
}

/// Every queue with hours, of one tenant or (none) all; by tenant, then queue.
pub fn list(conn: &Connection, tenant_id: Option<i64>) -> Result<Vec<StoredHours>> {
    list_where(conn, tenant_id, None)
}

fn list_where(
    conn: &Connection,
    tenant_id: Option<i64>,
    queue_id: Option<i64>,
) -> Result<Vec<StoredHours>> {
    let mut stmt = conn.prepare_cached(
        "SELECT h.queue_id, q.name, q.tenant_id, t.name, h.zone, h.week, h.away_text
         FROM queue_hours h JOIN queues q ON q.id = h.queue_id JOIN tenants t ON t.id = q.tenant_id
         WHERE (CAST(?1 AS BIGINT) IS NULL OR q.tenant_id = ?1)
           AND (CAST(?2 AS BIGINT) IS NULL OR h.queue_id = ?2)
         ORDER BY t.name, q.name",
    )?;
    let rows = stmt.query_map(params![tenant_id, queue_id], |r| {
        Ok(StoredHours {
            queue_id: r.get(0)?,
            queue: r.get(1)?,
            tenant_id: r.get(2)?,
            tenant: r.get(3)?,
            zone: r.get(4)?,
            week: r.get(5)?,
            away_text: r.get(6)?,
            holidays: Vec::new(),
        })
    })?;
    let mut out: Vec<StoredHours> = rows.collect::<crate::db::Result<_>>()?;
    for h in &mut out {
        h.holidays = holidays(conn, h.queue_id)?;
    }
    Ok(out)
}

fn holidays(conn: &Connection, queue_id: i64) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT day FROM queue_holidays WHERE queue_id = ?1 ORDER BY day")?;
    let rows = stmt.query_map([queue_id], |r| r.get(0))?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// The hours of the queue a conversation waits in, if it has any.
pub fn of_conversation(conn: &Connection, conversation_id: i64) -> Result<Option<StoredHours>> {
    let queue: Option<i64> = conn
        .prepare_cached(
            "SELECT h.queue_id FROM conversations c JOIN queue_hours h ON h.queue_id = c.queue_id
             WHERE c.id = ?1",
        )?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?;
    let Some(queue) = queue else { return Ok(None) };
    Ok(list_where(conn, None, Some(queue))?.into_iter().next())
}

/// A customer's fresh message, as the automatic answers look at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrived {
    pub conversation_id: i64,
    pub at: i64,
    pub kind: String,
    pub text: String,
    /// The away text of the queue it waits in, when that queue keeps hours.
    pub away_text: Option<String>,
    /// When the customer was last opted back in to marketing, if ever.
    pub opted_in_at: Option<i64>,
}

/// Of these messages, the customers' own (not to a blocked customer), in one query: the
/// automatic answers look at every message, and one query a message cost a round trip each
/// on PostgreSQL.
pub fn customers_messages(conn: &Connection, message_ids: &[i64]) -> Result<Vec<Arrived>> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(message_ids).map_err(crate::StoreError::invalid)?;
    // On PostgreSQL the ids are one array the messages' key is probed with. As `IN (SELECT
    // …)` the planner could start from the messages instead, and on a store that grew faster
    // than its statistics (a new one under load: no column statistics yet, so the direction
    // and origin filters look as if they kept one row) it sorted every customer message to
    // disk for each batch: 45–140 ms a call, more than half the server's time in a benchmark.
    let ids = match conn.dialect() {
        crate::db::Dialect::Sqlite => "m.id IN (SELECT value FROM json_each(?1))",
        crate::db::Dialect::Postgres => {
            "m.id = ANY(ARRAY(SELECT CAST(value AS BIGINT)
                              FROM json_array_elements_text(CAST(CAST(?1 AS TEXT) AS JSON))))"
        }
    };
    let sql = format!(
        "SELECT m.conversation_id, m.at, m.type, m.text, h.away_text, k.opted_in_at
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         LEFT JOIN contacts k ON k.id = c.contact_id
         LEFT JOIN queue_hours h ON h.queue_id = c.queue_id
         WHERE {ids} AND m.direction = 'in' AND m.origin = 'customer'
           AND c.blocked_at IS NULL
         ORDER BY m.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([list], |r| {
        Ok(Arrived {
            conversation_id: r.get(0)?,
            at: r.get(1)?,
            kind: r.get(2)?,
            text: r.get(3)?,
            away_text: r.get(4)?,
            opted_in_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// The customers' messages after message `after_id` stored at `since` or later (by this
/// side's clock: when their delivery was applied, not the customer's time, which is hours
/// old for a delivery Meta retried after an outage), oldest first, at most `limit`:
/// (conversation, message). What the automatic answers look at again when they may have
/// missed some (at their start, or after falling behind the events).
pub fn customers_messages_after(
    conn: &Connection,
    after_id: i64,
    since: i64,
    limit: usize,
) -> Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.conversation_id, m.id FROM messages m JOIN journal j ON j.id = m.journal_id
         WHERE m.id > ?1 AND j.processed_at >= ?2
           AND m.direction = 'in' AND m.origin = 'customer'
         ORDER BY m.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![after_id, since, limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// The newest message's id (0 with none).
pub fn last_message_id(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM messages", [], |r| {
            r.get(0)
        })?,
    )
}

/// Claims the away reply of a conversation's closed period: true the first time only, in the
/// caller's transaction (with the reply's send, so a crash leaves both or neither).
pub fn claim_away(conn: &Connection, conversation_id: i64, period: i64, now: i64) -> Result<bool> {
    let claimed = conn
        .prepare_cached(
            "INSERT INTO away_replies (conversation_id, period, sent_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (conversation_id, period) DO NOTHING",
        )?
        .execute(params![conversation_id, period, now])?;
    Ok(claimed > 0)
}

/// The message an away reply became.
pub fn note_away_message(
    conn: &Connection,
    conversation_id: i64,
    period: i64,
    message_id: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE away_replies SET message_id = ?3 WHERE conversation_id = ?1 AND period = ?2",
    )?
    .execute(params![conversation_id, period, message_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures as fx;
    use crate::testing::store;

    #[crate::testing::both_stores]
    fn hours_are_kept_per_queue_read_back_and_an_away_reply_claimed_once() {
        let (_d, conn) = store();
        let conversation = fx::number_and_conversation(&conn).unwrap();
        let tenant: i64 = conn
            .query_row("SELECT id FROM tenants", [], |r| r.get(0))
            .unwrap();
        conn.execute(
            "INSERT INTO queues (tenant_id, name, created_at) VALUES (?1, 'Sales', 1)",
            [tenant],
        )
        .unwrap();
        let queue: i64 = conn
            .query_row("SELECT id FROM queues", [], |r| r.get(0))
            .unwrap();
        conn.execute(
            "UPDATE conversations SET queue_id = ?1 WHERE id = ?2",
            params![queue, conversation],
        )
        .unwrap();
        assert_eq!(of_conversation(&conn, conversation).unwrap(), None);

        set(
            &conn,
            queue,
            "America/La_Paz",
            "mon-fri 09:00-18:00",
            Some("Volvemos a las 9"),
            5,
        )
        .unwrap();
        assert!(holiday(&conn, queue, "2026-12-25", false).unwrap());
        assert!(!holiday(&conn, queue, "2026-12-25", false).unwrap(), "once");
        let stored = of_conversation(&conn, conversation)
            .unwrap()
            .expect("its queue's hours");
        assert_eq!(
            (
                stored.queue.as_str(),
                stored.zone.as_str(),
                stored.holidays.clone()
            ),
            ("Sales", "America/La_Paz", vec!["2026-12-25".to_string()])
        );
        assert_eq!(stored.away_text.as_deref(), Some("Volvemos a las 9"));
        assert!(stored.hours().is_some());
        set(&conn, queue, "Europe/Madrid", "sat 10:00-14:00", None, 6).unwrap();
        let listed = list(&conn, Some(tenant)).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].zone.as_str(), listed[0].away_text.clone()),
            ("Europe/Madrid", None)
        );
        assert!(list(&conn, Some(tenant + 1)).unwrap().is_empty());
        assert!(holiday(&conn, queue, "2026-12-25", true).unwrap());

        assert!(claim_away(&conn, conversation, 1_000, 7).unwrap());
        assert!(
            !claim_away(&conn, conversation, 1_000, 8).unwrap(),
            "once a period"
        );
        assert!(
            claim_away(&conn, conversation, 2_000, 9).unwrap(),
            "the next period"
        );
        note_away_message(&conn, conversation, 1_000, 42).unwrap();

        let first: i64 = conn
            .query_row("SELECT min(id) FROM messages", [], |r| r.get(0))
            .unwrap();
        let arrived = customers_messages(&conn, &[first, first + 1000]).unwrap();
        assert_eq!(
            arrived.len(),
            1,
            "the customer's one message, nothing for an unknown id"
        );
        assert_eq!(arrived[0].conversation_id, conversation);
        assert_eq!(
            (arrived[0].kind.as_str(), arrived[0].text.as_str()),
            ("text", "hola")
        );
        assert_eq!(
            arrived[0].away_text, None,
            "Sales keeps hours without an away text now"
        );
        conn.execute("UPDATE conversations SET blocked_at = 1", [])
            .unwrap();
        assert!(
            customers_messages(&conn, &[first]).unwrap().is_empty(),
            "blocked: nothing"
        );
    }

    #[crate::testing::both_stores]
    fn the_customers_messages_after_one_are_found_by_id_and_time_stored() {
        let (_d, conn) = store();
        fx::add_number(&conn, None).unwrap();
        // Stored at 1,000, 5,000 and 6,000; the second is the customer's oldest message (a
        // delivery Meta retried late): what counts is when it was stored.
        fx::journaled(
            &conn,
            &fx::messages(vec![fx::text("wamid.A", 900, "old")]),
            1_000,
        );
        fx::journaled(
            &conn,
            &fx::messages(vec![fx::text("wamid.B", 10, "late")]),
            5_000,
        );
        fx::journaled(
            &conn,
            &fx::messages(vec![fx::text("wamid.C", 5_900, "newer")]),
            6_000,
        );
        let ids: Vec<i64> = fx::column(&conn, "SELECT id FROM messages ORDER BY id");
        assert_eq!(ids.len(), 3);
        assert_eq!(last_message_id(&conn).unwrap(), ids[2]);
        let conversation = fx::conversation(&conn).unwrap();
        assert_eq!(
            customers_messages_after(&conn, 0, 2_000, 10).unwrap(),
            [(conversation, ids[1]), (conversation, ids[2])],
            "the one stored before is left out"
        );
        assert_eq!(
            customers_messages_after(&conn, ids[1], 0, 10).unwrap(),
            [(conversation, ids[2])]
        );
        assert_eq!(
            customers_messages_after(&conn, 0, 0, 1).unwrap(),
            [(conversation, ids[0])]
        );
        // Ours are not the customers'.
        conn.execute(
            "UPDATE messages SET direction = 'out', origin = 'agent'",
            [],
        )
        .unwrap();
        assert!(
            customers_messages_after(&conn, 0, 0, 10)
                .unwrap()
                .is_empty()
        );
    }
}
