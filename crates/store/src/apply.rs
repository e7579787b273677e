//! Applies a parsed delivery to the store, inside the caller's transaction. Every step is
//! idempotent (a repeated wamid, status or event changes nothing), so a delivery can be replayed.

mod history;
mod records;
mod revisions;
mod status;
mod together;

use history::history_customer;
pub use status::settle_status;

use super::directory::{RoutedNumber, route_number};
use super::history_media;
use super::identity;
use super::media::{self, Lane};
use super::{Result, StoreEvent};
use crate::db::{Connection, OptionalExtension, params};
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

/// What the deliveries of a batch, applied in one transaction, share. The numbers they were
/// routed to, looked up once each: a batch is a moment of one transaction, and a number is
/// rarely changed (the lookup was one round trip of the few a delivery costs on PostgreSQL).
/// And, for a batch made `together`, its customers' messages waiting to be stored in one
/// statement (`apply::together`). A batch that fails is applied again with a new one.
#[derive(Default)]
pub struct Batch {
    routes: std::cell::RefCell<std::collections::HashMap<String, Option<RoutedNumber>>>,
    together: together::Together,
    /// Its customers, looked up before it is applied (`look_ahead`).
    ahead: identity::LookAhead,
}

impl Batch {
    /// A batch whose customers' plain messages wait to be stored together (on PostgreSQL;
    /// on SQLite, where a statement costs no round trip, each is stored as it comes). The
    /// caller must call `finish` before its transaction commits, or they are not stored.
    pub fn together(conn: &Connection) -> Self {
        Batch {
            routes: Default::default(),
            together: together::Together::on(conn),
            ahead: Default::default(),
        }
    }

