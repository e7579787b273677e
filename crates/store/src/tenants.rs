//! Renaming and removing tenants. A tenant with numbers is removed only when asked to with
//! `force`, and then everything it holds goes with it: its numbers (and their sealed tokens),
//! queues, contacts, conversations and messages, templates, signups, and the records of its
//! agents. The refusal without `force` names all of that first, so nothing goes unannounced.

use super::{Result, StoreError};
use crate::db::{Connection, Dialect, params};
use wabox_domain::text::{check_name, normalised_name};
pub use wabox_protocol::directory::TenantChange;
pub use wabox_protocol::directory::TenantContents;

/// The tenant's id and exact stored name, found ignoring case (as names are compared).
fn find(conn: &Connection, name: &str) -> Result<(i64, String)> {
    let wanted = normalised_name(name.trim());
    let all: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, name FROM tenants ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    all.into_iter()
        .find(|(_, n)| normalised_name(n) == wanted)
        .ok_or_else(|| {
            StoreError::NotFound(wabox_protocol::ErrorCode::NoTenantListed {
                name: name.to_string(),
            })
        })
}

pub fn rename_tenant(conn: &Connection, from: &str, to: &str) -> Result<TenantChange> {
    let (id, old) = find(conn, from)?;
    let new = check_name("tenant", to).map_err(StoreError::invalid)?;
    let wanted = normalised_name(&new);
    let clash: Option<String> = conn
        .prepare_cached("SELECT name FROM tenants WHERE id != ?1")?
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<crate::db::Result<Vec<_>>>()?
        .into_iter()
        .find(|n| normalised_name(n) == wanted);
    if let Some(other) = clash {
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::TenantExists { name: other },
        ));
    }
    conn.execute(
        "UPDATE tenants SET name = ?2 WHERE id = ?1",
        params![id, new],
    )?;
    Ok(TenantChange {
        tenant: new,
        renamed_from: Some(old),
        removed: None,
    })
}

pub fn contents(conn: &Connection, tenant_id: i64) -> Result<TenantContents> {
    let names = |sql: &str| -> Result<Vec<String>> {
        Ok(conn
            .prepare(sql)?
            .query_map([tenant_id], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?)
    };
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [tenant_id], |r| r.get(0))?) };
    Ok(TenantContents {
        numbers: names(
            "SELECT '+' || display_phone || ' (' || phone_number_id || ')' FROM numbers
             WHERE tenant_id = ?1 ORDER BY display_phone",
        )?,
        queues: names("SELECT name FROM queues WHERE tenant_id = ?1 ORDER BY name")?,
        conversations: count(
            "SELECT count(*) FROM conversations c JOIN numbers n ON n.id = c.number_id
             WHERE n.tenant_id = ?1",
        )?,
        messages: count(
            "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
             JOIN numbers n ON n.id = c.number_id WHERE n.tenant_id = ?1",
        )?,
        contacts: count("SELECT count(*) FROM contacts WHERE tenant_id = ?1")?,
        agents: names(r#"SELECT "user" FROM agents WHERE tenant_id = ?1 ORDER BY "user""#)?,
    })
}

