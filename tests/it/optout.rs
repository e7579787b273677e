//! Marketing opt-outs (issue 19), through the real binary: a customer who writes a stop word is
//! opted out and answered once, in the word's language; an admin opts them back in or out.

use crate::common::world::{customer, world};
use crate::common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const ANSWER_ES: &str =
    "Listo: ya no recibirás nuestras promociones. Puedes seguir escribiéndonos.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_word_opts_out_once_and_an_admin_can_opt_back_in() {
    let w = world().await;
    let who = customer(61);
    let c = w.customer_writes(&who, 0).await.to_string();
    let contact = |w: &crate::common::world::World| -> Value { w.home.json(&["contact", &c]) };
    assert!(contact(&w)["opted_out"].is_null());

    let stop = |body: &'static str| {
        let sim = w.sim.clone();
        let who = who.clone();
        async move {
            sim.customer_message(PNID, &who, wabox::sim::customers::text(&sim, body, 0))
                .await
                .unwrap();
        }
    };
    stop("¡BAJA!").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.sent_with_text(ANSWER_ES) == 0 {
        assert!(Instant::now() < deadline, "no answer to the opt-out");
        std::thread::sleep(Duration::from_millis(30));
    }
    w.home.wait_processed();
    let out = contact(&w);
    assert_eq!(out["opted_out"]["by"], "customer", "{out}");
    let said = w.home.ok(&["contact", &c]);
    assert!(
        said.contains("opted out of marketing") && said.contains("stop word"),
        "{said}"
    );

    // Again: already out, nothing more said.
    stop("baja").await;
    w.home.wait_processed();
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(w.sent_with_text(ANSWER_ES), 1, "answered once");

    // A sentence with the word in it is a message, not an opt-out; an admin opts them in.
    let back: Value = w.home.json(&["contact", "optin", &c]);
    assert!(back["opted_out"].is_null(), "{back}");
    stop("stop sending the catalogue, I bought it").await;
    w.home.wait_processed();
    assert!(contact(&w)["opted_out"].is_null());
    let out: Value = w.home.json(&["contact", "optout", &c]);
    assert_eq!(out["opted_out"]["by"], "root", "{out}");
    let audit = w.home.ok(&["audit"]);
    assert!(
        audit.contains("opt_in") && audit.contains("opt_out"),
        "{audit}"
    );
}
