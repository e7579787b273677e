//! The outbox worker: sends what is queued, paced per number and per customer, one message at a
//! time per conversation, and records what became of each. A conversation's messages arrive in
//! the order they were queued: `outbox::queued` offers only each conversation's oldest unsent one.

use super::Engine;
use crate::cluster::Lease;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wabox_cloud::{ErrorAction, GraphError};
use wabox_domain::ConnectionKind;
use wabox_domain::pace::{Bucket, ClaimLead, SecondWindow, backoff_ms};
use wabox_store::outbox::{self, DueFile, DueSend};

/// Attempts before a retryable failure is given up.
const MAX_ATTEMPTS: i64 = 8;
/// Sends in flight at once, across all numbers.
const MAX_IN_FLIGHT: usize = 256;
/// On PostgreSQL, a look slower than this has the outbox's statistics taken anew
/// (`outbox::refresh_statistics`), at most once every `REFRESH_AT_MOST_EVERY`: a look takes
/// 3–10 ms, and one planned with statistics of an outbox much smaller than it is now took up to
/// 3 s. (A look slow for another reason, a busy server, costs a sample of the table's rows.)
const SLOW_LOOK: Duration = Duration::from_millis(50);
const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(30);

pub fn now_ms() -> i64 {
    wabox_domain::time::now_ms()
}

/// Marks what a crash left in flight as uncertain, then starts the worker.
pub async fn start(engine: Arc<Engine>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    if engine.cluster.is_some() {
        // With other engines, the sends in flight of a partition are the concern of whoever
        // takes it over (`cluster::keeper`): another engine's may be on their way right now.
        return Ok(tokio::spawn(run(engine)));
    }
    let recovered = engine
        .writer
        .run(|ctx| outbox::recover_in_flight(&ctx.conn, now_ms(), &mut ctx.events))
        .await?;
    if recovered > 0 {
        tracing::warn!(
            count = recovered,
            "sends in flight when the engine stopped are now uncertain: an agent decides whether to retry"
        );
    }
    Ok(tokio::spawn(run(engine)))
}

