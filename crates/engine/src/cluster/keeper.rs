//! The lease keeper: a thread of its own with a connection of its own, so renewals never wait
//! behind the writer. Every `RENEW_EVERY` it heartbeats, renews, and brings this engine's
//! share of the partitions to its fair part of the live engines': it takes free ones when under
//! it, and gives back what is over it once no send of theirs is in flight.

use super::{Cluster, LEASE_SECONDS, PARTITIONS, RENEW_EVERY};
use crate::Engine;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wabox_store::cluster::{self as leases, EngineRow, Lease};
use wabox_store::db::Connection;

/// How long a partition given up waits for its sends in flight before it is given back anyway.
const RELEASE_WAIT: Duration = Duration::from_secs(20);
/// The same, for a stopping engine (a stop should not take long; what is still on its way
/// then becomes uncertain at the next owner's).
const STOP_WAIT: Duration = Duration::from_secs(5);
/// How long a stopping engine keeps trying to reach the store to give its leases back. A
/// store that does not answer (down, or its database gone) must not keep the engine from
/// stopping: its leases then lapse by themselves, `LEASE_SECONDS` after their last renewal,
/// and the other engines take them as from a dead one.
const STOP_STORE_WAIT: Duration = Duration::from_secs(3);

/// Starts the keeper. It ends once the engine stops (`Cluster::stop`), after giving its leases
/// back. `previous`: the engine that served on this data dir before this one, dead
/// (`previous.rs`), whose partitions it takes back first.
pub fn start(
    engine: Arc<Engine>,
    cluster: Arc<Cluster>,
    runtime: tokio::runtime::Handle,
    previous: Option<String>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wabox-leases".into())
        .spawn(move || run(&engine, &cluster, &runtime, previous))
}

