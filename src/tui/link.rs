//! The TUI's line to the engine: one task owns the client, runs requests in order, forwards
//! pushed events, and, for an engine behind a socket, reconnects by itself when it goes away.

use super::app::Tag;
use crate::client::{Client, Dial};
use crate::protocol::push::{Push, PushCursor};
use crate::protocol::{ApiError, Request, Response};
use std::time::Duration;
use tokio::sync::mpsc;

/// What comes from the engine; `T` tags each answer with what asked (the inbox's `Tag`, or the
/// wizard's when it runs alone).
#[derive(Debug)]
pub enum LinkEvent<T = Tag> {
    /// Subscribed, as this user (whose "mine" lists are theirs). `resumed`: the changes made
    /// while the connection was lost come as pushes, and nothing shown needs reading again.
    Connected {
        user: Option<String>,
        resumed: bool,
    },
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
        let mut resume = Resume::default();
        loop {
            let reason = serve(&mut client, &mut inbox, &events, &mut resume).await;
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

/// What a lost connection needs to be taken up where it was: where the pushes stood, and the
/// conversation the inbox had focused (a new connection starts without one).
#[derive(Default)]
struct Resume {
    cursor: Option<PushCursor>,
    focus: Option<Option<i64>>,
}

impl Resume {
    /// Follows what the inbox asks and hears: its focus, and whether an answer was lost with
    /// the connection (the inbox then shows that failure, and reads everything again on the
    /// next connection rather than resume without what it asked for).
    fn heard(&mut self, request: Option<&Request>, answer: &Result<Response, ApiError>) {
        match answer {
            Ok(_) => {
                if let Some(Request::Focus { conversation_id }) = request {
                    self.focus = Some(*conversation_id);
                }
            }
            Err(e) if crate::client::is_lost(e) => self.cursor = None,
            Err(_) => {}
        }
    }

    fn pushed(&mut self, push: &Push) {
        if let Some(cursor) = &mut self.cursor {
            cursor.seq = cursor.seq.max(push.seq);
        }
    }
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
        // A file comes in chunks, each written as it comes to the private directory, where
        // the inbox opens or saves it from (`scratch::fetched_path`): the answer carries its
        // description, not its bytes.
        Request::GetMedia {
            message_id,
            offset: 0,
            ..
        } => fetch_to_file(client, message_id).await,
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

async fn fetch_to_file(client: &mut Client, message_id: i64) -> Result<Response, ApiError> {
    let not_written = |e: std::io::Error| {
        ApiError::from(crate::protocol::ErrorCode::LocalFileNotWritten {
            detail: e.to_string(),
        })
    };
    let (path, file) = super::scratch::create_fetched(message_id).map_err(not_written)?;
    let mut out = std::io::BufWriter::new(file);
    let fetched = match client.download_media(message_id, &mut out).await {
        Ok(described) => std::io::Write::flush(&mut out)
            .map(|()| described)
            .map_err(not_written),
        Err(e) => Err(e),
    };
    match fetched {
        Ok(described) => Ok(Response::Media(described)),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// Runs until the engine goes away (its reason) or the TUI does (none).
async fn serve<T>(
    client: &mut Client,
    inbox: &mut mpsc::UnboundedReceiver<(T, Request)>,
    events: &mpsc::UnboundedSender<LinkEvent<T>>,
    resume: &mut Resume,
) -> Option<String> {
    // Taken up where it was: the focus first, so the changes missed come fitted to it.
    let since = resume.cursor.take();
    if since.is_some()
        && let Some(conversation_id) = resume.focus
        && let Err(e) = client.call(Request::Focus { conversation_id }).await
    {
        return Some(e.english());
    }
    let (user, resumed) = match client.call(Request::Subscribe { since }).await {
        Ok(Response::Subscribed(s)) => {
            resume.cursor = s.cursor;
            (Some(s.user), s.resumed && since.is_some())
        }
        Ok(_) => (None, false),
        Err(e) => return Some(e.english()),
    };
    let _ = events.send(LinkEvent::Connected { user, resumed });
    // A request taken from the inbox behind a batch, to be made next.
    let mut held: Option<(T, Request)> = None;
    loop {
        if let Some((tag, request)) = held.take() {
            let answer = answer_one(client, request).await;
            resume.heard(None, &answer);
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
                let focus: Vec<Option<Request>> = requests
                    .iter()
                    .map(|r| matches!(r, Request::Focus { .. }).then(|| r.clone()))
                    .collect();
                let answers = client.call_many(requests).await;
                for ((tag, answer), asked) in tags.into_iter().zip(answers).zip(focus) {
                    resume.heard(asked.as_ref(), &answer);
                    if events.send(LinkEvent::Reply(tag, Box::new(answer))).is_err() {
                        return None;
                    }
                }
            }
            // Cancel-safe: an unfinished read is resumed by the next call.
            event = client.next_push() => match event {
                Some(e) => {
                    resume.pushed(&e);
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
