//! A batch's customers looked up before it is applied, in one statement (PostgreSQL), instead
//! of one lookup a message: after the messages themselves were stored a batch at a time
//! (`apply::together`), the lookup was the statement left for each one.
//!
//! What was looked up ahead is used only while it must still be what a lookup would find: once
//! for each id (a second sighting of an id, or of a contact seen already in the batch, looks
//! again, since the first may have made, named or paired that contact), and not at all once
//! anything in the batch paired or merged contacts, or did anything but resolve a customer's
//! message (`spoil`).
//!
//! The customers nobody here knows are made ahead too, in one statement, each the way its
//! first message would make it (its ids, its profile's name), instead of one insert each: new
//! customers were the statement a batch ran most (44,000 of 100,000 messages in
//! `wabox bench ingest`). A customer is made ahead only when no other message of the batch
//! names one of its ids with others (a number and a BSUID paired by one message, alone by
//! another): those are made one at a time, as the pairing rules decide.

use super::{Found, Ids};
use crate::Result;
use crate::db::Connection;
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

/// What a lookup is asked: tenant, ids, when, and the number whose conversation it brings.
type Key = (i64, Option<String>, Option<String>, i64, Option<i64>);

fn key(tenant_id: i64, ids: &Ids, at: i64, number_id: Option<i64>) -> Key {
    (
        tenant_id,
        ids.wa_id.as_ref().map(|w| w.0.clone()),
        ids.user_id.as_ref().map(|u| u.0.clone()),
        at,
        number_id,
    )
}

/// One customer a batch will look up: tenant, ids, when, the number written to, and the
/// profile the message gives (what a customer made ahead is named).
pub struct Wanted {
    pub tenant_id: i64,
    pub ids: Ids,
    pub at: i64,
    pub number_id: i64,
    pub name: Option<String>,
    pub username: Option<String>,
}

/// A customer made ahead: tenant and ids.
type Made = (i64, Option<String>, Option<String>);

fn made_of(tenant_id: i64, ids: &Ids) -> Made {
    (
        tenant_id,
        ids.wa_id.as_ref().map(|w| w.0.clone()),
        ids.user_id.as_ref().map(|u| u.0.clone()),
    )
}

#[derive(Default)]
pub struct LookAhead {
    found: RefCell<HashMap<Key, Found>>,
    /// The contacts made ahead, until their first message takes them.
    made: RefCell<HashMap<Made, i64>>,
    /// Ids (tenant, whether a phone number, value) a lookup of the batch named or found.
    seen: RefCell<HashSet<(i64, bool, String)>>,
    spoilt: Cell<bool>,
}

impl LookAhead {
    /// Looks every wanted customer up in one statement, and makes those nobody knows in
    /// another.
    pub fn look(conn: &Connection, wanted: &[Wanted], now: i64) -> Result<LookAhead> {
        let ahead = LookAhead::default();
        let keys: Vec<Key> = (wanted.iter())
            .filter(|w| w.ids.wa_id.is_some() || w.ids.user_id.is_some())
            .map(|w| key(w.tenant_id, &w.ids, w.at, Some(w.number_id)))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if keys.is_empty() {
            return Ok(ahead);
        }
        let rows: Vec<_> = (keys.iter().enumerate())
            .map(|(n, (tenant, wa_id, user_id, at, number))| {
                json!({"n": n, "tenant_id": tenant, "wa_id": wa_id, "user_id": user_id,
                       "at": at, "number_id": number})
            })
            .collect();
        let rows = serde_json::to_string(&rows).map_err(crate::StoreError::invalid)?;
        let mut found: Vec<Found> = keys.iter().map(|_| Found::default()).collect();
        let mut stmt = conn.prepare_cached(LOOK_AHEAD)?;
        let looked = stmt.query_map([rows], |r| {
            let (by_wa, contact) = super::found_contact(r, 1)?;
            Ok((r.get::<_, i64>(0)? as usize, by_wa, contact))
        })?;
        for row in looked {
            let (n, by_wa, contact) = row?;
            if let Some(f) = found.get_mut(n) {
                f.keep(by_wa, contact);
            }
        }
        // Unknown at every time its messages were sent: a former number is someone's only
        // for what was sent before it changed.
        let (mut unknown, mut known) = (HashSet::new(), HashSet::new());
        for ((tenant, wa_id, user_id, ..), f) in keys.iter().zip(&found) {
            let made: Made = (*tenant, wa_id.clone(), user_id.clone());
            match f.by_wa.is_none() && f.by_user.is_none() {
                true => unknown.insert(made),
                false => known.insert(made),
            };
        }
        unknown.retain(|m| !known.contains(m));
        *ahead.found.borrow_mut() = keys.into_iter().zip(found).collect();
        *ahead.made.borrow_mut() = make(conn, wanted, &unknown, now)?;
        Ok(ahead)
    }

