//! A client connection split so that only its reading side is watched by the runtime: a
//! local user's Unix socket, or the TCP connection of an `/api` WebSocket.
//!
//! Tokio registers a socket for both reading and writing, edge-triggered. A Unix socket then
//! reports "writable" every time its peer reads: for a subscribed inbox that is once per push,
//! so the engine woke, and turned its event loop, once per push per inbox for nothing (a fifth
//! of the cost each inbox added in `bench fanout`). Here the reading side is registered for
//! reading only; the writing side is a second descriptor of the same socket, written to without
//! the runtime, and registered for writing only while a write is waiting for room, which
//! happens only when a client stops reading.

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, Interest, ReadBuf};

/// Splits a connection into its two sides; the socket closes once both are dropped.
pub fn split(stream: tokio::net::UnixStream) -> io::Result<(ReadSide, WriteSide)> {
    // Leaves the runtime's registration (both directions) behind; stays non-blocking.
    split_fd(OwnedFd::from(stream.into_std()?))
}

/// The same for a TCP connection (`/api`, once its WebSocket handshake is done).
pub fn split_tcp(stream: tokio::net::TcpStream) -> io::Result<(ReadSide, WriteSide)> {
    split_fd(OwnedFd::from(stream.into_std()?))
}

/// `read` must be a non-blocking socket.
fn split_fd(read: OwnedFd) -> io::Result<(ReadSide, WriteSide)> {
    let write = read.try_clone()?;
    // SAFETY: the descriptor is `read`'s own, and `read` is owned by the `AsyncFd`.
    let read = unsafe { AsyncFd::register_with_interest(read, Interest::READABLE) }
        .map_err(io::Error::from)?;
    Ok((ReadSide::Socket(read), WriteSide::Socket(write)))
}

/// A connection's reading side: a socket's, or (`/api`) a pipe in memory.
pub enum ReadSide {
    Socket(AsyncFd<OwnedFd>),
    Memory(tokio::io::ReadHalf<tokio::io::SimplexStream>),
}

impl AsyncRead for ReadSide {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let fd = match self.get_mut() {
            ReadSide::Socket(fd) => fd,
            ReadSide::Memory(pipe) => return Pin::new(pipe).poll_read(cx, buf),
        };
        loop {
            let mut ready = ready!(fd.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let read = |fd: &AsyncFd<OwnedFd>| {
                nix::unistd::read(fd.get_ref().as_fd(), unfilled).map_err(io::Error::from)
            };
            match ready.try_io(read) {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                // Readiness was stale and is now cleared: wait for the next.
                Err(_would_block) => continue,
            }
        }
    }
}

/// A connection's writing side: a second descriptor of its socket.
pub enum WriteSide {
    Socket(OwnedFd),
}

impl WriteSide {
    /// Writes what the socket takes now, without waiting: `WouldBlock` when it takes nothing.
    /// A peer that has gone is an error (`EPIPE`), never a signal, whatever SIGPIPE is set to.
    pub fn try_write(&self, bytes: &[u8]) -> io::Result<usize> {
        let WriteSide::Socket(s) = self;
        let flags = nix::sys::socket::MsgFlags::MSG_NOSIGNAL;
        nix::sys::socket::send(s.as_raw_fd(), bytes, flags).map_err(io::Error::from)
    }

    /// Waits until the socket has room again. Registering reports a socket that already has
    /// room at once, so room made between a refused write and this call is not missed.
    pub async fn writable(&self) -> io::Result<()> {
        let WriteSide::Socket(s) = self;
        // SAFETY: the descriptor is borrowed from `s`, which outlives `watched` (dropped at the
        // end of this call, which unregisters it and leaves it open).
        let watched = unsafe { AsyncFd::register_with_interest(s.as_fd(), Interest::WRITABLE) }
            .map_err(io::Error::from)?;
        let _ready = watched.writable().await?;
        Ok(())
    }

    /// The peer reads an end from now on.
    pub fn shut_write(&self) {
        let WriteSide::Socket(s) = self;
        // Already gone is as good as shut.
        let _ = nix::sys::socket::shutdown(s.as_raw_fd(), nix::sys::socket::Shutdown::Write);
    }

    /// Neither side reads nor writes from now on: a write waiting for room fails at once.
    pub fn shut_both(&self) {
        let WriteSide::Socket(s) = self;
        let _ = nix::sys::socket::shutdown(s.as_raw_fd(), nix::sys::socket::Shutdown::Both);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn both_sides_carry_bytes_and_a_full_socket_waits_for_its_reader() {
        let (ours, mut theirs) = tokio::net::UnixStream::pair().unwrap();
        let (mut read, write) = split(ours).unwrap();
        theirs.write_all(b"ping\n").await.unwrap();
        let mut got = [0u8; 5];
        read.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping\n");

        // Fill the socket until it refuses, then let the peer read: `writable` must return.
        let chunk = vec![7u8; 64 << 10];
        let mut written = 0usize;
        loop {
            match write.try_write(&chunk) {
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        let waiting = tokio::spawn(async move {
            write.writable().await.unwrap();
            write
        });
        tokio::task::yield_now().await;
        let mut drained = vec![0u8; written];
        theirs.read_exact(&mut drained).await.unwrap();
        let write = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
            .await
            .expect("room is noticed")
            .unwrap();
        assert!(write.try_write(b"more").unwrap() > 0);

        // Shutting the writing side gives the peer an end once it has read what was sent.
        write.shut_write();
        let mut rest = Vec::new();
        theirs.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"more");
    }

    #[tokio::test]
    async fn writing_to_a_peer_that_has_gone_is_an_error() {
        let (ours, theirs) = tokio::net::UnixStream::pair().unwrap();
        let (_read, write) = split(ours).unwrap();
        drop(theirs);
        let e = write.try_write(b"anyone?").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }
}
