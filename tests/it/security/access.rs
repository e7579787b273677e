//! Who may act as whom and to whom a conversation may be handed, between two tenants (Acme and
//! Beta) whose people are real Unix users; which pushed events reach whom is in
//! `access_pushes.rs`, on the same two tenants.

use crate::common::users::Team;
use crate::common::*;
use serde_json::Value;

pub(super) const BETA_PNID: &str = "106540352242999";
pub(super) const BETA_WABA: &str = "104829357711099";
pub(super) const BETA_DISPLAY: &str = "15550783899";

/// Acme (the reference number, queue Sales) and Beta (queue Support), each with an agent; an
/// admin of Acme; an installation admin. All real users of the team.
pub(super) struct TwoTenants {
    pub(super) home: Home,
    pub(super) engine: Engine,
    pub(super) acme_admin: String,
    pub(super) acme_agent: String,
    pub(super) beta_agent: String,
    pub(super) global_admin: String,
    _team: Team,
}

pub(super) fn two_tenants(test: &str, auto_assign: bool) -> Option<TwoTenants> {
    let mut team = Team::new(test)?;
    let (acme_admin, acme_agent, beta_agent, global_admin) =
        (team.member(), team.member(), team.member(), team.member());
    let home = Home::for_team(&team);
    let engine = home.start_engine();
    home.with_acme();
    home.ok(&["tenants", "add", "Beta"]);
    let mut sales = vec!["queues", "add", "Sales", "--tenant", "Acme"];
    if auto_assign {
        sales.push("--auto-assign");
    }
    home.ok(&sales);
    home.ok(&["queues", "add", "Support", "--tenant", "Beta"]);
    home.add_number("Beta", BETA_PNID, BETA_WABA, BETA_DISPLAY, "dedicated");
    home.ok(&["queues", "assign", PNID, "Sales"]);
    home.ok(&["queues", "assign", BETA_PNID, "Support"]);
    home.ok(&[
        "agents",
        "add",
        &acme_agent,
        "--tenant",
        "Acme",
        "--queue",
        "Sales",
    ]);
    home.ok(&[
        "agents",
        "add",
        &beta_agent,
        "--tenant",
        "Beta",
        "--queue",
        "Support",
    ]);
    home.ok(&[
        "agents",
        "add",
        &acme_admin,
        "--role",
        "admin",
        "--tenant",
        "Acme",
    ]);
    home.ok(&["agents", "add", &global_admin, "--role", "admin"]);
    Some(TwoTenants {
        home,
        engine,
        acme_admin,
        acme_agent,
        beta_agent,
        global_admin,
        _team: team,
    })
}

pub(super) fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(super) fn refused(out: &std::process::Output, says: &str) {
    assert!(!out.status.success(), "was not refused");
    assert!(stderr(out).contains(says), "{}", stderr(out));
}

/// The audit entries (as root sees them) of `action` by `actor` about `target`.
fn audited(home: &Home, action: &str, actor: &str, target: &str) -> Vec<Value> {
    home.json(&["audit"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action && e["actor"] == actor && e["as_user"] == target)
        .cloned()
        .collect()
}

/// A message from a new customer to Acme's number; the conversation's id.
pub(super) async fn acme_conversation(t: &TwoTenants, customer: &str, wamid: &str) -> i64 {
    let body = inbound(
        PNID,
        Some(customer),
        None,
        "Customer",
        vec![text(customer, wamid, now(), "hello")],
    );
    assert_eq!(t.engine.deliver(&body).await, 200);
    t.home.wait_processed();
    conversation_of(&t.home.conversations(), customer)["id"]
        .as_i64()
        .unwrap()
}

#[test]
fn a_tenant_admin_acts_only_as_users_of_their_tenant_and_refusals_are_audited() {
    let Some(t) = two_tenants("--as within the tenant", false) else {
        return;
    };
    let home = &t.home;
    // As an installation admin: refused, audited, and nothing of theirs answered.
    let out = home.run_as(
        &t.acme_admin,
        &["--as", &t.global_admin, "tenants", "list", "--json"],
    );
    refused(&out, "is an installation admin");
    assert!(out.stdout.is_empty());
    let entries = audited(home, "act_as_refused", &t.acme_admin, &t.global_admin);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0]["detail"]
            .as_str()
            .unwrap()
            .contains("installation admin")
    );
    // Nor root, whom the agents table does not even name.
    let out = home.run_as(&t.acme_admin, &["--as", "root", "audit", "--json"]);
    refused(&out, "is an installation admin");
    assert_eq!(
        audited(home, "act_as_refused", &t.acme_admin, "root").len(),
        1
    );
    // As another tenant's agent: refused and audited.
    let out = home.run_as(
        &t.acme_admin,
        &["--as", &t.beta_agent, "conversations", "--json"],
    );
    refused(&out, "is not of your tenant");
    assert_eq!(
        audited(home, "act_as_refused", &t.acme_admin, &t.beta_agent).len(),
        1
    );
    // As their own tenant's agent: allowed, and audited as acting.
    let out = home.run_as(
        &t.acme_admin,
        &["--as", &t.acme_agent, "conversations", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        audited(home, "act_as", &t.acme_admin, &t.acme_agent).len(),
        1
    );
    // An agent acts as no one, not even a fellow agent of the tenant.
    let out = home.run_as(
        &t.acme_agent,
        &["--as", &t.beta_agent, "conversations", "--json"],
    );
    refused(&out, "only admins can act as another user");
}

