//! The PostgreSQL side of `bench ingest --store`: a scratch database on the server named, the
//! bench's tenants and numbers in it, `wabox serve` child processes sharing it, and the
//! queries that watch them (journal backlog, lease holders, the check of the stored rows).
//!
//! Engines are child processes rather than engines started in this process: each has its own
//! runtime, threads and connections, as in production, its CPU is its own in /proc, and one
//! can be killed with SIGKILL, which is what the takeover measures.

use crate::bench::deliveries;
use crate::config::Config;
use crate::engine::api::Caller;
use crate::engine::lock::{EngineLock, Holder};
use crate::engine::{Engine, EngineMode};
use crate::protocol::Request;
use crate::secret::Secret;
use crate::store::db::Connection;
use anyhow::Context as _;
use base64::Engine as _;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

/// Runs `f` on a connection of its own to `url`, off the async threads.
pub async fn query<T: Send + 'static>(
    url: &str,
    f: impl FnOnce(&Connection) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let conn = Connection::connect_postgres(&url)
            .map_err(|e| anyhow::anyhow!("connecting to the store: {e}"))?;
        f(&conn)
    })
    .await?
}

/// `url` naming database `name` instead of its own: a `postgres://` URL's path, or a
/// `dbname=` word appended to key=value words (the last one counts).
pub fn with_database(url: &str, name: &str) -> String {
    let url = url.trim();
    if let Some((scheme, rest)) = url.split_once("://")
        && scheme.starts_with("postgres")
    {
        // scheme://authority[/database][?query]: the authority ends at the first / or ?.
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, after) = rest.split_at(end);
        let query = after.find('?').map_or("", |q| &after[q..]);
        format!("{scheme}://{authority}/{name}{query}")
    } else {
        format!("{url} dbname={name}")
    }
}

/// The database one engine count runs on: a scratch one made beside the one named (dropped
/// with this guard), or, where the user may not create databases, the one named if empty.
pub struct BenchDatabase {
    /// The connection string of the database the engines use.
    pub url: String,
    /// What the report says of it.
    pub what: String,
    /// To drop the scratch database: the connection string it was made through, and its name.
    scratch: Option<(String, String)>,
}

impl BenchDatabase {
    pub async fn make(given: &str) -> anyhow::Result<BenchDatabase> {
        let name = format!(
            "wabox_bench_{}_{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let created = {
            let name = name.clone();
            query(given, move |c| {
                Ok(c.execute_batch(&format!("CREATE DATABASE {name}")))
            })
            .await?
        };
        match created {
            Ok(()) => Ok(BenchDatabase {
                url: with_database(given, &name),
                what: format!("scratch database {name}, dropped at the end"),
                scratch: Some((given.to_owned(), name)),
            }),
            Err(e) => {
                let tables: i64 = query(given, |c| {
                    Ok(c.query_row(
                        "SELECT count(*) FROM pg_tables
                         WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
                        [],
                        |r| r.get(0),
                    )?)
                })
                .await?;
                if tables > 0 {
                    anyhow::bail!(
                        "could not create a scratch database ({e}), and the database --store names holds {tables} tables: give an empty database, or a user who may CREATE DATABASE"
                    );
                }
                Ok(BenchDatabase {
                    url: given.trim().to_owned(),
                    what: "the empty database given (left with the bench's rows)".into(),
                    scratch: None,
                })
            }
        }
    }

    /// Drops the scratch database (its connections too).
    pub async fn drop_now(mut self) {
        if let Some((admin, name)) = self.scratch.take() {
            let _ = query(&admin, move |c| {
                Ok(c.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?)
            })
            .await;
        }
    }
}

impl Drop for BenchDatabase {
    /// Interrupted (Ctrl-C drops the bench's future): the scratch database goes all the same.
    fn drop(&mut self) {
        if let Some((admin, name)) = self.scratch.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(c) = Connection::connect_postgres(&admin) {
                    let _ =
                        c.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            })
            .join();
        }
    }
}

/// The PostgreSQL server's settings that decide what a commit costs, as `name=value`: also how
/// often checkpoints and autovacuum come (a run that meets either applies up to a third slower:
/// README, "Speed").
pub async fn server_settings(url: &str) -> anyhow::Result<String> {
    query(url, |c| {
        let mut s = Vec::new();
        for name in [
            "server_version",
            "fsync",
            "synchronous_commit",
            "full_page_writes",
            "wal_sync_method",
            "shared_buffers",
            "max_wal_size",
            "wal_compression",
            "commit_delay",
            "autovacuum_naptime",
            "autovacuum_vacuum_cost_delay",
        ] {
            let v: String = c.query_row(&format!("SELECT current_setting('{name}')"), [], |r| {
                r.get(0)
            })?;
            s.push(format!("{name}={v}"));
        }
        Ok(s.join(" "))
    })
    .await
}

