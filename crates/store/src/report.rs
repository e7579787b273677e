//! The rows a report is made of, read in three passes: the conversations of the tenant (what
//! groups them), the closes, then every message, gathered by conversation, ordered, and handed
//! to `domain::report` a conversation at a time. One sequential scan of `messages`, and the
//! outbox's unique index for who sent ours (`wabox bench report` times a million messages).

use super::Result;
use crate::db::{Connection, Value, params};
use std::collections::HashMap;
use std::sync::Arc;
use wabox_domain::report::{Conversation, Figures, Period, Report, Sender, Step};

/// A report's figures: the totals and, when split, each group's.
pub struct Figured {
    pub total: Figures,
    pub groups: std::collections::BTreeMap<String, Figures>,
}

/// Reads the history of one tenant's conversations (none: every tenant's) and folds it.
pub fn report(conn: &Connection, tenant: Option<i64>, period: Period) -> Result<Figured> {
    let conversations = conversations(conn, tenant)?;
    let mut closes = closes(conn, tenant)?;
    // The table in its own order (a sequential read; by the conversation index it would be a
    // million random lookups), then sorted in memory by conversation and time. Only our
    // messages ask the outbox who sent them, through its unique index.
    let mut names: HashMap<String, Arc<str>> = HashMap::new();
    // (conversation, at, id, step): sorted once, then read a conversation at a time.
    let mut all: Vec<(i64, i64, i64, Step)> = Vec::new();
    match conn.dialect() {
        crate::db::Dialect::Sqlite => {
            let mut stmt = conn.prepare(&messages_sql("?1"))?;
            let mut rows = stmt.query(params![tenant])?;
            while let Some(row) = rows.next()? {
                all.push(message_step(&row, &mut names)?);
            }
        }
        // PostgreSQL's client holds every row of a query in memory until the last is read
        // (about 200 bytes each: 200 MB for a million messages): read through a cursor, a
        // chunk at a time, in a read-only transaction of its own.
        crate::db::Dialect::Postgres => {
            // The tenant is a number: written into the text, which a cursor keeps.
            let tenant = tenant.map_or("NULL".to_string(), |t| t.to_string());
            // A cursor lives in a transaction: the caller's, else one of its own (each statement
            // apart, as the seam follows BEGIN and COMMIT by a statement's first word).
            let own = conn.is_autocommit();
            if own {
                conn.execute_batch("BEGIN READ ONLY")?;
            }
            let read = (|| -> Result<()> {
                conn.execute_batch(&format!(
                    "DECLARE report_messages NO SCROLL CURSOR FOR {}",
                    messages_sql(&tenant)
                ))?;
                let mut fetch =
                    conn.prepare(&format!("FETCH FORWARD {FETCH_ROWS} FROM report_messages"))?;
                loop {
                    let mut rows = fetch.query(())?;
                    let before = all.len();
                    while let Some(row) = rows.next()? {
                        all.push(message_step(&row, &mut names)?);
                    }
                    if all.len() == before {
                        break;
                    }
                }
                drop(fetch);
                Ok(conn.execute_batch("CLOSE report_messages")?)
            })();
            if own {
                conn.execute_batch(if read.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
            }
            read?;
        }
    }
    all.sort_unstable_by_key(|(conversation, at, id, _)| (*conversation, *at, *id));
    let mut report = Report::new(period);
    let mut steps: Vec<Step> = Vec::new();
    let mut all = all.into_iter().peekable();
    while let Some((id, _, _, first)) = all.next() {
        steps.clear();
        steps.push(first);
        while let Some((_, _, _, step)) = all.next_if(|next| next.0 == id) {
            steps.push(step);
        }
        if let Some(c) = conversations.get(&id) {
            merge_closes(&mut steps, closes.remove(&id).unwrap_or_default());
            report.conversation(c, &steps);
        }
    }
    // Conversations closed with no message of their own left (all history, say).
    for (id, closed) in closes {
        if let Some(c) = conversations.get(&id) {
            report.conversation(c, &closed);
        }
    }
    let (total, groups) = report.finish_report();
    Ok(Figured { total, groups })
}

/// Rows a PostgreSQL report reads at a time (a few in the tests: their stores cross chunks).
const FETCH_ROWS: usize = if cfg!(test) { 3 } else { 50_000 };

/// The messages a report reads, with the tenant (a parameter, or a number written in).
fn messages_sql(tenant: &str) -> String {
    format!(
        "SELECT m.conversation_id, m.at, m.id, m.direction, m.origin, m.type, m.status,
                m.error_code,
                CASE WHEN m.origin = 'agent'
                     THEN (SELECT o.requested_by FROM outbox o WHERE o.message_id = m.id) END
         FROM messages m
         WHERE m.origin NOT IN ('history', 'call')
           AND (CAST({tenant} AS BIGINT) IS NULL OR m.conversation_id IN
                (SELECT c.id FROM conversations c JOIN numbers n ON n.id = c.number_id
                 WHERE n.tenant_id = {tenant}))"
    )
}

/// One row of `messages_sql`: its conversation, time, id and what it was.
fn message_step(
    row: &crate::db::Row<'_>,
    names: &mut HashMap<String, Arc<str>>,
) -> Result<(i64, i64, i64, Step)> {
    let conversation: i64 = row.get(0)?;
    let at: i64 = row.get(1)?;
    let id: i64 = row.get(2)?;
    let step = if matches!(row.get_ref(3)?, Value::Text("in")) {
        Step::In { at }
    } else {
        let sender = match row.get_ref(4)? {
            Value::Text("agent") => Sender::Agent(match row.get_ref(8)? {
                Value::Text(name) => intern(names, name),
                _ => intern(names, "(unknown)"),
            }),
            Value::Text("phone_app") => Sender::PhoneApp,
            _ => Sender::Automatic,
        };
        let failed = match row.get_ref(6)? {
            Value::Text("failed") => Some(row.get::<_, Option<i64>>(7)?.unwrap_or(0)),
            _ => None,
        };
        Step::Out {
            at,
            sender,
            template: matches!(row.get_ref(5)?, Value::Text("template")),
            failed,
        }
    };
    Ok((conversation, at, id, step))
}

fn intern(names: &mut HashMap<String, Arc<str>>, name: &str) -> Arc<str> {
    if let Some(n) = names.get(name) {
        return n.clone();
    }
    let n: Arc<str> = name.into();
    names.insert(name.to_string(), n.clone());
    n
}

/// Puts each close after the messages of its second or before (both lists oldest first).
fn merge_closes(steps: &mut Vec<Step>, closes: Vec<Step>) {
    if closes.is_empty() {
        return;
    }
    let mut merged = Vec::with_capacity(steps.len() + closes.len());
    let mut closes = closes.into_iter().peekable();
    for step in steps.drain(..) {
        while closes.peek().is_some_and(|c| c.at() < step.at()) {
            merged.extend(closes.next());
        }
        merged.push(step);
    }
    merged.extend(closes);
    *steps = merged;
}

/// The conversations of the tenant with their number, queue (its hours and target) and
/// assignee.
fn conversations(conn: &Connection, tenant: Option<i64>) -> Result<HashMap<i64, Conversation>> {
    let hours: HashMap<i64, Arc<wabox_domain::hours::Hours>> = crate::hours::list(conn, tenant)?
        .into_iter()
        .filter_map(|h| Some((h.queue_id, Arc::new(h.hours()?))))
        .collect();
    let mut stmt = conn.prepare(
        "SELECT c.id, COALESCE(n.alias, '+' || n.display_phone), q.id, q.name, q.sla_minutes, c.assignee
         FROM conversations c JOIN numbers n ON n.id = c.number_id
         LEFT JOIN queues q ON q.id = COALESCE(c.queue_id, n.queue_id)
         WHERE CAST(?1 AS BIGINT) IS NULL OR n.tenant_id = ?1",
    )?;
    let mut names: HashMap<String, Arc<str>> = HashMap::new();
    let mut out = HashMap::new();
    let mut rows = stmt.query(params![tenant])?;
    while let Some(r) = rows.next()? {
        let number: String = r.get(1)?;
        let queue_id: Option<i64> = r.get(2)?;
        let queue: Option<String> = r.get(3)?;
        let sla: Option<i64> = r.get(4)?;
        let assignee: Option<String> = r.get(5)?;
        out.insert(
            r.get::<_, i64>(0)?,
            Conversation {
                number: intern(&mut names, &number),
                queue: queue.map(|q| intern(&mut names, &q)),
                assignee: assignee.map(|a| intern(&mut names, &a)),
                hours: queue_id.and_then(|q| hours.get(&q).cloned()),
                sla_seconds: sla.map(|m| m * 60),
            },
        );
    }
    Ok(out)
}

/// Every close, by conversation, oldest first.
fn closes(conn: &Connection, tenant: Option<i64>) -> Result<HashMap<i64, Vec<Step>>> {
    let mut stmt = conn.prepare(
        "SELECT e.conversation_id, e.at, e.actor FROM conversation_events e
         JOIN conversations c ON c.id = e.conversation_id JOIN numbers n ON n.id = c.number_id
         WHERE e.kind = 'closed' AND (CAST(?1 AS BIGINT) IS NULL OR n.tenant_id = ?1)
         ORDER BY e.conversation_id, e.at, e.id",
    )?;
    let mut out: HashMap<i64, Vec<Step>> = HashMap::new();
    let mut names: HashMap<String, Arc<str>> = HashMap::new();
    let mut rows = stmt.query(params![tenant])?;
    while let Some(r) = rows.next()? {
        let actor: String = r.get(2)?;
        out.entry(r.get(0)?).or_default().push(Step::Closed {
            at: r.get(1)?,
            by: intern(&mut names, &actor),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{self as fx, CUSTOMER, PNID, customer_writes};
    use serde_json::json;
    use wabox_domain::report::{GroupBy, HoursFilter};

    fn send(
        conn: &Connection,
        conversation: i64,
        kind: &str,
        origin: &str,
        by: &str,
        at: i64,
    ) -> i64 {
        let target = crate::outbox::send_target(conn, conversation).unwrap();
        let request = json!({"type": kind});
        let send = crate::outbox::NewSend {
            kind,
            request: &request,
            rendered: "text",
            requested_by: by,
            origin,
            reply_to: None,
        };
        crate::outbox::queue(conn, &target, &send, at * 1000, &mut Vec::new())
            .unwrap()
            .message_id
    }

    /// The first 10,000 seconds of 1970, in UTC.
    fn period(by: Option<GroupBy>) -> Period {
        let asked = wabox_domain::report::Asked {
            from: Some("1970-01-01"),
            to: Some("1970-01-01"),
            by: by.map(GroupBy::as_str),
            zone: Some("UTC"),
            hours: None,
        };
        let period = wabox_domain::report::period(&asked, 9_999).unwrap().0;
        assert_eq!(
            (period.from, period.until, period.hours),
            (0, 10_000, HoursFilter::Any)
        );
        period
    }

    /// One thread answered in 5 minutes and closed after 1000 s; another unanswered, its
    /// template failed; an away reply that answers nothing: each figure known beforehand.
    #[crate::testing::both_stores]
    fn the_figures_of_a_store_built_with_known_answers() {
        let f = fx::store();
        let conn = &f.conn;
        let sales = crate::queues::add_queue(conn, f.tenant_id, "Sales", false, 0).unwrap();
        crate::queues::assign_number(conn, PNID, "Sales", &mut Vec::new()).unwrap();
        crate::queues::set_sla(conn, sales, Some(10)).unwrap();
        let a = customer_writes(conn, 1, CUSTOMER, 1_000);
        send(conn, a, "text", "agent", "ana", 1_300);
        crate::contacts::set_state(conn, a, "closed", None, "ana", 2_000, &mut Vec::new()).unwrap();
        let b = customer_writes(conn, 2, "59171000002", 5_000);
        send(conn, b, "text", "away", "away reply", 5_000);
        let failed = send(conn, b, "template", "agent", "bo", 5_100);
        conn.execute(
            "UPDATE messages SET status = 'failed', error_code = 131047 WHERE id = ?1",
            [failed],
        )
        .unwrap();

        let all = report(conn, Some(f.tenant_id), period(None)).unwrap().total;
        assert_eq!((all.opened, all.closed, all.waiting), (2, 1, 1));
        assert_eq!(
            (all.messages_in, all.messages_out, all.templates_sent),
            (2, 3, 1)
        );
        let fr = all.first_response.summary();
        assert_eq!((fr.count, fr.median), (1, Some(300)));
        assert_eq!(all.resolution.summary().median, Some(1_000));
        assert_eq!((all.sla_counted, all.sla_missed), (2, 1));
        assert_eq!(all.failures, [(131047, 1)].into());

        let by_agent = report(conn, None, period(Some(GroupBy::Agent)))
            .unwrap()
            .groups;
        assert_eq!(by_agent["ana"].opened, 1);
        assert_eq!(by_agent["ana"].closed, 1);
        assert_eq!(by_agent["bo"].templates_sent, 1);
        assert_eq!(by_agent[wabox_domain::report::UNASSIGNED].waiting, 1);
        assert_eq!(by_agent[wabox_domain::report::AUTOMATIC].messages_out, 1);
        let by_queue = report(conn, None, period(Some(GroupBy::Queue)))
            .unwrap()
            .groups;
        assert_eq!(by_queue.keys().collect::<Vec<_>>(), ["Sales"]);

        // Another tenant's report holds none of it.
        let other = crate::directory::add_tenant(conn, "Beta", 0).unwrap().id;
        let theirs = report(conn, Some(other), period(None)).unwrap().total;
        assert_eq!((theirs.opened, theirs.messages_in), (0, 0));
    }

    #[crate::testing::both_stores]
    fn a_close_and_a_reopening_by_hand_are_in_the_history_once() {
        let f = fx::store();
        let conn = &f.conn;
        let a = customer_writes(conn, 1, CUSTOMER, 1_000);
        for (state, at) in [
            ("closed", 10),
            ("closed", 11),
            ("open", 12),
            ("snoozed", 13),
        ] {
            let until = (state == "snoozed").then_some(at + 3_600);
            crate::contacts::set_state(conn, a, state, until, "ana", at, &mut Vec::new()).unwrap();
        }
        let kinds: Vec<(String, i64)> = crate::queues::hands(conn, a)
            .unwrap()
            .into_iter()
            .map(|h| (h.kind, h.at))
            .collect();
        assert_eq!(
            kinds,
            [("closed".to_string(), 10), ("reopened".to_string(), 12)]
        );
    }
}
