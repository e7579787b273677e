//! The socket's frames, one JSON line each, and the limits on what they carry.

use crate::{ApiError, Request, Response, push};
use serde::{Deserialize, Serialize};

/// The most rows one list request answers with (conversations, messages, journal, search); a
/// client wanting more asks again with `before` set to the last row it has.
pub const MAX_PAGE: usize = 10_000;

/// The longest request line the engine reads; a longer one is refused and its connection
/// closed. Files travel in chunks of `FILE_CHUNK_BYTES`, so no request needs more.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Over `/api`, each side pings the other this often (a WebSocket answers a ping by itself)…
pub const SESSION_PING_EVERY: std::time::Duration = std::time::Duration::from_secs(15);
/// …and ends a session it has heard nothing from (a frame, a ping, a pong) for this long:
/// three pings missed. A link lost without a close (Wi-Fi, sleep, a NAT) is noticed then on
/// either side, not when TCP gives up.
pub const SESSION_SILENT_FOR: std::time::Duration = std::time::Duration::from_secs(45);

/// The most bytes of a file one request or answer carries (base64 on the wire: 4/3 of this).
pub const FILE_CHUNK_BYTES: usize = 512 * 1024;

/// One line on the socket, client to engine.
#[derive(Debug, Serialize, Deserialize)]
pub struct RequestFrame {
    pub id: u64,
    pub request: Request,
    /// An admin acting as another user (recorded in the audit log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_as: Option<String>,
    /// The client's `PROTOCOL_VERSION`, on its first frame (the `Hello` of the handshake).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
}

/// One line on the socket, engine to client: an answer to request `id`, or a pushed event.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServerFrame {
    Answer {
        id: u64,
        #[serde(flatten)]
        result: AnswerResult,
    },
    Push {
        push: Box<push::Push>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerResult {
    Ok(Box<Response>),
    Error(ApiError),
}