#[test]
fn a_tenant_admin_cannot_raise_themselves_nor_reach_into_another_tenant() {
    let Some(t) = two_tenants("admin requests stay in the tenant", false) else {
        return;
    };
    let (home, me) = (&t.home, t.acme_admin.as_str());
    let record = |user: &str| -> Value {
        home.json(&["agents", "list"])
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["user"] == user)
            .cloned()
            .unwrap()
    };
    let before = record(me);
    // An admin of every tenant: only an installation admin makes one.
    let out = home.run_as(me, &["agents", "add", me, "--role", "admin"]);
    refused(&out, "only an installation admin");
    // An admin (or agent) of another tenant: that tenant is "not found".
    let out = home.run_as(
        me,
        &["agents", "add", me, "--role", "admin", "--tenant", "Beta"],
    );
    refused(&out, "no tenant named");
    // Themselves, or a newcomer, into Beta's queue: Acme has no such queue.
    let out = home.run_as(me, &["agents", "add", me, "--queue", "Support"]);
    refused(&out, "no queue named");
    let out = home.run_as(me, &["agents", "add", "newcomer", "--queue", "Support"]);
    refused(&out, "no queue named");
    assert_eq!(record(me), before, "the tenant admin's record changed");
    // Taking Beta's agent, or demoting the installation admin: not theirs to change.
    let beta_before = record(&t.beta_agent);
    let out = home.run_as(me, &["agents", "add", &t.beta_agent, "--queue", "Sales"]);
    refused(&out, "is not a user of your tenant");
    assert_eq!(record(&t.beta_agent), beta_before);
    let out = home.run_as(me, &["agents", "add", &t.global_admin, "--queue", "Sales"]);
    refused(&out, "is not a user of your tenant");
    assert_eq!(record(&t.global_admin)["tenant"], Value::Null);
    // Nor can they see Beta's people, Beta itself, or make a tenant.
    let agents = home.run_as(me, &["agents", "list", "--json"]);
    let listed = String::from_utf8_lossy(&agents.stdout);
    assert!(agents.status.success(), "{}", stderr(&agents));
    assert!(listed.contains(&t.acme_agent) && !listed.contains(&t.beta_agent));
    let tenants = home.run_as(me, &["tenants", "list", "--json"]);
    let listed = String::from_utf8_lossy(&tenants.stdout);
    assert!(
        listed.contains("Acme") && !listed.contains("Beta"),
        "{listed}"
    );
    refused(
        &home.run_as(me, &["tenants", "add", "Gamma"]),
        "only an installation admin",
    );
    refused(
        &home.run_as(me, &["audit", "--json"]),
        "only an installation admin",
    );
    // The journal holds every tenant's deliveries undivided.
    refused(
        &home.run_as(me, &["journal", "--all", "--json"]),
        "only an installation admin",
    );
    // A number slipped into Beta's tenant: Beta is "not found".
    let out = home.run_as(
        me,
        &[
            "numbers",
            "add",
            "--tenant",
            "Beta",
            "--phone-number-id",
            "106540352242777",
            "--waba-id",
            "104829357711077",
            "--display-phone",
            "15550783777",
            "--connection",
            "dedicated",
        ],
    );
    refused(&out, "no tenant named");
    assert!(!home.ok(&["numbers", "list"]).contains("106540352242777"));
    // Within their tenant they still manage their agents.
    let out = home.run_as(me, &["agents", "add", "newcomer", "--queue", "Sales"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(record("newcomer")["tenant"], "Acme");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_is_never_handed_to_another_tenants_agent_or_queue() {
    let Some(t) = two_tenants("hand-over within the tenant", false) else {
        return;
    };
    let home = &t.home;
    let id = acme_conversation(&t, "16505550101", "wamid.HANDOVER1").await;
    let cid = id.to_string();
    let out = home.run_as(&t.acme_agent, &["claim", &cid]);
    assert!(out.status.success(), "{}", stderr(&out));
    let conversation = || home.json(&["--as", &t.acme_agent, "conversations"])[0].clone();
    let before = conversation();
    // The agent hands it to Beta's agent (`transfer --to`, as `:assign` does): refused.
    let out = home.run_as(&t.acme_agent, &["transfer", &cid, "--to", &t.beta_agent]);
    refused(&out, "in this conversation's tenant");
    // With a move to their own queue at once: refused before anything moves.
    let out = home.run_as(
        &t.acme_agent,
        &["transfer", &cid, "--queue", "Sales", "--to", &t.beta_agent],
    );
    refused(&out, "in this conversation's tenant");
    // Acme's admin, or the installation admin, cannot either; nor to Beta's queue.
    refused(
        &home.run_as(&t.acme_admin, &["transfer", &cid, "--to", &t.beta_agent]),
        "in this conversation's tenant",
    );
    refused(
        &home.run(&["transfer", &cid, "--to", &t.beta_agent]),
        "in this conversation's tenant",
    );
    refused(
        &home.run_as(&t.acme_admin, &["transfer", &cid, "--queue", "Support"]),
        "no queue named",
    );
    let after = conversation();
    assert_eq!(after["assignee"], before["assignee"]);
    assert_eq!(after["assignee"], t.acme_agent.as_str());
    assert_eq!(after["queue"], "Sales");
    // Beta's agent still cannot read it, nor write on Acme's number.
    refused(
        &home.run_as(&t.beta_agent, &["messages", &cid]),
        "no conversation",
    );
    refused(
        &home.run_as(
            &t.beta_agent,
            &["send", "--conversation", &cid, "--text", "hello from Beta"],
        ),
        "no conversation",
    );
    let transfers: Vec<Value> = home
        .json(&["history", &cid])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "transferred")
        .cloned()
        .collect();
    assert!(transfers.is_empty(), "{transfers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_moved_to_another_tenant_keeps_none_of_the_old_tenants_queues() {
    let home = Home::new();
    let engine = home.start_engine();
    home.with_acme();
    home.ok(&["tenants", "add", "Beta"]);
    home.ok(&["queues", "add", "Sales", "--tenant", "Acme"]);
    home.ok(&["queues", "assign", PNID, "Sales"]);
    home.ok(&["queues", "add", "Support", "--tenant", "Beta"]);
    home.ok(&[
        "agents", "add", "mover", "--tenant", "Acme", "--queue", "Sales",
    ]);
    let body = inbound(
        PNID,
        Some("16505550123"),
        None,
        "Customer",
        vec![text("16505550123", "wamid.MOVER.1", now(), "hello")],
    );
    assert_eq!(engine.deliver(&body).await, 200);
    home.wait_processed();
    let seen = |home: &Home| {
        home.json(&["--as", "mover", "conversations"])
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(seen(&home), 1, "in Sales, mover sees Acme's conversation");

    home.ok(&["agents", "add", "mover", "--tenant", "Beta"]);
    assert_eq!(
        seen(&home),
        0,
        "moved to Beta, mover still sees Acme's conversation"
    );
}

#[test]
fn tenants_are_renamed_and_removed_only_by_an_installation_admin() {
    let Some(t) = two_tenants("tenants rename and remove", false) else {
        return;
    };
    let home = &t.home;
    for user in [&t.acme_admin, &t.acme_agent] {
        let out = home.run_as(user, &["tenants", "rename", "Acme", "Mine Now"]);
        assert!(!out.status.success(), "{user} renamed a tenant");
        let out = home.run_as(user, &["tenants", "remove", "Beta", "--force"]);
        assert!(!out.status.success(), "{user} removed another tenant");
        let out = home.run_as(user, &["tenants", "remove", "Acme", "--force"]);
        assert!(!out.status.success(), "{user} removed their own tenant");
    }
    let names: Vec<String> = home
        .json(&["tenants", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Acme", "Beta"], "nothing changed");
    // The installation admin may.
    let out = home.run_as(&t.global_admin, &["tenants", "rename", "Beta", "Beta Two"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_name_resolves_only_within_the_callers_tenant() {
    let Some(t) = two_tenants("queue names across tenants", false) else {
        return;
    };
    let home = &t.home;
    let support_agents = || -> Vec<Value> {
        home.json(&["agents", "list"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["queues"].to_string().contains("Support"))
            .cloned()
            .collect()
    };
    let before = support_agents();
    // Only Beta has "Support": for Acme's admin it does not exist, rather than being Beta's.
    let out = home.run_as(
        &t.acme_admin,
        &["agents", "add", &t.acme_agent, "--queue", "Support"],
    );
    refused(&out, "no queue named");
    assert_eq!(support_agents(), before);
    // The views by state hold only the caller's conversations, closed ones too.
    let acme = acme_conversation(&t, "5491100000001", "wamid.day.acme").await;
    let beta = inbound(
        BETA_PNID,
        Some("5491100000002"),
        None,
        "Customer",
        vec![text("5491100000002", "wamid.day.beta", now(), "hola")],
    );
    assert_eq!(t.engine.deliver(&beta).await, 200);
    home.wait_processed();
    home.ok(&["close", &acme.to_string()]);
    let beta_id = conversation_of(&home.conversations(), "5491100000002")["id"]
        .as_i64()
        .unwrap();
    home.ok(&["close", &beta_id.to_string()]);
    let ids = |user: &str, state: &str| -> Vec<i64> {
        let out = home.run_as(user, &["conversations", "--state", state, "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&t.acme_agent, "closed"), [acme]);
    assert_eq!(ids(&t.beta_agent, "closed"), [beta_id]);
    assert!(ids(&t.acme_admin, "open").is_empty());
}
