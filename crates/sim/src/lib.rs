//! A simulated Cloud API on 127.0.0.1 for `wabox demo` and the tests. It speaks the Graph API's
//! wire format for the endpoints wabox uses and behaves like Meta where it matters: it checks
//! tokens and bodies, enforces the 24-hour window (accepting a doomed free-form send, then failing
//! it with 131047), the number's rate (130429) and the per-customer pace (131056), and reports
//! statuses back over signed webhooks — sometimes out of order, sometimes `read` without
//! `delivered`.

mod answers;
pub mod business;
pub mod customers;
pub mod graph;
pub mod groups;
pub mod kapso;
mod kapso_kept;
pub mod kapso_proxy;
pub mod kapso_reconnect;
pub mod kapso_setup;
mod kept;
pub mod media;
pub mod signup;
pub mod templates;
pub mod webhooks;

use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wabox_domain::pace::Bucket;

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

#[derive(Default)]
pub(crate) struct SimState {
    pub webhook_url: Option<String>,
    /// (phone number id, customer wa_id or BSUID) → the customer's last message, unix seconds.
    pub last_inbound: HashMap<(String, String), i64>,
    /// (phone number id, group id): the groups each number has (Groups API).
    pub groups: HashSet<(String, String)>,
    pub number_buckets: HashMap<String, Bucket>,
    pub pair_buckets: HashMap<(String, String), Bucket>,
    pub sent: Vec<SentRecord>,
    pub requests: u64,
    /// Requests held by an injected slow answer right now: in flight for the sender.
    pub answering_slowly: u64,
    /// WABAs the master app subscribed to.
    pub subscribed: Vec<String>,
    /// Numbers still being onboarded from the Business app: polls left before they show as
    /// connected (`is_on_biz_app`).
    pub onboarding: HashMap<String, u32>,
    /// `smb_app_data` requests: (phone number id, sync type).
    pub smb_syncs: Vec<(String, String)>,
    pub refused: Vec<(String, i64)>,
    pub injected: VecDeque<Injected>,
    pub injected_uploads: VecDeque<Injected>,
    pub uploads: Vec<UploadRecord>,
    pub media: HashMap<String, (Vec<u8>, String)>,
    /// Media ids of the files downloaded (`GET` on a media URL), in the order asked for.
    pub media_downloads: Vec<String>,
    /// Media downloads wait while this is set (`hold_media_downloads`), and how many wait now.
    pub media_hold: bool,
    pub media_waiting: u64,
    pub marked_read: Vec<String>,
    pub next_id: u64,
    /// Embedded Signup: codes the dialog handed out, the WABAs signed up with, the next dialog
    /// refused by the business, tokens' expiry (unix seconds), numbers registered, PINs set.
    pub codes: HashMap<String, signup::IssuedCode>,
    pub signed_up: Vec<String>,
    pub deny_next_signup: bool,
    /// The next dialog shares this WABA again (the business re-authorizes).
    pub reauthorize_next: Option<String>,
    pub token_expiry: HashMap<String, i64>,
    pub registered: Vec<String>,
    pub pins: HashMap<String, String>,
    /// Every token debug_token was asked about.
    pub debug_token_inputs: Vec<String>,
    /// How each debug_token call carried the app token: "query" (Meta's documented form) or
    /// "header".
    pub debug_token_forms: Vec<&'static str>,
    /// Each User-Agent the simulator was called with ("(none)" when absent): how many requests,
    /// and the last one's method and path, so a test can name a request that went without it.
    pub user_agents: std::collections::BTreeMap<String, (u64, String)>,
    /// Numbers made while the simulator runs (Kapso's setup links connect new ones).
    pub extra_numbers: Vec<SimNumber>,
    /// The simulated Kapso: customers, setup links, the numbers it connected, webhooks.
    pub kapso: kapso::KapsoState,
    /// (phone number id, customer wa_id or BSUID, wamid) of every message of each chat.
    pub chat_wamids: std::collections::HashSet<(String, String, String)>,
    /// Phone number id → the token an earlier run of a kept demo gave out for it (`kept.rs`).
    pub remembered_tokens: HashMap<String, String>,
}

