//! `wabox bench fanout`: what each idle inbox costs the engine while customers write.
//!
//! The engine runs as `wabox serve` in a child process (as `bench tui` runs it), on a small
//! prefilled store, so its CPU is its own and not the inboxes'. This process holds the
//! inboxes (the TUI's `App` over the engine's socket, see `inbox`) and posts signed deliveries
//! to the engine's webhook at the rate asked, as the simulator's customers would. The same
//! traffic runs twice on fresh copies of the store: with no inbox (the baseline), then with
//! the inboxes, and the two are compared.

mod figures;
mod inbox;
mod wire;

use super::prefill::{self, Shape};
use super::sys;
use super::tui::{EngineProcess, delivery, rss_of};
use figures::{Report, Run};
use inbox::{Counters, Inbox};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wire::Target;

#[derive(clap::Args, Debug)]
pub struct FanoutOptions {
    /// Idle inboxes, each with one conversation open.
    #[arg(long, default_value_t = 200)]
    pub inboxes: usize,
    /// Customer messages delivered per second.
    #[arg(long, default_value_t = 100)]
    pub rate: u64,
    /// How long the customers write, in each of the two runs.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Agents the inboxes belong to, in turn (each inbox acts as one, as an admin may): each
    /// agent is one view the engine serves (its own sidebar, its own "mine"). With none, every
    /// inbox is the engine's admin's, one view for all.
    #[arg(long, default_value_t = 0)]
    pub agents: usize,
    /// Conversations in the store; the deliveries go round them.
    #[arg(long, default_value_t = 1_000)]
    pub conversations: u64,
    /// Messages in the store before the run.
    #[arg(long, default_value_t = 20_000)]
    pub messages: u64,
    /// Build the store even if a cached copy exists.
    #[arg(long)]
    pub no_cache: bool,
    /// Runs of the pair (no inbox, then the inboxes), one after the other. On a machine whose
    /// speed moves between runs, one ratio says little: the targets are then checked on the
    /// median pair, and every pair is printed.
    #[arg(long, default_value_t = 1)]
    pub pairs: usize,
    /// The inboxes reach the engine at `/api` on its listener with tokens, as agents elsewhere
    /// do (`wabox login`), instead of through its socket.
    #[arg(long)]
    pub remote: bool,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

macro_rules! say {
    ($($t:tt)*) => { eprintln!("[bench fanout] {}", format!($($t)*)) };
}

pub async fn run(o: FanoutOptions) -> anyhow::Result<()> {
    anyhow::ensure!(
        o.rate > 0 && o.seconds > 0 && o.conversations >= 2 && o.pairs >= 1,
        "--rate, --seconds and --pairs must be at least 1, --conversations at least 2"
    );
    let root = std::env::temp_dir().join(format!(
        "wabox-bench-fanout-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&root)?;
    let mut reports = Vec::with_capacity(o.pairs);
    let ran: anyhow::Result<()> = async {
        for pair in 1..=o.pairs {
            if o.pairs > 1 {
                say!("pair {pair} of {}", o.pairs);
            }
            reports.push(both_runs(&o, &root).await?);
        }
        Ok(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&root);
    ran?;
    print_reports(&reports, o.json)
}

/// One pair as before; several each in turn, then the median one with its targets.
fn print_reports(reports: &[Report], json: bool) -> anyhow::Result<()> {
    let median = figures::median_pair(reports).expect("at least one pair");
    match (reports, json) {
        ([one], true) => println!("{}", serde_json::to_string_pretty(one)?),
        (_, true) => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "pairs": reports,
                "median_pair": median,
            }))?
        ),
        ([one], false) => one.print(),
        (_, false) => {
            for (i, r) in reports.iter().enumerate() {
                println!("--- pair {} of {}", i + 1, reports.len());
                r.print_runs();
            }
            println!("--- the median pair (by CPU ratio): pair {}", median + 1);
            figures::print_pairs(reports);
            reports[median].print();
        }
    }
    Ok(())
}

async fn both_runs(o: &FanoutOptions, root: &Path) -> anyhow::Result<Report> {
    let baseline = one_run(o, root, 0).await?;
    let loaded = match o.inboxes {
        0 => None,
        n => Some(one_run(o, root, n).await?),
    };
    Ok(Report {
        rate: o.rate,
        seconds: o.seconds,
        agents: o.agents,
        conversations: o.conversations,
        messages: o.messages,
        cpus: sys::cpus(),
        remote: o.remote,
        baseline,
        loaded,
    })
}

