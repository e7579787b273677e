//! A simulated Cloud API on 127.0.0.1 for `wabox demo` and the tests. It speaks the Graph API's
//! wire format for the endpoints wabox uses and behaves like Meta where it matters: it checks
//! tokens and bodies, enforces the 24-hour window (accepting a doomed free-form send, then failing
//! it with 131047), the number's rate (130429) and the per-customer pace (131056), and reports
//! statuses back over signed webhooks — sometimes out of order, sometimes `read` without
//! `delivered`.

mod answers;
mod blocking;
pub mod business;
mod controls;
pub mod customers;
pub mod graph;
pub mod groups;
mod history;
pub mod kapso;
mod kapso_kept;
mod kapso_numbers;
pub mod kapso_proxy;
pub mod kapso_reconnect;
pub mod kapso_setup;
mod kept;
pub mod media;
mod sends;
pub mod signup;
mod state;
pub mod templates;
mod traffic;
pub mod webhooks;

use serde::Serialize;
use state::SimState;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A business number the simulator knows.
#[derive(Debug, Clone)]
pub struct SimNumber {
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone: String,
    pub token: String,
    pub coexistence: bool,
    /// The business name Meta shows for it.
    pub verified_name: String,
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The master app's id: the login dialog and the code exchange check it.
    pub app_id: String,
    pub app_secret: String,
    pub numbers: Vec<SimNumber>,
    /// Messages per second a dedicated number may send (coexistence numbers: `coexistence_rate`).
    pub rate_per_second: f64,
    pub coexistence_rate: f64,
    /// Quick messages to one customer before 131056, then one per `pair_interval_seconds`.
    pub pair_burst: u32,
    pub pair_interval_seconds: f64,
    /// Delay range before each status webhook, in milliseconds.
    pub status_delay_ms: (u64, u64),
    /// Pause before each chunk of a requested history.
    pub history_pause: std::time::Duration,
    /// The key Kapso's Platform API and Meta proxy accept (`X-API-Key`).
    pub kapso_api_key: String,
    /// Meta's per-customer marketing limit ("healthy ecosystem"): a customer who already got
    /// this many marketing templates from the business in the last 24 hours gets the next one
    /// accepted, then failed with 131049. None: no limit.
    pub marketing_per_customer_per_day: Option<usize>,
}

impl SimOptions {
    pub fn new(app_secret: &str, numbers: Vec<SimNumber>) -> Self {
        SimOptions {
            app_id: SIM_APP_ID.to_string(),
            app_secret: app_secret.to_string(),
            numbers,
            rate_per_second: 80.0,
            coexistence_rate: 20.0,
            pair_burst: 3,
            pair_interval_seconds: 6.0,
            status_delay_ms: (20, 120),
            history_pause: std::time::Duration::from_millis(800),
            kapso_api_key: SIM_KAPSO_API_KEY.to_string(),
            marketing_per_customer_per_day: None,
        }
    }
}

/// The master app's id in the simulator (configure it as `[meta] app_id`).
pub const SIM_APP_ID: &str = "100000000000042";

/// The Kapso API key the simulator accepts unless told another (`SimOptions::kapso_api_key`).
pub const SIM_KAPSO_API_KEY: &str = "kapso-sim-project-key-7c1d";

/// A failure the tests ask for on the next sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// HTTP 500 with code 131000.
    ServerError,
    /// Code 130429: over the number's rate.
    Throttled,
    /// Accept the send but answer only after this many milliseconds.
    SlowAnswer(u64),
}

/// One accepted send, as the simulator saw it.
#[derive(Debug, Clone, Serialize)]
pub struct SentRecord {
    pub phone_number_id: String,
    pub to: String,
    pub wamid: String,
    pub kind: String,
    /// The text body, or the template name.
    pub text: String,
    pub at_ms: u128,
    /// Wall-clock time the request arrived, unix milliseconds.
    pub at_unix_ms: i64,
    /// For a media message sent by id: the uploaded file's id.
    pub media_id: Option<String>,
    /// The request's JSON body as it arrived.
    pub body: serde_json::Value,
    /// The wamid a reply quotes, when the chat has it.
    pub quoted: Option<String>,
    /// The wamid a reply asked to quote that the chat does not have: delivered without the
    /// quote, as Meta does.
    pub dropped_context: Option<String>,
}

