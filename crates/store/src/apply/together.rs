//! On PostgreSQL, the customers' plain messages of a batch of deliveries are stored together:
//! one statement at the end of the batch, or sooner when something must see them first,
//! instead of one each. Each statement cost the server more in its round trip, planning and
//! start than in the row it stored (`perf` under `wabox bench ingest --store`: a fifth of the
//! server's time was starting statements, another fifth in their system calls).
//!
//! What waits is only what nothing else in the batch reads before it is stored: a customer's
//! own message outside a group that changes no other message (no reaction, edit, deletion or
//! system notice). Anything else first stores what waits, and so do a second message to a
//! conversation that has one waiting, a message of a customer whose conversation one waiting
//! opens, and a repeated wamid: each conversation is then touched once a statement, by rules
//! that are `MAKE_LATEST`'s row by row. A merge of two contacts in the batch (`identity`) may
//! remove a conversation or contact a waiting message names: the statement then fails on its
//! foreign key and the batch is applied again one delivery at a time, as any failing batch is.

use super::{Conversation, Ctx, Result, StoreEvent};
use crate::db::Connection;
use serde::Serialize;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashSet;
use wabox_domain::{MessageContent, Wamid};

/// A customer's message waiting to be stored with the rest of its batch: the row
/// `STORE_TOGETHER` reads (`json_to_recordset`), and what storing it needs after.
#[derive(Serialize)]
pub(super) struct Waiting {
    /// Its conversation, or none yet: then it opens that of `number_id` and `contact_id`.
    pub(super) conversation_id: Option<i64>,
    pub(super) number_id: i64,
    pub(super) contact_id: Option<i64>,
    /// The batch's time, a new conversation's `created_at`.
    pub(super) created_at: i64,
    pub(super) at: i64,
    pub(super) text: String,
    pub(super) wamid: Wamid,
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) reply_to: Option<String>,
    pub(super) forwarded: i64,
    pub(super) referral: Option<String>,
    pub(super) payload: Option<String>,
    pub(super) journal_id: i64,
    /// It opens (or extends) the window; it came from an ad.
    pub(super) opens: bool,
    pub(super) referred: bool,
    /// Its place in the batch, set by `wait`.
    pub(super) ord: usize,
    #[serde(skip)]
    pub(super) tenant_id: i64,
    /// A file to fetch once it is stored (`media::queue_download`), with its payload.
    #[serde(skip)]
    pub(super) media: Option<(MessageContent, Value)>,
}

impl Waiting {
    /// Where it goes, as `Conversation` says it.
    pub(super) fn to(conversation: Conversation) -> (Option<i64>, Option<i64>) {
        match conversation {
            Conversation::Known(id) => (Some(id), None),
            Conversation::Opens { contact_id, .. } => (None, Some(contact_id)),
        }
    }
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    conversations: HashSet<i64>,
    opening: HashSet<(i64, i64)>,
    wamids: HashSet<String>,
}

/// The messages of a batch waiting to be stored; none ever wait unless the batch asked.
#[derive(Default)]
pub(super) struct Together {
    on: bool,
    queue: RefCell<Queue>,
}

impl Together {
    pub(super) fn on(conn: &Connection) -> Self {
        Together {
            on: conn.dialect() == crate::db::Dialect::Postgres,
            queue: RefCell::default(),
        }
    }

    pub(super) fn is_on(&self) -> bool {
        self.on
    }

    /// Whether a message of this wamid, or opening the conversation of this number and
    /// contact, waits: the caller stores what waits before going on.
    pub(super) fn must_store_first(&self, wamid: &Wamid, number_id: i64, contact_id: i64) -> bool {
        let q = self.queue.borrow();
        q.wamids.contains(wamid.as_str()) || q.opening.contains(&(number_id, contact_id))
    }

    /// Whether a message to this conversation waits.
    pub(super) fn touches(&self, conversation_id: i64) -> bool {
        self.queue.borrow().conversations.contains(&conversation_id)
    }

    pub(super) fn wait(&self, mut w: Waiting) {
        let mut q = self.queue.borrow_mut();
        w.ord = q.waiting.len();
        match (w.conversation_id, w.contact_id) {
            (Some(id), _) => q.conversations.insert(id),
            (None, Some(contact_id)) => q.opening.insert((w.number_id, contact_id)),
            (None, None) => false,
        };
        q.wamids.insert(w.wamid.as_str().to_string());
        q.waiting.push(w);
    }

