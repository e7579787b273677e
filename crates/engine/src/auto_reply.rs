//! What the engine answers by itself, right after a customer's message (their window is open,
//! so a text):
//!
//! - **Opt-outs**: a message that is a stop word alone (`[optout] words`, by language) opts the
//!   customer out of marketing and is answered once, in that language (a second STOP changes
//!   nothing and is not answered).
//! - **Away replies**: a customer who writes to a queue outside its business hours gets the
//!   queue's away text, once per conversation per closed period (`domain::hours`).
//!
//! Each decision and its send are one transaction (the opt-out's mark, or the claim of the
//! closed period in `away_replies`), so a restart, a replayed delivery or a second engine never
//! answers twice.

use super::Engine;
use std::sync::Arc;
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

/// An answer due to one message.
#[derive(Debug, PartialEq)]
enum Due {
    /// A stop word: opt out, and say so in its language (if that language has an answer).
    OptOut { reply: Option<String> },
    /// Outside the queue's hours: its away text, once in this closed period.
    Away { period: i64, text: String },
}

/// Runs until the engine's events end.
pub async fn run(engine: Arc<Engine>) {
    // This engine's own writes only: the engine that applied a message answers it.
    let mut events = engine.writer.own_events.subscribe();
    while let Some(arrived) = crate::wake::next_burst(&mut events, take).await {
        if arrived.is_empty() {
            continue;
        }
        let now = wabox_domain::time::now_unix();
        for (conversation_id, due) in due(&engine, arrived, now).await {
            if let Err(e) = answer(&engine, conversation_id, due, now).await {
                tracing::warn!(conversation_id, error = %e.english(), "could not queue an automatic answer");
            }
        }
    }
}

/// The answers due to the customers' fresh messages (not history, not a late delivery of an
/// old one), read in one query a burst on a reader: most messages need none, and cost the
/// writer nothing.
async fn due(engine: &Arc<Engine>, arrived: Vec<(i64, i64)>, now: i64) -> Vec<(i64, Due)> {
    let optout = engine.config.optout.clone();
    let ids: Vec<i64> = arrived.iter().map(|(_, m)| *m).collect();
    let read = engine
        .read(move |c| {
            let mut out = Vec::new();
            for m in wabox_store::hours::customers_messages(c, &ids)? {
                // A message from before the last day is answered by nobody: its moment passed.
                if now - m.at >= 86_400 {
                    continue;
                }
                if m.kind == "text"
                    && let Some(lang) =
                        wabox_domain::optout::language_of_stop(&optout.words, &m.text)
                {
                    let reply = optout.replies.get(lang).cloned();
                    out.push((m.conversation_id, Due::OptOut { reply }));
                    continue;
                }
                let Some(text) = m.away_text else { continue };
                let Some(stored) = wabox_store::hours::of_conversation(c, m.conversation_id)?
                else {
                    continue;
                };
                if let Some(period) = stored.hours().and_then(|rule| rule.closed_period(now)) {
                    out.push((m.conversation_id, Due::Away { period, text }));
                }
            }
            Ok(out)
        })
        .await;
    read.unwrap_or_else(|e| {
        tracing::warn!(error = %e.english(), "could not look for automatic answers");
        Vec::new()
    })
}

async fn answer(
    engine: &Arc<Engine>,
    conversation_id: i64,
    due: Due,
    now: i64,
) -> Result<(), wabox_protocol::ApiError> {
    engine
        .write(move |ctx| {
            let (text, origin, away_period) = match due {
                Due::OptOut { reply } => {
                    let changed = wabox_store::contacts::set_opted_out(
                        &ctx.conn,
                        conversation_id,
                        Some((now, "customer")),
                    )?;
                    if changed {
                        ctx.events
                            .push(StoreEvent::ConversationChanged { conversation_id });
                    }
                    match (changed, reply) {
                        (true, Some(reply)) => (reply, "opt_out", None),
                        _ => return Ok(()), // opted out already, or nothing to say
                    }
                }
                Due::Away { period, text } => {
                    if !wabox_store::hours::claim_away(&ctx.conn, conversation_id, period, now)? {
                        return Ok(()); // answered already this period
                    }
                    (text, "away", Some(period))
                }
            };
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
                    requested_by: origin,
                    origin,
                    reply_to: None,
                },
                wabox_domain::time::now_ms(),
                &mut ctx.events,
            )?;
            match away_period {
                Some(period) => wabox_store::hours::note_away_message(
                    &ctx.conn,
                    conversation_id,
                    period,
                    queued.message_id,
                ),
                None => Ok(()),
            }
        })
        .await
}