/// Removes a tenant. With numbers, only when `force`: then everything it holds goes too, and
/// the files downloaded for its messages are returned (paths relative to the data dir) for the
/// engine to delete once this is committed.
pub fn remove_tenant(
    conn: &Connection,
    name: &str,
    force: bool,
    by: &str,
    now: i64,
) -> Result<(TenantChange, Vec<String>)> {
    let (id, stored) = find(conn, name)?;
    let held = contents(conn, id)?;
    if !held.numbers.is_empty() && !force {
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::TenantStillHolds {
                name: stored,
                numbers: held.numbers.clone(),
                holds: held.words(false),
            },
        ));
    }
    let files: Vec<String> = conn
        .prepare(
            "SELECT md.path FROM media md JOIN numbers n ON n.id = md.number_id
             WHERE n.tenant_id = ?1 AND md.path IS NOT NULL",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    // The agents' records go, and their tokens with them (kept on record, revoked).
    crate::api_tokens::revoke_held_by(conn, &held.agents, by, now)?;
    // Rows keyed by a message's wamid have no foreign key to follow.
    let wamids = "SELECT m.wamid FROM messages m JOIN conversations c ON c.id = m.conversation_id
                  JOIN numbers n ON n.id = c.number_id WHERE n.tenant_id = ?1";
    conn.execute(
        &format!("DELETE FROM statuses WHERE wamid IN ({wamids})"),
        [id],
    )?;
    conn.execute(
        &format!("DELETE FROM reactions WHERE message_wamid IN ({wamids})"),
        [id],
    )?;
    purge(conn, "tenants", &format!("id = {id}"), 0)?;
    Ok((
        TenantChange {
            tenant: stored,
            renamed_from: None,
            removed: Some(held),
        },
        files,
    ))
}

/// Deletes the rows of `table` matching `condition`, after every row that refers to them by a
/// foreign key, found from the schema itself: a table added later is followed without anyone
/// remembering to list it here.
fn purge(conn: &Connection, table: &str, condition: &str, depth: usize) -> Result<()> {
    if depth > 12 {
        return Err(StoreError::Invalid(
            wabox_protocol::ErrorCode::ReferencesTooDeep {
                table: table.to_string(),
            },
        ));
    }
    for (child, from, to) in referrers(conn, table)? {
        if child == table {
            continue;
        }
        let inner = format!("\"{from}\" IN (SELECT \"{to}\" FROM \"{table}\" WHERE {condition})");
        purge(conn, &child, &inner, depth + 1)?;
    }
    conn.execute(&format!("DELETE FROM \"{table}\" WHERE {condition}"), [])?;
    Ok(())
}

/// `(table, column, referenced column)` of every foreign key pointing at `table`, read from
/// each dialect's own catalog (the store's keys are of one column each).
pub(crate) fn referrers(conn: &Connection, table: &str) -> Result<Vec<(String, String, String)>> {
    const SQLITE: &str = "SELECT m.name, f.\"from\", coalesce(f.\"to\", 'id')
         FROM sqlite_master m, pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND m.sql LIKE '%REFERENCES%' AND f.\"table\" = ?1 COLLATE NOCASE";
    // No column named: the target's primary key, which is `id` throughout (SQLite above).
    const POSTGRES: &str = "SELECT CAST(c.relname AS TEXT), CAST(a.attname AS TEXT),
                CAST(r.attname AS TEXT)
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid
         JOIN pg_class t ON t.oid = k.confrelid
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         JOIN pg_attribute r ON r.attrelid = k.confrelid AND r.attnum = k.confkey[1]
         WHERE k.contype = 'f' AND t.relname = CAST(?1 AS TEXT)
           AND t.relnamespace = CAST(current_schema() AS regnamespace)
         ORDER BY c.oid, k.oid";
    let sql = match conn.dialect() {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::db::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::store;

    #[crate::testing::both_stores]
    fn a_tenant_is_renamed_unless_the_name_is_taken() {
        let (_d, conn) = store();
        crate::directory::add_tenant(&conn, "jTacos Lupita", 1).unwrap();
        crate::directory::add_tenant(&conn, "Acme", 1).unwrap();
        let change = rename_tenant(&conn, "jtacos lupita", "Tacos Lupita").unwrap();
        assert_eq!(change.renamed_from.as_deref(), Some("jTacos Lupita"));
        assert!(matches!(
            rename_tenant(&conn, "Tacos Lupita", "ACME"),
            Err(StoreError::Conflict(_))
        ));
        let (gone, _) = remove_tenant(&conn, "Tacos Lupita", false, "root", 0).unwrap();
        assert_eq!(gone.removed.unwrap().numbers.len(), 0);
    }
}
