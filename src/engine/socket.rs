//! The client API on a Unix socket: newline-delimited JSON, the caller known by SO_PEERCRED.

use super::Engine;
use super::api::{Caller, user_name};
use super::event_scope::EventFilter;
use crate::api::{AnswerResult, ApiError, Request, RequestFrame, ServerFrame};
use crate::store::StoreEvent;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc};

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

pub async fn serve(engine: Arc<Engine>, listener: UnixListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let engine = engine.clone();
                tokio::spawn(async move {
                    if let Err(e) = connection(engine, stream).await {
                        tracing::debug!(error = %e, "client connection ended");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not accept a client connection");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

async fn connection(engine: Arc<Engine>, stream: UnixStream) -> std::io::Result<()> {
    let cred = stream.peer_cred()?;
    let caller = Caller {
        uid: cred.uid(),
        user: user_name(cred.uid()),
    };
    let (read, mut write) = stream.into_split();
    let (out_tx, mut out_rx) = mpsc::channel::<ServerFrame>(1024);
    let writer_task = tokio::spawn(async move {
        while let Some(frame) = out_rx.recv().await {
            let mut line = match serde_json::to_vec(&frame) {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(error = %e, "could not encode a frame");
                    continue;
                }
            };
            line.push(b'\n');
            if write.write_all(&line).await.is_err() {
                break;
            }
        }
    });
    let mut lines = BufReader::new(read).lines();
    let mut forwarder: Option<tokio::task::JoinHandle<()>> = None;
    let mut present: Option<String> = None;
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        let frame: RequestFrame = match serde_json::from_str(&line) {
            Ok(f) => f,
            Err(e) => {
                let answer = ServerFrame::Answer {
                    id: 0,
                    result: AnswerResult::Error(ApiError::new(format!("not a request: {e}"))),
                };
                let _ = out_tx.send(answer).await;
                continue;
            }
        };
        let subscribe = matches!(frame.request, Request::Subscribe);
        let result = match engine
            .handle_as(&caller, frame.act_as.as_deref(), frame.request)
            .await
        {
            Ok(r) => AnswerResult::Ok(Box::new(r)),
            Err(e) => AnswerResult::Error(e),
        };
        let ok = matches!(result, AnswerResult::Ok(_));
        if out_tx
            .send(ServerFrame::Answer {
                id: frame.id,
                result,
            })
            .await
            .is_err()
        {
            break;
        }
        if subscribe && ok && forwarder.is_none() {
            let events = engine.writer.events.subscribe();
            // Only what this subscriber's scope may see is pushed to them.
            let filter = EventFilter::new(&engine, &caller, frame.act_as.as_deref())
                .await
                .map_err(|e| std::io::Error::other(e.message))?;
            forwarder = Some(tokio::spawn(forward_events(
                engine.clone(),
                filter,
                events,
                out_tx.clone(),
            )));
            // A subscribed client is an open inbox: its user is online for assignment.
            let user = frame.act_as.clone().unwrap_or_else(|| caller.user.clone());
            engine.presence.arrive(&user);
            present = Some(user);
        }
    }
    if let Some(user) = present {
        engine.presence.leave(&user);
    }
    if let Some(f) = forwarder {
        f.abort();
    }
    drop(out_tx);
    let _ = writer_task.await;
    Ok(())
}

async fn forward_events(
    engine: Arc<Engine>,
    mut filter: EventFilter,
    mut events: broadcast::Receiver<StoreEvent>,
    out: mpsc::Sender<ServerFrame>,
) {
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(missed)) => StoreEvent::Lagged { missed },
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if !filter.allows(&engine, &event).await {
            continue;
        }
        if out.send(ServerFrame::Event { event }).await.is_err() {
            return;
        }
    }
}
