//! The subscribers who share one view (the same user, the same `--as`): what of a tick they
//! may see, serialized once for all of them.

use super::fitted::Fitted;
use super::rows::{Placements, Read};
use super::sidebar::Member;
use super::subscribers::Subscribers;
use super::view_key::{AgentQueues, ViewKey};
use super::{Delivery, SIDEBAR_EVERY, Tick};
use crate::Engine;
use crate::api::Caller;
use crate::event_scope::EventFilter;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::time::Instant;
use wabox_protocol::push::{JournalChange, Push, Sidebar};

/// What the views of one key see of a tick: built once, serialized once per focus (and per
/// sidebar riding along: the views of a key read theirs together, so most are the same).
pub struct Content {
    fitted: Fitted,
    with_sidebars: Vec<(Arc<Sidebar>, Fitted)>,
    /// Rows came or went, or journal entries changed: the sidebar is read again.
    moves_sidebar: bool,
}

pub struct Group {
    caller: Caller,
    act_as: Option<String>,
    filter: EventFilter,
    /// The agent's queues (empty for admins), for `Scope::sees`.
    agent_queues: AgentQueues,
    subscribers: Subscribers,
    sidebar_dirty: bool,
    sidebar_sent: Option<Instant>,
    /// A sidebar is being read for this group: no second read until it is back.
    sidebar_reading: bool,
    /// A sidebar read and not sent yet: it rides with the next push, or goes alone after
    /// `TICK` if none comes (a push fewer per subscriber while changes keep coming).
    sidebar_ready: Option<(Arc<Sidebar>, Instant)>,
}

