//! The client API on a Unix socket: newline-delimited JSON, the caller known by SO_PEERCRED.

use super::Engine;
use super::admission::{Admission, Refusal, Ticket};
use super::api::Caller;
use super::outgoing::Outgoing;
use super::socket_halves::{self, ReadSide};
use wabox_protocol::{
    AnswerResult, ApiError, MAX_REQUEST_BYTES, Request, RequestFrame, ServerFrame,
};

use futures_util::StreamExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

/// Where the socket lives in a data dir.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("wabox.sock")
}

/// Binds the socket: mode 0660 and the team's group (`[access] group`) when it exists, else
/// 0600. The caller holds the engine lock, so a socket file already there is a leftover of a
/// crash and is replaced.
pub fn bind(data_dir: &Path, group: &str) -> std::io::Result<UnixListener> {
    let path = socket_path(data_dir);
    if path.exists() {
        std::fs::remove_file(&path)?;
    }
    let listener = UnixListener::bind(&path)?;
    let mode = match super::team_group(group) {
        Some(g) => {
            std::os::unix::fs::chown(&path, None, Some(g.gid.as_raw()))?;
            0o660
        }
        None => 0o600,
    };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
    super::share_data_dir(data_dir, group)?;
    Ok(listener)
}

/// A connection that has not completed a first request by then is closed. Only the first: a
/// subscribed inbox is idle for hours by design.
const FIRST_REQUEST_WITHIN: Duration = Duration::from_secs(30);

