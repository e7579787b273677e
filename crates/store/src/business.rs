//! Which business (Meta portfolio) owns each number, how a change without a phone number id
//! finds its tenant (by WABA, else by business), and the account events an admin is shown.

use super::Result;
use super::scope::Scope;
use crate::db::{Connection, OptionalExtension, params};
use wabox_domain::account_event::{describe, route_keys};
use wabox_domain::delivery::Change;
pub use wabox_protocol::admin::AccountEventView;

/// The tenant of the numbers in this business; none when no number or numbers of several
/// tenants name it (two tenants claiming one business is a mistake to show, not to guess).
pub fn tenant_of_business(conn: &Connection, business_id: &str) -> Result<Option<i64>> {
    let tenants: Vec<i64> = conn
        .prepare_cached("SELECT DISTINCT tenant_id FROM numbers WHERE business_id = ?1 LIMIT 2")?
        .query_map([business_id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    Ok(match tenants.as_slice() {
        [only] => Some(*only),
        _ => None,
    })
}

/// The tenant a change without a phone number id belongs to: by a WABA it names, else by a
/// business it names (`entry.id` of the business-level fields, `waba_info.owner_business_id`).
pub fn tenant_of_change(conn: &Connection, change: &Change) -> Result<Option<i64>> {
    let keys = route_keys(change.waba_id.as_str(), &change.value);
    for waba in &keys.wabas {
        if let Some(t) = super::directory::tenant_of_waba(conn, waba)? {
            return Ok(Some(t));
        }
    }
    for business in &keys.businesses {
        if let Some(t) = tenant_of_business(conn, business)? {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// Remembers the business a number's WABA belongs to; None keeps what was known.
pub fn set_business_id(conn: &Connection, number_id: i64, business_id: Option<&str>) -> Result<()> {
    let Some(b) = business_id.map(str::trim).filter(|b| !b.is_empty()) else {
        return Ok(());
    };
    wabox_domain::number::check_meta_id("business id", b).map_err(super::StoreError::invalid)?;
    conn.execute(
        "UPDATE numbers SET business_id = ?2 WHERE id = ?1",
        params![number_id, b],
    )?;
    Ok(())
}

/// The business stored for a number, by its phone number id.
pub fn business_of_number(conn: &Connection, phone_number_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT business_id FROM numbers WHERE phone_number_id = ?1",
            [phone_number_id],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// The scope's account events since `since` (unix seconds), newest first. Agents see none:
/// these are about the business's account, not its conversations.
pub fn recent_events(
    conn: &Connection,
    scope: &Scope,
    since: i64,
    limit: usize,
) -> Result<Vec<AccountEventView>> {
    if matches!(scope, Scope::Agent(_)) {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, t.name, e.field, e.event, e.waba_id, e.phone_number_id, e.payload, e.at
         FROM account_events e JOIN tenants t ON t.id = e.tenant_id
         WHERE (CAST(?1 AS BIGINT) IS NULL OR e.tenant_id = ?1) AND e.at >= ?2
         ORDER BY e.at DESC, e.id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![scope.tenant(), since, limit as i64], |r| {
        let field: String = r.get(2)?;
        let event: Option<String> = r.get(3)?;
        let payload: serde_json::Value =
            serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default();
        Ok(AccountEventView {
            id: r.get(0)?,
            tenant: r.get(1)?,
            summary: describe(&field, event.as_deref(), &payload),
            field,
            event,
            entry_id: r.get(4)?,
            phone_number_id: r.get(5)?,
            at: r.get(7)?,
            payload,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{NewNumber, add_number, add_tenant};
    use crate::testing::store;
    use wabox_domain::ConnectionKind;

    fn number(conn: &Connection, tenant: &str, pnid: &str, waba: &str) -> i64 {
        add_number(
            conn,
            &NewNumber {
                tenant,
                phone_number_id: pnid,
                waba_id: waba,
                display_phone: "+1 555 078 3881",
                connection: ConnectionKind::Dedicated,
                access_token_sealed: None,
            },
            1,
        )
        .unwrap()
        .id
    }

    #[crate::testing::both_stores]
    fn a_business_routes_to_its_one_tenant_and_never_to_a_guess() {
        let (_d, conn) = store();
        let acme = add_tenant(&conn, "Acme", 1).unwrap().id;
        let globex = add_tenant(&conn, "Globex", 1).unwrap().id;
        let a = number(&conn, "Acme", "111", "211");
        set_business_id(&conn, a, Some("311")).unwrap();
        assert_eq!(tenant_of_business(&conn, "311").unwrap(), Some(acme));
        assert_eq!(tenant_of_business(&conn, "399").unwrap(), None);
        // None keeps what is known; a bad id is refused.
        set_business_id(&conn, a, None).unwrap();
        assert_eq!(
            business_of_number(&conn, "111").unwrap().as_deref(),
            Some("311")
        );
        assert!(set_business_id(&conn, a, Some("biz-1")).is_err());
        // Two tenants naming one business: nobody gets its events.
        let g = number(&conn, "Globex", "112", "212");
        set_business_id(&conn, g, Some("311")).unwrap();
        assert_eq!(tenant_of_business(&conn, "311").unwrap(), None);
        set_business_id(&conn, g, Some("312")).unwrap();
        assert_eq!(tenant_of_business(&conn, "312").unwrap(), Some(globex));
    }
}
