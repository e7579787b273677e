//! Automatic assignment: in a queue that asks for it, each new unassigned conversation goes to
//! the next of its agents who has an inbox open (round-robin, skipping those away). Only a queue
//! of the conversation's own tenant assigns, so its members are always of that tenant.

use super::Engine;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use wabox_store::StoreEvent;
use wabox_store::db::{OptionalExtension, params};

/// Who has an inbox open (a subscribed client), by user, with how many.
#[derive(Debug, Default)]
pub struct Presence(Mutex<HashMap<String, usize>>);

impl Presence {
    pub fn arrive(&self, user: &str) {
        if let Ok(mut map) = self.0.lock() {
            *map.entry(user.to_string()).or_default() += 1;
        }
    }

    pub fn leave(&self, user: &str) {
        if let Ok(mut map) = self.0.lock()
            && let Some(n) = map.get_mut(user)
        {
            *n -= 1;
            if *n == 0 {
                map.remove(user);
            }
        }
    }

    pub fn online(&self) -> HashSet<String> {
        self.0
            .lock()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn anyone_online(&self) -> bool {
        self.0.lock().is_ok_and(|m| !m.is_empty())
    }
}

/// The conversations of new messages in `event`, once each.
fn take(event: StoreEvent, into: &mut Vec<i64>) {
    if let StoreEvent::MessageAdded {
        conversation_id, ..
    } = event
        && !into.contains(&conversation_id)
    {
        into.push(conversation_id);
    }
}

/// Runs until the engine's events end.
pub async fn run(engine: Arc<Engine>) {
    let mut events = engine.writer.events.subscribe();
    // A burst is looked at together: one read for all of it.
    while let Some(arrived) = crate::wake::next_burst(&mut events, take).await {
        if arrived.is_empty() {
            continue;
        }
        // Who is online is asked only for a conversation to give: with a team's inboxes open,
        // it is a copy of every name, and most bursts have nothing to assign.
        if !engine.presence.anyone_online() {
            continue;
        }
        let waiting = candidates(&engine, arrived).await;
        if waiting.is_empty() {
            continue;
        }
        let online = Arc::new(engine.presence.online());
        for conversation_id in waiting {
            assign(&engine, conversation_id, online.clone()).await;
        }
    }
}

/// A conversation nobody holds, in a queue of its own tenant that assigns by itself: its queue
/// and who that queue gave the last one to.
const WAITING_SQL: &str = "SELECT q.id, q.last_assigned FROM conversations c
     JOIN queues q ON q.id = c.queue_id JOIN numbers n ON n.id = c.number_id
     WHERE c.id = ?1 AND c.assignee IS NULL AND q.auto_assign = 1 AND q.tenant_id = n.tenant_id";

/// Most messages are not a new conversation in a queue that assigns: that is found out on a
/// reader, so only the few that are cost the writer a transaction.
async fn candidates(engine: &Arc<Engine>, arrived: Vec<i64>) -> Vec<i64> {
    let engine = engine.clone();
    let read = tokio::task::spawn_blocking(move || {
        engine.readers.with(move |c| {
            let mut waiting = c.prepare_cached(WAITING_SQL)?;
            let mut found = Vec::new();
            for id in arrived {
                if waiting.exists([id])? {
                    found.push(id);
                }
            }
            Ok(found)
        })
    })
    .await;
    match read {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "automatic assignment could not read the new conversations");
            Vec::new()
        }
        Err(_) => Vec::new(),
    }
}

/// Gives the conversation to the next of its queue's agents who is online, if it still waits.
async fn assign(engine: &Arc<Engine>, conversation_id: i64, online: Arc<HashSet<String>>) {
    let now = wabox_domain::time::now_unix();
    let result = engine
        .writer
        .run(move |ctx| -> wabox_store::Result<()> {
            let waiting: Option<(i64, Option<String>)> = ctx
                .conn
                .query_row(WAITING_SQL, [conversation_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let Some((queue_id, last)) = waiting else {
                return Ok(());
            };
            let members: Vec<String> = ctx
                .conn
                .prepare_cached("SELECT \"user\" FROM agent_queues WHERE queue_id = ?1")?
                .query_map([queue_id], |r| r.get(0))?
                .collect::<wabox_store::db::Result<_>>()?;
            let available: Vec<&str> = members
                .iter()
                .map(String::as_str)
                .filter(|m| online.contains(*m))
                .collect();
            let Some(agent) = wabox_domain::routing::next_agent(&available, last.as_deref()) else {
                return Ok(());
            };
            let agent = agent.to_string();
            let taken = ctx.conn.execute(
                "UPDATE conversations SET assignee = ?2 WHERE id = ?1 AND assignee IS NULL",
                params![conversation_id, agent],
            )?;
            if taken == 1 {
                ctx.conn.execute(
                    "UPDATE queues SET last_assigned = ?2 WHERE id = ?1",
                    params![queue_id, agent],
                )?;
                ctx.conn.execute(
                    "INSERT INTO conversation_events (conversation_id, at, actor, kind, detail)
                         VALUES (?1, ?2, 'wabox', 'assigned', ?3)",
                    params![conversation_id, now, format!("to {agent} (round-robin)")],
                )?;
                ctx.events
                    .push(StoreEvent::ConversationChanged { conversation_id });
            }
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, conversation_id, "automatic assignment failed");
    }
}
