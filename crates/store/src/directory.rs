//! Tenants and numbers: who owns which phone number, and how a webhook change finds its owner.

use super::{Result, StoreError};
use crate::db::{Connection, OptionalExtension, params};
use crate::words::RowWords;
use wabox_domain::text::{check_name, normalised_name};
use wabox_domain::{ConnectionKind, PhoneNumberId};
pub use wabox_protocol::directory::{NumberView, TenantView};

/// A number as routing needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutedNumber {
    pub id: i64,
    pub tenant_id: i64,
    pub display_phone: String,
}

pub struct NewNumber<'a> {
    pub tenant: &'a str,
    pub phone_number_id: &'a str,
    pub waba_id: &'a str,
    pub display_phone: &'a str,
    pub connection: ConnectionKind,
    pub access_token_sealed: Option<Vec<u8>>,
}

pub fn add_tenant(conn: &Connection, name: &str, now: i64) -> Result<TenantView> {
    let name = check_name("tenant", name).map_err(StoreError::invalid)?;
    let name = name.as_str();
    // "ACME" or a full-width "Ａｃｍｅ" beside "Acme" would be two tenants no one tells apart.
    let wanted = normalised_name(name);
    let existing: Vec<String> = conn
        .prepare_cached("SELECT name FROM tenants")?
        .query_map([], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    if let Some(same) = existing.iter().find(|t| normalised_name(t) == wanted) {
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::TenantExists {
                name: same.to_string(),
            },
        ));
    }
    conn.execute(
        "INSERT INTO tenants (name, created_at) VALUES (?1, ?2)",
        params![name, now],
    )?;
    let id = conn.last_insert_rowid()?;
    Ok(TenantView {
        id,
        name: name.to_string(),
        numbers: 0,
        created_at: now,
    })
}

pub fn list_tenants(conn: &Connection) -> Result<Vec<TenantView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.name, t.created_at,
                (SELECT count(*) FROM numbers n WHERE n.tenant_id = t.id)
         FROM tenants t ORDER BY t.name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(TenantView {
            id: r.get(0)?,
            name: r.get(1)?,
            created_at: r.get(2)?,
            numbers: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

fn tenant_id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM tenants WHERE name = ?1",
            [name.trim()],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn add_number(conn: &Connection, new: &NewNumber<'_>, now: i64) -> Result<NumberView> {
    use wabox_domain::number::{check_meta_id, normalize_display_phone};
    check_meta_id("phone number id", new.phone_number_id).map_err(StoreError::invalid)?;
    check_meta_id("WABA id", new.waba_id).map_err(StoreError::invalid)?;
    let display = normalize_display_phone(new.display_phone).map_err(StoreError::invalid)?;
    let tenant = tenant_id(conn, new.tenant)?.ok_or_else(|| {
        StoreError::NotFound(wabox_protocol::ErrorCode::NoTenantAddFirst {
            name: new.tenant.to_string(),
        })
    })?;
    if route_number(conn, &PhoneNumberId(new.phone_number_id.to_string()))?.is_some() {
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::NumberExists {
                phone_number_id: new.phone_number_id.to_string(),
            },
        ));
    }
    conn.execute(
        "INSERT INTO numbers (tenant_id, phone_number_id, waba_id, display_phone, connection,
                              access_token_sealed, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            tenant,
            new.phone_number_id,
            new.waba_id,
            display,
            new.connection.as_str(),
            new.access_token_sealed,
            now
        ],
    )?;
    let id = conn.last_insert_rowid()?;
    list_numbers(conn)?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NumberJustAddedMissing {}))
}

pub fn list_numbers(conn: &Connection) -> Result<Vec<NumberView>> {
    list_numbers_in(conn, &super::scope::Scope::Everything)
}

/// The numbers whose conversations the scope may see.
pub fn list_numbers_in(conn: &Connection, scope: &super::scope::Scope) -> Result<Vec<NumberView>> {
    let sql = format!(
        "SELECT n.id, t.name, n.phone_number_id, n.waba_id, n.display_phone, n.connection,
                n.access_token_sealed IS NOT NULL, n.created_at, q.name, n.active, n.alias,
                (SELECT count(*) FROM conversations c WHERE c.number_id = n.id),
                (SELECT CAST(COALESCE(sum(c.unread), 0) AS BIGINT) FROM conversations c
                 WHERE c.number_id = n.id AND c.unread > 0),
                (SELECT count(*) FROM conversations c WHERE c.number_id = n.id AND c.unread > 0),
                n.token_expires_at, n.connected_via, n.business_id
         FROM numbers n JOIN tenants t ON t.id = n.tenant_id
         LEFT JOIN queues q ON q.id = n.queue_id
         WHERE {}
         ORDER BY t.name, n.display_phone",
        super::scope::NUMBER_SCOPE_SQL
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let now = wabox_domain::time::now_unix();
    let rows = stmt.query_map(
        crate::named_params! {":scope_tenant": scope.tenant(), ":scope_agent": scope.agent()},
        |r| {
            let (active, has_token, expires) = (r.get(9)?, r.get(6)?, r.get(14)?);
            Ok(NumberView {
                status: wabox_domain::number::number_status(active, has_token, expires, now),
                id: r.get(0)?,
                tenant: r.get(1)?,
                phone_number_id: r.get(2)?,
                waba_id: r.get(3)?,
                display_phone: r.get(4)?,
                connection: r.word(5)?,
                has_token,
                created_at: r.get(7)?,
                queue: r.get(8)?,
                active,
                alias: r.get(10)?,
                conversations: r.get(11)?,
                unread: r.get(12)?,
                waiting: r.get(13)?,
                token_expires_at: expires,
                connected_via: r.word_opt(15)?,
                business_id: r.get(16)?,
            })
        },
    )?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// The number a change is addressed to, or none: an unknown id is never guessed.
pub fn route_number(conn: &Connection, id: &PhoneNumberId) -> Result<Option<RoutedNumber>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, tenant_id, display_phone FROM numbers WHERE phone_number_id = ?1",
    )?;
    Ok(stmt
        .query_row([id.as_str()], |r| {
            Ok(RoutedNumber {
                id: r.get(0)?,
                tenant_id: r.get(1)?,
                display_phone: r.get(2)?,
            })
        })
        .optional()?)
}

