//! A connection's two sides in memory, for a session that is not a socket (`/api`): the
//! requests come through a pipe the session writes into, and what the engine sends (answers,
//! pushes) goes into a bounded buffer the session drains into its WebSocket. The engine then
//! serves it with the socket's own code (`socket::connection`) at the cost of a copy, where a
//! Unix socket pair between the two cost a write, a wake-up and a read for every push.

use std::io;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// What the engine has sent and the session not yet taken: at most `capacity` bytes, as a
/// socket's buffer, so that a session that stops taking makes the engine's backlog grow (and
/// its pushes refused) exactly as a socket that stops reading does.
pub struct Outbound {
    state: Mutex<State>,
    capacity: usize,
    /// Bytes were added, or the sending side ended.
    filled: Notify,
    /// Bytes were taken, or the taking side went away.
    emptied: Notify,
}

#[derive(Default)]
struct State {
    bytes: Vec<u8>,
    /// The engine sends nothing more.
    shut: bool,
    /// The session went away: writing is an error, as to a socket whose peer closed.
    gone: bool,
}

impl Outbound {
    pub fn new(capacity: usize) -> Arc<Outbound> {
        Arc::new(Outbound {
            state: Mutex::new(State::default()),
            capacity,
            filled: Notify::new(),
            emptied: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes what the buffer has room for now, without waiting: `WouldBlock` when none.
    pub fn try_write(&self, bytes: &[u8]) -> io::Result<usize> {
        let mut s = self.lock();
        if s.gone {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let room = self.capacity.saturating_sub(s.bytes.len());
        if room == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = room.min(bytes.len());
        s.bytes.extend_from_slice(&bytes[..n]);
        drop(s);
        self.filled.notify_one();
        Ok(n)
    }

    /// Waits until there is room again (or the session is gone: an error).
    pub async fn writable(&self) -> io::Result<()> {
        loop {
            let emptied = self.emptied.notified();
            {
                let s = self.lock();
                if s.gone {
                    return Err(io::ErrorKind::BrokenPipe.into());
                }
                if s.bytes.len() < self.capacity {
                    return Ok(());
                }
            }
            emptied.await;
        }
    }

    /// The engine sends nothing more; the session reads an end once it has taken the rest.
    pub fn shut_write(&self) {
        self.lock().shut = true;
        self.filled.notify_one();
    }

    /// Everything sent so far, waiting for some; none once the engine has shut and all was
    /// taken.
    pub async fn take(&self) -> Option<Vec<u8>> {
        loop {
            let filled = self.filled.notified();
            {
                let mut s = self.lock();
                if !s.bytes.is_empty() {
                    let bytes = std::mem::take(&mut s.bytes);
                    drop(s);
                    self.emptied.notify_waiters();
                    return Some(bytes);
                }
                if s.shut {
                    return None;
                }
            }
            filled.await;
        }
    }

    /// The session takes nothing more: the engine's writes fail from now on.
    pub fn gone(&self) {
        self.lock().gone = true;
        self.emptied.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_pass_in_order_a_full_buffer_waits_and_an_end_is_read() {
        let out = Outbound::new(8);
        assert_eq!(out.try_write(b"hello\nwo").unwrap(), 8);
        assert_eq!(
            out.try_write(b"rld\n").unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        let waiting = {
            let out = out.clone();
            tokio::spawn(async move { out.writable().await })
        };
        assert_eq!(out.take().await.unwrap(), b"hello\nwo");
        waiting.await.unwrap().unwrap();
        assert_eq!(out.try_write(b"rld\n").unwrap(), 4);
        out.shut_write();
        assert_eq!(out.take().await.unwrap(), b"rld\n");
        assert_eq!(out.take().await, None, "an end after the rest");
        out.gone();
        assert_eq!(
            out.try_write(b"x").unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
    }
}