    /// Looks up, in one statement, the customers whose messages the batch's deliveries bring,
    /// and makes those nobody knows in another (`identity::LookAhead`), when its messages are
    /// stored together: on PostgreSQL, where each lookup and each new customer was a round
    /// trip.
    pub fn look_ahead<'d>(
        &mut self,
        conn: &Connection,
        deliveries: impl IntoIterator<Item = &'d Delivery>,
        now: i64,
    ) -> Result<()> {
        if !self.together.is_on() {
            return Ok(());
        }
        let deliveries: Vec<&Delivery> = deliveries.into_iter().collect();
        self.route_all(conn, &deliveries)?;
        let mut wanted = Vec::new();
        for change in deliveries.iter().flat_map(|d| &d.changes) {
            let ChangePayload::Messages {
                contacts, messages, ..
            } = &change.payload
            else {
                continue;
            };
            let Some(id) = &change.phone_number_id else {
                continue;
            };
            let Some(number) = self.route(conn, id)? else {
                continue;
            };
            for m in messages {
                let seen = identity::sighting(&m.from, profile_of(contacts, &m.from), m.at);
                wanted.push(identity::Wanted {
                    tenant_id: number.tenant_id,
                    ids: seen.ids,
                    at: m.at,
                    number_id: number.id,
                    name: seen.name,
                    username: seen.username,
                });
            }
        }
        self.ahead = identity::LookAhead::look(conn, &wanted, now)?;
        Ok(())
    }

    /// Stores what waits (`together`). A batch's last step, in its transaction.
    pub fn finish(&self, conn: &Connection, events: &mut Vec<StoreEvent>) -> Result<()> {
        self.together.store(conn, events)
    }

    /// Routes the numbers the deliveries name in one statement (`route` then finds each in
    /// hand): a batch's changes name a few dozen numbers, each a round trip of its own before.
    fn route_all(&self, conn: &Connection, deliveries: &[&Delivery]) -> Result<()> {
        let mut ids: Vec<&str> = (deliveries.iter())
            .flat_map(|d| &d.changes)
            .filter_map(|c| c.phone_number_id.as_ref().map(|id| id.as_str()))
            .filter(|id| !self.routes.borrow().contains_key(*id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        let mut routed = crate::directory::route_numbers(conn, &ids)?;
        let mut routes = self.routes.borrow_mut();
        for id in ids {
            // One wabox does not know is known not to be, as `route` keeps it.
            routes.insert(id.to_string(), routed.remove(id));
        }
        Ok(())
    }

    fn route(
        &self,
        conn: &Connection,
        id: &wabox_domain::PhoneNumberId,
    ) -> Result<Option<RoutedNumber>> {
        if let Some(known) = self.routes.borrow().get(id.as_str()) {
            return Ok(known.clone());
        }
        let routed = route_number(conn, id)?;
        self.routes
            .borrow_mut()
            .insert(id.as_str().to_string(), routed.clone());
        Ok(routed)
    }
}

pub fn apply_delivery(
    conn: &Connection,
    journal_id: i64,
    delivery: &Delivery,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<Applied> {
    let batch = Batch::default();
    apply_routed(conn, journal_id, delivery, now, &batch, events)
}

/// `apply_delivery` for one of a batch, with what the batch shares.
pub fn apply_routed(
    conn: &Connection,
    journal_id: i64,
    delivery: &Delivery,
    now: i64,
    batch: &Batch,
    events: &mut Vec<StoreEvent>,
) -> Result<Applied> {
    let mut applied = Applied::default();
    for change in &delivery.changes {
        if let Some(reason) = apply_change(conn, journal_id, change, now, batch, events)? {
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
    batch: &Batch,
    events: &mut Vec<StoreEvent>,
) -> Result<Option<String>> {
    let number = match &change.phone_number_id {
        Some(id) => match batch.route(conn, id)? {
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
        together: &batch.together,
        ahead: &batch.ahead,
    };
    // Only customers' messages may wait to be stored together; anything else may read what
    // waits, which is stored first (`apply::together`).
    let only_messages = matches!(&change.payload, ChangePayload::Messages { statuses, errors, .. }
        if statuses.is_empty() && errors.is_empty());
    if !(only_messages && number.is_some()) {
        ctx.before_other_work(events)?;
    }
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
    /// The batch's messages waiting to be stored together.
    together: &'a together::Together,
    /// The batch's customers, looked up ahead.
    ahead: &'a identity::LookAhead,
}

/// A message about to be stored.
struct NewMessage<'a> {
    conversation: Conversation,
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
    /// Set for a customer's own message: it is unread and reopens its conversation.
    from_customer: Option<CustomerTurn>,
}

/// Makes a message (?2 its time, ?3 its text) the latest of its conversation (?1) unless a
/// later one is; a customer's (?4) is also unread and reopens it, and may open the window (?5)
/// or come from an ad (?6). One UPDATE: every right-hand side reads the row as it was. The
/// later of two times is a CASE: SQLite's two-argument `max` is PostgreSQL's `GREATEST`, and
/// neither has the other's.
const MAKE_LATEST: &str = "UPDATE conversations SET
    last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at <= ?2
                      THEN ?2 ELSE last_message_at END,
    last_message_text = CASE WHEN last_message_at IS NULL OR last_message_at <= ?2
                        THEN ?3 ELSE last_message_text END,
    unread = unread + CASE WHEN ?4 THEN 1 ELSE 0 END,
    last_inbound_at = CASE WHEN NOT ?5 THEN last_inbound_at
                      WHEN coalesce(last_inbound_at, 0) > ?2
                      THEN coalesce(last_inbound_at, 0) ELSE ?2 END,
    referral_at = CASE WHEN NOT ?6 THEN referral_at
                  WHEN coalesce(referral_at, 0) > ?2
                  THEN coalesce(referral_at, 0) ELSE ?2 END,
    state = CASE WHEN ?4 AND state IN ('closed', 'snoozed') THEN 'open'
            ELSE state END
 WHERE id = ?1 AND (?4 OR last_message_at IS NULL OR last_message_at <= ?2)";

/// Stores a message (?1..?3 as `MAKE_LATEST`, the rest from ?7) unless its wamid is stored;
/// returns its id, whether an edit or deletion of it waits (`message_revisions`), and its
/// conversation.
const INSERT_MESSAGE: &str = "INSERT INTO messages (conversation_id, at, text, wamid, direction,
        origin, type, status, reply_to, forwarded, referral, payload, journal_id,
        author_contact_id)
    VALUES (?1, ?2, ?3, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
    ON CONFLICT (wamid) DO NOTHING
    RETURNING id, EXISTS (SELECT 1 FROM message_revisions
                          WHERE original_wamid = ?7 AND message_id IS NULL), conversation_id";

/// PostgreSQL: `INSERT_MESSAGE` and, if it stored the message, `MAKE_LATEST`, in one statement.
static INSERT_AS_LATEST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH stored AS ({INSERT_MESSAGE}),
              latest AS ({MAKE_LATEST} AND EXISTS (SELECT 1 FROM stored))
         SELECT * FROM stored"
    )
});

/// PostgreSQL: opens the conversation of a number (?1) and a contact (?18) made just now, at ?19,
/// with the message as its latest (`MAKE_LATEST` on a new row), and stores the message in it;
/// neither if the wamid is stored already. Returns what `INSERT_MESSAGE` does. The casts give
/// each parameter its type where it is first read, in a SELECT list that has none to offer.
const OPEN_WITH_MESSAGE: &str = "WITH opened AS (
        INSERT INTO conversations (number_id, contact_id, created_at, queue_id, last_message_at,
                                   last_message_text, unread, last_inbound_at, referral_at)
        SELECT CAST(?1 AS BIGINT), CAST(?18 AS BIGINT), CAST(?19 AS BIGINT),
               (SELECT queue_id FROM numbers WHERE id = ?1), CAST(?2 AS BIGINT),
               CAST(?3 AS TEXT), CASE WHEN CAST(?4 AS BOOLEAN) THEN 1 ELSE 0 END,
               CASE WHEN CAST(?5 AS BOOLEAN) THEN ?2 END,
               CASE WHEN CAST(?6 AS BOOLEAN) THEN ?2 END
        WHERE NOT EXISTS (SELECT 1 FROM messages WHERE wamid = CAST(?7 AS TEXT))
        RETURNING id)
    INSERT INTO messages (conversation_id, at, text, wamid, direction, origin, type, status,
                          reply_to, forwarded, referral, payload, journal_id, author_contact_id)
    SELECT opened.id, ?2, ?3, ?7, CAST(?8 AS TEXT), CAST(?9 AS TEXT), CAST(?10 AS TEXT),
           CAST(?11 AS TEXT), CAST(?12 AS TEXT), CAST(?13 AS BIGINT), CAST(?14 AS TEXT),
           CAST(?15 AS TEXT), CAST(?16 AS BIGINT), CAST(?17 AS BIGINT)
    FROM opened
    ON CONFLICT (wamid) DO NOTHING
    RETURNING id, EXISTS (SELECT 1 FROM message_revisions
                          WHERE original_wamid = ?7 AND message_id IS NULL), conversation_id";