async fn run(engine: Arc<Engine>) {
    let started = Instant::now();
    let secs = move || started.elapsed().as_secs_f64();
    let settings = engine.config.outbox.clone();
    // Each number's bucket and second as its sends are claimed, and its second as they leave.
    let mut numbers: HashMap<i64, (Bucket, SecondWindow, Departures)> = HashMap::new();
    let mut customers: HashMap<i64, Bucket> = HashMap::new();
    let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    // With other engines: each number's partition, for the lease it is sent under.
    let mut partitions: HashMap<i64, i64> = HashMap::new();
    let mut refreshed: Option<Instant> = None;
    let mut lead = ClaimLead::default();
    loop {
        let look_started = Instant::now();
        let queued = {
            let e = engine.clone();
            tokio::task::spawn_blocking(move || e.readers.with(|c| outbox::queued(c, 200))).await
        };
        if engine.store_at.is_postgres()
            && look_started.elapsed() > SLOW_LOOK
            && refreshed.is_none_or(|at| at.elapsed() > REFRESH_AT_MOST_EVERY)
        {
            refreshed = Some(Instant::now());
            refresh_statistics(&engine, look_started.elapsed());
        }
        let queued = match queued {
            Ok(Ok(q)) => q,
            other => {
                tracing::error!(?other, "could not read the outbox; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut wake_in = Duration::from_secs(5);
        let mut blocked: HashSet<i64> = HashSet::new();
        let now = now_ms();
        let mut picked = Vec::new();
        for send in queued {
            if send.next_attempt_at > now {
                wake_in = wake_in.min(Duration::from_millis((send.next_attempt_at - now) as u64));
                break; // sorted by due time: nothing after this is due either
            }
            // Another engine's partition is its to send (each number has one sender).
            let lease = match &engine.cluster {
                None => None,
                Some(cluster) => {
                    let Some(partition) =
                        partition_of(&engine, &mut partitions, send.number_id).await
                    else {
                        continue;
                    };
                    match cluster.lease(partition) {
                        Some(lease) => Some(lease),
                        None => continue,
                    }
                }
            };
            let busy = in_flight
                .lock()
                .map(|f| f.contains(&send.conversation_id))
                .unwrap_or(true);
            if busy || blocked.contains(&send.conversation_id) || blocked.contains(&-send.number_id)
            {
                blocked.insert(send.conversation_id);
                continue;
            }
            let t = secs();
            let rate = match send.connection {
                ConnectionKind::Coexistence => settings.coexistence_rate_per_second,
                ConnectionKind::Dedicated => settings.rate_per_second,
            };
            let (number, second, _) = numbers.entry(send.number_id).or_insert_with(|| {
                (
                    Bucket::for_number(rate, t),
                    SecondWindow::new(rate),
                    Departures::new(rate, started),
                )
            });
            let customer = customers.entry(send.conversation_id).or_insert_with(|| {
                Bucket::new(
                    1.0 / settings.customer_interval_seconds.max(0.001),
                    settings.customer_burst as f64,
                    t,
                )
            });
            // Claimed ahead of its second's room by about what a look and a claim take
            // (`ClaimLead`), and held until then below: it leaves the moment it may.
            let number_wait = number.wait(t).max(lead.claim_wait(second.wait(t)));
            let wait = number_wait.max(customer.wait(t));
            if wait > 0.0 {
                // Capped: a wait that no sane setting gives must not panic the outbox.
                wake_in = wake_in.min(Duration::from_secs_f64(wait.min(3600.0)));
                if number_wait > 0.0 {
                    blocked.insert(-send.number_id); // keep this number's order
                }
                blocked.insert(send.conversation_id);
                continue;
            }
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                wake_in = Duration::from_millis(5);
                break;
            };
            // Taken now, so that this number's and this customer's next are paced after it
            // (a claim that fails leaves its share unused: never more than the rate).
            number.take(t);
            customer.take(t);
            picked.push((send, lease, permit));
        }
        // One transaction claims the look's picks, each under its lease: a claim each, awaited
        // one after the other, was a commit a send (on PostgreSQL, four numbers of 80, 80, 20
        // and 20 a second sent 35, 35, 15 and 15 that way, and 39, 39, 17 and 17 so).
        let claims: Vec<(i64, Option<Lease>)> = picked.iter().map(|(s, l, _)| (s.id, *l)).collect();
        let claimed = if claims.is_empty() {
            Vec::new()
        } else {
            let count = claims.len();
            engine
                .writer
                .run_first(move |ctx| {
                    let now = now_ms();
                    claims
                        .iter()
                        .map(|&(id, lease)| {
                            Ok(holds(ctx, lease)? && outbox::mark_sending(&ctx.conn, id, now)?)
                        })
                        .collect::<wabox_store::Result<Vec<bool>>>()
                })
                .await
                .unwrap_or_else(|_| vec![false; count])
        };
        if !picked.is_empty() {
            lead.observe(look_started.elapsed().as_secs_f64());
        }
        for ((send, lease, permit), claimed) in picked.into_iter().zip(claimed) {
            if !claimed {
                continue;
            }
            if let (Some(cluster), Some(lease)) = (&engine.cluster, lease) {
                cluster.send_started(lease.partition);
            }
            // Count the send in its second when it really leaves, holding it back until that
            // second has room (it was claimed ahead of it, and the claim's commit took a moment).
            let leaves = secs();
            let Some((_, second, departures)) = numbers.get_mut(&send.number_id) else {
                continue; // not reached: every pick made its number's entry
            };
            let hold = second.wait(leaves);
            second.take(leaves + hold);
            let departures = departures.clone();
            if let Ok(mut f) = in_flight.lock() {
                f.insert(send.conversation_id);
            }
            let (engine, in_flight) = (engine.clone(), in_flight.clone());
            tokio::spawn(async move {
                let conversation = send.conversation_id;
                if hold > 0.0 {
                    tokio::time::sleep(Duration::from_secs_f64(hold)).await;
                }
                // A lease that lapsed here meanwhile (renewals failing) sends nothing: the send
                // goes back to the queue if the store still says the partition is this
                // engine's, else its next owner makes it uncertain.
                let lapsed = match (&engine.cluster, lease) {
                    (Some(cluster), Some(l)) => cluster.lease(l.partition) != Some(l),
                    _ => false,
                };
                if lapsed {
                    let why =
                        "this engine's lease on the number lapsed before it was sent: queued again";
                    let outcome = Outcome::Retry(now_ms(), None, why.into());
                    record(&engine, send.id, lease, outcome).await;
                } else {
                    deliver(&engine, send, lease, &departures).await;
                }
                if let Ok(mut f) = in_flight.lock() {
                    f.remove(&conversation);
                }
                if let (Some(cluster), Some(lease)) = (&engine.cluster, lease) {
                    cluster.send_ended(lease.partition);
                }
                drop(permit);
                engine.outbox_wake.notify_one();
            });
        }
        tokio::select! {
            _ = engine.outbox_wake.notified() => {}
            _ = tokio::time::sleep(wake_in) => {}
        }
    }
}

/// Takes the outbox's statistics anew on a connection of the pool, while the loop goes on.
fn refresh_statistics(engine: &Arc<Engine>, look: Duration) {
    let e = engine.clone();
    tokio::task::spawn_blocking(move || match e.readers.with(outbox::refresh_statistics) {
        Ok(()) => tracing::info!(
            look_ms = look.as_millis() as u64,
            "a slow look at the outbox: its statistics were taken anew"
        ),
        Err(e) => tracing::warn!(error = %e, "could not take the outbox's statistics anew"),
    });
}

/// A number's sends as they really leave, the last check before each goes. The sends were
/// spaced when they were claimed, but a busy machine can stall a task for tens of
/// milliseconds: the sends held up then went together, in the same second as the ones a
/// second after them, and a number of 80 a second put 83 into a second at the simulator.
#[derive(Clone)]
struct Departures {
    second: Arc<Mutex<SecondWindow>>,
    started: Instant,
}

impl Departures {
    fn new(rate: f64, started: Instant) -> Departures {
        Departures {
            second: Arc::new(Mutex::new(SecondWindow::new(rate))),
            started,
        }
    }

    /// Waits until one more send fits into its number's second, and counts it there.
    async fn take_turn(&self) {
        loop {
            let now = self.started.elapsed().as_secs_f64();
            let wait = match self.second.lock() {
                Ok(mut second) => {
                    let wait = second.wait(now);
                    if wait <= 0.0 {
                        second.take(now);
                    }
                    wait
                }
                Err(_) => 0.0,
            };
            if wait <= 0.0 {
                return;
            }
            tokio::time::sleep(Duration::from_secs_f64(wait.min(60.0))).await;
        }
    }
}

/// One network attempt, and its outcome recorded.
async fn deliver(
    engine: &Arc<Engine>,
    mut send: DueSend,
    lease: Option<Lease>,
    departures: &Departures,
) {
    let id = send.id;
    let credential = match send
        .token_sealed
        .as_deref()
        .map(|t| engine.open_credential(t))
    {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            return record(engine, id, lease, Outcome::Failed(None, e.to_string())).await;
        }
        None => {
            let text = wabox_i18n::engine::NO_TOKEN_CONNECT_AGAIN.en(&[]);
            return record(engine, id, lease, Outcome::Failed(None, text)).await;
        }
    };
    if let Some(file) = send.file.clone() {
        let media_id = match file.media_id {
            Some(m) => m,
            None => match upload(engine, &send, &file, &credential).await {
                Ok(m) => m,
                Err(outcome) => return record(engine, id, lease, outcome).await,
            },
        };
        if send.kind == "template" {
            wabox_domain::template_header::set_uploaded_id(&mut send.request, &media_id);
        } else {
            send.request[send.kind.as_str()]["id"] = serde_json::json!(media_id);
        }
    }
    departures.take_turn().await;
    let result = engine
        .graph
        .send_message(&send.phone_number_id, &credential, &send.request)
        .await;
    let outcome = match result {
        Ok(accepted) => Outcome::Sent(accepted.wamid, accepted.wa_id),
        Err(e @ (GraphError::NoAnswer(_) | GraphError::Unexpected(_))) => {
            Outcome::Uncertain(format!("{e}: it may or may not have reached the customer"))
        }
        Err(e) => retry_or_fail(&send, e),
    };
    record(engine, id, lease, outcome).await;
}

/// Uploads a media send's file and keeps Meta's id on the row before the send uses it, so that
/// a later retry sends by that id instead of uploading again.
async fn upload(
    engine: &Arc<Engine>,
    send: &DueSend,
    file: &DueFile,
    credential: &wabox_cloud::Credential,
) -> Result<String, Outcome> {
    let path = engine.config.data_dir.join(&file.path);
    let gone = |e: std::io::Error| {
        Outcome::Failed(None, wabox_i18n::engine::FILE_GONE.en(&[&e.to_string()]))
    };
    // Streamed from disk: a large file is never held in memory while it goes to Meta.
    let opened = tokio::fs::File::open(&path).await.map_err(gone)?;
    let len = opened.metadata().await.map_err(gone)?.len();
    let uploaded = engine
        .graph
        .upload_media_from(
            &send.phone_number_id,
            credential,
            &file.filename,
            &file.mime_type,
            reqwest::Body::from(opened),
            len,
        )
        .await;
    let media_id = match uploaded {
        Ok(m) => m,
        // Nothing reaches the customer through an upload, so an unanswered one is simply retried.
        Err(e @ (GraphError::NoAnswer(_) | GraphError::Unreachable(_)))
            if send.attempts + 1 < MAX_ATTEMPTS =>
        {
            let wait = backoff_ms((send.attempts + 1) as u32, 0, rand::random::<f64>());
            return Err(Outcome::Retry(
                now_ms() + wait,
                None,
                format!("uploading the file: {e}"),
            ));
        }
        Err(e) => {
            return Err(match retry_or_fail(send, e) {
                Outcome::Retry(at, code, text) => {
                    Outcome::Retry(at, code, format!("uploading the file: {text}"))
                }
                Outcome::Failed(code, text) => {
                    Outcome::Failed(code, wabox_i18n::engine::UPLOADING.en(&[&text]))
                }
                other => other,
            });
        }
    };
    let (id, m) = (send.id, media_id.clone());
    let kept = engine
        .writer
        .run(move |ctx| outbox::mark_uploaded(&ctx.conn, id, &m))
        .await;
    if let Err(e) = kept {
        // The send can still go by this id; only a retry would upload again.
        tracing::error!(outbox_id = id, error = %e, "could not keep the uploaded media id");
    }
    tracing::info!(outbox_id = id, "file uploaded");
    Ok(media_id)
}

/// A refused call: tried again later when Meta says it may work then, else failed for good.
fn retry_or_fail(send: &DueSend, e: GraphError) -> Outcome {
    if e.action().retryable() && send.attempts + 1 < MAX_ATTEMPTS {
        let min = match e.code() {
            Some(131056) => 6000,
            Some(130429) | Some(4) | Some(80007) => 1000,
            _ => 0,
        };
        let wait = backoff_ms((send.attempts + 1) as u32, min, rand::random::<f64>());
        tracing::info!(outbox_id = send.id, code = ?e.code(), wait_ms = wait, "send will be retried");
        return Outcome::Retry(now_ms() + wait, e.code(), e.to_string());
    }
    if e.action() == ErrorAction::Reauthorize {
        tracing::warn!(phone_number_id = %send.phone_number_id, "the number's token was refused: it must be re-authorized");
    }
    // Meta's words only: the code is explained in the reader's language when shown.
    Outcome::Failed(e.code(), e.meta_words())
}

enum Outcome {
    Sent(String, Option<String>),
    Retry(i64, Option<i64>, String),
    Failed(Option<i64>, String),
    Uncertain(String),
}

async fn record(engine: &Arc<Engine>, id: i64, lease: Option<Lease>, outcome: Outcome) {
    let result = engine
        .writer
        .run(move |ctx| {
            let now = now_ms();
            // A mark checks the lease the send was claimed under: once the partition passed
            // to another engine, that engine made the send uncertain, and it stays so.
            if !holds(ctx, lease)? {
                tracing::warn!(
                    outbox_id = id,
                    "a send's outcome came after its partition passed to another engine: it stays uncertain"
                );
                return Ok(());
            }
            match outcome {
                Outcome::Sent(wamid, wa_id) => outbox::mark_sent(
                    &ctx.conn,
                    id,
                    &wamid,
                    wa_id.as_deref(),
                    now,
                    &mut ctx.events,
                ),
                Outcome::Retry(at, code, text) => {
                    outbox::mark_retry(&ctx.conn, id, at, code, &text, now)
                }
                Outcome::Failed(code, text) => {
                    outbox::mark_failed(&ctx.conn, id, code, &text, now, &mut ctx.events)
                }
                Outcome::Uncertain(text) => {
                    outbox::mark_uncertain(&ctx.conn, id, &text, now, &mut ctx.events)
                }
            }
        })
        .await;
    if let Err(e) = result {
        tracing::error!(outbox_id = id, error = %e, "could not record a send's outcome");
    }
}

/// Whether this engine still holds `lease` in the store (locked for the rest of the
/// transaction); no lease (a store of one engine) always holds.
fn holds(ctx: &crate::writer::WriterCtx, lease: Option<Lease>) -> wabox_store::Result<bool> {
    match (&ctx.cluster, lease) {
        (Some(cluster), Some(lease)) => wabox_store::cluster::holds(&ctx.conn, &cluster.me, lease),
        (Some(_), None) => Ok(false),
        (None, _) => Ok(true),
    }
}

/// A number's partition, asked of the store once.
async fn partition_of(
    engine: &Arc<Engine>,
    known: &mut HashMap<i64, i64>,
    number_id: i64,
) -> Option<i64> {
    if let Some(p) = known.get(&number_id) {
        return Some(*p);
    }
    let e = engine.clone();
    let found = tokio::task::spawn_blocking(move || {
        e.readers
            .with(|c| wabox_store::cluster::partition_of_number(c, number_id))
    })
    .await
    .ok()?
    .ok()??;
    known.insert(number_id, found);
    Some(found)
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
