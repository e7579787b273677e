//! `wabox watch`: the messages of the conversations the user may see as they come and change (a
//! customer writes, a reply goes out, a status, an edit, a reaction), one line each, or one JSON
//! object a line for scripts, until Ctrl-C. The inbox's own subscription, so it sees what the
//! user's inbox would; like the inbox, it waits for an engine that went away and takes up where
//! it was.

use super::json;
use super::output::{contact_words, message_line, say, say_err};
use super::reader::Reader;
use crate::client::Client;
use crate::client::remote::TokenRefused;
use crate::config::Config;
use crate::protocol::push::{Push, PushCursor};
use crate::protocol::views::ConversationView;
use crate::protocol::{ApiError, Request, Response};
use clap::Args;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Only this conversation's messages.
    #[arg(long, value_name = "ID")]
    conversation: Option<i64>,
    /// One JSON object a line (for scripts): {"event": "message", "new": …, "conversation":
    /// {"id", "contact"}, "message": {as `messages --json`}}, and "left" and "missed" events
    #[arg(long)]
    json: bool,
}

pub async fn watch(config: Config, args: WatchArgs, act_as: Option<String>) -> anyhow::Result<()> {
    let mut client = Client::connect(config).await?.acting_as(act_as.clone());
    let Some(dial) = client.redial() else {
        client.close().await;
        anyhow::bail!(
            "no engine is running to watch: start one (`wabox serve`, or `wabox demo`), or \
             `wabox login` to one elsewhere"
        );
    };
    let reader = Reader::ask(&mut client).await?;
    if let Some(id) = args.conversation {
        // Refused (with the engine's words) when the user may not see it.
        client
            .call(Request::GetConversation {
                conversation_id: id,
            })
            .await?;
    }
    let mut seen = Seen::default();
    let mut cursor: Option<PushCursor> = None;
    loop {
        match follow(&mut client, &args, &reader, &mut seen, &mut cursor).await {
            Ok(()) => {}
            // Gone again between the dial and the subscription: waited for like any loss.
            Err(e)
                if e.downcast_ref::<ApiError>()
                    .is_some_and(crate::client::is_lost) => {}
            Err(e) => return Err(e),
        }
        // The engine went: a restart, a deploy. The watch waits for it and takes up where it
        // was, saying so if the changes in between could not be had ("missed").
        if let Some(e) = client.closed_because() {
            anyhow::bail!("the engine closed the connection: {e}");
        }
        say_err!("wabox: the engine went away; waiting for it (Ctrl-C stops)");
        client = loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            match Client::dial(&dial).await {
                Ok(c) => break c.acting_as(act_as.clone()),
                Err(e) if e.downcast_ref::<TokenRefused>().is_some() => return Err(e),
                Err(_) => {}
            }
        };
        say_err!("wabox: the engine is back");
    }
}

/// Subscribes (from `cursor`, after a loss) and prints what comes until the connection goes.
async fn follow(
    client: &mut Client,
    args: &WatchArgs,
    reader: &Reader,
    seen: &mut Seen,
    cursor: &mut Option<PushCursor>,
) -> anyhow::Result<()> {
    if let Some(id) = args.conversation {
        client
            .call(Request::Focus {
                conversation_id: Some(id),
            })
            .await?;
    }
    let since = cursor.take();
    match client.call(Request::Subscribe { since }).await? {
        Response::Subscribed(s) => {
            *cursor = s.cursor;
            if since.is_some() && !s.resumed {
                print(&Event::Missed, args.json, reader)?;
            }
        }
        _ => anyhow::bail!("the engine answered a subscription with something else"),
    }
    while let Some(push) = client.next_push().await {
        if let Some(c) = cursor.as_mut() {
            c.seq = c.seq.max(push.seq);
        }
        for event in events(&push, args.conversation, seen) {
            print(&event, args.json, reader)?;
        }
    }
    Ok(())
}

fn print(event: &Event, as_json: bool, reader: &Reader) -> anyhow::Result<()> {
    if as_json {
        json::print_line(event.json(reader)?)?;
    } else {
        say!("{}", event.line(reader));
    }
    Ok(())
}

