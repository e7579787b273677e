//! A delaying TCP proxy on loopback, for `bench tui --remote --latency-ms N`: every byte takes
//! half of N each way, as over a link with that round trip (what `tc netem delay` does to a
//! device, here without privileges). Order is kept, and bytes keep flowing while earlier ones
//! wait: a delay, not a slower link.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// Starts the proxy in front of `target`; its port.
pub async fn start(target: std::net::SocketAddr, round_trip: Duration) -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let one_way = round_trip / 2;
    tokio::spawn(async move {
        while let Ok((outside, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(inside) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = outside.set_nodelay(true);
                let _ = inside.set_nodelay(true);
                let (or, ow) = outside.into_split();
                let (ir, iw) = inside.into_split();
                tokio::select! {
                    _ = carry(or, iw, one_way) => {}
                    _ = carry(ir, ow, one_way) => {}
                }
            });
        }
    });
    Ok(port)
}

/// Copies `from` to `to`, each chunk written `delay` after it was read.
async fn carry(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 << 10];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0
            || tx
                .send((Instant::now() + delay, buf[..n].to_vec()))
                .is_err()
        {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_arrive_in_order_half_the_round_trip_later() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = echo.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = echo.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    return;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
        });
        let port = start(target, Duration::from_millis(80)).await.unwrap();
        let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let t = std::time::Instant::now();
        c.write_all(b"ping").await.unwrap();
        let mut got = [0u8; 4];
        c.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping");
        assert!(
            t.elapsed() >= Duration::from_millis(80),
            "{:?}",
            t.elapsed()
        );
    }
}
