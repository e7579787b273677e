//! `/api` on the listener: the client API as a WebSocket, for the holder of a token
//! (`Authorization: Bearer wabox_…`), so that agents without an account on this host reach the
//! engine through the same reverse proxy as Meta's webhooks.
//!
//! A session is the socket's protocol unchanged: each text message one request or one answer
//! or push, the same JSON. The engine serves it exactly as a local client's
//! (`socket::serve_halves`: scope, events, focus, a client that does not read being read no
//! more). After the handshake the connection is taken back from the HTTP server: what the engine
//! sends goes into its TCP socket as WebSocket frames it makes itself (`websocket_frame`), so
//! the hub writes a push there directly, as into a Unix socket, and wakes no task; the session's
//! task reads the client's frames (tungstenite) and hands each text message to the engine as a
//! line. Who the caller is comes from the token; what they see from their agent record, at each
//! request.

use super::Engine;
use super::api::Caller;
use super::outgoing::{Framing, Outgoing};
use super::socket_halves::{self, ReadSide};
use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use wabox_domain::time::now_unix;
use wabox_protocol::MAX_REQUEST_BYTES;
use wabox_store::api_tokens::{self, TokenRow};
use wabox_webhook::listener::Peer;

/// Sessions one token may hold at once (an inbox, a few commands, on a laptop or two).
pub const MAX_SESSIONS_PER_TOKEN: usize = 8;

/// Refused tokens from one address within `FAILURE_WINDOW` before it is told to wait (and
/// the store is not asked, nor the audit log written, until the window passes).
const MAX_FAILURES: u32 = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// A session reads requests at this rate at most after a burst of `BURST`: a script cannot take
/// the engine from everyone else. Past it the session stops reading (the client waits, as behind
/// a slow link); nothing is refused. An agent opening a conversation asks three things; at 50 a
/// second after 100, `bench tui --remote` opening a hundred in a row waited 20 ms a request.
const REQUESTS_PER_SECOND: f64 = 100.0;
const BURST: f64 = 500.0;

/// A token bucket: how long to wait before the next request.
struct Pace {
    allowance: f64,
    at: Instant,
}

impl Pace {
    fn new() -> Pace {
        Pace {
            allowance: BURST,
            at: Instant::now(),
        }
    }

    fn wait_for_one(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.allowance = (self.allowance + elapsed * REQUESTS_PER_SECOND).min(BURST);
        self.allowance -= 1.0;
        match self.allowance >= 0.0 {
            true => Duration::ZERO,
            false => Duration::from_secs_f64(-self.allowance / REQUESTS_PER_SECOND),
        }
    }
}

/// The close code a revoked token's sessions end with (4000–4999 are the application's).
pub const CLOSE_REVOKED: u16 = 4001;
/// A session ended by either side in the ordinary way.
const CLOSE_NORMAL: u16 = 1000;
/// A session ended because its client answered nothing for `SILENT_FOR`.
pub const CLOSE_SILENT: u16 = 4002;

// How the engine finds out that a session's client is gone without a word (a laptop asleep,
// Wi-Fi dropped, a NAT that forgot the connection): nothing closes the connection then, and
// until TCP gave up (many minutes, or never on an idle link) the agent would stay present for
// automatic assignment and the session would hold one of its token's places. So the engine
// pings each session every `SESSION_PING_EVERY` (any WebSocket client answers by itself;
// wabox's own also pings the engine as often) and ends one it has heard nothing from (a
// request, a ping, a pong) for `SESSION_SILENT_FOR`.
use wabox_protocol::{SESSION_PING_EVERY as PING_EVERY, SESSION_SILENT_FOR as SILENT_FOR};

/// How long a session's connection may take to end once told to, before its socket is shut
/// under it (a peer gone silent reads nothing, so what waits to go out never would).
const END_WITHIN: Duration = Duration::from_secs(5);

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// The client closed it, sent what is not this protocol, or the engine stopped reading.
    Normally,
    /// The engine ended the connection (it is stopping).
    Served,
    /// Its token was revoked or expired.
    Revoked,
    /// Nothing was heard from the client for `SILENT_FOR`.
    Silent,
}

/// A token's logins from one address are written to the audit log once in this long: a
/// script running a command a second would otherwise write a line a second.
const LOGIN_AUDIT_EVERY: Duration = Duration::from_secs(600);

#[derive(Clone)]
struct ApiState {
    engine: Arc<Engine>,
    failures: Arc<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
    /// When each token's login from each address was last audited.
    audited: Arc<Mutex<HashMap<(i64, IpAddr), Instant>>>,
}

