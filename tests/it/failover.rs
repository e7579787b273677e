//! A PostgreSQL primary and its standby (`pg_basebackup -R`, synchronous replication), through
//! the real binary: the primary is stopped in the middle of a stream of deliveries and the
//! standby promoted. While there is no primary the engine answers 503 (Meta retries), after
//! the promotion it acknowledges again, and every delivery it acknowledged is stored once:
//! with no primary for less than a lease, and for longer (the leases lapse and are taken
//! again). And a primary stopped while the engine takes its partitions over leaves none
//! worked without its take-over.
//!
//! The two servers are the test's own, in a temp dir, on Unix sockets only; the tests' shared
//! cluster (`WABOX_TEST_PG`) is not touched. The binaries are `WABOX_TEST_PG_BIN`'s.

use crate::common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wabox_store::db::Connection;

/// Deliveries sent at once, each retried until acknowledged.
const LANES: usize = 4;
/// Acknowledged before the primary is stopped, and again after the promotion.
const ACKED_BEFORE: usize = 30;
const ACKED_AFTER: usize = 30;
/// How long there is no primary (within a lease).
const OUTAGE: Duration = Duration::from_secs(3);
/// After the primary stopped, a commit it made just before may still be answered this late.
const GRACE: Duration = Duration::from_secs(1);

/// One PostgreSQL server of the test: its socket dir (which holds its data dir and log too)
/// and its port (only the socket's name: nothing listens on TCP).
struct Node {
    dir: PathBuf,
    port: u16,
}

impl Node {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A connection string to this server alone.
    fn conninfo(&self) -> String {
        format!(
            "host={} port={} user=postgres dbname=postgres",
            self.dir.display(),
            self.port
        )
    }
}

/// The primary and the standby, both stopped (`-m immediate`) when dropped.
struct Pair {
    bin: PathBuf,
    /// As root, the servers run as `postgres` (PostgreSQL refuses root).
    as_postgres: bool,
    primary: Node,
    standby: Node,
    root: tempfile::TempDir,
}

