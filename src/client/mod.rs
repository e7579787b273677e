//! The client side of the API: a remote engine when the user logged in to one (`wabox login`,
//! or `WABOX_SERVER`), else the engine's socket when one runs, else an in-process engine that
//! lives only as long as this command (holding the engine lock meanwhile).

mod files;
pub mod login;
pub mod remote;

use crate::config::Config;
use crate::engine::api::Caller;
use crate::engine::hub::Pushes;
use crate::engine::lock::{EngineLock, Holder};
use crate::engine::socket::socket_path;
use crate::engine::{Engine, EngineMode};
use crate::protocol::push::Push;
use crate::protocol::{
    AnswerResult, ApiError, ErrorCode, PROTOCOL_VERSION, Request, RequestFrame, Response,
    ServerFrame,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

/// Whether a call failed because the connection to the engine went (it may come back: the
/// inbox and `wabox watch` dial again), rather than being refused.
pub fn is_lost(e: &ApiError) -> bool {
    matches!(
        e.code,
        crate::protocol::ErrorCode::SocketLost { .. } | crate::protocol::ErrorCode::EngineClosed {}
    )
}

/// How long a command waits for an engine that holds the lock but is not answering yet.
const CONNECT_PATIENCE: Duration = Duration::from_secs(10);

pub enum Client {
    Socket {
        lines: Lines<BufReader<OwnedReadHalf>>,
        write: OwnedWriteHalf,
        next_id: u64,
        pending_events: VecDeque<Push>,
        act_as: Option<String>,
        /// The engine's socket or address, to name it when the engine speaks another protocol.
        engine: String,
        /// How to reach the same engine again after a loss.
        dial: Dial,
        /// Why the engine closed the connection, when it said (a revoked token).
        closed_because: Option<Box<ApiError>>,
    },
    InProcess {
        engine: Arc<Engine>,
        caller: Caller,
        /// What the hub pushes, once subscribed: only what this client's user may see.
        events: Option<Pushes>,
        act_as: Option<String>,
        /// Held while this client's engine lives; none when the engine is someone else's (the demo).
        _lock: Option<EngineLock>,
    },
}

/// Reads until the answer to request `id`, keeping the pushes read meanwhile.
async fn read_answer(
    lines: &mut Lines<BufReader<OwnedReadHalf>>,
    pending_events: &mut VecDeque<Push>,
    engine: &str,
    id: u64,
) -> Result<Response, ApiError> {
    let lost = |e: std::io::Error| {
        ApiError::from(ErrorCode::SocketLost {
            detail: e.to_string(),
        })
    };
    loop {
        let Some(line) = lines.next_line().await.map_err(lost)? else {
            return Err(ErrorCode::EngineClosed {}.into());
        };
        match serde_json::from_str::<ServerFrame>(&line) {
            Ok(ServerFrame::Answer { id: got, result }) if got == id => {
                return match result {
                    AnswerResult::Ok(r) => Ok(*r),
                    AnswerResult::Error(e) => Err(e),
                };
            }
            // Id 0 answers no request: the engine says why it closes the connection (not a
            // wabox user, too many connections, a request too long).
            Ok(ServerFrame::Answer {
                id: 0,
                result: AnswerResult::Error(e),
            }) => return Err(e),
            Ok(ServerFrame::Answer { .. }) => {}
            Ok(ServerFrame::Push { push }) => pending_events.push_back(*push),
            // A line this client cannot read comes from an engine of another version (a new
            // kind of answer or push): say so, not serde's words.
            Err(e) => {
                tracing::warn!(error = %e, "an unreadable line from the engine");
                return Err(ErrorCode::ProtocolMismatch {
                    ours: PROTOCOL_VERSION,
                    theirs: None,
                    engine: engine.to_string(),
                }
                .into());
            }
        }
    }
}

/// Where a client's engine is, to reach it again.
#[derive(Debug, Clone)]
pub enum Dial {
    /// The socket in this data dir.
    Socket(std::path::PathBuf),
    Remote(remote::Server),
}

/// For a user who may not even look into the data dir: which group opens it. The data dir's own
/// group says (this user's config may not name the engine's `[access] group`).
fn not_open_to_you(config: &Config) -> anyhow::Error {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&config.data_dir).ok();
    if meta.as_ref().is_some_and(|m| m.mode() & 0o010 == 0) {
        return anyhow::anyhow!(
            "the engine's data dir {} is its user's alone (the group of `[access] group` does not exist on this host): ask an admin to create it and add you",
            config.data_dir.display()
        );
    }
    let group = meta
        .and_then(|m| nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(m.gid())).ok())
        .flatten()
        .map_or_else(|| config.group.clone(), |g| g.name);
    anyhow::anyhow!(
        "the engine's data dir {} is not open to you: ask an admin to add you to the `{group}` group",
        config.data_dir.display()
    )
}

