//! What a caller may see: everything (an installation admin), one tenant (a tenant's admin), or
//! the conversations of an agent's queues plus those assigned to them. Queries take the scope as
//! two named parameters, `:scope_tenant` and `:scope_agent`, and filter with `SCOPE_SQL`.

use super::{Result, StoreError};
use crate::db::{Connection, Dialect, OptionalExtension};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Everything,
    Tenant(i64),
    Agent(String),
}

/// Restricts a query over `conversations c JOIN numbers n` to the scope.
/// The casts type the parameters for PostgreSQL, which cannot tell the type of one tested only
/// with `IS NULL`; `"user"` is quoted, as PostgreSQL reads a bare `user` as `current_user`.
pub const SCOPE_SQL: &str = "(CAST(:scope_tenant AS BIGINT) IS NULL OR n.tenant_id = :scope_tenant)
    AND (CAST(:scope_agent AS TEXT) IS NULL OR c.assignee = :scope_agent
         OR c.queue_id IN (SELECT queue_id FROM agent_queues WHERE \"user\" = :scope_agent))";

/// Restricts a query over `numbers n` to the numbers whose conversations the scope may see.
pub const NUMBER_SCOPE_SQL: &str =
    "(CAST(:scope_tenant AS BIGINT) IS NULL OR n.tenant_id = :scope_tenant)
    AND (CAST(:scope_agent AS TEXT) IS NULL
         OR n.queue_id IN (SELECT queue_id FROM agent_queues WHERE \"user\" = :scope_agent))";

impl Scope {
    pub fn tenant(&self) -> Option<i64> {
        match self {
            Scope::Tenant(t) => Some(*t),
            _ => None,
        }
    }

    pub fn agent(&self) -> Option<&str> {
        match self {
            Scope::Agent(a) => Some(a),
            _ => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        !matches!(self, Scope::Agent(_))
    }

    /// Whether everything `other` may see, this scope may see too: what an admin needs before
    /// acting as `other` (`--as`) or changing their record. `other_queue_tenants` are the
    /// tenants of the queues `other` belongs to when `other` is an agent (one entry a queue).
    /// A tenant's admin covers admins of the same tenant and agents all of whose queues are the
    /// tenant's; an agent with no queue there is not theirs to act as.
    pub fn contains(&self, other: &Scope, other_queue_tenants: &[i64]) -> bool {
        match (self, other) {
            (Scope::Everything, _) => true,
            (Scope::Tenant(mine), Scope::Tenant(theirs)) => mine == theirs,
            (Scope::Tenant(mine), Scope::Agent(_)) => {
                !other_queue_tenants.is_empty() && other_queue_tenants.iter().all(|t| t == mine)
            }
            (Scope::Tenant(_), Scope::Everything) => false,
            (Scope::Agent(_), _) => false,
        }
    }

    /// Whether a user of this scope works for `tenant`, so a conversation of that tenant may be
    /// handed to them: an installation admin always, a tenant's admin of that tenant, an agent
    /// with at least one queue there (`queue_tenants` as in `contains`).
    pub fn belongs_to(&self, tenant: i64, queue_tenants: &[i64]) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Tenant(t) => *t == tenant,
            Scope::Agent(_) => queue_tenants.contains(&tenant),
        }
    }

    /// Whether the scope may see the conversation; an unseen one is "not found", so its
    /// existence is not revealed either.
    pub fn check_conversation(&self, conn: &Connection, conversation_id: i64) -> Result<()> {
        let sql = format!(
            "SELECT 1 FROM conversations c JOIN numbers n ON n.id = c.number_id
             WHERE c.id = :id AND {SCOPE_SQL}"
        );
        let seen: Option<i64> = conn
            .prepare_cached(&sql)?
            .query_row(
                crate::named_params! {
                    ":id": conversation_id,
                    ":scope_tenant": self.tenant(),
                    ":scope_agent": self.agent(),
                },
                |r| r.get(0),
            )
            .optional()?;
        seen.map(|_| ()).ok_or_else(|| {
            StoreError::NotFound(wabox_protocol::ErrorCode::NoConversationListed {
                conversation: conversation_id,
            })
        })
    }

    /// Whether the scope may see the conversation, without the error (the event filter's question).
    pub fn sees_conversation(&self, conn: &Connection, conversation_id: i64) -> Result<bool> {
        match self.check_conversation(conn, conversation_id) {
            Ok(()) => Ok(true),
            Err(StoreError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// As `check_conversation`, for the conversation a message belongs to.
    pub fn check_message(&self, conn: &Connection, message_id: i64) -> Result<i64> {
        let conversation: Option<i64> = conn
            .query_row(
                "SELECT conversation_id FROM messages WHERE id = ?1",
                [message_id],
                |r| r.get(0),
            )
            .optional()?;
        let not_found = || {
            StoreError::NotFound(wabox_protocol::ErrorCode::NoMessage {
                message: message_id,
            })
        };
        let conversation = conversation.ok_or_else(not_found)?;
        self.check_conversation(conn, conversation)
            .map_err(|_| not_found())?;
        Ok(conversation)
    }
}

/// The tenants of the queues a user belongs to, one entry a queue.
pub fn queue_tenants(conn: &Connection, user: &str) -> Result<Vec<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT q.tenant_id FROM agent_queues aq JOIN queues q ON q.id = aq.queue_id
             WHERE aq.\"user\" = ?1",
        )?
        .query_map([user], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?)
}

/// The tenant whose number a conversation is on.
pub fn conversation_tenant(conn: &Connection, conversation_id: i64) -> Result<i64> {
    conn.query_row(
        "SELECT n.tenant_id FROM conversations c JOIN numbers n ON n.id = c.number_id
         WHERE c.id = ?1",
        [conversation_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        StoreError::NotFound(wabox_protocol::ErrorCode::NoConversationListed {
            conversation: conversation_id,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::Scope::{self, *};

    fn agent() -> Scope {
        Agent("alice".into())
    }

    #[test]
    fn an_installation_admin_contains_everyone() {
        for other in [Everything, Tenant(1), Tenant(2), agent()] {
            assert!(Everything.contains(&other, &[1, 2]));
            assert!(Everything.contains(&other, &[]));
        }
    }

    #[test]
    fn a_tenant_admin_contains_admins_of_their_tenant_never_an_installation_admin() {
        assert!(Tenant(1).contains(&Tenant(1), &[]));
        assert!(!Tenant(1).contains(&Tenant(2), &[]));
        assert!(!Tenant(1).contains(&Everything, &[]));
        assert!(!Tenant(1).contains(&Everything, &[1]));
    }

    #[test]
    fn a_tenant_admin_contains_an_agent_only_when_every_queue_of_theirs_is_the_tenants() {
        assert!(Tenant(1).contains(&agent(), &[1]));
        assert!(Tenant(1).contains(&agent(), &[1, 1]));
        assert!(!Tenant(1).contains(&agent(), &[2]));
        assert!(!Tenant(1).contains(&agent(), &[1, 2]));
        // An agent of no queue of the tenant is not the tenant's.
        assert!(!Tenant(1).contains(&agent(), &[]));
    }

    #[test]
    fn an_agent_contains_no_one() {
        for other in [Everything, Tenant(1), agent(), Agent("bob".into())] {
            assert!(!agent().contains(&other, &[1]));
        }
    }

    #[test]
    fn a_conversation_is_handed_only_to_someone_of_its_tenant() {
        assert!(Everything.belongs_to(1, &[]));
        assert!(Tenant(1).belongs_to(1, &[]));
        assert!(!Tenant(2).belongs_to(1, &[1]));
        assert!(agent().belongs_to(1, &[2, 1]));
        assert!(!agent().belongs_to(1, &[2]));
        assert!(!agent().belongs_to(1, &[]));
    }
}

/// Where a conversation sits, for deciding who sees it without asking the database again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub tenant_id: i64,
    pub queue_id: Option<i64>,
    pub assignee: Option<String>,
}

impl Scope {
    /// `SCOPE_SQL`'s rule on a placement already read: everything for an installation admin,
    /// the tenant's for its admin, an agent's queues' and their own for an agent.
    /// `agent_queues` are the queues of the agent (ignored for admins).
    pub fn sees(&self, at: &Placement, agent_queues: &std::collections::HashSet<i64>) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Tenant(t) => at.tenant_id == *t,
            Scope::Agent(user) => {
                at.assignee.as_deref() == Some(user.as_str())
                    || at.queue_id.is_some_and(|q| agent_queues.contains(&q))
            }
        }
    }
}

/// Every conversation's placement (the event hub's starting point).
pub fn placements(conn: &Connection) -> Result<Vec<(i64, Placement)>> {
    placements_where(conn, "1 = 1", [])
}

/// The placements of these conversations (those that still exist).
/// One statement for all of them: a tick's few ids cost one look, not one each.
pub fn placements_of(conn: &Connection, ids: &[i64]) -> Result<Vec<(i64, Placement)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).map_err(StoreError::invalid)?;
    // The ids as one JSON array, read by each dialect's own JSON function.
    let condition = match conn.dialect() {
        Dialect::Sqlite => "c.id IN (SELECT value FROM json_each(?1))",
        Dialect::Postgres => {
            "c.id IN (SELECT CAST(value AS BIGINT)
                      FROM json_array_elements_text(CAST(CAST(?1 AS TEXT) AS JSON)))"
        }
    };
    placements_where(conn, condition, [list])
}

fn placements_where<P: crate::db::Params>(
    conn: &Connection,
    condition: &str,
    params: P,
) -> Result<Vec<(i64, Placement)>> {
    let sql = format!(
        "SELECT c.id, n.tenant_id, c.queue_id, c.assignee
         FROM conversations c JOIN numbers n ON n.id = c.number_id WHERE {condition}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get(0)?,
            Placement {
                tenant_id: r.get(1)?,
                queue_id: r.get(2)?,
                assignee: r.get(3)?,
            },
        ))
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// The queues an agent serves.
pub fn agent_queues(conn: &Connection, user: &str) -> Result<std::collections::HashSet<i64>> {
    Ok(conn
        .prepare_cached("SELECT queue_id FROM agent_queues WHERE \"user\" = ?1")?
        .query_map([user], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?)
}

#[cfg(test)]
mod placement_tests {
    use super::*;
    use std::collections::HashSet;

    fn at(tenant_id: i64, queue_id: Option<i64>, assignee: Option<&str>) -> Placement {
        Placement {
            tenant_id,
            queue_id,
            assignee: assignee.map(str::to_string),
        }
    }

    #[test]
    fn an_installation_admin_sees_every_conversation() {
        assert!(Scope::Everything.sees(&at(9, None, None), &HashSet::new()));
    }

    #[test]
    fn a_tenant_admin_sees_their_tenants_conversations_only() {
        let none = HashSet::new();
        assert!(Scope::Tenant(1).sees(&at(1, None, None), &none));
        assert!(!Scope::Tenant(1).sees(&at(2, Some(5), Some("ana")), &none));
    }

    #[test]
    fn an_agent_sees_their_queues_and_what_is_assigned_to_them() {
        let queues: HashSet<i64> = [5].into();
        let ana = Scope::Agent("ana".into());
        assert!(ana.sees(&at(1, Some(5), None), &queues));
        assert!(ana.sees(&at(2, Some(7), Some("ana")), &queues));
        assert!(!ana.sees(&at(1, Some(7), Some("bob")), &queues));
        assert!(!ana.sees(&at(1, None, None), &queues));
    }

    #[crate::testing::both_stores]
    fn the_placements_of_a_few_conversations_are_read_in_one_look() {
        use crate::test_fixtures::{PNID, WABA, apply, change_for, count, number_and_conversation};
        let (_dir, conn) = crate::testing::store();
        let first = number_and_conversation(&conn).unwrap();
        let other_customer = serde_json::json!({
            "contacts": [{"profile": {"name": "Ben"}, "wa_id": "5491100000002"}],
            "messages": [{"from": "5491100000002", "id": "wamid.B", "timestamp": "11",
                          "type": "text", "text": {"body": "hi"}}]});
        apply(
            &conn,
            2,
            &change_for(WABA, Some(PNID), "messages", other_customer),
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM conversations"), 2);
        conn.execute(
            "UPDATE conversations SET assignee = 'ana' WHERE id = ?1",
            [first],
        )
        .unwrap();
        let all = super::placements(&conn).unwrap();
        // Asked for one that exists, one twice and one that does not: each that exists, once,
        // placed as the full read places it.
        let got = super::placements_of(&conn, &[first, first, 999_999]).unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1.assignee.as_deref(), Some("ana"));
        assert!(all.contains(&got[0]));
        let both: Vec<i64> = all.iter().map(|(id, _)| *id).collect();
        let mut got = super::placements_of(&conn, &both).unwrap();
        got.sort_by_key(|(id, _)| *id);
        let mut all = all;
        all.sort_by_key(|(id, _)| *id);
        assert_eq!(got, all);
        assert!(super::placements_of(&conn, &[]).unwrap().is_empty());
    }
}
