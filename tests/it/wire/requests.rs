//! Item 14: how wabox's own requests look to Meta: a `User-Agent: wabox/VERSION` on every one,
//! and `debug_token` in its documented form (both tokens as query parameters).

use crate::common::world::*;
use crate::common::*;

const AGENT: &str = concat!("wabox/", env!("CARGO_PKG_VERSION"));

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_names_wabox_and_its_version_and_debug_token_takes_the_documented_form() {
    let w = world().await;
    let c = w.customer_writes(&customer(1), 10).await.to_string();
    // A text, a file (an upload to /media first), the doctor (debug_token and the number's
    // state) and a template sync: most of the Graph API wabox speaks.
    let out = w.send(&["--conversation", &c, "--text", "hello from wabox"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let photo = w.home.dir.path().join("box.jpg");
    std::fs::write(
        &photo,
        [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'],
    )
    .unwrap();
    let out = w.send(&["--conversation", &c, "--file", photo.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let messages = w.home.messages(c.parse().unwrap());
    for m in messages.iter().filter(|m| m["direction"] == "out") {
        w.wait_status(m["id"].as_i64().unwrap(), "read");
    }
    // (It exits 3 here for the number without a queue; what matters is that it asked Meta.)
    let doctor: serde_json::Value =
        serde_json::from_slice(&w.home.run(&["doctor", "--json"]).stdout).unwrap();
    assert!(
        doctor["numbers"].as_array().is_some_and(|n| !n.is_empty()),
        "{doctor:#}"
    );
    w.home.ok(&["templates", "sync"]);

    let agents = w.sim.user_agents();
    let ours = agents
        .iter()
        .find(|(agent, _, _)| agent == AGENT)
        .map(|(_, n, _)| *n)
        .unwrap_or(0);
    assert!(ours >= 5, "few requests named wabox: {agents:?}");
    for (agent, n, last) in &agents {
        // The simulator's own hops (its webhooks, Kapso's proxy) name themselves.
        assert!(
            agent == AGENT || agent.starts_with("wabox-sim/"),
            "{n} request(s) went with User-Agent {agent:?}, the last {last}"
        );
    }

    let forms = w.sim.debug_token_forms();
    assert!(!forms.is_empty(), "the doctor never asked debug_token");
    assert!(forms.iter().all(|f| *f == "query"), "{forms:?}");
    // The app token and the secret in that URL never reach a log or the screen.
    let printed = w.home.everything_printed();
    for secret in [APP_SECRET, ACCESS_TOKEN] {
        assert!(!printed.contains(secret), "{secret} was printed or logged");
    }
}
