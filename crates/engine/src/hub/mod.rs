//! The event hub: one task between the writer's events and every subscribed client.
//!
//! Per tick (the events that arrive within `TICK` of the first), it reads each changed
//! conversation and message once. Subscribers with the same user and `--as` form a group; groups
//! that see the same (`view_key`: an admin's scope, an agent's queues) share one push, built by
//! the first of them and serialized once per focus (`fitted`), and every subscriber gets those
//! same bytes. A subscriber's cost is a channel send and a socket write per tick, whatever
//! happened in it; the database is read per change, not per subscriber nor per agent.
//!
//! The sidebar (numbers, queues, counts) is read again per kind of view (`sidebar`), at most
//! every `SIDEBAR_EVERY`, and only when something it shows may have changed; each group then
//! counts only its own "mine". A subscriber whose queue is full misses pushes and, once it has
//! room again, gets one `resync`.

mod fitted;
pub mod focus;
mod group;
mod replay;
mod rows;
mod sidebar;
pub mod subscribers;
#[cfg(test)]
mod tests;
mod view_key;

use super::Engine;
use super::api::Caller;
use bytes::Bytes;
use group::Group;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Instant;
use wabox_protocol::push::{self, Push, PushCursor};
use wabox_protocol::{ApiError, ServerFrame};
use wabox_store::StoreEvent;

/// How long after a first event the hub waits for more before pushing them together.
const TICK: Duration = Duration::from_millis(40);
/// The most often a group's sidebar is read again.
const SIDEBAR_EVERY: Duration = Duration::from_millis(1000);
/// Pushes waiting for one subscriber before it is counted as fallen behind.
const SUBSCRIBER_QUEUE: usize = 256;

/// One push, typed for an in-process client and serialized (a socket line) for the others.
#[derive(Debug)]
pub struct Delivery {
    pub push: Push,
    /// `ServerFrame::Push` as one JSON line, newline included.
    pub line: Bytes,
    /// The same as a WebSocket text frame (`/api`), made once for every session it goes to.
    frame: std::sync::OnceLock<Vec<u8>>,
}

impl Delivery {
    /// The push as an `/api` session's WebSocket frame.
    pub fn websocket_frame(&self) -> &[u8] {
        self.frame
            .get_or_init(|| crate::websocket_frame::text(&self.line))
    }
}

impl Delivery {
    pub(crate) fn new(push: Push) -> Arc<Delivery> {
        let frame = ServerFrame::Push {
            push: Box::new(push),
        };
        let mut line = serde_json::to_vec(&frame).unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not encode a push");
            Vec::new()
        });
        let ServerFrame::Push { push } = frame else {
            unreachable!("built above")
        };
        line.push(b'\n');
        Arc::new(Delivery {
            push: *push,
            line: Bytes::from(line),
            frame: std::sync::OnceLock::new(),
        })
    }
}

/// A subscriber's end: the pushes meant for it.
pub type Pushes = mpsc::Receiver<Arc<Delivery>>;

struct Join {
    caller: Caller,
    act_as: Option<String>,
    /// The cursor of a lost connection's last push: the changes after it are pushed first.
    since: Option<PushCursor>,
    out: Box<dyn subscribers::Sink>,
    /// Called with where the pushes stand before the first push is handed over: the socket
    /// writes its answer to `Subscribe` here, so that answer comes before every push.
    first: First,
    joined: oneshot::Sender<Joined>,
}

/// What a joining subscriber does before its first push (see `Join::first`).
pub type First = Box<dyn FnOnce(Joined) + Send>;

/// A subscriber joined: where the pushes stand, and whether the changes after its `since`
/// were handed to it (false: it reads what it shows again).
#[derive(Debug, Clone, Copy)]
pub struct Joined {
    pub cursor: PushCursor,
    pub resumed: bool,
}

/// The hub's handle: cheap to clone; the task ends with the engine.
#[derive(Clone)]
pub struct Hub {
    joins: mpsc::UnboundedSender<Join>,
}

impl Hub {
    /// Starts the hub's task; it listens to the writer's events from now on.
    pub fn start(engine: &Arc<Engine>) -> Hub {
        let (joins, rx) = mpsc::unbounded_channel();
        let events = engine.writer.events.subscribe();
        tokio::spawn(run(Arc::downgrade(engine), events, rx));
        Hub { joins }
    }

    /// Pushes for this caller from now on, on a channel of their own (an in-process client).
    /// Their access is checked, and audited, by the `Subscribe` request that leads here.
    pub async fn subscribe(
        &self,
        caller: &Caller,
        act_as: Option<&str>,
    ) -> Result<(Pushes, Joined), ApiError> {
        let (out, pushes) = mpsc::channel(SUBSCRIBER_QUEUE);
        let joined = self
            .subscribe_to(caller, act_as, None, Box::new(out), Box::new(|_| {}))
            .await?;
        Ok((pushes, joined))
    }