impl SimState {
    /// The number with the token it holds now: one remembered from an earlier run, if any.
    pub(crate) fn as_known(&self, mut number: SimNumber) -> SimNumber {
        if let Some(token) = self.remembered_tokens.get(&number.phone_number_id) {
            number.token = token.clone();
        }
        number
    }
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
            http: reqwest::Client::builder()
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

    pub fn inject(&self, failures: &[Injected]) {
        self.lock().injected.extend(failures.iter().copied());
    }

    /// Failures for the next uploads (`POST /{phone-number-id}/media`), apart from sends'.
    pub fn inject_uploads(&self, failures: &[Injected]) {
        self.lock()
            .injected_uploads
            .extend(failures.iter().copied());
    }

    /// Every accepted upload so far.
    pub fn uploads(&self) -> Vec<UploadRecord> {
        self.lock().uploads.clone()
    }

    /// The bytes and MIME type stored under a media id (uploaded or put by a test).
    pub fn media(&self, id: &str) -> Option<(Vec<u8>, String)> {
        self.lock().media.get(id).cloned()
    }

    /// Media ids of the files downloaded so far, in the order they were asked for.
    pub fn media_downloads(&self) -> Vec<String> {
        self.lock().media_downloads.clone()
    }

    /// While held, every file download waits (it is logged as asked for) until released: a
    /// test can let files queue up behind one download in flight, without racing a clock.
    pub fn hold_media_downloads(&self, hold: bool) {
        self.lock().media_hold = hold;
    }

    /// File downloads waiting on `hold_media_downloads` right now.
    pub fn media_downloads_waiting(&self) -> u64 {
        self.lock().media_waiting
    }

    /// Requests received and not answered yet (held by `Injected::SlowAnswer`).
    pub fn answering_slowly(&self) -> u64 {
        self.lock().answering_slowly
    }

    /// The number shows as still onboarding (not on the Business app, not registered) for the
    /// next `polls` reads of its state, as during a coexistence onboarding.
    pub fn onboard_after(&self, phone_number_id: &str, polls: u32) {
        self.lock()
            .onboarding
            .insert(phone_number_id.to_string(), polls);
    }

    /// The business cancels the next login dialog (it redirects with `error=access_denied`).
    pub fn deny_next_signup(&self) {
        self.lock().deny_next_signup = true;
    }

    /// The business logs in again and shares this WABA once more (re-authorization).
    pub fn reauthorize_next(&self, waba_id: &str) {
        self.lock().reauthorize_next = Some(waba_id.to_string());
    }

    /// A token stops working at `unix` (debug_token reports it; 0 = never).
    pub fn set_token_expiry(&self, token: &str, unix: i64) {
        self.lock().token_expiry.insert(token.to_string(), unix);
    }

    /// The number's two-step verification PIN: `register` with another one fails with 133005.
    pub fn set_pin(&self, phone_number_id: &str, pin: &str) {
        self.lock()
            .pins
            .insert(phone_number_id.to_string(), pin.to_string());
    }

    /// Numbers registered with `POST /{pnid}/register`.
    pub fn registered(&self) -> Vec<String> {
        self.lock().registered.clone()
    }

    /// Contacts and history syncs requested (`POST /{pnid}/smb_app_data`).
    pub fn smb_syncs(&self) -> Vec<(String, String)> {
        self.lock().smb_syncs.clone()
    }

    /// WABAs the master app subscribed to (`POST /{waba}/subscribed_apps`).
    pub fn subscribed(&self) -> Vec<String> {
        self.lock().subscribed.clone()
    }

    /// Every accepted send so far.
    pub fn sent(&self) -> Vec<SentRecord> {
        self.lock().sent.clone()
    }

    /// Sends refused with an error code: (phone number id, code).
    pub fn refused(&self) -> Vec<(String, i64)> {
        self.lock().refused.clone()
    }

