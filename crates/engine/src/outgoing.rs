//! A socket connection's outgoing side, shared by its answers and the event hub's pushes.
//!
//! The hub writes a push straight into the socket when nothing is waiting before it (the
//! common case: the socket's buffer has room), so a push to a subscriber wakes no task. What
//! the socket cannot take at once waits in a backlog that the connection's writer task drains
//! as the socket becomes writable. Lines are never interleaved: every write happens under the
//! backlog's lock, and a line goes straight to the socket only when the backlog is empty.

use super::hub::Delivery;
use super::hub::focus::{Focus, Wants};
use super::hub::subscribers::{Offer, Sink};
use super::socket_halves::WriteSide;
use std::io::ErrorKind;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;
use wabox_protocol::ServerFrame;

/// Pushes are refused (the subscriber is behind) once this much waits for its socket; answers
/// wait for room instead (`room`).
const MAX_BACKLOG: usize = 4 << 20;

pub struct Outgoing {
    half: WriteSide,
    /// How a line goes on this connection: as it is (a socket), or as a WebSocket text frame
    /// (`/api`).
    framing: Framing,
    /// Which conversation's messages this connection's pushes carry (`Request::Focus`).
    pub focus: Focus,
    backlog: Mutex<Backlog>,
    /// Something was added to the backlog, or the connection is ending.
    more: Notify,
    /// The backlog shrank.
    drained: Notify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Lines,
    WebSocket,
}

#[derive(Default)]
struct Backlog {
    bytes: Vec<u8>,
    /// Written last, once everything before it is (a WebSocket's closing frame).
    farewell: Option<Vec<u8>>,
    /// No more will be added: the writer ends once the backlog is written.
    ending: bool,
    /// The writer has ended (the peer went away, or everything was written after `end`).
    closed: bool,
}

impl Outgoing {
    pub fn new(half: WriteSide) -> Arc<Outgoing> {
        Outgoing::framed(half, Framing::Lines)
    }