/// How often the tokens of open sessions are checked again: one revoked through another
/// engine (which closes its own sessions at once), or past its expiry, ends its sessions here
/// within this long.
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// The routes; must be called within the runtime (it starts the sessions' check).
pub fn router(engine: Arc<Engine>) -> Router {
    tokio::spawn(check_open_sessions(Arc::downgrade(&engine)));
    Router::new()
        .route("/api", get(upgrade))
        .with_state(ApiState {
            engine,
            failures: Arc::default(),
            audited: Arc::default(),
        })
}

/// Until the engine goes: closes the sessions of tokens no longer usable.
async fn check_open_sessions(engine: std::sync::Weak<Engine>) {
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let open = engine.remote_sessions.tokens();
        if open.is_empty() {
            continue;
        }
        let now = now_unix();
        let usable = engine
            .read(move |c| {
                let mut usable = Vec::new();
                for id in open {
                    let ok = api_tokens::get(c, id)?.is_some_and(|t| t.usable_at(now));
                    usable.push((id, ok));
                }
                Ok(usable)
            })
            .await;
        match usable {
            Ok(usable) => {
                for (id, ok) in usable {
                    if !ok {
                        tracing::info!(
                            token = id,
                            "a token was revoked or expired: closing its sessions"
                        );
                        engine.remote_sessions.close_token(id);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e.english(), "could not check the open sessions' tokens")
            }
        }
    }
}

/// The token a request carries, if any.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Who is asking: the peer, or, when the peer is this machine (the reverse proxy in front of
/// the listener), the address the proxy says it forwarded for (`X-Real-IP`, else the last of
/// `X-Forwarded-For`, the one the nearest proxy added). Throttling refusals by the proxy's own
/// address would let anyone's ten wrong tokens a minute lock every agent out.
fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.to_canonical());
    if !peer.is_loopback() {
        return peer;
    }
    let said = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    said("x-real-ip")
        .or_else(|| said("x-forwarded-for").and_then(|v| v.rsplit(',').next()))
        .and_then(|v| v.trim().parse::<IpAddr>().ok())
        .map_or(peer, |ip| ip.to_canonical())
}

/// 401 with the scheme to use, and no word on why (which tokens exist is nobody's business).
fn unauthorized() -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "a valid token is needed: `wabox login`\n",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

impl ApiState {
    /// Whether this address has been refused too often lately.
    fn throttled(&self, ip: IpAddr) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures
            .get(&ip)
            .is_some_and(|(since, n)| since.elapsed() < FAILURE_WINDOW && *n >= MAX_FAILURES)
    }

    /// Whether this login is to be written to the audit log (the first in a while).
    fn audit_login(&self, token: i64, ip: IpAddr) -> bool {
        let mut audited = self.audited.lock().unwrap_or_else(|p| p.into_inner());
        audited.retain(|_, at| at.elapsed() < LOGIN_AUDIT_EVERY);
        match audited.entry((token, ip)) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Instant::now());
                true
            }
        }
    }

    fn failed(&self, ip: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Old entries go as new ones come: the map holds only recent offenders.
        failures.retain(|_, (since, _)| since.elapsed() < FAILURE_WINDOW);
        let entry = failures.entry(ip).or_insert((Instant::now(), 0));
        entry.1 += 1;
    }
}

/// The handshake's answer (RFC 6455, 4.2.2), or why the request is no WebSocket handshake.
fn handshake(headers: &HeaderMap) -> Result<HeaderValue, &'static str> {
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    if !has(header::CONNECTION, "upgrade") || !has(header::UPGRADE, "websocket") {
        return Err("this is a WebSocket endpoint: connect with `wabox login`\n");
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v != "13")
    {
        return Err("only WebSocket version 13 is spoken here\n");
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or("the WebSocket handshake has no key\n")?;
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    HeaderValue::from_str(&accept).map_err(|_| "the WebSocket handshake's key is not text\n")
}