/// The engine's config: its webhook on a free port, sends going nowhere, nothing marked read.
fn write_config(data: &Path, secret: &str, port: u16) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let config = data.join("bench-config.toml");
    std::fs::write(
        &config,
        format!(
            "[meta]\napp_secret = \"{secret}\"\nverify_token = \"verify\"\n\
             graph_base_url = \"http://127.0.0.1:9\"\n\n[webhook]\nlisten = \"127.0.0.1:{port}\"\n\n\
             [outbox]\nmark_read_on_open = false\n"
        ),
    )?;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600))?;
    Ok(config)
}

async fn start_engine(data: &Path, secret: &str) -> anyhow::Result<(EngineProcess, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = write_config(data, secret, port)?;
    let engine = EngineProcess(
        std::process::Command::new(std::env::current_exe()?)
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(data)
            .arg("serve")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?,
    );
    let started = Instant::now();
    while wire::Wire::connect(&Target::Socket(data.to_path_buf()))
        .await
        .is_err()
        || tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "the bench engine did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok((engine, port))
}

/// The counters of all inboxes summed: (bytes, requests, events, added, lagged, reconnects).
fn sum(counters: &[Arc<Counters>]) -> [u64; 6] {
    let mut s = [0u64; 6];
    for c in counters {
        for (i, a) in [
            &c.bytes,
            &c.requests,
            &c.events,
            &c.added,
            &c.lagged,
            &c.reconnects,
        ]
        .into_iter()
        .enumerate()
        {
            s[i] += a.load(Ordering::Relaxed);
        }
    }
    s
}

/// A fresh prefilled store for one run; its data dir.
async fn prefill_store(o: &FanoutOptions, root: &Path, inboxes: usize) -> anyhow::Result<PathBuf> {
    let data = root.join(format!("fanout-{inboxes}"));
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    crate::engine::ensure_data_dir(&data)?;
    let shape = Shape {
        numbers: NUMBERS,
        contacts: o.conversations,
        messages: o.messages,
        journal: false,
    };
    let cache = (!o.no_cache).then(prefill::default_cache_dir).flatten();
    let (db, scratch) = (crate::engine::db_path(&data), root.to_path_buf());
    tokio::task::spawn_blocking(move || {
        prefill::prepare(&db, &shape, cache.as_deref(), &scratch, true)
    })
    .await??;
    Ok(data)
}

/// An inbox watching the engine; joined, what it saw arrive.
type Watching = tokio::task::JoinHandle<Vec<inbox::Arrival>>;

/// Where each of `inboxes` inboxes connects: the socket, or (`--remote`) `/api` with a token of
/// an admin of every tenant (one token for each `MAX_SESSIONS_PER_TOKEN` inboxes), who acts as
/// the agents as the engine's own admin does over the socket.
async fn targets(
    data: &Path,
    port: u16,
    inboxes: usize,
    remote: bool,
) -> anyhow::Result<Vec<Target>> {
    use crate::protocol::{Request, Response, Role};
    if !remote {
        return Ok(vec![Target::Socket(data.to_path_buf()); inboxes]);
    }
    let mut wire = wire::Wire::connect(&Target::Socket(data.to_path_buf()))
        .await
        .map_err(|l| anyhow::anyhow!(l.0))?;
    let mut ask = async |request: Request| -> anyhow::Result<Response> {
        match wire.call(request).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => anyhow::bail!("making the remote inboxes' tokens: {}", e.english()),
            Err(lost) => anyhow::bail!("making the remote inboxes' tokens: {}", lost.0),
        }
    };
    let holder = "bench-remote".to_string();
    ask(Request::AddAgent {
        user: holder.clone(),
        role: Role::Admin,
        tenant: None,
        queues: Vec::new(),
    })
    .await?;
    let per_token = crate::engine::remote_api::MAX_SESSIONS_PER_TOKEN;
    let mut servers = Vec::new();
    for _ in 0..inboxes.div_ceil(per_token) {
        let Response::TokenCreated(made) = ask(Request::CreateToken {
            user: holder.clone(),
            name: Some("bench".into()),
            expires_in: None,
        })
        .await?
        else {
            anyhow::bail!("the engine made no token");
        };
        servers.push(crate::client::remote::Server {
            url: format!("http://127.0.0.1:{port}"),
            token: made.secret,
        });
    }
    Ok((0..inboxes)
        .map(|i| Target::Remote(servers[i / per_token].clone()))
        .collect())
}