/// One file uploaded to `POST /{phone-number-id}/media`.
#[derive(Debug, Clone, Serialize)]
pub struct UploadRecord {
    pub phone_number_id: String,
    pub media_id: String,
    pub mime_type: String,
    pub filename: Option<String>,
    pub bytes: usize,
}

pub struct Simulator {
    pub addr: SocketAddr,
    pub(crate) options: SimOptions,
    pub(crate) state: Mutex<SimState>,
    pub(crate) started: Instant,
    pub(crate) http: reqwest::Client,
    /// How far this simulator's clock runs ahead of the process's: a test moves it together with
    /// the engine's (`wabox clock advance`) so both agree on when a window closes.
    clock_offset: std::sync::atomic::AtomicI64,
}

impl Simulator {
    /// The simulator's time in unix seconds: the process's clock plus what `advance_clock` added.
    pub fn now(&self) -> i64 {
        wabox_domain::time::now_unix()
            + self.clock_offset.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves the simulator's clock ahead, as a test moves the engine's.
    pub fn advance_clock(&self, seconds: i64) {
        self.clock_offset
            .fetch_add(seconds.max(0), std::sync::atomic::Ordering::Relaxed);
    }

    /// Starts the simulated Graph API on `listen` (port 0 picks one).
    pub async fn start(options: SimOptions, listen: SocketAddr) -> anyhow::Result<Arc<Simulator>> {
        let tcp = tokio::net::TcpListener::bind(listen).await?;
        let addr = tcp.local_addr()?;
        let sim = Arc::new(Simulator {
            addr,
            options,
            state: Mutex::new(SimState::default()),
            started: Instant::now(),
            clock_offset: std::sync::atomic::AtomicI64::new(0),
            // The simulator's own calls (webhooks to the engine, Kapso's proxy hop to "Meta")
            // name themselves, so they are never taken for wabox's.
            http: wabox_cloud::client_builder()
                .user_agent(concat!("wabox-sim/", env!("CARGO_PKG_VERSION")))
                .timeout(std::time::Duration::from_secs(10))
                .build()?,
        });
        let app = graph::router(sim.clone())
            .merge(kapso::router(sim.clone()))
            .layer(axum::middleware::from_fn_with_state(
                sim.clone(),
                note_user_agent,
            ));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(tcp, app).await {
                tracing::error!(error = %e, "the simulator stopped");
            }
        });
        Ok(sim)
    }

    /// The base URL to configure as `graph_base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where the simulator delivers webhooks (the engine's `/webhook`).
    pub fn set_webhook(&self, url: &str) {
        self.lock().webhook_url = Some(url.to_string());
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        // A panic while holding the lock would be a simulator bug; keep serving regardless.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A number the simulator knows: one it started with, or one made since (through Kapso).
    pub fn number(&self, phone_number_id: &str) -> Option<SimNumber> {
        let s = self.lock();
        self.options
            .numbers
            .iter()
            .chain(s.extra_numbers.iter())
            .find(|n| n.phone_number_id == phone_number_id)
            .map(|n| s.as_known(n.clone()))
    }

    /// Every number the simulator knows.
    pub fn all_numbers(&self) -> Vec<SimNumber> {
        let s = self.lock();
        self.options
            .numbers
            .iter()
            .chain(s.extra_numbers.iter())
            .map(|n| s.as_known(n.clone()))
            .collect()
    }

    pub(crate) fn fresh_id(&self, prefix: &str) -> String {
        let mut s = self.lock();
        s.next_id += 1;
        format!(
            "{prefix}{:016X}{:06}",
            self.started.elapsed().as_nanos() as u64,
            s.next_id
        )
    }
}

/// Counts each request under its User-Agent (see `Simulator::user_agents`).
async fn note_user_agent(
    axum::extract::State(sim): axum::extract::State<Arc<Simulator>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let agent = request
        .headers()
        .get(axum::http::header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_else(|| "(none)".to_string());
    let last = format!("{} {}", request.method(), request.uri().path());
    {
        let mut state = sim.lock();
        let seen = state.user_agents.entry(agent).or_insert((0, String::new()));
        seen.0 += 1;
        seen.1 = last;
    }
    next.run(request).await
}