async fn upgrade(
    State(state): State<ApiState>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    mut request: axum::extract::Request,
) -> Response {
    let engine = &state.engine;
    let ip = client_ip(peer.map(|p| p.0.0.ip()), &headers);
    if state.throttled(ip) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "too many refused tokens from this address: wait a minute\n",
        )
            .into_response();
    }
    let now = now_unix();
    let token = match bearer(&headers) {
        None => None,
        // Read on a reader; the writer is asked only to note a use, once a minute a token.
        Some(secret) => match engine
            .read(move |c| api_tokens::find_usable(c, &secret, now))
            .await
        {
            Ok(Some(token)) if token.use_to_note(now) => {
                let noted = token.clone();
                let written = engine
                    .write(move |ctx| api_tokens::note_use(&ctx.conn, &noted, now))
                    .await;
                if let Err(e) = written {
                    tracing::warn!(error = %e.english(), "could not note a token's use");
                }
                Some(token)
            }
            Ok(token) => token,
            Err(e) => {
                tracing::warn!(error = %e.english(), "could not check a token");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        },
    };
    let Some(token) = token else {
        state.failed(ip);
        audit(
            engine,
            "(unknown)",
            "api_login_refused",
            format!("from {ip}"),
            now,
        )
        .await;
        return unauthorized();
    };
    let accept = match handshake(&headers) {
        Ok(accept) => accept,
        Err(why) => {
            let mut refused = (StatusCode::UPGRADE_REQUIRED, why).into_response();
            refused
                .headers_mut()
                .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            return refused;
        }
    };
    let Some(closed) = engine
        .remote_sessions
        .open_within(token.id, MAX_SESSIONS_PER_TOKEN)
    else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "this token holds {MAX_SESSIONS_PER_TOKEN} sessions already: close some and try again\n"
            ),
        )
            .into_response();
    };
    if state.audit_login(token.id, ip) {
        audit(
            engine,
            &token.holder,
            "api_login",
            login_detail(&token, ip),
            now,
        )
        .await;
    }
    let caller = Caller::remote(token.holder.clone(), token.id);
    let engine = engine.clone();
    let upgraded = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match upgraded.await {
            Ok(connection) => session(engine, connection, caller, closed).await,
            Err(e) => tracing::debug!(error = %e, "an /api handshake was not completed"),
        }
    });
    let mut switching = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = switching.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    switching
}

fn login_detail(token: &TokenRow, ip: IpAddr) -> String {
    format!(
        "token {}{} from {ip}",
        token.id,
        token
            .name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    )
}

async fn audit(engine: &Arc<Engine>, actor: &str, action: &'static str, detail: String, now: i64) {
    let actor = actor.to_string();
    let written = engine
        .write(move |ctx| wabox_store::queues::audit(&ctx.conn, &actor, None, action, &detail, now))
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e.english(), action, "could not write the audit log");
    }
}

/// The requests a session may have in its pipe to the engine, unread (as a socket's buffer).
const REQUEST_PIPE_BYTES: usize = 256 << 10;

/// The client's side of the WebSocket for tungstenite: it reads the connection's reading side
/// (after what the HTTP server had read past the handshake) and writes its own frames (a pong,
/// a close reply) through the engine's outgoing side, between whole lines.
struct ClientSide {
    read: tokio::io::Chain<std::io::Cursor<bytes::Bytes>, ReadSide>,
    out: Arc<Outgoing>,
}

impl tokio::io::AsyncRead for ClientSide {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for ClientSide {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        bytes: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        // Taken whole (tungstenite writes a frame at a time), or the connection has ended.
        std::task::Poll::Ready(match self.out.raw(bytes) {
            true => Ok(bytes.len()),
            false => Err(std::io::ErrorKind::BrokenPipe.into()),
        })
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Carries one session until either side ends it or its token is revoked.
async fn session(
    engine: Arc<Engine>,
    connection: hyper::upgrade::Upgraded,
    caller: Caller,
    mut closed: tokio::sync::watch::Receiver<bool>,
) {
    use tokio_tungstenite::tungstenite::protocol::{Message, Role, WebSocketConfig};
    // The listener serves plain TCP connections (`wabox_webhook::listener`): its own socket.
    let parts = match connection.downcast::<hyper_util::rt::TokioIo<tokio::net::TcpStream>>() {
        Ok(parts) => parts,
        Err(_) => {
            tracing::error!("an /api connection is not a TCP socket of the listener's");
            return;
        }
    };
    let (read, write) = match socket_halves::split_tcp(parts.io.into_inner()) {
        Ok(halves) => halves,
        Err(e) => {
            tracing::warn!(error = %e, "could not take an /api connection over");
            return;
        }
    };
    let out = Outgoing::framed(write, Framing::WebSocket);
    let user = caller.user.clone();
    let (requests_in, mut requests_out) = tokio::io::simplex(REQUEST_PIPE_BYTES);
    let mut serving = tokio::spawn(super::socket::serve_halves(
        engine,
        ReadSide::Memory(requests_in),
        out.clone(),
        caller,
    ));
    // A request is a message: no larger than a socket's line (and its newline).
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_REQUEST_BYTES))
        .max_frame_size(Some(MAX_REQUEST_BYTES));
    let client_side = ClientSide {
        read: tokio::io::AsyncReadExt::chain(std::io::Cursor::new(parts.read_buf), read),
        out: out.clone(),
    };
    let mut from_client = tokio_tungstenite::WebSocketStream::from_raw_socket(
        client_side,
        Role::Server,
        Some(config),
    )
    .await;

