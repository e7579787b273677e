//! `wabox bench send`: the outbox against the simulated Cloud API. Queues messages across four
//! numbers (two dedicated at 80/s, two coexistence at 20/s) and reports each number's achieved
//! rate against its limit, the busiest second, and, at low load, the time from queueing a message
//! to the simulator receiving it.

use crate::config::Config;
use crate::engine::Engine;
use crate::engine::api::Caller;
use crate::engine::outbox::now_ms;
use crate::engine::serve::RunningEngine;
use crate::protocol::{Request, Response, SendContent};
use crate::secret::Secret;
use crate::sim::customers::{SimCustomer, text};
use crate::sim::{SimNumber, SimOptions, Simulator};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

// No doc comment: the `Send` variant's is the command's `--help`.
#[derive(clap::Args, Debug)]
pub struct SendBenchOptions {
    /// Messages queued at once, spread over the four numbers.
    #[arg(long, default_value_t = 10_000)]
    pub messages: usize,
    /// Conversations per number the messages are spread over.
    #[arg(long, default_value_t = 1_000)]
    pub customers_per_number: usize,
    /// Messages sent one at a time (10 a second) to time queue → simulator.
    #[arg(long, default_value_t = 200)]
    pub low_load_messages: usize,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
    /// Run the engine on PostgreSQL (a scratch database made beside the one named, dropped at
    /// the end) instead of SQLite in a temp dir: `host=/run/postgresql dbname=postgres`
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The simulated Cloud API and the engine sending to it, with the four numbers.
struct Bench {
    sim: Arc<Simulator>,
    running: RunningEngine,
    engine: Arc<Engine>,
    me: Caller,
    numbers: Vec<SimNumber>,
    /// (dedicated, coexistence) messages per second, from the engine's config.
    limits: (f64, f64),
}

/// One number's share of the flood, against its limit.
struct NumberRow {
    phone_number_id: String,
    coexistence: bool,
    sent: usize,
    limit: f64,
    achieved: f64,
    busiest_second: usize,
    throttled: usize,
}

pub async fn run(o: SendBenchOptions) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("wabox-bench-send-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let database = match &o.store {
        Some(given) => Some(super::ingest::pg_engines::BenchDatabase::make(given).await?),
        None => None,
    };
    if let Some(d) = &database {
        eprintln!("store: PostgreSQL, {}", d.what);
    }
    let bench = Bench::start(&dir, database.as_ref().map(|d| d.url.as_str())).await?;
    bench.customers_write_in(o.customers_per_number).await?;
    let conversations = bench.conversations(o.customers_per_number).await?;
    let latencies = bench.low_load(&conversations, o.low_load_messages).await?;
    let (queue_secs, rows) = bench.flood(&conversations, o.messages).await?;
    let p50 = percentile(&latencies, 0.5);
    let p99 = percentile(&latencies, 0.99);
    if o.json {
        let numbers: Vec<_> = rows
            .iter()
            .map(|r| {
                serde_json::json!({"phone_number_id": r.phone_number_id, "coexistence": r.coexistence, "sent": r.sent, "limit_per_second": r.limit,
                    "achieved_per_second": r.achieved, "busiest_second": r.busiest_second, "throttled_130429": r.throttled})
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
            "messages": o.messages, "queued_in_seconds": queue_secs, "numbers": numbers,
            "low_load": {"messages": latencies.len(), "p50_ms": p50, "p99_ms": p99}}))?
        );
    } else {
        print_table(o.messages, queue_secs, &rows, latencies.len(), (p50, p99));
    }
    bench.running.stop();
    if let Some(d) = database {
        d.drop_now().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn print_table(
    messages: usize,
    queue_secs: f64,
    rows: &[NumberRow],
    low_load_messages: usize,
    (p50, p99): (i64, i64),
) {
    println!("wabox bench send: {messages} messages queued in {queue_secs:.2} s across 4 numbers");
    println!(
        "{:<18} {:<12} {:>6} {:>7} {:>9} {:>8} {:>8} {:>7}",
        "number", "connection", "sent", "limit/s", "achieved", "of limit", "busiest", "130429"
    );
    for r in rows {
        println!(
            "{:<18} {:<12} {:>6} {:>7.0} {:>9.1} {:>7.1}% {:>8} {:>7}",
            r.phone_number_id,
            if r.coexistence {
                "coexistence"
            } else {
                "dedicated"
            },
            r.sent,
            r.limit,
            r.achieved,
            100.0 * r.achieved / r.limit,
            r.busiest_second,
            r.throttled
        );
    }
    println!(
        "low load ({low_load_messages} messages, one every 100 ms): queue → simulator p50 {p50} ms, p99 {p99} ms"
    );
    // Within 5% below the limit on average, and no second above it at the simulator.
    let within = rows.iter().all(|r| {
        r.achieved <= r.limit * 1.0001
            && r.achieved >= r.limit * 0.95
            && r.busiest_second as f64 <= r.limit
    });
    println!(
        "target rate within 5% of the limit, never above: {}",
        if within { "met" } else { "not met" }
    );
    println!(
        "target p99 under 20 ms: {}",
        if p99 < 20 { "met" } else { "not met" }
    );
}

impl Bench {
    /// Four numbers on the simulator (two dedicated, two coexistence), and the engine in
    /// `dir` sending to it, its webhook the simulator's target.
    async fn start(dir: &Path, store_url: Option<&str>) -> anyhow::Result<Bench> {
        let secret = format!("{:032x}", rand::random::<u128>());
        let numbers: Vec<SimNumber> = (0..4)
            .map(|i| SimNumber {
                phone_number_id: format!("10654035224292{i}"),
                waba_id: "104829357711032".into(),
                display_phone: format!("1555078388{i}"),
                token: format!("EAABENCH{i}{:016x}", rand::random::<u64>()),
                coexistence: i >= 2,
                verified_name: "Demo Shop".into(),
            })
            .collect();
        let mut options = SimOptions::new(&secret, numbers.clone());
        options.status_delay_ms = (5, 50);
        let sim = Simulator::start(options, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let mut config = Config::loopback(
            dir,
            Some(Secret::new(secret)),
            Some(Secret::new("bench-verify")),
            &sim.base_url(),
        );
        config.store_url = store_url.map(|u| Secret::new(u.to_owned()));

        let limits = (
            config.outbox.rate_per_second,
            config.outbox.coexistence_rate_per_second,
        );
        let running = RunningEngine::start(config, None).await?;
        sim.set_webhook(&format!("http://{}/webhook", running.webhook_addr));
        let engine = running.engine.clone();
        let me = Caller::current();
        crate::demo::register::register_numbers(&engine, "Bench", &numbers).await?;
        Ok(Bench {
            sim,
            running,
            engine,
            me,
            numbers,
            limits,
        })
    }

    /// Every customer writes once, so that each has a conversation with an open window.
    async fn customers_write_in(&self, customers_per_number: usize) -> anyhow::Result<()> {
        let sim = &self.sim;
        eprintln!(
            "bench send: {} customers write in…",
            4 * customers_per_number
        );
        for (i, n) in self.numbers.iter().enumerate() {
            for c in 0..customers_per_number {
                let who = SimCustomer::new("Bench", Some(&format!("59171{i}{c:06}")), None);
                sim.customer_message(&n.phone_number_id, &who, text(sim, "hi", 5))
                    .await?;
            }
        }
        Ok(())
    }

    /// The conversations once every one exists, interleaving the numbers so that every
    /// number gets the same share of messages.
    async fn conversations(
        &self,
        customers_per_number: usize,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        let (engine, me) = (&self.engine, &self.me);
        let mut conversations: Vec<(i64, String)> = loop {
            if let Response::Conversations(cs) = engine
                .handle(
                    me,
                    Request::ListConversations {
                        before: None,
                        phone_number_id: None,
                        limit: Some(100_000),
                        filter: None,
                        queue: None,
                        state: None,
                        queue_name: None,
                    },
                )
                .await?
                && cs.len() >= 4 * customers_per_number
            {
                break cs.into_iter().map(|c| (c.id, c.phone_number_id)).collect();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let mut by_number: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
        for (id, number) in conversations.drain(..) {
            by_number.entry(number).or_default().push(id);
        }
        for k in 0..customers_per_number {
            for (number, ids) in &by_number {
                if let Some(id) = ids.get(k) {
                    conversations.push((*id, number.clone()));
                }
            }
        }
        Ok(conversations)
    }

    /// Low load first: one message at a time, 10 a second; the sorted times from queueing to
    /// the simulator, in ms.
    async fn low_load(
        &self,
        conversations: &[(i64, String)],
        messages: usize,
    ) -> anyhow::Result<Vec<i64>> {
        eprintln!("bench send: {messages} messages at low load…");
        let mut latencies = Vec::new();
        for i in 0..messages {
            let (conversation_id, _) = conversations[i % conversations.len()];
            let body = format!("low load {i}");
            let queued_at = now_ms();
            self.engine
                .handle(
                    &self.me,
                    Request::Send {
                        conversation_id,
                        content: SendContent::Text { body: body.clone() },
                        reply_to: None,
                    },
                )
                .await?;
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Some(s) = self.sim.sent().iter().find(|s| s.text == body) {
                    latencies.push(s.at_unix_ms - queued_at);
                    break;
                }
                anyhow::ensure!(
                    Instant::now() < deadline,
                    "a low-load send never reached the simulator"
                );
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        latencies.sort_unstable();
        Ok(latencies)
    }

    /// Then the flood: every message queued at once, spread evenly over the four numbers;
    /// the seconds queueing took, and each number's row once the simulator has them all.
    async fn flood(
        &self,
        conversations: &[(i64, String)],
        messages: usize,
    ) -> anyhow::Result<(f64, Vec<NumberRow>)> {
        eprintln!("bench send: queueing {messages} messages across 4 numbers…");
        let before = self.sim.sent().len();
        let queue_start = Instant::now();
        self.queue_from_32_clients(conversations, messages).await?;
        let queue_secs = queue_start.elapsed().as_secs_f64();
        let deadline = Instant::now() + Duration::from_secs(600);
        while self.sim.sent().len() < before + messages {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the flood did not drain in 10 minutes"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok((queue_secs, self.rows(before)))
    }

    /// Queued by 32 clients at once, as a team of agents and scripts would.
    async fn queue_from_32_clients(
        &self,
        conversations: &[(i64, String)],
        total: usize,
    ) -> anyhow::Result<()> {
        let mut queuers = Vec::new();
        for q in 0..32 {
            let (engine, conversations, me) =
                (self.engine.clone(), conversations.to_vec(), self.me.clone());
            queuers.push(tokio::spawn(async move {
                let mut i = q;
                while i < total {
                    let (conversation_id, _) = conversations[i % conversations.len()];
                    let content = SendContent::Text {
                        body: format!("flood {i}"),
                    };
                    engine
                        .handle(
                            &me,
                            Request::Send {
                                conversation_id,
                                content,
                                reply_to: None,
                            },
                        )
                        .await?;
                    i += 32;
                }
                Ok::<_, anyhow::Error>(())
            }));
        }
        for q in queuers {
            q.await??;
        }
        Ok(())
    }

    /// Each number's rate over the sends the simulator saw after the first `before`.
    fn rows(&self, before: usize) -> Vec<NumberRow> {
        let flood: Vec<_> = self.sim.sent().into_iter().skip(before).collect();
        let refused = self.sim.refused();
        let mut by_number: HashMap<String, Vec<i64>> = HashMap::new();
        for s in &flood {
            by_number
                .entry(s.phone_number_id.clone())
                .or_default()
                .push(s.at_unix_ms);
        }
        let mut rows = Vec::new();
        for n in &self.numbers {
            let mut times = by_number.remove(&n.phone_number_id).unwrap_or_default();
            times.sort_unstable();
            let limit = if n.coexistence {
                self.limits.1
            } else {
                self.limits.0
            };
            let span = (times.last().copied().unwrap_or(0) - times.first().copied().unwrap_or(0))
                .max(1) as f64
                / 1000.0;
            let rate = (times.len().saturating_sub(1)) as f64 / span;
            let throttled = refused
                .iter()
                .filter(|(p, c)| p == &n.phone_number_id && *c == 130429)
                .count();
            rows.push(NumberRow {
                phone_number_id: n.phone_number_id.clone(),
                coexistence: n.coexistence,
                sent: times.len(),
                limit,
                achieved: rate,
                busiest_second: busiest_second(&times),
                throttled,
            });
        }
        rows
    }
}

/// The most sends in any one-second window of these sorted times (ms).
fn busiest_second(times: &[i64]) -> usize {
    let mut busiest = 0;
    let mut j = 0;
    for i in 0..times.len() {
        while times[i] - times[j] >= 1000 {
            j += 1;
        }
        busiest = busiest.max(i - j + 1);
    }
    busiest
}