/// The name of the tenant number `n` belongs to, with `tenants` tenants.
pub fn tenant_of(n: u64, tenants: u64) -> String {
    if tenants <= 1 {
        deliveries::TENANT.to_owned()
    } else {
        format!("{} {:02}", deliveries::TENANT, n % tenants)
    }
}

/// Makes the schema, the tenants and their numbers through an engine run in this process
/// (as a command that finds no engine does), sealing with `seal_key`; the partitions the
/// numbers' tenants fall in.
pub async fn prepare_store(
    dir: &Path,
    url: &str,
    seal_key: &[u8; 32],
    numbers: u64,
    tenants: u64,
) -> anyhow::Result<Vec<i64>> {
    crate::engine::ensure_data_dir(dir)?;
    write_seal_key(dir, seal_key)?;
    let mut config = Config::loopback(dir, None, None, "http://127.0.0.1:9");
    config.store_url = Some(Secret::new(url));
    let lock = EngineLock::acquire(dir, Holder::OneShot, Duration::ZERO)?;
    let engine = Engine::start(config, EngineMode::InProcess)?;
    let caller = Caller::current();
    let added = async {
        for t in 0..tenants.clamp(1, numbers) {
            engine
                .handle(
                    &caller,
                    Request::AddTenant {
                        name: tenant_of(t, tenants),
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("adding a bench tenant: {e}"))?;
        }
        for n in 0..numbers {
            super::engine::add_number(&engine, &caller, n, tenant_of(n, tenants)).await?;
        }
        anyhow::Ok(())
    }
    .await;
    tokio::task::spawn_blocking(move || engine.shutdown()).await?;
    drop(lock);
    added?;
    query(url, |c| {
        Ok(
            c.prepare("SELECT DISTINCT tenant_id % 64 FROM numbers ORDER BY 1")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()?,
        )
    })
    .await
}

/// The seal key every engine of the run shares (tokens sealed by one open at the others).
fn write_seal_key(dir: &Path, key: &[u8; 32]) -> anyhow::Result<()> {
    let keys = dir.join("keys");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&keys)?;
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o700))?;
    let path = keys.join("seal.key");
    let _ = std::fs::remove_file(&path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    std::io::Write::write_all(&mut f, key)?;
    Ok(())
}

/// One `wabox serve` child process on the shared store.
pub struct ChildEngine {
    child: tokio::process::Child,
    pub pid: u32,
    pub addr: SocketAddr,
    /// Its name in the store (`engines.id`, the owner of its leases), once known.
    pub id: Option<String>,
    pub killed: bool,
}

/// What every engine of a run is given.
pub struct EngineSetup<'a> {
    /// The `wabox` binary to run `serve` with.
    pub exe: &'a Path,
    pub url: &'a str,
    pub app_secret: &'a str,
    pub seal_key: &'a [u8; 32],
}

impl ChildEngine {
    /// Starts engine `k` in its own data dir under `root`, and waits for its webhook address.
    pub async fn start(root: &Path, k: usize, s: &EngineSetup<'_>) -> anyhow::Result<ChildEngine> {
        let dir = root.join(format!("engine-{k}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)?;
        let config = dir.join("config.toml");
        // Nothing secret in the file: the secrets and the store's address come by environment.
        // The Graph API is a closed port on loopback: nothing leaves the machine.
        std::fs::write(
            &config,
            "[meta]\ngraph_base_url = \"http://127.0.0.1:9\"\n\n[webhook]\nlisten = \"127.0.0.1:0\"\n",
        )?;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600))?;
        let stderr = std::fs::File::create(dir.join("stderr.txt"))?;
        let mut child = tokio::process::Command::new(s.exe)
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("WABOX_CONFIG")
            .env_remove("WABOX_DATA_DIR")
            .env_remove("WABOX_ACCESS_TOKEN")
            .env_remove("WABOX_KAPSO_API_KEY")
            .env_remove("WABOX_MOVABLE_CLOCK")
            .env("WABOX_STORE_URL", s.url)
            .env("WABOX_APP_SECRET", s.app_secret)
            .env("WABOX_VERIFY_TOKEN", "wabox-bench-verify")
            .env(
                "WABOX_SEAL_KEY",
                base64::engine::general_purpose::STANDARD.encode(s.seal_key),
            )
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .context("starting wabox serve")?;
        let pid = child.id().unwrap_or(0);
        let stdout = child.stdout.take().context("the engine's stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let shown = dir.join("stderr.txt");
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                match lines.next_line().await? {
                    Some(line) => {
                        if let Some(rest) = line.trim().strip_prefix("webhook: http://") {
                            break rest
                                .trim_end_matches("/webhook")
                                .parse::<SocketAddr>()
                                .context("the engine's webhook address");
                        }
                    }
                    None => {
                        anyhow::bail!("engine {k} exited at its start: see {}", shown.display())
                    }
                }
            }
        })
        .await
        .map_err(|_| anyhow::anyhow!("engine {k} did not start within 60 s"))??;
        // Keep draining its stdout, so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(ChildEngine {
            child,
            pid,
            addr,
            id: None,
            killed: false,
        })
    }

    /// SIGKILL, as a crash or an OOM kill would end it: no lease given back, nothing flushed.
    pub async fn kill(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        self.killed = true;
    }

    /// SIGTERM, then waits for it to give its leases back and exit (SIGKILL after 30 s).
    pub async fn stop(mut self) {
        if self.killed {
            return;
        }
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        if tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}

