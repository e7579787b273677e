//! `wabox watch` through the real binary: an agent follows only the conversations they may see,
//! a customer's escape is shown and not run, and the watch ends when the engine does.

use crate::common::*;
use crate::team::{PNID_B, team};
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running `wabox watch`, its lines as they come.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    fn start(home: &Home, args: &[&str]) -> Watch {
        let mut child = home.spawn(args, &[]);
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Watch { child, lines }
    }

    /// The lines printed until one contains `text`.
    fn until(&self, text: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut got = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                let done = line.contains(text);
                got.push(line);
                if done {
                    return got;
                }
            }
        }
        panic!("no line with {text:?} in {got:#?}");
    }
}

impl Watch {
    /// How the watch ended (within 20 s), and what it said on stderr.
    fn ended(&mut self) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut said = String::new();
                use std::io::Read;
                self.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut said)
                    .unwrap();
                return (status, said);
            }
            assert!(
                Instant::now() < deadline,
                "the watch went on without its engine"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn say(engine: &Engine, pnid: &str, who: &str, wamid: &str, body: &str) {
    let delivery = inbound(
        pnid,
        Some(who),
        None,
        "Customer",
        vec![text(who, wamid, now(), body)],
    );
    assert_eq!(engine.deliver(&delivery).await, 200);
}

/// Customers write to Sales until `watch` shows one: it is subscribed from then on.
async fn wait_subscribed(engine: &Engine, watch: &Watch) {
    for n in 0..100 {
        say(
            engine,
            PNID,
            "16505550001",
            &format!("wamid.WARM.{n}"),
            "warm-up",
        )
        .await;
        if let Ok(line) = watch.lines.recv_timeout(Duration::from_millis(200)) {
            assert!(line.contains("warm-up"), "{line}");
            return;
        }
    }
    panic!("the watch never showed a message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_watches_their_queues_only_and_a_customers_escape_is_shown_not_run() {
    let home = Home::new();
    let mut engine = home.start_engine();
    team(&home, &engine).await;
    let alice = Watch::start(&home, &["--as", "alice", "watch", "--json"]);
    let mut admin = Watch::start(&home, &["watch"]);
    wait_subscribed(&engine, &alice).await;
    admin.until("warm-up");

    // First to Support (bob's queue), then to Sales: alice's watch has Sales' message and
    // never Support's, which came before it.
    say(&engine, PNID_B, "16505550002", "wamid.W.BOB", "for bob").await;
    say(
        &engine,
        PNID,
        "16505550001",
        "wamid.W.ALICE",
        "for alice \u{1b}[31m",
    )
    .await;
    let seen = alice.until("for alice");
    assert!(!seen.iter().any(|l| l.contains("for bob")), "{seen:#?}");
    let event: serde_json::Value = serde_json::from_str(seen.last().unwrap()).unwrap();
    assert_eq!(event["event"], "message");
    assert_eq!(event["new"], true);
    assert_eq!(event["message"]["wamid"], "wamid.W.ALICE");
    assert_eq!(event["message"]["direction"], "in");
    assert_eq!(
        event["message"]["text"], "for alice \u{1b}[31m",
        "JSON is exact"
    );
    assert_eq!(event["conversation"]["contact"], "Customer");
    // Shaped as every --json answer (json_shape.rs): times in RFC 3339.
    let at = event["message"]["at"].as_str().expect("a time");
    assert!(at.ends_with('Z') && at.contains('T'), "{at}");

    // The admin sees both, the escape made visible.
    let lines = admin.until("for alice");
    assert!(lines.iter().any(|l| l.contains("for bob")), "{lines:#?}");
    let last = lines.last().unwrap();
    assert!(
        !last.contains('\u{1b}'),
        "an escape reached the terminal: {last:?}"
    );
    assert!(
        last.contains("<- #") && last.contains("(Customer)"),
        "{last}"
    );

    // The engine stops: so does the watch, saying so, with a failure's status.
    engine.stop();
    let (status, said) = admin.ended();
    assert!(!status.success(), "{said}");
    assert!(said.contains("the engine stopped"), "{said}");
}