/// `route_number` for several numbers in one statement: each one known, by its Meta id (those
/// not known are left out).
pub fn route_numbers(
    conn: &Connection,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, RoutedNumber>> {
    let sql = match conn.dialect() {
        crate::db::Dialect::Postgres => ROUTE_NUMBERS_POSTGRES,
        crate::db::Dialect::Sqlite => ROUTE_NUMBERS,
    };
    let ids = serde_json::to_string(ids).map_err(StoreError::invalid)?;
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([ids], |r| {
        Ok((
            r.get(0)?,
            RoutedNumber {
                id: r.get(1)?,
                tenant_id: r.get(2)?,
                display_phone: r.get(3)?,
            },
        ))
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// `route_numbers`' statement: ?1 is a JSON array of Meta's ids.
const ROUTE_NUMBERS: &str = "SELECT phone_number_id, id, tenant_id, display_phone FROM numbers
    WHERE phone_number_id IN (SELECT value FROM json_each(?1))";
const ROUTE_NUMBERS_POSTGRES: &str =
    "SELECT phone_number_id, id, tenant_id, display_phone FROM numbers
    WHERE phone_number_id IN (
        SELECT value FROM json_array_elements_text(CAST(CAST(?1 AS TEXT) AS json)))";

/// The tenant owning a WABA, for fields that arrive without a phone number id (templates, account).
pub fn tenant_of_waba(conn: &Connection, waba_id: &str) -> Result<Option<i64>> {
    let mut stmt = conn
        .prepare_cached("SELECT tenant_id FROM numbers WHERE waba_id = ?1 ORDER BY id LIMIT 1")?;
    Ok(stmt.query_row([waba_id], |r| r.get(0)).optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::store;

    fn number<'a>(tenant: &'a str, pnid: &'a str) -> NewNumber<'a> {
        NewNumber {
            tenant,
            phone_number_id: pnid,
            waba_id: "104829357711032",
            display_phone: "+1 555 078 3881",
            connection: ConnectionKind::Dedicated,
            access_token_sealed: None,
        }
    }

    #[crate::testing::both_stores]
    fn numbers_are_routed_together_as_one_at_a_time() {
        let (_d, conn) = store();
        add_tenant(&conn, "Acme", 1).unwrap();
        add_tenant(&conn, "Beta", 1).unwrap();
        add_number(&conn, &number("Acme", "106540352242922"), 1).unwrap();
        add_number(&conn, &number("Beta", "106540352242923"), 1).unwrap();
        let ids = ["106540352242922", "106540352242923", "106540352242924"];
        let routed = route_numbers(&conn, &ids).unwrap();
        for id in ids {
            let one = route_number(&conn, &PhoneNumberId(id.to_string())).unwrap();
            assert_eq!(routed.get(id), one.as_ref(), "{id}");
        }
        assert_eq!(routed.len(), 2);
        assert!(route_numbers(&conn, &[]).unwrap().is_empty());
    }

    #[crate::testing::both_stores]
    fn tenants_are_unique_by_name_ignoring_case() {
        let (_d, conn) = store();
        add_tenant(&conn, "Acme", 1).unwrap();
        assert!(matches!(
            add_tenant(&conn, "acme", 2),
            Err(StoreError::Conflict(_))
        ));
    }

    #[crate::testing::both_stores]
    fn numbers_need_an_existing_tenant_and_a_meta_id() {
        let (_d, conn) = store();
        assert!(matches!(
            add_number(&conn, &number("Nope", "106540352242922"), 1),
            Err(StoreError::NotFound(_))
        ));
        add_tenant(&conn, "Acme", 1).unwrap();
        assert!(matches!(
            add_number(&conn, &number("Acme", "wsp-3f9a"), 1),
            Err(StoreError::Invalid(_))
        ));
        let n = add_number(&conn, &number("Acme", "106540352242922"), 1).unwrap();
        assert_eq!(n.display_phone, "15550783881");
        assert!(matches!(
            add_number(&conn, &number("Acme", "106540352242922"), 1),
            Err(StoreError::Conflict(_))
        ));
        let routed = route_number(&conn, &PhoneNumberId("106540352242922".into())).unwrap();
        assert_eq!(routed.map(|r| r.id), Some(n.id));
        assert_eq!(tenant_of_waba(&conn, "104829357711032").unwrap(), Some(1));
    }
}
