//! Keeps one person one contact: finds the contact a message, echo or status names, pairs its
//! phone number with its BSUID when Meta gives both, folds two contacts into one when a pairing
//! shows they are the same person, and moves a contact to its new id when a `system` message
//! says it changed. The rules are pure (`domain::identity`); this runs them inside the caller's
//! transaction, so a merge is all or nothing, and every step is idempotent.

use super::{Result, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
use wabox_domain::delivery::{ContactProfile, CustomerKey, StatusReport, customer_key_from_id};
use wabox_domain::identity::{
    ChangeKind, IdentityChange, Ids, Known, Pairing, after_change, merged_state, pair,
};
use wabox_domain::{Bsuid, WaId};

mod ahead;
mod merge;
pub use ahead::{LookAhead, Wanted};
use merge::merge_pair;

/// Who the customer is, as one message, echo or status names them.
#[derive(Debug, Clone, Default)]
pub struct Sighting {
    pub ids: Ids,
    pub name: Option<String>,
    pub username: Option<String>,
    /// When Meta says it happened: a message from a former id counts only if it is older than
    /// the change.
    pub at: i64,
}

/// Who wrote a timeline event that wabox records because WhatsApp said so.
const ACTOR: &str = "whatsapp";

/// A contact as `resolve` found or made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub id: i64,
    /// Made just now: it has no conversation yet.
    pub created: bool,
    /// Its conversation with the number the caller asked about, found with the contact (a
    /// round trip less a message on PostgreSQL). None when it has none, and after a merge,
    /// which may have moved conversations.
    pub conversation: Option<i64>,
}

