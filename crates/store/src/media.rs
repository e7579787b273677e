//! Media files of messages, on disk in the data dir: customers' files are pending until the
//! engine downloads them; the business's own are stored when queued, before they are uploaded.

use super::{Result, StoreError, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
use crate::words::RowWords;
use serde_json::Value;
use wabox_domain::MessageContent;
pub use wabox_protocol::views::MediaView;

#[derive(Debug, Clone)]
pub struct PendingMedia {
    pub message_id: i64,
    pub media_id: String,
    pub sha256: Option<String>,
    pub mime_type: Option<String>,
    pub token_sealed: Option<Vec<u8>>,
    pub attempts: i64,
}

/// A file the business sends, already stored (durably) under the data dir.
#[derive(Debug, Clone)]
pub struct OutboundFile {
    /// Relative to the data dir.
    pub path: String,
    pub mime_type: String,
    /// base64 of its SHA-256, as Meta reports them.
    pub sha256: String,
    pub bytes: i64,
    pub filename: String,
}

/// Records an outgoing message's file, in the transaction that queues the message. Meta's
/// media id is unknown until the upload (`outbox::mark_uploaded`).
pub fn add_outbound(
    conn: &Connection,
    message_id: i64,
    number_id: i64,
    file: &OutboundFile,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO media (message_id, number_id, media_id, mime_type, sha256, state, bytes, path, filename)
         VALUES (?1, ?2, '', ?3, ?4, 'downloaded', ?5, ?6, ?7)",
    )?
    .execute(params![
        message_id,
        number_id,
        file.mime_type,
        file.sha256,
        file.bytes,
        file.path,
        file.filename
    ])?;
    Ok(())
}

/// Which downloads a file waits among: customers' live files are fetched before the files of a
/// history import, so an import of thousands never delays what a customer just sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Live,
    History,
}

impl Lane {
    pub fn as_str(&self) -> &'static str {
        match self {
            Lane::Live => "live",
            Lane::History => "history",
        }
    }
}

/// Queues the download of a received message's file (if it has one), in the transaction that
/// stores the message. A media id that no Meta id looks like is never asked for (it would become
/// a URL path sent with the number's token): the message is kept, its file marked failed with the
/// reason. A file already queued for the message is left as it is.
pub fn queue_download(
    conn: &Connection,
    message_id: i64,
    number_id: i64,
    content: &MessageContent,
    payload: &Value,
    lane: Lane,
) -> Result<()> {
    let MessageContent::Media {
        media_id: Some(media_id),
        mime_type,
        ..
    } = content
    else {
        return Ok(());
    };
    let (state, error) = match wabox_domain::ids::check_url_id("media id", media_id) {
        Ok(()) => ("pending", None),
        Err(e) => ("failed", Some(format!("not fetched: {e}"))),
    };
    conn.prepare_cached(
        "INSERT INTO media (message_id, number_id, media_id, mime_type, sha256, state, error, lane)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        message_id,
        number_id,
        media_id,
        mime_type,
        payload.get("sha256").and_then(Value::as_str),
        state,
        error,
        lane.as_str()
    ])?;
    Ok(())
}

const PENDING_SQL: &str =
    "SELECT md.message_id, md.media_id, md.sha256, md.mime_type, n.access_token_sealed, md.attempts
     FROM media md JOIN numbers n ON n.id = md.number_id
     WHERE md.state = 'pending' AND md.lane = ?3 AND md.next_attempt_at <= ?1
     ORDER BY md.next_attempt_at, md.message_id LIMIT ?2";