    /// The contact made ahead for these ids, for the first message that names them while
    /// what was looked up ahead still holds. Once it does not, the contact is found as any
    /// other (it is in the store).
    pub(super) fn take_made(&self, tenant_id: i64, ids: &Ids) -> Option<i64> {
        if self.spoilt.get() || self.seen_any(tenant_id, ids) {
            return None;
        }
        let id = self.made.borrow_mut().remove(&made_of(tenant_id, ids))?;
        self.saw(tenant_id, ids, &Found::default());
        Some(id)
    }

    /// From now on nothing looked up ahead is used: the batch did something that may change
    /// what a lookup finds.
    pub fn spoil(&self) {
        self.spoilt.set(true);
    }

    /// What the lookup of these ids found ahead, if it still holds.
    pub(super) fn take(
        &self,
        tenant_id: i64,
        ids: &Ids,
        at: i64,
        number_id: Option<i64>,
    ) -> Option<Found> {
        if self.spoilt.get() || self.seen_any(tenant_id, ids) {
            return None;
        }
        (self.found.borrow_mut()).remove(&key(tenant_id, ids, at, number_id))
    }

    /// Notes the ids a lookup named and those of the contacts it found.
    pub(super) fn saw(&self, tenant_id: i64, ids: &Ids, found: &Found) {
        let mut seen = self.seen.borrow_mut();
        let contacts = [&found.by_wa, &found.by_user];
        let all = std::iter::once(ids).chain(contacts.into_iter().flatten().map(|c| &c.known.ids));
        for ids in all {
            if let Some(w) = &ids.wa_id {
                seen.insert((tenant_id, true, w.0.clone()));
            }
            if let Some(u) = &ids.user_id {
                seen.insert((tenant_id, false, u.0.clone()));
            }
        }
    }

    fn seen_any(&self, tenant_id: i64, ids: &Ids) -> bool {
        let seen = self.seen.borrow();
        ids.wa_id
            .as_ref()
            .is_some_and(|w| seen.contains(&(tenant_id, true, w.0.clone())))
            || ids
                .user_id
                .as_ref()
                .is_some_and(|u| seen.contains(&(tenant_id, false, u.0.clone())))
    }
}

