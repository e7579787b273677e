//! Browser signups (Meta's Embedded Signup, Kapso setup links): created with a random state
//! (looked up by its SHA-256), consumed once by the callback, then carried to a connected number
//! or a failure the admin can read.

use super::scope::Scope;
use super::{Result, StoreError};
use crate::db::{Connection, OptionalExtension, params};
use crate::words::RowWords;
use sha2::{Digest, Sha256};
use wabox_domain::signup::{StateRecord, StateRefusal, admit};
use wabox_protocol::{SignupCandidate, SignupStatus, SignupView};

/// A fresh state for a signup link: 32 random bytes, URL-safe.
pub fn fresh_state() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A short code for `/c/{code}`: 12 characters of base62, about 71 bits.
pub fn fresh_short_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn state_hash(state: &str) -> Vec<u8> {
    Sha256::digest(state.as_bytes()).to_vec()
}

pub struct NewSignup<'a> {
    pub tenant_id: i64,
    pub path: &'a str,
    pub state: &'a str,
    pub created_by: &'a str,
    pub expires_at: i64,
    pub url: &'a str,
    pub short_code: &'a str,
    pub coexistence: bool,
    pub queue: Option<&'a str>,
    pub kapso_link_id: Option<&'a str>,
    /// The path and its choices (`SignupPath` as JSON), to make the same link again.
    pub options: &'a str,
}

pub fn create(conn: &Connection, new: &NewSignup<'_>, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO signups (tenant_id, path, state_sha256, created_by, created_at, expires_at,
                              url, coexistence, queue, kapso_link_id, options, short_code)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            new.tenant_id,
            new.path,
            state_hash(new.state),
            new.created_by,
            now,
            new.expires_at,
            new.url,
            new.coexistence,
            new.queue,
            new.kapso_link_id,
            new.options,
            new.short_code,
        ],
    )?;
    Ok(conn.last_insert_rowid()?)
}

/// The signup a callback's state names, if the rule admits it; it is marked used in the same
/// transaction, so a second callback with the same state is refused as used.
pub fn consume_state(
    conn: &Connection,
    state: &str,
    now: i64,
) -> Result<std::result::Result<i64, StateRefusal>> {
    let found: Option<(i64, Option<i64>, i64, String)> = conn
        .query_row(
            "SELECT id, used_at, expires_at, status FROM signups WHERE state_sha256 = ?1",
            [state_hash(state)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let record = found
        .as_ref()
        .map(|(_, used_at, expires_at, status)| StateRecord {
            used_at: *used_at,
            expires_at: *expires_at,
            revoked: status == "revoked",
        });
    if let Err(refusal) = admit(record, now) {
        return Ok(Err(refusal));
    }
    let id = found.map(|f| f.0).unwrap_or_default();
    // Only if still unused: on PostgreSQL another engine may have consumed it since it was read
    // (SQLite's one writer cannot have).
    let consumed = conn.execute(
        "UPDATE signups SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
        params![id, now],
    )?;
    if consumed == 0 {
        return Ok(Err(StateRefusal::Used));
    }
    Ok(Ok(id))
}

/// The business token arrived; the admin picks among `candidates`. `finishing_at`: the engine
/// connects the number itself (a single one on the Business app), claimed in the same write, so
/// that nobody else sees it to pick meanwhile.
pub fn token_received(
    conn: &Connection,
    id: i64,
    token_sealed: &[u8],
    token_expires_at: Option<i64>,
    candidates: &[SignupCandidate],
    finishing_at: Option<i64>,
) -> Result<()> {
    let json = serde_json::to_string(candidates)
        .map_err(|e| StoreError::invalid(format!("candidates: {e}")))?;
    conn.execute(
        "UPDATE signups SET status = 'choose', token_sealed = ?2, token_expires_at = ?3,
                            candidates = ?4, finishing_at = ?5
         WHERE id = ?1",
        params![id, token_sealed, token_expires_at, json, finishing_at],
    )?;
    Ok(())
}

/// A finish still under way this long after it was claimed was given up by its finisher (an
/// engine that died in it: a finish takes seconds, Meta's PIN check and the number's first
/// look): the number may be picked again.
pub const FINISH_ABANDONED_AFTER: i64 = 300;

/// Claims a signup whose number is to be picked, for one finisher: false if it is not to be
/// picked, or another finisher has it (and has not abandoned it).
pub fn claim_finish(conn: &Connection, id: i64, now: i64) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE signups SET finishing_at = ?2
         WHERE id = ?1 AND status = 'choose'
           AND (finishing_at IS NULL OR finishing_at <= ?3)",
        params![id, now, now - FINISH_ABANDONED_AFTER],
    )? == 1)
}

