//! The writer as the webhook listener's journal (`webhook::journal::Journal`): the listener sits
//! below the engine and names only the trait. With other engines on a PostgreSQL store, the
//! cluster says whether the store answers (`/healthz`).

use super::cluster::Cluster;
use super::writer::WriterHandle;
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use wabox_webhook::journal::{Journal, JournalCounts, Journaled};

/// What the listener journals into: the writer, and the cluster it shares the store with.
pub struct ListenerJournal {
    pub writer: WriterHandle,
    pub cluster: Option<Arc<Cluster>>,
}

impl Journal for ListenerJournal {
    fn journal(&self, body: Bytes) -> Journaled<'_> {
        Box::pin(async move {
            self.writer.journal(body).await?;
            Ok(())
        })
    }

    fn unavailable(&self) -> Option<String> {
        let silent = self.cluster.as_ref()?.store_silent_for()?;
        Some(format!(
            "the store has not answered for {} s: deliveries are refused (503) until it does",
            silent.as_secs()
        ))
    }

    fn counts(&self) -> JournalCounts {
        let s = &self.writer.stats;
        JournalCounts {
            journaled: s.journaled.load(Ordering::Relaxed),
            processed: s.processed.load(Ordering::Relaxed),
            unrouted: s.unrouted.load(Ordering::Relaxed),
            invalid: s.invalid.load(Ordering::Relaxed),
            shared: self.cluster.is_some(),
        }
    }
}
