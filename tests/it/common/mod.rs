//! Shared by the integration tests: the real binary, a real data dir, real HTTP on 127.0.0.1.
#![allow(dead_code)]

pub mod browser;
pub mod users;
pub mod world;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const APP_SECRET: &str = "test-app-secret-9f8e7d6c";
pub const VERIFY_TOKEN: &str = "test-verify-token-1a2b3c";
/// Shaped like a Meta token (hyphens keep secret scanners quiet) so a leak is easy to spot.
pub const ACCESS_TOKEN: &str = "EAA-TEST-TOKEN-zq7Xv3uN0pLw9YkR2sTbHc";

pub const PNID: &str = "106540352242922";
pub const WABA: &str = "104829357711032";
pub const DISPLAY: &str = "15550783881";

/// The first bytes of a JPEG file: what a file's type is told by.
pub const JPEG_HEAD: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wabox")
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn sign(body: &[u8]) -> String {
    wabox::webhook::signature::sign(APP_SECRET.as_bytes(), body)
}

/// A data dir and a config file (mode 0600) for one test.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub data: PathBuf,
    /// The PostgreSQL database this home's engines share, when the tests run on PostgreSQL
    /// (`WABOX_IT_STORE=postgres`) or a test asked for one.
    pub postgres: Option<wabox_store::testing::PgDatabase>,
}

impl Home {
    pub fn new() -> Home {
        Home::with_graph("https://graph.invalid")
    }

