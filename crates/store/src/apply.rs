//! Applies a parsed delivery to the store, inside the caller's transaction. Every step is
//! idempotent (a repeated wamid, status or event changes nothing), so a delivery can be replayed.

use super::directory::{RoutedNumber, route_number};
use super::history_media;
use super::identity;
use super::media::{self, Lane};
use super::{Result, StoreEvent};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use wabox_domain::delivery::{
    Change, ChangePayload, ContactProfile, CustomerKey, Delivery, Echo, HistoryChunk,
    HistoryMessage, InboundMessage, ReplyContext, StatusReport, TemplateStatusUpdate,
    customer_key_from_id,
};
use wabox_domain::groups::{WindowOpened, plausible_group_id, window_opened};
use wabox_domain::status::{DeliveryStatus, StatusDecision, decide};
use wabox_domain::{MessageContent, Wamid};

/// What applying a delivery left undone.
#[derive(Debug, Default, PartialEq)]
pub struct Applied {
    /// The changes that named a number or WABA wabox does not know, in words for the journal.
    pub unrouted: Vec<String>,
}

/// Who sent a message, as shown to agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Customer,
    /// Sent by the business from the WhatsApp Business phone app (an echo).
    PhoneApp,
    /// Imported from the phone app's history at coexistence onboarding.
    History,
}

impl Origin {
    fn as_str(&self) -> &'static str {
        match self {
            Origin::Customer => "customer",
            Origin::PhoneApp => "phone_app",
            Origin::History => "history",
        }
    }
}

pub fn apply_delivery(
    conn: &Connection,
    journal_id: i64,
    delivery: &Delivery,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<Applied> {
    let mut applied = Applied::default();
    for change in &delivery.changes {
        if let Some(reason) = apply_change(conn, journal_id, change, now, events)? {
            applied.unrouted.push(reason);
        }
    }
    Ok(applied)
}

/// Applies one change; returns why it could not be routed, if it could not.
fn apply_change(
    conn: &Connection,
    journal_id: i64,
    change: &Change,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<Option<String>> {
    let number = match &change.phone_number_id {
        Some(id) => match route_number(conn, id)? {
            Some(n) => Some(n),
            None => {
                return Ok(Some(format!(
                    "unknown phone number id {id} ({}, WABA {})",
                    change.field, change.waba_id
                )));
            }
        },
        None => None,
    };
    let tenant_id = match &number {
        Some(n) => n.tenant_id,
        // By WABA, else by business (business-level fields name one in `entry.id`).
        None => match super::business::tenant_of_change(conn, change)? {
            Some(t) => t,
            None => {
                return Ok(Some(format!(
                    "unknown WABA {} ({}; no business wabox knows either)",
                    change.waba_id, change.field
                )));
            }
        },
    };
    let ctx = Ctx {
        conn,
        journal_id,
        tenant_id,
        now,
    };
    match (&change.payload, &number) {
        (
            ChangePayload::Messages {
                contacts,
                messages,
                statuses,
                errors,
            },
            Some(number),
        ) => {
            for m in messages {
                ctx.inbound(number, m, contacts, events)?;
            }
            for s in statuses {
                ctx.status(s, contacts, events)?;
            }
            if !errors.is_empty() {
                ctx.record(change, Some("errors"), &Value::Array(errors.clone()))?;
            }
        }
        (ChangePayload::Echoes { echoes }, Some(number)) => {
            for e in echoes {
                ctx.echo(number, e, events)?;
            }
        }
        (ChangePayload::History { chunks, messages }, Some(number)) => {
            let business = change
                .display_phone
                .as_deref()
                .unwrap_or(&number.display_phone);
            for chunk in chunks {
                ctx.history_chunk(number, business, chunk, events)?;
            }
            for m in messages {
                let customer = history_customer(m, business);
                ctx.history_message(number, &customer, business, m, events)?;
            }
        }
        (
            ChangePayload::Calls {
                contacts,
                events: calls,
                errors,
            },
            Some(number),
        ) => {
            let business = change
                .display_phone
                .as_deref()
                .unwrap_or(&number.display_phone);
            super::calls::apply(&ctx, number, business, contacts, calls, events)?;
            if !errors.is_empty() {
                ctx.record(change, Some("errors"), &Value::Array(errors.clone()))?;
            }
        }
        (ChangePayload::TemplateStatus(update), _) => {
            ctx.template_status(change.waba_id.as_str(), update)?;
            events.push(StoreEvent::TemplateStatusChanged {
                waba_id: change.waba_id.to_string(),
            });
        }
        (ChangePayload::Recorded { event }, _) => {
            ctx.record(change, event.as_deref(), &change.value)?;
        }
        // A message-path field without metadata: nothing to route it by, so keep it on record.
        (_, None) => {
            ctx.record(change, Some("no phone number id"), &change.value)?;
        }
    }
    Ok(None)
}

pub(super) struct Ctx<'a> {
    pub(super) conn: &'a Connection,
    pub(super) journal_id: i64,
    pub(super) tenant_id: i64,
    pub(super) now: i64,
}

/// A message about to be stored.
struct NewMessage<'a> {
    conversation_id: i64,
    wamid: &'a Wamid,
    direction: &'static str,
    origin: Origin,
    content: &'a MessageContent,
    at: i64,
    status: Option<&'a str>,
    context: Option<&'a ReplyContext>,
    referral: Option<&'a Value>,
    payload: &'a Value,
    /// In a group: the participant who wrote it.
    author: Option<i64>,
}

