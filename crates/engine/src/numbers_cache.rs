//! The numbers pane asks for every number's waiting count after each batch of events. Counting
//! takes tens of milliseconds on 100,000 conversations (no index can serve it without slowing
//! every inbound message), so answers are kept for a second per scope, and dropped at once when
//! the directory changes.

use super::Engine;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wabox_protocol::ApiError;
use wabox_store::directory::{self, NumberView};
use wabox_store::scope::Scope;

const FRESH_FOR: Duration = Duration::from_secs(1);

/// An answer: when it was read, the directory generation it was read at, and the numbers.
type Cached = (Instant, u64, Vec<NumberView>);

#[derive(Default)]
pub struct NumbersCache(Mutex<HashMap<String, Cached>>);

fn key(scope: &Scope) -> String {
    format!("{scope:?}")
}

impl Engine {
    pub(super) async fn numbers_in(
        self: &Arc<Self>,
        scope: Scope,
    ) -> Result<Vec<NumberView>, ApiError> {
        let generation = self.writer.stats.directory.load(Ordering::SeqCst);
        if let Ok(cache) = self.numbers_cache.0.lock()
            && let Some((at, g, numbers)) = cache.get(&key(&scope))
            && *g == generation
            && at.elapsed() < FRESH_FOR
        {
            return Ok(numbers.clone());
        }
        let k = key(&scope);
        let numbers = self
            .read(move |c| directory::list_numbers_in(c, &scope))
            .await?;
        if let Ok(mut cache) = self.numbers_cache.0.lock() {
            cache.insert(k, (Instant::now(), generation, numbers.clone()));
        }
        Ok(numbers)
    }
}
