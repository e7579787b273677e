//! The inbox's speed on a big store: time to the first full frame, opening a conversation, a
//! key press to the next frame, a search, memory, and the bytes sent to the terminal per
//! incoming message while the agent does nothing. The TUI's own code runs here (state, the
//! engine's answers, drawing through crossterm into a byte counter instead of a terminal).

use super::deliveries::{self, WABA_ID};
use super::prefill::{self, Shape};
use crate::client::Client;
use crate::protocol::{Request, Response};
use crate::tui::app::{App, Effect, Focus};
use crate::tui::keymap::Keymap;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use serde::Serialize;
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct TuiBenchOptions {
    /// Only build the store (the bench runs itself this way, so the TUI's memory is its own).
    #[arg(long, hide = true)]
    pub prefill_only: bool,
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    #[arg(long, default_value_t = 100_000)]
    pub conversations: u64,
    /// Samples per measurement (key presses are five times this).
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Where the bench's store goes (default: a temporary dir, removed at the end).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Build the store even if a cached copy exists.
    #[arg(long)]
    pub no_cache: bool,
    #[arg(long)]
    pub json: bool,
}

/// A terminal that counts what it is sent.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Ui {
    app: App,
    client: Client,
    terminal: Terminal<CrosstermBackend<Counter>>,
    bytes: Counter,
}

impl Ui {
    /// Runs what the app asked for until nothing is pending, then draws once (as the TUI's
    /// loop does after a batch).
    async fn settle(&mut self, effects: Vec<Effect>) -> anyhow::Result<()> {
        let mut queue: VecDeque<Effect> = effects.into();
        loop {
            while let Some(effect) = queue.pop_front() {
                if let Effect::Call(tag, request) = effect {
                    let answer = self.client.call(request).await;
                    queue.extend(self.app.on_reply(tag, answer));
                }
            }
            let more = self.app.flush();
            if more.is_empty() {
                break;
            }
            queue.extend(more);
        }
        self.draw()
    }

    fn draw(&mut self) -> anyhow::Result<()> {
        if self.app.dirty {
            let app = &self.app;
            self.terminal.draw(|f| crate::tui::view::draw(f, app))?;
            self.app.dirty = false;
        }
        Ok(())
    }

    async fn key(&mut self, code: KeyCode) -> anyhow::Result<()> {
        let effects = self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        self.settle(effects).await
    }
}

#[derive(Debug, Serialize)]
struct Timing {
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    samples: usize,
}

fn timing(mut samples: Vec<Duration>) -> Timing {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    Timing {
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: samples.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        samples: samples.len(),
    }
}

#[derive(Debug, Serialize)]
struct Report {
    messages: u64,
    conversations: u64,
    terminal: String,
    engine_start_ms: f64,
    engine_rss_mib: f64,
    first_frame_ms: f64,
    first_frame_bytes: usize,
    open_conversation: Timing,
    key_to_frame: Timing,
    search: Timing,
    rss_mib: f64,
    peak_rss_mib: f64,
    bytes_per_message_open_conversation: f64,
    bytes_per_message_elsewhere: f64,
    bytes_per_idle_minute_tick: f64,
}

/// The store is built by a child process and served by another (`wabox serve`), so that this
/// process holds only what an agent's `wabox` holds: the TUI and its socket to the engine.
pub async fn run(o: TuiBenchOptions) -> anyhow::Result<()> {
    if o.prefill_only {
        let scratch = o
            .data_dir
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--prefill-only needs --data-dir"))?;
        return prefill_store(&o, &scratch);
    }
    let temp = tempfile_dir()?;
    let scratch = o.data_dir.clone().unwrap_or_else(|| temp.clone());
    let exe = std::env::current_exe()?;
    let mut prefill = std::process::Command::new(&exe);
    prefill.args(["bench", "tui", "--prefill-only"]).args([
        "--messages",
        &o.messages.to_string(),
        "--conversations",
        &o.conversations.to_string(),
        "--data-dir",
    ]);
    prefill.arg(&scratch);
    if o.no_cache {
        prefill.arg("--no-cache");
    }
    let status = prefill.status()?;
    anyhow::ensure!(
        status.success(),
        "building the bench store failed ({status})"
    );
    let result = measure(&o, &exe, &scratch.join("tui-bench")).await;
    let _ = std::fs::remove_dir_all(&temp);
    let report = result?;
    if o.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

fn prefill_store(o: &TuiBenchOptions, scratch: &std::path::Path) -> anyhow::Result<()> {
    let data = scratch.join("tui-bench");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    crate::engine::ensure_data_dir(&data)?;
    let shape = Shape {
        numbers: 2,
        contacts: o.conversations,
        messages: o.messages,
        journal: false,
    };
    let cache = if o.no_cache {
        None
    } else {
        prefill::default_cache_dir()
    };
    eprintln!(
        "preparing a store of {} messages in {} conversations…",
        o.messages, o.conversations
    );
    prefill::prepare(
        &crate::engine::db_path(&data),
        &shape,
        cache.as_deref(),
        scratch,
        false,
    )?;
    Ok(())
}

/// `wabox serve` on the bench store; killed when dropped.
pub(super) struct EngineProcess(pub(super) std::process::Child);

impl Drop for EngineProcess {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.0.wait();
    }
}

