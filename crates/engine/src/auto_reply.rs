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
//! answers twice. That is what lets the engine look again, at its start and whenever it fell
//! behind its events, at the customers' recent messages (`LOOK_AGAIN_SECONDS`): one applied
//! just before a crash, or in a stretch of events the task missed, is answered then, and one
//! answered already changes nothing.

use super::Engine;
use std::sync::Arc;
use wabox_store::{StoreEvent, outbox};

/// How far back the answers look again, by when messages were stored (the engine's clock: a
/// delivery Meta retried hours late is as fresh as the live answers find it): one stored
/// longer ago is left alone even if it had no answer. A customer opted back in since a stop
/// word stays in (`contacts.opted_in_at`), however far back.
const LOOK_AGAIN_SECONDS: i64 = 600;
/// At most the newest this many messages are read when looking again.
const LOOK_AGAIN_MESSAGES: i64 = 20_000;
/// Messages read at a time when looking again.
const LOOK_AGAIN_BATCH: usize = 1_000;

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
    // Subscribed first, so nothing applied from now on is missed; what was applied before (by
    // an engine that died before answering, or as this one started) is looked at again.
    look_again(&engine).await;
    loop {
        let burst = tokio::select! {
            burst = crate::wake::next_burst_noting_misses(&mut events, take) => burst,
            // Partitions taken over from another engine (PostgreSQL, several engines).
            _ = engine.answers_look_again.notified() => {
                look_again(&engine).await;
                continue;
            }
        };
        let Some(burst) = burst else { return };
        if !burst.kept.is_empty() {
            answer_all(&engine, burst.kept).await;
        }
        if burst.missed {
            tracing::warn!(
                "the automatic answers fell behind the engine's events: looking at the store for the messages they missed"
            );
            look_again(&engine).await;
        }
    }
}

/// Answers what is due to these messages.
async fn answer_all(engine: &Arc<Engine>, arrived: Vec<(i64, i64)>) {
    let now = wabox_domain::time::now_unix();
    for (conversation_id, due) in due(engine, arrived, now).await {
        if let Err(e) = answer(engine, conversation_id, due, now).await {
            tracing::warn!(conversation_id, error = %e.english(), "could not queue an automatic answer");
        }
    }
}

/// Answers what is due to the customers' messages stored in the last `LOOK_AGAIN_SECONDS`
/// (among the newest `LOOK_AGAIN_MESSAGES`), a batch at a time, by the same rules as the live
/// answers (`due`); those answered already change nothing.
async fn look_again(engine: &Arc<Engine>) {
    let since = wabox_domain::time::now_unix() - LOOK_AGAIN_SECONDS;
    let newest = engine.read(wabox_store::hours::last_message_id).await;
    let mut after = match newest {
        Ok(newest) => newest - LOOK_AGAIN_MESSAGES,
        Err(e) => {
            tracing::warn!(error = %e.english(), "could not look again for automatic answers");
            return;
        }
    };
    loop {
        let batch = engine
            .read(move |c| {
                wabox_store::hours::customers_messages_after(c, after, since, LOOK_AGAIN_BATCH)
            })
            .await;
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e.english(), "could not look again for automatic answers");
                return;
            }
        };
        let full = batch.len() == LOOK_AGAIN_BATCH;
        if let Some(&(_, last)) = batch.last() {
            after = last;
        }
        if !batch.is_empty() {
            answer_all(engine, batch).await;
        }
        if !full {
            return;
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
                // A stop word from before the customer was opted back in is history.
                let since_opt_in = m.opted_in_at.is_none_or(|at| m.at > at);
                if m.kind == "text"
                    && since_opt_in
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
                        Some("customer"),
                        now,
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

#[cfg(test)]
#[path = "auto_reply_tests.rs"]
mod tests;
