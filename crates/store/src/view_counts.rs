//! How many conversations each of the inbox's own views lists (open ones, mine, unassigned,
//! snoozed, closed), for the counts beside them in the sidebar. One pass over what the scope
//! may see, with the same state rules as the lists (`views::STATE_SQL`).

use super::Result;
use super::scope::{SCOPE_SQL, Scope};
use super::views::STATE_SQL;
use crate::db::Connection;
pub use wabox_protocol::directory::ConversationCounts;

/// The counts for `user` within `scope`, at `now` (a snooze that has ended counts as open).
pub fn counts(
    conn: &Connection,
    scope: &Scope,
    user: &str,
    now: i64,
) -> Result<ConversationCounts> {
    // The state test is the lists' own, bound once per state, so a count never disagrees with
    // the list it stands beside.
    let in_state = |name: &str| STATE_SQL.replace(":state", name);
    let open = in_state("'open'");
    // Each row's states are found once (the CTE is materialized, not folded back into the
    // sums), rather than "open" once per count that needs it: half the cost over a scope of
    // a thousand conversations, read once a second per kind of view. Counted with `FILTER`:
    // the states are booleans on PostgreSQL, which has no `sum` of them.
    let sql = format!(
        "WITH k AS MATERIALIZED (
             SELECT {open} AS open, {} AS snoozed, {} AS closed, c.assignee AS assignee
             FROM conversations c JOIN numbers n ON n.id = c.number_id
             WHERE {SCOPE_SQL})
         SELECT count(*) FILTER (WHERE open),
                count(*) FILTER (WHERE open AND assignee = :user),
                count(*) FILTER (WHERE open AND assignee IS NULL),
                count(*) FILTER (WHERE snoozed),
                count(*) FILTER (WHERE closed)
         FROM k",
        in_state("'snoozed'"),
        in_state("'closed'"),
    );
    let counts = conn.prepare_cached(&sql)?.query_row(
        crate::named_params! {
            ":user": user,
            ":now": now,
            ":scope_tenant": scope.tenant(),
            ":scope_agent": scope.agent(),
        },
        |r| {
            Ok(ConversationCounts {
                open: r.get(0)?,
                mine: r.get(1)?,
                unassigned: r.get(2)?,
                snoozed: r.get(3)?,
                closed: r.get(4)?,
            })
        },
    )?;
    Ok(counts)
}