    pub fn framed(half: WriteSide, framing: Framing) -> Arc<Outgoing> {
        Arc::new(Outgoing {
            half,
            framing,
            focus: Focus::default(),
            backlog: Mutex::new(Backlog::default()),
            more: Notify::new(),
            drained: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Backlog> {
        // A panic while holding it leaves plain bytes behind: still usable.
        self.backlog.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes `line` now if nothing waits before it, else queues it. With `limit`, a line that
    /// would make the backlog longer than it is refused (`Full`).
    fn put(&self, line: &[u8], limit: Option<usize>) -> Offer {
        let mut b = self.lock();
        if b.closed || b.ending {
            return Offer::Closed;
        }
        let mut rest = line;
        if b.bytes.is_empty() {
            match self.half.try_write(line) {
                Ok(n) if n == line.len() => return Offer::Taken,
                Ok(n) => rest = &line[n..],
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => {
                    b.closed = true;
                    return Offer::Closed;
                }
            }
        } else if limit.is_some_and(|l| b.bytes.len() + line.len() > l) {
            return Offer::Full;
        }
        b.bytes.extend_from_slice(rest);
        drop(b);
        self.more.notify_one();
        Offer::Taken
    }

    /// Queues an answer (or a refusal).
    pub fn answer(&self, frame: &ServerFrame) {
        match serde_json::to_vec(frame) {
            Ok(mut line) => {
                line.push(b'\n');
                match self.framing {
                    Framing::Lines => self.put(&line, None),
                    Framing::WebSocket => self.put(&crate::websocket_frame::text(&line), None),
                };
            }
            Err(e) => tracing::error!(error = %e, "could not encode a frame"),
        }
    }

    /// Queues bytes already framed for this connection (a WebSocket's pong or close reply).
    pub fn raw(&self, bytes: &[u8]) -> bool {
        !matches!(self.put(bytes, None), Offer::Closed)
    }

    /// Nothing more is added; `farewell` goes last, after what waits (a closing frame).
    pub fn end_with(&self, farewell: Vec<u8>) {
        let mut b = self.lock();
        b.farewell = Some(farewell);
        b.ending = true;
        drop(b);
        self.more.notify_one();
    }

    /// Waits while the backlog is over its limit: a client that does not read its answers
    /// is not read from either.
    pub async fn room(&self) {
        loop {
            let drained = self.drained.notified();
            {
                let b = self.lock();
                if b.closed || b.bytes.len() <= MAX_BACKLOG {
                    return;
                }
            }
            drained.await;
        }
    }

    /// Nothing more is added: the writer ends once what waits is written.
    pub fn end(&self) {
        self.lock().ending = true;
        self.more.notify_one();
    }

    /// The peer will read no more: what waits for it is dropped, and the socket is shut so
    /// that the writer's wait for room ends (in an error) and the writer with it.
    pub fn abandon(&self) {
        let mut b = self.lock();
        b.bytes.clear();
        b.farewell = None;
        b.ending = true;
        self.half.shut_both();
        drop(b);
        self.more.notify_one();
        self.drained.notify_waiters();
    }

    /// The connection's writer: drains the backlog as the socket takes it.
    pub async fn drain(self: Arc<Outgoing>) {
        loop {
            let more = self.more.notified();
            let mut wait_writable = false;
            {
                let mut b = self.lock();
                if b.bytes.is_empty() && b.ending && b.farewell.is_some() {
                    b.bytes = b.farewell.take().unwrap_or_default();
                }
                if b.bytes.is_empty() {
                    if b.ending {
                        b.closed = true;
                        // The peer reads an end now, though the hub may hold this side a
                        // while longer (until it sees it closed).
                        self.half.shut_write();
                        return;
                    }
                } else {
                    match self.half.try_write(&b.bytes) {
                        Ok(n) => {
                            b.bytes.drain(..n);
                            self.drained.notify_waiters();
                            continue;
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => wait_writable = true,
                        Err(_) => {
                            b.closed = true;
                            self.drained.notify_waiters();
                            return;
                        }
                    }
                }
            }
            if wait_writable {
                if self.half.writable().await.is_err() {
                    self.lock().closed = true;
                    self.drained.notify_waiters();
                    return;
                }
            } else {
                more.await;
            }
        }
    }
}

/// The hub hands pushes straight to the connection: no task in between.
impl Sink for Arc<Outgoing> {
    fn offer(&self, push: Arc<Delivery>) -> Offer {
        match self.framing {
            Framing::Lines => self.put(&push.line, Some(MAX_BACKLOG)),
            // Framed once for every session it goes to.
            Framing::WebSocket => self.put(push.websocket_frame(), Some(MAX_BACKLOG)),
        }
    }

    fn is_closed(&self) -> bool {
        self.lock().closed
    }

    fn wants(&self) -> Wants {
        self.focus.wants()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncBufReadExt;
    use wabox_protocol::push::Push;

    fn push(id: i64) -> Arc<Delivery> {
        Delivery::new(Push {
            gone: vec![id],
            ..Push::default()
        })
    }

    #[tokio::test]
    async fn pushes_and_answers_arrive_whole_and_in_order_even_when_the_peer_is_slow() {
        let (ours, theirs) = tokio::net::UnixStream::pair().unwrap();
        let (_read, write) = crate::socket_halves::split(ours).unwrap();
        let out = Outgoing::new(write);
        let writer = tokio::spawn(out.clone().drain());
        // The peer reads nothing yet: the socket fills, then the backlog, then pushes are
        // refused (the hub marks the subscriber behind) — never half-written.
        let mut taken = 0;
        let mut full = false;
        for id in 0..200_000 {
            match out.offer(push(id)) {
                Offer::Taken => taken += 1,
                Offer::Full => {
                    full = true;
                    break;
                }
                Offer::Closed => panic!("closed"),
            }
        }
        assert!(full, "a peer that does not read fills its backlog");
        out.answer(&ServerFrame::Push {
            push: Box::new(Push {
                resync: true,
                ..Push::default()
            }),
        });
        out.end();
        let mut lines = tokio::io::BufReader::new(theirs).lines();
        for id in 0..taken {
            let line = lines.next_line().await.unwrap().unwrap();
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(v["push"]["gone"][0], id, "in order, whole");
        }
        let last: serde_json::Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(last["push"]["resync"], true, "the answer after them");
        writer.await.unwrap();
        assert!(out.is_closed(), "ended once everything was written");
        assert!(lines.next_line().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_abandoned_connection_ends_though_its_peer_reads_nothing() {
        let (ours, _theirs) = tokio::net::UnixStream::pair().unwrap();
        let (_read, write) = crate::socket_halves::split(ours).unwrap();
        let out = Outgoing::new(write);
        let writer = tokio::spawn(out.clone().drain());
        // The peer reads nothing: the socket fills and the writer waits for room.
        while !matches!(out.offer(push(1)), Offer::Full) {}
        out.end();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(
            !writer.is_finished(),
            "waiting for a peer that reads nothing"
        );
        out.abandon();
        tokio::time::timeout(std::time::Duration::from_secs(5), writer)
            .await
            .expect("the writer ended")
            .unwrap();
        assert!(out.is_closed());
    }
}