/// Opens the inboxes on the engine, one for each target, and sets each watching, until `stop`;
/// their counters and what each saw arrive, once stopped.
async fn open_inboxes(
    targets: Vec<Target>,
    inboxes: usize,
    agents: usize,
    stop: &Arc<AtomicBool>,
) -> anyhow::Result<(Vec<Arc<Counters>>, Vec<Watching>)> {
    if inboxes > 0 {
        say!("{inboxes} inboxes: opening them");
    }
    let counters: Vec<Arc<Counters>> = (0..inboxes).map(|_| Arc::default()).collect();
    let mut opened = Vec::with_capacity(inboxes);
    for ((i, c), target) in counters.iter().enumerate().zip(targets) {
        let act_as = (agents > 0).then(|| agent_name(i % agents));
        opened.push(Inbox::open(target, act_as, i, c.clone()).await?);
    }
    let watching = opened
        .into_iter()
        .map(|inbox| tokio::spawn(inbox.watch(stop.clone())))
        .collect();
    Ok((counters, watching))
}

/// The store's numbers (the deliveries alternate between them).
const NUMBERS: u64 = 2;

fn agent_name(k: usize) -> String {
    format!("agent{k}")
}

/// With `agents`, a queue that both numbers' conversations wait in and that every agent
/// serves, so each agent's inbox sees every delivery as the admin's would.
async fn set_up_team(data: &Path, agents: usize) -> anyhow::Result<()> {
    use crate::protocol::{Request, Role};
    if agents == 0 {
        return Ok(());
    }
    let mut wire = wire::Wire::connect(&Target::Socket(data.to_path_buf()))
        .await
        .map_err(|l| anyhow::anyhow!(l.0))?;
    let mut ask = async |request: Request| -> anyhow::Result<()> {
        match wire.call(request).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => anyhow::bail!("setting up the team: {}", e.english()),
            Err(lost) => anyhow::bail!("setting up the team: {}", lost.0),
        }
    };
    let (tenant, queue) = (super::deliveries::TENANT.to_string(), "Team".to_string());
    ask(Request::AddQueue {
        tenant: Some(tenant.clone()),
        name: queue.clone(),
        auto_assign: false,
    })
    .await?;
    for n in 0..NUMBERS {
        ask(Request::AssignNumber {
            number: super::deliveries::phone_number_id(n),
            queue: queue.clone(),
        })
        .await?;
    }
    for k in 0..agents {
        ask(Request::AddAgent {
            user: agent_name(k),
            role: Role::Agent,
            tenant: Some(tenant.clone()),
            queues: vec![queue.clone()],
        })
        .await?;
    }
    say!("{agents} agents serving one queue of both numbers");
    Ok(())
}

/// Until every inbox has seen every delivery (or stops getting any for 10 s), or `deadline`.
async fn wait_for_every_inbox(counters: &[Arc<Counters>], want: u64, deadline: Instant) {
    let mut last = (sum(counters)[3], Instant::now());
    while !counters.is_empty()
        && last.0 < want
        && last.1.elapsed() < Duration::from_secs(10)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let added = sum(counters)[3];
        if added != last.0 {
            last = (added, Instant::now());
        }
    }
}

/// Until the engine uses under 5% of a core over half a second, or `deadline`.
async fn wait_until_engine_idle(pid: u32, deadline: Instant) {
    let mut engine_then = (sys::pid_cpu(pid), Instant::now());
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = (sys::pid_cpu(pid), Instant::now());
        let share = (now.0 - engine_then.0) / (now.1 - engine_then.1).as_secs_f64();
        engine_then = now;
        if share < 0.05 || Instant::now() >= deadline {
            break;
        }
    }
}

