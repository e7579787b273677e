//! Search over all messages, newest first: SQLite's FTS5 table `message_search`, indexed a batch
//! behind the writer, or PostgreSQL's text-search index `messages_search`, kept as it writes.

use super::{Result, StoreError};
use crate::db::{Connection, Dialect};
use crate::words::RowWords;
pub use wabox_protocol::admin::SearchHit;

/// Each word of what the agent typed as a quoted term, the last one also as a prefix (it may
/// still be being typed): `envio rap` finds "envío rápido". Quotes and operators in the input
/// are text, never FTS syntax. Whole words rather than prefixes everywhere: a long prefix makes
/// FTS5 merge every matching word's list, which costs tens of milliseconds on a big store.
pub fn fts_query(input: &str) -> Option<String> {
    query_terms(
        input,
        |w| format!("\"{}\"", w.replace('"', "\"\"")),
        "*",
        " ",
    )
}

/// The same words as a PostgreSQL `tsquery`: each word a quoted lexeme (quotes and operators in
/// the input are text, never query syntax), all of them required, the last one a prefix (the
/// word being typed) and the others whole words, as in FTS5. Its accents are taken off in SQL,
/// as they are taken off the messages' words.
pub fn ts_query(input: &str) -> Option<String> {
    query_terms(
        input,
        |w| format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''")),
        ":*",
        " & ",
    )
}

/// Each word quoted, the last one marked a prefix, joined; none for no words.
fn query_terms(
    input: &str,
    quote: impl Fn(&str) -> String,
    prefix: &str,
    join: &str,
) -> Option<String> {
    let words: Vec<&str> = input.split_whitespace().collect();
    let last = words.len().checked_sub(1)?;
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let quoted = quote(w);
            if i == last { quoted + prefix } else { quoted }
        })
        .collect();
    Some(terms.join(join))
}