/// Makes, in one statement, the customers of `unknown` that no other message of the batch
/// names with other ids, each as its first message names it; returns each one's id.
fn make(
    conn: &Connection,
    wanted: &[Wanted],
    unknown: &HashSet<Made>,
    now: i64,
) -> Result<HashMap<Made, i64>> {
    if unknown.is_empty() {
        return Ok(HashMap::new());
    }
    let customers: Vec<Made> = (wanted.iter())
        .map(|w| made_of(w.tenant_id, &w.ids))
        .collect();
    // Each id (tenant, whether a number, value) and the customers (ids together) naming it.
    let mut naming: HashMap<(i64, bool, &str), HashSet<&Made>> = HashMap::new();
    for m in &customers {
        for (is_number, id) in [(true, &m.1), (false, &m.2)] {
            if let Some(id) = id {
                naming.entry((m.0, is_number, id)).or_default().insert(m);
            }
        }
    }
    let alone = |m: &Made| {
        [(true, &m.1), (false, &m.2)]
            .into_iter()
            .all(|(is_number, id)| {
                id.as_deref().is_none_or(|id| {
                    naming
                        .get(&(m.0, is_number, id))
                        .is_some_and(|s| s.len() == 1)
                })
            })
    };
    // In the batch's order, each with its first message's profile.
    let mut rows = Vec::new();
    let mut chosen = HashSet::new();
    for (w, m) in wanted.iter().zip(&customers) {
        if unknown.contains(m) && alone(m) && chosen.insert(m) {
            rows.push(
                json!({"n": rows.len(), "tenant_id": m.0, "wa_id": m.1, "user_id": m.2,
                             "name": w.name, "username": w.username}),
            );
        }
    }
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = serde_json::to_string(&rows).map_err(crate::StoreError::invalid)?;
    let mut stmt = conn.prepare_cached(MAKE_AHEAD)?;
    let made = stmt.query_map(crate::db::params![rows, now], |r| {
        Ok(((r.get(1)?, r.get(2)?, r.get(3)?), r.get(0)?))
    })?;
    Ok(made.collect::<crate::db::Result<_>>()?)
}

/// The batch's new customers (?1: a JSON array numbered `n`, in the batch's order), as
/// `identity::resolve` makes one.
const MAKE_AHEAD: &str = "INSERT INTO contacts (tenant_id, wa_id, user_id, name, username,
                                                created_at, updated_at)
    SELECT k.tenant_id, k.wa_id, k.user_id, k.name, k.username, CAST(?2 AS BIGINT), CAST(?2 AS BIGINT)
    FROM json_to_recordset(CAST(CAST(?1 AS TEXT) AS json))
        AS k(n BIGINT, tenant_id BIGINT, wa_id TEXT, user_id TEXT, name TEXT, username TEXT)
    ORDER BY k.n
    RETURNING id, tenant_id, wa_id, user_id";

/// `find`'s four arms for each of a batch's customers (?1: a JSON array of keys numbered `n`).
const LOOK_AHEAD: &str = "WITH k AS (
        SELECT * FROM json_to_recordset(CAST(CAST(?1 AS TEXT) AS json))
            AS k(n BIGINT, tenant_id BIGINT, wa_id TEXT, user_id TEXT, at BIGINT,
                 number_id BIGINT))
    SELECT k.n, x.* FROM k CROSS JOIN LATERAL (
        SELECT 'wa_id' AS by, 1 AS former, c.id, c.wa_id, c.user_id, c.name, c.username,
               (SELECT v.id FROM conversations v
                WHERE v.number_id = k.number_id AND v.contact_id = c.id) AS conversation
        FROM contact_former_ids f JOIN contacts c ON c.id = f.contact_id
        WHERE f.tenant_id = k.tenant_id AND f.kind = 'wa_id' AND f.value = k.wa_id
          AND k.at <= f.until
        UNION ALL
        SELECT 'user_id', 1, c.id, c.wa_id, c.user_id, c.name, c.username,
               (SELECT v.id FROM conversations v
                WHERE v.number_id = k.number_id AND v.contact_id = c.id)
        FROM contact_former_ids f JOIN contacts c ON c.id = f.contact_id
        WHERE f.tenant_id = k.tenant_id AND f.kind = 'user_id' AND f.value = k.user_id
        UNION ALL
        SELECT 'wa_id', 0, c.id, c.wa_id, c.user_id, c.name, c.username,
               (SELECT v.id FROM conversations v
                WHERE v.number_id = k.number_id AND v.contact_id = c.id)
        FROM contacts c WHERE c.tenant_id = k.tenant_id AND c.wa_id = k.wa_id
        UNION ALL
        SELECT 'user_id', 0, c.id, c.wa_id, c.user_id, c.name, c.username,
               (SELECT v.id FROM conversations v
                WHERE v.number_id = k.number_id AND v.contact_id = c.id)
        FROM contacts c WHERE c.tenant_id = k.tenant_id AND c.user_id = k.user_id) x";