impl Ctx<'_> {
    fn inbound(
        &self,
        number: &RoutedNumber,
        m: &InboundMessage,
        profiles: &[ContactProfile],
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let contact = self.contact(&m.from, profile_of(profiles, &m.from), m.at, events)?;
        if self.modifies_another(&m.wamid, &m.content, "customer", m.at, events)? {
            return Ok(());
        }
        // A message in a group belongs to the group's conversation, never to the author's own.
        let group = m.group_id.as_deref().filter(|g| plausible_group_id(g));
        let conversation_id = match group {
            Some(g) => super::groups::conversation(self, number.id, g)?,
            None => self.conversation(number.id, contact)?,
        };
        let inserted = self.insert_message(
            &NewMessage {
                conversation_id,
                wamid: &m.wamid,
                direction: "in",
                origin: Origin::Customer,
                content: &m.content,
                at: m.at,
                status: None,
                context: m.context.as_ref(),
                referral: m.referral.as_ref(),
                payload: &m.payload,
                author: group.map(|_| contact),
            },
            events,
        )?;
        if let Some(message_id) = inserted {
            // The engine downloads its file (if any) in the background; the message shows it
            // as it goes.
            media::queue_download(
                self.conn,
                message_id,
                number.id,
                &m.content,
                &m.payload,
                Lane::Live,
            )?;
        }
        if inserted.is_some() {
            // Only the customer's own messages open the window, and only they are unread.
            // In a group, any participant opens the group's window (the conversation above).
            let opens =
                window_opened(m.content.opens_window(), group.is_some()) != WindowOpened::None;
            self.conn
                .prepare_cached(
                    "UPDATE conversations SET
                        unread = unread + 1,
                        last_inbound_at = CASE WHEN ?3 THEN max(coalesce(last_inbound_at, 0), ?2)
                                          ELSE last_inbound_at END,
                        referral_at = CASE WHEN ?4 THEN max(coalesce(referral_at, 0), ?2)
                                      ELSE referral_at END,
                        state = CASE WHEN state IN ('closed', 'snoozed') THEN 'open' ELSE state END
                     WHERE id = ?1",
                )?
                .execute(params![conversation_id, m.at, opens, m.referral.is_some()])?;
        }
        if inserted.is_some() && matches!(m.content, MessageContent::System { .. }) {
            // After the message is counted: the change may fold its conversation into another.
            identity::apply_system(
                self.conn,
                self.tenant_id,
                contact,
                &m.payload,
                m.at,
                self.now,
                events,
            )?;
        }
        Ok(())
    }

    fn echo(&self, number: &RoutedNumber, e: &Echo, events: &mut Vec<StoreEvent>) -> Result<()> {
        let contact = self.contact(&e.to, None, e.at, events)?;
        if self.modifies_another(&e.wamid, &e.content, "business", e.at, events)? {
            return Ok(());
        }
        let conversation_id = self.conversation(number.id, contact)?;
        // Echoes are ours: they never open or extend the window and are never unread.
        self.insert_message(
            &NewMessage {
                conversation_id,
                wamid: &e.wamid,
                direction: "out",
                origin: Origin::PhoneApp,
                content: &e.content,
                at: e.at,
                status: Some("sent"),
                context: e.context.as_ref(),
                referral: None,
                payload: &e.payload,
                author: None,
            },
            events,
        )?;
        Ok(())
    }

    /// Reactions, edits and deletions change the message they point at instead of being
    /// messages of their own; returns whether `content` was one of them (and is applied).
    fn modifies_another(
        &self,
        wamid: &Wamid,
        content: &MessageContent,
        reactor: &str,
        at: i64,
        events: &mut Vec<StoreEvent>,
    ) -> Result<bool> {
        match content {
            MessageContent::Reaction { target, emoji } => {
                self.reaction(wamid, target, reactor, emoji, at, events)?
            }
            MessageContent::Edit {
                original,
                new_content,
            } => self.revision(wamid, original, "edit", Some(new_content), at, events)?,
            MessageContent::Revoke { original } => {
                self.revision(wamid, original, "revoke", None, at, events)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn history_chunk(
        &self,
        number: &RoutedNumber,
        business: &str,
        chunk: &HistoryChunk,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO history_progress (number_id, phase, chunk_order, progress, error_code,
                                               error_title, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (number_id, phase, chunk_order) DO UPDATE SET
                    progress = max(coalesce(progress, 0), coalesce(excluded.progress, 0)),
                    error_code = coalesce(excluded.error_code, error_code),
                    error_title = coalesce(excluded.error_title, error_title)",
            )?
            .execute(params![
                number.id,
                chunk.phase,
                chunk.chunk_order,
                chunk.progress,
                chunk.error.as_ref().map(|e| e.code),
                chunk.error.as_ref().map(|e| e.title.as_str()),
                self.now
            ])?;
        for thread in &chunk.threads {
            for m in &thread.messages {
                self.history_message(number, &thread.customer, business, m, events)?;
            }
        }
        Ok(())
    }

    /// History is imported silently: no unread count, and the window of today is not touched.
    fn history_message(
        &self,
        number: &RoutedNumber,
        customer: &CustomerKey,
        business: &str,
        m: &HistoryMessage,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let outgoing = m.from.as_deref().is_some_and(|f| same_phone(f, business));
        let reactor = if outgoing { "business" } else { "customer" };
        if self.modifies_another(&m.wamid, &m.content, reactor, m.at, events)? {
            return Ok(());
        }
        let contact = self.contact(customer, None, m.at, events)?;
        let conversation_id = self.conversation(number.id, contact)?;
        let status = if outgoing {
            m.status
                .as_deref()
                .and_then(DeliveryStatus::parse)
                .map(|s| s.as_str())
        } else {
            None
        };
        let inserted = self.insert_message(
            &NewMessage {
                conversation_id,
                wamid: &m.wamid,
                direction: if outgoing { "out" } else { "in" },
                origin: Origin::History,
                content: &m.content,
                at: m.at,
                status,
                context: m.context.as_ref(),
                referral: None,
                payload: &m.payload,
                author: None,
            },
            events,
        )?;
        history_media::stored(self.conn, inserted, number.id, m, events)
    }

    /// Finds or creates the contact, pairing its ids (`store::identity`).
    pub(super) fn contact(
        &self,
        key: &CustomerKey,
        profile: Option<&ContactProfile>,
        at: i64,
        events: &mut Vec<StoreEvent>,
    ) -> Result<i64> {
        let sighting = identity::sighting(key, profile, at);
        identity::resolve(self.conn, self.tenant_id, &sighting, self.now, events)
    }

    pub(super) fn conversation(&self, number_id: i64, contact_id: i64) -> Result<i64> {
        let existing: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM conversations WHERE number_id = ?1 AND contact_id = ?2",
            )?
            .query_row(params![number_id, contact_id], |r| r.get(0))
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        self.conn
            .prepare_cached(
                // A new conversation lands in its number's queue (none: admins see it as such).
                "INSERT INTO conversations (number_id, contact_id, created_at, queue_id)
                 VALUES (?1, ?2, ?3, (SELECT queue_id FROM numbers WHERE id = ?1))",
            )?
            .execute(params![number_id, contact_id, self.now])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Stores a message unless its wamid is already stored; returns the new row id if it was not.
    fn insert_message(
        &self,
        m: &NewMessage<'_>,
        events: &mut Vec<StoreEvent>,
    ) -> Result<Option<i64>> {
        let text = m.content.summary();
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO messages (conversation_id, wamid, direction, origin, type, text, at,
                                       status, reply_to, forwarded, referral, payload, journal_id,
                                       author_contact_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (wamid) DO NOTHING",
            )?
            .execute(params![
                m.conversation_id,
                m.wamid.as_str(),
                m.direction,
                m.origin.as_str(),
                m.content.kind(),
                text,
                m.at,
                m.status,
                m.context
                    .and_then(|c| c.quoted.as_ref())
                    .map(|w| w.as_str()),
                m.context.is_some_and(|c| c.forwarded),
                m.referral.map(Value::to_string),
                (!m.payload.is_null()).then(|| m.payload.to_string()),
                self.journal_id,
                m.author,
            ])?;
        if inserted == 0 {
            return Ok(None);
        }
        let id = self.conn.last_insert_rowid();
        if m.direction == "out" {
            self.settle_status_from_history(id, m.wamid)?;
        }
        self.apply_waiting_revisions(id, m.wamid)?;
        self.conn
            .prepare_cached(
                "UPDATE conversations SET last_message_at = ?2, last_message_text = ?3
                 WHERE id = ?1 AND (last_message_at IS NULL OR last_message_at <= ?2)",
            )?
            .execute(params![m.conversation_id, m.at, text])?;
        events.push(StoreEvent::MessageAdded {
            conversation_id: m.conversation_id,
            message_id: id,
        });
        events.push(StoreEvent::ConversationChanged {
            conversation_id: m.conversation_id,
        });
        Ok(Some(id))
    }

    fn settle_status_from_history(&self, message_id: i64, wamid: &Wamid) -> Result<()> {
        settle_status(self.conn, message_id, wamid.as_str())
    }

    fn status(
        &self,
        s: &StatusReport,
        profiles: &[ContactProfile],
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO statuses (wamid, status, at, recipient_id, error_code, error_title,
                                       error_detail, pricing, callback_data, journal_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (wamid, status) DO NOTHING",
            )?
            .execute(params![
                s.wamid.as_str(),
                s.status.to_ascii_lowercase(),
                s.at,
                s.recipient_id,
                s.error.as_ref().map(|e| e.code),
                s.error.as_ref().map(|e| e.title.as_str()),
                s.error.as_ref().and_then(|e| e.detail.as_deref()),
                s.pricing.as_ref().map(Value::to_string),
                s.callback_data,
                self.journal_id
            ])?;
        if inserted > 0 && !s.to_group() {
            identity::pair_from_status(self.conn, self.tenant_id, s, profiles, self.now, events)?;
        }
        let Some(incoming) = DeliveryStatus::parse(&s.status) else {
            return Ok(()); // a status we do not know yet is on record, and changes nothing shown
        };
        if inserted == 0 {
            return Ok(());
        }
        let message: Option<(i64, i64, Option<String>)> = self
            .conn
            .prepare_cached("SELECT id, conversation_id, status FROM messages WHERE wamid = ?1")?
            .query_row([s.wamid.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((id, conversation_id, current)) = message else {
            return Ok(()); // settled from the statuses table when the message is stored
        };
        let current = current.as_deref().and_then(DeliveryStatus::parse);
        if let StatusDecision::Advance(new) = decide(current, incoming) {
            self.conn
                .prepare_cached(
                    "UPDATE messages SET status = ?2, error_code = ?3, error_title = ?4 WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    new.as_str(),
                    s.error.as_ref().map(|e| e.code),
                    s.error.as_ref().map(|e| e.title.as_str())
                ])?;
            events.push(StoreEvent::MessageChanged {
                conversation_id,
                message_id: id,
            });
            if new == DeliveryStatus::Failed {
                super::answers::reaction_failed(self.conn, id, events)?;
            }
        }
        Ok(())
    }

    /// A reaction replaces the reactor's earlier one on that message; a late repeat of an older
    /// reaction (or of one since removed) changes nothing.
    fn reaction(
        &self,
        reaction_wamid: &Wamid,
        target: &str,
        reactor: &str,
        emoji: &str,
        at: i64,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let changed = self
            .conn
            .prepare_cached(
                "INSERT INTO reactions (message_wamid, reactor, emoji, reaction_wamid, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (message_wamid, reactor) DO UPDATE SET
                    emoji = excluded.emoji, reaction_wamid = excluded.reaction_wamid, at = excluded.at
                 WHERE excluded.at > reactions.at
                    OR (excluded.at = reactions.at AND excluded.reaction_wamid > reactions.reaction_wamid)",
            )?
            .execute(params![target, reactor, emoji, reaction_wamid.as_str(), at])?;
        if changed > 0 {
            self.message_changed(target, events)?;
        }
        Ok(())
    }

    /// Records an edit or deletion once, and applies it to the original message if it is stored
    /// (otherwise when it arrives).
    fn revision(
        &self,
        revision_wamid: &Wamid,
        original: &str,
        kind: &str,
        new_content: Option<&MessageContent>,
        at: i64,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO message_revisions (revision_wamid, original_wamid, kind, new_text,
                                                new_type, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (revision_wamid) DO NOTHING",
            )?
            .execute(params![
                revision_wamid.as_str(),
                original,
                kind,
                new_content.map(MessageContent::summary),
                new_content.map(|c| c.kind().to_string()),
                at
            ])?;
        if inserted == 0 {
            return Ok(());
        }
        let message: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM messages WHERE wamid = ?1")?
            .query_row([original], |r| r.get(0))
            .optional()?;
        if let Some(id) = message {
            self.apply_waiting_revisions(id, &Wamid(original.to_string()))?;
            self.message_changed(original, events)?;
        }
        Ok(())
    }

    /// Applies, in order, the edits and deletions recorded for a message but not yet applied.
    fn apply_waiting_revisions(&self, message_id: i64, wamid: &Wamid) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, new_text, new_type FROM message_revisions
             WHERE original_wamid = ?1 AND message_id IS NULL ORDER BY at, id",
        )?;
        let waiting: Vec<(i64, String, Option<String>, Option<String>)> = stmt
            .query_map([wamid.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (revision_id, kind, new_text, new_type) in waiting {
            let previous: String = self.conn.query_row(
                "SELECT text FROM messages WHERE id = ?1",
                [message_id],
                |r| r.get(0),
            )?;
            self.conn.execute(
                "UPDATE message_revisions SET message_id = ?2, previous_text = ?3 WHERE id = ?1",
                params![revision_id, message_id, previous],
            )?;
            if kind == "edit" {
                self.conn.execute(
                    "UPDATE messages SET text = coalesce(?2, text), type = coalesce(?3, type),
                                         edited = 1 WHERE id = ?1",
                    params![message_id, new_text, new_type],
                )?;
            } else {
                self.conn.execute(
                    "UPDATE messages SET revoked = 1 WHERE id = ?1",
                    [message_id],
                )?;
            }
        }
        Ok(())
    }

    fn message_changed(&self, wamid: &str, events: &mut Vec<StoreEvent>) -> Result<()> {
        let found: Option<(i64, i64)> = self
            .conn
            .prepare_cached("SELECT id, conversation_id FROM messages WHERE wamid = ?1")?
            .query_row([wamid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((message_id, conversation_id)) = found {
            events.push(StoreEvent::MessageChanged {
                conversation_id,
                message_id,
            });
        }
        Ok(())
    }

    fn template_status(&self, waba_id: &str, u: &TemplateStatusUpdate) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO templates (tenant_id, waba_id, template_id, name, language, status,
                                        category, reason, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (waba_id, template_id) DO UPDATE SET
                    status = excluded.status, reason = excluded.reason,
                    name = coalesce(excluded.name, name),
                    language = coalesce(excluded.language, language),
                    category = coalesce(excluded.category, category),
                    updated_at = excluded.updated_at",
            )?
            .execute(params![
                self.tenant_id,
                waba_id,
                u.template_id,
                u.name,
                u.language,
                u.event,
                u.category,
                u.reason,
                self.now
            ])?;
        Ok(())
    }

    fn record(&self, change: &Change, event: Option<&str>, payload: &Value) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO account_events (journal_id, change_index, tenant_id, waba_id,
                                             phone_number_id, field, event, payload, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (journal_id, change_index) DO NOTHING",
            )?
            .execute(params![
                self.journal_id,
                change.index as i64,
                self.tenant_id,
                change.waba_id.as_str(),
                change.phone_number_id.as_ref().map(|p| p.as_str()),
                change.field,
                event,
                payload.to_string(),
                self.now
            ])?;
        Ok(())
    }
}

/// Statuses may arrive before the message they describe (or before a send's wamid is known);
/// folds what is already recorded into the message's shown status.
pub fn settle_status(conn: &Connection, message_id: i64, wamid: &str) -> Result<()> {
    let mut stmt = conn
        .prepare_cached("SELECT status, error_code, error_title FROM statuses WHERE wamid = ?1")?;
    let reports: Vec<(String, Option<i64>, Option<String>)> = stmt
        .query_map([wamid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if reports.is_empty() {
        return Ok(());
    }
    let mut current: Option<DeliveryStatus> = conn
        .query_row(
            "SELECT status FROM messages WHERE id = ?1",
            [message_id],
            |r| r.get::<_, Option<String>>(0),
        )?
        .as_deref()
        .and_then(DeliveryStatus::parse);
    let mut error = None;
    for (status, code, title) in &reports {
        if let Some(s) = DeliveryStatus::parse(status)
            && let StatusDecision::Advance(s) = decide(current, s)
        {
            current = Some(s);
            error = code.map(|c| (c, title.clone()));
        }
    }
    conn.execute(
        "UPDATE messages SET status = ?2, error_code = ?3, error_title = ?4 WHERE id = ?1",
        params![
            message_id,
            current.map(|s| s.as_str()),
            error.as_ref().map(|e| e.0),
            error.and_then(|e| e.1)
        ],
    )?;
    Ok(())
}

pub(super) fn profile_of<'a>(
    profiles: &'a [ContactProfile],
    key: &CustomerKey,
) -> Option<&'a ContactProfile> {
    profiles
        .iter()
        .find(|p| identity::names(p, key))
        .or_else(|| (profiles.len() == 1).then(|| &profiles[0]))
}

/// Compares phone numbers by their digits (`+52 155…` and `52155…` are the same number).
fn same_phone(a: &str, b: &str) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    !a.is_empty() && digits(a) == digits(b)
}

/// The customer of a loose history message: whoever of `from` and `to` is not the business.
fn history_customer(m: &HistoryMessage, business: &str) -> CustomerKey {
    let other = match (&m.from, &m.to) {
        (Some(f), to) if same_phone(f, business) => to.clone().unwrap_or_default(),
        (Some(f), _) => f.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => String::new(),
    };
    customer_key_from_id(&other)
}
