//! The engine's files on a shared host (issue 13, items 4, 5, 6 and 11): only the socket is for
//! the team's group, whatever the umask; a command talking to a running engine writes nothing
//! of the engine's; the inbox's temp dir is checked; a flood of forged requests costs the log a
//! bounded number of lines.

use crate::common::users::Team;
use crate::common::*;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `wabox serve` started the way a careless service manager would: umask 000.
fn start_engine_under_umask_000(home: &Home) -> Engine {
    use std::os::unix::process::CommandExt;
    let mut command = home.command(&["serve"]);
    // SAFETY: umask is async-signal-safe and touches nothing but the child's own mask.
    unsafe {
        command.pre_exec(|| {
            nix::sys::stat::umask(nix::sys::stat::Mode::empty());
            Ok(())
        });
    }
    Engine::spawn(home, command)
}

/// Every entry under `dir` (not following links): path → lstat.
fn walk(dir: &Path) -> BTreeMap<PathBuf, std::fs::Metadata> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(p) = pending.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                pending.push(e.unwrap().path());
            }
        }
        out.insert(p, meta);
    }
    out
}

/// A program run as `user` (real uid, gid and groups), as a shell of theirs would.
fn as_user(user: &str, program: &str, args: &[&str]) -> Output {
    Command::new("setpriv")
        .arg(format!("--reuid={user}"))
        .arg(format!("--regid={}", users_gid(user)))
        .arg("--init-groups")
        .arg("--")
        .arg(program)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .expect("setpriv")
}

fn users_gid(user: &str) -> u32 {
    nix::unistd::User::from_name(user)
        .unwrap()
        .unwrap()
        .gid
        .as_raw()
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn assert_no_panic(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "a panic: {err}");
    assert!(!err.contains("panicked"), "a panic: {err}");
}

