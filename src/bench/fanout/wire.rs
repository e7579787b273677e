//! The engine's socket as an inbox holds it, counting what it reads: the same JSON lines as
//! `crate::client::Client` (one request at a time, events read meanwhile kept for later), with
//! the bytes of every line read and the moment each event came off the socket.

use crate::protocol::push::Push;
use crate::protocol::{AnswerResult, ApiError, Request, RequestFrame, Response, ServerFrame};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

/// Where an inbox reaches the engine: its socket, or `/api` with a token (`--remote`).
#[derive(Debug, Clone)]
pub enum Target {
    Socket(PathBuf),
    Remote(crate::client::remote::Server),
}

/// The connection is gone (or was refused); the text says why.
#[derive(Debug)]
pub struct Lost(pub String);

pub struct Wire {
    lines: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
    next_id: u64,
    /// Events read while waiting for an answer, with when they were read.
    pub pending: VecDeque<(Push, Instant)>,
    /// Bytes read from the socket so far, newlines included.
    pub bytes: u64,
    /// Requests sent so far.
    pub requests: u64,
    /// The agent this connection acts as (the engine's admin running the bench may).
    pub act_as: Option<String>,
}

impl Wire {
    /// Over `/api` the client's own carrier is used (`client::remote`): the inbox then costs
    /// what a remote agent's costs, the WebSocket's carrying on both sides included.
    pub async fn connect(target: &Target) -> Result<Wire, Lost> {
        let stream = match target {
            Target::Socket(data_dir) => {
                let socket = crate::engine::socket::socket_path(data_dir);
                UnixStream::connect(&socket)
                    .await
                    .map_err(|e| Lost(format!("connecting to {}: {e}", socket.display())))?
            }
            Target::Remote(server) => crate::client::remote::open(server)
                .await
                .map_err(|e| Lost(format!("connecting to {}: {e:#}", server.url)))?,
        };
        let (read, write) = stream.into_split();
        Ok(Wire {
            lines: BufReader::new(read).lines(),
            write,
            next_id: 1,
            pending: VecDeque::new(),
            bytes: 0,
            requests: 0,
            act_as: None,
        })
    }

    /// The next line as a frame, and when it was read. Cancel-safe (`Lines::next_line` is).
    async fn frame(&mut self) -> Result<(ServerFrame, Instant), Lost> {
        let line = self
            .lines
            .next_line()
            .await
            .map_err(|e| Lost(format!("reading the socket: {e}")))?
            .ok_or_else(|| Lost("the engine closed the connection".into()))?;
        let at = Instant::now();
        self.bytes += line.len() as u64 + 1;
        let frame = serde_json::from_str(&line)
            .map_err(|e| Lost(format!("the engine sent something unreadable: {e}")))?;
        Ok((frame, at))
    }

    /// One request and its answer; an `Err` only when the connection is lost.
    pub async fn call(&mut self, request: Request) -> Result<Result<Response, ApiError>, Lost> {
        let id = self.next_id;
        self.next_id += 1;
        self.requests += 1;
        let mut line = serde_json::to_vec(&RequestFrame {
            id,
            request,
            act_as: self.act_as.clone(),
            protocol: None,
        })
        .map_err(|e| Lost(format!("encoding a request: {e}")))?;
        line.push(b'\n');
        self.write
            .write_all(&line)
            .await
            .map_err(|e| Lost(format!("writing the socket: {e}")))?;
        loop {
            match self.frame().await? {
                (ServerFrame::Answer { id: got, result }, _) if got == id => {
                    return Ok(match result {
                        AnswerResult::Ok(r) => Ok(*r),
                        AnswerResult::Error(e) => Err(e),
                    });
                }
                (
                    ServerFrame::Answer {
                        id: 0,
                        result: AnswerResult::Error(e),
                    },
                    _,
                ) => return Err(Lost(e.english())),
                (ServerFrame::Answer { .. }, _) => {}
                (ServerFrame::Push { push }, at) => self.pending.push_back((*push, at)),
            }
        }
    }

    /// The next push (one read during a call first).
    pub async fn next_push(&mut self) -> Result<(Push, Instant), Lost> {
        if let Some(e) = self.pending.pop_front() {
            return Ok(e);
        }
        loop {
            if let (ServerFrame::Push { push }, at) = self.frame().await? {
                return Ok((*push, at));
            }
        }
    }
}