/// The contact the sighting names, created if nobody here knows either id, and its
/// conversation with `number_id` if it has one.
pub fn resolve(
    conn: &Connection,
    tenant_id: i64,
    s: &Sighting,
    number_id: i64,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<Resolved> {
    resolve_ahead(conn, None, tenant_id, s, number_id, now, events)
}

/// `resolve`, with what its batch looked up (or made) ahead (`LookAhead`).
pub fn resolve_ahead(
    conn: &Connection,
    ahead: Option<&LookAhead>,
    tenant_id: i64,
    s: &Sighting,
    number_id: i64,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<Resolved> {
    if let Some(id) = ahead.and_then(|a| a.take_made(tenant_id, &s.ids)) {
        return Ok(Resolved {
            id,
            created: true,
            conversation: None,
        });
    }
    let paired = pair_on(conn, ahead, tenant_id, s, Some(number_id), now, events)?;
    if let Some((id, conversation)) = paired {
        return Ok(Resolved {
            id,
            created: false,
            conversation,
        });
    }
    let id = conn.prepare_cached(
        "INSERT INTO contacts (tenant_id, wa_id, user_id, name, username, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         RETURNING id",
    )?
    .query_row(params![
        tenant_id,
        s.ids.wa_id.as_ref().map(WaId::as_str),
        s.ids.user_id.as_ref().map(Bsuid::as_str),
        s.name,
        s.username,
        now
    ],
    |r| r.get(0))?;
    Ok(Resolved {
        id,
        created: true,
        conversation: None,
    })
}

/// Pairs the ids of a sighting on the contacts that hold them (filling a missing id, or merging
/// two contacts of one person) and keeps the profile up to date; creates nobody. Statuses use
/// this: they are the one place Meta pairs a phone number with its BSUID.
pub fn pair_known(
    conn: &Connection,
    tenant_id: i64,
    s: &Sighting,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<Option<i64>> {
    Ok(pair_on(conn, None, tenant_id, s, None, now, events)?.map(|(id, _)| id))
}

/// `pair_known`, and the contact's conversation with `number_id` if asked and not merged.
fn pair_on(
    conn: &Connection,
    ahead: Option<&LookAhead>,
    tenant_id: i64,
    s: &Sighting,
    number_id: Option<i64>,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<Option<(i64, Option<i64>)>> {
    let looked_ahead = ahead.and_then(|a| a.take(tenant_id, &s.ids, s.at, number_id));
    let found = match looked_ahead {
        Some(found) => found,
        None => find(conn, tenant_id, &s.ids, s.at, number_id)?,
    };
    if let Some(a) = ahead {
        a.saw(tenant_id, &s.ids, &found);
    }
    let by_wa = found.by_wa.as_ref().map(|c| &c.known);
    let by_user = found.by_user.as_ref().map(|c| &c.known);
    let mut merged = false;
    let id = match pair(&s.ids, by_wa, by_user) {
        Pairing::Unknown => return Ok(None),
        Pairing::Contact { id, fill } => {
            if fill != Ids::default() {
                // Another lookup of the batch may have found the contact without the id.
                ahead.inspect(|a| a.spoil());
                conn.prepare_cached(
                    "UPDATE contacts SET wa_id = coalesce(wa_id, ?2), user_id = coalesce(user_id, ?3),
                                         updated_at = ?4 WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    fill.wa_id.as_ref().map(WaId::as_str),
                    fill.user_id.as_ref().map(Bsuid::as_str),
                    now
                ])?;
            }
            id
        }
        Pairing::Merge {
            survivor,
            loser,
            ids,
        } => {
            let mut x = survivor;
            merged = true;
            ahead.inspect(|a| a.spoil());
            merge_pair(conn, &mut x, loser, now, events)?;
            set_ids(conn, x, &ids, now)?;
            x
        }
    };
    let conversation = match merged {
        true => None,
        false => found.conversation_of(id),
    };
    if !merged && found.profile_unchanged(id, s) {
        // Most sightings: the name the contact has already (one statement fewer a delivery).
        return Ok(Some((id, conversation)));
    }
    conn.prepare_cached(
        "UPDATE contacts SET name = coalesce(?2, name), username = coalesce(?3, username),
                             updated_at = ?4
         WHERE id = ?1 AND (name IS DISTINCT FROM coalesce(?2, name)
                            OR username IS DISTINCT FROM coalesce(?3, username))",
    )?
    .execute(params![id, s.name, s.username, now])?;
    Ok(Some((id, conversation)))
}

/// Applies a change of id that a `system` message of `contact_id` reports: the contact (its
/// conversations, their history and window) moves to the new id, and one already on the new id
/// (the customer wrote from the new number first) is folded into it. The old id is kept as a
/// former id, so a late message sent from it before the change still lands here. Called only
/// when the system message is stored for the first time, so a repeated delivery changes nothing.
pub fn apply_change(
    conn: &Connection,
    tenant_id: i64,
    contact_id: i64,
    change: &IdentityChange,
    at: i64,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    // The contact that holds the previous BSUID is the one that changes, when Meta names it.
    let mut x = match &change.previous_user_id {
        Some(prev) => holder(conn, tenant_id, IdKind::UserId, prev.as_str())?.unwrap_or(contact_id),
        None => contact_id,
    };
    if x != contact_id {
        // The system message was filed under a contact of its own (made from the new id): it is
        // the same person.
        merge_pair(conn, &mut x, contact_id, now, events)?;
    }
    let current = ids_of(conn, x)?;
    let new_holder = match change.kind {
        ChangeKind::Number => match &change.new_wa_id {
            Some(w) => holder(conn, tenant_id, IdKind::WaId, w.as_str())?,
            None => None,
        },
        ChangeKind::UserId => match &change.new_user_id {
            Some(u) => holder(conn, tenant_id, IdKind::UserId, u.as_str())?,
            None => None,
        },
    }
    .filter(|h| *h != x);
    let on_new = match new_holder {
        Some(h) => Some(ids_of(conn, h)?),
        None => None,
    };
    let target = after_change(&current, on_new.as_ref(), change);
    if target == current && on_new.is_none() {
        return Ok(());
    }
    if let Some(h) = new_holder {
        merge_pair(conn, &mut x, h, now, events)?;
    }
    // Another contact may still hold the other new id (Meta named a new BSUID with the number).
    for (kind, value) in [
        (IdKind::WaId, target.wa_id.as_ref().map(WaId::as_str)),
        (IdKind::UserId, target.user_id.as_ref().map(Bsuid::as_str)),
    ] {
        if let Some(v) = value
            && let Some(h) = holder(conn, tenant_id, kind, v)?.filter(|h| *h != x)
        {
            merge_pair(conn, &mut x, h, now, events)?;
        }
    }
    set_ids(conn, x, &target, now)?;
    for (kind, old, new) in [
        (
            IdKind::WaId,
            current.wa_id.as_ref().map(WaId::as_str),
            target.wa_id.as_ref().map(WaId::as_str),
        ),
        (
            IdKind::UserId,
            current.user_id.as_ref().map(Bsuid::as_str),
            target.user_id.as_ref().map(Bsuid::as_str),
        ),
    ] {
        if let Some(old) = old.filter(|o| Some(*o) != new) {
            conn.prepare_cached(
                "INSERT INTO contact_former_ids (tenant_id, kind, value, contact_id, until)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (tenant_id, kind, value) DO UPDATE SET
                    contact_id = excluded.contact_id,
                    until = CASE WHEN contact_former_ids.until > excluded.until
                            THEN contact_former_ids.until ELSE excluded.until END",
            )?
            .execute(params![tenant_id, kind.column(), old, x, at])?;
        }
    }
    let (kind, what) = match change.kind {
        ChangeKind::Number => ("number_changed", "changed number"),
        ChangeKind::UserId => ("user_id_changed", "changed user id"),
    };
    let detail = format!(
        "the customer {what}: from {} to {}; replies go to the new one",
        describe(&current),
        describe(&target)
    );
    timeline(conn, x, kind, &detail, at, events)
}

#[derive(Debug, Clone, Copy)]
enum IdKind {
    WaId,
    UserId,
}

impl IdKind {
    fn column(self) -> &'static str {
        match self {
            IdKind::WaId => "wa_id",
            IdKind::UserId => "user_id",
        }
    }
}

/// Both ids, for the timeline: `+591… (BO.77…)`.
fn describe(ids: &Ids) -> String {
    match (&ids.wa_id, &ids.user_id) {
        (Some(w), Some(u)) => format!("+{w} ({u})"),
        _ => ids.shown(),
    }
}

/// The contacts a sighting's two ids name at time `at`, with the profile each has now. For each
/// id: one that held it before a change first (a late message from the old number), else the
/// one that holds it now. A former phone number counts only for what was sent before the change
/// (Meta gives a number up to someone else later); a former BSUID always does, as no one else is
/// ever given it.
///
/// One statement for both ids, former and current: this runs for every message and status, and
/// the four lookups it was cost four round trips on PostgreSQL.
///
/// With `number_id`, each contact comes with its conversation with that number, if any. Each
/// arm reads its contact through an index and the conversation through the unique (number,
/// contact): joining the four arms' ids to `contacts` once instead gave PostgreSQL a generic
/// plan that read contacts whole, 0.8 ms a call against 0.02.
fn find(
    conn: &Connection,
    tenant_id: i64,
    ids: &Ids,
    at: i64,
    number_id: Option<i64>,
) -> Result<Found> {
    let mut found = Found::default();
    if ids.wa_id.is_none() && ids.user_id.is_none() {
        return Ok(found);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT 'wa_id', 1, c.id, c.wa_id, c.user_id, c.name, c.username,
                (SELECT v.id FROM conversations v WHERE v.number_id = ?5 AND v.contact_id = c.id)
         FROM contact_former_ids f JOIN contacts c ON c.id = f.contact_id
         WHERE f.tenant_id = ?1 AND f.kind = 'wa_id' AND f.value = ?2 AND ?4 <= f.until
         UNION ALL
         SELECT 'user_id', 1, c.id, c.wa_id, c.user_id, c.name, c.username,
                (SELECT v.id FROM conversations v WHERE v.number_id = ?5 AND v.contact_id = c.id)
         FROM contact_former_ids f JOIN contacts c ON c.id = f.contact_id
         WHERE f.tenant_id = ?1 AND f.kind = 'user_id' AND f.value = ?3
         UNION ALL
         SELECT 'wa_id', 0, c.id, c.wa_id, c.user_id, c.name, c.username,
                (SELECT v.id FROM conversations v WHERE v.number_id = ?5 AND v.contact_id = c.id)
         FROM contacts c WHERE c.tenant_id = ?1 AND c.wa_id = ?2
         UNION ALL
         SELECT 'user_id', 0, c.id, c.wa_id, c.user_id, c.name, c.username,
                (SELECT v.id FROM conversations v WHERE v.number_id = ?5 AND v.contact_id = c.id)
         FROM contacts c WHERE c.tenant_id = ?1 AND c.user_id = ?3",
    )?;
    let rows = stmt.query_map(
        params![
            tenant_id,
            ids.wa_id.as_ref().map(WaId::as_str),
            ids.user_id.as_ref().map(Bsuid::as_str),
            at,
            number_id
        ],
        |r| found_contact(r, 0),
    )?;
    for row in rows {
        let (by_wa, contact) = row?;
        found.keep(by_wa, contact);
    }
    Ok(found)
}

/// A row of `find`'s arms from column `at` on: whether found by the phone number, and the
/// contact.
fn found_contact(r: &crate::db::Row, at: usize) -> crate::db::Result<(bool, FoundContact)> {
    Ok((
        r.get::<_, String>(at)? == "wa_id",
        FoundContact {
            known: Known {
                id: r.get(at + 2)?,
                ids: Ids {
                    wa_id: r.get::<_, Option<String>>(at + 3)?.map(WaId),
                    user_id: r.get::<_, Option<String>>(at + 4)?.map(Bsuid),
                },
                former: r.get::<_, i64>(at + 1)? == 1,
            },
            name: r.get(at + 5)?,
            username: r.get(at + 6)?,
            conversation: r.get(at + 7)?,
        },
    ))
}

/// What `find` found for each id of a sighting.
#[derive(Default)]
struct Found {
    by_wa: Option<FoundContact>,
    by_user: Option<FoundContact>,
}

struct FoundContact {
    known: Known,
    name: Option<String>,
    username: Option<String>,
    /// Its conversation with the number `find` was asked about.
    conversation: Option<i64>,
}

impl Found {
    /// Keeps a contact found by the phone number (`by_wa`) or the BSUID.
    fn keep(&mut self, by_wa: bool, contact: FoundContact) {
        let slot = if by_wa {
            &mut self.by_wa
        } else {
            &mut self.by_user
        };
        // A former holder goes first; the current one counts only without it.
        if slot.as_ref().is_none_or(|held| !held.known.former) {
            *slot = Some(contact);
        }
    }

    /// Contact `id`'s conversation with the number asked about.
    fn conversation_of(&self, id: i64) -> Option<i64> {
        [&self.by_wa, &self.by_user]
            .into_iter()
            .flatten()
            .find(|c| c.known.id == id)
            .and_then(|c| c.conversation)
    }

    /// Whether the sighting's profile would change nothing on contact `id`.
    fn profile_unchanged(&self, id: i64, s: &Sighting) -> bool {
        [&self.by_wa, &self.by_user]
            .into_iter()
            .flatten()
            .find(|c| c.known.id == id)
            .is_some_and(|c| {
                (s.name.is_none() || s.name == c.name)
                    && (s.username.is_none() || s.username == c.username)
            })
    }
}

/// The contact that holds an id now.
fn holder(conn: &Connection, tenant_id: i64, kind: IdKind, value: &str) -> Result<Option<i64>> {
    let sql = match kind {
        IdKind::WaId => "SELECT id FROM contacts WHERE tenant_id = ?1 AND wa_id = ?2",
        IdKind::UserId => "SELECT id FROM contacts WHERE tenant_id = ?1 AND user_id = ?2",
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![tenant_id, value], |r| r.get(0))
        .optional()?)
}

fn ids_of(conn: &Connection, contact_id: i64) -> Result<Ids> {
    Ok(conn
        .prepare_cached("SELECT wa_id, user_id FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |r| {
            Ok(Ids {
                wa_id: r.get::<_, Option<String>>(0)?.map(WaId),
                user_id: r.get::<_, Option<String>>(1)?.map(Bsuid),
            })
        })?)
}

