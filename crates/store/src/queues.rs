//! Queues, agents and who handles a conversation: routing, claiming, transfers, and the audit
//! log of admin actions.

use super::scope::{NUMBER_SCOPE_SQL, Scope};
use super::{Result, StoreError, StoreEvent};
use crate::db::{Connection, OptionalExtension, named_params, params};
use crate::words::RowWords;
use wabox_domain::text::normalised_name;
pub use wabox_protocol::directory::{AgentView, AuditEntry, HandEvent, Orphan, QueueView};

/// A user's record, to decide their scope.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRecord {
    pub role: wabox_protocol::states::Role,
    pub tenant_id: Option<i64>,
}

pub fn tenant_named(conn: &Connection, name: &str) -> Result<i64> {
    conn.query_row(
        "SELECT id FROM tenants WHERE name = ?1",
        [name.trim()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        StoreError::NotFound(wabox_protocol::ErrorCode::NoTenantListed {
            name: name.to_string(),
        })
    })
}

/// The one tenant when there is exactly one; otherwise the caller must name it.
pub fn default_tenant(conn: &Connection, named: Option<&str>) -> Result<i64> {
    if let Some(name) = named {
        return tenant_named(conn, name);
    }
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM tenants ORDER BY id LIMIT 2")?
        .query_map([], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    match ids.as_slice() {
        [one] => Ok(*one),
        [] => Err(StoreError::Invalid(
            wabox_protocol::ErrorCode::NoTenantYet {},
        )),
        _ => Err(StoreError::Invalid(
            wabox_protocol::ErrorCode::SeveralTenants {},
        )),
    }
}

pub fn queue_named(conn: &Connection, tenant_id: i64, name: &str) -> Result<i64> {
    conn.query_row(
        "SELECT id FROM queues WHERE tenant_id = ?1 AND name = ?2",
        params![tenant_id, name.trim()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        StoreError::NotFound(wabox_protocol::ErrorCode::NoQueue {
            name: name.to_string(),
        })
    })
}

fn check_name(what: &'static str, name: &str) -> Result<String> {
    wabox_domain::text::check_name(what, name).map_err(StoreError::invalid)
}

/// Refuses a queue whose name, compared ignoring case and width, is one the tenant already has
/// (other than `except`, the queue being renamed).
fn check_unique_queue(
    conn: &Connection,
    tenant_id: i64,
    name: &str,
    except: Option<i64>,
) -> Result<()> {
    let wanted = normalised_name(name);
    let mut stmt = conn.prepare_cached("SELECT id, name FROM queues WHERE tenant_id = ?1")?;
    let queues = stmt.query_map([tenant_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for queue in queues {
        let (id, existing) = queue?;
        if Some(id) != except && normalised_name(&existing) == wanted {
            return Err(StoreError::Conflict(
                wabox_protocol::ErrorCode::QueueExists { name: existing },
            ));
        }
    }
    Ok(())
}

pub fn add_queue(
    conn: &Connection,
    tenant_id: i64,
    name: &str,
    auto_assign: bool,
    now: i64,
) -> Result<i64> {
    let name = check_name("queue", name)?;
    check_unique_queue(conn, tenant_id, &name, None)?;
    conn.execute(
        "INSERT INTO queues (tenant_id, name, auto_assign, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![tenant_id, name, auto_assign, now],
    )?;
    Ok(conn.last_insert_rowid()?)
}

pub fn rename_queue(conn: &Connection, tenant_id: i64, from: &str, to: &str) -> Result<()> {
    let id = queue_named(conn, tenant_id, from)?;
    let to = check_name("queue", to)?;
    check_unique_queue(conn, tenant_id, &to, Some(id))?;
    conn.execute("UPDATE queues SET name = ?2 WHERE id = ?1", params![id, to])?;
    Ok(())
}

pub fn set_auto_assign(conn: &Connection, tenant_id: i64, name: &str, on: bool) -> Result<()> {
    let id = queue_named(conn, tenant_id, name)?;
    conn.execute(
        "UPDATE queues SET auto_assign = ?2 WHERE id = ?1",
        params![id, on],
    )?;
    Ok(())
}

/// Refused while numbers route to it: removing it would leave their conversations nowhere.
pub fn remove_queue(conn: &Connection, tenant_id: i64, name: &str) -> Result<()> {
    let id = queue_named(conn, tenant_id, name)?;
    let numbers: Vec<String> = conn
        .prepare_cached("SELECT display_phone FROM numbers WHERE queue_id = ?1 ORDER BY id")?
        .query_map([id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    if !numbers.is_empty() {
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::QueueStillReceives {
                name: name.to_string(),
                numbers,
            },
        ));
    }
    conn.execute(
        "UPDATE conversations SET queue_id = NULL WHERE queue_id = ?1",
        [id],
    )?;
    conn.execute("DELETE FROM agent_queues WHERE queue_id = ?1", [id])?;
    conn.execute("DELETE FROM queues WHERE id = ?1", [id])?;
    Ok(())
}

/// A number by Meta's id or its display number (`+1 555…` or digits).
pub fn number_ref(conn: &Connection, reference: &str) -> Result<(i64, i64, String)> {
    number_named(conn, reference, None)?
        .map(|n| (n.id, n.tenant_id, n.display_phone))
        .ok_or_else(|| {
            StoreError::NotFound(wabox_protocol::ErrorCode::NoNumberListed {
                number: reference.to_string(),
            })
        })
}

/// A number as a user named it.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedNumber {
    pub id: i64,
    pub tenant_id: i64,
    pub phone_number_id: String,
    pub display_phone: String,
}

/// The number that what a user typed names (`domain::number::names_number`: Meta's phone
/// number id, or its display number in any usual form), of `tenant` when given (another
/// tenant's is as unknown as none), if any; an id before a display number.
pub fn number_named(
    conn: &Connection,
    reference: &str,
    tenant: Option<i64>,
) -> Result<Option<NamedNumber>> {
    let display = wabox_domain::number::normalize_display_phone(reference.trim()).ok();
    Ok(conn
        .query_row(
            "SELECT id, tenant_id, phone_number_id, display_phone FROM numbers
             WHERE (phone_number_id = ?1 OR display_phone = ?2)
               AND (CAST(?3 AS BIGINT) IS NULL OR tenant_id = ?3)
             ORDER BY phone_number_id = ?1 DESC, id LIMIT 1",
            params![reference.trim(), display, tenant],
            |r| {
                Ok(NamedNumber {
                    id: r.get(0)?,
                    tenant_id: r.get(1)?,
                    phone_number_id: r.get(2)?,
                    display_phone: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Routes a number to a queue; its conversations without a queue move there with it.
pub fn assign_number(
    conn: &Connection,
    number: &str,
    queue: &str,
    events: &mut Vec<StoreEvent>,
) -> Result<i64> {
    let (number_id, tenant_id, _) = number_ref(conn, number)?;
    let queue_id = queue_named(conn, tenant_id, queue)?;
    conn.execute(
        "UPDATE numbers SET queue_id = ?2 WHERE id = ?1",
        params![number_id, queue_id],
    )?;
    let moved = conn.execute(
        "UPDATE conversations SET queue_id = ?2 WHERE number_id = ?1 AND queue_id IS NULL",
        params![number_id, queue_id],
    )?;
    events.push(StoreEvent::DirectoryChanged);
    Ok(moved as i64)
}

/// Sets (or, with none, clears) a queue's first-response target.
pub fn set_sla(conn: &Connection, queue_id: i64, minutes: Option<i64>) -> Result<()> {
    conn.prepare_cached("UPDATE queues SET sla_minutes = ?2 WHERE id = ?1")?
        .execute(params![queue_id, minutes])?;
    Ok(())
}

/// The queues (`q`, with their tenant `t`) a scope sees: a tenant's, or an agent's own.
macro_rules! queues_in_scope {
    () => {
        "FROM queues q JOIN tenants t ON t.id = q.tenant_id
         WHERE (CAST(:scope_tenant AS BIGINT) IS NULL OR q.tenant_id = :scope_tenant)
           AND (CAST(:scope_agent AS TEXT) IS NULL
                OR q.id IN (SELECT queue_id FROM agent_queues WHERE \"user\" = :scope_agent))"
    };
}

/// Each queue `scope` sees: (its id, its tenant's name, its name), by tenant and name.
pub fn queue_names(conn: &Connection, scope: &Scope) -> Result<Vec<(i64, String, String)>> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT q.id, t.name, q.name ",
        queues_in_scope!(),
        " ORDER BY t.name, q.name"
    ))?;
    let rows = stmt.query_map(
        named_params! {":scope_tenant": scope.tenant(), ":scope_agent": scope.agent()},
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

pub fn list_queues(conn: &Connection, scope: &Scope) -> Result<Vec<QueueView>> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT q.id, t.name, q.name, q.auto_assign,
                (SELECT count(*) FROM conversations c WHERE c.queue_id = q.id),
                (SELECT count(*) FROM conversations c WHERE c.queue_id = q.id AND c.unread > 0),
                q.sla_minutes ",
        queues_in_scope!(),
        " ORDER BY t.name, q.name"
    ))?;
    let mut queues: Vec<QueueView> = stmt
        .query_map(
            named_params! {":scope_tenant": scope.tenant(), ":scope_agent": scope.agent()},
            |r| {
                Ok(QueueView {
                    id: r.get(0)?,
                    tenant: r.get(1)?,
                    name: r.get(2)?,
                    auto_assign: r.get(3)?,
                    numbers: Vec::new(),
                    agents: Vec::new(),
                    conversations: r.get(4)?,
                    waiting: r.get(5)?,
                    hours: None,
                    sla_minutes: r.get::<_, Option<i64>>(6)?.map(|m| m as u32),
                })
            },
        )?
        .collect::<crate::db::Result<_>>()?;
    let mut numbers =
        conn.prepare_cached("SELECT display_phone FROM numbers WHERE queue_id = ?1 ORDER BY 1")?;
    let mut agents =
        conn.prepare_cached(r#"SELECT "user" FROM agent_queues WHERE queue_id = ?1 ORDER BY 1"#)?;
    let tenant = scope.tenant();
    let hours = super::hours::list(conn, tenant)?;
    for q in &mut queues {
        q.hours = hours.iter().find(|h| h.queue_id == q.id).map(|h| {
            wabox_protocol::directory::QueueHours {
                zone: h.zone.clone(),
                week: h.week.clone(),
                holidays: h.holidays.clone(),
            }
        });
        q.numbers = numbers
            .query_map([q.id], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        q.agents = agents
            .query_map([q.id], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
    }
    Ok(queues)
}

/// Adds or updates an agent; `queues` replaces their queues when given.
pub fn add_agent(
    conn: &Connection,
    user: &str,
    role: wabox_protocol::states::Role,
    tenant: Option<&str>,
    queues: &[String],
    now: i64,
) -> Result<AgentView> {
    wabox_domain::text::check_user_name(user).map_err(StoreError::invalid)?;
    let user = user.to_string();
    let tenant_id = match tenant {
        Some(t) => Some(tenant_named(conn, t)?),
        None if queues.is_empty() => None,
        // No tenant named: the one whose queues these are (two tenants may share a name).
        None => {
            let names: Vec<&str> = queues.iter().map(String::as_str).collect();
            Some(super::queue_tenant::tenant_of_queues(conn, &names)?)
        }
    };
    conn.execute(
        r#"INSERT INTO agents ("user", role, tenant_id, created_at) VALUES (?1, ?2, ?3, ?4)
           ON CONFLICT ("user") DO UPDATE SET role = excluded.role, tenant_id = excluded.tenant_id"#,
        params![user, role.as_str(), tenant_id, now],
    )?;
    // Moved to another tenant: the queues of the old one are no longer theirs (the agent's
    // scope is their queues, so a membership left behind would keep the old tenant in sight).
    if let Some(tenant_id) = tenant_id {
        conn.execute(
            r#"DELETE FROM agent_queues WHERE "user" = ?1
                 AND queue_id NOT IN (SELECT id FROM queues WHERE tenant_id = ?2)"#,
            params![user, tenant_id],
        )?;
    }
    if !queues.is_empty() {
        let tenant_id = tenant_id.unwrap_or_default();
        let ids = queues
            .iter()
            .map(|q| queue_named(conn, tenant_id, q))
            .collect::<Result<Vec<_>>>()?;
        conn.execute(r#"DELETE FROM agent_queues WHERE "user" = ?1"#, [&user])?;
        for id in ids {
            conn.execute(
                r#"INSERT INTO agent_queues ("user", queue_id) VALUES (?1, ?2)"#,
                params![user, id],
            )?;
        }
    }
    list_agents(conn)?
        .into_iter()
        .find(|a| a.user == user)
        .ok_or_else(|| {
            StoreError::NotFound(wabox_protocol::ErrorCode::AgentVanished {
                user: user.to_string(),
            })
        })
}

pub fn list_agents(conn: &Connection) -> Result<Vec<AgentView>> {
    list_agents_in(conn, &Scope::Everything)
}

/// The users a scope may know of: a tenant's admin sees the users of their tenant (by record
/// or by a queue there) with their queues of that tenant only.
/// The users whose agent record is of the tenant.
pub fn users_of_tenant(conn: &Connection, tenant_id: i64) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached(r#"SELECT "user" FROM agents WHERE tenant_id = ?1 ORDER BY "user""#)?
        .query_map([tenant_id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?)
}

pub fn list_agents_in(conn: &Connection, scope: &Scope) -> Result<Vec<AgentView>> {
    let tenant = scope.tenant();
    let mut stmt = conn.prepare_cached(
        r#"SELECT a."user", a.role, t.name FROM agents a LEFT JOIN tenants t ON t.id = a.tenant_id
           WHERE CAST(?1 AS BIGINT) IS NULL OR a.tenant_id = ?1
              OR a."user" IN (SELECT aq."user" FROM agent_queues aq JOIN queues q ON q.id = aq.queue_id
                              WHERE q.tenant_id = ?1)
           ORDER BY a."user""#,
    )?;
    let mut agents: Vec<AgentView> = stmt
        .query_map([tenant], |r| {
            Ok(AgentView {
                user: r.get(0)?,
                role: r.word(1)?,
                tenant: r.get(2)?,
                queues: Vec::new(),
            })
        })?
        .collect::<crate::db::Result<_>>()?;
    let mut queues = conn.prepare_cached(
        r#"SELECT q.name FROM agent_queues aq JOIN queues q ON q.id = aq.queue_id
           WHERE aq."user" = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR q.tenant_id = ?2)
           ORDER BY q.name"#,
    )?;
    for a in &mut agents {
        a.queues = queues
            .query_map(params![&a.user, tenant], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
    }
    Ok(agents)
}

pub fn agent_record(conn: &Connection, user: &str) -> Result<Option<AgentRecord>> {
    // Asked for every request: prepared once per connection.
    Ok(conn
        .prepare_cached(r#"SELECT role, tenant_id FROM agents WHERE "user" = ?1"#)?
        .query_row([user], |r| {
            Ok(AgentRecord {
                role: r.word(0)?,
                tenant_id: r.get(1)?,
            })
        })
        .optional()?)
}

/// The scope a user's record gives (none: not a wabox user).
pub fn record_scope(user: &str, record: &AgentRecord) -> Scope {
    if record.role == wabox_protocol::states::Role::Admin {
        record.tenant_id.map_or(Scope::Everything, Scope::Tenant)
    } else {
        Scope::Agent(user.to_string())
    }
}

/// Whether a conversation of `tenant_id` may be handed to `user` (see `Scope::belongs_to`).
pub fn works_for(conn: &Connection, user: &str, tenant_id: i64) -> Result<bool> {
    let Some(record) = agent_record(conn, user)? else {
        return Ok(false);
    };
    let queue_tenants = super::scope::queue_tenants(conn, user)?;
    Ok(record_scope(user, &record).belongs_to(tenant_id, &queue_tenants))
}

fn record_event(
    conn: &Connection,
    conversation_id: i64,
    actor: &str,
    kind: &str,
    detail: &str,
    note: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO conversation_events (conversation_id, at, actor, kind, detail, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![conversation_id, now, actor, kind, detail, note],
    )?;
    Ok(())
}

/// Takes an unassigned conversation: of two agents claiming at once, exactly one wins.
pub fn claim(
    conn: &Connection,
    conversation_id: i64,
    user: &str,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let won = conn.execute(
        "UPDATE conversations SET assignee = ?2 WHERE id = ?1 AND assignee IS NULL",
        params![conversation_id, user],
    )?;
    if won == 0 {
        let holder: Option<String> = conn
            .query_row(
                "SELECT assignee FROM conversations WHERE id = ?1",
                [conversation_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        // Already theirs: nothing changes, and the history does not say it did twice.
        if holder.as_deref() == Some(user) {
            return Ok(());
        }
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::AlreadyClaimed {
                conversation: conversation_id,
                holder,
            },
        ));
    }
    record_event(conn, conversation_id, user, "claimed", user, None, now)?;
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(())
}

/// Hands a conversation to another queue and/or agent, with an internal note for them.
#[allow(clippy::too_many_arguments)]
pub fn transfer(
    conn: &Connection,
    conversation_id: i64,
    to_queue: Option<&str>,
    to_agent: Option<&str>,
    note: Option<&str>,
    actor: &str,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    if to_queue.is_none() && to_agent.is_none() {
        return Err(StoreError::Invalid(
            wabox_protocol::ErrorCode::SayWhereTo {},
        ));
    }
    let tenant_id: i64 = conn.query_row(
        "SELECT n.tenant_id FROM conversations c JOIN numbers n ON n.id = c.number_id
         WHERE c.id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    // Checked before anything changes: a conversation never reaches another tenant's hands.
    if let Some(a) = to_agent
        && !works_for(conn, a, tenant_id)?
    {
        return Err(StoreError::NotFound(
            wabox_protocol::ErrorCode::NoAgentHere {
                agent: a.to_string(),
            },
        ));
    }
    let mut detail = Vec::new();
    if let Some(q) = to_queue {
        let queue_id = queue_named(conn, tenant_id, q)?;
        conn.execute(
            "UPDATE conversations SET queue_id = ?2,
                 assignee = CASE WHEN ?3 THEN assignee ELSE NULL END WHERE id = ?1",
            params![conversation_id, queue_id, to_agent.is_some()],
        )?;
        detail.push(format!("to queue {q}"));
    }
    if let Some(a) = to_agent {
        conn.execute(
            "UPDATE conversations SET assignee = ?2 WHERE id = ?1",
            params![conversation_id, a],
        )?;
        detail.push(format!("to {a}"));
    }
    record_event(
        conn,
        conversation_id,
        actor,
        "transferred",
        &detail.join(", "),
        note.map(str::trim).filter(|n| !n.is_empty()),
        now,
    )?;
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(())
}

/// Who claimed and moved a conversation, oldest first.
pub fn hands(conn: &Connection, conversation_id: i64) -> Result<Vec<HandEvent>> {
    Ok(conn
        .prepare_cached(
            "SELECT at, actor, kind, detail, note FROM conversation_events
             WHERE conversation_id = ?1 ORDER BY at, id",
        )?
        .query_map([conversation_id], |r| {
            Ok(HandEvent {
                at: r.get(0)?,
                actor: r.get(1)?,
                kind: r.get(2)?,
                detail: r.get(3)?,
                note: r.get(4)?,
            })
        })?
        .collect::<crate::db::Result<_>>()?)
}

pub fn audit(
    conn: &Connection,
    actor: &str,
    as_user: Option<&str>,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, as_user, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now, actor, as_user, action, detail],
    )?;
    Ok(())
}

pub fn audit_log(conn: &Connection, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut entries: Vec<AuditEntry> = conn
        .prepare_cached(
            "SELECT at, actor, as_user, action, detail FROM audit ORDER BY id DESC LIMIT ?1",
        )?
        .query_map([limit as i64], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                actor: r.get(1)?,
                as_user: r.get(2)?,
                action: r.get(3)?,
                detail: r.get(4)?,
            })
        })?
        .collect::<crate::db::Result<_>>()?;
    entries.reverse();
    Ok(entries)
}

/// Numbers without a queue (with their conversations waiting nowhere).
pub fn orphans(conn: &Connection, scope: &Scope) -> Result<Vec<Orphan>> {
    let sql = format!(
        "SELECT t.name, n.phone_number_id, n.display_phone,
                (SELECT count(*) FROM conversations c WHERE c.number_id = n.id AND c.queue_id IS NULL)
         FROM numbers n JOIN tenants t ON t.id = n.tenant_id
         WHERE n.queue_id IS NULL AND {NUMBER_SCOPE_SQL}
         ORDER BY t.name, n.display_phone"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(
            named_params! {":scope_tenant": scope.tenant(), ":scope_agent": scope.agent()},
            |r| {
                Ok(Orphan {
                    tenant: r.get(0)?,
                    phone_number_id: r.get(1)?,
                    display_phone: r.get(2)?,
                    conversations: r.get(3)?,
                })
            },
        )?
        .collect::<crate::db::Result<_>>()?)
}
