//! The subscribers who share one view (the same user, the same `--as`): what of a tick they
//! may see, serialized once for all of them.

use super::fitted::Fitted;
use super::rows::{Placements, Read};
use super::sidebar::Member;
use super::subscribers::Subscribers;
use super::view_key::ViewKey;
use super::{Delivery, SIDEBAR_EVERY, Tick};
use crate::Engine;
use crate::api::Caller;
use crate::event_scope::EventFilter;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::time::Instant;
use wabox_protocol::push::{JournalChange, Push, Sidebar};

pub struct Group {
    caller: Caller,
    act_as: Option<String>,
    filter: EventFilter,
    /// The agent's queues (empty for admins), for `Scope::sees`.
    agent_queues: HashSet<i64>,
    subscribers: Subscribers,
    sidebar_dirty: bool,
    sidebar_sent: Option<Instant>,
    /// A sidebar is being read for this group: no second read until it is back.
    sidebar_reading: bool,
    /// A sidebar read and not sent yet: it rides with the next push, or goes alone after
    /// `TICK` if none comes (a push fewer per subscriber while changes keep coming).
    sidebar_ready: Option<(Box<Sidebar>, Instant)>,
}

impl Group {
    /// None when the caller is no longer a wabox user.
    pub async fn new(engine: &Arc<Engine>, caller: &Caller, act_as: Option<&str>) -> Option<Group> {
        let filter = EventFilter::new(engine, caller, act_as).await.ok()?;
        let mut group = Group {
            caller: caller.clone(),
            act_as: act_as.map(str::to_string),
            filter,
            agent_queues: HashSet::new(),
            subscribers: Subscribers::default(),
            sidebar_dirty: false,
            sidebar_sent: None,
            sidebar_reading: false,
            sidebar_ready: None,
        };
        group.read_queues(engine).await;
        Some(group)
    }

    pub fn add(&mut self, out: Box<dyn super::subscribers::Sink>) {
        self.subscribers.add(out);
    }

    /// Forgets subscribers that have gone; false once none is left.
    pub fn has_subscribers(&mut self) -> bool {
        self.subscribers.any_left()
    }

    /// When the hub must next act for this group without a change: a sidebar to read again,
    /// or a sidebar read that no push has carried yet.
    pub fn due(&self, now: Instant) -> Option<Instant> {
        let send = self.sidebar_ready.as_ref().map(|(_, at)| *at + super::TICK);
        [self.sidebar_read_due(now), send]
            .into_iter()
            .flatten()
            .min()
    }

    /// When the sidebar may be read again: at once (`now`) if it never was.
    fn sidebar_read_due(&self, now: Instant) -> Option<Instant> {
        if !self.sidebar_dirty || self.sidebar_reading {
            return None;
        }
        Some(self.sidebar_sent.map_or(now, |t| t + SIDEBAR_EVERY))
    }

    /// Does what is due by `now`: sends a waiting sidebar alone, and answers this view when its
    /// sidebar is to be read (the hub reads the due ones together, `sidebar::read`).
    pub fn act(
        &mut self,
        now: Instant,
        key: &super::GroupKey,
        placements: &Placements,
    ) -> Option<(ViewKey, Member)> {
        if self
            .sidebar_ready
            .as_ref()
            .is_some_and(|(_, at)| *at + super::TICK <= now)
            && let Some((sidebar, _)) = self.sidebar_ready.take()
        {
            self.send(&Delivery::new(Push {
                sidebar: Some(sidebar),
                ..Push::default()
            }));
        }
        if self.sidebar_read_due(now).is_none_or(|due| due > now) {
            return None;
        }
        let scope = self.filter.scope()?.clone();
        self.sidebar_dirty = false;
        self.sidebar_reading = true;
        let user = match &scope {
            wabox_store::scope::Scope::Agent(agent) => agent.clone(),
            _ => self
                .act_as
                .clone()
                .unwrap_or_else(|| self.caller.user.clone()),
        };
        Some((
            ViewKey::of(&scope, &self.agent_queues, placements),
            Member {
                group: key.clone(),
                caller: self.caller.clone(),
                act_as: self.act_as.clone(),
                scope,
                user,
            },
        ))
    }

    async fn read_queues(&mut self, engine: &Arc<Engine>) {
        self.agent_queues = match self.filter.scope() {
            Some(wabox_store::scope::Scope::Agent(user)) => {
                let user = user.clone();
                engine
                    .read(move |c| wabox_store::scope::agent_queues(c, &user))
                    .await
                    .unwrap_or_default()
            }
            _ => HashSet::new(),
        };
    }

    /// Takes in one tick: what this view may see of it goes to every subscriber, as one push.
    pub async fn take(&mut self, engine: &Arc<Engine>, tick: &Tick, read: &Read) {
        if tick.lagged {
            self.filter.refresh(engine).await;
            self.read_queues(engine).await;
            self.sidebar_dirty = true;
            let resync = Delivery::new(Push {
                resync: true,
                ..Push::default()
            });
            self.send(&resync);
            return;
        }
        let mut push = Push::default();
        if tick.directory {
            self.filter.refresh(engine).await;
            self.read_queues(engine).await;
            push.directory = true;
            self.sidebar_dirty = true;
        }
        let Some(scope) = self.filter.scope().cloned() else {
            return; // no longer a user: hears nothing more
        };
        let sees = |p: &Option<wabox_store::scope::Placement>| {
            p.as_ref()
                .is_some_and(|p| scope.sees(p, &self.agent_queues))
        };
        let mut shown = HashSet::new();
        for changed in &read.conversations {
            match &changed.row {
                Some(row) if sees(&changed.now) => {
                    push.conversations.push(row.clone());
                    shown.insert(changed.id);
                }
                _ if sees(&changed.before) => push.gone.push(changed.id),
                _ => {}
            }
        }
        if !push.conversations.is_empty() || !push.gone.is_empty() {
            self.sidebar_dirty = true;
        }
        let messages = read
            .messages
            .iter()
            .filter(|m| shown.contains(&m.conversation_id))
            .cloned()
            .collect();
        for waba in &tick.templates {
            if self.filter.sees_waba(engine, waba).await {
                push.templates.push(waba.clone());
            }
        }
        if self.filter.sees_journal() && !tick.journal.is_empty() {
            push.journal = tick
                .journal
                .iter()
                .map(|(id, state)| JournalChange {
                    journal_id: *id,
                    state: *state,
                })
                .collect();
            self.sidebar_dirty = true;
        }
        // Everyone's windows and times are worded at the engine's now.
        push.clock_offset_seconds = tick.clock;
        let mut fitted = Fitted::new(push, messages);
        if fitted.is_empty() {
            return;
        }
        if let Some((sidebar, _)) = self.sidebar_ready.take() {
            fitted = fitted.with_sidebar(sidebar);
        }
        self.subscribers
            .send_fitted(&mut |wants| fitted.for_wants(wants));
    }

    /// A sidebar read is back: it waits for the next push (unless it failed: nothing then).
    pub fn sidebar_read(&mut self, sidebar: Option<Sidebar>) {
        self.sidebar_reading = false;
        let now = Instant::now();
        self.sidebar_sent = Some(now);
        if let Some(sidebar) = sidebar {
            self.sidebar_ready = Some((Box::new(sidebar), now));
        }
    }

    fn send(&mut self, delivery: &Arc<Delivery>) {
        self.subscribers.send(delivery);
    }
}
