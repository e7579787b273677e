//! Which seal key a store's tokens are sealed with: a known text sealed with it, kept in the
//! store, so that an engine given another key (a data dir moved without `keys/`, a restore, a
//! second engine on a shared store) is told so before it starts rather than failing every send.

use super::Result;
use crate::db::{Connection, OptionalExtension, params};

/// What is sealed: nothing secret, only proof of the key.
pub const TEXT: &str = "wabox seal check";

/// The sealed check, if this store has one yet.
pub fn read(conn: &Connection) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT value FROM store_facts WHERE name = 'seal_check'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn write(conn: &Connection, sealed: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO store_facts (name, value) VALUES ('seal_check', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![sealed],
    )?;
    Ok(())
}

/// Something sealed with the store's key: the check, else any token (a store from before the
/// check was kept).
pub fn something_sealed(conn: &Connection) -> Result<Option<Vec<u8>>> {
    match read(conn)? {
        Some(check) => Ok(Some(check)),
        None => any_token(conn),
    }
}

/// One sealed token the store holds (a number's, a signup's), if any.
pub fn any_token(conn: &Connection) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT access_token_sealed FROM numbers WHERE access_token_sealed IS NOT NULL
             UNION ALL
             SELECT token_sealed FROM signups WHERE token_sealed IS NOT NULL
             LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// Forgets the check: a store without tokens may go to an installation with another key, whose
/// engine seals a new check at its start.
pub fn forget(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM store_facts WHERE name = 'seal_check'", [])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{store, store_with_token};

    #[crate::testing::both_stores]
    fn the_check_else_a_token_else_nothing() {
        let none = store_with_token(None);
        assert_eq!(something_sealed(&none.conn).unwrap(), None);
        let with_token = store();
        assert_eq!(
            something_sealed(&with_token.conn).unwrap().as_deref(),
            Some(&b"sealed elsewhere"[..])
        );
        write(&with_token.conn, b"check one").unwrap();
        write(&with_token.conn, b"check two").unwrap();
        assert_eq!(
            read(&with_token.conn).unwrap().as_deref(),
            Some(&b"check two"[..])
        );
        assert_eq!(
            something_sealed(&with_token.conn).unwrap().as_deref(),
            Some(&b"check two"[..]),
            "the check first"
        );
        forget(&with_token.conn).unwrap();
        assert_eq!(read(&with_token.conn).unwrap(), None);
        assert_eq!(
            any_token(&with_token.conn).unwrap().as_deref(),
            Some(&b"sealed elsewhere"[..])
        );
    }
}
