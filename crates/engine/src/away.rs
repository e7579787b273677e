//! Away replies: a customer who writes to a queue outside its business hours is answered with
//! the queue's away text, once per conversation per closed period (`domain::hours`). The claim
//! of the period and the reply's send are one transaction (`store::hours::claim_away`), so a
//! restart, a replayed delivery or a second engine never sends it twice.
//!
//! The reply goes right after the customer's message, so their window is open: a text. (A queue
//! without an away text sends nothing.)

use super::Engine;
use std::sync::Arc;
use wabox_store::db::{OptionalExtension, params};
use wabox_store::{StoreEvent, outbox};

/// New messages in `event`, once each: (conversation, message).
fn take(event: StoreEvent, into: &mut Vec<(i64, i64)>) {
    if let StoreEvent::MessageAdded {
        conversation_id,
        message_id,
    } = event
        && !into.iter().any(|(_, m)| *m == message_id)
    {
        into.push((conversation_id, message_id));
    }
}

/// Runs until the engine's events end.
pub async fn run(engine: Arc<Engine>) {
    let mut events = engine.writer.events.subscribe();
    while let Some(arrived) = crate::wake::next_burst(&mut events, take).await {
        if arrived.is_empty() {
            continue;
        }
        let now = wabox_domain::time::now_unix();
        for (conversation_id, period, text) in due(&engine, arrived, now).await {
            if let Err(e) = reply(&engine, conversation_id, period, text, now).await {
                tracing::warn!(conversation_id, error = %e.english(), "could not queue an away reply");
            }
        }
    }
}

/// A customer's own message, fresh (not history, not a replay of an old one), in a queue with
/// hours and an away text.
const DUE_SQL: &str = "SELECT m.at FROM messages m JOIN conversations c ON c.id = m.conversation_id
     JOIN queue_hours h ON h.queue_id = c.queue_id
     WHERE m.id = ?1 AND m.direction = 'in' AND m.origin = 'customer' AND h.away_text IS NOT NULL
       AND c.blocked_at IS NULL";

/// Messages written outside their queue's hours: (conversation, closed period, away text).
/// Looked for on a reader: most messages are not, and cost the writer nothing.
async fn due(engine: &Arc<Engine>, arrived: Vec<(i64, i64)>, now: i64) -> Vec<(i64, i64, String)> {
    let read = engine
        .read(move |c| {
            let mut out = Vec::new();
            for (conversation_id, message_id) in arrived {
                let at: Option<i64> = c
                    .prepare_cached(DUE_SQL)?
                    .query_row(params![message_id], |r| r.get(0))
                    .optional()?;
                // A message from before the last day (a late delivery, an import) is answered
                // by nobody: its closed period may long be over.
                if at.is_none_or(|at| now - at >= 86_400) {
                    continue;
                }
                let Some(stored) = wabox_store::hours::of_conversation(c, conversation_id)? else {
                    continue;
                };
                let (Some(rule), Some(text)) = (stored.hours(), stored.away_text.clone()) else {
                    continue;
                };
                if let Some(period) = rule.closed_period(now) {
                    out.push((conversation_id, period, text));
                }
            }
            Ok(out)
        })
        .await;
    read.unwrap_or_else(|e| {
        tracing::warn!(error = %e.english(), "could not look for away replies");
        Vec::new()
    })
}

async fn reply(
    engine: &Arc<Engine>,
    conversation_id: i64,
    period: i64,
    text: String,
    now: i64,
) -> Result<(), wabox_protocol::ApiError> {
    engine
        .write(move |ctx| {
            if !wabox_store::hours::claim_away(&ctx.conn, conversation_id, period, now)? {
                return Ok(()); // answered already this period
            }
            let target = outbox::send_target(&ctx.conn, conversation_id)?;
            if !target.has_token {
                return Ok(());
            }
            let Ok(mut request) = crate::send::addressed(&target) else {
                return Ok(());
            };
            let Ok(rendered) = crate::send::text_content(&mut request, &text) else {
                return Ok(());
            };
            let queued = outbox::queue(
                &ctx.conn,
                &target,
                &outbox::NewSend {
                    kind: "text",
                    request: &request,
                    rendered: &rendered,
                    requested_by: "away",
                    origin: "away",
                    reply_to: None,
                },
                wabox_domain::time::now_ms(),
                &mut ctx.events,
            )?;
            wabox_store::hours::note_away_message(
                &ctx.conn,
                conversation_id,
                period,
                queued.message_id,
            )
        })
        .await
}
