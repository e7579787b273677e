//! Several engines on one PostgreSQL store, and nothing else between them: each ingests every
//! delivery it is sent, and the work (applying, sending, scheduling) is split by tenant into
//! partitions, each owned by one engine at a time through a lease row in the store.
//!
//! - `keeper`: heartbeats, renews this engine's leases, takes free ones up to its share, gives
//!   back what is over it, and on taking one over turns its previous owner's sends in flight
//!   into `uncertain` (as after a crash).
//! - `relay`: forwards the other engines' events to this engine's subscribers, and wakes the
//!   writer when another engine journaled a delivery for a partition of this one's.
//!
//! A lease is judged twice: in the store, by the database's clock, inside the transaction of
//! every claim and mark (`store::cluster::holds`); and here, by this engine's own clock, which
//! stops its work a margin before the store would let another engine take it. An engine that
//! cannot renew therefore stops before its leases can pass.

pub mod keeper;
pub mod notifier;
pub mod previous;
pub mod relay;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
pub use wabox_store::cluster::{Lease, PARTITIONS, partition_of_tenant};

/// How long a lease lasts in the store unless renewed, in seconds.
pub const LEASE_SECONDS: i64 = 10;
/// How often the keeper renews.
pub const RENEW_EVERY: Duration = Duration::from_secs(2);
/// This engine stops using a lease this long before the store's expiry (counted from before
/// the renewal was asked, so the store's expiry is later still).
const MARGIN: Duration = Duration::from_millis(1500);

/// What this engine holds, and what it is doing in each partition.
pub struct Cluster {
    /// This engine's name in the store: host, process and a random part.
    pub me: String,
    /// Whether this engine takes partitions (`wabox serve`) or only writes its events (the
    /// engine a command runs in-process).
    pub takes_work: bool,
    held: Mutex<HashMap<i64, Held>>,
    /// Per partition: sends on their way, and when the last one ended.
    in_flight: Mutex<HashMap<i64, (usize, Option<Instant>)>>,
    stopping: AtomicBool,
    /// Wakes the other engines after this one's commits.
    notifier: std::sync::OnceLock<notifier::Notifier>,
    /// When the relay last heard that some engine journaled deliveries.
    journal_heard: Mutex<Option<Instant>>,
    /// When the lease keeper's last round with the store went through (at first: when this
    /// engine started), for `/healthz`.
    store_answered: Mutex<Instant>,
}

/// The store counts as unreachable for `/healthz` once the keeper, which goes to it every
/// `RENEW_EVERY`, has not got through for this long: two missed rounds and some. `doctor`
/// calls an engine silent past the same.
pub const STORE_SILENT_AFTER: Duration = Duration::from_secs(5);

/// A partition goes to another engine only this long after its last send here: the next
/// owner's pacing starts afresh, and a number must not get two engines' sends in one second.
const QUIET_BEFORE_RELEASE: Duration = Duration::from_millis(1100);

#[derive(Debug, Clone, Copy)]
struct Held {
    epoch: i64,
    /// Past this (by this engine's clock), the lease is not used.
    until: Instant,
}

impl Cluster {
    /// Some engine (this one or another) journaled deliveries: the store is taking a stream.
    pub fn heard_journal(&self) {
        if let Ok(mut at) = self.journal_heard.lock() {
            *at = Some(Instant::now());
        }
    }

    /// Whether no engine has journaled anything for `quiet`: a pause in the whole cluster's
    /// deliveries, not only in this engine's. Work that can wait (the search index) waits for
    /// one: it shares the store's cores with the engines still applying.
    pub fn journal_quiet_for(&self, quiet: Duration) -> bool {
        self.journal_heard
            .lock()
            .map_or(true, |at| at.is_none_or(|at| at.elapsed() >= quiet))
    }

    /// The lease keeper got through to the store.
    pub fn store_answered(&self) {
        if let Ok(mut at) = self.store_answered.lock() {
            *at = Instant::now();
        }
    }

    /// How long the store has not answered the lease keeper, once that is past
    /// `STORE_SILENT_AFTER`: this engine cannot journal a delivery then, and a load balancer
    /// should send them to another (`/healthz` answers 503).
    pub fn store_silent_for(&self) -> Option<Duration> {
        let since = self.store_answered.lock().ok()?.elapsed();
        (since >= STORE_SILENT_AFTER).then_some(since)
    }