/// The finisher failed (a PIN refused, Meta unreachable): the number may be picked again.
pub fn finish_failed(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE signups SET finishing_at = NULL WHERE id = ?1 AND status = 'choose'",
        [id],
    )?;
    Ok(())
}

/// Kapso's success: the number is known and nothing is left to pick.
pub fn fail(conn: &Connection, id: i64, error: &str, code: Option<&str>, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE signups SET status = 'failed', error = ?2, error_code = ?3, finished_at = ?4,
                            token_sealed = NULL
         WHERE id = ?1 AND status IN ('waiting', 'choose')",
        params![id, error, code, now],
    )?;
    Ok(())
}

pub fn connected(
    conn: &Connection,
    id: i64,
    report: &wabox_protocol::ConnectReport,
    now: i64,
) -> Result<()> {
    let json =
        serde_json::to_string(report).map_err(|e| StoreError::invalid(format!("report: {e}")))?;
    conn.execute(
        "UPDATE signups SET status = 'connected', number_id = ?2, finished_at = ?3,
                            token_sealed = NULL, report = ?4
         WHERE id = ?1",
        params![id, report.number.id, now, json],
    )?;
    Ok(())
}

pub fn revoke(conn: &Connection, id: i64, now: i64) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE signups SET status = 'revoked', finished_at = ?2, token_sealed = NULL
         WHERE id = ?1 AND status IN ('waiting', 'choose')",
        params![id, now],
    )? > 0)
}

/// The tenant's customer on Kapso, once one was made.
pub fn kapso_customer(conn: &Connection, tenant_id: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT kapso_customer_id FROM tenants WHERE id = ?1",
            [tenant_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

pub fn set_kapso_customer(conn: &Connection, tenant_id: i64, customer_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE tenants SET kapso_customer_id = ?2 WHERE id = ?1",
        params![tenant_id, customer_id],
    )?;
    Ok(())
}

/// Kapso keeps one live setup link per customer: a new one revokes the tenant's older Kapso
/// signups that still wait, here as there. Returns how many.
pub fn supersede_kapso(conn: &Connection, tenant_id: i64, newest: i64, now: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE signups SET status = 'revoked', finished_at = ?3,
                error = 'a newer Kapso setup link replaced this one'
         WHERE tenant_id = ?1 AND id <> ?2 AND path = 'kapso' AND status = 'waiting'",
        params![tenant_id, newest, now],
    )?)
}

/// What the engine keeps of a signup and a client never sees (the sealed token).
pub struct SignupSecrets {
    pub tenant_id: i64,
    pub tenant: String,
    pub token_sealed: Option<Vec<u8>>,
    pub kapso_link_id: Option<String>,
    pub options: String,
    pub queue: Option<String>,
    pub status: String,
}

pub fn secrets(conn: &Connection, id: i64) -> Result<SignupSecrets> {
    conn.query_row(
        "SELECT s.tenant_id, t.name, s.token_sealed, s.kapso_link_id, s.options, s.queue, s.status
         FROM signups s JOIN tenants t ON t.id = s.tenant_id WHERE s.id = ?1",
        [id],
        |r| {
            Ok(SignupSecrets {
                tenant_id: r.get(0)?,
                tenant: r.get(1)?,
                token_sealed: r.get(2)?,
                kapso_link_id: r.get(3)?,
                options: r.get(4)?,
                queue: r.get(5)?,
                status: r.get(6)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoSignup { id }))
}

/// Where `/c/{code}` leads, while its signup is still waiting for someone to open it.
pub fn short_link_target(conn: &Connection, code: &str, now: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT url FROM signups WHERE short_code = ?1 AND status = 'waiting'
             AND expires_at > ?2",
            params![code, now],
            |r| r.get(0),
        )
        .optional()?)
}