    /// A home whose engine talks to the Graph API at `base_url` (the simulator).
    pub fn with_graph(base_url: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[meta]\napp_id = \"{}\"\napp_secret = \"{APP_SECRET}\"\nverify_token = \"{VERIFY_TOKEN}\"\ngraph_base_url = \"{base_url}\"\nconfig_id = \"555000111\"\ndialog_base_url = \"{base_url}\"\n\n[webhook]\nlisten = \"127.0.0.1:0\"\n",
                wabox::sim::SIM_APP_ID
            ),
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        let data = dir.path().join("data");
        let mut home = Home {
            dir,
            config,
            data,
            postgres: None,
        };
        if std::env::var("WABOX_IT_STORE").is_ok_and(|s| s == "postgres") {
            home.use_postgres();
        }
        home
    }

    /// Points this home's config at the PostgreSQL store `url` (shared with other homes, say),
    /// in place of the one it named, if any.
    pub fn set_store_url(&self, url: &str) {
        // First in the file, so that what a test appends later lands in its own section.
        let rest = self.config_without_store();
        std::fs::write(&self.config, format!("[store]\nurl = \"{url}\"\n\n{rest}")).unwrap();
    }

    /// The config's text without the `[store]` section `set_store_url` put first, if any.
    fn config_without_store(&self) -> String {
        let text = std::fs::read_to_string(&self.config).unwrap();
        match text.strip_prefix("[store]\n") {
            Some(after) => after.split_once("\n\n").map_or("", |(_, r)| r).to_owned(),
            None => text,
        }
    }

    /// Points this home's config at a new PostgreSQL database of its own (`[store] url`), or
    /// returns false where the tests have no cluster (which the test is told, and says).
    pub fn use_postgres(&mut self) -> bool {
        let Some(database) = wabox_store::testing::postgres_database() else {
            return false;
        };
        // With its schema, as an installation's store is after its first start: a test's first
        // command does not also say that it made one.
        wabox_store::open_postgres(&database.url).expect("the schema on the tests' cluster");
        self.set_store_url(&database.url);
        self.postgres = Some(database);
        true
    }

    /// This home on the SQLite file in its data dir, whatever `WABOX_IT_STORE` says: for a test
    /// of that file itself (its modes, its backup and restore) or of the demo, which has no other.
    pub fn on_sqlite(mut self) -> Home {
        if self.postgres.take().is_some() {
            std::fs::write(&self.config, self.config_without_store()).unwrap();
        }
        self
    }

    /// A connection to this home's store, the SQLite file or the PostgreSQL database, for a
    /// test to look at what the engine kept (in SQLite's dialect, as the store's code is).
    pub fn open_store(&self) -> wabox_store::db::Connection {
        let Some(database) = &self.postgres else {
            let db = wabox_store::db::Connection::open_sqlite(self.data.join("wabox.db")).unwrap();
            // The engine may be writing.
            db.as_sqlite()
                .unwrap()
                .busy_timeout(Duration::from_secs(10))
                .unwrap();
            return db;
        };
        wabox_store::db::Connection::connect_postgres(&database.url).expect("the home's store")
    }

    /// Everything the store holds, as bytes: the SQLite file and its log, or every row of every
    /// table of the PostgreSQL database as PostgreSQL writes it out as text.
    pub fn stored_bytes(&self) -> Vec<Vec<u8>> {
        if self.postgres.is_none() {
            // The file must be there; its log may have been folded into it.
            return vec![
                std::fs::read(self.data.join("wabox.db")).unwrap(),
                std::fs::read(self.data.join("wabox.db-wal")).unwrap_or_default(),
            ];
        }
        let db = self.open_store();
        let tables: Vec<String> = db
            .prepare(
                "SELECT table_name FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(tables.iter().any(|t| t == "numbers"), "{tables:?}");
        tables
            .iter()
            .map(|t| {
                db.query_row(
                    &format!(
                        "SELECT COALESCE(string_agg(CAST(t AS TEXT), chr(10)), '') FROM \"{t}\" t"
                    ),
                    [],
                    |r| r.get::<_, String>(0),
                )
                .unwrap()
                .into_bytes()
            })
            .collect()
    }

    /// The name the metrics give this home's store (`wabox_store_info{backend=...}`).
    pub fn store_backend(&self) -> &'static str {
        if self.postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// A `wabox` command with this home's config and data dir, and no secrets from the environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env_remove("WABOX_ACCESS_TOKEN")
            .env_remove("WABOX_APP_SECRET")
            .env_remove("WABOX_VERIFY_TOKEN")
            .env_remove("WABOX_CONFIG")
            .env_remove("WABOX_DATA_DIR")
            // A login of the person running the tests (`wabox login`) must not send the
            // tests' commands elsewhere: the home's config dir is its own.
            .env_remove("WABOX_SERVER")
            .env_remove("WABOX_TOKEN")
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"));
        c
    }

    /// Runs a CLI command to completion, with empty stdin.
    /// A file of `len` bytes in this home, starting with `head` (a type's magic bytes); its path.
    pub fn file(&self, name: &str, head: &[u8], len: usize) -> String {
        let mut bytes = head.to_vec();
        bytes.resize(len, 0x2a);
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .expect("run wabox");
        record_output(&self.dir, &out);
        out
    }

    /// Runs a CLI command that must succeed and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "wabox {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must succeed or exit 3 (done, but something needs an admin).
    pub fn ok_or_attention(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            matches!(out.status.code(), Some(0 | 3)),
            "wabox {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a `--json` command and parses what it printed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {text}"))
    }

    /// Starts a command with these environment variables, stdout and stderr piped, stdin empty.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> Child {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Waits for a spawned command, recording what it printed like `run` does.
    pub fn finish(&self, child: Child) -> Output {
        let out = child.wait_with_output().unwrap();
        record_output(&self.dir, &out);
        out
    }

    /// Runs a command with `stdin` piped in.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        record_output(&self.dir, &out);
        out
    }

    /// The usual set-up: one tenant and the number of the reference payloads, with a token.
    pub fn with_acme(&self) -> &Self {
        self.ok(&["tenants", "add", "Acme"]);
        self.add_number("Acme", PNID, WABA, DISPLAY, "dedicated");
        self
    }

    pub fn add_number(
        &self,
        tenant: &str,
        pnid: &str,
        waba: &str,
        display: &str,
        connection: &str,
    ) {
        let out = self.run_with_stdin(
            &[
                "numbers",
                "add",
                "--tenant",
                tenant,
                "--phone-number-id",
                pnid,
                "--waba-id",
                waba,
                "--display-phone",
                display,
                "--connection",
                connection,
            ],
            ACCESS_TOKEN,
        );
        assert!(
            out.status.success(),
            "numbers add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `wabox connect manual …` with the token piped on stdin.
    pub fn connect_manual(&self, token: &str, args: &[&str]) -> Output {
        let mut all = vec!["connect", "manual"];
        all.extend_from_slice(args);
        self.run_with_stdin(&all, token)
    }

    pub fn start_engine(&self) -> Engine {
        Engine::start(self, &[])
    }

    pub fn start_engine_with_env(&self, env: &[(&str, &str)]) -> Engine {
        Engine::start(self, env)
    }

    pub fn conversations(&self) -> Vec<Value> {
        self.json(&["conversations"]).as_array().unwrap().clone()
    }

    pub fn messages(&self, conversation_id: i64) -> Vec<Value> {
        self.json(&["messages", &conversation_id.to_string()])
            .as_array()
            .unwrap()
            .clone()
    }

    /// Every message of every conversation.
    pub fn all_messages(&self) -> Vec<Value> {
        self.conversations()
            .iter()
            .flat_map(|c| self.messages(c["id"].as_i64().unwrap()))
            .collect()
    }

    pub fn message(&self, wamid: &str) -> Value {
        self.all_messages()
            .into_iter()
            .find(|m| m["wamid"] == wamid)
            .unwrap_or_else(|| panic!("no message {wamid}"))
    }

    /// The journal's entries `wabox journal <filter>` lists (`--all`, `--unrouted`...).
    pub fn journal(&self, filter: &str) -> Vec<Value> {
        match self.json(&["journal", filter]) {
            Value::Array(entries) => entries,
            other => panic!("journal {filter} printed no list: {other}"),
        }
    }

    /// Waits until the engine has processed every journaled delivery.
    pub fn wait_processed(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let pending = self.json(&["journal", "--pending"]);
            if pending.as_array().unwrap().is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "deliveries still pending: {pending}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything the engine logged, and everything commands printed, so far.
    pub fn everything_printed(&self) -> String {
        let mut all = std::fs::read_to_string(self.data.join("wabox.log")).unwrap_or_default();
        all.push_str(
            &std::fs::read_to_string(self.dir.path().join("outputs.txt")).unwrap_or_default(),
        );
        all.push_str(
            &std::fs::read_to_string(self.dir.path().join("engine-stderr.txt")).unwrap_or_default(),
        );
        all
    }
}

fn record_output(dir: &tempfile::TempDir, out: &Output) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join("outputs.txt"))
        .unwrap();
    f.write_all(&out.stdout).unwrap();
    f.write_all(&out.stderr).unwrap();
}

