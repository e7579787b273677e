//! WhatsApp calls in the store: every event once (call id + event), and one line per call in
//! the customer's conversation saying what happened, rewritten as the call's events arrive.

use super::apply::{Ctx, profile_of};
use super::directory::RoutedNumber;
use super::{Result, StoreEvent};
use crate::db::{OptionalExtension, params};
use wabox_domain::calls::{CallDirection, CallEvent, record_of};
use wabox_domain::delivery::{ContactProfile, CustomerKey, customer_key_from_id};

/// Applies a `calls` change: each new event is recorded and its call's line rewritten; an event
/// already recorded (Meta delivers at least once) changes nothing.
pub(super) fn apply(
    ctx: &Ctx<'_>,
    number: &RoutedNumber,
    business: &str,
    profiles: &[ContactProfile],
    calls: &[CallEvent],
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    for event in calls {
        let Some(customer) = customer_of(event, business, profiles) else {
            continue; // nobody to file it under; the journal keeps the delivery
        };
        let contact = ctx.contact(
            number.id,
            &customer,
            profile_of(profiles, &customer),
            event.at,
            events,
        )?;
        let conversation_id = ctx.conversation(number.id, contact)?;
        let inserted = ctx
            .conn
            .prepare_cached(
                "INSERT INTO call_events (number_id, call_id, event, conversation_id, at, direction,
                                          outcome, duration, start_time, end_time, journal_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (number_id, call_id, event) DO NOTHING",
            )?
            .execute(params![
                number.id,
                event.call_id,
                event.event,
                conversation_id,
                event.at,
                event.direction.map(|d| d.as_str()),
                event.outcome,
                event.duration,
                event.start_time,
                event.end_time,
                ctx.journal_id
            ])?;
        if inserted > 0 {
            show_call(ctx, number.id, &event.call_id, conversation_id, events)?;
        }
    }
    Ok(())
}

/// The customer of a call: the one profile Meta sends with it, else the side of the call that
/// is not the business.
fn customer_of(
    event: &CallEvent,
    business: &str,
    profiles: &[ContactProfile],
) -> Option<CustomerKey> {
    if let [p] = profiles
        && (p.wa_id.is_some() || p.user_id.is_some())
    {
        return Some(CustomerKey {
            wa_id: p.wa_id.clone(),
            user_id: p.user_id.clone(),
        });
    }
    event.customer(business).map(|id| customer_key_from_id(&id))
}

/// Rewrites the call's line from all its events so far.
fn show_call(
    ctx: &Ctx<'_>,
    number_id: i64,
    call_id: &str,
    conversation_id: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let recorded: Vec<CallEvent> = ctx
        .conn
        .prepare_cached(
            // In key order, as SQLite walks its key; PostgreSQL must be told.
            "SELECT event, at, direction, outcome, duration, start_time, end_time
             FROM call_events WHERE number_id = ?1 AND call_id = ?2 ORDER BY event",
        )?
        .query_map(params![number_id, call_id], |r| {
            Ok(CallEvent {
                call_id: call_id.to_string(),
                event: r.get(0)?,
                at: r.get(1)?,
                direction: r
                    .get::<_, Option<String>>(2)?
                    .as_deref()
                    .and_then(CallDirection::from_stored),
                outcome: r.get(3)?,
                duration: r.get(4)?,
                start_time: r.get(5)?,
                end_time: r.get(6)?,
                from: None,
                to: None,
                recipient: None,
            })
        })?
        .collect::<crate::db::Result<_>>()?;
    let Some(call) = record_of(&recorded) else {
        return Ok(());
    };
    let existing: Option<(i64, i64)> = ctx
        .conn
        .prepare_cached("SELECT id, conversation_id FROM messages WHERE wamid = ?1")?
        .query_row([call_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let conversation_id = match existing {
        Some((id, conversation_id)) => {
            ctx.conn
                .prepare_cached(
                    "UPDATE messages SET text = ?2, at = ?3, direction = ?4 WHERE id = ?1",
                )?
                .execute(params![id, call.summary, call.at, call.direction.as_str()])?;
            events.push(StoreEvent::MessageChanged {
                conversation_id,
                message_id: id,
            });
            conversation_id
        }
        None => {
            // origin `call`: not a message, so nothing may answer, quote or mark it read.
            ctx.conn
                .prepare_cached(
                    "INSERT INTO messages (conversation_id, wamid, direction, origin, type, text, at,
                                           journal_id)
                     VALUES (?1, ?2, ?3, 'call', 'call', ?4, ?5, ?6)",
                )?
                .execute(params![
                    conversation_id,
                    call_id,
                    call.direction.as_str(),
                    call.summary,
                    call.at,
                    ctx.journal_id
                ])?;
            let id = ctx.conn.last_insert_rowid()?;
            events.push(StoreEvent::MessageAdded {
                conversation_id,
                message_id: id,
            });
            // A call the customer placed is news (even missed); the business's own are not.
            if call.direction == CallDirection::Incoming {
                ctx.conn
                    .prepare_cached(
                        "UPDATE conversations SET unread = unread + 1,
                            state = CASE WHEN state IN ('closed', 'snoozed') THEN 'open' ELSE state END
                         WHERE id = ?1",
                    )?
                    .execute([conversation_id])?;
            }
            conversation_id
        }
    };
    if call.opens_window {
        ctx.conn
            .prepare_cached(
                // The later of the two (SQLite's `max(a, b)` is PostgreSQL's `GREATEST`).
                "UPDATE conversations SET last_inbound_at = CASE
                     WHEN coalesce(last_inbound_at, 0) > ?2 THEN coalesce(last_inbound_at, 0)
                     ELSE ?2 END
                 WHERE id = ?1",
            )?
            .execute(params![conversation_id, call.at])?;
    }
    ctx.conn
        .prepare_cached(
            "UPDATE conversations SET last_message_at = ?2, last_message_text = ?3
             WHERE id = ?1 AND (last_message_at IS NULL OR last_message_at <= ?2)",
        )?
        .execute(params![conversation_id, call.at, call.summary])?;
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(())
}