/// Files of `lane` due for a download attempt, oldest due first.
pub fn pending(conn: &Connection, now: i64, lane: Lane, limit: usize) -> Result<Vec<PendingMedia>> {
    let mut stmt = conn.prepare_cached(PENDING_SQL)?;
    let rows = stmt.query_map(params![now, limit as i64, lane.as_str()], |r| {
        Ok(PendingMedia {
            message_id: r.get(0)?,
            media_id: r.get(1)?,
            sha256: r.get(2)?,
            mime_type: r.get(3)?,
            token_sealed: r.get(4)?,
            attempts: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

fn changed(conn: &Connection, message_id: i64, events: &mut Vec<StoreEvent>) -> Result<()> {
    let conversation_id: i64 = conn.query_row(
        "SELECT conversation_id FROM messages WHERE id = ?1",
        [message_id],
        |r| r.get(0),
    )?;
    events.push(StoreEvent::MessageChanged {
        conversation_id,
        message_id,
    });
    Ok(())
}

pub fn mark_downloaded(
    conn: &Connection,
    message_id: i64,
    path: &str,
    bytes: i64,
    mime: Option<&str>,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    conn.execute(
        "UPDATE media SET state = 'downloaded', path = ?2, bytes = ?3, mime_type = coalesce(?4, mime_type),
                          error = NULL, attempts = attempts + 1, downloaded_at = ?5
         WHERE message_id = ?1",
        params![message_id, path, bytes, mime, now],
    )?;
    changed(conn, message_id, events)
}

/// A failed attempt: try again at `next_attempt_at`, or give up (`final_failure`).
pub fn mark_attempt_failed(
    conn: &Connection,
    message_id: i64,
    error: &str,
    next_attempt_at: i64,
    final_failure: bool,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    conn.execute(
        "UPDATE media SET state = CASE WHEN ?4 THEN 'failed' ELSE 'pending' END, error = ?2,
                          next_attempt_at = ?3, attempts = attempts + 1 WHERE message_id = ?1",
        params![message_id, error, next_attempt_at, final_failure],
    )?;
    changed(conn, message_id, events)
}

pub fn get(conn: &Connection, message_id: i64) -> Result<MediaView> {
    conn.query_row(
        "SELECT state, mime_type, bytes, error, path,
                state = 'failed' AND downloaded_at IS NOT NULL
         FROM media WHERE message_id = ?1",
        [message_id],
        |r| {
            Ok(MediaView {
                state: r.word(0)?,
                mime_type: r.get(1)?,
                bytes: r.get(2)?,
                error: r.get(3)?,
                path: r.get(4)?,
                expired: r.get(5)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| {
        StoreError::NotFound(wabox_protocol::ErrorCode::NoMedia {
            message: message_id,
        })
    })
}

/// Where a walk over the files stands after one step of `expire_customer_files`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpireStep {
    /// The files whose rows now say they were deleted: their paths (relative to the data dir),
    /// for the caller to remove once this commits.
    pub paths: Vec<String>,
    /// The last message id this step looked at: the next step goes on after it.
    pub after: i64,
    /// The walk reached the last file.
    pub done: bool,
}

/// Marks the customers' files downloaded before `before`, among the `limit` files after
/// message `after`, as deleted (`failed`, with `why`: `media retry` fetches one again while
/// Meta still has it). Files an agent sent stay: the outbox may yet need one. The walk goes by
/// message id (no order by time is kept), so a whole walk reads every file's row once.
pub fn expire_customer_files(
    conn: &Connection,
    after: i64,
    before: i64,
    limit: usize,
    why: &str,
    events: &mut Vec<StoreEvent>,
) -> Result<ExpireStep> {
    let rows: Vec<(i64, Option<String>, bool)> = conn
        .prepare_cached(
            "SELECT md.message_id, md.path,
                    md.state = 'downloaded' AND m.direction = 'in'
                    AND coalesce(md.downloaded_at, 0) < ?2 AND md.path IS NOT NULL
             FROM media md JOIN messages m ON m.id = md.message_id
             WHERE md.message_id > ?1 ORDER BY md.message_id LIMIT ?3",
        )?
        .query_map(params![after, before, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<crate::db::Result<_>>()?;
    let mut paths = Vec::new();
    for (message_id, path, old) in &rows {
        let (true, Some(path)) = (old, path) else {
            continue;
        };
        conn.prepare_cached(
            "UPDATE media SET state = 'failed', path = NULL, error = ?2 WHERE message_id = ?1",
        )?
        .execute(params![message_id, why])?;
        changed(conn, *message_id, events)?;
        paths.push(path.clone());
    }
    Ok(ExpireStep {
        paths,
        after: rows.last().map_or(after, |(id, _, _)| *id),
        done: rows.len() < limit,
    })
}

/// Asks for another download of a failed file.
pub fn retry(conn: &Connection, message_id: i64, events: &mut Vec<StoreEvent>) -> Result<()> {
    let media_id: Option<String> = conn
        .query_row(
            "SELECT media_id FROM media WHERE message_id = ?1",
            [message_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(Err(e)) = media_id
        .as_deref()
        .map(|id| wabox_domain::ids::check_url_id("media id", id))
    {
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::MediaNotRefetchable {
                message: message_id,
                detail: e.to_string(),
            },
        ));
    }
    let n = conn.execute(
        "UPDATE media SET state = 'pending', next_attempt_at = 0, attempts = 0, downloaded_at = NULL
         WHERE message_id = ?1 AND state = 'failed'",
        [message_id],
    )?;
    if n == 0 {
        return Err(StoreError::Conflict(
            wabox_protocol::ErrorCode::MediaNotFailed {
                message: message_id,
            },
        ));
    }
    changed(conn, message_id, events)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files of three messages of the fixture's conversation, each in its lane and due then;
    /// the message ids, in order.
    fn three_files(fixture: &crate::test_fixtures::Fixture) -> Vec<i64> {
        use crate::test_fixtures::{apply, messages, text};
        let conn = &fixture.conn;
        apply(
            conn,
            1,
            &messages(vec![
                text("wamid.1", 1, "a"),
                text("wamid.2", 2, "b"),
                text("wamid.3", 3, "c"),
            ]),
        );
        let mut ids = Vec::new();
        for (wamid, lane, due) in [
            ("wamid.1", "live", 10),
            ("wamid.2", "history", 10),
            ("wamid.3", "live", 99),
        ] {
            let id: i64 = conn
                .query_row("SELECT id FROM messages WHERE wamid = ?1", [wamid], |r| {
                    r.get(0)
                })
                .unwrap();
            conn.execute(
                "INSERT INTO media (message_id, number_id, media_id, lane, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                crate::params![id, fixture.number_id, format!("m{id}"), lane, due],
            )
            .unwrap();
            ids.push(id);
        }
        ids
    }

    fn ids(conn: &Connection, lane: Lane) -> Vec<i64> {
        pending(conn, 50, lane, 10)
            .unwrap()
            .iter()
            .map(|m| m.message_id)
            .collect()
    }

    #[crate::testing::both_stores]
    fn each_lane_finds_its_own_files() {
        let fixture = crate::test_fixtures::store_with_token(None);
        let files = three_files(&fixture);
        assert_eq!(
            ids(&fixture.conn, Lane::Live),
            [files[0]],
            "live and due only"
        );
        assert_eq!(ids(&fixture.conn, Lane::History), [files[1]]);
    }

    // SQLite's statement cache: whether it parses a kept statement again.
    #[test]
    fn the_pending_statement_is_parsed_once() {
        let fixture = crate::test_fixtures::store_with_token(None);
        let files = three_files(&fixture);
        let conn = &fixture.conn;
        for _ in 0..3 {
            assert_eq!(ids(conn, Lane::Live), [files[0]]);
            assert_eq!(ids(conn, Lane::History), [files[1]]);
        }
        // The limit, the lane and the time are bound anew each call; SQLite would plan for the
        // values bound, and so parse the statement again each time, unless told not to.
        let sqlite = conn.as_sqlite().unwrap();
        let stmt = sqlite.prepare_cached(PENDING_SQL).unwrap();
        assert_eq!(
            stmt.get_status(rusqlite::StatementStatus::RePrepare),
            0,
            "prepared once, never parsed again"
        );
    }
}
