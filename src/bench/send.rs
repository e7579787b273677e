//! `wabox bench send`: the outbox against the simulated Cloud API. Queues messages across four
//! numbers (two dedicated at 80/s, two coexistence at 20/s) and reports each number's achieved
//! rate against its limit, the busiest second, and, at low load, the time from queueing a message
//! to the simulator receiving it.

use crate::config::Config;
use crate::engine::api::Caller;
use crate::engine::outbox::now_ms;
use crate::engine::serve::RunningEngine;
use crate::protocol::{Request, Response, SendContent};
use crate::secret::Secret;
use crate::sim::customers::{SimCustomer, text};
use crate::sim::{SimNumber, SimOptions, Simulator};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub struct SendBenchOptions {
    pub messages: usize,
    pub customers_per_number: usize,
    pub low_load_messages: usize,
    pub json: bool,
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub async fn run(o: SendBenchOptions) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("wabox-bench-send-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
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
    let config = Config::loopback(
        &dir,
        Some(Secret::new(secret)),
        Some(Secret::new("bench-verify")),
        &sim.base_url(),
    );

    let limits = (
        config.outbox.rate_per_second,
        config.outbox.coexistence_rate_per_second,
    );
    let running = RunningEngine::start(config, None).await?;
    sim.set_webhook(&format!("http://{}/webhook", running.webhook_addr));
    let engine = running.engine.clone();
    let me = Caller::current();
    crate::demo::register::register_numbers(&engine, "Bench", &numbers).await?;
    eprintln!(
        "bench send: {} customers write in…",
        4 * o.customers_per_number
    );
    for (i, n) in numbers.iter().enumerate() {
        for c in 0..o.customers_per_number {
            let who = SimCustomer::new("Bench", Some(&format!("59171{i}{c:06}")), None);
            sim.customer_message(&n.phone_number_id, &who, text(&sim, "hi", 5))
                .await?;
        }
    }
    // Wait for every conversation to exist.
    let mut conversations: Vec<(i64, String)> = loop {
        if let Response::Conversations(cs) = engine
            .handle(
                &me,
                Request::ListConversations {
                    before: None,
                    phone_number_id: None,
                    limit: Some(100_000),
                    filter: None,
                    queue: None,
                    state: None,
                },
            )
            .await?
            && cs.len() >= 4 * o.customers_per_number
        {
            break cs.into_iter().map(|c| (c.id, c.phone_number_id)).collect();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // Interleave the numbers, so that every number gets the same share of messages.
    let mut by_number: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for (id, number) in conversations.drain(..) {
        by_number.entry(number).or_default().push(id);
    }
    for k in 0..o.customers_per_number {
        for (number, ids) in &by_number {
            if let Some(id) = ids.get(k) {
                conversations.push((*id, number.clone()));
            }
        }
    }
    // Low load first: one message at a time, 10 a second, queue → simulator.
    eprintln!("bench send: {} messages at low load…", o.low_load_messages);
    let mut latencies = Vec::new();
    for i in 0..o.low_load_messages {
        let (conversation_id, _) = conversations[i % conversations.len()];
        let body = format!("low load {i}");
        let queued_at = now_ms();
        engine
            .handle(
                &me,
                Request::Send {
                    conversation_id,
                    content: SendContent::Text { body: body.clone() },
                    reply_to: None,
                },
            )
            .await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = sim.sent().iter().find(|s| s.text == body) {
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

    // Then the flood: every message queued at once, spread evenly over the four numbers.
    eprintln!(
        "bench send: queueing {} messages across 4 numbers…",
        o.messages
    );
    let before = sim.sent().len();
    let queue_start = Instant::now();
    // Queued by 32 clients at once, as a team of agents and scripts would.
    let mut queuers = Vec::new();
    for q in 0..32 {
        let (engine, conversations, me) = (engine.clone(), conversations.clone(), me.clone());
        let total = o.messages;
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
    let queue_secs = queue_start.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(600);
    while sim.sent().len() < before + o.messages {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the flood did not drain in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let flood: Vec<_> = sim.sent().into_iter().skip(before).collect();
    let refused = sim.refused();
    let mut by_number: HashMap<String, Vec<i64>> = HashMap::new();
    for s in &flood {
        by_number
            .entry(s.phone_number_id.clone())
            .or_default()
            .push(s.at_unix_ms);
    }
    let mut rows = Vec::new();
    for n in &numbers {
        let mut times = by_number.remove(&n.phone_number_id).unwrap_or_default();
        times.sort_unstable();
        let limit = if n.coexistence { limits.1 } else { limits.0 };
        let span = (times.last().copied().unwrap_or(0) - times.first().copied().unwrap_or(0)).max(1)
            as f64
            / 1000.0;
        let rate = (times.len().saturating_sub(1)) as f64 / span;
        // The busiest one-second window.
        let mut busiest = 0;
        let mut j = 0;
        for i in 0..times.len() {
            while times[i] - times[j] >= 1000 {
                j += 1;
            }
            busiest = busiest.max(i - j + 1);
        }
        let throttled = refused
            .iter()
            .filter(|(p, c)| p == &n.phone_number_id && *c == 130429)
            .count();
        rows.push((
            n.phone_number_id.clone(),
            n.coexistence,
            times.len(),
            limit,
            rate,
            busiest,
            throttled,
        ));
    }
    let p50 = percentile(&latencies, 0.5);
    let p99 = percentile(&latencies, 0.99);
    if o.json {
        let numbers: Vec<_> = rows
            .iter()
            .map(|(id, coex, sent, limit, rate, busiest, throttled)| {
                serde_json::json!({"phone_number_id": id, "coexistence": coex, "sent": sent, "limit_per_second": limit,
                    "achieved_per_second": rate, "busiest_second": busiest, "throttled_130429": throttled})
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
            "messages": o.messages, "queued_in_seconds": queue_secs, "numbers": numbers,
            "low_load": {"messages": latencies.len(), "p50_ms": p50, "p99_ms": p99}}))?
        );
    } else {
        println!(
            "wabox bench send: {} messages queued in {queue_secs:.2} s across 4 numbers",
            o.messages
        );
        println!(
            "{:<18} {:<12} {:>6} {:>7} {:>9} {:>8} {:>8} {:>7}",
            "number", "connection", "sent", "limit/s", "achieved", "of limit", "busiest", "130429"
        );
        for (id, coex, sent, limit, rate, busiest, throttled) in &rows {
            println!(
                "{:<18} {:<12} {:>6} {:>7.0} {:>9.1} {:>7.1}% {:>8} {:>7}",
                id,
                if *coex { "coexistence" } else { "dedicated" },
                sent,
                limit,
                rate,
                100.0 * rate / limit,
                busiest,
                throttled
            );
        }
        println!(
            "low load ({} messages, one every 100 ms): queue → simulator p50 {p50} ms, p99 {p99} ms",
            latencies.len()
        );
        // Within 5% below the limit on average, and no second above it at the simulator.
        let within = rows
            .iter()
            .all(|r| r.4 <= r.3 * 1.0001 && r.4 >= r.3 * 0.95 && r.5 as f64 <= r.3);
        println!(
            "target rate within 5% of the limit, never above: {}",
            if within { "met" } else { "not met" }
        );
        println!(
            "target p99 under 20 ms: {}",
            if p99 < 20 { "met" } else { "not met" }
        );
    }
    running.stop();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