async fn measure(
    o: &TuiBenchOptions,
    exe: &std::path::Path,
    data: &std::path::Path,
) -> anyhow::Result<Report> {
    use std::os::unix::fs::PermissionsExt;
    let secret = format!("{:032x}", rand::random::<u128>());
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
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
    let started = Instant::now();
    let engine = EngineProcess(
        std::process::Command::new(exe)
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(data)
            .arg("serve")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?,
    );
    let mut client = loop {
        if let Ok(c) = Client::connect_socket(data).await {
            break c;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "the bench engine did not start"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let engine_start = started.elapsed();

    // First frame: connect, ask for numbers and conversations, draw.
    let (width, height) = (100u16, 30u16);
    let t0 = Instant::now();
    let bytes = Counter::default();
    let terminal = Terminal::with_options(
        CrosstermBackend::new(bytes.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
        },
    )?;
    client.call(Request::Subscribe).await?;
    let offset = time::UtcOffset::UTC;
    let app = App::new(
        crate::i18n::Strings::for_code("en"),
        Keymap::defaults(),
        offset,
        crate::domain::time::now_unix(),
    );
    let mut ui = Ui {
        app,
        client,
        terminal,
        bytes: bytes.clone(),
    };
    ui.app.on_connected();
    ui.settle(Vec::new()).await?;
    let first_frame = t0.elapsed();
    let first_frame_bytes = bytes.0.load(Ordering::Relaxed);
    anyhow::ensure!(
        ui.app.list.rows.len() >= 2,
        "the bench store has no conversations"
    );

    // Opening a conversation: from Enter to its last page drawn, all over the store.
    let mut open = Vec::new();
    for _ in 0..o.samples {
        let id = 1 + (rand::random::<u64>() % o.conversations) as i64;
        let view = match ui
            .client
            .call(Request::GetConversation {
                conversation_id: id,
            })
            .await?
        {
            Response::Conversation(v) => *v,
            other => anyhow::bail!("unexpected answer {other:?}"),
        };
        ui.app.list.rows[0] = crate::tui::app::ConversationRow::new(view);
        ui.app.list.selected = 0;
        ui.app.focus = Focus::Conversations;
        let t = Instant::now();
        ui.key(KeyCode::Enter).await?;
        open.push(t.elapsed());
    }

    // Key press to the next frame: down and up through the messages, then the list.
    let mut keys = Vec::new();
    for i in 0..o.samples * 5 {
        let code = if (i / 40) % 2 == 0 {
            KeyCode::Char('k')
        } else {
            KeyCode::Char('j')
        };
        let t = Instant::now();
        ui.key(code).await?;
        keys.push(t.elapsed());
    }
    ui.app.focus = Focus::Conversations;
    for _ in 0..o.samples * 5 {
        let t = Instant::now();
        ui.key(KeyCode::Char('j')).await?;
        keys.push(t.elapsed());
    }

    // Search over every message, newest first.
    let words = [
        "order",
        "shipped",
        "tracking",
        "invoice",
        "package",
        "yesterday",
        "deliv",
        "status",
        "arrived",
        "please",
    ];
    let mut searches = Vec::new();
    for i in 0..o.samples {
        let query = if i % 3 == 0 {
            format!(
                "{} {}",
                words[i % words.len()],
                words[(i + 3) % words.len()]
            )
        } else {
            words[i % words.len()].to_string()
        };
        let t = Instant::now();
        let answer = ui
            .client
            .call(Request::Search {
                before: None,
                query,
                limit: Some(100),
            })
            .await?;
        searches.push(t.elapsed());
        anyhow::ensure!(matches!(answer, Response::SearchResults(_)));
    }
    let memory = super::sys::rss();

    // Idle: customers write while the agent only looks. Bytes per message, in the open
    // conversation and in another one.
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/webhook");
    ui.app.focus = Focus::Messages;
    let open_id = ui.app.open.as_ref().map(|c| c.id()).unwrap_or(1);
    let open_contact = (open_id - 1) as u64;
    let other_contact = (open_contact + 1) % o.conversations;
    let customers = Customers {
        http: &http,
        url: &url,
        secret: &secret,
    };
    let in_open = customers.write(&mut ui, open_contact, 20).await?;
    let elsewhere = customers.write(&mut ui, other_contact, 20).await?;
    // The countdown redraw once a minute.
    let before = ui.bytes.0.load(Ordering::Relaxed);
    let now = ui.app.now;
    ui.app.on_tick(now + 60);
    ui.draw()?;
    let tick = (ui.bytes.0.load(Ordering::Relaxed) - before) as f64;

    let engine_rss = rss_of(engine.0.id());
    ui.client.close().await;
    drop(engine);
    Ok(Report {
        messages: o.messages,
        conversations: o.conversations,
        terminal: format!("{width}x{height}"),
        engine_start_ms: engine_start.as_secs_f64() * 1000.0,
        engine_rss_mib: engine_rss as f64 / 1024.0,
        first_frame_ms: first_frame.as_secs_f64() * 1000.0,
        first_frame_bytes,
        open_conversation: timing(open),
        key_to_frame: timing(keys),
        search: timing(searches),
        rss_mib: memory.rss_kib as f64 / 1024.0,
        peak_rss_mib: memory.peak_kib as f64 / 1024.0,
        bytes_per_message_open_conversation: in_open,
        bytes_per_message_elsewhere: elsewhere,
        bytes_per_idle_minute_tick: tick,
    })
}

/// Customers writing over the engine's real webhook.
struct Customers<'a> {
    http: &'a reqwest::Client,
    url: &'a str,
    secret: &'a str,
}

impl Customers<'_> {
    /// `n` messages from contact `c`, each handled as the TUI's loop handles engine events;
    /// answers the bytes sent to the terminal per message.
    async fn write(&self, ui: &mut Ui, c: u64, n: usize) -> anyhow::Result<f64> {
        let before = ui.bytes.0.load(Ordering::Relaxed);
        for i in 0..n {
            let body = delivery(c, i);
            let signature = crate::webhook::signature::sign(self.secret.as_bytes(), &body);
            let status = self
                .http
                .post(self.url)
                .header("x-hub-signature-256", signature)
                .body(body)
                .send()
                .await?
                .status();
            anyhow::ensure!(status.is_success(), "the webhook answered {status}");
            // Until the message is in, then what follows closely, as one batch would be.
            let mut wait = Duration::from_secs(5);
            while let Ok(Some(push)) = tokio::time::timeout(wait, ui.client.next_push()).await {
                if !push.messages.is_empty() {
                    wait = Duration::from_millis(30);
                }
                let effects = ui.app.on_push(push);
                ui.settle(effects).await?;
            }
        }
        Ok((ui.bytes.0.load(Ordering::Relaxed) - before) as f64 / n as f64)
    }
}