async fn one_run(o: &FanoutOptions, root: &Path, inboxes: usize) -> anyhow::Result<Run> {
    let data = prefill_store(o, root, inboxes).await?;
    let secret = format!("{:032x}", rand::random::<u128>());
    let (engine, port) = start_engine(&data, &secret).await?;
    let pid = engine.0.id();
    // In both runs, so the engine's own work is the same: only the inboxes differ.
    set_up_team(&data, o.agents).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let targets = targets(&data, port, inboxes, o.remote).await?;
    let (counters, watching) = open_inboxes(targets, inboxes, o.agents, &stop).await?;
    // The window measures the traffic, not the opening: the inboxes' first looks (and the
    // engine's answers to them) are over before it starts, however long they take.
    tokio::time::sleep(Duration::from_secs(2)).await;
    wait_until_engine_idle(pid, Instant::now() + Duration::from_secs(30)).await;

    say!("{inboxes} inboxes: {} msg/s for {} s", o.rate, o.seconds);
    let before = sum(&counters);
    let (engine0, bench0, machine0) = (sys::pid_cpu(pid), sys::process_cpu(), sys::machine_busy());
    let started = Instant::now();
    let traffic = send(o, port, &secret).await?;
    let sent_at = Instant::now();

    // Until every inbox has seen every delivery (or stops getting any), then the engine idle.
    let want = before[3] + traffic.delivered * inboxes as u64;
    // A saturated engine may take long to catch up: at most a minute after the last post.
    let deadline = sent_at + Duration::from_secs(60);
    wait_for_every_inbox(&counters, want, deadline).await;
    wait_until_engine_idle(pid, deadline).await;
    let window = started.elapsed().as_secs_f64();
    let (engine1, bench1, machine1) = (sys::pid_cpu(pid), sys::process_cpu(), sys::machine_busy());
    let after = sum(&counters);
    let engine_rss_kib = rss_of(pid);

    stop.store(true, Ordering::Relaxed);
    let mut arrivals = Vec::new();
    for w in watching {
        arrivals.extend(w.await?);
    }
    drop(engine);

    let posts = traffic.posts.lock().map(|p| p.clone()).unwrap_or_default();
    let (latencies, unmatched) = figures::latencies_ms(&posts, &arrivals);
    let first = figures::first_arrivals_ms(&posts, &arrivals);
    let delivered = traffic.delivered;
    let per = |i: usize| figures::per_message_per_inbox(after[i] - before[i], delivered, inboxes);
    let missed = counters
        .iter()
        .map(|c| delivered.saturating_sub(c.added.load(Ordering::Relaxed)))
        .sum();
    let run = Run {
        inboxes,
        posted: traffic.posted,
        delivered,
        posted_per_second: traffic.posted as f64 / traffic.seconds.max(1e-9),
        window_seconds: window,
        engine_cpu_seconds: engine1 - engine0,
        bench_cpu_seconds: bench1 - bench0,
        machine_cpu_seconds: machine1 - machine0,
        latency_p50_ms: figures::quantile(&latencies, 0.50),
        latency_p99_ms: figures::quantile(&latencies, 0.99),
        latency_max_ms: latencies.last().copied().unwrap_or(0.0),
        latency_samples: latencies.len(),
        unmatched,
        first_p50_ms: figures::quantile(&first, 0.50),
        first_p99_ms: figures::quantile(&first, 0.99),
        missed: if inboxes == 0 { 0 } else { missed },
        bytes_per_message_per_inbox: per(0),
        events_per_message_per_inbox: per(2),
        requests_per_message_per_inbox: per(1),
        lagged: after[4] - before[4],
        reconnects: after[5] - before[5],
        engine_rss_mib: engine_rss_kib as f64 / 1024.0,
    };
    say!(
        "{inboxes} inboxes: engine {:.2} CPU s in {:.1} s, p99 {:.1} ms, {:.0} B/msg/inbox",
        run.engine_cpu_seconds,
        run.window_seconds,
        run.latency_p99_ms,
        run.bytes_per_message_per_inbox
    );
    Ok(run)
}

struct Traffic {
    posted: u64,
    delivered: u64,
    seconds: f64,
    /// When each delivery was posted: the `k`th at `k`.
    posts: Arc<Mutex<Vec<Instant>>>,
}

/// Posts `rate` deliveries a second on schedule, each on its own task (a slow answer does not
/// delay the next), going round the conversations; answers once all are answered.
async fn send(o: &FanoutOptions, port: u16, secret: &str) -> anyhow::Result<Traffic> {
    let http = wabox_cloud::client_builder()
        .build()
        .expect("an HTTP client");
    let url = format!("http://127.0.0.1:{port}/webhook");
    let total = o.rate * o.seconds;
    let period = Duration::from_secs_f64(1.0 / o.rate as f64);
    let posts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let delivered = Arc::new(AtomicU64::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let mut tasks = tokio::task::JoinSet::new();
    let start = tokio::time::Instant::now();
    for k in 0..total {
        tokio::time::sleep_until(start + period * k as u32).await;
        let c = k % o.conversations;
        let body = delivery(c, k as usize);
        let signature = crate::webhook::signature::sign(secret.as_bytes(), &body);
        let request = http
            .post(&url)
            .header("x-hub-signature-256", signature)
            .body(body);
        if let Ok(mut p) = posts.lock() {
            p.push(Instant::now());
        }
        let (delivered, first_error) = (delivered.clone(), first_error.clone());
        tasks.spawn(async move {
            let outcome = match request.send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(format!("the webhook answered {}", r.status())),
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(()) => {
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    if let Ok(mut f) = first_error.lock() {
                        f.get_or_insert(e);
                    }
                }
            }
        });
    }
    // The last post opens the last period of the schedule.
    let seconds = (start.elapsed() + period).as_secs_f64();
    while tasks.join_next().await.is_some() {}
    if let Ok(Some(e)) = first_error.lock().map(|f| f.clone()) {
        say!("some deliveries failed; the first: {e}");
    }
    Ok(Traffic {
        posted: total,
        delivered: delivered.load(Ordering::Relaxed),
        seconds,
        posts,
    })
}
