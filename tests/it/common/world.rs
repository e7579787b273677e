//! A sending world for the tests: the simulated Cloud API, a home with the Acme number and its
//! templates synced, and the real engine serving it.

use super::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wabox::sim::customers::{SimCustomer, text as sim_text};
use wabox::sim::{SimNumber, SimOptions, Simulator};

/// The engine comes first: fields drop in order, and it must stop before its home goes (on
/// PostgreSQL the home's database is dropped with it, and an engine whose store is gone takes
/// a few seconds to give up giving its leases back).
pub struct World {
    pub engine: Engine,
    pub sim: Arc<Simulator>,
    pub home: Home,
}

/// A dedicated number of the simulated Cloud API (set `coexistence` on the result for the other kind).
pub fn sim_number(pnid: &str, waba: &str, display: &str, token: &str, name: &str) -> SimNumber {
    SimNumber {
        phone_number_id: pnid.into(),
        waba_id: waba.into(),
        display_phone: display.into(),
        token: token.into(),
        coexistence: false,
        verified_name: name.into(),
    }
}

/// The simulated Cloud API with these numbers, on a free loopback port.
pub async fn start_simulator(numbers: Vec<SimNumber>) -> Arc<Simulator> {
    Simulator::start(
        SimOptions::new(APP_SECRET, numbers),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

pub async fn world() -> World {
    world_with(|_| {}).await
}

pub async fn world_with(tune: impl FnOnce(&mut SimOptions)) -> World {
    world_configured(tune, "").await
}

/// A world whose config file ends with `config_toml` (e.g. an `[outbox]` section).
pub async fn world_configured(tune: impl FnOnce(&mut SimOptions), config_toml: &str) -> World {
    world_started(tune, config_toml, |_| {}, &[]).await
}

/// As `world_configured`, with `prepare` run on the home before the engine starts (files in its
/// config dir) and the engine given these environment variables.
pub async fn world_started(
    tune: impl FnOnce(&mut SimOptions),
    config_toml: &str,
    prepare: impl FnOnce(&Home),
    env: &[(&str, &str)],
) -> World {
    let number = sim_number(PNID, WABA, DISPLAY, ACCESS_TOKEN, "Demo Shop");
    let mut options = SimOptions::new(APP_SECRET, vec![number]);
    options.status_delay_ms = (5, 30);
    tune(&mut options);
    let sim = Simulator::start(options, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let home = Home::with_graph(&sim.base_url());
    if !config_toml.is_empty() {
        let mut config = std::fs::read_to_string(&home.config).unwrap();
        config.push_str(config_toml);
        std::fs::write(&home.config, config).unwrap();
    }
    home.with_acme();
    prepare(&home);
    let engine = home.start_engine_with_env(env);
    sim.set_webhook(&engine.url());
    // Exit 3: an account could not be synced (a world made with a broken token, on purpose).
    let synced = home.run(&["templates", "sync"]);
    assert!(
        matches!(synced.status.code(), Some(0 | 3)),
        "templates sync: {}",
        String::from_utf8_lossy(&synced.stderr)
    );
    World { engine, sim, home }
}

pub fn customer(n: u32) -> SimCustomer {
    SimCustomer::new(
        &format!("Customer {n}"),
        Some(&format!("5917100{n:04}")),
        None,
    )
}

impl World {
    /// A customer writes `seconds_ago`; returns their conversation id.
    pub async fn customer_writes(&self, who: &SimCustomer, seconds_ago: i64) -> i64 {
        self.sim
            .customer_message(PNID, who, sim_text(&self.sim, "hello?", seconds_ago))
            .await
            .unwrap();
        self.home.wait_processed();
        let conversations = self.home.conversations();
        conversation_of(&conversations, who.wa_id.as_deref().unwrap())["id"]
            .as_i64()
            .unwrap()
    }

    pub fn send(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["send"];
        all.extend_from_slice(args);
        self.home.run(&all)
    }

    pub fn sent_with_text(&self, text: &str) -> usize {
        self.sim.sent().iter().filter(|s| s.text == text).count()
    }

    /// Waits until a message reaches `status`.
    pub fn wait_status(&self, message_id: i64, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let m = self
                .home
                .all_messages()
                .into_iter()
                .find(|m| m["id"] == message_id)
                .unwrap();
            if m["status"] == status {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "message {message_id} stuck at {}",
                m["status"]
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub fn json_of(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