impl Pair {
    /// A PostgreSQL tool of `bin`, run as the servers' owner, with its output captured.
    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        c.stdin(Stdio::null())
            .env_remove("PGHOST")
            .env_remove("PGPORT");
        c
    }

    /// Runs a tool that must succeed.
    fn run(&self, name: &str, args: &[&str]) {
        let out = self.tool(name).args(args).output().expect(name);
        assert!(
            out.status.success(),
            "{name} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts a server on its own socket dir and port, waiting until it takes connections.
    /// `-l` sends the server's output to its log: `pg_ctl` returns with its pipes closed.
    fn start(&self, node: &Node, options: &str) {
        let data = node.data();
        let log = node.dir.join("server.log");
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c port={} -c fsync=off {options}",
            node.dir.display(),
            node.port
        );
        let out = self
            .tool("pg_ctl")
            .args([
                "-D",
                path(&data),
                "-l",
                path(&log),
                "-w",
                "start",
                "-o",
                &options,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn stop(&self, node: &Node) {
        let _ = self
            .tool("pg_ctl")
            .args(["-D", path(&node.data()), "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// Makes the primary, its standby from a base backup, and starts both; returns once the
    /// standby is the primary's synchronous one.
    async fn start_both(bin: PathBuf) -> Pair {
        let as_postgres = nix::unistd::geteuid().is_root();
        let root = tempfile::tempdir().unwrap();
        let mut ports = random_ports();
        let pair = Pair {
            bin,
            as_postgres,
            primary: Node {
                dir: root.path().join("a"),
                port: ports.next().unwrap(),
            },
            standby: Node {
                dir: root.path().join("b"),
                port: ports.next().unwrap(),
            },
            root,
        };
        // The servers' owner reaches the temp dir and owns their own dirs.
        set_mode(pair.root.path(), 0o755);
        for node in [&pair.primary, &pair.standby] {
            std::fs::create_dir(&node.dir).unwrap();
            set_mode(&node.dir, 0o755);
            if as_postgres {
                let chown = Command::new("chown")
                    .arg("postgres")
                    .arg(&node.dir)
                    .status()
                    .unwrap();
                assert!(chown.success(), "chown postgres {}", node.dir.display());
            }
        }
        let primary = &pair.primary;
        pair.run(
            "initdb",
            &[
                "-D",
                path(&primary.data()),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        // A commit is acknowledged only once the standby has it.
        pair.start(
            primary,
            "-c wal_level=replica -c max_wal_senders=5 -c synchronous_standby_names='*'",
        );
        let port = primary.port.to_string();
        pair.run(
            "pg_basebackup",
            &[
                "-R",
                "-D",
                path(&pair.standby.data()),
                "-h",
                path(&primary.dir),
                "-p",
                &port,
                "-U",
                "postgres",
                "--checkpoint=fast",
                "--no-sync",
            ],
        );
        // Not synchronous_standby_names: promoted, it has no standby to wait for.
        pair.start(&pair.standby, "");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let sync: i64 = query(&primary.conninfo(), |c| {
                c.query_row(
                    "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'",
                    [],
                    |r| r.get(0),
                )
            })
            .await;
            if sync == 1 {
                break;
            }
            assert!(Instant::now() < deadline, "the standby never caught up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        pair
    }

    /// A home whose engines are given both servers, with the usual tenant and number: they
    /// connect to whichever takes writes.
    fn home(&self) -> Home {
        let home = Home::new();
        home.set_store_url(&format!(
            "host={},{} port={},{} user=postgres dbname=postgres target_session_attrs=read-write",
            self.primary.dir.display(),
            self.standby.dir.display(),
            self.primary.port,
            self.standby.port
        ));
        home.with_acme();
        home
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.stop(&self.primary);
        self.stop(&self.standby);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Two distinct ports from a random range. A port is only the name of a socket here, in a dir
/// of each server's own, so no other server can hold it.
fn random_ports() -> impl Iterator<Item = u16> {
    let first = 20_000 + rand::random::<u16>() % 20_000;
    [first, first + 1].into_iter()
}

/// Waits until the engine works every partition: by its own account (`/metrics`), each taken
/// over and its lease renewed.
async fn wait_all_held(engine: &Engine, home: &Home) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut said = String::new();
    loop {
        if let Ok(answer) = engine
            .http
            .get(format!("http://{}/metrics", engine.addr))
            .send()
            .await
        {
            said = answer.text().await.unwrap_or_default();
            let held = said
                .lines()
                .find(|l| l.starts_with("wabox_partitions_held"))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|n| n.parse::<i64>().ok());
            if held == Some(wabox_store::cluster::PARTITIONS) {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the engine does not work every partition:\n{said}\n--- the engine's log ---\n{}",
            log_tail(home)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs a query on one server (through the seam, off the test's runtime).
async fn query<T: Send + 'static>(
    url: &str,
    f: impl FnOnce(&Connection) -> wabox_store::db::Result<T> + Send + 'static,
) -> T {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let conn = Connection::connect_postgres(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        f(&conn).unwrap()
    })
    .await
    .unwrap()
}

/// What the engine answered, and when.
#[derive(Default)]
struct Answers {
    /// Each acknowledged delivery's message, and when its 200 came.
    acked: Vec<(String, Instant)>,
    /// Every other answer: its status (0: no answer), and when.
    refused: Vec<(u16, Instant)>,
}

impl Answers {
    fn acked_after(&self, t: Instant) -> usize {
        self.acked.iter().filter(|(_, at)| *at > t).count()
    }
}

/// Sends distinct deliveries, one at a time, each retried (as Meta does) until a 200, until
/// `stop`.
async fn lane(
    url: String,
    next: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Answers>>,
) {
    let http = reqwest::Client::new();
    while !stop.load(Ordering::SeqCst) {
        let k = next.fetch_add(1, Ordering::SeqCst);
        let wamid = format!("wamid.failover.{k}");
        let customer = format!("5917000{:04}", k % 5);
        let body = inbound(
            PNID,
            Some(&customer),
            None,
            "Failover",
            vec![text(&customer, &wamid, now(), &format!("message {k}"))],
        );
        let first = Instant::now();
        loop {
            let answered = http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", sign(&body))
                .body(body.clone())
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .map_or(0, |r| r.status().as_u16());
            let at = Instant::now();
            if answered == 200 {
                answers.lock().unwrap().acked.push((wamid, at));
                break;
            }
            answers.lock().unwrap().refused.push((answered, at));
            if first.elapsed() > Duration::from_secs(60) {
                // The test's own deadlines fail first, and say more.
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The end of the engine's log, to show with a failure.
fn log_tail(home: &Home) -> String {
    let all = home.everything_printed();
    let start = all.len().saturating_sub(6000);
    let start = (start..all.len())
        .find(|i| all.is_char_boundary(*i))
        .unwrap_or(0);
    all[start..].to_owned()
}

/// Waits until `done` holds of the answers, or fails saying `what`.
async fn wait_for(
    answers: &Mutex<Answers>,
    home: &Home,
    within: Duration,
    what: &str,
    done: impl Fn(&Answers) -> bool,
) {
    let deadline = Instant::now() + within;
    loop {
        if done(&answers.lock().unwrap()) {
            return;
        }
        if Instant::now() > deadline {
            let a = answers.lock().unwrap();
            panic!(
                "{what} (within {within:?}): {} acknowledged, {} refused\n--- the engine's log ---\n{}",
                a.acked.len(),
                a.refused.len(),
                log_tail(home)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_promoted_after_the_primary_stops_loses_no_acknowledged_delivery() {
    if let Some(bin) = pg_bin("failover") {
        failover_in_a_stream(bin, OUTAGE).await;
    }
}

/// The same with no primary for longer than a lease: the engine's leases lapse meanwhile, and
/// it claims and takes its partitions over again once the standby is promoted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_promoted_after_the_leases_lapsed_loses_no_acknowledged_delivery() {
    if let Some(bin) = pg_bin("failover") {
        let lease = Duration::from_secs(wabox_engine::cluster::LEASE_SECONDS as u64);
        failover_in_a_stream(bin, lease + Duration::from_secs(1)).await;
    }
}

/// The engine's `GET /healthz`.
async fn healthz(engine: &Engine) -> reqwest::Response {
    engine
        .http
        .get(format!("http://{}/healthz", engine.addr))
        .send()
        .await
        .unwrap()
}

/// Deliveries sent through a failover with no primary for `outage`.
async fn failover_in_a_stream(bin: PathBuf, outage: Duration) {
    let began = Instant::now();
    let pair = Pair::start_both(bin).await;
    let set_up = began.elapsed();
    let home = pair.home();
    let engine = home.start_engine();
    // At work: every partition taken over (a primary stopping during the take-overs is the
    // last test's).
    wait_all_held(&engine, &home).await;

    let answers = Arc::new(Mutex::new(Answers::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let lanes: Vec<_> = (0..LANES)
        .map(|_| {
            tokio::spawn(lane(
                engine.url(),
                next.clone(),
                stop.clone(),
                answers.clone(),
            ))
        })
        .collect();
    wait_for(
        &answers,
        &home,
        Duration::from_secs(20),
        "deliveries acknowledged before the failover",
        |a| a.acked.len() >= ACKED_BEFORE,
    )
    .await;

    // The primary goes, in the middle of the stream.
    pair.stop(&pair.primary);
    let stopped = Instant::now();
    wait_for(
        &answers,
        &home,
        outage + Duration::from_secs(10),
        "refused while there is no primary",
        |a| a.refused.iter().any(|(_, at)| *at > stopped) && stopped.elapsed() >= outage,
    )
    .await;

    // Long enough without a store, the health check turns a load balancer away.
    if outage >= Duration::from_secs(6) {
        let health = healthz(&engine).await;
        assert_eq!(health.status().as_u16(), 503);
        let said: serde_json::Value = health.json().await.unwrap();
        assert_eq!(said["status"], "unavailable", "{said}");
        assert!(said["unavailable"].as_u64().unwrap() > 0, "{said}");
        assert!(said.get("backlog").is_none(), "a shared journal: {said}");
    }

    // The standby takes over; the engine finds it.
    let promoting = Instant::now();
    pair.run(
        "pg_ctl",
        &["-D", path(&pair.standby.data()), "-w", "promote"],
    );
    let promoted = Instant::now();
    wait_for(
        &answers,
        &home,
        Duration::from_secs(20),
        "acknowledged again after the promotion",
        |a| a.acked_after(promoted) > 0,
    )
    .await;
    let back_after = {
        let a = answers.lock().unwrap();
        a.acked
            .iter()
            .map(|(_, at)| *at)
            .filter(|at| *at > promoted)
            .min()
            .unwrap()
            - promoted
    };
    wait_for(
        &answers,
        &home,
        Duration::from_secs(20),
        "deliveries acknowledged after the promotion",
        |a| a.acked_after(promoted) >= ACKED_AFTER,
    )
    .await;
    let healthy = Instant::now() + Duration::from_secs(10);
    loop {
        if healthz(&engine).await.status().as_u16() == 200 {
            break;
        }
        assert!(
            Instant::now() < healthy,
            "/healthz not 200 again after the promotion"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for lane in lanes {
        lane.await.unwrap();
    }
    let answers = std::mem::take(&mut *answers.lock().unwrap());

    // No 200 while there was no primary, and nothing but 503 (Meta's cue to retry).
    let unexpected_acks: Vec<&(String, Instant)> = answers
        .acked
        .iter()
        .filter(|(_, at)| *at > stopped + GRACE && *at < promoting)
        .collect();
    assert!(
        unexpected_acks.is_empty(),
        "acknowledged with no primary: {unexpected_acks:?}"
    );
    let other: BTreeSet<u16> = answers
        .refused
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| *s != 503)
        .collect();
    assert!(
        other.is_empty(),
        "answered other than 200 or 503: {other:?}"
    );
    let refused = answers.refused.len();
    assert!(refused > 0);

    // Every acknowledged delivery's message is on the promoted standby, once, and nothing
    // waits in the journal.
    let acked: BTreeSet<String> = answers.acked.iter().map(|(w, _)| w.clone()).collect();
    assert_eq!(
        acked.len(),
        answers.acked.len(),
        "each delivery acknowledged once"
    );
    let promoted_url = pair.standby.conninfo();
    let deadline = Instant::now() + Duration::from_secs(30);
    let stored = loop {
        let (stored, pending): (Vec<String>, i64) = query(&promoted_url, |c| {
            let stored = c
                .prepare("SELECT wamid FROM messages WHERE wamid LIKE 'wamid.failover.%'")?
                .query_map([], |r| r.get(0))?
                .collect::<wabox_store::db::Result<_>>()?;
            let pending = c.query_row(
                "SELECT count(*) FROM journal WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )?;
            Ok((stored, pending))
        })
        .await;
        if pending == 0 && stored.len() >= acked.len() {
            break stored;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} stored, {pending} pending\n--- the engine's log ---\n{}",
            stored.len(),
            acked.len(),
            log_tail(&home)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // And it works every partition again.
    wait_all_held(&engine, &home).await;
    let distinct: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(distinct.len(), stored.len(), "no message stored twice");
    let missing: Vec<&String> = acked.difference(&distinct).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    let unsent: Vec<&String> = distinct.difference(&acked).collect();
    assert!(unsent.is_empty(), "stored but never sent: {unsent:?}");
    println!(
        "failover: set up in {set_up:?}; {} acknowledged, {refused} refused (503) in the {:?} \
         without a primary; acknowledged again {back_after:?} after the promotion; {:?} in all",
        acked.len(),
        promoting - stopped,
        began.elapsed()
    );
    drop(engine);
    drop(pair);
}

/// The primary stops while the engine is taking its partitions over: one take-over waits on
/// a row the test holds locked, and fails with the primary. The partitions it had claimed but
/// not taken over are still its own in the store, unlapsed, once the standby is promoted: they
/// are worked only after a take-over, which makes a send that was on its way at a previous
/// owner's uncertain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_claimed_as_the_primary_stops_is_taken_over_after_the_promotion() {
    let Some(bin) = pg_bin("failover") else {
        return;
    };
    let pair = Pair::start_both(bin).await;
    let home = pair.home();

    // A send on its way at an engine that is gone: queued, then claimed for the network.
    let first = home.start_engine();
    wait_all_held(&first, &home).await;
    let body = inbound(
        PNID,
        Some("59170000001"),
        None,
        "Failover",
        vec![text("59170000001", "wamid.takeover.1", now(), "hola")],
    );
    assert_eq!(first.deliver(&body).await, 200);
    home.wait_processed();
    drop(first);
    let conversation = home.conversations()[0]["id"].as_i64().unwrap().to_string();
    home.ok(&[
        "send",
        "--conversation",
        &conversation,
        "--text",
        "on its way",
    ]);
    let primary = pair.primary.conninfo();
    let send: i64 = query(&primary, |c| {
        c.query_row(
            "UPDATE outbox SET state = 'sending' WHERE state = 'queued' RETURNING id",
            [],
            |r| r.get(0),
        )
    })
    .await;

    // Its row locked, the take-over of its partition waits; the primary stops meanwhile.
    let lock = tokio::task::spawn_blocking({
        let primary = primary.clone();
        move || {
            let conn = Connection::connect_postgres(&primary).unwrap();
            conn.execute_batch("BEGIN").unwrap();
            conn.query_row(
                "SELECT id FROM outbox WHERE id = ?1 FOR UPDATE",
                [send],
                |r| r.get::<_, i64>(0),
            )
            .unwrap();
            conn
        }
    })
    .await
    .unwrap();
    let engine = home.start_engine();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: i64 = query(&primary, |c| {
            c.query_row(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
                [],
                |r| r.get(0),
            )
        })
        .await;
        if waiting > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the take-over never reached the locked row\n--- the engine's log ---\n{}",
            log_tail(&home)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pair.stop(&pair.primary);
    tokio::task::spawn_blocking(move || drop(lock))
        .await
        .unwrap();
    // Promoted well within a lease: what the engine claimed has not lapsed.
    pair.run(
        "pg_ctl",
        &["-D", path(&pair.standby.data()), "-w", "promote"],
    );
    let promoted = Instant::now();

    let standby = pair.standby.conninfo();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let state: String = query(&standby, move |c| {
            c.query_row("SELECT state FROM outbox WHERE id = ?1", [send], |r| {
                r.get(0)
            })
        })
        .await;
        if state == "uncertain" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the send is still {state}: its partition is worked without a take-over\n\
             --- the engine's log ---\n{}",
            log_tail(&home)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_all_held(&engine, &home).await;
    println!(
        "failover: taken over {:?} after the promotion",
        promoted.elapsed()
    );
    drop(engine);
}