fn run(
    engine: &Arc<Engine>,
    cluster: &Cluster,
    runtime: &tokio::runtime::Handle,
    mut previous: Option<String>,
) {
    let row = EngineRow {
        id: cluster.me.clone(),
        host: cluster.me.split(':').next().unwrap_or("").to_owned(),
        pid: i64::from(std::process::id()),
        listen: engine.config.public_url.clone(),
        started_at: wabox_domain::time::now_unix(),
    };
    let mut conn: Option<Connection> = None;
    // Partitions being given back: since when, so a stuck send cannot hold one for ever.
    let mut releasing: HashMap<i64, (Lease, Instant)> = HashMap::new();
    // When the stop began (sends in flight are waited for until `STOP_WAIT` past it), and
    // since when the store has failed to take the leases back.
    let mut stop_began: Option<Instant> = None;
    let mut failing_since: Option<Instant> = None;
    loop {
        let stopping = cluster.is_stopping();
        if stopping {
            stop_began.get_or_insert_with(Instant::now);
        }
        if conn.is_none() {
            conn = engine.store_at.open_reader().ok();
        }
        let answered = match &conn {
            Some(c) if stopping => {
                match give_everything_back(c, cluster, &mut releasing, stop_began) {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not give the leases back; retrying");
                        false
                    }
                }
            }
            Some(c) => match step(
                c,
                engine,
                cluster,
                runtime,
                &row,
                &mut releasing,
                &mut previous,
            ) {
                Ok(()) => {
                    cluster.store_answered();
                    true
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not renew the leases; retrying (work stops before they lapse)");
                    false
                }
            },
            None => false,
        };
        if answered {
            failing_since = None;
        } else {
            conn = None;
            let since = *failing_since.get_or_insert_with(Instant::now);
            if stopping && since.elapsed() >= STOP_STORE_WAIT {
                tracing::warn!(
                    "stopping without giving the leases back: the store did not answer; the other engines take them once they lapse, within {LEASE_SECONDS} s"
                );
                return;
            }
        }
        let wait = if stopping {
            Duration::from_millis(200)
        } else {
            RENEW_EVERY
        };
        let until = Instant::now() + wait;
        while Instant::now() < until && cluster.is_stopping() == stopping {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn step(
    conn: &Connection,
    engine: &Arc<Engine>,
    cluster: &Cluster,
    runtime: &tokio::runtime::Handle,
    row: &EngineRow,
    releasing: &mut HashMap<i64, (Lease, Instant)>,
    previous: &mut Option<String>,
) -> wabox_store::Result<()> {
    leases::heartbeat(conn, row)?;
    let asked = Instant::now();
    let renewed = leases::renew(conn, &cluster.me, LEASE_SECONDS)?;
    // What the store no longer says is ours is not used another moment.
    for partition in cluster.held_partitions() {
        if !renewed.iter().any(|l| l.partition == partition) {
            cluster.drop_lease(partition);
            tracing::warn!(
                partition,
                "a lease lapsed before it was renewed: its work stops here"
            );
        }
    }
    // Ours in the store but never taken over: the store went away between the claim and the
    // take-over (a failover), or with the claim's answer. Worked as they are, a send their
    // previous owner had on its way would stay `sending` for ever; they go back instead, to be
    // claimed and taken over anew.
    let mut not_taken_over = 0;
    for lease in &renewed {
        if releasing.contains_key(&lease.partition) {
            continue;
        }
        if taken_over(cluster, lease) {
            cluster.hold(*lease, asked);
        } else {
            releasing.insert(lease.partition, (*lease, Instant::now()));
            not_taken_over += 1;
        }
    }
    if not_taken_over > 0 {
        tracing::warn!(
            count = not_taken_over,
            "partitions claimed but not taken over go back, to be taken over anew"
        );
    }
    // Given-up partitions go back once none of their sends is in flight.
    let ready: Vec<i64> = releasing
        .iter()
        .filter(|(p, (_, since))| cluster.quiet(**p) || since.elapsed() > RELEASE_WAIT)
        .map(|(p, _)| *p)
        .collect();
    for partition in ready {
        if let Some((lease, _)) = releasing.remove(&partition) {
            leases::release(conn, &cluster.me, lease)?;
        }
    }
    if !cluster.takes_work {
        return Ok(());
    }
    // Started again on the data dir of an engine that ended without giving its leases back:
    // that engine is dead (this one holds the data dir's lock), so its partitions are taken
    // back now rather than when their leases lapse (`previous.rs`).
    if let Some(dead) = previous.as_deref() {
        let asked = Instant::now();
        let back = leases::take_back(conn, dead, &cluster.me, LEASE_SECONDS)?;
        if !back.is_empty() {
            tracing::info!(
                count = back.len(),
                previous = %dead,
                "took back the partitions this data dir's engine held when it ended"
            );
        }
        *previous = None;
        take_over_all(conn, engine, runtime, cluster, back, asked)?;
    }
    let live = leases::live_engines(conn, LEASE_SECONDS)?.max(1);
    let share = (PARTITIONS + live - 1) / live;
    let mine = (cluster.held_partitions().len() + releasing.len()) as i64;
    if mine < share {
        let asked = Instant::now();
        let claimed = leases::claim(conn, &cluster.me, LEASE_SECONDS, share - mine)?;
        take_over_all(conn, engine, runtime, cluster, claimed, asked)?;
    } else if mine > share && live > 1 {
        // Over this engine's share: the highest partitions are given up, their new work
        // stopped at once, and given back once their sends in flight are done.
        let mut held = cluster.held_partitions();
        held.sort_unstable();
        for partition in held.into_iter().rev().take((mine - share) as usize) {
            if let Some(lease) = cluster.drop_lease(partition) {
                releasing.insert(partition, (lease, Instant::now()));
            }
        }
    }
    Ok(())
}

/// Takes over partitions just claimed (asked for at `asked`): each is held once its previous
/// owner's sends in flight are uncertain; one that cannot be taken over is given back.
fn take_over_all(
    conn: &Connection,
    engine: &Arc<Engine>,
    runtime: &tokio::runtime::Handle,
    cluster: &Cluster,
    claimed: Vec<Lease>,
    asked: Instant,
) -> wabox_store::Result<()> {
    if !claimed.is_empty() {
        // A previous owner may have died between a commit and its automatic answer.
        engine.answers_look_again.notify_one();
    }
    for lease in claimed {
        match take_over(engine, runtime, cluster, lease) {
            Ok(uncertain) => {
                if uncertain > 0 {
                    tracing::warn!(
                        partition = lease.partition,
                        count = uncertain,
                        "sends in flight at the partition's previous owner are now uncertain: an agent decides whether to retry"
                    );
                }
                cluster.hold(lease, asked);
            }
            Err(e) => {
                tracing::warn!(partition = lease.partition, error = %e, "could not take a partition over; giving it back");
                leases::release(conn, &cluster.me, lease)?;
            }
        }
    }
    Ok(())
}

/// Whether this engine took the partition over at the lease's epoch (and so may renew it).
fn taken_over(cluster: &Cluster, lease: &Lease) -> bool {
    cluster.held.lock().is_ok_and(|held| {
        held.get(&lease.partition)
            .is_some_and(|h| h.epoch == lease.epoch)
    })
}

/// The previous owner's sends in flight in the partition become uncertain (it may have sent
/// them, or not), in a write that checks this engine holds the lease; how many.
fn take_over(
    engine: &Arc<Engine>,
    runtime: &tokio::runtime::Handle,
    cluster: &Cluster,
    lease: Lease,
) -> wabox_store::Result<usize> {
    let me = cluster.me.clone();
    runtime.block_on(engine.writer.run(move |ctx| {
        if !leases::holds(&ctx.conn, &me, lease)? {
            return Ok(0);
        }
        let now_ms = crate::outbox::now_ms();
        let ids = leases::sending_in_partition(&ctx.conn, lease.partition)?;
        for &id in &ids {
            wabox_store::outbox::mark_uncertain(
                &ctx.conn,
                id,
                "the engine sending it stopped while it was on its way: it may or may not have reached the customer",
                now_ms,
                &mut ctx.events,
            )?;
        }
        Ok(ids.len())
    }))
}

/// The engine is stopping: its work has stopped; once no send is in flight (or a while has
/// passed), every lease goes back and the engine no longer counts as live.
fn give_everything_back(
    conn: &Connection,
    cluster: &Cluster,
    releasing: &mut HashMap<i64, (Lease, Instant)>,
    stop_began: Option<Instant>,
) -> wabox_store::Result<()> {
    for partition in cluster.held_partitions() {
        if let Some(lease) = cluster.drop_lease(partition) {
            releasing.insert(partition, (lease, Instant::now()));
        }
    }
    let deadline = stop_began.unwrap_or_else(Instant::now) + STOP_WAIT;
    while releasing.keys().any(|p| !cluster.quiet(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    // One at a time, each forgotten once given back: after an error, the next round (on a new
    // connection) gives back only what is left.
    let partitions: Vec<i64> = releasing.keys().copied().collect();
    for partition in partitions {
        if let Some((lease, _)) = releasing.get(&partition) {
            leases::release(conn, &cluster.me, *lease)?;
            releasing.remove(&partition);
        }
    }
    leases::stopping(conn, &cluster.me)
}