    /// Stores every waiting message in one statement, then does for each stored what storing it
    /// alone does after (revisions that came first, events, its file).
    pub(super) fn store(&self, conn: &Connection, events: &mut Vec<StoreEvent>) -> Result<()> {
        let waiting = std::mem::take(&mut *self.queue.borrow_mut()).waiting;
        if waiting.is_empty() {
            return Ok(());
        }
        let known: Vec<String> = (waiting.iter())
            .filter_map(|w| w.conversation_id.map(|id| id.to_string()))
            .collect();
        let known = format!("{{{}}}", known.join(","));
        let rows = serde_json::to_string(&waiting)
            .map_err(|e| crate::StoreError::invalid(e.to_string()))?;
        let stored: std::collections::HashMap<String, (i64, i64, bool)> = conn
            .prepare_cached(STORE_TOGETHER)?
            .query_map([rows, known], |r| {
                Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
            })?
            .collect::<crate::db::Result<_>>()?;
        let nothing_ahead = crate::identity::LookAhead::default();
        for w in &waiting {
            let Some(&(id, conversation_id, revised_before)) = stored.get(w.wamid.as_str()) else {
                continue;
            };
            let ctx = Ctx {
                conn,
                journal_id: w.journal_id,
                tenant_id: w.tenant_id,
                now: w.created_at,
                together: self,
                ahead: &nothing_ahead,
            };
            if revised_before {
                ctx.apply_waiting_revisions(id, &w.wamid)?;
            }
            events.push(StoreEvent::MessageAdded {
                conversation_id,
                message_id: id,
            });
            events.push(StoreEvent::ConversationChanged { conversation_id });
            if let Some((content, payload)) = &w.media {
                super::media::queue_download(
                    conn,
                    id,
                    w.number_id,
                    content,
                    payload,
                    super::media::Lane::Live,
                )?;
            }
        }
        Ok(())
    }
}

/// Stores a batch's waiting messages (?1, a JSON array of `row`s with their `ord`er; ?2 the
/// known conversations among them, as an array, so that the plan reads only those), each
/// unless its wamid is stored: opens the conversations of new customers (`OPEN_WITH_MESSAGE`
/// for many), stores the messages, and makes each its conversation's latest, unread, reopening
/// it (`MAKE_LATEST` for a customer's message, with each conversation once). Returns each stored
/// message's wamid, id, conversation, and whether an edit or deletion of it waits.
const STORE_TOGETHER: &str = "WITH input AS (
        SELECT * FROM json_to_recordset(CAST(CAST(?1 AS TEXT) AS json)) AS r(
            conversation_id BIGINT, number_id BIGINT, contact_id BIGINT, created_at BIGINT,
            at BIGINT, text TEXT, wamid TEXT, type TEXT, reply_to TEXT, forwarded BIGINT,
            referral TEXT, payload TEXT, journal_id BIGINT, opens BOOLEAN, referred BOOLEAN,
            ord BIGINT)),
    opened AS (
        INSERT INTO conversations (number_id, contact_id, created_at, queue_id, last_message_at,
                                   last_message_text, unread, last_inbound_at, referral_at)
        SELECT i.number_id, i.contact_id, i.created_at,
               (SELECT queue_id FROM numbers n WHERE n.id = i.number_id), i.at, i.text, 1,
               CASE WHEN i.opens THEN i.at END, CASE WHEN i.referred THEN i.at END
        FROM input i
        WHERE i.conversation_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.wamid = i.wamid)
        RETURNING id, number_id, contact_id),
    stored AS (
        INSERT INTO messages AS m (conversation_id, at, text, wamid, direction, origin, type,
                                   status, reply_to, forwarded, referral, payload, journal_id,
                                   author_contact_id)
        SELECT coalesce(i.conversation_id, o.id), i.at, i.text, i.wamid, 'in', 'customer',
               i.type, NULL, i.reply_to, i.forwarded, i.referral, i.payload, i.journal_id, NULL
        FROM input i
        LEFT JOIN opened o ON i.conversation_id IS NULL
                          AND o.number_id = i.number_id AND o.contact_id = i.contact_id
        WHERE coalesce(i.conversation_id, o.id) IS NOT NULL
        ORDER BY i.ord
        ON CONFLICT (wamid) DO NOTHING
        RETURNING m.wamid, m.id, m.conversation_id,
                  EXISTS (SELECT 1 FROM message_revisions v
                          WHERE v.original_wamid = m.wamid AND v.message_id IS NULL)),
    latest AS (
        UPDATE conversations c SET
            last_message_at = CASE WHEN c.last_message_at IS NULL OR c.last_message_at <= i.at
                              THEN i.at ELSE c.last_message_at END,
            last_message_text = CASE WHEN c.last_message_at IS NULL OR c.last_message_at <= i.at
                                THEN i.text ELSE c.last_message_text END,
            unread = c.unread + 1,
            last_inbound_at = CASE WHEN NOT i.opens THEN c.last_inbound_at
                              WHEN coalesce(c.last_inbound_at, 0) > i.at
                              THEN coalesce(c.last_inbound_at, 0) ELSE i.at END,
            referral_at = CASE WHEN NOT i.referred THEN c.referral_at
                          WHEN coalesce(c.referral_at, 0) > i.at
                          THEN coalesce(c.referral_at, 0) ELSE i.at END,
            state = CASE WHEN c.state IN ('closed', 'snoozed') THEN 'open' ELSE c.state END
        FROM input i JOIN stored s ON s.wamid = i.wamid
        WHERE c.id = i.conversation_id
          AND c.id = ANY (CAST(CAST(?2 AS TEXT) AS BIGINT[])))
    SELECT * FROM stored";

#[cfg(test)]
#[path = "together_tests.rs"]
mod tests;