#[test]
fn under_umask_000_and_over_loose_old_files_only_the_socket_is_open_to_the_group() {
    let Some(mut team) = Team::new("files under umask 000") else {
        return;
    };
    let agent = team.member();
    let home = Home::for_team(&team).on_sqlite();
    // An older engine's data dir, left open to everyone.
    home.with_acme();
    home.ok(&["queues", "add", "Sales"]);
    std::fs::create_dir_all(home.data.join("media")).unwrap();
    std::fs::write(home.data.join("media/old.jpg"), b"customer photo").unwrap();
    std::fs::write(home.data.join("wabox.log"), b"old lines\n").unwrap();
    for entry in walk(&home.data).keys() {
        let dir = entry.is_dir();
        chmod(entry, if dir { 0o777 } else { 0o666 });
    }

    let engine = start_engine_under_umask_000(&home);
    home.ok(&["agents", "add", &agent, "--queue", "Sales"]);

    let me = nix::unistd::geteuid().as_raw();
    let group = nix::unistd::Group::from_name(&team.group)
        .unwrap()
        .unwrap()
        .gid
        .as_raw();
    let entries = walk(&home.data);
    for name in [
        "wabox.db",
        "wabox.db-wal",
        "wabox.log",
        "engine.lock",
        "keys/seal.key",
    ] {
        assert!(
            entries.contains_key(&home.data.join(name)),
            "no {name} in the data dir: {:?}",
            entries.keys()
        );
    }
    for (path, meta) in &entries {
        let mode = meta.mode() & 0o7777;
        assert_eq!(
            meta.uid(),
            me,
            "{} is not the engine user's",
            path.display()
        );
        if path == &home.data {
            assert_eq!(mode, 0o710, "the data dir");
            assert_eq!(meta.gid(), group, "the data dir's group");
        } else if path == &home.data.join("wabox.sock") {
            assert_eq!(mode, 0o660, "the socket");
        } else if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", path.display());
        } else {
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }

    // A member of the team reaches the socket, and nothing else.
    let out = home.run_as(&agent, &["conversations", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["wabox.db", "wabox.db-wal", "wabox.log", "media/old.jpg"] {
        let path = home.data.join(name);
        let out = as_user(&agent, "cat", &[path.to_str().unwrap()]);
        assert!(!out.status.success(), "{agent} read {name}");
    }
    let lock = home.data.join("engine.lock");
    let out = as_user(&agent, "flock", &["-n", lock.to_str().unwrap(), "true"]);
    assert!(
        !out.status.success(),
        "{agent} could hold the engine's lock"
    );
    drop(engine);
}

#[test]
fn doctor_names_a_mode_made_loose_after_start_with_its_chmod() {
    let home = Home::new().on_sqlite();
    let _engine = home.start_engine();
    home.with_acme();
    home.ok(&["queues", "add", "Sales"]);
    home.ok(&["queues", "assign", PNID, "Sales"]);
    let db = home.data.join("wabox.db");
    let before = home.run(&["doctor", "--offline"]);
    assert!(
        !String::from_utf8_lossy(&before.stdout).contains("FILES"),
        "a fresh engine's files are loose: {}",
        String::from_utf8_lossy(&before.stdout)
    );
    chmod(&db, 0o644);
    let out = home.run(&["doctor", "--offline"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains(&format!("{} has mode 644", db.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("fix: chmod 600 {}", db.display())),
        "{stdout}"
    );
    let json = home.run(&["doctor", "--offline", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        report["files"][0]["fix"],
        format!("chmod 600 {}", db.display())
    );
}

#[test]
fn an_agents_command_writes_nothing_of_the_engines_and_an_outsider_is_told_why() {
    let Some(mut team) = Team::new("commands write nothing") else {
        return;
    };
    let agent = team.member();
    let outsider = team.outsider();
    let home = Home::for_team(&team);
    let _engine = home.start_engine();
    home.with_sales_agents(&[&agent]);

    let not_the_store =
        |e: &BTreeMap<PathBuf, std::fs::Metadata>| -> BTreeMap<PathBuf, (u64, i64, u32, u32)> {
            e.iter()
                .filter(|(p, _)| !p.to_string_lossy().contains("wabox.db"))
                .map(|(p, m)| {
                    (
                        p.clone(),
                        (
                            m.len(),
                            m.mtime_nsec() + m.mtime() * 1_000_000_000,
                            m.mode(),
                            m.uid(),
                        ),
                    )
                })
                .collect()
        };
    // The engine's own start is done writing (on PostgreSQL it logs its lanes once it holds
    // its partitions, a moment after it answers): what changes after is the command's doing.
    let settled = |dir: &Path| {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = not_the_store(&walk(dir));
        loop {
            std::thread::sleep(Duration::from_millis(1500));
            let now = not_the_store(&walk(dir));
            if now == last || Instant::now() > deadline {
                return;
            }
            last = now;
        }
    };
    settled(&home.data);
    let before = walk(&home.data);
    let out = home.run_as(&agent, &["conversations"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_panic(&out);
    let after = walk(&home.data);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the command made or removed a file in the data dir"
    );
    assert_eq!(
        not_the_store(&before),
        not_the_store(&after),
        "the command changed the log, lock or key"
    );
    for (path, meta) in &after {
        assert_ne!(
            meta.uid(),
            nix::unistd::User::from_name(&agent)
                .unwrap()
                .unwrap()
                .uid
                .as_raw(),
            "{} is the agent's",
            path.display()
        );
    }

    let out = home.run_as(&outsider, &["conversations"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not open to you") && err.contains(&format!("`{}` group", team.group)),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn a_command_never_starts_an_engine_on_another_users_data_dir() {
    let Some(mut team) = Team::new("no engine on another's data dir") else {
        return;
    };
    let agent = team.member();
    let home = Home::for_team(&team);
    {
        let _engine = home.start_engine();
    }
    // The engine stopped: its data dir stays 0710 for the group, with no socket in it.
    let before = walk(&home.data);
    let out = home.run_as(&agent, &["conversations"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no engine answers"), "{err}");
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        walk(&home.data).keys().collect::<Vec<_>>()
    );
}

#[test]
fn an_inbox_temp_dir_made_by_another_user_is_not_used() {
    let Some(mut team) = Team::new("planted inbox temp dir") else {
        return;
    };
    let planter = team.outsider();
    let base = tempfile::tempdir().unwrap();
    chmod(base.path(), 0o1777);
    let me = nix::unistd::getuid().as_raw();
    let planted = base.path().join(format!("wabox-{me}"));
    let out = as_user(&planter, "mkdir", &["-m", "700", planted.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = wabox::tui::scratch::private_dir_in(base.path(), me).unwrap();
    assert_ne!(dir, planted);
    let meta = std::fs::symlink_metadata(&dir).unwrap();
    assert_eq!(meta.uid(), me);
    assert_eq!(meta.mode() & 0o777, 0o700);

    // And a link planted in its place points nowhere we write.
    std::fs::remove_dir(&planted).unwrap();
    let target = base.path().join("planters-own");
    std::fs::create_dir(&target).unwrap();
    std::os::unix::fs::symlink(&target, &planted).unwrap();
    let dir = wabox::tui::scratch::private_dir_in(base.path(), me).unwrap();
    assert!(
        !dir.starts_with(&target) && dir != planted,
        "{}",
        dir.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_forged_deliveries_costs_the_log_a_few_lines() {
    let home = Home::new();
    let engine = home.start_engine();
    let log = home.data.join("wabox.log");
    let refused_lines = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("refused"))
            .count()
    };
    let stderr_lines = || {
        std::fs::read_to_string(home.dir.path().join("engine-stderr.txt"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("refused"))
            .count()
    };
    let body = b"{\"object\":\"whatsapp_business_account\",\"entry\":[]}".to_vec();
    for _ in 0..100 {
        let posts = (0..50).map(|i| {
            let signature = match i % 3 {
                0 => None,
                1 => Some("sha256=zz".to_string()),
                _ => Some(format!("sha256={}", "0".repeat(64))),
            };
            engine.post(body.clone(), signature)
        });
        for status in futures_util::future::join_all(posts).await {
            assert!(status == 401, "{status}");
        }
    }
    // The log is written by a background thread: wait until the first line is there.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while refused_lines() == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let lines = refused_lines();
    assert!(
        (1..=3).contains(&lines),
        "{lines} log lines for 5,000 refusals"
    );
    let lines = stderr_lines();
    assert!(
        (1..=3).contains(&lines),
        "{lines} stderr lines for 5,000 refusals"
    );
    let health: serde_json::Value = engine
        .http
        .get(format!("http://{}/healthz", engine.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["refused"], 5000, "every refusal is still counted");
}
