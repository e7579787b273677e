//! The TUI's line to the engine: one task owns the client, runs requests in order, forwards
//! pushed events, and, for an engine behind a socket, reconnects by itself when it goes away.

use super::app::Tag;
use crate::client::{Client, Dial};
use crate::protocol::push::Push;
use crate::protocol::{ApiError, Request, Response};
use std::time::Duration;
use tokio::sync::mpsc;

/// What comes from the engine; `T` tags each answer with what asked (the inbox's `Tag`, or the
/// wizard's when it runs alone).
#[derive(Debug)]
pub enum LinkEvent<T = Tag> {
    /// Subscribed, as this user (whose "mine" lists are theirs).
    Connected(Option<String>),
    Lost(String),
    /// The engine will not take this client back (it refuses the token): the link has ended.
    Ended(String),
    Reply(T, Box<Result<Response, ApiError>>),
    Engine(Box<Push>),
}

pub type Requests<T = Tag> = mpsc::UnboundedSender<(T, Request)>;

/// Starts the task; `reconnect_to` is the engine to dial again after a loss.
pub fn spawn<T: Send + 'static>(
    client: Client,
    reconnect_to: Option<Dial>,
) -> (Requests<T>, mpsc::UnboundedReceiver<LinkEvent<T>>) {
    let (requests, mut inbox) = mpsc::unbounded_channel::<(T, Request)>();
    let (events, out) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut client = client;
        loop {
            let reason = serve(&mut client, &mut inbox, &events).await;
            let Some(reason) = reason else {
                client.close().await;
                return; // the TUI is gone
            };
            let _ = events.send(LinkEvent::Lost(reason));
            let Some(dial) = &reconnect_to else {
                return;
            };
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if events.is_closed() {
                    return;
                }
                match Client::dial(dial).await {
                    Ok(c) => {
                        client = c;
                        break;
                    }
                    // A token the engine refuses stays refused: say so once, stop dialing.
                    Err(e)
                        if e.downcast_ref::<crate::client::remote::TokenRefused>()
                            .is_some() =>
                    {
                        let _ = events.send(LinkEvent::Ended(e.to_string()));
                        return;
                    }
                    Err(_) => {}
                }
            }
        }
    });
    (requests, out)
}

/// At most this many requests go in one write.
const MAX_BATCH: usize = 16;

/// Whether a request is one message and one answer (not a file sent or fetched in chunks).
fn is_plain(request: &Request) -> bool {
    !matches!(
        request,
        Request::GetMedia { offset: 0, .. } | Request::Send { .. }
    )
}

/// A request that is more than one message: a file fetched whole, or a send with its files.
async fn answer_one(client: &mut Client, request: Request) -> Result<Response, ApiError> {
    match request {
        // A file comes in chunks; the TUI opens or saves it whole.
        Request::GetMedia {
            message_id,
            offset: 0,
            ..
        } => client.media_whole(message_id).await,
        // A template header's file, or an attached one, goes to the engine before the send
        // naming it.
        Request::Send {
            conversation_id,
            content,
            reply_to,
        } => {
            let content = match client.with_uploaded_file(content).await {
                Ok(content) => client.with_uploaded_header(content).await,
                Err(e) => Err(e),
            };
            match content {
                Ok(content) => {
                    client
                        .call(Request::Send {
                            conversation_id,
                            content,
                            reply_to,
                        })
                        .await
                }
                Err(e) => Err(e),
            }
        }
        request => client.call(request).await,
    }
}

/// Runs until the engine goes away (its reason) or the TUI does (none).
async fn serve<T>(
    client: &mut Client,
    inbox: &mut mpsc::UnboundedReceiver<(T, Request)>,
    events: &mpsc::UnboundedSender<LinkEvent<T>>,
) -> Option<String> {
    let user = match client.call(Request::Subscribe).await {
        Ok(Response::Subscribed(s)) => Some(s.user),
        Ok(_) => None,
        Err(e) => return Some(e.english()),
    };
    let _ = events.send(LinkEvent::Connected(user));
    // A request taken from the inbox behind a batch, to be made next.
    let mut held: Option<(T, Request)> = None;
    loop {
        if let Some((tag, request)) = held.take() {
            let answer = answer_one(client, request).await;
            if events
                .send(LinkEvent::Reply(tag, Box::new(answer)))
                .is_err()
            {
                return None;
            }
            continue;
        }
        tokio::select! {
            request = inbox.recv() => {
                let (tag, request) = request?;
                if !is_plain(&request) {
                    held = Some((tag, request));
                    continue;
                }
                // The plain requests already waiting go with it, in one write: an opened
                // conversation's three take one round trip to a remote engine, not three.
                let mut batch = vec![(tag, request)];
                while batch.len() < MAX_BATCH {
                    match inbox.try_recv() {
                        Ok((t, r)) if is_plain(&r) => batch.push((t, r)),
                        Ok(other) => {
                            held = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let (tags, requests): (Vec<T>, Vec<Request>) = batch.into_iter().unzip();
                let answers = client.call_many(requests).await;
                for (tag, answer) in tags.into_iter().zip(answers) {
                    if events.send(LinkEvent::Reply(tag, Box::new(answer))).is_err() {
                        return None;
                    }
                }
            }
            // Cancel-safe: an unfinished read is resumed by the next call.
            event = client.next_push() => match event {
                Some(e) => {
                    if events.send(LinkEvent::Engine(Box::new(e))).is_err() {
                        return None;
                    }
                }
                None => {
                    return Some(client.closed_because().map_or_else(
                        || "the engine closed the connection".to_string(),
                        |why| why.english(),
                    ));
                }
            },
        }
    }
}
