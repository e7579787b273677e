//! One idle inbox: the TUI's own `App`, fed the engine's events and answers exactly as the
//! TUI's loop feeds them (a burst of events, then `flush`, then the requests it asks for, one
//! at a time as `tui::link` runs them), minus drawing. It opens one conversation and then
//! only looks, as an agent reading would; it reconnects after a loss as the link does.

use super::super::tui::delivery_number;
use super::wire::{Lost, Target, Wire};
use crate::protocol::Request;
use crate::protocol::push::Push;
use crate::tui::app::{App, Effect, Focus};
use crate::tui::keymap::Keymap;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What an inbox has read and done so far, for the bench to read while it runs.
#[derive(Default)]
pub struct Counters {
    /// Bytes read from the engine's socket (answers and events).
    pub bytes: AtomicU64,
    pub requests: AtomicU64,
    pub events: AtomicU64,
    /// Deliveries seen (`Arrival`).
    pub added: AtomicU64,
    /// `Lagged` notices: the engine dropped events this inbox had not read in time.
    pub lagged: AtomicU64,
    /// Connections lost and made again.
    pub reconnects: AtomicU64,
}

/// A delivery (the `k`th posted) seen at an inbox: when the push carrying its conversation's
/// row, the line the agent sees in the list, came off the socket.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    pub delivery: u64,
    pub at: Instant,
}

pub struct Inbox {
    app: App,
    wire: Wire,
    target: Target,
    /// The agent whose inbox this is; none: the engine's admin's.
    act_as: Option<String>,
    counters: Arc<Counters>,
    /// Bytes and requests of the connections before this one.
    carried: (u64, u64),
    /// Deliveries already counted (a later push may carry a row again, changed).
    deliveries: HashSet<u64>,
    pub arrivals: Vec<Arrival>,
}

impl Inbox {
    /// Connects (as `act_as`), subscribes, loads the lists and opens the `pick`-th conversation
    /// shown.
    pub async fn open(
        target: Target,
        act_as: Option<String>,
        pick: usize,
        counters: Arc<Counters>,
    ) -> anyhow::Result<Inbox> {
        let mut wire = Wire::connect(&target)
            .await
            .map_err(|l| anyhow::anyhow!(l.0))?;
        wire.act_as = act_as.clone();
        let app = App::new(
            crate::i18n::Strings::for_code("en"),
            Keymap::defaults(),
            time::UtcOffset::UTC,
            crate::domain::time::now_unix(),
        );
        let mut inbox = Inbox {
            app,
            wire,
            target,
            act_as,
            counters,
            carried: (0, 0),
            deliveries: HashSet::new(),
            arrivals: Vec::new(),
        };
        let lost = |l: Lost| anyhow::anyhow!(l.0);
        match inbox
            .wire
            .call(Request::Subscribe { since: None })
            .await
            .map_err(lost)?
        {
            Ok(crate::protocol::Response::Subscribed(s)) => inbox.app.user = Some(s.user),
            Ok(_) => {}
            Err(e) => anyhow::bail!("subscribing: {}", e.english()),
        }
        inbox.app.on_connected(false);
        inbox.settle(Vec::new()).await.map_err(lost)?;
        let shown = inbox.app.list.rows.len();
        anyhow::ensure!(shown > 0, "the inbox shows no conversation");
        inbox.app.focus = Focus::Conversations;
        inbox.app.list.selected = pick % shown;
        let effects = inbox
            .app
            .on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        inbox.settle(effects).await.map_err(lost)?;
        anyhow::ensure!(
            inbox.app.open.is_some(),
            "the inbox did not open a conversation"
        );
        inbox.publish();
        Ok(inbox)
    }

    /// Looks at the screen until `stop`, then answers what arrived when.
    pub async fn watch(mut self, stop: Arc<AtomicBool>) -> Vec<Arrival> {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !stop.load(Ordering::Relaxed) {
            let effects = tokio::select! {
                event = self.wire.next_push() => match event {
                    Ok(event) => Ok(self.on_event(event)),
                    Err(lost) => Err(lost),
                },
                _ = tick.tick() => {
                    self.app.on_tick(crate::domain::time::now_unix());
                    Ok(Vec::new())
                }
            };
            let settled = match effects {
                Ok(effects) => self.settle(effects).await,
                Err(lost) => Err(lost),
            };
            if let Err(lost) = settled
                && !self.reconnect(lost, &stop).await
            {
                break;
            }
            self.publish();
        }
        self.publish();
        self.arrivals
    }

    fn on_event(&mut self, (push, at): (Push, Instant)) -> Vec<Effect> {
        self.counters.events.fetch_add(1, Ordering::Relaxed);
        // A delivery seen for the first time is an arrival: its conversation's row, which
        // the list shows, carries its text (the open conversation's message comes with it).
        for row in &push.conversations {
            let Some(k) = row
                .last_message
                .as_ref()
                .and_then(|m| delivery_number(&m.text))
            else {
                continue;
            };
            if self.deliveries.insert(k) {
                self.arrivals.push(Arrival { delivery: k, at });
                self.counters.added.fetch_add(1, Ordering::Relaxed);
            }
        }
        if push.resync {
            self.counters.lagged.fetch_add(1, Ordering::Relaxed);
        }
        self.app.on_push(push)
    }

    /// Runs what the app asked for, taking in the events read meanwhile before each `flush`
    /// (the TUI drains its link before flushing), until it asks for nothing more.
    async fn settle(&mut self, effects: Vec<Effect>) -> Result<(), Lost> {
        let mut queue: VecDeque<Effect> = effects.into();
        loop {
            while let Some(event) = self.wire.pending.pop_front() {
                let more = self.on_event(event);
                queue.extend(more);
            }
            queue.extend(self.app.flush());
            let Some(effect) = queue.pop_front() else {
                return Ok(());
            };
            if let Effect::Call(tag, request) = effect {
                let answer = self.wire.call(request).await?;
                queue.extend(self.app.on_reply(tag, answer));
            }
        }
    }

    /// As `tui::link`: every second until the engine answers again, then everything reloaded.
    /// False once stopped.
    async fn reconnect(&mut self, lost: Lost, stop: &AtomicBool) -> bool {
        self.counters.reconnects.fetch_add(1, Ordering::Relaxed);
        self.carried.0 += self.wire.bytes;
        self.carried.1 += self.wire.requests;
        self.app.on_disconnected(lost.0);
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            let Ok(wire) = Wire::connect(&self.target).await else {
                continue;
            };
            self.wire = wire;
            self.wire.act_as = self.act_as.clone();
            if !matches!(
                self.wire.call(Request::Subscribe { since: None }).await,
                Ok(Ok(_))
            ) {
                continue;
            }
            self.app.on_connected(false);
            let effects = self.app.reload_open();
            if self.settle(effects).await.is_ok() {
                return true;
            }
        }
    }

    fn publish(&self) {
        let c = &self.counters;
        c.bytes
            .store(self.carried.0 + self.wire.bytes, Ordering::Relaxed);
        c.requests
            .store(self.carried.1 + self.wire.requests, Ordering::Relaxed);
    }
}