const VIEW_SQL: &str = "SELECT s.id, t.name, s.path, s.coexistence, s.url, s.created_by,
        s.created_at, s.expires_at, s.status, s.candidates, s.error, s.error_code, s.queue,
        s.token_expires_at, s.number_id, s.short_code, s.report, s.finishing_at
    FROM signups s JOIN tenants t ON t.id = s.tenant_id";

fn view_row(r: &crate::db::Row<'_>, now: i64) -> crate::db::Result<(SignupView, Option<i64>)> {
    let status: String = r.get(8)?;
    let expires_at: i64 = r.get(7)?;
    let finishing: Option<i64> = r.get(17)?;
    let status = match status.as_str() {
        "waiting" if now >= expires_at => SignupStatus::Expired,
        "waiting" => SignupStatus::Waiting,
        // Being connected: nothing to pick, the outcome is on its way.
        "choose" if finishing.is_some_and(|at| now - at < FINISH_ABANDONED_AFTER) => {
            SignupStatus::Waiting
        }
        "choose" => SignupStatus::Choose,
        "connected" => SignupStatus::Connected,
        "failed" => SignupStatus::Failed,
        _ => SignupStatus::Revoked,
    };
    let candidates: Option<String> = r.get(9)?;
    Ok((
        SignupView {
            id: r.get(0)?,
            tenant: r.get(1)?,
            path: r.word(2)?,
            coexistence: r.get(3)?,
            url: r.get(4)?,
            created_by: r.get(5)?,
            created_at: r.get(6)?,
            expires_at,
            status,
            candidates: candidates
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or_default(),
            error: r.get(10)?,
            error_code: r.get(11)?,
            queue: r.get(12)?,
            token_expires_at: r.get(13)?,
            short_code: r.get(15)?,
            report: r
                .get::<_, Option<String>>(16)?
                .and_then(|j| serde_json::from_str(&j).ok()),
            number: None,
        },
        r.get(14)?,
    ))
}

fn with_number(
    conn: &Connection,
    (mut view, number_id): (SignupView, Option<i64>),
) -> Result<SignupView> {
    if let Some(id) = number_id {
        view.number = super::directory::list_numbers(conn)?
            .into_iter()
            .find(|n| n.id == id);
    }
    Ok(view)
}

/// One signup, if the scope may see its tenant (else "not found", like everything else).
pub fn view(conn: &Connection, scope: &Scope, id: i64, now: i64) -> Result<SignupView> {
    let found = conn
        .query_row(
            &format!(
                "{VIEW_SQL} WHERE s.id = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR s.tenant_id = ?2)"
            ),
            params![id, scope.tenant()],
            |r| view_row(r, now),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(wabox_protocol::ErrorCode::NoSignup { id }))?;
    with_number(conn, found)
}

/// The scope's signups, newest first (a tenant's only, when named).
pub fn list(
    conn: &Connection,
    scope: &Scope,
    tenant_id: Option<i64>,
    now: i64,
) -> Result<Vec<SignupView>> {
    let mut stmt = conn.prepare(&format!(
        "{VIEW_SQL} WHERE (CAST(?1 AS BIGINT) IS NULL OR s.tenant_id = ?1)
           AND (CAST(?2 AS BIGINT) IS NULL OR s.tenant_id = ?2)
         ORDER BY s.id DESC LIMIT 200"
    ))?;
    let rows = stmt
        .query_map(params![scope.tenant(), tenant_id], |r| view_row(r, now))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    rows.into_iter().map(|r| with_number(conn, r)).collect()
}

