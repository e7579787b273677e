//! One TUI bench run: the engine started on the bench store, then each measurement in turn on
//! the same inbox (first frame, opening conversations, key presses, searches, idle bytes).

use super::EngineProcess;
use super::report::{Report, timing};
use super::ui::{Counter, Customers, Ui};
use crate::client::Client;
use crate::protocol::{Request, Response};
use crate::tui::app::{App, Focus};
use crate::tui::keymap::Keymap;
use crossterm::event::KeyCode;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The terminal the inbox draws into.
const WIDTH: u16 = 100;
const HEIGHT: u16 = 30;

/// `wabox serve` on the bench store, and what reaching it takes.
struct Served {
    engine: EngineProcess,
    client: Client,
    port: u16,
    /// The app secret its webhook checks signatures with.
    secret: String,
    start: Duration,
}

pub async fn measure(
    o: &super::TuiBenchOptions,
    exe: &Path,
    data: &Path,
) -> anyhow::Result<Report> {
    let Served {
        engine,
        client,
        port,
        secret,
        start: engine_start,
    } = serve(exe, data).await?;
    let client = match o.remote {
        false => client,
        true => remote_client(client, port, o.latency_ms).await?,
    };
    let (mut ui, first_frame, first_frame_bytes) = first_frame(client).await?;
    let open = open_conversations(&mut ui, o.samples, o.conversations).await?;
    let (keys, keys_first) = key_presses(&mut ui, o.samples).await?;
    let searches = searches(&mut ui, o.samples).await?;
    let memory = crate::bench::sys::rss();
    let idle = idle_bytes(&mut ui, port, &secret, o.conversations).await?;

    let engine_rss = super::rss_of(engine.0.id());
    ui.client.close().await;
    drop(engine);
    Ok(Report {
        messages: o.messages,
        conversations: o.conversations,
        terminal: format!("{WIDTH}x{HEIGHT}"),
        link: match (o.remote, o.latency_ms) {
            (false, _) => "the engine's socket".into(),
            (true, 0) => "/api on loopback".into(),
            (true, ms) => format!("/api with {ms} ms round trip added"),
        },
        engine_start_ms: engine_start.as_secs_f64() * 1000.0,
        engine_rss_mib: engine_rss as f64 / 1024.0,
        first_frame_ms: first_frame.as_secs_f64() * 1000.0,
        first_frame_bytes,
        open_conversation: timing(open),
        key_to_frame: timing(keys),
        key_to_first_frame: timing(keys_first),
        search: timing(searches),
        rss_mib: memory.rss_kib as f64 / 1024.0,
        peak_rss_mib: memory.peak_kib as f64 / 1024.0,
        bytes_per_message_open_conversation: idle.in_open,
        bytes_per_message_elsewhere: idle.elsewhere,
        bytes_per_idle_minute_tick: idle.tick,
    })
}

/// A client of the same engine over `/api`: a token of an admin of every tenant (made through
/// the socket client, which is the engine's own user's), through a delaying proxy when asked.
async fn remote_client(mut socket: Client, port: u16, latency_ms: u64) -> anyhow::Result<Client> {
    use crate::protocol::{Request, Response, Role};
    let holder = "bench-remote".to_string();
    socket
        .call(Request::AddAgent {
            user: holder.clone(),
            role: Role::Admin,
            tenant: None,
            queues: Vec::new(),
        })
        .await?;
    let Response::TokenCreated(made) = socket
        .call(Request::CreateToken {
            user: holder,
            name: Some("bench".into()),
            expires_in: None,
        })
        .await?
    else {
        anyhow::bail!("the engine made no token");
    };
    socket.close().await;
    let port = match latency_ms {
        0 => port,
        ms => {
            let engine = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            super::delay::start(engine, Duration::from_millis(ms)).await?
        }
    };
    let server = crate::client::remote::Server {
        url: format!("http://127.0.0.1:{port}"),
        token: made.secret,
    };
    Client::dial(&crate::client::Dial::Remote(server)).await
}

