//! Business hours (issue 19), through the real binary with the movable clock: a queue's hours
//! set and shown, and its away reply sent once per conversation per closed period: not twice
//! in one night, not again after a restart, none while open, again the next night.

use crate::common::world::{World, customer, world_started};
use crate::common::*;
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const AWAY: &str = "Volvemos pronto: te respondemos al abrir";

/// Moves the engine's and the simulator's clocks together.
fn advance(w: &World, seconds: i64) {
    w.home.ok(&["clock", "advance", &format!("{seconds}s")]);
    w.sim.advance_clock(seconds);
}

/// How many away replies the simulated Meta accepted; waits a moment so a second would show.
fn away_replies(w: &World) -> usize {
    std::thread::sleep(Duration::from_millis(700));
    w.sent_with_text(AWAY)
}

fn wait_away_replies(w: &World, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.sent_with_text(AWAY) < n {
        assert!(
            Instant::now() < deadline,
            "{} away replies, expected {n}",
            w.sent_with_text(AWAY)
        );
        std::thread::sleep(Duration::from_millis(30));
    }
    assert_eq!(away_replies(w), n, "exactly {n}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_away_reply_goes_once_a_closed_period_across_a_restart_and_not_while_open() {
    let clock = &[("WABOX_MOVABLE_CLOCK", "1")];
    let mut w = world_started(|_| {}, "", |_| {}, clock).await;
    let who = customer(51);
    w.customer_writes(&who, 0).await;
    w.home.ok(&["queues", "add", "Sales"]);
    w.home.ok(&["queues", "assign", PNID, "Sales"]);

    // Open one hour a day, from the third full hour from now on La Paz's wall clock (UTC-4, no
    // daylight saving): now is closed, and the range crosses midnight when it starts at 23:00.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let utc_hour = now / 3600 % 24;
    let opens = (utc_hour + 20 + 3) % 24;
    let until_open = 3 * 3600 - now % 3600;
    let week = format!("mon-sun {opens:02}:00-{:02}:00", (opens + 1) % 24);
    let bad = w.home.run(&[
        "hours",
        "set",
        "Sales",
        "--tz",
        "Mars/Olympus",
        "--week",
        &week,
    ]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no time zone Mars/Olympus"));
    let bad = w.home.run(&[
        "hours",
        "set",
        "Sales",
        "--tz",
        "America/La_Paz",
        "--week",
        "weekdays 9-5",
    ]);
    assert!(!bad.status.success());
    // An agent sees the hours and cannot change them.
    w.home.ok(&["agents", "add", "alice", "--queue", "Sales"]);
    let refused = w.home.run(&[
        "--as", "alice", "hours", "set", "Sales", "--tz", "UTC", "--week", &week,
    ]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("only an admin"));
    w.home.ok(&[
        "hours",
        "set",
        "Sales",
        "--tz",
        "America/La_Paz",
        "--week",
        &week,
        "--away",
        AWAY,
    ]);
    let theirs: Value = w.home.json(&["--as", "alice", "hours", "show"]);
    assert_eq!(theirs[0]["queue"], "Sales", "{theirs}");
    w.home.ok(&["hours", "holiday", "Sales", "2027-01-01"]);
    let shown: Value = w.home.json(&["hours", "show"]);
    let sales = &shown[0];
    assert_eq!(sales["open"], false, "{shown}");
    assert_eq!(sales["holidays"][0], "2027-01-01");
    assert!(sales["next_change_at"].as_str().is_some(), "{shown}");
    let label = sales["next_label"].as_str().unwrap();
    assert!(label.ends_with(&format!("{opens:02}:00")), "{label}");
    let said = w.home.ok(&["hours", "show"]);
    assert!(
        said.contains(&format!("outside hours, opens {label}")),
        "{said}"
    );

    // Twice in the same closed period: one away reply.
    w.customer_writes(&who, 0).await;
    wait_away_replies(&w, 1);
    w.customer_writes(&who, 0).await;
    assert_eq!(away_replies(&w), 1, "not twice in one night");

    // After a restart, the same period: still one.
    w.engine.stop();
    w.engine = w.home.start_engine_with_env(clock);
    w.sim.set_webhook(&w.engine.url());
    w.customer_writes(&who, 0).await;
    assert_eq!(away_replies(&w), 1, "not again after a restart");

    // Within the hours: none.
    let waited = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - now;
    advance(&w, until_open - waited + 1800);
    let open: Value = w.home.json(&["hours", "show"]);
    assert_eq!(open[0]["open"], true, "{open}");
    w.customer_writes(&who, 0).await;
    assert_eq!(away_replies(&w), 1, "none while open");

    // Closed again: the next period gets its own.
    advance(&w, 3600);
    w.customer_writes(&who, 0).await;
    wait_away_replies(&w, 2);
    let mine = w
        .home
        .messages(w.home.conversations()[0]["id"].as_i64().unwrap());
    let aways: Vec<&Value> = mine.iter().filter(|m| m["origin"] == "away").collect();
    assert_eq!(
        aways.len(),
        2,
        "kept as the queue's, not an agent's: {mine:?}"
    );
}

/// Madrid's clocks go forward on Sunday 28 March 2027: the hours stay on the wall clock, so the
/// same UTC instant is inside them on the Friday before and outside on the Monday after, and the
/// next opening is an hour earlier in UTC. A night range past midnight holds Sunday's first
/// hours, the night of the change included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hours_follow_the_wall_clock_across_midnight_and_a_daylight_saving_change() {
    let clock = &[("WABOX_MOVABLE_CLOCK", "1")];
    let w = world_started(|_| {}, "", |_| {}, clock).await;
    for (queue, week) in [
        ("Sales", "mon-sun 09:00-10:00"),
        ("Night", "sat 22:00-02:00"),
    ] {
        w.home.ok(&["queues", "add", queue]);
        w.home.ok(&[
            "hours",
            "set",
            queue,
            "--tz",
            "Europe/Madrid",
            "--week",
            week,
        ]);
    }
    let hours = |queue: &str| -> (Value, Value) {
        let shown: Value = w.home.json(&["hours", "show"]);
        let q = shown
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["queue"] == queue)
            .unwrap_or_else(|| panic!("{queue} in {shown}"))
            .clone();
        (q["open"].clone(), q["next_change_at"].clone())
    };
    let advance = |seconds: i64| w.home.ok(&["clock", "advance", &format!("{seconds}s")]);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Friday 26 March 2027, 08:30 UTC: 09:30 in Madrid (CET, UTC+1).
    let friday = 1_806_049_800;
    assert!(
        now < friday,
        "this test moves the clock forward to March 2027"
    );
    advance(friday - now);
    assert_eq!(hours("Sales"), (true.into(), "2027-03-26T09:00:00Z".into()));
    assert_eq!(hours("Night").0, false);
    // Sunday 28 March, 00:30 UTC: 01:30 in Madrid, still CET, past midnight in Saturday's night
    // range; it closes at 02:00 on the wall clock, when the clocks jump: 01:00 UTC.
    advance(40 * 3600);
    assert_eq!(hours("Night"), (true.into(), "2027-03-28T01:00:00Z".into()));
    // Monday 29 March, 08:30 UTC again: 10:30 in Madrid (CEST, UTC+2), closed; it opens at
    // 09:00 on the wall clock, 07:00 UTC.
    advance(32 * 3600);
    assert_eq!(
        hours("Sales"),
        (false.into(), "2027-03-30T07:00:00Z".into())
    );
}