pub async fn serve(engine: Arc<Engine>, listener: UnixListener) {
    let admission = Arc::new(Admission::default());
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let engine = engine.clone();
                let admission = admission.clone();
                tokio::spawn(async move {
                    let (ticket, user) = match admit(&admission, &engine, &stream).await {
                        Ok(admitted) => admitted,
                        Err(refusal) => return refuse(stream, refusal).await,
                    };
                    let (uid, user) = user;
                    if let Err(e) = connection(engine, stream, Caller::local(uid, user)).await {
                        tracing::debug!(error = %e, "client connection ended");
                    }
                    drop(ticket);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not accept a client connection");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// Decides from the peer's credentials alone, before anything is read from it.
async fn admit(
    admission: &Arc<Admission>,
    engine: &Arc<Engine>,
    stream: &UnixStream,
) -> Result<(Ticket, (u32, String)), Refusal> {
    let uid = match stream.peer_cred() {
        Ok(cred) => cred.uid(),
        // No credentials, no way to know who it is: treated as nobody.
        Err(_) => {
            return Err(Refusal::NotAUser {
                user: "a peer without credentials".into(),
            });
        }
    };
    let (ticket, user) = admission.admit(engine, uid).await?;
    Ok((ticket, (uid, user)))
}

/// One line saying why, then the connection closes; nothing is read from it.
async fn refuse(mut stream: UnixStream, refusal: Refusal) {
    tracing::debug!(reason = %refusal, "client connection refused");
    let frame = ServerFrame::Answer {
        id: 0,
        result: AnswerResult::Error(refusal.into()),
    };
    if let Ok(mut line) = serde_json::to_vec(&frame) {
        line.push(b'\n');
        // A peer that does not read cannot keep the task: the line fits the socket's buffer,
        // and the wait is bounded anyway.
        let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&line)).await;
    }
    let _ = stream.shutdown().await;
}

/// Serves one local client on its socket until it ends.
async fn connection(
    engine: Arc<Engine>,
    stream: UnixStream,
    caller: Caller,
) -> std::io::Result<()> {
    let (read, write) = socket_halves::split(stream)?;
    serve_halves(engine, read, Outgoing::new(write), caller).await
}

/// Serves one client on a connection's two sides until it ends: a local user's socket, or a
/// remote session (`remote_api`: its requests through a pipe, `out` its TCP socket, framed).
pub(crate) async fn serve_halves(
    engine: Arc<Engine>,
    read: ReadSide,
    out: Arc<Outgoing>,
    caller: Caller,
) -> std::io::Result<()> {
    let writer_task = tokio::spawn(out.clone().drain());
    let mut lines = FramedRead::new(read, LinesCodec::new_with_max_length(MAX_REQUEST_BYTES));
    let mut subscribed = false;
    let mut present: Option<String> = None;
    let mut answered_one = false;
    while let Some(line) = next_request(&mut lines, answered_one, &out).await {
        if line.trim().is_empty() {
            continue;
        }
        answered_one = true;
        let frame: RequestFrame = match serde_json::from_str(&line) {
            Ok(f) => f,
            Err(e) => {
                let answer = ServerFrame::Answer {
                    id: 0,
                    result: AnswerResult::Error(ApiError::from(
                        wabox_protocol::ErrorCode::NotARequest {
                            detail: e.to_string(),
                        },
                    )),
                };
                out.answer(&answer);
                continue;
            }
        };
        let since = match &frame.request {
            Request::Subscribe { since } => Some(*since),
            _ => None,
        };
        let focus = match frame.request {
            Request::Focus { conversation_id } => Some(conversation_id),
            _ => None,
        };
        let result = match engine
            .handle_as(&caller, frame.act_as.as_deref(), frame.request)
            .await
        {
            Ok(r) => AnswerResult::Ok(Box::new(r)),
            Err(e) => AnswerResult::Error(e),
        };
        let ok = matches!(result, AnswerResult::Ok(_));
        if let Some(conversation_id) = focus.filter(|_| ok) {
            // Set before the answer goes, so whatever the client reads after it (the
            // conversation's messages) and the pushes from then on leave no gap between them.
            out.focus.set(conversation_id);
        }
        let joining = since.is_some() && ok && !subscribed;
        if joining {
            // A subscribed client is an open inbox: its user is online for assignment, from
            // before the answer goes (a conversation that arrives just after a client heard
            // "subscribed" went to nobody).
            let user = frame.act_as.clone().unwrap_or_else(|| caller.user.clone());
            engine.presence.arrive(&user);
            present = Some(user);
        }
        if !joining {
            out.answer(&ServerFrame::Answer {
                id: frame.id,
                result,
            });
        } else {
            // Only what this subscriber's scope may see is pushed to them (the hub decides).
            // The hub answers (where the pushes stand, whether the missed ones follow) before
            // its first push.
            let answering = out.clone();
            let id = frame.id;
            let answer = move |joined: crate::hub::Joined| {
                let mut result = result;
                if let AnswerResult::Ok(response) = &mut result
                    && let wabox_protocol::Response::Subscribed(s) = response.as_mut()
                {
                    s.cursor = Some(joined.cursor);
                    s.resumed = joined.resumed;
                }
                answering.answer(&ServerFrame::Answer { id, result });
            };
            let joined = engine
                .hub()
                .subscribe_to(
                    &caller,
                    frame.act_as.as_deref(),
                    since.flatten(),
                    Box::new(out.clone()),
                    Box::new(answer),
                )
                .await;
            if let Err(e) = joined {
                tracing::debug!(error = %e.english(), "could not subscribe");
                break;
            }
            subscribed = true;
        }
    }
    if let Some(user) = present {
        engine.presence.leave(&user);
    }
    // The hub holds the connection too: the writer is told to end, and once it has, the hub
    // sees the connection closed and forgets it.
    out.end();
    let _ = writer_task.await;
    Ok(())
}

/// The next request line, or none when the connection is to end: the peer closed it, sent a
/// line over `MAX_REQUEST_BYTES` (answered with the limit first; never more than that is held),
/// sent something that is not text, or completed no first request in time.
async fn next_request(
    lines: &mut FramedRead<ReadSide, LinesCodec>,
    answered_one: bool,
    out: &Outgoing,
) -> Option<String> {
    // A client that does not read its answers is not read from either.
    out.room().await;
    let next = if answered_one {
        lines.next().await
    } else {
        match tokio::time::timeout(FIRST_REQUEST_WITHIN, lines.next()).await {
            Ok(next) => next,
            Err(_) => {
                tracing::debug!("client connection closed: no request within 30 s");
                return None;
            }
        }
    };
    let why = match next? {
        Ok(line) => return Some(line),
        Err(LinesCodecError::MaxLineLengthExceeded) => {
            ApiError::from(wabox_protocol::ErrorCode::RequestTooLong {
                max: MAX_REQUEST_BYTES as u64,
            })
        }
        Err(LinesCodecError::Io(e)) => {
            tracing::debug!(error = %e, "client connection ended");
            return None;
        }
    };
    tracing::warn!("{}", why.english());
    out.answer(&ServerFrame::Answer {
        id: 0,
        result: AnswerResult::Error(why),
    });
    None
}