impl Group {
    /// None when the caller is no longer a wabox user.
    pub async fn new(engine: &Arc<Engine>, caller: &Caller, act_as: Option<&str>) -> Option<Group> {
        let filter = EventFilter::new(engine, caller, act_as).await.ok()?;
        let mut group = Group {
            caller: caller.clone(),
            act_as: act_as.map(str::to_string),
            filter,
            agent_queues: AgentQueues::default(),
            subscribers: Subscribers::counted(engine.pushes.clone()),
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

    /// False once no subscriber is left; with `look`, those that have gone are looked for and
    /// forgotten first (else only those a push found gone were).
    pub fn has_subscribers(&mut self, look: bool) -> bool {
        if look {
            self.subscribers.any_left()
        } else {
            !self.subscribers.is_empty()
        }
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

    /// Whether a sidebar read has waited `TICK` for a push to carry it.
    pub fn sidebar_waited(&self, now: Instant) -> bool {
        self.sidebar_ready
            .as_ref()
            .is_some_and(|(_, at)| *at + super::TICK <= now)
    }

    /// Sends the sidebar waiting for a push, alone; `sent` are the sidebars already sent so
    /// this turn and their pushes, whose bytes a view with the same sidebar shares.
    pub fn send_waiting_sidebar(&mut self, sent: &mut Vec<(Arc<Sidebar>, Arc<Delivery>)>) {
        let Some((sidebar, _)) = self.sidebar_ready.take() else {
            return;
        };
        let delivery = made_for(sent, sidebar, |sidebar| {
            Delivery::new(Push {
                sidebar: Some(sidebar),
                ..Push::default()
            })
        })
        .clone();
        self.send(&delivery);
    }

    /// Whether this view's sidebar is to be read: due by `now` (true), or changed and due later
    /// (false); none when nothing changed or a read is under way.
    pub fn sidebar_wanted(&self, now: Instant) -> Option<bool> {
        self.sidebar_read_due(now).map(|due| due <= now)
    }

    /// Which views share this one's sidebar but for "mine"; none once it is no longer a user's.
    pub fn sidebar_key(&self, placements: &Placements) -> Option<ViewKey> {
        let scope = self.filter.scope()?;
        Some(ViewKey::of(scope, &self.agent_queues, placements))
    }

    /// Starts reading this view's sidebar: who it is, for `sidebar::read`.
    pub fn start_sidebar(
        &mut self,
        key: &super::GroupKey,
        placements: &Placements,
    ) -> Option<(ViewKey, Member)> {
        let view = self.sidebar_key(placements)?;
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
            view,
            Member {
                group: key.clone(),
                caller: self.caller.clone(),
                act_as: self.act_as.clone(),
                holds_nothing: placements.holds_nothing(&user),
                scope,
                user,
            },
        ))
    }

    async fn read_queues(&mut self, engine: &Arc<Engine>) {
        self.agent_queues = AgentQueues::new(match self.filter.scope() {
            Some(wabox_store::scope::Scope::Agent(user)) => {
                let user = user.clone();
                engine
                    .read(move |c| wabox_store::scope::agent_queues(c, &user))
                    .await
                    .unwrap_or_default()
            }
            _ => HashSet::new(),
        });
    }

    /// Before a tick's push: a lagged hub tells this view to read everything again (false:
    /// nothing more this tick); a directory change has its scope read again.
    pub async fn prepare(&mut self, engine: &Arc<Engine>, tick: &Tick, seq: u64) -> bool {
        if tick.lagged {
            self.filter.refresh(engine).await;
            self.read_queues(engine).await;
            self.sidebar_dirty = true;
            let resync = Delivery::new(Push {
                resync: true,
                seq,
                ..Push::default()
            });
            self.send(&resync);
            return false;
        }
        if tick.directory {
            self.filter.refresh(engine).await;
            self.read_queues(engine).await;
            self.sidebar_dirty = true;
        }
        true
    }

    /// Which views see the same of this tick as this one; none once it is no longer a user's.
    pub fn view_key(&self, read: &Read, placements: &Placements) -> Option<ViewKey> {
        let scope = self.filter.scope()?;
        Some(ViewKey::of_tick(
            scope,
            &self.agent_queues,
            placements,
            read,
        ))
    }

    /// What this view may see of one tick (number `seq`), for it and every view with the same
    /// key.
    pub async fn content(
        &mut self,
        engine: &Arc<Engine>,
        tick: &Tick,
        read: &Read,
        seq: u64,
    ) -> Content {
        let mut push = Push {
            seq,
            directory: tick.directory,
            // Everyone's windows and times are worded at the engine's now.
            clock_offset_seconds: tick.clock,
            ..Push::default()
        };
        let scope = self.filter.scope().cloned();
        let sees = |p: &Option<wabox_store::scope::Placement>| {
            p.as_ref()
                .zip(scope.as_ref())
                .is_some_and(|(p, scope)| scope.sees(p, self.agent_queues.set()))
        };
        let mut shown = HashSet::new();
        for changed in &read.conversations {
            match &changed.row {
                Some(row) if sees(&changed.now) => {
                    push.conversations.push(row.clone());
                    shown.insert(changed.id);
                }
                _ if read.unseen_is_gone || sees(&changed.before) => push.gone.push(changed.id),
                _ => {}
            }
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
        }
        // What the sidebar shows may have changed with these.
        let moves_sidebar =
            !push.conversations.is_empty() || !push.gone.is_empty() || !push.journal.is_empty();
        Content {
            fitted: Fitted::new(push, messages),
            with_sidebars: Vec::new(),
            moves_sidebar,
        }
    }

    /// A subscriber coming back with a cursor: the push of the changes it missed (`missed`, up
    /// to `seq`), as its scope sees them now, fitted to what it `wants`; none when it missed
    /// nothing it may see.
    pub async fn missed(
        &mut self,
        engine: &Arc<Engine>,
        wants: super::focus::Wants,
        missed: &Tick,
        seq: u64,
    ) -> Option<Arc<Delivery>> {
        if missed.is_empty() {
            return None;
        }
        let read = super::rows::read_missed(engine, missed).await;
        let mut content = self.content(engine, missed, &read, seq).await;
        // The counts and queues may have moved meanwhile: read and pushed again.
        self.sidebar_dirty = true;
        if content.fitted.is_empty() {
            return None;
        }
        Some(content.fitted.for_wants(wants))
    }

    /// Sends a tick's content to every subscriber, with this view's sidebar when one waits.
    pub fn deliver(&mut self, content: &mut Content) {
        if content.moves_sidebar {
            self.sidebar_dirty = true;
        }
        if content.fitted.is_empty() {
            return;
        }
        let fitted = match self.sidebar_ready.take() {
            Some((sidebar, _)) => made_for(&mut content.with_sidebars, sidebar, |sidebar| {
                content.fitted.with_sidebar(sidebar)
            }),
            None => &mut content.fitted,
        };
        self.subscribers
            .send_fitted(&mut |wants| fitted.for_wants(wants));
    }

    /// A sidebar read is back: it waits for the next push (unless it failed: nothing then).
    pub fn sidebar_read(&mut self, sidebar: Option<Arc<Sidebar>>) {
        self.sidebar_reading = false;
        let now = Instant::now();
        self.sidebar_sent = Some(now);
        if let Some(sidebar) = sidebar {
            self.sidebar_ready = Some((sidebar, now));
        }
    }

    fn send(&mut self, delivery: &Arc<Delivery>) {
        self.subscribers.send(delivery);
    }
}

/// What was made this turn for a sidebar equal to `sidebar`, or `make`'s, made now and kept:
/// views whose sidebars are equal share one push. Views read together hold the very same
/// sidebar (a pointer says so); one read apart may still be equal.
fn made_for<T>(
    made: &mut Vec<(Arc<Sidebar>, T)>,
    sidebar: Arc<Sidebar>,
    make: impl FnOnce(Box<Sidebar>) -> T,
) -> &mut T {
    let same = made
        .iter()
        .position(|(s, _)| Arc::ptr_eq(s, &sidebar) || *s == sidebar);
    let i = same.unwrap_or_else(|| {
        let own = make(Box::new(Sidebar::clone(&sidebar)));
        made.push((sidebar, own));
        made.len() - 1
    });
    &mut made[i].1
}