/// Indexes up to `limit` messages not indexed yet, atomically (a savepoint, so it also runs
/// inside the writer's batch transaction); answers how many. On PostgreSQL, the oldest of the
/// queue, skipping what another engine is indexing.
pub fn index_pending(conn: &mut Connection, limit: usize) -> Result<usize> {
    if conn.dialect() == Dialect::Postgres {
        let taken: i64 = conn
            .prepare_cached(
                "WITH taken AS (
                     DELETE FROM search_queue WHERE message_id IN (
                         SELECT message_id FROM search_queue ORDER BY message_id
                         LIMIT ?1 FOR UPDATE SKIP LOCKED)
                     RETURNING message_id),
                 indexed AS (
                     INSERT INTO message_search_words (message_id, words)
                     SELECT m.id, to_tsvector('simple', wabox_unaccent(coalesce(m.text, '')))
                     FROM messages m JOIN taken t ON t.message_id = m.id
                     ON CONFLICT (message_id) DO UPDATE SET words = excluded.words
                     RETURNING 1)
                 SELECT count(*) FROM taken",
            )?
            .query_row([limit as i64], |r| r.get(0))?;
        return Ok(taken as usize);
    }
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
    // Each dialect's full-text search: FTS5's MATCH and snippet, or PostgreSQL's `@@` on each
    // message's words (`message_search_words`, indexed), and a headline in the `wabox_search` configuration,
    // which takes accents off as the index does, so `envio` marks `envío` in the message's text.
    let (query, sql) = match conn.dialect() {
        // Newest first by rowid (arrival order), which FTS5 walks without sorting every match.
        Dialect::Sqlite => (
            fts_query(input),
            format!(
                "SELECT m.id, m.conversation_id, coalesce(k.name, '+' || k.wa_id, k.user_id),
                        m.direction, m.at, snippet(message_search, 0, '[', ']', '…', 10)
                 FROM message_search s
                 JOIN messages m ON m.id = s.rowid
                 JOIN conversations c ON c.id = m.conversation_id
                 JOIN numbers n ON n.id = c.number_id
                 JOIN contacts k ON k.id = c.contact_id
                 WHERE message_search MATCH :query
                   AND (CAST(:before AS BIGINT) IS NULL OR s.rowid < :before) AND {}
                 ORDER BY s.rowid DESC LIMIT :limit",
                super::scope::SCOPE_SQL
            ),
        ),
        Dialect::Postgres => (
            ts_query(input),
            format!(
                "SELECT m.id, m.conversation_id, coalesce(k.name, '+' || k.wa_id, k.user_id),
                        m.direction, m.at,
                        -- As FTS5's snippet of ten words: a short text whole, with its
                        -- punctuation; a longer one cut around the match, marked by '…'.
                        CASE WHEN array_length(regexp_split_to_array(btrim(m.text), '[[:space:]]+'), 1) <= 10
                        THEN ts_headline('wabox_search', m.text,
                                         to_tsquery('simple', wabox_unaccent(CAST(:query AS TEXT))),
                                         'StartSel=[, StopSel=], HighlightAll=true')
                        ELSE '…' || ts_headline('wabox_search', m.text,
                                         to_tsquery('simple', wabox_unaccent(CAST(:query AS TEXT))),
                                         'StartSel=[, StopSel=], MaxWords=10, MinWords=5,
                                          ShortWord=0, MaxFragments=1, FragmentDelimiter=…') || '…'
                        END
                 FROM message_search_words w
                 JOIN messages m ON m.id = w.message_id
                 JOIN conversations c ON c.id = m.conversation_id
                 JOIN numbers n ON n.id = c.number_id
                 JOIN contacts k ON k.id = c.contact_id
                 WHERE w.words @@ to_tsquery('simple', wabox_unaccent(CAST(:query AS TEXT)))
                   AND (CAST(:before AS BIGINT) IS NULL OR m.id < :before) AND {}
                 ORDER BY m.id DESC LIMIT :limit",
                super::scope::SCOPE_SQL
            ),
        ),
    };
    let Some(query) = query else {
        return Err(StoreError::Invalid(
            wabox_protocol::ErrorCode::SearchAWord {},
        ));
    };
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

    #[test]
    fn user_input_becomes_quoted_words_the_last_one_a_prefix_for_postgresql() {
        assert_eq!(ts_query("envío rápido").unwrap(), "'envío' & 'rápido':*");
        assert_eq!(
            ts_query("it's a\\b !x|y").unwrap(),
            "'it''s' & 'a\\\\b' & '!x|y':*"
        );
        assert_eq!(ts_query("   "), None);
    }

    #[crate::testing::both_stores]
    fn words_find_messages_without_their_accents_newest_first_within_the_scope() {
        use crate::scope::Scope;
        use crate::test_fixtures::{apply, messages, store, text};
        let mut f = store();
        apply(
            &f.conn,
            1,
            &messages(vec![
                text("wamid.1", 10, "Tu envío rápido llegó"),
                text("wamid.2", 11, "hola"),
                text("wamid.3", 12, "otro ENVIO, rapidísimo"),
                text("wamid.4", 13, "it's \"quoted\" | !odd"),
            ]),
        );
        index_all(&mut f.conn).unwrap();
        let ids =
            |conn: &Connection, input: &str, scope: &Scope, before: Option<i64>| -> Vec<String> {
                search(conn, scope, input, 10, before)
                    .unwrap()
                    .iter()
                    .map(|h| {
                        conn.query_row(
                            "SELECT wamid FROM messages WHERE id = ?1",
                            [h.message_id],
                            |r| r.get(0),
                        )
                        .unwrap()
                    })
                    .collect()
            };
        let all = Scope::Everything;
        assert_eq!(
            ids(&f.conn, "envio rap", &all, None),
            ["wamid.3", "wamid.1"]
        );
        assert_eq!(ids(&f.conn, "ENVÍO", &all, None), ["wamid.3", "wamid.1"]);
        assert_eq!(ids(&f.conn, "hola", &all, None), ["wamid.2"]);
        assert!(
            ids(&f.conn, "envi rapido", &all, None).is_empty(),
            "only the last word is a prefix"
        );
        assert_eq!(ids(&f.conn, "\"quoted\" !odd", &all, None), ["wamid.4"]);
        assert!(ids(&f.conn, "nada", &all, None).is_empty());
        let newest: i64 = f
            .conn
            .query_row("SELECT id FROM messages WHERE wamid = 'wamid.3'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(ids(&f.conn, "envio", &all, Some(newest)), ["wamid.1"]);
        assert!(ids(&f.conn, "envio", &Scope::Tenant(f.tenant_id + 1), None).is_empty());
        assert!(ids(&f.conn, "envio", &Scope::Agent("nobody".into()), None).is_empty());
        let hit = &search(&f.conn, &all, "rápido llegó", 10, None).unwrap()[0];
        assert!(hit.snippet.contains("[rápido]"), "{}", hit.snippet);
        assert_eq!(hit.contact, "Wara");
        assert!(search(&f.conn, &all, "  ", 10, None).is_err());
        // An edited text is searched by its new words once indexed again; a new message is
        // found once indexed.
        f.conn
            .execute(
                "UPDATE messages SET text = 'adiós, amigo' WHERE wamid = 'wamid.2'",
                [],
            )
            .unwrap();
        apply(
            &f.conn,
            2,
            &messages(vec![text("wamid.5", 14, "Hola otra vez")]),
        );
        index_all(&mut f.conn).unwrap();
        assert_eq!(ids(&f.conn, "adios", &all, None), ["wamid.2"]);
        assert_eq!(ids(&f.conn, "hola", &all, None), ["wamid.5"]);
        assert_eq!(index_pending(&mut f.conn, 10).unwrap(), 0, "nothing left");
    }
}
