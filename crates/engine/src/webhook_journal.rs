//! The writer as the webhook listener's journal (`webhook::journal::Journal`): the listener sits
//! below the engine and names only the trait.

use super::writer::WriterHandle;
use bytes::Bytes;
use std::sync::atomic::Ordering;
use wabox_webhook::journal::{Journal, JournalCounts, Journaled};

impl Journal for WriterHandle {
    fn journal(&self, body: Bytes) -> Journaled<'_> {
        Box::pin(async move {
            WriterHandle::journal(self, body).await?;
            Ok(())
        })
    }

    fn counts(&self) -> JournalCounts {
        let s = &self.stats;
        JournalCounts {
            journaled: s.journaled.load(Ordering::Relaxed),
            processed: s.processed.load(Ordering::Relaxed),
            unrouted: s.unrouted.load(Ordering::Relaxed),
            invalid: s.invalid.load(Ordering::Relaxed),
        }
    }
}