/// A running `wabox serve`, stopped (SIGTERM) when dropped.
pub struct Engine {
    pub child: Child,
    pub addr: String,
    pub http: reqwest::Client,
}

impl Engine {
    pub fn start(home: &Home, env: &[(&str, &str)]) -> Engine {
        let mut command = home.command(&["serve"]);
        for (k, v) in env {
            command.env(k, v);
        }
        Engine::spawn(home, command)
    }

    /// Starts `command` (a `wabox serve`, or a headless demo) and waits for its webhook address.
    pub fn spawn(home: &Home, mut command: Command) -> Engine {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(home.dir.path().join("engine-stderr.txt"))
            .unwrap();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start wabox serve");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| {
                    panic!(
                        "wabox serve exited early: see {}",
                        home.dir.path().display()
                    )
                })
                .unwrap();
            // `webhook: http://…` from `serve`; the demo's banner pads it into a column.
            if let Some(rest) = line.trim().strip_prefix("webhook:")
                && let Some(url) = rest.trim().strip_prefix("http://")
            {
                break url.trim_end_matches("/webhook").to_string();
            }
        };
        // Keep draining stdout so the engine never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Engine {
            child,
            addr,
            http: wabox_cloud::client_builder()
                .build()
                .expect("an HTTP client"),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/webhook", self.addr)
    }

    pub async fn post(&self, body: Vec<u8>, signature: Option<String>) -> u16 {
        let mut req = self
            .http
            .post(self.url())
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        req.send().await.expect("POST /webhook").status().as_u16()
    }

    /// Posts a correctly signed delivery and returns the status code.
    pub async fn deliver(&self, body: &[u8]) -> u16 {
        self.post(body.to_vec(), Some(sign(body))).await
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn stop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill9();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---- payload builders: the reference shapes, with the ids and times a test needs ----

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Wraps one change value into a delivery.
pub fn delivery(waba: &str, field: &str, value: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": waba, "changes": [{"value": value, "field": field}]}]
    }))
    .unwrap()
}

