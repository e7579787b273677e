//! Search over all messages (FTS5), newest first.

use super::{Result, StoreError};
use crate::db::Connection;
use crate::words::RowWords;
pub use wabox_protocol::admin::SearchHit;

/// Each word of what the agent typed as a quoted term, the last one also as a prefix (it may
/// still be being typed): `envio rap` finds "envío rápido". Quotes and operators in the input
/// are text, never FTS syntax. Whole words rather than prefixes everywhere: a long prefix makes
/// FTS5 merge every matching word's list, which costs tens of milliseconds on a big store.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input.split_whitespace().collect();
    let last = words.len().checked_sub(1)?;
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let quoted = format!("\"{}\"", w.replace('"', "\"\""));
            if i == last { quoted + "*" } else { quoted }
        })
        .collect();
    Some(terms.join(" "))
}

/// Indexes up to `limit` messages not indexed yet, atomically (a savepoint, so it also runs
/// inside the writer's batch transaction); answers how many.
pub fn index_pending(conn: &mut Connection, limit: usize) -> Result<usize> {
    let tx = conn.savepoint()?;
    let upto: i64 = tx.query_row("SELECT indexed_upto FROM search_progress", [], |r| r.get(0))?;
    let ids: Vec<i64> = tx
        .prepare_cached("SELECT id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2")?
        .query_map(crate::params![upto, limit as i64], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    let Some(&end) = ids.last() else {
        return Ok(0);
    };
    tx.execute(
        "INSERT INTO message_search (rowid, text)
         SELECT id, text FROM messages WHERE id > ?1 AND id <= ?2",
        crate::params![upto, end],
    )?;
    tx.execute("UPDATE search_progress SET indexed_upto = ?1", [end])?;
    tx.commit()?;
    Ok(ids.len())
}

/// Indexes everything at once (after a bulk load).
pub fn index_all(conn: &mut Connection) -> Result<()> {
    while index_pending(conn, 50_000)? > 0 {}
    Ok(())
}

pub fn search(
    conn: &Connection,
    scope: &super::scope::Scope,
    input: &str,
    limit: usize,
    before: Option<i64>,
) -> Result<Vec<SearchHit>> {
    let Some(query) = fts_query(input) else {
        return Err(StoreError::Invalid(
            wabox_protocol::ErrorCode::SearchAWord {},
        ));
    };
    // Newest first by rowid (arrival order), which FTS5 walks without sorting every match.
    let sql = format!(
        "SELECT m.id, m.conversation_id, coalesce(k.name, '+' || k.wa_id, k.user_id), m.direction,
                m.at, snippet(message_search, 0, '[', ']', '…', 10)
         FROM message_search s
         JOIN messages m ON m.id = s.rowid
         JOIN conversations c ON c.id = m.conversation_id
         JOIN numbers n ON n.id = c.number_id
         JOIN contacts k ON k.id = c.contact_id
         WHERE message_search MATCH :query AND (:before IS NULL OR s.rowid < :before) AND {}
         ORDER BY s.rowid DESC LIMIT :limit",
        super::scope::SCOPE_SQL
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let params = crate::named_params! {
        ":query": query,
        ":limit": limit as i64,
        ":before": before,
        ":scope_tenant": scope.tenant(),
        ":scope_agent": scope.agent(),
    };
    let rows = stmt.query_map(params, |r| {
        Ok(SearchHit {
            message_id: r.get(0)?,
            conversation_id: r.get(1)?,
            contact: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            direction: r.word(3)?,
            at: r.get(4)?,
            snippet: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_becomes_quoted_words_the_last_one_a_prefix() {
        assert_eq!(fts_query("envío rápido").unwrap(), "\"envío\" \"rápido\"*");
        assert_eq!(
            fts_query("say \"hi\" -x").unwrap(),
            "\"say\" \"\"\"hi\"\"\" \"-x\"*"
        );
        assert_eq!(fts_query("   "), None);
    }
}
