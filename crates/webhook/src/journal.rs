//! Where the listener hands a verified delivery: a journal that keeps it durably before Meta hears
//! 200. The engine's writer is the one journal; the listener needs nothing else of the engine, so
//! it names this trait rather than the writer (the webhook layer sits below the engine).

use bytes::Bytes;
use std::future::Future;
use std::pin::Pin;

/// What journaling one delivery resolves to: `Err` means it was not kept and the sender must
/// retry it.
pub type Journaled<'a> =
    Pin<Box<dyn Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send + 'a>>;

/// The delivery counts `/healthz` shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct JournalCounts {
    /// New journal rows (a repeated body counts once).
    pub journaled: u64,
    pub processed: u64,
    pub unrouted: u64,
    pub invalid: u64,
    /// Other engines share the journal (PostgreSQL): they apply some of what this one
    /// journaled and this one some of theirs, so its own counts say nothing of the backlog.
    pub shared: bool,
}

pub trait Journal: Send + Sync {
    /// Keeps a delivery's body; resolves once it is durable.
    fn journal(&self, body: Bytes) -> Journaled<'_>;
    /// How many deliveries were kept and what became of them.
    fn counts(&self) -> JournalCounts;
    /// Why a delivery could not be kept now, if the journal knows it cannot (its store has not
    /// answered for a while): `/healthz` says so, for a load balancer to go elsewhere.
    fn unavailable(&self) -> Option<String> {
        None
    }
}
