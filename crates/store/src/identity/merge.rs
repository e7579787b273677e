//! Two contacts found to be one person become one: the older survives, everything that pointed
//! at the other points at it, and their conversations on a number fold into one.

use super::*;

/// Folds `other` and `*x` into the older of the two, which `*x` then names, with a line in the
/// timeline saying so. The survivor keeps its ids; the caller sets the ones it ends with.
pub(super) fn merge_pair(
    conn: &Connection,
    x: &mut i64,
    other: i64,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let (survivor, loser) = ((*x).min(other), (*x).max(other));
    let detail = format!(
        "{} and {} are the same person: their contacts are merged",
        ids_of(conn, survivor)?.shown(),
        ids_of(conn, loser)?.shown()
    );
    merge(conn, survivor, loser, now, events)?;
    timeline(conn, survivor, "contact_merged", &detail, now, events)?;
    *x = survivor;
    Ok(())
}

/// Tables with a foreign key to `table`, and the column: the merge moves every row that points
/// at the contact or conversation going away, including rows of tables added after this code.
fn referencing(conn: &Connection, table: &str) -> Result<Vec<(String, String)>> {
    Ok(crate::tenants::referrers(conn, table)?
        .into_iter()
        .filter(|(_, _, to)| to == "id")
        .map(|(t, from, _)| (t, from))
        .collect())
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Moves every row of every table that points at `from` in `table` to `to`, but those of `skip`.
fn repoint(conn: &Connection, table: &str, skip: &[&str], from: i64, to: i64) -> Result<()> {
    for (t, column) in referencing(conn, table)? {
        if skip.contains(&t.as_str()) {
            continue;
        }
        conn.execute(
            &format!(
                "UPDATE {} SET {c} = ?2 WHERE {c} = ?1",
                quoted(&t),
                c = quoted(&column)
            ),
            params![from, to],
        )?;
    }
    Ok(())
}

/// Folds contact `loser` into `survivor`: conversations (one per number, folded when both have
/// one), labels, notes and everything else that points at it; the name and username it lacks.
fn merge(
    conn: &Connection,
    survivor: i64,
    loser: i64,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let theirs: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT id, number_id FROM conversations WHERE contact_id = ?1 ORDER BY id",
        )?
        .query_map([loser], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    for (conversation_id, number_id) in theirs {
        let ours: Option<i64> = conn
            .prepare_cached(
                "SELECT id FROM conversations WHERE number_id = ?1 AND contact_id = ?2",
            )?
            .query_row(params![number_id, survivor], |r| r.get(0))
            .optional()?;
        match ours {
            Some(ours) => fold_conversation(conn, ours, conversation_id, now, events)?,
            None => {
                conn.execute(
                    "UPDATE conversations SET contact_id = ?2 WHERE id = ?1",
                    params![conversation_id, survivor],
                )?;
                events.push(StoreEvent::ConversationChanged { conversation_id });
            }
        }
    }
    conn.execute(
        "INSERT INTO contact_labels (contact_id, label)
         SELECT ?2, label FROM contact_labels WHERE contact_id = ?1
         ON CONFLICT DO NOTHING",
        params![loser, survivor],
    )?;
    conn.execute("DELETE FROM contact_labels WHERE contact_id = ?1", [loser])?;
    repoint(
        conn,
        "contacts",
        &["conversations", "contact_labels"],
        loser,
        survivor,
    )?;
    let (name, username): (Option<String>, Option<String>) = conn.query_row(
        "SELECT name, username FROM contacts WHERE id = ?1",
        [loser],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    conn.execute("DELETE FROM contacts WHERE id = ?1", [loser])?;
    conn.execute(
        "UPDATE contacts SET name = coalesce(name, ?2), username = coalesce(username, ?3),
                             updated_at = ?4 WHERE id = ?1",
        params![survivor, name, username, now],
    )?;
    Ok(())
}

/// One conversation's state, as far as folding two into one goes.
struct Thread {
    unread: i64,
    last_inbound_at: Option<i64>,
    referral_at: Option<i64>,
    last_message_at: Option<i64>,
    last_message_text: Option<String>,
    state: String,
    snoozed_until: Option<i64>,
    assignee: Option<String>,
}

fn thread(conn: &Connection, id: i64) -> Result<Thread> {
    Ok(conn.query_row(
        "SELECT unread, last_inbound_at, referral_at, last_message_at, last_message_text, state,
                snoozed_until, assignee FROM conversations WHERE id = ?1",
        [id],
        |r| {
            Ok(Thread {
                unread: r.get(0)?,
                last_inbound_at: r.get(1)?,
                referral_at: r.get(2)?,
                last_message_at: r.get(3)?,
                last_message_text: r.get(4)?,
                state: r.get(5)?,
                snoozed_until: r.get(6)?,
                assignee: r.get(7)?,
            })
        },
    )?)
}

/// Folds conversation `loser` into `survivor` on the same number: messages, sends, timeline and
/// enrollments move; unread counts add up; the window is the later of the two.
fn fold_conversation(
    conn: &Connection,
    survivor: i64,
    loser: i64,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let (a, b) = (thread(conn, survivor)?, thread(conn, loser)?);
    // One live enrollment per conversation and sequence: the folded one's twin stops.
    conn.execute(
        "UPDATE enrollments SET state = 'stopped', due_at = NULL, updated_at = ?3,
                                reason = 'its conversation was merged into another'
         WHERE conversation_id = ?1 AND state IN ('active', 'waiting_reply', 'paused')
           AND sequence IN (SELECT sequence FROM enrollments WHERE conversation_id = ?2
                            AND state IN ('active', 'waiting_reply', 'paused'))",
        params![loser, survivor, now],
    )?;
    repoint(conn, "conversations", &[], loser, survivor)?;
    let later = |x: Option<i64>, y: Option<i64>| x.max(y);
    let (last_at, last_text) = if b.last_message_at > a.last_message_at {
        (b.last_message_at, b.last_message_text)
    } else {
        (a.last_message_at, a.last_message_text)
    };
    let state = merged_state(&a.state, &b.state).to_string();
    let snoozed_until = if state == a.state {
        a.snoozed_until
    } else {
        b.snoozed_until
    };
    conn.execute(
        "UPDATE conversations SET unread = ?2, last_inbound_at = ?3, referral_at = ?4,
            last_message_at = ?5, last_message_text = ?6, state = ?7, snoozed_until = ?8,
            assignee = ?9
         WHERE id = ?1",
        params![
            survivor,
            a.unread + b.unread,
            later(a.last_inbound_at, b.last_inbound_at),
            later(a.referral_at, b.referral_at),
            last_at,
            last_text,
            state,
            snoozed_until,
            a.assignee.or(b.assignee)
        ],
    )?;
    conn.execute("DELETE FROM conversations WHERE id = ?1", [loser])?;
    conn.execute(
        "INSERT INTO conversation_events (conversation_id, at, actor, kind, detail)
         VALUES (?1, ?2, ?3, 'conversation_merged', ?4)",
        params![
            survivor,
            now,
            ACTOR,
            format!("conversation {loser} of the same person was folded into this one")
        ],
    )?;
    events.push(StoreEvent::ConversationChanged {
        conversation_id: survivor,
    });
    Ok(())
}