/// A command starts an engine in-process only on a data dir of its own user: on another user's
/// it would make the store's files its own, or fail half-way on a permission.
fn refuse_others_data_dir(config: &Config, socket: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let owner = match std::fs::metadata(&config.data_dir) {
        Ok(meta) => meta.uid(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(not_open_to_you(config));
        }
        Err(e) => anyhow::bail!(
            "could not look at the data dir {}: {e}",
            config.data_dir.display()
        ),
    };
    if owner == nix::unistd::geteuid().as_raw() {
        return Ok(());
    }
    anyhow::bail!(
        "no engine answers on {}: the data dir {} is {}'s, so only its engine (`wabox serve`, run by that user) can serve you; ask an admin to start it",
        socket.display(),
        config.data_dir.display(),
        crate::engine::files::engine_user(owner)
    )
}

impl Client {
    pub async fn connect(config: Config) -> anyhow::Result<Client> {
        if let Some(server) = login::current()? {
            return Client::dial(&Dial::Remote(server)).await;
        }
        let socket = socket_path(&config.data_dir);
        let deadline = Instant::now() + CONNECT_PATIENCE;
        loop {
            let reachable = match std::fs::metadata(&socket) {
                Ok(_) => true,
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    return Err(not_open_to_you(&config));
                }
                Err(_) => false,
            };
            if reachable {
                match UnixStream::connect(&socket).await {
                    Ok(stream) => {
                        let dial = Dial::Socket(config.data_dir.clone());
                        let shown = socket.display().to_string();
                        return Ok(Client::over_socket(stream, &shown, dial).await?);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                        anyhow::bail!(
                            "not allowed to open the engine's socket {}: ask an admin to add you to its group",
                            socket.display()
                        );
                    }
                    Err(_) => {} // a socket left by a crashed engine: the lock tells
                }
            }
            refuse_others_data_dir(&config, &socket)?;
            crate::engine::ensure_data_dir(&config.data_dir)?;
            match EngineLock::acquire(&config.data_dir, Holder::OneShot, Duration::ZERO) {
                Ok(lock) => {
                    let engine = Engine::start(config, EngineMode::InProcess)?;
                    return Ok(Client::InProcess {
                        engine,
                        caller: Caller::current(),
                        events: None,
                        act_as: None,
                        _lock: Some(lock),
                    });
                }
                Err(crate::engine::lock::LockError::Held { .. }) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(crate::engine::lock::LockError::Held { .. }) => anyhow::bail!(
                    "an engine holds {} but does not answer on {}: is it starting or stuck?",
                    config.data_dir.display(),
                    socket.display()
                ),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A client of an engine running in this process (the demo's), as the current user.
    pub fn attached(engine: Arc<Engine>) -> Client {
        Client::InProcess {
            engine,
            caller: Caller::current(),
            events: None,
            act_as: None,
            _lock: None,
        }
    }

    /// An engine's socket, or a remote engine, only: for reconnecting to one that went away,
    /// where starting an engine inside this process would surprise everyone.
    pub async fn dial(dial: &Dial) -> anyhow::Result<Client> {
        match dial {
            Dial::Socket(data_dir) => {
                let socket = socket_path(data_dir);
                let stream = UnixStream::connect(&socket).await?;
                Ok(
                    Client::over_socket(stream, &socket.display().to_string(), dial.clone())
                        .await?,
                )
            }
            Dial::Remote(server) => {
                let stream = remote::open(server).await?;
                let shown = server.url.trim().trim_end_matches('/').to_string();
                Ok(Client::over_socket(stream, &shown, dial.clone()).await?)
            }
        }
    }

    /// How to reach this client's engine again, if it can go away and come back.
    pub fn redial(&self) -> Option<Dial> {
        match self {
            Client::Socket { dial, .. } => Some(dial.clone()),
            Client::InProcess { .. } => None,
        }
    }

    /// A client of the engine on this socket, once both have said which protocol they speak.
    async fn over_socket(stream: UnixStream, engine: &str, dial: Dial) -> Result<Client, ApiError> {
        let (read, write) = stream.into_split();
        let mut client = Client::Socket {
            lines: BufReader::new(read).lines(),
            write,
            next_id: 1,
            pending_events: VecDeque::new(),
            act_as: None,
            engine: engine.to_string(),
            dial,
            closed_because: None,
        };
        client.handshake().await?;
        Ok(client)
    }

    /// Says `Hello` with this client's protocol version and reads the engine's. The answer is
    /// read as plain JSON first: an engine of another version may answer in a shape this
    /// client cannot parse, and that must read as the version mismatch it is.
    async fn handshake(&mut self) -> Result<(), ApiError> {
        let Client::Socket {
            lines,
            write,
            next_id,
            engine,
            ..
        } = self
        else {
            return Ok(());
        };
        let id = *next_id;
        *next_id += 1;
        let frame = RequestFrame {
            id,
            request: Request::Hello,
            act_as: None,
            protocol: Some(PROTOCOL_VERSION),
        };
        let mut line = serde_json::to_vec(&frame).map_err(|e| ErrorCode::EncodeFailed {
            detail: e.to_string(),
        })?;
        line.push(b'\n');
        let lost = |e: std::io::Error| {
            ApiError::from(ErrorCode::SocketLost {
                detail: e.to_string(),
            })
        };
        // A write refused because the engine closed at accept still leaves its line to read.
        let written = write.write_all(&line).await;
        let Some(answer) = lines.next_line().await.map_err(lost)? else {
            written.map_err(lost)?;
            return Err(ErrorCode::EngineClosed {}.into());
        };
        let mismatch = |theirs: Option<u32>| {
            ApiError::from(ErrorCode::ProtocolMismatch {
                ours: PROTOCOL_VERSION,
                theirs,
                engine: engine.clone(),
            })
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&answer) else {
            return Err(mismatch(None));
        };
        let theirs = value
            .pointer("/ok/data/protocol")
            .and_then(serde_json::Value::as_u64)
            .and_then(|v| u32::try_from(v).ok());
        match theirs {
            Some(PROTOCOL_VERSION) => Ok(()),
            Some(other) => Err(mismatch(Some(other))),
            // A refusal (not a wabox user, too many connections) in words this client reads.
            None => match serde_json::from_value::<ServerFrame>(value) {
                Ok(ServerFrame::Answer {
                    result: AnswerResult::Error(refusal),
                    ..
                }) => Err(refusal),
                _ => Err(mismatch(None)),
            },
        }
    }

    /// Every request from now on is made as this user (admins only; the engine audits it).
    pub fn acting_as(mut self, user: Option<String>) -> Client {
        match &mut self {
            Client::Socket { act_as, .. } | Client::InProcess { act_as, .. } => *act_as = user,
        }
        self
    }

    /// Whether this client talks to an engine over its socket (it can go away and come back).
    pub fn is_socket(&self) -> bool {
        matches!(self, Client::Socket { .. })
    }

    pub async fn call(&mut self, request: Request) -> Result<Response, ApiError> {
        match self {
            Client::InProcess {
                engine,
                caller,
                events,
                act_as,
                ..
            } => {
                let subscribe = matches!(request, Request::Subscribe { .. }) && events.is_none();
                let mut answer = engine.handle_as(caller, act_as.as_deref(), request).await?;
                if subscribe {
                    let (pushes, joined) =
                        engine.hub().subscribe(caller, act_as.as_deref()).await?;
                    *events = Some(pushes);
                    if let Response::Subscribed(s) = &mut answer {
                        s.cursor = Some(joined.cursor);
                    }
                }
                Ok(answer)
            }
            Client::Socket {
                lines,
                write,
                next_id,
                pending_events,
                act_as,
                engine,
                ..
            } => {
                let mut line = Vec::new();
                let id = push_frame(&mut line, next_id, request, act_as)?;
                let lost = |e: std::io::Error| {
                    ApiError::from(ErrorCode::SocketLost {
                        detail: e.to_string(),
                    })
                };
                if let Err(e) = write.write_all(&line).await {
                    // The engine may have refused this connection at accept (and closed it
                    // before we wrote): its one line of why is waiting to be read.
                    let said = tokio::time::timeout(Duration::from_secs(1), lines.next_line());
                    if let Ok(Ok(Some(said))) = said.await
                        && let Ok(ServerFrame::Answer {
                            id: 0,
                            result: AnswerResult::Error(refusal),
                        }) = serde_json::from_str::<ServerFrame>(&said)
                    {
                        return Err(refusal);
                    }
                    return Err(lost(e));
                }
                read_answer(lines, pending_events, engine, id).await
            }
        }
    }

    /// Several requests sent at once, their answers in their order: over a link with a round
    /// trip of 100 ms, the three an opened conversation asks for take one round trip instead of
    /// three. The engine answers a connection's requests one after another, in the order sent.
    /// In process, they are made one after another.
    pub async fn call_many(&mut self, requests: Vec<Request>) -> Vec<Result<Response, ApiError>> {
        let Client::Socket {
            lines,
            write,
            next_id,
            pending_events,
            act_as,
            engine,
            ..
        } = self
        else {
            let mut answers = Vec::with_capacity(requests.len());
            for request in requests {
                answers.push(self.call(request).await);
            }
            return answers;
        };
        let first = *next_id;
        let mut bytes = Vec::new();
        for request in requests {
            if let Err(e) = push_frame(&mut bytes, next_id, request, act_as) {
                return (first..*next_id).map(|_| Err(e.clone())).collect();
            }
        }
        if let Err(e) = write.write_all(&bytes).await {
            let e = ApiError::from(ErrorCode::SocketLost {
                detail: e.to_string(),
            });
            return (first..*next_id).map(|_| Err(e.clone())).collect();
        }
        let mut answers = Vec::new();
        for id in first..*next_id {
            answers.push(read_answer(lines, pending_events, engine, id).await);
        }
        answers
    }

    /// The next push, after `call(Request::Subscribe)`; none once the engine is gone.
    pub async fn next_push(&mut self) -> Option<Push> {
        match self {
            Client::InProcess { events, .. } => {
                let delivery = events.as_mut()?.recv().await?;
                Some(delivery.push.clone())
            }
            Client::Socket {
                lines,
                pending_events,
                closed_because,
                ..
            } => {
                if let Some(p) = pending_events.pop_front() {
                    return Some(p);
                }
                loop {
                    let line = lines.next_line().await.ok()??;
                    match serde_json::from_str(&line) {
                        Ok(ServerFrame::Push { push }) => return Some(*push),
                        // An answer to no request: the engine says why it closes.
                        Ok(ServerFrame::Answer {
                            id: 0,
                            result: AnswerResult::Error(e),
                        }) => *closed_because = Some(Box::new(e)),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Why the engine closed this client's connection, when it said.
    pub fn closed_because(&self) -> Option<&ApiError> {
        match self {
            Client::Socket { closed_because, .. } => closed_because.as_deref(),
            Client::InProcess { .. } => None,
        }
    }

    /// Ends the command's use of the engine; an in-process one finishes its writes first.
    pub async fn close(self) {
        // Only an engine this client started is shut down (not the demo's).
        if let Client::InProcess {
            engine,
            _lock: Some(lock),
            ..
        } = self
        {
            let _ = tokio::task::spawn_blocking(move || engine.shutdown()).await;
            drop(lock);
        }
    }
}

/// Appends `request` as the next numbered line of this connection; its id.
fn push_frame(
    out: &mut Vec<u8>,
    next_id: &mut u64,
    request: Request,
    act_as: &Option<String>,
) -> Result<u64, ApiError> {
    let id = *next_id;
    *next_id += 1;
    let frame = RequestFrame {
        id,
        request,
        act_as: act_as.clone(),
        protocol: None,
    };
    serde_json::to_writer(&mut *out, &frame).map_err(|e| {
        ApiError::from(ErrorCode::EncodeFailed {
            detail: e.to_string(),
        })
    })?;
    out.push(b'\n');
    Ok(id)
}
