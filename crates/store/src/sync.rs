//! `wabox sync`: a connections file applied to the numbers, keyed by Meta's phone number id, in
//! one transaction (all or nothing), so that running it twice changes nothing the second time.

use super::queues::orphans;
use super::scope::Scope;
use super::{Result, StoreError, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
use wabox_domain::connections::{ConnectionEntry, display_digits, is_meta_id};
pub use wabox_protocol::admin::SyncReport;

struct Existing {
    id: i64,
    tenant_id: i64,
    phone_number_id: String,
    waba_id: String,
    display_phone: String,
    alias: Option<String>,
    active: bool,
    token_sealed: Option<Vec<u8>>,
}

fn existing(conn: &Connection, sql: &str, value: &str) -> Result<Option<Existing>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([value], |r| {
            Ok(Existing {
                id: r.get(0)?,
                tenant_id: r.get(1)?,
                phone_number_id: r.get(2)?,
                waba_id: r.get(3)?,
                display_phone: r.get(4)?,
                alias: r.get(5)?,
                active: r.get(6)?,
                token_sealed: r.get(7)?,
            })
        })
        .optional()?)
}

const SELECT: &str = "SELECT id, tenant_id, phone_number_id, waba_id, display_phone, alias, active,
                             access_token_sealed FROM numbers";

/// Sealing and opening tokens is the engine's (the store never sees the key).
pub struct Sealing<'a> {
    pub seal: &'a dyn Fn(&str) -> Result<Vec<u8>>,
    pub open: &'a dyn Fn(&[u8]) -> Option<String>,
}