    /// Pushes for this caller from now on, handed to `sink` (a socket connection's writer),
    /// after those it missed since `since` when the hub still has them; `first` is called
    /// before any of them.
    pub async fn subscribe_to(
        &self,
        caller: &Caller,
        act_as: Option<&str>,
        since: Option<PushCursor>,
        sink: Box<dyn subscribers::Sink>,
        first: First,
    ) -> Result<Joined, ApiError> {
        let (joined, done) = oneshot::channel();
        let stopped = || ApiError::from(wabox_protocol::ErrorCode::EngineStopping {});
        self.joins
            .send(Join {
                caller: caller.clone(),
                act_as: act_as.map(str::to_string),
                since,
                out: sink,
                first,
                joined,
            })
            .map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())
    }
}

/// What arrived in one tick, each change once.
#[derive(Debug, Default, Clone)]
struct Tick {
    /// Conversations with a change, and whether their placement (queue, assignee) may have moved.
    conversations: Vec<(i64, bool)>,
    /// Each changed message and its conversation.
    messages: Vec<(i64, i64)>,
    directory: bool,
    templates: Vec<String>,
    journal: Vec<(i64, wabox_protocol::admin::JournalState)>,
    /// The engine's clock was moved to this offset.
    clock: Option<i64>,
    /// The hub itself fell behind the writer: everyone reads everything again.
    lagged: bool,
}

impl Tick {
    fn take(&mut self, event: StoreEvent) {
        match event {
            StoreEvent::MessageAdded {
                conversation_id,
                message_id,
            }
            | StoreEvent::MessageChanged {
                conversation_id,
                message_id,
            } => {
                self.conversation(conversation_id, false);
                if !self.messages.iter().any(|(m, _)| *m == message_id) {
                    self.messages.push((message_id, conversation_id));
                }
            }
            StoreEvent::ConversationChanged { conversation_id } => {
                self.conversation(conversation_id, true)
            }
            StoreEvent::DirectoryChanged => self.directory = true,
            StoreEvent::TemplateStatusChanged { waba_id } => {
                if !self.templates.contains(&waba_id) {
                    self.templates.push(waba_id);
                }
            }
            StoreEvent::JournalChanged { journal_id, state } => {
                self.journal.push((journal_id, state))
            }
            StoreEvent::ClockMoved { offset_seconds } => self.clock = Some(offset_seconds),
            StoreEvent::Lagged { .. } => self.lagged = true,
        }
    }

    fn conversation(&mut self, id: i64, moved: bool) {
        match self.conversations.iter_mut().find(|(c, _)| *c == id) {
            Some((_, m)) => *m |= moved,
            None => self.conversations.push((id, moved)),
        }
    }

    fn is_empty(&self) -> bool {
        self.conversations.is_empty()
            && self.messages.is_empty()
            && !self.directory
            && self.templates.is_empty()
            && self.journal.is_empty()
            && self.clock.is_none()
            && !self.lagged
    }
}

/// A group's key: the caller's user and the `--as` user.
type GroupKey = (String, Option<String>);