/// What a push says, one event a message and a conversation lost.
#[derive(Debug, PartialEq)]
enum Event<'a> {
    Message {
        message: &'a crate::protocol::views::MessageView,
        conversation: Option<&'a ConversationView>,
        /// First seen by this watch (else a change of one seen: a status, an edit...).
        new: bool,
    },
    /// The conversation left the user's sight (handed to a queue they do not serve).
    Left(i64),
    /// The engine dropped changes this watch fell behind on.
    Missed,
}

/// The messages this watch has shown, to tell a new one from a change. Bounded: past `LIMIT`
/// it starts over, and a change of a message forgotten shows as new.
#[derive(Default)]
struct Seen(HashSet<i64>);

impl Seen {
    const LIMIT: usize = 100_000;

    /// Whether `id` is new to this watch, noting it.
    fn first(&mut self, id: i64) -> bool {
        if self.0.len() >= Self::LIMIT {
            self.0.clear();
        }
        self.0.insert(id)
    }
}

fn events<'a>(push: &'a Push, only: Option<i64>, seen: &mut Seen) -> Vec<Event<'a>> {
    let wanted = |id: i64| only.is_none_or(|o| o == id);
    let rows: HashMap<i64, &ConversationView> =
        push.conversations.iter().map(|c| (c.id, c)).collect();
    let mut events = Vec::new();
    if push.resync {
        events.push(Event::Missed);
    }
    for m in push.messages.iter().filter(|m| wanted(m.conversation_id)) {
        events.push(Event::Message {
            message: m,
            conversation: rows.get(&m.conversation_id).copied(),
            new: seen.first(m.id),
        });
    }
    events.extend(
        push.gone
            .iter()
            .filter(|id| wanted(**id))
            .map(|id| Event::Left(*id)),
    );
    events
}

impl Event<'_> {
    fn line(&self, reader: &Reader) -> String {
        match self {
            Event::Message {
                message,
                conversation,
                ..
            } => {
                let who = conversation.map(contact_words).unwrap_or_default();
                format!(
                    "conversation {} ({who}) {}",
                    message.conversation_id,
                    message_line(message, reader)
                )
            }
            Event::Left(id) => format!("conversation {id} left your queues"),
            Event::Missed => {
                "changes were missed (the watch fell behind, or the engine restarted): `wabox \
                 conversations` lists what is there now"
                    .to_string()
            }
        }
    }

    fn json(&self, reader: &Reader) -> anyhow::Result<Value> {
        Ok(match self {
            Event::Message {
                message,
                conversation,
                new,
            } => json!({
                "event": "message",
                "new": new,
                "conversation": {
                    "id": message.conversation_id,
                    "contact": conversation.map(contact_words),
                },
                "message": reader.message_json(message)?,
            }),
            Event::Left(id) => json!({"event": "left", "conversation": {"id": id}}),
            Event::Missed => json!({"event": "missed"}),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    fn push(messages: &[(i64, i64)]) -> Push {
        Push {
            conversations: vec![
                fixtures::conversation(
                    7,
                    Some("Ana"),
                    Some("59171000001"),
                    Some(60),
                    1,
                    "hola",
                    60,
                )
                .view,
            ],
            messages: messages
                .iter()
                .map(|(id, conversation)| {
                    let mut m = fixtures::message(*id, "in", "customer", "hola", 60).view;
                    m.conversation_id = *conversation;
                    m
                })
                .collect(),
            ..Push::default()
        }
    }

    #[test]
    fn a_message_is_new_once_and_a_change_of_it_is_not() {
        let mut seen = Seen::default();
        let first = push(&[(1, 7)]);
        let again = push(&[(1, 7), (2, 7)]);
        let news = |events: Vec<Event>| -> Vec<(i64, bool)> {
            events
                .into_iter()
                .filter_map(|e| match e {
                    Event::Message { message, new, .. } => Some((message.id, new)),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(news(events(&first, None, &mut seen)), [(1, true)]);
        assert_eq!(
            news(events(&again, None, &mut seen)),
            [(1, false), (2, true)]
        );
    }

    #[test]
    fn one_conversation_is_watched_alone_and_losing_it_is_said() {
        let mut seen = Seen::default();
        let mut p = push(&[(1, 7), (2, 8)]);
        p.gone = vec![8, 7];
        p.resync = true;
        let got = events(&p, Some(7), &mut seen);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], Event::Missed);
        assert!(
            matches!(got[1], Event::Message { message, conversation: Some(c), .. }
            if message.id == 1 && c.id == 7)
        );
        assert_eq!(got[2], Event::Left(7));
    }
}