/// A customer's text message as Meta delivers it, for contact `c` of the prefilled store.
pub(super) fn delivery(c: u64, i: usize) -> Vec<u8> {
    let numbers = 2;
    let n = c % numbers;
    let wa_id = deliveries::customer_wa_id(c);
    let body = serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": deliveries::display_phone(n),
                         "phone_number_id": deliveries::phone_number_id(n)},
            "contacts": [{"profile": {"name": deliveries::customer_name(c)}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": format!("wamid.TUIBENCH.{c}.{i}.{}", rand::random::<u32>()),
                          "timestamp": crate::domain::time::now_unix().to_string(),
                          "type": "text", "text": {"body": format!("Any news about my order? ({i})")}}]
        }}]}]
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Another process's resident memory, in KiB.
pub(super) fn rss_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn print_report(r: &Report) {
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "TUI on {} messages in {} conversations, {} terminal",
        r.messages, r.conversations, r.terminal
    );
    println!("{:<44} {:>12} {:>12}  target", "", "measured", "");
    println!(
        "{:<44} {:>9.1} ms {:>12}  (wabox serve to its socket answering; not part of the frame)",
        "engine start", r.engine_start_ms, ""
    );
    println!(
        "{:<44} {:>9.1} ms {:>12}  < 200 ms {}",
        "start to first full frame",
        r.first_frame_ms,
        format!("{} B", r.first_frame_bytes),
        verdict(r.first_frame_ms < 200.0)
    );
    let row = |name: &str, t: &Timing, target: f64| {
        println!(
            "{:<44} {:>9.2} ms {:>9.2} ms  p99 < {target} ms {} (p50, p99; {} samples, max {:.1} ms)",
            name,
            t.p50_ms,
            t.p99_ms,
            verdict(t.p99_ms < target),
            t.samples,
            t.max_ms
        )
    };
    row(
        "open a conversation, last page drawn",
        &r.open_conversation,
        10.0,
    );
    row("key press to next frame", &r.key_to_frame, 8.0);
    row("search all messages, newest first", &r.search, 50.0);
    println!(
        "{:<44} {:>9.1} MiB {:>8.1} MiB  < 100 MiB {} (now, peak)",
        "resident memory of the TUI",
        r.rss_mib,
        r.peak_rss_mib,
        verdict(r.peak_rss_mib < 100.0)
    );
    println!(
        "{:<44} {:>9.1} MiB  (for reference: the engine serving it)",
        "resident memory of the engine", r.engine_rss_mib
    );
    println!(
        "{:<44} {:>10.0} B {:>10.0} B  (open conversation, another one)",
        "bytes to the terminal per incoming message",
        r.bytes_per_message_open_conversation,
        r.bytes_per_message_elsewhere
    );
    println!(
        "{:<44} {:>10.0} B",
        "bytes for the once-a-minute countdown redraw", r.bytes_per_idle_minute_tick
    );
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "wabox-bench-tui-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
