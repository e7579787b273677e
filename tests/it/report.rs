//! Reports (issue 19), through the real binary with the movable clock: a queue's first-response
//! target set, two customers (one answered by an agent and closed, one left waiting), and the
//! figures read back as JSON, CSV and a table; the waiting one crosses the target as the clock
//! moves; an agent is refused, a tenant's admin sees only their tenant.

use crate::common::world::{World, customer, world_started};
use serde_json::Value;

fn report(w: &World, extra: &[&str]) -> Value {
    let mut args = vec!["report", "--tz", "UTC"];
    args.extend_from_slice(extra);
    w.home.json(&args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_teams_figures_as_json_csv_and_a_table_and_the_target_crossed_as_time_passes() {
    let clock = &[("WABOX_MOVABLE_CLOCK", "1")];
    let w = world_started(|_| {}, "", |_| {}, clock).await;
    w.home.ok(&["queues", "add", "Sales"]);
    w.home
        .ok(&["queues", "assign", crate::common::PNID, "Sales"]);
    w.home.ok(&["agents", "add", "alice", "--queue", "Sales"]);
    let bad = w.home.run(&["queues", "sla", "Sales", "soon"]);
    assert!(!bad.status.success());
    let queues: Value = w.home.json(&["queues", "sla", "Sales", "15"]);
    assert_eq!(queues[0]["sla_minutes"], 15, "{queues}");

    let answered = w.customer_writes(&customer(61), 0).await.to_string();
    let sent = w.home.run(&[
        "--as",
        "alice",
        "send",
        "--conversation",
        &answered,
        "--text",
        "on it",
    ]);
    assert!(sent.status.success(), "{sent:?}");
    w.home.ok(&["--as", "alice", "close", &answered]);
    let waiting = w.customer_writes(&customer(62), 0).await;

    let r = report(&w, &[]);
    let t = &r["total"];
    assert_eq!(
        (&t["opened"], &t["closed"], &t["waiting"]),
        (&Value::from(2), &Value::from(1), &Value::from(1)),
        "{r}"
    );
    assert_eq!(
        (&t["messages_in"], &t["messages_out"]),
        (&Value::from(2), &Value::from(1))
    );
    assert_eq!(t["first_response"]["count"], 1, "{r}");
    assert!(
        t["first_response"]["median_seconds"].as_i64().unwrap() < 60,
        "{r}"
    );
    assert_eq!(
        (&t["sla_counted"], &t["sla_missed"]),
        (&Value::from(2), &Value::from(0))
    );
    let by_agent = report(&w, &["--by", "agent"]);
    let rows = by_agent["rows"].as_array().unwrap();
    let alice = rows
        .iter()
        .find(|r| r["key"] == "alice")
        .expect("alice's row");
    assert_eq!(
        (&alice["opened"], &alice["closed"]),
        (&Value::from(1), &Value::from(1))
    );
    let by_day = report(&w, &["--by", "day"]);
    assert_eq!(
        by_day["rows"].as_array().unwrap().len(),
        7,
        "a week, empty days too"
    );

    // Twenty minutes on: the waiting customer is past the target, in the report and the list.
    w.home.ok(&["clock", "advance", "20m"]);
    w.sim.advance_clock(20 * 60);
    let late = report(&w, &[]);
    assert_eq!(late["total"]["sla_missed"], 1, "{late}");
    let row = w
        .home
        .conversations()
        .into_iter()
        .find(|c| c["id"] == waiting)
        .unwrap();
    assert!(
        row["sla_due_at"].as_str().is_some() || row["sla_due_at"].as_i64().is_some(),
        "{row}"
    );

    // The same as CSV (a header, one row a day, the totals) and as a table.
    let csv = w
        .home
        .ok(&["report", "--tz", "UTC", "--by", "day", "--csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("day,opened,closed,waiting,"), "{csv}");
    assert_eq!(lines.len(), 1 + 7 + 1, "{csv}");
    assert!(lines[8].starts_with("total,2,1,1,2,1,0,1,"), "{csv}");
    let table = w.home.ok(&["report", "--tz", "UTC", "--by", "agent"]);
    assert!(
        table.contains("alice") && table.contains("total"),
        "{table}"
    );

    // Bad input is refused in words; an agent gets no report.
    let bad = w.home.run(&["report", "--from", "2026-13-01"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("no date"),
        "{bad:?}"
    );
    let refused = w.home.run(&["--as", "alice", "report"]);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("only an admin"),
        "{refused:?}"
    );

    // A tenant's admin of another tenant sees none of Acme's figures.
    w.home.ok(&["tenants", "add", "Beta"]);
    w.home.ok(&[
        "agents", "add", "bea", "--role", "admin", "--tenant", "Beta",
    ]);
    let theirs: Value = w.home.json(&["--as", "bea", "report", "--tz", "UTC"]);
    assert_eq!(theirs["tenant"], "Beta", "{theirs}");
    assert_eq!(theirs["total"]["messages_in"], 0, "{theirs}");
}
