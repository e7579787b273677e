//! `wabox bench sequences`: the sequence scheduler on a store with many active enrollments.
//!
//! 1. Throughput: `--due` enrollments come due at once; each run ends a wait, queues a text in
//!    the outbox (the outbox worker is not running: this measures the scheduler) and starts the
//!    next wait. Reported as enrollments advanced per second.
//! 2. Lateness: with `--active` enrollments waiting (due in an hour), probe enrollments come due
//!    one per second; a reader watches each and records how long after its due time it ran.
//!
//! The store is filled with SQL directly (contacts, conversations with an open window,
//! enrollments), the way the scheduler finds it after months of use.

use crate::config::Config;
use crate::engine::lock::{EngineLock, Holder};
use crate::engine::{Engine, EngineMode};
use crate::secret::Secret;
use clap::Args;
use std::time::{Duration, Instant};
use wabox_store::db::params;

#[derive(Args, Debug)]
pub struct SequencesBenchOptions {
    /// Enrollments waiting (due in an hour) while the probes run.
    #[arg(long, default_value_t = 100_000)]
    pub active: usize,
    /// Enrollments that come due at once for the throughput figure.
    #[arg(long, default_value_t = 20_000)]
    pub due: usize,
    /// Probe enrollments, one due each second.
    #[arg(long, default_value_t = 20)]
    pub probes: usize,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

const SEQUENCE: &str = r#"
name = "Bench"
tenant = "Bench"
[[step]]
wait = "1h"
[[step]]
text = "¿Seguimos, {first_name|}?"
[[step]]
wait = "1h"
"#;

pub async fn run(o: SequencesBenchOptions) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("wabox-bench-sequences-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sequences"))?;
    std::fs::write(dir.join("sequences/bench.toml"), SEQUENCE)?;
    let mut config = Config::loopback(
        &dir,
        Some(Secret::new("bench-secret")),
        Some(Secret::new("bench-verify")),
        "https://graph.invalid",
    );
    config.sequences_dir = Some(dir.join("sequences"));
    crate::engine::ensure_data_dir(&dir)?;
    let lock = EngineLock::acquire(&dir, Holder::Engine, Duration::ZERO)?;
    let engine = Engine::start(config, EngineMode::Serve)?;

    let total = o.active + o.due + o.probes;
    eprintln!("bench sequences: filling the store with {total} conversations and enrollments…");
    let now = crate::domain::time::now_unix();
    let filled = Instant::now();
    let (active, due) = (o.active, o.due);
    engine
        .writer
        .run(move |ctx| fill(&ctx.conn, total, active, due, now))
        .await?;
    eprintln!(
        "bench sequences: filled in {:.1} s",
        filled.elapsed().as_secs_f64()
    );

    // Throughput: `due` enrollments are due now; the scheduler starts.
    let started = Instant::now();
    let scheduler = crate::engine::scheduler::spawn(engine.clone());
    let reader = crate::store::open_reader(&crate::engine::db_path(&dir))?;
    let throughput = throughput(&o, &reader, started).await?;
    let (p50, max) = lateness(&o, &engine, &reader).await?;

    scheduler.abort();
    let _ = scheduler.await;
    tokio::task::spawn_blocking(move || engine.shutdown()).await?;
    drop(lock);
    let _ = std::fs::remove_dir_all(&dir);
    print(&o, &throughput, p50, max)
}

/// How fast the scheduler advanced the enrollments due at once.
struct Throughput {
    took: f64,
    per_second: f64,
    /// Texts the advanced steps queued in the outbox.
    queued: i64,
}