async fn run(
    engine: Weak<Engine>,
    mut events: broadcast::Receiver<StoreEvent>,
    mut joins: mpsc::UnboundedReceiver<Join>,
) {
    let mut groups: HashMap<GroupKey, Group> = HashMap::new();
    let (sidebars_done, mut sidebars) =
        mpsc::unbounded_channel::<(GroupKey, Option<Arc<push::Sidebar>>)>();
    let mut swept = Instant::now();
    let mut replay = replay::Replay::new(replay::Replay::random_run());
    let mut placements = match engine.upgrade() {
        Some(e) => rows::Placements::load(&e).await,
        None => return,
    };
    loop {
        let now = Instant::now();
        let due = groups.values().filter_map(|g| g.due(now)).min();
        let mut tick = Tick::default();
        tokio::select! {
            join = joins.recv() => {
                let Some(join) = join else { return };
                let Some(engine) = engine.upgrade() else { return };
                let key = (join.caller.user.clone(), join.act_as.clone());
                let group = match groups.entry(key) {
                    Entry::Occupied(g) => g.into_mut(),
                    Entry::Vacant(v) => {
                        match Group::new(&engine, &join.caller, join.act_as.as_deref()).await {
                            Some(g) => v.insert(g),
                            None => continue, // no longer a user: `joined` dropped, refused
                        }
                    }
                };
                // The changes it missed go before any other push, and before it joins.
                let missed = match join.since {
                    Some(since) => missed(&engine, group, &replay, since, join.out.wants()).await,
                    None => None,
                };
                let joined = Joined {
                    cursor: replay.cursor(),
                    resumed: missed.is_some(),
                };
                (join.first)(joined);
                if let Some(Some(push)) = missed {
                    // A new connection's queue is empty: it takes this one.
                    let _ = join.out.offer(push);
                }
                group.add(join.out);
                let _ = join.joined.send(joined);
                continue;
            }
            read = sidebars.recv() => {
                // The views of a kind come back together: all of them in one turn, rather than
                // one turn (and a look at every group) each.
                let mut next = read;
                while let Some((key, sidebar)) = next {
                    if let Some(group) = groups.get_mut(&key) {
                        group.sidebar_read(sidebar);
                    }
                    next = sidebars.try_recv().ok();
                }
                continue;
            }
            event = events.recv() => {
                match event {
                    Ok(e) => tick.take(e),
                    Err(broadcast::error::RecvError::Lagged(_)) => tick.lagged = true,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
                let until = Instant::now() + TICK;
                while let Ok(more) = tokio::time::timeout_at(until, events.recv()).await {
                    match more {
                        Ok(e) => tick.take(e),
                        Err(broadcast::error::RecvError::Lagged(_)) => tick.lagged = true,
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
            }
            _ = sleep_until(due), if due.is_some() => {}
        }
        let Some(engine) = engine.upgrade() else {
            return;
        };
        if !tick.is_empty() {
            let seq = replay.record(&tick);
            // Looked for once per tick, not per turn: a view whose inboxes all left costs
            // nothing in between (nothing changes its sidebar without a tick). Asking each
            // connection whether it has gone takes its lock: once a second is enough, as a
            // push finds a gone one at once.
            let look = swept.elapsed() >= SIDEBAR_EVERY;
            if look {
                swept = Instant::now();
            }
            groups.retain(|_, g| g.has_subscribers(look));
            let read = rows::read(&engine, &tick, &mut placements).await;
            // Views that see the same share one push (built by the first of them).
            let mut contents: HashMap<view_key::ViewKey, group::Content> = HashMap::new();
            for group in groups.values_mut() {
                if !group.prepare(&engine, &tick, seq).await {
                    continue;
                }
                let Some(key) = group.view_key(&read, &placements) else {
                    continue; // no longer a user: hears nothing more
                };
                let content = match contents.entry(key) {
                    Entry::Occupied(c) => c.into_mut(),
                    Entry::Vacant(v) => v.insert(group.content(&engine, &tick, &read, seq).await),
                };
                group.deliver(content);
            }
        }
        start_sidebars(&engine, &mut groups, &placements, &sidebars_done);
    }
}

/// The push of the changes after `since` for a subscriber coming back (`Some(None)`: none it
/// may see); none when they are not kept, or too many (it reads everything again).
async fn missed(
    engine: &Arc<Engine>,
    group: &mut Group,
    replay: &replay::Replay,
    since: PushCursor,
    wants: focus::Wants,
) -> Option<Option<Arc<Delivery>>> {
    match replay.since(since, wants) {
        Ok(missed) => Some(
            group
                .missed(engine, wants, &missed, replay.cursor().seq)
                .await,
        ),
        Err(why) => {
            tracing::debug!(?why, "a subscriber's cursor could not be resumed");
            None
        }
    }
}

/// Sends the sidebars waiting for a push that did not come, and starts reading those due. The
/// views of the same kind whose sidebars changed too are read with them, a little early, rather
/// than each alone a moment later (their reads would drift apart and never be shared again).
fn start_sidebars(
    engine: &Arc<Engine>,
    groups: &mut HashMap<GroupKey, Group>,
    placements: &rows::Placements,
    done: &sidebar::Done,
) {
    let now = Instant::now();
    // When one view's sidebar has waited long enough for a push, every waiting one goes: they
    // were read together, and sent together they share their bytes.
    if groups.values().any(|g| g.sidebar_waited(now)) {
        let mut sent = Vec::new();
        for group in groups.values_mut() {
            group.send_waiting_sidebar(&mut sent);
        }
    }
    // Most turns start nothing: every view changed, none due yet. Those are looked at, not
    // copied, until one is due.
    let wanted = |groups: &HashMap<GroupKey, Group>, due: bool| -> Vec<GroupKey> {
        groups
            .iter()
            .filter(|(_, g)| g.sidebar_wanted(now) == Some(due))
            .map(|(key, _)| key.clone())
            .collect()
    };
    let due = wanted(groups, true);
    let mut started: Vec<_> = due
        .iter()
        .filter_map(|key| groups.get_mut(key)?.start_sidebar(key, placements))
        .collect();
    if started.is_empty() {
        return;
    }
    let kinds: std::collections::HashSet<view_key::ViewKey> =
        started.iter().map(|(view, _)| view.clone()).collect();
    for key in wanted(groups, false) {
        let Some(group) = groups.get_mut(&key) else {
            continue;
        };
        if group
            .sidebar_key(placements)
            .is_some_and(|view| kinds.contains(&view))
            && let Some(member) = group.start_sidebar(&key, placements)
        {
            started.push(member);
        }
    }
    sidebar::read(engine, started, done);
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
