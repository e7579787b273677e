//! A PostgreSQL host that dies without closing its connections (power, a network cut), through
//! the real binary: the engine finds out within seconds (`store::db::pg_dead_peer`), not after
//! TCP's own fifteen minutes of retransmissions, so it can connect to a promoted standby.
//!
//! The host's death is the loopback going down in a network namespace of the test's own (root
//! only): the server, on 127.0.0.1 there, gets no more packets and sends none, and nothing
//! tells the engine. The namespace is a thread's (namespaces are per thread in Linux, and what
//! a thread starts inherits its own), so the other tests keep theirs.

use crate::common::users::need_root;
use crate::common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// TCP's user timeout the engine sets (15 s), a lease renewal's wait (2 s), and room.
const FOUND_OUT_WITHIN: Duration = Duration::from_secs(40);

#[test]
fn a_store_host_that_goes_silent_is_given_up_on_within_seconds() {
    if !need_root("dead_host") {
        return;
    }
    let Some(bin) = pg_bin("dead_host") else {
        return;
    };
    let took = std::thread::spawn(move || in_a_namespace_of_its_own(&bin))
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
    eprintln!("the engine gave up on the silent store after {took:?}");
}

/// Runs the server and the engine on this thread's own loopback, takes the loopback down, and
/// returns how long the engine took to say its store stopped answering.
fn in_a_namespace_of_its_own(bin: &Path) -> Duration {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("a network namespace");
    ip(&["link", "set", "lo", "up"]);
    let server = Server::start(bin);
    // A store of its own on this thread's 127.0.0.1, whatever WABOX_IT_STORE says.
    let home = Home::new().on_sqlite();
    home.set_store_url("host=127.0.0.1 port=5432 user=postgres dbname=postgres");
    let mut engine = home.start_engine();
    // Its lease keeper has renewed at least once, over TCP.
    std::thread::sleep(Duration::from_secs(3));
    let before = home.everything_printed();
    assert!(!before.contains("timed out"), "{before}");

    ip(&["link", "set", "lo", "down"]);
    let down = Instant::now();
    let took = loop {
        let printed = home.everything_printed();
        if printed.contains("could not renew the leases") && printed.contains("timed out") {
            break down.elapsed();
        }
        assert!(
            down.elapsed() < FOUND_OUT_WITHIN,
            "the engine still waited for its silent store {FOUND_OUT_WITHIN:?} later: {printed}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    engine.kill9();
    ip(&["link", "set", "lo", "up"]);
    drop(server);
    took
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (iproute2)");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PostgreSQL server on this namespace's 127.0.0.1:5432 (and a socket in its dir), run as
/// `postgres`, stopped when dropped.
struct Server {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl Server {
    fn start(bin: &Path) -> Server {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let postgres = nix::unistd::User::from_name("postgres")
            .unwrap()
            .expect("the postgres user (PostgreSQL's packages make it)");
        nix::unistd::chown(dir.path(), Some(postgres.uid), None).unwrap();
        let server = Server {
            bin: bin.to_owned(),
            dir,
        };
        let data = server.dir.path().join("data");
        server.run(
            "initdb",
            &["-D", &s(&data), "-U", "postgres", "--auth=trust"],
        );
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port=5432 -c unix_socket_directories='{}' -c fsync=off",
            s(server.dir.path())
        );
        let log = server.dir.path().join("server.log");
        server.run(
            "pg_ctl",
            &[
                "-D",
                &s(&data),
                "-l",
                &s(&log),
                "-w",
                "start",
                "-o",
                &options,
            ],
        );
        server
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .args(args)
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .expect(tool);
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &s(&data), "-m", "immediate", "stop"])
            .current_dir("/")
            .output();
    }
}

fn s(p: &Path) -> String {
    p.to_str().expect("a UTF-8 temp path").to_owned()
}
