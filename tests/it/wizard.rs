//! The connect wizard's real loop (`wabox connect` without a subcommand) against a real
//! `wabox serve` and the simulated Cloud API: keys typed as an admin types them, the link opened
//! as the business's browser opens it, every drawn frame read back. A dedicated number goes
//! through Meta's Embedded Signup, a wrong PIN is typed again, and the summary says what was
//! stored; neither the PIN nor the business token is ever drawn.

use crate::common::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use wabox::sim::{SimNumber, SimOptions, Simulator};

const DED_PNID: &str = "301000000000002";
const DED_WABA: &str = "401000000000002";
const DED_TOKEN: &str = "EAA-TEST-TOKEN-wizard-dedicated-Rt5Lm";
const PIN: &str = "482913";

struct Screen {
    keys: mpsc::UnboundedSender<std::io::Result<Event>>,
    frames: mpsc::UnboundedReceiver<String>,
    /// Every frame drawn so far.
    seen: Vec<String>,
}

impl Screen {
    fn press(&self, code: KeyCode) {
        self.keys
            .send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))))
            .unwrap();
    }

    fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// Waits for a frame that shows `text`; the frame.
    async fn wait_for(&mut self, text: &str) -> String {
        self.wait_until(text, |f| f.contains(text)).await
    }

    /// Waits for a frame `ok` accepts (the last one drawn, or a new one).
    async fn wait_until(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        if let Some(f) = self.seen.last().filter(|f| ok(f)) {
            return f.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.frames.recv()).await {
                Ok(Some(frame)) => {
                    self.seen.push(frame.clone());
                    if ok(&frame) {
                        return frame;
                    }
                }
                Ok(None) => panic!("the wizard ended before showing {what}"),
                Err(_) => panic!(
                    "no frame showed {what}; the last one:\n{}",
                    self.seen.last().cloned().unwrap_or_default()
                ),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_connects_a_dedicated_number_through_metas_signup_end_to_end() {
    dedicated_number_through_the_wizard(false).await;
}

/// The same, by an admin on another machine: the wizard against the engine's `/api` with a
/// token (`wabox login`), not its socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_connects_a_number_from_elsewhere_through_api() {
    dedicated_number_through_the_wizard(true).await;
}

async fn dedicated_number_through_the_wizard(over_api: bool) {
    let numbers = vec![SimNumber {
        phone_number_id: DED_PNID.into(),
        waba_id: DED_WABA.into(),
        display_phone: "15550000002".into(),
        token: DED_TOKEN.into(),
        coexistence: false,
        verified_name: "Globex".into(),
    }];
    let sim = Simulator::start(
        SimOptions::new(APP_SECRET, numbers),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    sim.set_pin(DED_PNID, PIN);
    let home = Home::with_graph(&sim.base_url());
    if over_api {
        // An installation admin by name: a token's holder is no Unix account here.
        let mut config = std::fs::read_to_string(&home.config).unwrap();
        config.push_str("\n[access]\nadmins = [\"boss\"]\n");
        std::fs::write(&home.config, config).unwrap();
    }
    let engine = home.start_engine();
    sim.set_webhook(&engine.url());
    home.ok(&["tenants", "add", "Acme"]);

    let client = if over_api {
        let token = crate::remote::token_for(&home, "boss");
        let dial = wabox::client::Dial::Remote(wabox::client::remote::Server {
            url: format!("http://{}", engine.addr),
            token,
        });
        wabox::client::Client::dial(&dial).await.unwrap()
    } else {
        let config = wabox::config::Config::load(Some(&home.config), Some(&home.data)).unwrap();
        wabox::client::Client::connect(config).await.unwrap()
    };
    assert!(
        client.is_socket(),
        "an engine's connection, not one in this process"
    );
    let (wizard, first) = wabox::tui::wizard::Wizard::start(
        wabox::i18n::wizard::WizardStrings::for_code("en"),
        wabox::domain::time::now_unix(),
        false,
    );
    let (keys, keys_rx) = mpsc::unbounded_channel();
    let (frames_tx, frames) = mpsc::unbounded_channel();
    let input = Box::pin(futures_util::stream::unfold(keys_rx, |mut rx| async move {
        rx.recv().await.map(|event| (event, rx))
    }));
    let running = tokio::spawn(async move {
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        wabox::tui::wizard::runner::drive(
            wizard,
            first,
            client,
            &mut term,
            input,
            |_| wabox::tui::wizard::clipboard::Copied::Osc52,
            Some(frames_tx),
        )
        .await
    });
    let mut screen = Screen {
        keys,
        frames,
        seen: Vec::new(),
    };

    // A new tenant, typed; Meta's dedicated path; a new queue named after the tenant.
    screen.wait_for("Acme").await;
    // The cursor is on Acme's row: Tab goes to the new tenant's name (letters there are text).
    screen.press(KeyCode::Tab);
    screen.type_text("Globex");
    screen.press(KeyCode::Enter);
    screen.wait_for("How does Globex's number connect?").await;
    screen.press(KeyCode::Down);
    screen.press(KeyCode::Enter);
    screen.wait_for("Which queue").await;
    screen.press(KeyCode::Enter);
    let link = screen.wait_for("Waiting for the business").await;
    assert!(link.contains("/c/"), "{link}");
    assert!(link.contains('█'), "the QR code is drawn:\n{link}");

    // The business opens the link (the simulator's dialog logs in and redirects back).
    let signups = home.json(&["connect", "signups"]);
    let url = signups[0]["url"].as_str().unwrap().to_string();
    let page = super::common::browser::open(&url).await.1;
    assert!(page.contains("Go back to the terminal"), "{page}");

    // A wrong PIN is refused by Meta and typed again.
    screen.wait_for("Two-step verification PIN").await;
    screen.type_text("000000");
    screen.press(KeyCode::Enter);
    let refused = screen.wait_for("Type the PIN again").await;
    assert!(refused.contains("133005"), "{refused}");
    assert!(sim.registered().is_empty());
    screen.type_text(PIN);
    screen.press(KeyCode::Enter);
    let summary = screen.wait_for("is connected to Globex").await;
    for part in ["+15550000002", DED_PNID, "dedicated", "Globex", "synced"] {
        assert!(summary.contains(part), "{part}:\n{summary}");
    }
    assert_eq!(sim.registered(), [DED_PNID]);

    let stored = home.json(&["numbers", "list"]);
    let n = &stored.as_array().unwrap()[0];
    assert_eq!(n["tenant"], "Globex");
    assert_eq!(n["queue"], "Globex");
    assert_eq!(n["connection"], "dedicated");
    assert_eq!(n["connected_via"], "meta");
    assert_eq!(n["has_token"], true);

    // Another number? No: back at the start, Esc leaves.
    screen.press(KeyCode::Enter);
    screen
        .wait_until("both tenants", |f| {
            f.contains("+ New tenant") && f.contains("Acme") && f.contains("Globex")
        })
        .await;
    screen.press(KeyCode::Esc);
    let ended = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the wizard ends")
        .unwrap();
    assert!(ended.is_ok(), "{ended:?}");
    while let Ok(f) = screen.frames.try_recv() {
        screen.seen.push(f);
    }
    for frame in &screen.seen {
        assert!(!frame.contains(PIN), "the PIN was drawn:\n{frame}");
        assert!(!frame.contains(DED_TOKEN), "the token was drawn:\n{frame}");
    }
    assert!(!home.everything_printed().contains(DED_TOKEN));
}