/// `counts(..).mine` alone: the open conversations of `user` within `scope`. Read through the
/// assignee's index, so it costs a user's own conversations, not the scope's: views that share
/// everything else in their sidebar (agents of the same queues) share one `counts` and each
/// reads only this.
pub fn mine(conn: &Connection, scope: &Scope, user: &str, now: i64) -> Result<i64> {
    let sql = format!(
        "SELECT count(*) FROM conversations c JOIN numbers n ON n.id = c.number_id
         WHERE c.assignee = :user AND {} AND {SCOPE_SQL}",
        STATE_SQL.replace(":state", "'open'")
    );
    let mine = conn.prepare_cached(&sql)?.query_row(
        crate::named_params! {
            ":user": user,
            ":now": now,
            ":scope_tenant": scope.tenant(),
            ":scope_agent": scope.agent(),
        },
        |r| r.get(0),
    )?;
    Ok(mine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::params;
    use crate::directory::{NewNumber, add_number, add_tenant};
    use crate::testing::store;
    use crate::views::StateFilter;
    use crate::views::{ConversationFilter, QueueSelection, conversations};
    use wabox_domain::ConnectionKind;

    const NOW: i64 = 1_800_000_000;

    /// A tenant, one number, and a conversation per (name, state, snoozed_until, assignee).
    fn inbox(
        rows: &[(&str, &str, Option<i64>, Option<&str>)],
    ) -> (crate::testing::StoreGuard, Connection) {
        let (dir, conn) = store();
        add_tenant(&conn, "Acme", 1).unwrap();
        let number = add_number(
            &conn,
            &NewNumber {
                tenant: "Acme",
                phone_number_id: "106540352242922",
                waba_id: "104829357711032",
                display_phone: "+1 555 078 3881",
                connection: ConnectionKind::Dedicated,
                access_token_sealed: None,
            },
            1,
        )
        .unwrap();
        for (i, (name, state, until, assignee)) in rows.iter().enumerate() {
            conn.execute(
                "INSERT INTO contacts (tenant_id, wa_id, name, created_at, updated_at)
                 VALUES (1, ?1, ?2, 1, 1)",
                params![format!("5917000000{i}"), name],
            )
            .unwrap();
            let contact = conn.last_insert_rowid().unwrap();
            conn.execute(
                "INSERT INTO conversations (number_id, contact_id, state, snoozed_until, assignee,
                                            last_message_at, last_message_text, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'hola', 1)",
                params![number.id, contact, state, until, assignee, 100 + i as i64],
            )
            .unwrap();
        }
        (dir, conn)
    }

    fn names(conn: &Connection, queue: Option<QueueSelection>, state: StateFilter) -> Vec<String> {
        let filter = ConversationFilter {
            queue,
            state: Some(state),
            ..ConversationFilter::default()
        };
        conversations(conn, &Scope::Everything, "alice", &filter, 100, NOW)
            .unwrap()
            .into_iter()
            .filter_map(|c| c.contact.name)
            .collect()
    }

    #[crate::testing::both_stores]
    fn open_lists_leave_snoozed_and_closed_conversations_to_their_own_views() {
        let (_d, conn) = inbox(&[
            ("Ana", "open", None, None),
            ("Beto", "pending", None, Some("alice")),
            ("Carla", "snoozed", Some(NOW + 3600), None),
            ("Dario", "snoozed", Some(NOW - 60), Some("alice")),
            ("Eva", "closed", None, Some("alice")),
        ]);
        // Newest first; Dario's snooze has ended, so he is open again.
        assert_eq!(
            names(&conn, None, StateFilter::Open),
            ["Dario", "Beto", "Ana"]
        );
        assert_eq!(names(&conn, None, StateFilter::Snoozed), ["Carla"]);
        assert_eq!(names(&conn, None, StateFilter::Closed), ["Eva"]);
        assert_eq!(
            names(&conn, Some(QueueSelection::Mine), StateFilter::Open),
            ["Dario", "Beto"],
            "mine lists open ones only"
        );
        assert_eq!(
            names(&conn, Some(QueueSelection::Unassigned), StateFilter::Open),
            ["Ana"]
        );
        // Without a state, everything (the CLI's `wabox conversations` as before).
        let all = conversations(
            &conn,
            &Scope::Everything,
            "alice",
            &ConversationFilter::default(),
            100,
            NOW,
        )
        .unwrap();
        assert_eq!(all.len(), 5);
    }

    #[crate::testing::both_stores]
    fn counts_agree_with_the_lists_they_stand_beside() {
        let (_d, conn) = inbox(&[
            ("Ana", "open", None, None),
            ("Beto", "pending", None, Some("alice")),
            ("Carla", "snoozed", Some(NOW + 3600), None),
            ("Dario", "snoozed", Some(NOW - 60), Some("alice")),
            ("Eva", "closed", None, Some("alice")),
            ("Fede", "open", None, Some("bob")),
        ]);
        let c = counts(&conn, &Scope::Everything, "alice", NOW).unwrap();
        assert_eq!(
            c,
            ConversationCounts {
                open: 4,
                mine: 2,
                unassigned: 1,
                snoozed: 1,
                closed: 1,
            }
        );
        for state in [StateFilter::Open, StateFilter::Snoozed, StateFilter::Closed] {
            let listed = names(&conn, None, state).len() as i64;
            let counted = match state {
                StateFilter::Open => c.open,
                StateFilter::Snoozed => c.snoozed,
                StateFilter::Closed => c.closed,
            };
            assert_eq!(listed, counted, "{state:?}");
        }
        for user in ["alice", "bob", "carol"] {
            assert_eq!(
                mine(&conn, &Scope::Everything, user, NOW).unwrap(),
                counts(&conn, &Scope::Everything, user, NOW).unwrap().mine,
                "{user}: mine alone is the counts' mine"
            );
        }
        assert_eq!(mine(&conn, &Scope::Tenant(99), "alice", NOW).unwrap(), 0);
        // Another tenant's scope sees none of it.
        assert_eq!(
            counts(&conn, &Scope::Tenant(99), "alice", NOW).unwrap(),
            ConversationCounts::default()
        );
    }
}