    pub fn new(takes_work: bool) -> Cluster {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "host".into());
        Cluster {
            me: format!(
                "{host}:{}:{:04x}",
                std::process::id(),
                rand::random::<u16>()
            ),
            takes_work,
            held: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
            notifier: std::sync::OnceLock::new(),
            journal_heard: Mutex::new(None),
            store_answered: Mutex::new(Instant::now()),
        }
    }

    /// Starts the thread that notifies the other engines (once; later calls do nothing).
    pub fn start_notifier(&self, at: &crate::store_at::StoreAt) -> std::io::Result<()> {
        if self.notifier.get().is_none() {
            let _ = self.notifier.set(notifier::Notifier::start(at.clone())?);
        }
        Ok(())
    }

    /// Wakes the other engines listening on `channel`, once what was just committed is visible.
    pub fn notify(&self, channel: &'static str) {
        if let Some(n) = self.notifier.get() {
            n.notify(channel);
        }
    }

    /// The lease this engine may work a partition under now, if any.
    pub fn lease(&self, partition: i64) -> Option<Lease> {
        if self.stopping.load(Ordering::SeqCst) {
            return None;
        }
        let held = self.held.lock().ok()?;
        held.get(&partition)
            .filter(|h| h.until > Instant::now())
            .map(|h| Lease {
                partition,
                epoch: h.epoch,
            })
    }

    /// The lease of a tenant's partition, if this engine may work it now.
    pub fn lease_of_tenant(&self, tenant_id: i64) -> Option<Lease> {
        self.lease(partition_of_tenant(tenant_id))
    }

    /// Every lease this engine may work under now.
    pub fn leases(&self) -> Vec<Lease> {
        let now = Instant::now();
        if self.stopping.load(Ordering::SeqCst) {
            return Vec::new();
        }
        let mut leases: Vec<Lease> = self
            .held
            .lock()
            .map(|held| {
                held.iter()
                    .filter(|(_, h)| h.until > now)
                    .map(|(p, h)| Lease {
                        partition: *p,
                        epoch: h.epoch,
                    })
                    .collect()
            })
            .unwrap_or_default();
        leases.sort_by_key(|l| l.partition);
        leases
    }

    /// A send of the partition is on its way (the keeper gives a partition back only once none
    /// is).
    pub fn send_started(&self, partition: i64) {
        if let Ok(mut f) = self.in_flight.lock() {
            f.entry(partition).or_default().0 += 1;
        }
    }

    pub fn send_ended(&self, partition: i64) {
        if let Ok(mut f) = self.in_flight.lock()
            && let Some((n, last)) = f.get_mut(&partition)
        {
            *n = n.saturating_sub(1);
            *last = Some(Instant::now());
        }
    }

    /// Whether the partition may go to another engine: no send of it on its way here, and
    /// none for a second.
    fn quiet(&self, partition: i64) -> bool {
        self.in_flight
            .lock()
            .map_or(true, |f| match f.get(&partition) {
                None => true,
                Some((n, last)) => {
                    *n == 0 && last.is_none_or(|t| t.elapsed() >= QUIET_BEFORE_RELEASE)
                }
            })
    }

    /// Stops taking new work (the engine is stopping): the keeper then gives every lease back.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    fn hold(&self, lease: Lease, asked_at: Instant) {
        let until = asked_at + Duration::from_secs(LEASE_SECONDS as u64) - MARGIN;
        if let Ok(mut held) = self.held.lock() {
            held.insert(
                lease.partition,
                Held {
                    epoch: lease.epoch,
                    until,
                },
            );
        }
    }

    fn drop_lease(&self, partition: i64) -> Option<Lease> {
        self.held.lock().ok()?.remove(&partition).map(|h| Lease {
            partition,
            epoch: h.epoch,
        })
    }

    /// How many partitions this engine holds now.
    pub(crate) fn held_count(&self) -> usize {
        self.held.lock().map(|h| h.len()).unwrap_or(0)
    }

    fn held_partitions(&self) -> Vec<i64> {
        self.held
            .lock()
            .map(|h| h.keys().copied().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_used_only_until_its_margin_and_never_while_stopping() {
        let cluster = Cluster::new(true);
        let lease = Lease {
            partition: 3,
            epoch: 7,
        };
        cluster.hold(lease, Instant::now());
        assert_eq!(cluster.lease(3), Some(lease));
        assert_eq!(cluster.lease_of_tenant(67), Some(lease), "67 % 64 = 3");
        assert_eq!(cluster.lease(4), None);
        // Renewed long ago: past its margin, no longer used, though the store may still hold it.
        cluster.hold(lease, Instant::now() - Duration::from_secs(9));
        assert_eq!(cluster.lease(3), None);
        cluster.hold(lease, Instant::now());
        cluster.stop();
        assert_eq!(cluster.lease(3), None);
        assert!(cluster.leases().is_empty());
    }

    #[test]
    fn a_partition_is_quiet_a_second_after_its_last_send_ended() {
        let cluster = Cluster::new(true);
        cluster.send_started(5);
        cluster.send_started(5);
        assert!(!cluster.quiet(5));
        cluster.send_ended(5);
        assert!(!cluster.quiet(5), "one still on its way");
        cluster.send_ended(5);
        assert!(!cluster.quiet(5), "the last left less than a second ago");
        assert!(cluster.quiet(6));
    }
}