/// Where a new message goes.
#[derive(Debug, Clone, Copy)]
enum Conversation {
    Known(i64),
    /// None yet: the message opens the conversation of this number and contact, in its
    /// number's queue, in the statement that stores it (PostgreSQL only: `OPEN_WITH_MESSAGE`).
    Opens {
        number_id: i64,
        contact_id: i64,
    },
}

/// What a customer's new message does to its conversation besides being the latest.
struct CustomerTurn {
    /// It opens (or extends) the 24-hour window.
    opens_window: bool,
    /// It came from an ad or post (a referral).
    referred: bool,
}

impl Ctx<'_> {
    fn inbound(
        &self,
        number: &RoutedNumber,
        m: &InboundMessage,
        profiles: &[ContactProfile],
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        // A message in a group belongs to the group's conversation, never to the author's own.
        let group = m.group_id.as_deref().filter(|g| plausible_group_id(g));
        let waits = self.together.is_on()
            && group.is_none()
            && !matches!(
                m.content,
                MessageContent::Reaction { .. }
                    | MessageContent::Edit { .. }
                    | MessageContent::Revoke { .. }
                    | MessageContent::System { .. }
            );
        if !waits {
            self.before_other_work(events)?;
        }
        let customer = self.contact(
            number.id,
            &m.from,
            profile_of(profiles, &m.from),
            m.at,
            events,
        )?;
        let contact = customer.id;
        if waits {
            return self.wait_to_store(number, customer, m, events);
        }
        if self.modifies_another(&m.wamid, &m.content, "customer", m.at, events)? {
            return Ok(());
        }
        let conversation = match group {
            Some(g) => Conversation::Known(super::groups::conversation(self, number.id, g)?),
            None => self.conversation_for_message(number.id, customer)?,
        };
        let inserted = self.insert_message(
            &NewMessage {
                conversation,
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
                // Only the customer's own messages open the window, and only they are unread.
                // In a group, any participant opens the group's window (the conversation
                // above).
                from_customer: Some(CustomerTurn {
                    opens_window: window_opened(m.content.opens_window(), group.is_some())
                        != WindowOpened::None,
                    referred: m.referral.is_some(),
                }),
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

    /// Before anything but a customer's message that waits: what waits is stored, so nothing
    /// reads around it, and what was looked up ahead no longer counts for what a lookup would
    /// find after it.
    fn before_other_work(&self, events: &mut Vec<StoreEvent>) -> Result<()> {
        self.together.store(self.conn, events)?;
        self.ahead.spoil();
        Ok(())
    }

    /// A customer's plain message, outside a group, left to be stored with its batch's others
    /// (`apply::together`): what `insert_message` stores, in a row of theirs.
    fn wait_to_store(
        &self,
        number: &RoutedNumber,
        customer: identity::Resolved,
        m: &InboundMessage,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        if self
            .together
            .must_store_first(&m.wamid, number.id, customer.id)
        {
            self.together.store(self.conn, events)?;
        }
        let conversation = self.conversation_for_message(number.id, customer)?;
        if let Conversation::Known(id) = conversation
            && self.together.touches(id)
        {
            self.together.store(self.conn, events)?;
        }
        let (conversation_id, contact_id) = together::Waiting::to(conversation);
        let context = m.context.as_ref();
        self.together.wait(together::Waiting {
            conversation_id,
            number_id: number.id,
            contact_id,
            created_at: self.now,
            at: m.at,
            text: m.content.summary(),
            wamid: m.wamid.clone(),
            kind: m.content.kind().to_string(),
            reply_to: context.and_then(|c| c.quoted.as_ref()).map(|w| w.0.clone()),
            forwarded: i64::from(context.is_some_and(|c| c.forwarded)),
            referral: m.referral.as_ref().map(Value::to_string),
            payload: (!m.payload.is_null()).then(|| m.payload.to_string()),
            journal_id: self.journal_id,
            opens: window_opened(m.content.opens_window(), false) != WindowOpened::None,
            referred: m.referral.is_some(),
            ord: 0,
            tenant_id: self.tenant_id,
            media: matches!(m.content, MessageContent::Media { .. })
                .then(|| (m.content.clone(), m.payload.clone())),
        });
        Ok(())
    }

    fn echo(&self, number: &RoutedNumber, e: &Echo, events: &mut Vec<StoreEvent>) -> Result<()> {
        let contact = self.contact(number.id, &e.to, None, e.at, events)?;
        if self.modifies_another(&e.wamid, &e.content, "business", e.at, events)? {
            return Ok(());
        }
        let conversation = self.conversation_for_message(number.id, contact)?;
        // Echoes are ours: they never open or extend the window and are never unread.
        self.insert_message(
            &NewMessage {
                conversation,
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
                from_customer: None,
            },
            events,
        )?;
        Ok(())
    }

    /// Finds or creates the contact, pairing its ids (`store::identity`), with its
    /// conversation with `number_id` if it has one.
    pub(super) fn contact(
        &self,
        number_id: i64,
        key: &CustomerKey,
        profile: Option<&ContactProfile>,
        at: i64,
        events: &mut Vec<StoreEvent>,
    ) -> Result<identity::Resolved> {
        let sighting = identity::sighting(key, profile, at);
        identity::resolve_ahead(
            self.conn,
            Some(self.ahead),
            self.tenant_id,
            &sighting,
            number_id,
            self.now,
            events,
        )
    }

    pub(super) fn conversation(&self, number_id: i64, contact: identity::Resolved) -> Result<i64> {
        let contact_id = contact.id;
        // Found with the contact, or none: a contact made just now has none. No lookup (a
        // round trip on PostgreSQL).
        if let Some(id) = contact.conversation {
            return Ok(id);
        }
        if !contact.created {
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
        }
        Ok(self
            .conn
            .prepare_cached(
                // A new conversation lands in its number's queue (none: admins see it as such).
                "INSERT INTO conversations (number_id, contact_id, created_at, queue_id)
                 VALUES (?1, ?2, ?3, (SELECT queue_id FROM numbers WHERE id = ?1))
                 RETURNING id",
            )?
            .query_row(params![number_id, contact_id, self.now], |r| r.get(0))?)
    }

    /// The conversation a message of `contact` goes to. On PostgreSQL a contact made just now
    /// has none, and its first message opens it in the statement that stores it: a round trip
    /// less for each new customer.
    fn conversation_for_message(
        &self,
        number_id: i64,
        contact: identity::Resolved,
    ) -> Result<Conversation> {
        if contact.created && self.conn.dialect() == crate::db::Dialect::Postgres {
            return Ok(Conversation::Opens {
                number_id,
                contact_id: contact.id,
            });
        }
        Ok(Conversation::Known(self.conversation(number_id, contact)?))
    }

    /// Stores a message unless its wamid is already stored, and makes it its conversation's
    /// latest; returns the new row id if it was not stored before.
    fn insert_message(
        &self,
        m: &NewMessage<'_>,
        events: &mut Vec<StoreEvent>,
    ) -> Result<Option<i64>> {
        let text = m.content.summary();
        let turn = m.from_customer.as_ref();
        // PostgreSQL makes it the latest (and opens its conversation) in the same statement, a
        // round trip less a message; SQLite has no INSERT inside WITH, and no round trips to
        // save.
        let postgres = self.conn.dialect() == crate::db::Dialect::Postgres;
        let (sql, target, opened_for): (&str, i64, Option<i64>) = match m.conversation {
            Conversation::Known(id) if postgres => (&INSERT_AS_LATEST, id, None),
            Conversation::Known(id) => (INSERT_MESSAGE, id, None),
            Conversation::Opens {
                number_id,
                contact_id,
            } => (OPEN_WITH_MESSAGE, number_id, Some(contact_id)),
        };
        let (from_customer, opens, referred) = (
            turn.is_some(),
            turn.is_some_and(|t| t.opens_window),
            turn.is_some_and(|t| t.referred),
        );
        let quoted = m
            .context
            .and_then(|c| c.quoted.as_ref())
            .map(|w| w.as_str());
        let forwarded = m.context.is_some_and(|c| c.forwarded);
        let referral = m.referral.map(Value::to_string);
        let payload = (!m.payload.is_null()).then(|| m.payload.to_string());
        let (wamid, origin, kind) = (m.wamid.as_str(), m.origin.as_str(), m.content.kind());
        let mut values: Vec<&dyn crate::db::ToSql> = vec![
            &target,
            &m.at,
            &text,
            &from_customer,
            &opens,
            &referred,
            &wamid,
            &m.direction,
            &origin,
            &kind,
            &m.status,
            &quoted,
            &forwarded,
            &referral,
            &payload,
            &self.journal_id,
            &m.author,
        ];
        if let Some(contact_id) = &opened_for {
            values.extend([contact_id as &dyn crate::db::ToSql, &self.now]);
        }
        let inserted = self
            .conn
            .prepare_cached(sql)?
            .query_row(&values[..], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .optional()?;
        // With RETURNING, PostgreSQL needs no `lastval()` after, and it says whether an edit or
        // deletion arrived before this message.
        let Some((id, revised_before, conversation_id)) = inserted else {
            return Ok(None);
        };
        if !postgres {
            self.conn.prepare_cached(MAKE_LATEST)?.execute(params![
                conversation_id,
                m.at,
                text,
                from_customer,
                opens,
                referred
            ])?;
        }
        if m.direction == "out" {
            self.settle_status_from_history(id, m.wamid)?;
        }
        if revised_before {
            self.apply_waiting_revisions(id, m.wamid)?;
        }
        events.push(StoreEvent::MessageAdded {
            conversation_id,
            message_id: id,
        });
        events.push(StoreEvent::ConversationChanged { conversation_id });
        Ok(Some(id))
    }
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