/// Waits until every due enrollment has advanced (10 minutes at most), timed from `started`,
/// taken before the scheduler was spawned.
async fn throughput(
    o: &SequencesBenchOptions,
    reader: &wabox_store::db::Connection,
    started: Instant,
) -> anyhow::Result<Throughput> {
    let advanced = |conn: &wabox_store::db::Connection| -> wabox_store::db::Result<i64> {
        conn.query_row(
            "SELECT COUNT(*) FROM enrollments WHERE step = 2 AND id > ?1",
            [o.active as i64],
            |r| r.get(0),
        )
    };
    loop {
        let n = advanced(reader)?;
        if n as usize >= o.due {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "only {n} of {} advanced in 10 minutes",
            o.due
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = started.elapsed().as_secs_f64();
    let per_second = o.due as f64 / took;
    let queued: i64 = reader.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
    Ok(Throughput {
        took,
        per_second,
        queued,
    })
}

/// Lateness: one probe due per second from two seconds on, among `active` waiting ones; p50 and
/// max in ms.
async fn lateness(
    o: &SequencesBenchOptions,
    engine: &std::sync::Arc<Engine>,
    reader: &wabox_store::db::Connection,
) -> anyhow::Result<(i64, i64)> {
    let total = o.active + o.due + o.probes;
    let first_due = crate::domain::time::now_unix() + 2;
    let probe_ids: Vec<i64> = ((o.active + o.due) as i64 + 1..=(total as i64)).collect();
    {
        let ids = probe_ids.clone();
        engine
            .writer
            .run(move |ctx| -> crate::store::Result<()> {
                for (k, id) in ids.iter().enumerate() {
                    let at = first_due + k as i64;
                    ctx.conn.execute(
                        "UPDATE enrollments SET state = 'active', due_at = ?2, waiting_since = ?3 WHERE id = ?1",
                        params![id, at, at - 3_600],
                    )?;
                }
                Ok(())
            })
            .await?;
        engine.scheduler_wake.notify_one();
    }
    let mut lateness_ms: Vec<i64> = Vec::new();
    let mut pending: Vec<(i64, i64)> = probe_ids
        .iter()
        .enumerate()
        .map(|(k, id)| (*id, (first_due + k as i64) * 1000))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(o.probes as u64 + 30);
    while !pending.is_empty() && Instant::now() < deadline {
        let now_ms = crate::domain::time::now_ms();
        let mut still = Vec::new();
        for (id, due_ms) in pending {
            if now_ms + 50 < due_ms {
                still.push((id, due_ms));
                continue;
            }
            let step: i64 =
                reader.query_row("SELECT step FROM enrollments WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            if step == 2 {
                lateness_ms.push(now_ms - due_ms);
            } else {
                still.push((id, due_ms));
            }
        }
        pending = still;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    anyhow::ensure!(pending.is_empty(), "{} probes never ran", pending.len());
    lateness_ms.sort();
    let p50 = lateness_ms[lateness_ms.len() / 2];
    let max = *lateness_ms.last().unwrap_or(&0);
    Ok((p50, max))
}

fn print(o: &SequencesBenchOptions, t: &Throughput, p50: i64, max: i64) -> anyhow::Result<()> {
    let Throughput {
        took,
        per_second,
        queued,
    } = *t;
    if o.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "active": o.active,
                "due_at_once": o.due,
                "advanced_per_second": per_second.round(),
                "seconds": took,
                "texts_queued": queued,
                "probes": o.probes,
                "lateness_ms_p50": p50,
                "lateness_ms_max": max,
                "target_lateness_ms": 1000,
                "met": max < 1000,
            }))?
        );
    } else {
        println!("sequences scheduler");
        println!(
            "  advanced: {} enrollments in {took:.2} s = {per_second:.0}/s (each: a wait ends, a text is queued in the outbox, the next wait starts; {queued} texts queued)",
            o.due
        );
        println!(
            "  lateness with {} active enrollments: {} probes, p50 {p50} ms, max {max} ms (target: under 1000 ms) {}",
            o.active,
            o.probes,
            if max < 1000 { "met" } else { "NOT MET" }
        );
    }
    Ok(())
}

/// One tenant, one number, `total` contacts and conversations with an open window, and an
/// enrollment each: the first `active` due in an hour, the next `due` due now, the rest (the
/// probes) paused until the lateness phase sets their time.
fn fill(
    conn: &wabox_store::db::Connection,
    total: usize,
    active: usize,
    due: usize,
    now: i64,
) -> crate::store::Result<()> {
    conn.execute(
        "INSERT INTO tenants (id, name, created_at) VALUES (1, 'Bench', ?1)",
        [now],
    )?;
    conn.execute(
        "INSERT INTO numbers (id, tenant_id, phone_number_id, waba_id, display_phone, connection,
                              access_token_sealed, created_at)
         VALUES (1, 1, '100000000000001', '200000000000001', '15550000001', 'dedicated', x'00', ?1)",
        [now],
    )?;
    let mut contact = conn.prepare(
        "INSERT INTO contacts (id, tenant_id, wa_id, name, created_at, updated_at) VALUES (?1, 1, ?2, ?3, ?4, ?4)",
    )?;
    let mut conversation = conn.prepare(
        "INSERT INTO conversations (id, number_id, contact_id, last_inbound_at, last_message_at, created_at)
         VALUES (?1, 1, ?1, ?2, ?2, ?2)",
    )?;
    let mut enrollment = conn.prepare(
        "INSERT INTO enrollments (id, tenant_id, conversation_id, sequence, state, step, waiting_since,
                                  due_at, enrolled_by, created_at, updated_at)
         VALUES (?1, 1, ?1, 'bench', ?2, 0, ?3, ?4, 'bench', ?5, ?5)",
    )?;
    for i in 1..=total as i64 {
        contact.execute(params![
            i,
            format!("5917{i:08}"),
            format!("Cliente {i}"),
            now
        ])?;
        conversation.execute(params![i, now - 60])?;
        let (state, since, at) = if i as usize <= active {
            ("active", Some(now), Some(now + 3_600))
        } else if i as usize <= active + due {
            ("active", Some(now - 3_600), Some(now))
        } else {
            ("paused", None, None)
        };
        enrollment.execute(params![i, state, since, at, now])?;
    }
    Ok(())
}
