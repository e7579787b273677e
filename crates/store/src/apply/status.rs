//! Status reports: each kept once per (wamid, status), the message showing the highest reached,
//! and reports that came before their message folded in when it arrives.

use super::*;

impl Ctx<'_> {
    pub(super) fn settle_status_from_history(&self, message_id: i64, wamid: &Wamid) -> Result<()> {
        settle_status(self.conn, message_id, wamid.as_str())
    }

    pub(super) fn status(
        &self,
        s: &StatusReport,
        profiles: &[ContactProfile],
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO statuses (wamid, status, at, recipient_id, error_code, error_title,
                                       error_detail, pricing, callback_data, journal_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (wamid, status) DO NOTHING",
            )?
            .execute(params![
                s.wamid.as_str(),
                s.status.to_ascii_lowercase(),
                s.at,
                s.recipient_id,
                s.error.as_ref().map(|e| e.code),
                s.error.as_ref().map(|e| e.title.as_str()),
                s.error.as_ref().and_then(|e| e.detail.as_deref()),
                s.pricing.as_ref().map(Value::to_string),
                s.callback_data,
                self.journal_id
            ])?;
        if inserted > 0 && !s.to_group() {
            identity::pair_from_status(self.conn, self.tenant_id, s, profiles, self.now, events)?;
        }
        let Some(incoming) = DeliveryStatus::parse(&s.status) else {
            return Ok(()); // a status we do not know yet is on record, and changes nothing shown
        };
        if inserted == 0 {
            return Ok(());
        }
        let message: Option<(i64, i64, Option<String>)> = self
            .conn
            .prepare_cached("SELECT id, conversation_id, status FROM messages WHERE wamid = ?1")?
            .query_row([s.wamid.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((id, conversation_id, current)) = message else {
            return Ok(()); // settled from the statuses table when the message is stored
        };
        let current = current.as_deref().and_then(DeliveryStatus::parse);
        if let StatusDecision::Advance(new) = decide(current, incoming) {
            self.conn
                .prepare_cached(
                    "UPDATE messages SET status = ?2, error_code = ?3, error_title = ?4 WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    new.as_str(),
                    s.error.as_ref().map(|e| e.code),
                    s.error.as_ref().map(|e| e.title.as_str())
                ])?;
            events.push(StoreEvent::MessageChanged {
                conversation_id,
                message_id: id,
            });
            if new == DeliveryStatus::Failed {
                crate::answers::reaction_failed(self.conn, id, events)?;
            }
        }
        Ok(())
    }
}

/// Statuses may arrive before the message they describe (or before a send's wamid is known);
/// folds what is already recorded into the message's shown status.
pub fn settle_status(conn: &Connection, message_id: i64, wamid: &str) -> Result<()> {
    // In key order, as SQLite walks its key; PostgreSQL must be told.
    let mut stmt = conn.prepare_cached(
        "SELECT status, error_code, error_title FROM statuses WHERE wamid = ?1 ORDER BY status",
    )?;
    let reports: Vec<(String, Option<i64>, Option<String>)> = stmt
        .query_map([wamid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::db::Result<_>>()?;
    if reports.is_empty() {
        return Ok(());
    }
    let mut current: Option<DeliveryStatus> = conn
        .query_row(
            "SELECT status FROM messages WHERE id = ?1",
            [message_id],
            |r| r.get::<_, Option<String>>(0),
        )?
        .as_deref()
        .and_then(DeliveryStatus::parse);
    let mut error = None;
    for (status, code, title) in &reports {
        if let Some(s) = DeliveryStatus::parse(status)
            && let StatusDecision::Advance(s) = decide(current, s)
        {
            current = Some(s);
            error = code.map(|c| (c, title.clone()));
        }
    }
    conn.execute(
        "UPDATE messages SET status = ?2, error_code = ?3, error_title = ?4 WHERE id = ?1",
        params![
            message_id,
            current.map(|s| s.as_str()),
            error.as_ref().map(|e| e.0),
            error.and_then(|e| e.1)
        ],
    )?;
    Ok(())
}
