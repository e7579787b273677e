//! `wabox watch` through the real binary: an agent follows only the conversations they may see,
//! a customer's escape is shown and not run, and the watch waits out an engine restart.

use crate::common::*;
use crate::team::{PNID_B, team};
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running `wabox watch`, its lines (and those it says on stderr) as they come.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
    said: mpsc::Receiver<String>,
}

/// A thread sending each line of `from` as it comes.
fn lines_of(from: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    lines
}

/// The lines `from` gives until one contains `text`.
fn until(from: &mpsc::Receiver<String>, text: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = from.recv_timeout(Duration::from_millis(100)) {
            let done = line.contains(text);
            got.push(line);
            if done {
                return got;
            }
        }
    }
    panic!("no line with {text:?} in {got:#?}");
}

impl Watch {
    fn start(home: &Home, args: &[&str]) -> Watch {
        let mut child = home.spawn(args, &[]);
        let lines = lines_of(child.stdout.take().unwrap());
        let said = lines_of(child.stderr.take().unwrap());
        Watch { child, lines, said }
    }

    /// The lines printed until one contains `text`.
    fn until(&self, text: &str) -> Vec<String> {
        until(&self.lines, text)
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
    let admin = Watch::start(&home, &["watch"]);
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

    // The engine stops and comes back (a deploy): the watch waits, then goes on, saying that
    // what happened in between could not be had (the new engine does not know the old one's
    // changes).
    engine.stop();
    until(&admin.said, "waiting for it");
    let engine = home.start_engine();
    until(&admin.said, "the engine is back");
    say(
        &engine,
        PNID,
        "16505550001",
        "wamid.W.AFTER",
        "after the restart",
    )
    .await;
    let lines = admin.until("after the restart");
    assert!(
        lines.iter().any(|l| l.contains("changes were missed")),
        "{lines:#?}"
    );
}