/// A number's history import so far, if the scope may see its tenant.
pub fn history_progress(
    conn: &Connection,
    scope: &Scope,
    phone_number_id: &str,
) -> Result<wabox_protocol::HistoryProgressView> {
    // By its id or its display number; another tenant's is as unknown as none.
    let number =
        super::queues::number_named(conn, phone_number_id, scope.tenant())?.ok_or_else(|| {
            StoreError::NotFound(wabox_protocol::ErrorCode::NoNumberBare {
                number: phone_number_id.to_string(),
            })
        })?;
    let (number_id, phone_number_id) = (number.id, number.phone_number_id.as_str());
    let mut view = wabox_protocol::HistoryProgressView {
        phone_number_id: phone_number_id.to_string(),
        phases: vec![None, None, None],
        ..Default::default()
    };
    let mut stmt = conn.prepare(
        "SELECT phase, max(coalesce(progress, 0)), count(*), max(error_title)
         FROM history_progress WHERE number_id = ?1 GROUP BY phase",
    )?;
    let rows = stmt.query_map([number_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    for row in rows {
        let (phase, progress, chunks, error) = row?;
        if let Some(slot) = usize::try_from(phase)
            .ok()
            .and_then(|p| view.phases.get_mut(p))
        {
            *slot = Some(progress);
        }
        view.chunks += chunks;
        view.error = view.error.or(error);
    }
    view.messages = conn.query_row(
        "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.number_id = ?1 AND m.origin = 'history'",
        [number_id],
        |r| r.get(0),
    )?;
    view.media = super::history_media::progress(conn, number_id)?;
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (crate::testing::StoreGuard, Connection, i64) {
        let (dir, conn) = crate::testing::store();
        let t = crate::directory::add_tenant(&conn, "Acme", 0).unwrap();
        (dir, conn, t.id)
    }

    fn new<'a>(tenant_id: i64, state: &'a str) -> NewSignup<'a> {
        NewSignup {
            tenant_id,
            path: "meta",
            state,
            created_by: "alice",
            expires_at: 100,
            url: "https://example.test/dialog",
            short_code: state,
            coexistence: true,
            queue: None,
            kapso_link_id: None,
            options: "{}",
        }
    }

    #[crate::testing::both_stores]
    fn a_state_is_consumed_once_and_only_its_hash_is_kept() {
        let (_d, conn, t) = store();
        let state = fresh_state();
        let id = create(&conn, &new(t, &state), 0).unwrap();
        let kept: Vec<u8> = conn
            .query_row("SELECT state_sha256 FROM signups", [], |r| r.get(0))
            .unwrap();
        assert_ne!(kept, state.as_bytes());
        assert_eq!(consume_state(&conn, &state, 10).unwrap(), Ok(id));
        assert_eq!(
            consume_state(&conn, &state, 11).unwrap(),
            Err(StateRefusal::Used)
        );
        assert_eq!(
            consume_state(&conn, "forged", 11).unwrap(),
            Err(StateRefusal::Unknown)
        );
    }

    #[crate::testing::both_stores]
    fn an_expired_or_revoked_state_is_refused_and_shown_so() {
        let (_d, conn, t) = store();
        let (a, b) = (fresh_state(), fresh_state());
        let ida = create(&conn, &new(t, &a), 0).unwrap();
        let idb = create(&conn, &new(t, &b), 0).unwrap();
        assert_eq!(
            consume_state(&conn, &a, 100).unwrap(),
            Err(StateRefusal::Expired)
        );
        assert_eq!(
            view(&conn, &Scope::Everything, ida, 100).unwrap().status,
            SignupStatus::Expired
        );
        assert!(revoke(&conn, idb, 5).unwrap());
        assert_eq!(
            consume_state(&conn, &b, 6).unwrap(),
            Err(StateRefusal::Revoked)
        );
    }

    #[crate::testing::both_stores]
    fn a_new_kapso_link_revokes_the_tenants_older_waiting_ones_only() {
        let (_d, conn, t) = store();
        let other = crate::directory::add_tenant(&conn, "Globex", 0).unwrap();
        let kapso = |tenant_id, state: &str, link: &str| {
            create(
                &conn,
                &NewSignup {
                    path: "kapso",
                    kapso_link_id: Some(link),
                    ..new(tenant_id, state)
                },
                0,
            )
            .unwrap()
        };
        let (s1, s2, s3) = (fresh_state(), fresh_state(), fresh_state());
        let old = kapso(t, &s1, "l1");
        let theirs = kapso(other.id, &s2, "l2");
        let meta = create(&conn, &new(t, &fresh_state()), 0).unwrap();
        let newest = kapso(t, &s3, "l3");
        assert_eq!(supersede_kapso(&conn, t, newest, 5).unwrap(), 1);
        let status = |id| view(&conn, &Scope::Everything, id, 6).unwrap().status;
        assert_eq!(status(old), SignupStatus::Revoked);
        assert_eq!(status(theirs), SignupStatus::Waiting);
        assert_eq!(status(meta), SignupStatus::Waiting);
        assert_eq!(status(newest), SignupStatus::Waiting);
        assert_eq!(kapso_customer(&conn, t).unwrap(), None);
        set_kapso_customer(&conn, t, "cust-1").unwrap();
        assert_eq!(kapso_customer(&conn, t).unwrap().as_deref(), Some("cust-1"));
    }

    #[crate::testing::both_stores]
    fn one_finisher_at_a_time_and_nothing_to_pick_while_the_engine_connects_it() {
        let (_d, conn, t) = store();
        let candidate = SignupCandidate {
            phone_number_id: "p1".into(),
            waba_id: "w1".into(),
            display_phone: "15550001".into(),
            verified_name: Some("Acme".into()),
            coexistence: true,
            status: None,
            quality_rating: None,
        };
        let status = |id| view(&conn, &Scope::Everything, id, 6).unwrap().status;
        // An admin picks: one finisher claims it, a second is refused; a failed finish lets
        // the number be picked again.
        let picked = create(&conn, &new(t, &fresh_state()), 0).unwrap();
        token_received(
            &conn,
            picked,
            b"sealed",
            None,
            std::slice::from_ref(&candidate),
            None,
        )
        .unwrap();
        assert_eq!(status(picked), SignupStatus::Choose);
        assert!(claim_finish(&conn, picked, 5).unwrap());
        assert!(!claim_finish(&conn, picked, 5).unwrap());
        assert_eq!(status(picked), SignupStatus::Waiting, "being connected");
        finish_failed(&conn, picked).unwrap();
        assert_eq!(status(picked), SignupStatus::Choose);
        assert!(claim_finish(&conn, picked, 6).unwrap());
        // The engine connects a single Business-app number itself, claimed with the token:
        // nobody sees it to pick, and nobody else can claim it.
        let by_itself = create(&conn, &new(t, &fresh_state()), 0).unwrap();
        token_received(&conn, by_itself, b"sealed", None, &[candidate], Some(5)).unwrap();
        assert_eq!(status(by_itself), SignupStatus::Waiting);
        assert!(!claim_finish(&conn, by_itself, 5).unwrap());
        // A finisher that died in it (no outcome after FINISH_ABANDONED_AFTER) leaves the
        // number to be picked again.
        let later = 5 + FINISH_ABANDONED_AFTER;
        assert_eq!(
            view(&conn, &Scope::Everything, by_itself, later)
                .unwrap()
                .status,
            SignupStatus::Choose
        );
        assert!(claim_finish(&conn, by_itself, later).unwrap());
        // A signup nobody came back to cannot be claimed.
        let waiting = create(&conn, &new(t, &fresh_state()), 0).unwrap();
        assert!(!claim_finish(&conn, waiting, 5).unwrap());
    }

    #[crate::testing::both_stores]
    fn another_tenants_admin_does_not_see_the_signup() {
        let (_d, conn, t) = store();
        let other = crate::directory::add_tenant(&conn, "Globex", 0).unwrap();
        let id = create(&conn, &new(t, &fresh_state()), 0).unwrap();
        assert!(view(&conn, &Scope::Tenant(other.id), id, 1).is_err());
        assert!(
            list(&conn, &Scope::Tenant(other.id), None, 1)
                .unwrap()
                .is_empty()
        );
        assert_eq!(list(&conn, &Scope::Tenant(t), None, 1).unwrap().len(), 1);
    }
}