pub fn metadata(pnid: &str, display: &str) -> Value {
    json!({"display_phone_number": display, "phone_number_id": pnid})
}

/// A `messages` delivery with the given message objects from one customer.
pub fn inbound(
    pnid: &str,
    wa_id: Option<&str>,
    user_id: Option<&str>,
    name: &str,
    messages: Vec<Value>,
) -> Vec<u8> {
    let mut contact = json!({"profile": {"name": name}});
    if let Some(w) = wa_id {
        contact["wa_id"] = json!(w);
    }
    if let Some(u) = user_id {
        contact["user_id"] = json!(u);
    }
    delivery(
        WABA,
        "messages",
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(pnid, DISPLAY),
            "contacts": [contact],
            "messages": messages,
        }),
    )
}

/// A customer message object of `type` with its `content` object.
pub fn message(from: &str, wamid: &str, ts: i64, kind: &str, content: Value) -> Value {
    let mut m = json!({"from": from, "id": wamid, "timestamp": ts.to_string(), "type": kind});
    m[kind] = content;
    m
}

pub fn text(from: &str, wamid: &str, ts: i64, body: &str) -> Value {
    message(from, wamid, ts, "text", json!({"body": body}))
}

pub fn statuses(pnid: &str, statuses: Vec<Value>) -> Vec<u8> {
    delivery(
        WABA,
        "messages",
        json!({"messaging_product": "whatsapp", "metadata": metadata(pnid, DISPLAY), "statuses": statuses}),
    )
}

pub fn status(wamid: &str, status: &str, ts: i64) -> Value {
    json!({"id": wamid, "status": status, "timestamp": ts.to_string(), "recipient_id": "16505551234"})
}

pub fn echo(pnid: &str, to: &str, wamid: &str, ts: i64, body: &str) -> Vec<u8> {
    delivery(
        WABA,
        "smb_message_echoes",
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(pnid, DISPLAY),
            "message_echoes": [{"from": DISPLAY, "to": to, "id": wamid, "timestamp": ts.to_string(),
                                "type": "text", "text": {"body": body}}]
        }),
    )
}

/// The conversation (from `wabox conversations --json`) with this customer's wa_id or BSUID.
pub fn conversation_of<'a>(conversations: &'a [Value], id: &str) -> &'a Value {
    conversations
        .iter()
        .find(|c| c["contact"]["wa_id"] == id || c["contact"]["user_id"] == id)
        .unwrap_or_else(|| panic!("no conversation with {id} in {conversations:#?}"))
}

/// `WABOX_TEST_PG_BIN` (PostgreSQL's programs, for a test that runs servers of its own), or
/// `None` after saying `test` is skipped (as every PostgreSQL test does where the tests have no
/// cluster, and failing as they do under `WABOX_REQUIRE_PG`).
pub fn pg_bin(test: &str) -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("WABOX_TEST_PG_BIN").filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    wabox_store::testing::postgres_database()?;
    assert!(
        std::env::var_os("WABOX_REQUIRE_PG").is_none(),
        "WABOX_REQUIRE_PG is set but WABOX_TEST_PG_BIN is not: `.ci/postgres start` prints it"
    );
    eprintln!("{test}: skipped (WABOX_TEST_PG_BIN is not set; `.ci/postgres start` prints it)");
    None
}