fn set_ids(conn: &Connection, contact_id: i64, ids: &Ids, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE contacts SET wa_id = ?2, user_id = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![
        contact_id,
        ids.wa_id.as_ref().map(WaId::as_str),
        ids.user_id.as_ref().map(Bsuid::as_str),
        now
    ])?;
    Ok(())
}

/// A line in the timeline of every conversation of the contact, at `at`.
fn timeline(
    conn: &Connection,
    contact_id: i64,
    kind: &str,
    detail: &str,
    at: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let conversations: Vec<i64> = conn
        .prepare_cached("SELECT id FROM conversations WHERE contact_id = ?1 ORDER BY id")?
        .query_map([contact_id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    for conversation_id in conversations {
        conn.prepare_cached(
            "INSERT INTO conversation_events (conversation_id, at, actor, kind, detail)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![conversation_id, at, ACTOR, kind, detail])?;
        events.push(StoreEvent::ConversationChanged { conversation_id });
    }
    Ok(())
}

/// Whether a `contacts[]` entry is about the customer `key` names (shares an id with it).
pub fn names(profile: &ContactProfile, key: &CustomerKey) -> bool {
    (key.wa_id.is_some() && profile.wa_id == key.wa_id)
        || (key.user_id.is_some() && profile.user_id == key.user_id)
}

/// Who a message or echo names: its own ids, completed by its `contacts[]` entry (Meta puts the
/// phone number and the BSUID side by side there). An entry that shares no id with the message
/// (the only one of a delivery, taken for its name) lends no ids: pairing the wrong two ids
/// would merge two people.
pub fn sighting(key: &CustomerKey, profile: Option<&ContactProfile>, at: i64) -> Sighting {
    let paired = profile.filter(|p| names(p, key));
    Sighting {
        ids: Ids {
            wa_id: key
                .wa_id
                .clone()
                .or_else(|| paired.and_then(|p| p.wa_id.clone())),
            user_id: key
                .user_id
                .clone()
                .or_else(|| paired.and_then(|p| p.user_id.clone())),
        },
        name: profile.and_then(|p| p.name.clone()),
        username: profile.and_then(|p| p.username.clone()),
        at,
    }
}

/// A status pairs the recipient's phone number (`recipient_id`) with their BSUID
/// (`recipient_user_id`, or `contacts[].user_id`): kept on the contacts that hold them.
pub fn pair_from_status(
    conn: &Connection,
    tenant_id: i64,
    s: &StatusReport,
    profiles: &[ContactProfile],
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let key = match s.recipient_id.as_deref() {
        Some(id) => customer_key_from_id(id),
        None => CustomerKey {
            wa_id: None,
            user_id: None,
        },
    };
    let key = CustomerKey {
        user_id: key.user_id.or_else(|| s.recipient_user_id.clone()),
        ..key
    };
    // Only the entry about this recipient: statuses of several recipients come in one delivery.
    let profile = profiles.iter().find(|p| names(p, &key));
    let seen = sighting(&key, profile, s.at);
    if seen.ids.wa_id.is_none() && seen.ids.user_id.is_none() {
        return Ok(());
    }
    pair_known(conn, tenant_id, &seen, now, events)?;
    Ok(())
}

/// Applies the change of id a `system` message (`payload` is its `system` object) reports, if
/// it reports one.
pub fn apply_system(
    conn: &Connection,
    tenant_id: i64,
    contact_id: i64,
    payload: &serde_json::Value,
    at: i64,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    match wabox_domain::identity::identity_change(payload) {
        Some(change) => apply_change(conn, tenant_id, contact_id, &change, at, now, events),
        None => Ok(()),
    }
}