/// Leases held now (not lapsed), by owner.
pub fn holders(c: &Connection) -> anyhow::Result<Vec<(String, i64)>> {
    Ok(c.prepare(
        "SELECT owner, count(*) FROM partition_leases
         WHERE expires_at > clock_timestamp() AND owner IS NOT NULL GROUP BY owner",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect::<Result<Vec<_>, _>>()?)
}

/// Waits until every engine has its name in the store and the 64 partitions are held, each
/// engine holding its share give or take one; the seconds it took (None: not within 60 s).
pub async fn wait_for_shares(
    url: &str,
    engines: &mut [ChildEngine],
) -> anyhow::Result<Option<f64>> {
    let pids: Vec<i64> = engines.iter().map(|e| i64::from(e.pid)).collect();
    let (ids, settled) = query(url, move |c| {
        let started = Instant::now();
        let n = pids.len() as i64;
        let fair = crate::store::cluster::PARTITIONS / n;
        let mut ids: Vec<Option<String>> = vec![None; pids.len()];
        while started.elapsed() < Duration::from_secs(60) {
            for (i, pid) in pids.iter().enumerate() {
                if ids[i].is_none() {
                    ids[i] = c
                        .query_row(
                            "SELECT id FROM engines WHERE pid = ?1 AND stopped = 0
                             ORDER BY seen_at DESC LIMIT 1",
                            [*pid],
                            |r| r.get(0),
                        )
                        .ok();
                }
            }
            let h = holders(c)?;
            let held: i64 = h.iter().map(|(_, k)| k).sum();
            let shared = ids.iter().all(|id| {
                id.as_ref()
                    .is_some_and(|id| h.iter().any(|(owner, k)| owner == id && *k >= fair - 1))
            });
            if held == crate::store::cluster::PARTITIONS && shared {
                return Ok((ids, Some(started.elapsed().as_secs_f64())));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok((ids, None))
    })
    .await?;
    for (e, id) in engines.iter_mut().zip(ids) {
        e.id = id;
    }
    Ok(settled)
}

/// CPU seconds (user + system) of a process, and of its children it has waited for.
fn cpu_with_reaped(pid: u32) -> Option<(f64, f64, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let close = text.rfind(')')?;
    let f: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After the name: state (3), ppid (4) … utime (14), stime (15), cutime (16), cstime (17).
    let num = |i: usize| f.get(i - 3).and_then(|v| v.parse::<f64>().ok());
    let tick = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|t| *t > 0)
        .map_or(100.0, |t| t as f64);
    let own = (num(14)? + num(15)?) / tick;
    let reaped = (num(16)? + num(17)?) / tick;
    Some((own, reaped, num(4)? as u32))
}

/// The local PostgreSQL server's processes: its postmaster, found as the parent of the backend
/// serving `c` (None when the server is on another machine or /proc does not show it).
pub fn postmaster_of(c: &Connection) -> Option<u32> {
    let backend: i32 = c
        .query_row("SELECT pg_backend_pid()", [], |r| r.get(0))
        .ok()?;
    let (_, _, ppid) = cpu_with_reaped(backend as u32)?;
    Some(ppid)
}

/// CPU seconds of the server so far: the postmaster, its live processes, and those it reaped.
pub fn server_cpu(postmaster: u32) -> f64 {
    let Some((own, reaped, _)) = cpu_with_reaped(postmaster) else {
        return 0.0;
    };
    let mut total = own + reaped;
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for p in procs.flatten() {
            let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Some((own, _, ppid)) = cpu_with_reaped(pid)
                && ppid == postmaster
            {
                total += own;
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_database_is_named_in_either_form() {
        assert_eq!(
            with_database("postgres://u:p@db:5432/wabox?sslmode=disable", "x"),
            "postgres://u:p@db:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://u@db", "x"),
            "postgresql://u@db/x"
        );
        assert_eq!(
            with_database("postgres://u@/wabox?host=/run/pg", "x"),
            "postgres://u@/x?host=/run/pg"
        );
        assert_eq!(
            with_database("host=/tmp/pg user=postgres dbname=postgres", "x"),
            "host=/tmp/pg user=postgres dbname=postgres dbname=x"
        );
    }
}
