//! The integration tests once more with each home on a PostgreSQL database of its own, so that
//! `cargo test` (and CI) runs them on both stores wherever a cluster is given (`WABOX_TEST_PG`).
//! This test runs this same binary again with `WABOX_IT_STORE=postgres`, in a process of its
//! own, beside the rest of this run.

use std::process::Command;

/// Areas that are the same on either pass, left out of the second: those that make PostgreSQL
/// stores of their own (several engines, failover, a dead host, migrate) and those that keep
/// their home on SQLite (its file, the demo's).
const SAME_ON_EITHER: [&str; 8] = [
    "cluster::",
    "failover::",
    "dead_host::",
    "migrate::",
    "demo_restart::",
    "store_files::",
    "tui_demo::",
    // Ends a session after 45 s of silence: nothing of the store's.
    "remote::a_silent_session",
];

#[test]
fn every_integration_test_passes_on_postgresql_too() {
    if std::env::var("WABOX_IT_STORE").is_ok_and(|s| s == "postgres") {
        // This is the PostgreSQL pass.
        return;
    }
    // Says "skipped" where no cluster is given, and fails instead under WABOX_REQUIRE_PG.
    if wabox_store::testing::postgres_database().is_none() {
        return;
    }
    // Three quarters of this run's test threads: the pass runs beside the rest of the run. With
    // as many again the two cores carried eight tests at once and every test took twice as
    // long (a status that takes a second alone missed its deadline in one CI run in four); with
    // half, the pass ran alone on two threads long after the rest had ended. On this machine
    // (RUST_TEST_THREADS=4): 285 s with four, 214 s with three, 247 s with two.
    let threads = std::env::var("RUST_TEST_THREADS")
        .ok()
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut command = Command::new(std::env::current_exe().expect("this test binary"));
    command
        .env("WABOX_IT_STORE", "postgres")
        .env("RUST_TEST_THREADS", (threads * 3 / 4).max(1).to_string())
        .args(["--skip", "both_stores::"]);
    for area in SAME_ON_EITHER {
        command.args(["--skip", area]);
    }
    let out = command.output().expect("run the integration tests again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The harness lists what failed, with what each printed, from its first "failures:" line.
    let failures = stdout
        .match_indices("\nfailures:\n")
        .next()
        .map_or(&stdout[..], |(at, _)| &stdout[at..]);
    assert!(
        out.status.success(),
        "the integration tests failed on PostgreSQL (WABOX_IT_STORE=postgres cargo test --test it \
         runs them alone):\n{failures}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("test result:"))
        .unwrap_or_default();
    assert!(summary.contains(" passed;"), "{stdout}");
    eprintln!("on PostgreSQL: {summary}");
}