    // Requests in: each text message is a line to the engine. A binary one is not this
    // protocol; the session ends. What the engine sends goes out without this task.
    let mut pace = Pace::new();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Waiting on the engine (paced, or while it reads no more) is not the client's silence.
    let mut heard = tokio::time::Instant::now();
    let ended = loop {
        let message = tokio::select! {
            m = from_client.next() => m,
            _ = &mut serving => break Ended::Served,
            changed = closed.changed() => {
                if changed.is_err() || *closed.borrow() {
                    break Ended::Revoked;
                }
                continue;
            }
            _ = ping.tick() => {
                out.raw(&crate::websocket_frame::ping());
                continue;
            }
            _ = tokio::time::sleep_until(heard + SILENT_FOR) => break Ended::Silent,
        };
        heard = tokio::time::Instant::now();
        let Some(Ok(message)) = message else {
            break Ended::Normally;
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) | Message::Binary(_) | Message::Frame(_) => break Ended::Normally,
            // Pings are answered by the WebSocket itself (through `ClientSide`); a pong is the
            // answer to the engine's.
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        let wait = pace.wait_for_one(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let mut line = Vec::with_capacity(text.len() + 1);
        line.extend_from_slice(text.as_bytes());
        line.push(b'\n');
        if requests_out.write_all(&line).await.is_err() {
            break Ended::Normally;
        }
        heard = tokio::time::Instant::now();
    };
    match ended {
        Ended::Revoked => {
            // Why, as the socket says it (an answer to no request), then the close; nothing
            // the engine sends after them goes out.
            out.answer(&wabox_protocol::ServerFrame::Answer {
                id: 0,
                result: wabox_protocol::AnswerResult::Error(
                    wabox_protocol::ErrorCode::TokenRevoked {}.into(),
                ),
            });
            out.end_with(crate::websocket_frame::close(
                CLOSE_REVOKED,
                "token revoked",
            ));
        }
        Ended::Silent => {
            tracing::info!(
                user = %user,
                silent_for = ?SILENT_FOR,
                "a remote session answered nothing: ended"
            );
            out.end_with(crate::websocket_frame::close(
                CLOSE_SILENT,
                "no answer to pings",
            ));
        }
        Ended::Normally | Ended::Served => {
            out.end_with(crate::websocket_frame::close(CLOSE_NORMAL, ""))
        }
    }
    // The requests' side is shut: the engine reads an end (a pipe in memory has no end until
    // it is shut) and its connection ends, once what waits to go out has gone.
    let _ = requests_out.shutdown().await;
    if ended != Ended::Served
        && tokio::time::timeout(END_WITHIN, &mut serving)
            .await
            .is_err()
    {
        // A peer that reads nothing keeps what waits for it from ever going: the socket is
        // shut under the connection's writer, which then ends (and the hub forgets it).
        tracing::info!("a remote session's connection did not end: shutting its socket");
        out.abandon();
        if tokio::time::timeout(END_WITHIN, serving).await.is_err() {
            tracing::warn!("a remote session's connection did not end");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_requests_are_paced() {
        let mut pace = Pace::new();
        let t0 = pace.at;
        for _ in 0..BURST as usize {
            assert_eq!(pace.wait_for_one(t0), Duration::ZERO);
        }
        let wait = pace.wait_for_one(t0);
        assert!(
            (wait.as_secs_f64() - 1.0 / REQUESTS_PER_SECOND).abs() < 1e-9,
            "{wait:?}"
        );
        // A second later, fifty more are allowed, and no more than the burst builds up.
        let later = t0 + Duration::from_secs(1);
        let allowed = (0..200)
            .filter(|_| pace.wait_for_one(later).is_zero())
            .count();
        assert_eq!(allowed, REQUESTS_PER_SECOND as usize - 1);
        let much_later = later + Duration::from_secs(3_600);
        let allowed = (0..500)
            .filter(|_| pace.wait_for_one(much_later).is_zero())
            .count();
        assert!(allowed <= BURST as usize + 1, "{allowed}");
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_proxy_on_this_machine() {
        let far: IpAddr = "203.0.113.7".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "198.51.100.1, 192.0.2.9".parse().unwrap(),
        );
        assert_eq!(
            client_ip(Some(far), &h),
            far,
            "only a local proxy is believed"
        );
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(Some(local), &h),
            "192.0.2.9".parse::<IpAddr>().unwrap()
        );
        h.insert("x-real-ip", "198.51.100.2".parse().unwrap());
        assert_eq!(
            client_ip(Some(local), &h),
            "198.51.100.2".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(Some(local), &HeaderMap::new()), local);
    }

    #[test]
    fn a_bearer_token_is_read_from_its_header_only() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer wabox_abc".parse().unwrap());
        assert_eq!(bearer(&h).as_deref(), Some("wabox_abc"));
        h.insert(header::AUTHORIZATION, "bearer  wabox_abc ".parse().unwrap());
        assert_eq!(bearer(&h).as_deref(), Some("wabox_abc"));
        h.insert(header::AUTHORIZATION, "Basic d2Fib3g=".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