/// Starts `wabox serve` with a config of its own (a fresh secret, a free port) and connects to
/// its socket once it answers.
async fn serve(exe: &Path, data: &Path) -> anyhow::Result<Served> {
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
    let client = loop {
        if let Ok(c) = Client::dial(&crate::client::Dial::Socket(data.to_path_buf())).await {
            break c;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "the bench engine did not start"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    Ok(Served {
        engine,
        client,
        port,
        secret,
        start: started.elapsed(),
    })
}

/// First frame: connect, ask for numbers and conversations, draw. The inbox, its time, and
/// the bytes that frame took.
async fn first_frame(mut client: Client) -> anyhow::Result<(Ui, Duration, usize)> {
    let t0 = Instant::now();
    let bytes = Counter::default();
    let terminal = Terminal::with_options(
        CrosstermBackend::new(bytes.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT)),
        },
    )?;
    client.call(Request::Subscribe { since: None }).await?;
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
    ui.app.on_connected(false);
    ui.settle(Vec::new()).await?;
    let first_frame = t0.elapsed();
    let first_frame_bytes = bytes.0.load(Ordering::Relaxed);
    anyhow::ensure!(
        ui.app.list.rows.len() >= 2,
        "the bench store has no conversations"
    );
    Ok((ui, first_frame, first_frame_bytes))
}

/// Opening a conversation: from Enter to its last page drawn, all over the store.
async fn open_conversations(
    ui: &mut Ui,
    samples: usize,
    conversations: u64,
) -> anyhow::Result<Vec<Duration>> {
    let mut open = Vec::new();
    for _ in 0..samples {
        let id = 1 + (rand::random::<u64>() % conversations) as i64;
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
    Ok(open)
}

/// Key press to the next frame with what it asked for, and to the first frame after it: down
/// and up through the messages, then the list.
async fn key_presses(
    ui: &mut Ui,
    samples: usize,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let (mut whole, mut first) = (Vec::new(), Vec::new());
    for i in 0..samples * 5 {
        let code = if (i / 40) % 2 == 0 {
            KeyCode::Char('k')
        } else {
            KeyCode::Char('j')
        };
        let t = Instant::now();
        first.push(ui.key(code).await?);
        whole.push(t.elapsed());
    }
    ui.app.focus = Focus::Conversations;
    for _ in 0..samples * 5 {
        let t = Instant::now();
        first.push(ui.key(KeyCode::Char('j')).await?);
        whole.push(t.elapsed());
    }
    Ok((whole, first))
}

/// Search over every message, newest first: one word, or two every third time.
async fn searches(ui: &mut Ui, samples: usize) -> anyhow::Result<Vec<Duration>> {
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
    for i in 0..samples {
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
    Ok(searches)
}

/// Bytes to the terminal while the agent only looks.
struct IdleBytes {
    /// Per message in the open conversation.
    in_open: f64,
    /// Per message in another conversation.
    elsewhere: f64,
    /// For the countdown redraw once a minute.
    tick: f64,
}

/// Idle: customers write while the agent only looks. Bytes per message, in the open
/// conversation and in another one.
async fn idle_bytes(
    ui: &mut Ui,
    port: u16,
    secret: &str,
    conversations: u64,
) -> anyhow::Result<IdleBytes> {
    let http = wabox_cloud::client_builder()
        .build()
        .expect("an HTTP client");
    let url = format!("http://127.0.0.1:{port}/webhook");
    ui.app.focus = Focus::Messages;
    let open_id = ui.app.open.as_ref().map(|c| c.id()).unwrap_or(1);
    let open_contact = (open_id - 1) as u64;
    let other_contact = (open_contact + 1) % conversations;
    let customers = Customers {
        http: &http,
        url: &url,
        secret,
    };
    let in_open = customers.write(ui, open_contact, 20).await?;
    let elsewhere = customers.write(ui, other_contact, 20).await?;
    // The countdown redraw once a minute.
    let before = ui.bytes.0.load(Ordering::Relaxed);
    let now = ui.app.now;
    ui.app.on_tick(now + 60);
    ui.draw()?;
    let tick = (ui.bytes.0.load(Ordering::Relaxed) - before) as f64;
    Ok(IdleBytes {
        in_open,
        elsewhere,
        tick,
    })
}