/// Applies the entries to `tenant_id`'s numbers; the caller's transaction makes it atomic (and
/// a dry run rolls it back).
pub fn apply(
    conn: &Connection,
    tenant_id: i64,
    entries: &[ConnectionEntry],
    sealing: &Sealing<'_>,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    for (i, e) in entries.iter().enumerate() {
        let pnid = e.phone_number_id.trim();
        let digits = display_digits(&e.display_number);
        let shown = format!("+{digits} ({pnid})");
        let alias = e.alias.as_deref().map(str::trim).filter(|a| !a.is_empty());
        let token = e
            .access_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if !is_meta_id(pnid) {
            report.warnings.push(format!(
                "{}: {pnid} is not an id Meta issued; webhooks cannot reach +{digits} until the \
                 file has its real phone number id",
                e.label(i)
            ));
        }
        if token.is_none() {
            report.warnings.push(format!(
                "{}: no accessToken, so +{digits} can receive but not send",
                e.label(i)
            ));
        }
        if !e.is_active {
            report.inactive.push(shown.clone());
        }
        let mut found = existing(conn, &format!("{SELECT} WHERE phone_number_id = ?1"), pnid)?;
        let mut corrected = false;
        if found.is_none() && is_meta_id(pnid) {
            // Stored earlier under an invented id, known by its display number: same number.
            let invented = existing(
                conn,
                &format!("{SELECT} WHERE display_phone = ?1 ORDER BY id"),
                &digits,
            )?
            .filter(|n| !is_meta_id(&n.phone_number_id));
            if let Some(n) = invented {
                report
                    .corrected
                    .push(format!("+{digits}: {} → {pnid}", n.phone_number_id));
                conn.execute(
                    "UPDATE numbers SET phone_number_id = ?2, updated_at = ?3 WHERE id = ?1",
                    params![n.id, pnid, now],
                )?;
                found = Some(Existing {
                    phone_number_id: pnid.to_string(),
                    ..n
                });
                corrected = true;
            }
        }
        match found {
            Some(n) if n.tenant_id != tenant_id => report.warnings.push(format!(
                "{}: +{digits} belongs to another tenant; left there",
                e.label(i)
            )),
            Some(n) => {
                super::business::set_business_id(conn, n.id, e.business_id.as_deref())?;
                let same_token = match (token, &n.token_sealed) {
                    (None, _) => true, // a file without a token keeps the stored one
                    (Some(t), Some(sealed)) => (sealing.open)(sealed).as_deref() == Some(t),
                    (Some(_), None) => false,
                };
                let same = n.waba_id == e.waba_id.trim()
                    && n.display_phone == digits
                    && n.alias.as_deref() == alias
                    && n.active == e.is_active
                    && same_token;
                if same {
                    if !corrected {
                        report.unchanged += 1;
                    }
                    continue;
                }
                let sealed = match (token, same_token) {
                    (Some(t), false) => Some((sealing.seal)(t)?),
                    _ => n.token_sealed.clone(),
                };
                conn.execute(
                    "UPDATE numbers SET waba_id = ?2, display_phone = ?3, alias = ?4, active = ?5,
                         access_token_sealed = ?6, updated_at = ?7 WHERE id = ?1",
                    params![
                        n.id,
                        e.waba_id.trim(),
                        digits,
                        alias,
                        e.is_active,
                        sealed,
                        now
                    ],
                )?;
                if !corrected {
                    report.updated.push(shown);
                }
            }
            None => {
                let sealed = token.map(|t| (sealing.seal)(t)).transpose()?;
                conn.execute(
                    "INSERT INTO numbers (tenant_id, phone_number_id, waba_id, display_phone,
                         connection, access_token_sealed, created_at, active, alias, updated_at)
                     VALUES (?1, ?2, ?3, ?4, 'dedicated', ?5, ?6, ?7, ?8, ?6)",
                    params![
                        tenant_id,
                        pnid,
                        e.waba_id.trim(),
                        digits,
                        sealed,
                        e.created_at.map(|ms| ms / 1000).unwrap_or(now),
                        e.is_active,
                        alias
                    ],
                )
                .map_err(|err| match err {
                    crate::db::Error::Sqlite(_) | crate::db::Error::Postgres(_) => {
                        StoreError::Invalid(wabox_protocol::ErrorCode::SyncRowNotStored {
                            label: e.label(i).to_string(),
                            digits: digits.to_string(),
                            detail: err.to_string(),
                        })
                    }
                    other => other.into(),
                })?;
                let id = conn.last_insert_rowid()?;
                super::business::set_business_id(conn, id, e.business_id.as_deref())?;
                report.added.push(shown);
            }
        }
    }
    if !report.added.is_empty() || !report.updated.is_empty() || !report.corrected.is_empty() {
        events.push(StoreEvent::DirectoryChanged);
    }
    report.without_queue = orphans(conn, &Scope::Tenant(tenant_id))?;
    Ok(report)
}

/// Routes the file's numbers that no queue receives yet to `queue` (made if the tenant has no
/// queue of that name); numbers already routed keep their queue.
pub fn assign_to_queue(
    conn: &Connection,
    tenant_id: i64,
    entries: &[ConnectionEntry],
    queue: &str,
    now: i64,
    report: &mut SyncReport,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM queues WHERE tenant_id = ?1 AND name = ?2)",
        params![tenant_id, queue.trim()],
        |r| r.get(0),
    )?;
    if !exists {
        super::queues::add_queue(conn, tenant_id, queue, false, now)?;
    }
    for e in entries {
        let pnid = e.phone_number_id.trim();
        let unrouted: Option<String> = conn
            .query_row(
                "SELECT display_phone FROM numbers
                 WHERE phone_number_id = ?1 AND tenant_id = ?2 AND queue_id IS NULL",
                params![pnid, tenant_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(display) = unrouted {
            super::queues::assign_number(conn, pnid, queue.trim(), events)?;
            report.assigned.push(format!("+{display} ({pnid})"));
        }
    }
    report.queue = Some(queue.trim().to_string());
    report.without_queue = orphans(conn, &Scope::Tenant(tenant_id))?;
    Ok(())
}
