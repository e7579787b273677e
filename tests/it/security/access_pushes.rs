//! Which pushed events reach whom between two tenants, read by a subscriber on the engine's
//! socket running as each real Unix user.

use super::access::{BETA_DISPLAY, BETA_PNID, BETA_WABA, acme_conversation, two_tenants};
use crate::common::users::uid_of;
use crate::common::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A subscriber on the engine's socket as `user`: each line it reads, as it comes.
struct Subscriber {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<Value>,
}

/// The system's Python (root's own, if any, is out of other users' reach).
const PYTHON: &str = "/usr/bin/python3";

const SUBSCRIBE: &str = r#"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"id":1,"request":{"op":"subscribe"}}\n')
for line in s.makefile("r"):
    sys.stdout.write(line)
    sys.stdout.flush()
"#;

impl Subscriber {
    fn start(home: &Home, user: &str) -> Subscriber {
        let gid = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid_of(user)))
            .unwrap()
            .unwrap()
            .gid
            .as_raw();
        let mut child = Command::new("setpriv")
            .arg(format!("--reuid={user}"))
            .arg(format!("--regid={gid}"))
            .arg("--init-groups")
            .arg("--")
            .arg(PYTHON)
            .arg("-c")
            .arg(SUBSCRIBE)
            .arg(home.data.join("wabox.sock"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 subscriber");
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut subscriber = Subscriber {
            child,
            lines,
            seen: Vec::new(),
        };
        let answer = subscriber.until(|v| v["id"] == 1);
        assert_eq!(answer["ok"]["kind"], "subscribed", "{answer}");
        subscriber
    }

    /// Reads until a line matches; everything read is kept in `seen`.
    fn until(&mut self, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("nothing matched; read: {:#?}", self.seen));
            let value: Value = serde_json::from_str(&line).unwrap();
            self.seen.push(value.clone());
            if matches(&value) {
                return value;
            }
        }
    }

    /// Everything pushed so far.
    fn pushes(&self) -> Vec<&Value> {
        self.seen
            .iter()
            .filter_map(|v| v.get("push"))
            .collect::<Vec<_>>()
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A push telling of a directory change.
fn directory(v: &Value) -> bool {
    v["push"]["directory"] == true
}

/// A push carrying a message of this conversation.
fn message_of(v: &Value, conversation: i64) -> bool {
    v["push"]["messages"]
        .as_array()
        .is_some_and(|m| m.iter().any(|m| m["conversation_id"] == conversation))
}

/// A push carrying this conversation's row, with its assignee.
fn row_of(v: &Value, conversation: i64, assignee: &str) -> bool {
    v["push"]["conversations"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["id"] == conversation && c["assignee"] == assignee)
    })
}

/// Every conversation id a push names.
fn conversation_ids(push: &Value) -> Vec<i64> {
    let of = |key: &str, field: &str| {
        push[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| {
                if field.is_empty() {
                    v.as_i64()
                } else {
                    v[field].as_i64()
                }
            })
            .collect::<Vec<_>>()
    };
    let mut ids = of("conversations", "id");
    ids.extend(of("messages", "conversation_id"));
    ids.extend(of("gone", ""));
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_only_who_may_see_them_and_assignment_stays_in_the_tenant() {
    if !std::path::Path::new(PYTHON).exists() {
        eprintln!("skipped: needs {PYTHON} (the socket subscriber is a Python script)");
        return;
    }
    let Some(t) = two_tenants("events by scope", true) else {
        return;
    };
    let home = &t.home;
    let mut beta = Subscriber::start(home, &t.beta_agent);
    let mut acme = Subscriber::start(home, &t.acme_agent);
    // A directory change reaches everyone: once each has it, each is surely subscribed.
    home.ok(&["queues", "add", "Ready", "--tenant", "Beta"]);
    beta.until(directory);
    acme.until(directory);

    let id = acme_conversation(&t, "16505550202", "wamid.EVENTS1").await;
    // Acme's agent hears of it, and (the only one of Sales online) is given it.
    acme.until(|v| message_of(v, id));
    let mine = home.json(&["--as", &t.acme_agent, "conversations"]);
    assert_eq!(
        conversation_of(mine.as_array().unwrap(), "16505550202")["assignee"],
        t.acme_agent.as_str()
    );
    // The row that says so came in the same push as the message, or comes after it.
    if !acme.seen.iter().any(|v| row_of(v, id, &t.acme_agent)) {
        acme.until(|v| row_of(v, id, &t.acme_agent));
    }
    // Then a message to Beta's number: every event about Acme's came before it.
    let customer = "16505550303";
    let body = delivery(
        BETA_WABA,
        "messages",
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(BETA_PNID, BETA_DISPLAY),
            "contacts": [{"profile": {"name": "Beta's customer"}, "wa_id": customer}],
            "messages": [text(customer, "wamid.EVENTS2", now(), "hi Beta")],
        }),
    );
    assert_eq!(t.engine.deliver(&body).await, 200);
    home.wait_processed();
    let theirs = conversation_of(&home.conversations(), customer)["id"]
        .as_i64()
        .unwrap();
    beta.until(|v| message_of(v, theirs));
    for push in beta.pushes() {
        assert!(
            !conversation_ids(push).contains(&id) && push.get("journal").is_none(),
            "Beta's agent heard of Acme's {push}"
        );
    }
    // Agents never hear the journal's ids, whichever tenant they are of.
    assert!(
        acme.pushes().iter().all(|p| p.get("journal").is_none()),
        "{:?}",
        acme.pushes()
    );
    // And Beta's conversation went to no one of Acme's (Support does not assign).
    let beta_view = home.json(&["--as", &t.beta_agent, "conversations"]);
    assert_eq!(
        conversation_of(beta_view.as_array().unwrap(), customer)["assignee"],
        Value::Null
    );
}
