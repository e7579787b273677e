//! What `GET /metrics` reads from the store: the journal's backlog and the outbox per number.

use super::Result;
use crate::db::Connection;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreGauges {
    /// Deliveries journaled and not processed yet.
    pub journal_pending: i64,
    /// When the oldest of them arrived (unix seconds); none when none waits.
    pub journal_oldest_pending_at: Option<i64>,
    /// Per number (`phone_number_id`) and outbox state: how many sends are in it.
    pub outbox: Vec<(String, String, i64)>,
}

impl StoreGauges {
    /// How long the oldest unprocessed delivery has waited at `now`: 0 when none waits.
    pub fn journal_lag_seconds(&self, now: i64) -> i64 {
        self.journal_oldest_pending_at
            .map_or(0, |at| (now - at).max(0))
    }
}

pub fn read(conn: &Connection) -> Result<StoreGauges> {
    // `state != 'processed'` lets SQLite use the partial index of unprocessed entries.
    let (journal_pending, journal_oldest_pending_at) = conn
        .prepare_cached(
            "SELECT count(*), min(received_at) FROM journal
             WHERE state != 'processed' AND state = 'pending'",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let outbox = conn
        .prepare_cached(
            "SELECT n.phone_number_id, o.state, count(*) FROM outbox o
             JOIN numbers n ON n.id = o.number_id
             GROUP BY n.phone_number_id, o.state ORDER BY n.phone_number_id, o.state",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::db::Result<_>>()?;
    Ok(StoreGauges {
        journal_pending,
        journal_oldest_pending_at,
        outbox,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::send_target;
    use crate::test_fixtures::{PNID, apply, conversation, messages, queue_text, store, text};

    #[crate::testing::both_stores]
    fn the_backlog_and_the_outbox_per_number_as_they_stand() {
        let f = store();
        assert_eq!(read(&f.conn).unwrap(), StoreGauges::default());
        let pending = crate::journal::JournalState::Pending;
        crate::journal::append(&f.conn, b"{}", &[1; 32], pending, 100).unwrap();
        crate::journal::append(&f.conn, b"{ }", &[2; 32], pending, 160).unwrap();
        let g = read(&f.conn).unwrap();
        assert_eq!(
            (g.journal_pending, g.journal_oldest_pending_at),
            (2, Some(100))
        );
        assert_eq!(g.journal_lag_seconds(130), 30);
        assert_eq!(
            g.journal_lag_seconds(90),
            0,
            "a clock behind the journal is no lag"
        );

        apply(&f.conn, 3, &messages(vec![text("wamid.A", 10, "hola")]));
        let target = send_target(&f.conn, conversation(&f.conn).unwrap()).unwrap();
        for _ in 0..3 {
            queue_text(&f.conn, &target, "hi", 1_000);
        }
        f.conn
            .execute(
                "UPDATE outbox SET state = 'sent' WHERE id = (SELECT min(id) FROM outbox)",
                [],
            )
            .unwrap();
        let g = read(&f.conn).unwrap();
        assert_eq!(
            g.outbox,
            [
                (PNID.to_string(), "queued".to_string(), 2),
                (PNID.to_string(), "sent".to_string(), 1)
            ]
        );
    }
}
