//! Tokens for reaching the engine from elsewhere (`/api` on the listener). A token is shown
//! once, when it is made; the store keeps only its SHA-256, so a copy of the store (a backup,
//! a migration) lets nobody in.

use crate::Result;
use crate::db::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// What every token starts with: secret scanners (and people) can tell one when they see it.
pub const PREFIX: &str = "wabox_";

/// A new token: the prefix and 32 random bytes, URL-safe.
pub fn new_secret() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub holder: String,
    pub name: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl TokenRow {
    pub fn usable_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }

    /// Whether a use at `now` is to be written (the last noted a minute ago or more).
    pub fn use_to_note(&self, now: i64) -> bool {
        self.last_used_at.is_none_or(|at| now - at >= 60)
    }
}

const COLUMNS: &str =
    "id, holder, name, created_at, created_by, expires_at, revoked_at, last_used_at";

fn row(r: &crate::db::Row<'_>) -> crate::db::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        holder: r.get(1)?,
        name: r.get(2)?,
        created_at: r.get(3)?,
        created_by: r.get(4)?,
        expires_at: r.get(5)?,
        revoked_at: r.get(6)?,
        last_used_at: r.get(7)?,
    })
}

/// Keeps a token made for `holder` (its digest only); its row.
pub fn create(
    conn: &Connection,
    secret: &str,
    holder: &str,
    name: Option<&str>,
    created_by: &str,
    expires_at: Option<i64>,
    now: i64,
) -> Result<TokenRow> {
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO api_tokens (holder, name, secret_sha256, created_at, created_by, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(
            params![holder, name, digest(secret), now, created_by, expires_at],
            |r| r.get(0),
        )?;
    Ok(get(conn, id)?.expect("the row just made"))
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<TokenRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?)
}

/// Every token, or those of the holders given; newest first.
pub fn list(conn: &Connection, holders: Option<&[String]>) -> Result<Vec<TokenRow>> {
    let all: Vec<TokenRow> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM api_tokens ORDER BY id DESC"
        ))?
        .query_map([], row)?
        .collect::<crate::db::Result<_>>()?;
    Ok(match holders {
        None => all,
        Some(holders) => all
            .into_iter()
            .filter(|t| holders.contains(&t.holder))
            .collect(),
    })
}

/// The token a secret is, if it is one that may be used now. Reads only: a refused secret
/// (a flood of them) never reaches the writer.
pub fn find_usable(conn: &Connection, secret: &str, now: i64) -> Result<Option<TokenRow>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let found = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE secret_sha256 = ?1"
        ))?
        .query_row([digest(secret)], row)
        .optional()?;
    Ok(found.filter(|t| t.usable_at(now)))
}

/// Notes a token's use, to the minute: a busy client does not write at each connection.
pub fn note_use(conn: &Connection, token: &TokenRow, now: i64) -> Result<()> {
    if token.use_to_note(now) {
        conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
            .execute(params![token.id, now])?;
    }
    Ok(())
}

/// Revokes a token; whether it was usable until now (revoking twice changes nothing).
pub fn revoke(conn: &Connection, id: i64, by: &str, now: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE api_tokens SET revoked_at = ?2, revoked_by = ?3
             WHERE id = ?1 AND revoked_at IS NULL",
        )?
        .execute(params![id, now, by])?;
    Ok(changed == 1)
}

/// Revokes every usable token of these users (whose agent records are about to go); how many.
/// A token of a user with no standing lets nothing in, but it would let them in again with
/// whatever standing the name is given later, in any tenant.
pub fn revoke_held_by(conn: &Connection, users: &[String], by: &str, now: i64) -> Result<usize> {
    let mut revoked = 0;
    for user in users {
        revoked += conn
            .prepare_cached(
                "UPDATE api_tokens SET revoked_at = ?2, revoked_by = ?3
                 WHERE holder = ?1 AND revoked_at IS NULL",
            )?
            .execute(params![user, now, by])?;
    }
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `find_usable`, and its use noted, as `/api` does at each connection.
    fn authenticate(conn: &Connection, secret: &str, now: i64) -> Result<Option<TokenRow>> {
        let token = find_usable(conn, secret, now)?;
        if let Some(t) = &token {
            note_use(conn, t, now)?;
        }
        Ok(token)
    }

    #[crate::testing::both_stores]
    fn a_token_lets_in_until_it_expires_or_is_revoked() {
        let (_dir, conn) = crate::testing::store();
        let secret = new_secret();
        assert!(secret.starts_with(PREFIX) && secret.len() == PREFIX.len() + 43);
        let made = create(
            &conn,
            &secret,
            "ana",
            Some("laptop"),
            "root",
            Some(1_000),
            10,
        )
        .unwrap();
        assert_eq!(
            (made.holder.as_str(), made.name.as_deref()),
            ("ana", Some("laptop"))
        );

        let found = authenticate(&conn, &secret, 20)
            .unwrap()
            .expect("a good token");
        assert_eq!(found.id, made.id);
        assert_eq!(get(&conn, made.id).unwrap().unwrap().last_used_at, Some(20));
        authenticate(&conn, &secret, 50).unwrap().unwrap();
        assert_eq!(
            get(&conn, made.id).unwrap().unwrap().last_used_at,
            Some(20),
            "noted to the minute"
        );

        let stored: Vec<u8> = conn
            .query_row("SELECT secret_sha256 FROM api_tokens", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, secret.as_bytes(), "only a digest is kept");
        assert!(
            authenticate(&conn, &format!("{secret}x"), 20)
                .unwrap()
                .is_none()
        );
        assert!(
            authenticate(&conn, "not even a token", 20)
                .unwrap()
                .is_none()
        );
        assert!(
            authenticate(&conn, &secret, 1_000).unwrap().is_none(),
            "expired"
        );

        assert!(revoke(&conn, made.id, "root", 30).unwrap());
        assert!(!revoke(&conn, made.id, "root", 31).unwrap(), "once");
        assert!(
            authenticate(&conn, &secret, 40).unwrap().is_none(),
            "revoked"
        );
        let listed = list(&conn, None).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].revoked_at, Some(30));
        assert!(list(&conn, Some(&["bo".to_string()])).unwrap().is_empty());
    }
}