    /// Every wamid marked read by the business.
    pub fn marked_read(&self) -> Vec<String> {
        self.lock().marked_read.clone()
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

    /// Every token debug_token was asked about.
    pub fn debug_token_inputs(&self) -> Vec<String> {
        self.lock().debug_token_inputs.clone()
    }

    /// How each debug_token call carried the app token ("query" or "header").
    pub fn debug_token_forms(&self) -> Vec<&'static str> {
        self.lock().debug_token_forms.clone()
    }

    /// Every User-Agent the simulator was called with: (agent, requests, last method and path).
    pub fn user_agents(&self) -> Vec<(String, u64, String)> {
        self.lock()
            .user_agents
            .iter()
            .map(|(agent, (n, last))| (agent.clone(), *n, last.clone()))
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

    /// A customer writes to a number: the message goes to the engine as a signed webhook, and the
    /// customer's window opens (if the message is recent enough).
    pub async fn customer_message(
        &self,
        phone_number_id: &str,
        customer: &customers::SimCustomer,
        message: Value,
    ) -> anyhow::Result<()> {
        let number = self
            .number(phone_number_id)
            .ok_or_else(|| anyhow::anyhow!("the simulator has no number {phone_number_id}"))?;
        let ts = message
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or_else(|| self.now());
        let opens = !matches!(
            message.get("type").and_then(Value::as_str),
            Some("reaction" | "system" | "edit" | "revoke")
        );
        if opens {
            let mut s = self.lock();
            for id in [customer.wa_id.as_deref(), customer.user_id.as_deref()]
                .into_iter()
                .flatten()
            {
                let entry = s
                    .last_inbound
                    .entry((phone_number_id.to_string(), id.to_string()))
                    .or_insert(ts);
                *entry = (*entry).max(ts);
            }
        }
        if let Some(wamid) = message.get("id").and_then(Value::as_str) {
            let ids: Vec<&str> = [customer.wa_id.as_deref(), customer.user_id.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            self.remember_in_chat(phone_number_id, &ids, wamid);
        }
        let body = webhooks::inbound(&number, customer, message);
        self.deliver(body).await
    }

    /// An echo: the business wrote from the WhatsApp Business app on a coexistence number.
    pub async fn phone_app_message(
        &self,
        phone_number_id: &str,
        customer: &customers::SimCustomer,
        text: &str,
    ) -> anyhow::Result<()> {
        let number = self
            .number(phone_number_id)
            .ok_or_else(|| anyhow::anyhow!("the simulator has no number {phone_number_id}"))?;
        let wamid = self.fresh_id("wamid.SIMECHO");
        let ids: Vec<&str> = [customer.wa_id.as_deref(), customer.user_id.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        self.remember_in_chat(phone_number_id, &ids, &wamid);
        self.deliver(webhooks::echo(&number, customer, &wamid, text, self.now()))
            .await
    }

    /// A coexistence number's history, as Meta sends it after `smb_app_data`: three phases, a
    /// chunk each, a few old conversations, a pause between chunks.
    pub async fn send_history(&self, number: &SimNumber) -> anyhow::Result<()> {
        let now = self.now();
        let day = 86_400;
        let phases: [(i64, Vec<webhooks::HistoryThread>); 3] = [
            (
                0,
                vec![(
                    "5215587654321".to_string(),
                    vec![
                        (false, "¿Abren mañana?".to_string(), now - 5 * 3_600),
                        (true, "Sí, de 9 a 6.".to_string(), now - 5 * 3_600 + 120),
                    ],
                )],
            ),
            (
                1,
                vec![(
                    "5215511223344".to_string(),
                    vec![
                        (false, "Quiero 2 cajas".to_string(), now - 40 * day),
                        (
                            true,
                            "Listo, llegan el lunes".to_string(),
                            now - 40 * day + 600,
                        ),
                    ],
                )],
            ),
            (
                2,
                vec![(
                    "5215599887766".to_string(),
                    vec![(false, "Gracias por todo".to_string(), now - 150 * day)],
                )],
            ),
        ];
        for (phase, threads) in phases {
            let mut next = || self.fresh_id("wamid.SIMHIST");
            let mut chunk = webhooks::history_chunk(number, phase, 1, 100, &threads, &mut next);
            let photo = if phase == 0 {
                self.add_history_photo(number, &mut chunk, &mut next)?
            } else {
                None
            };
            tokio::time::sleep(self.options.history_pause).await;
            self.deliver(chunk).await?;
            if let Some(file) = photo {
                self.deliver(file).await?;
            }
        }
        Ok(())
    }

    /// A photo the customer of the chunk's first thread sent: a placeholder goes into the thread,
    /// and the file itself is returned, to go in its own post after the chunk, as Meta sends a
    /// file of the last 14 days.
    fn add_history_photo(
        &self,
        number: &SimNumber,
        chunk: &mut Vec<u8>,
        next: &mut dyn FnMut() -> String,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let mut value: Value = serde_json::from_slice(chunk)?;
        let thread = "/entry/0/changes/0/value/history/0/threads/0";
        let Some(customer) = value
            .pointer(&format!("{thread}/id"))
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Ok(None);
        };
        let Some(messages) = value
            .pointer_mut(&format!("{thread}/messages"))
            .and_then(Value::as_array_mut)
        else {
            return Ok(None);
        };
        let at = messages
            .first()
            .and_then(|m| m.get("timestamp"))
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or_else(|| self.now())
            - 60;
        let wamid = next();
        messages.insert(
            0,
            webhooks::history_placeholder(number, &customer, false, &wamid, at),
        );
        *chunk = serde_json::to_vec(&value)?;
        let media_id = {
            let mut s = self.lock();
            s.next_id += 1;
            // Meta's media ids are long decimal numbers.
            format!("{}", 710_000_000_000_000u64 + s.next_id)
        };
        // A few bytes stand for the photo: the engine stores what it is served.
        self.media_put(
            &media_id,
            b"\xFF\xD8\xFF\xE0 storefront photo".to_vec(),
            "image/jpeg",
        );
        Ok(Some(webhooks::history_media(
            number,
            &[webhooks::HistoryFile {
                customer: &customer,
                ours: false,
                wamid: &wamid,
                kind: "image",
                media_id: &media_id,
                mime_type: "image/jpeg",
                caption: Some("¿Tienen este en azul?"),
                at,
            }],
        )))
    }

    /// WABAs connected some other way (the demo's own numbers): the signup dialog and Kapso
    /// never hand them out, and the master app was subscribed to them when they were connected.
    pub fn mark_connected(&self, waba_id: &str) {
        let mut s = self.lock();
        if !s.signed_up.iter().any(|w| w == waba_id) {
            s.signed_up.push(waba_id.to_string());
        }
        if !s.subscribed.iter().any(|w| w == waba_id) {
            s.subscribed.push(waba_id.to_string());
        }
    }

    /// Delivers a webhook body to the engine, signed, retrying like Meta until it gets a 200. A
    /// number Kapso connected has its webhooks forwarded by Kapso when a `meta` webhook is set
    /// for it (signed with that webhook's secret, `X-Webhook-Signature`); otherwise they reach
    /// the master app's callback as Meta's.
    pub async fn deliver(&self, body: Vec<u8>) -> anyhow::Result<()> {
        let (url, headers) = match self.kapso_forward(&body) {
            Some(forward) => forward,
            None => {
                let url = self
                    .lock()
                    .webhook_url
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("the simulator has no webhook URL yet"))?;
                let signature =
                    wabox_webhook::signature::sign(self.options.app_secret.as_bytes(), &body);
                (url, vec![("x-hub-signature-256", signature)])
            }
        };
        let mut wait = std::time::Duration::from_millis(100);
        for _ in 0..8 {
            let mut post = self
                .http
                .post(&url)
                .header("content-type", "application/json");
            for (name, value) in &headers {
                post = post.header(*name, value);
            }
            let sent = post.body(body.clone()).send().await;
            if matches!(&sent, Ok(r) if r.status().as_u16() == 200) {
                return Ok(());
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(std::time::Duration::from_secs(5));
        }
        anyhow::bail!("the engine did not take a webhook after 8 tries")
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
