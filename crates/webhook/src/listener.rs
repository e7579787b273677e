//! Serves the webhook router so that Meta's deliveries are answered while someone floods the
//! port: a bound on connections held at once (past it, new ones wait in the kernel's queue and
//! hold no descriptor of ours), a deadline for a request's headers (idle keep-alive connections
//! included) and one for the rest of the request (a body sent slowly), so that idle or half-sent
//! connections are let go in seconds instead of held for ever.

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Connections held at once: far under the descriptors the engine raises its limit to at start
/// (`LimitNOFILE=65536` in the unit), far over what Meta opens (a few dozen at most).
pub const MAX_CONNECTIONS: usize = 4096;
/// A request's headers must have arrived by then (Meta sends them at once); the same deadline
/// closes a keep-alive connection that sends no next request.
pub const HEADER_DEADLINE: Duration = Duration::from_secs(10);
/// The rest of a request (its body, at most 3 MiB, and the answer) must be done by then.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// The address a request's connection came from (set on every request by `serve`).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::SocketAddr);

/// Accepts and serves connections until the task is dropped.
pub async fn serve(tcp: TcpListener, app: Router) {
    let app = app.layer(axum::middleware::from_fn(within_deadline));
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        // Waiting here, not after accept: a connection past the bound stays in the kernel's
        // backlog, where it costs us nothing, until one of ours closes.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return; // never closed; nothing left to serve if it were
        };
        let (stream, peer) = match tcp.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, most likely: wait for some to close rather than spin.
                tracing::warn!(error = %e, "could not accept a webhook connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Who connected, for the routes that answer only some peers (`GET /metrics`).
        let service = TowerToHyperService::new(app.clone().layer(axum::Extension(Peer(peer))));
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_DEADLINE)
                .serve_connection(TokioIo::new(stream), service)
                // `/api` turns its connection into a WebSocket.
                .with_upgrades()
                .await;
            if let Err(e) = served {
                tracing::debug!(error = %e, "webhook connection ended");
            }
            drop(slot);
        });
    }
}

/// A request not finished in time (a body trickling in) is answered 408 and let go.
async fn within_deadline(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_DEADLINE, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}
