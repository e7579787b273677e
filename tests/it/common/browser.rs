//! A browser signup from the test's side: `wabox connect meta|kapso --json` running with its
//! link read, and the business's browser opening that link.

use super::Home;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::process::Child;

/// A `wabox connect … --json` running: its first event (the link) read, the rest collected.
pub struct Running {
    child: Child,
    pub link: Value,
    rest: std::thread::JoinHandle<String>,
}

/// Starts `wabox ARGS --json` and reads its link event.
pub fn start(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut all = args.to_vec();
    all.push("--json");
    let mut child = home.spawn(&all, env);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let link: Value = serde_json::from_str(&first).unwrap_or_else(|e| {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        panic!("no link event ({e}): {first} {err}")
    });
    assert_eq!(link["event"], "link", "{link}");
    let rest = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    Running { child, link, rest }
}

impl Running {
    pub fn short_url(&self) -> String {
        self.link["short_url"].as_str().unwrap().to_string()
    }

    pub fn id(&self) -> i64 {
        self.link["signup"]["id"].as_i64().unwrap()
    }

    /// Waits for the command; its exit status, the events it printed after the link, stderr.
    pub fn end(mut self) -> (bool, Vec<Value>, String) {
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let ok = self.child.wait().unwrap().success();
        let rest = self.rest.join().unwrap();
        let events = rest
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        (ok, events, err)
    }
}

pub fn event<'a>(events: &'a [Value], name: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["event"] == name)
        .unwrap_or_else(|| panic!("no {name} event: {events:?}"))
}

/// The business opens the link in a browser: every redirect followed, the last page's status
/// and text.
pub async fn open(url: &str) -> (u16, String) {
    let http = wabox_cloud::client_builder().build().unwrap();
    let r = http.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Opens the link but stops before the engine: the first redirect whose URL contains `engine_path`
/// (`/oauth/callback`, `/kapso/`).
pub async fn callback_of(url: &str, engine_path: &str) -> String {
    let http = wabox_cloud::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut at = url.to_string();
    loop {
        let r = http.get(&at).send().await.unwrap();
        let to = r.headers()["location"].to_str().unwrap().to_string();
        if to.contains(engine_path) {
            return to;
        }
        at = to;
    }
}
