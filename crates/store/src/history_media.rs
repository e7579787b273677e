//! Files of a coexistence history import. A thread message of type `media_placeholder` says a
//! file was there; Meta sends the file itself later, in a separate `history` post with the same
//! wamid (and only for files of the last 14 days). That later message fills the placeholder, in
//! whichever order the two arrive, and its file is fetched in the history lane: after customers'
//! live files, in the background.

use super::media::{self, Lane};
use super::{Result, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
use wabox_domain::MessageContent;
use wabox_domain::delivery::HistoryMessage;
use wabox_protocol::HistoryMediaProgress;

/// After a history message was offered to the store (`inserted`: its new row, or None when its
/// wamid was already stored): a file fills the placeholder stored under its wamid, and the file
/// of a new or filled message is queued. A placeholder never overwrites what is stored, and a
/// repeat of the file's message changes nothing.
pub fn stored(
    conn: &Connection,
    inserted: Option<i64>,
    number_id: i64,
    m: &HistoryMessage,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let message_id = match inserted {
        Some(id) => Some(id),
        None => fill_placeholder(conn, m, events)?,
    };
    if let Some(id) = message_id {
        media::queue_download(conn, id, number_id, &m.content, &m.payload, Lane::History)?;
    }
    Ok(())
}

/// The stored placeholder under `m`'s wamid takes `m`'s type, text and payload; returns its id
/// when there was one to fill.
fn fill_placeholder(
    conn: &Connection,
    m: &HistoryMessage,
    events: &mut Vec<StoreEvent>,
) -> Result<Option<i64>> {
    if matches!(m.content, MessageContent::MediaPlaceholder) {
        return Ok(None);
    }
    let text = m.content.summary();
    let filled: Option<(i64, i64, i64)> = conn
        .prepare_cached(
            "UPDATE messages SET type = ?2, text = ?3, payload = ?4
             WHERE wamid = ?1 AND type = 'media_placeholder'
             RETURNING id, conversation_id, at",
        )?
        .query_row(
            params![
                m.wamid.as_str(),
                m.content.kind(),
                text,
                (!m.payload.is_null()).then(|| m.payload.to_string())
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((message_id, conversation_id, at)) = filled else {
        return Ok(None);
    };
    // The conversation list shows its last message: the placeholder's text, if it was the last.
    conn.prepare_cached(
        "UPDATE conversations SET last_message_text = ?2 WHERE id = ?1 AND last_message_at = ?3",
    )?
    .execute(params![conversation_id, text, at])?;
    events.push(StoreEvent::MessageChanged {
        conversation_id,
        message_id,
    });
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(Some(message_id))
}

/// How far the download of a number's history files has come.
pub fn progress(conn: &Connection, number_id: i64) -> Result<HistoryMediaProgress> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, count(*) FROM media WHERE number_id = ?1 AND lane = 'history' GROUP BY state",
    )?;
    let rows = stmt.query_map([number_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut p = HistoryMediaProgress::default();
    for row in rows {
        let (state, n) = row?;
        p.total += n;
        match state.as_str() {
            "downloaded" => p.fetched += n,
            "failed" => p.failed += n,
            _ => p.waiting += n,
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wabox_domain::delivery::{ChangePayload, parse_delivery};

    const PNID: &str = "106540352242922";
    const WABA: &str = "104829357711032";

    /// A store with one coexistence number.
    fn store() -> (crate::testing::StoreGuard, Connection) {
        let (dir, conn) = crate::testing::store();
        crate::directory::add_tenant(&conn, "Acme", 0).unwrap();
        let number = crate::directory::NewNumber {
            tenant: "Acme",
            phone_number_id: PNID,
            waba_id: WABA,
            display_phone: "+1 555 000 1111",
            connection: wabox_domain::ConnectionKind::Coexistence,
            access_token_sealed: None,
        };
        crate::directory::add_number(&conn, &number, 0).unwrap();
        (dir, conn)
    }

    fn apply(conn: &Connection, messages: Vec<serde_json::Value>) {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes": [
            {"field": "history", "value": {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550001111", "phone_number_id": PNID},
             "messages": messages}}]}]});
        let delivery = parse_delivery(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert!(matches!(
            delivery.changes[0].payload,
            ChangePayload::History { .. }
        ));
        crate::apply::apply_delivery(conn, 0, &delivery, 100, &mut Vec::new()).unwrap();
    }

    fn placeholder() -> serde_json::Value {
        json!({"from": "5917000001", "id": "wamid.P1", "timestamp": "50", "type": "media_placeholder"})
    }

    fn image(media_id: &str) -> serde_json::Value {
        json!({"from": "5917000001", "id": "wamid.P1", "timestamp": "50", "type": "image",
               "image": {"id": media_id, "mime_type": "image/jpeg", "caption": "the blue one"}})
    }

    fn row(conn: &Connection) -> (String, String, Option<String>, Option<String>) {
        conn.query_row(
            "SELECT m.type, m.text, md.state, md.lane FROM messages m
             LEFT JOIN media md ON md.message_id = m.id WHERE m.wamid = 'wamid.P1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    }

    #[crate::testing::both_stores]
    fn the_file_fills_its_placeholder_and_is_queued_in_the_history_lane() {
        let (_d, conn) = store();
        apply(&conn, vec![placeholder()]);
        assert_eq!(row(&conn).0, "media_placeholder");
        apply(&conn, vec![image("4411223344")]);
        let filled = row(&conn);
        assert_eq!(
            filled,
            (
                "image".into(),
                "[image] the blue one".into(),
                Some("pending".into()),
                Some("history".into())
            )
        );
        // A repeat changes nothing; a late placeholder does not overwrite the file.
        apply(&conn, vec![image("4411223344"), placeholder()]);
        assert_eq!(row(&conn), filled);
        let p = progress(&conn, 1).unwrap();
        assert_eq!((p.total, p.waiting, p.fetched, p.failed), (1, 1, 0, 0));
    }

    #[crate::testing::both_stores]
    fn a_media_id_no_meta_id_looks_like_is_never_fetched() {
        let (_d, conn) = store();
        apply(&conn, vec![image("../../me?x=1")]);
        let (_, _, state, _) = row(&conn);
        assert_eq!(state.as_deref(), Some("failed"));
        let p = progress(&conn, 1).unwrap();
        assert_eq!((p.total, p.failed), (1, 1));
        assert_eq!(p.summary(), "0 of 1 fetched, 1 failed");
    }
}
