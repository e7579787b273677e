//! Which tenant a queue name means when no tenant is named: the one tenant that has it. A queue
//! name two tenants share is refused with both named, and how to say which.

use super::{Result, StoreError};
use crate::db::Connection;

/// The tenant having every one of `queues` (names as stored, exactly); with no names, the only
/// tenant there is.
pub fn tenant_of_queues(conn: &Connection, queues: &[&str]) -> Result<i64> {
    if queues.is_empty() {
        return super::queues::default_tenant(conn, None);
    }
    let mut candidates: Option<Vec<(i64, String)>> = None;
    for name in queues {
        let name = name.trim();
        let having: Vec<(i64, String)> = conn
            .prepare_cached(
                "SELECT t.id, t.name FROM queues q JOIN tenants t ON t.id = q.tenant_id
                 WHERE q.name = ?1 ORDER BY t.name",
            )?
            .query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::db::Result<_>>()?;
        if having.is_empty() {
            return Err(StoreError::NotFound(
                wabox_protocol::ErrorCode::NoQueueAnywhere {
                    name: name.to_string(),
                },
            ));
        }
        let kept: Vec<(i64, String)> = match candidates.take() {
            None => having,
            Some(before) => before
                .into_iter()
                .filter(|(id, _)| having.iter().any(|(h, _)| h == id))
                .collect(),
        };
        if kept.is_empty() {
            return Err(StoreError::Invalid(
                wabox_protocol::ErrorCode::QueuesOfSeveralTenants {
                    queues: queues.iter().map(|q| q.to_string()).collect(),
                },
            ));
        }
        candidates = Some(kept);
    }
    match candidates.unwrap_or_default().as_slice() {
        [(id, _)] => Ok(*id),
        several => {
            let names: Vec<&str> = several.iter().map(|(_, n)| n.as_str()).collect();
            let first = names.first().copied().unwrap_or("TENANT");
            let queue = queues[0].trim();
            Err(StoreError::Invalid(
                wabox_protocol::ErrorCode::QueueInSeveralTenants {
                    queue: queue.to_string(),
                    tenants: names.iter().map(|n| n.to_string()).collect(),
                    shell: shell_word(first).to_string(),
                    inbox: inbox_word(queue, first).to_string(),
                },
            ))
        }
    }
}

/// The queue `name` (of `tenant`, if given) among those `scope` sees; names compare ignoring
/// case. Several tenants' queues of that name are refused naming them (only tenants the caller
/// sees, so no other's name is told).
pub fn visible_queue_named(
    conn: &Connection,
    scope: &crate::scope::Scope,
    name: &str,
    tenant: Option<&str>,
) -> Result<i64> {
    let name = name.trim();
    let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    // The names alone: the queues' counts, numbers, agents and hours are not asked for.
    let found: Vec<(i64, String)> = super::queues::queue_names(conn, scope)?
        .into_iter()
        .filter(|(_, t, q)| same(q, name) && tenant.is_none_or(|want| same(t, want)))
        .map(|(id, t, _)| (id, t))
        .collect();
    match found.as_slice() {
        [] => Err(StoreError::NotFound(wabox_protocol::ErrorCode::NoQueue {
            name: name.to_string(),
        })),
        [(id, _)] => Ok(*id),
        several => {
            let tenants: Vec<String> = several.iter().map(|(_, t)| t.clone()).collect();
            Err(StoreError::Invalid(
                wabox_protocol::ErrorCode::QueueInSeveralTenants {
                    queue: name.to_string(),
                    shell: shell_word(&tenants[0]),
                    inbox: inbox_word(name, &tenants[0]),
                    tenants,
                },
            ))
        }
    }
}

/// The tenant a new queue goes to when none is named: the only one, else the admin is asked to
/// name it, in the words of the CLI and of the inbox.
pub fn tenant_for_new_queue(conn: &Connection, queue: &str) -> Result<i64> {
    let names: Vec<String> = conn
        .prepare_cached("SELECT name FROM tenants ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    if names.len() < 2 {
        return super::queues::default_tenant(conn, None);
    }
    let queue = queue.trim();
    Err(StoreError::Invalid(
        wabox_protocol::ErrorCode::TenantForNewQueue {
            queue: queue.to_string(),
            shell: shell_word(&names[0]).to_string(),
            inbox: inbox_word(queue, &names[0]).to_string(),
            tenants: names,
        },
    ))
}

/// How the inbox's `:` commands name a tenant's queue: `Sales@Acme`, or `Sales @Demo Shop`
/// (last on the line) when the tenant's name has spaces.
fn inbox_word(queue: &str, tenant: &str) -> String {
    if tenant.contains(char::is_whitespace) {
        format!("{queue} @{tenant}")
    } else {
        format!("{queue}@{tenant}")
    }
}

/// A name as one shell word (quoted when it has spaces).
fn shell_word(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_alphanumeric() || "-_.".contains(c))
    {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::add_tenant;
    use crate::queues::add_queue;
    use crate::testing::store;

    #[crate::testing::both_stores]
    fn a_queue_only_one_tenant_has_is_that_tenants() {
        let (_d, conn) = store();
        let acme = add_tenant(&conn, "Acme", 1).unwrap().id;
        let tacos = add_tenant(&conn, "Tacos Lupita", 1).unwrap().id;
        add_queue(&conn, acme, "Sales", false, 1).unwrap();
        add_queue(&conn, acme, "Support", false, 1).unwrap();
        add_queue(&conn, tacos, "Support", false, 1).unwrap();
        assert_eq!(tenant_of_queues(&conn, &["Sales"]).unwrap(), acme);
        assert_eq!(
            tenant_of_queues(&conn, &["Sales", "Support"]).unwrap(),
            acme
        );
        let e = tenant_of_queues(&conn, &["Support"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("Acme, Tacos Lupita"), "{e}");
        assert!(
            e.contains("--tenant Acme") && e.contains("Support@Acme"),
            "{e}"
        );
        assert!(tenant_of_queues(&conn, &["Nope"]).is_err());
    }
}
