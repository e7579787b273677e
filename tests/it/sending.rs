//! Sending end to end: the real `wabox serve` against the simulated Cloud API on 127.0.0.1.

use crate::common::world::*;
use crate::common::*;
use serde_json::Value;
use std::time::{Duration, Instant};
use wabox::sim::Injected;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_and_a_template_reach_the_customer_once_and_statuses_end_at_read() {
    let w = world().await;
    let c = w.customer_writes(&customer(1), 60).await.to_string();
    let sent = json_of(&w.send(&[
        "--conversation",
        &c,
        "--text",
        "Your order shipped today",
        "--wait",
        "--json",
    ]));
    assert!(
        ["delivered", "read"].contains(&sent["status"].as_str().unwrap()),
        "{sent}"
    );
    assert_eq!(sent["direction"], "out");
    assert_eq!(sent["origin"], "agent");
    assert!(sent["wamid"].as_str().unwrap().starts_with("wamid.SIM"));
    w.wait_status(sent["id"].as_i64().unwrap(), "read");

    let t = json_of(&w.send(&[
        "--conversation",
        &c,
        "--template",
        "order_update",
        "--lang",
        "en_US",
        "--param",
        "#4471",
        "--param",
        "Ana",
        "--param",
        "#4471",
        "--param",
        "Tuesday",
        "--param",
        "4471",
        "--json",
    ]));
    let t = w.wait_status(t["id"].as_i64().unwrap(), "read");
    // The conversation shows exactly what the customer saw.
    assert_eq!(
        t["text"],
        "Order #4471\nHi Ana, your order #4471 ships on Tuesday.\nReply STOP to opt out\n[Track] [Talk to us]"
    );
    assert_eq!(w.sent_with_text("Your order shipped today"), 1);
    assert_eq!(w.sent_with_text("template:order_update"), 1);
    // Our sends never opened or extended the window.
    let conversations = w.home.conversations();
    let conv = conversations
        .iter()
        .find(|x| x["id"].as_i64().map(|i| i.to_string()).as_deref() == Some(c.as_str()))
        .unwrap();
    assert_eq!(conv["last_message"]["text"], t["text"]);
    assert!(
        conv["window"]["label"]
            .as_str()
            .unwrap()
            .starts_with("23h 5"),
        "{conv}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_window_is_refused_up_front_and_131047_is_explained_if_it_happens_anyway() {
    let w = world().await;
    let c = w
        .customer_writes(&customer(2), 2 * 86_400)
        .await
        .to_string();
    let out = w.send(&["--conversation", &c, "--text", "Are you still interested?"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the 24-hour window closed 1d ago")
            || err.contains("the 24-hour window closed"),
        "{err}"
    );
    assert!(
        err.contains("follow_up (en_US)") && err.contains("--template"),
        "names the templates: {err}"
    );
    assert!(w.sim.sent().is_empty(), "nothing left for Meta");
    // A template may still go.
    let ok = json_of(&w.send(&[
        "--conversation",
        &c,
        "--template",
        "follow_up",
        "--lang",
        "en_US",
        "--wait",
        "--json",
    ]));
    assert_ne!(ok["status"], "failed");

    // The engine believes the window is open (a message Meta never saw), Meta disagrees.
    let stranger = customer(3);
    let body = inbound(
        PNID,
        stranger.wa_id.as_deref(),
        None,
        "Stranger",
        vec![text(
            stranger.wa_id.as_deref().unwrap(),
            "wamid.UNSEEN",
            now() - 30,
            "hi",
        )],
    );
    w.engine.deliver(&body).await;
    w.home.wait_processed();
    let conversations = w.home.conversations();
    let c3 = conversation_of(&conversations, stranger.wa_id.as_deref().unwrap())["id"].to_string();
    let doomed = json_of(&w.send(&["--conversation", &c3, "--text", "Sure!", "--json"]));
    let failed = w.wait_status(doomed["id"].as_i64().unwrap(), "failed");
    assert_eq!(failed["error"]["code"], 131047);
    assert_eq!(
        failed["error"]["explanation"],
        "the 24-hour window is closed: send a template"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_server_errors_are_retried_until_sent_once() {
    let w = world().await;
    let c = w.customer_writes(&customer(4), 10).await.to_string();
    w.sim.inject(&[
        Injected::ServerError,
        Injected::Throttled,
        Injected::ServerError,
    ]);
    let m = json_of(&w.send(&[
        "--conversation",
        &c,
        "--text",
        "Third time lucky",
        "--wait",
        "--timeout",
        "40",
        "--json",
    ]));
    assert!(
        ["delivered", "read"].contains(&m["status"].as_str().unwrap()),
        "{m}"
    );
    assert_eq!(w.sent_with_text("Third time lucky"), 1);
    let refused: Vec<i64> = w.sim.refused().iter().map(|(_, code)| *code).collect();
    assert_eq!(refused, [131000, 130429, 131000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_with_the_wrong_parameters_is_refused_locally_with_its_placeholders() {
    let w = world().await;
    let c = w.customer_writes(&customer(5), 10).await.to_string();
    let out = w.send(&[
        "--conversation",
        &c,
        "--template",
        "order_update",
        "--lang",
        "en_US",
        "--param",
        "Ana",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("takes 5 parameter(s): {{1}} (header), {{1}} (body), {{2}} (body), {{3}} (body), {{1}} (button 0); 1 given"),
        "{err}"
    );
    let out = w.send(&[
        "--conversation",
        &c,
        "--template",
        "spring_sale",
        "--lang",
        "en_US",
        "--param",
        "20%",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is PENDING, not APPROVED"));
    let out = w.send(&[
        "--conversation",
        &c,
        "--template",
        "nope",
        "--lang",
        "en_US",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no template nope (en_US) is synced"));
    let named = json_of(&w.send(&[
        "--conversation",
        &c,
        "--template",
        "welcome_back",
        "--lang",
        "en_US",
        "--param",
        "code=HELLO10",
        "--param",
        "customer_name=Ana",
        "--wait",
        "--json",
    ]));
    assert_eq!(
        named["text"],
        "Welcome back, Ana! Use code HELLO10 for 10% off.\n[Show me]"
    );
    assert!(
        w.sim
            .sent()
            .iter()
            .all(|s| s.text != "template:order_update")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_sends_sends_nothing_twice_and_loses_nothing() {
    let mut w = world().await;
    let mut conversations = Vec::new();
    for n in 0..12 {
        conversations.push(w.customer_writes(&customer(100 + n), 10).await);
    }
    // Slow answers keep sends in flight when the engine dies.
    w.sim.inject(&[Injected::SlowAnswer(400); 36]);
    let mut queued = Vec::new();
    for round in 0..3 {
        for c in &conversations {
            let text = format!("reply {round} to {c}");
            let q =
                json_of(&w.send(&["--conversation", &c.to_string(), "--text", &text, "--json"]));
            queued.push((q["id"].as_i64().unwrap(), text));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    // Some sent, and some held by the simulator right now: killed with sends in flight.
    while (w.sim.sent().len() < 8 || w.sim.answering_slowly() == 0) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    w.engine.kill9();
    let at_kill = w.sim.sent().len();
    assert!(
        at_kill < queued.len(),
        "killed mid-way ({at_kill} of {})",
        queued.len()
    );
    w.engine = w.home.start_engine();
    w.sim.set_webhook(&w.engine.url());

    // Every queued message ends sent, failed with a reason, or uncertain.
    let deadline = Instant::now() + Duration::from_secs(30);
    let finals = loop {
        let all = w.home.all_messages();
        let mine: Vec<Value> = all.into_iter().filter(|m| m["origin"] == "agent").collect();
        if mine
            .iter()
            .all(|m| !["queued", "accepted"].contains(&m["status"].as_str().unwrap_or("queued")))
        {
            break mine;
        }
        assert!(Instant::now() < deadline, "sends still pending: {mine:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(finals.len(), queued.len());
    let mut uncertain = 0;
    for (id, text) in &queued {
        let m = finals.iter().find(|m| m["id"] == *id).unwrap();
        let times = w.sent_with_text(text);
        assert!(times <= 1, "{text:?} reached the customer {times} times");
        match m["status"].as_str().unwrap() {
            "uncertain" => {
                uncertain += 1;
                assert!(
                    m["error"]["title"]
                        .as_str()
                        .unwrap()
                        .contains("may or may not")
                );
            }
            "failed" => assert!(m["error"]["title"].as_str().is_some()),
            _ => assert_eq!(
                times, 1,
                "{text:?} is {} but never reached the simulator",
                m["status"]
            ),
        }
    }
    assert!(uncertain >= 1, "something was in flight at the kill");
    // An agent may retry an uncertain message; it is then sent once more, on purpose.
    let (id, text) = queued
        .iter()
        .find(|(id, _)| {
            finals
                .iter()
                .any(|m| m["id"] == *id && m["status"] == "uncertain")
        })
        .unwrap();
    let before = w.sent_with_text(text);
    w.home.ok(&["retry", &id.to_string()]);
    w.wait_status(*id, "read");
    assert_eq!(w.sent_with_text(text), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_media_is_downloaded_checked_and_saved() {
    use base64::Engine as _;
    use sha2::Digest;
    let w = world().await;
    let photo = b"\xff\xd8\xff\xe0 a customer's photo".to_vec();
    w.sim.media_put("9001", photo.clone(), "image/jpeg");
    w.sim
        .media_put("9002", b"tampered bytes".to_vec(), "application/pdf");
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&photo));
    let who = customer(7);
    let image = wabox::sim::customers::message(
        &w.sim,
        "image",
        serde_json::json!({"id": "9001", "mime_type": "image/jpeg", "sha256": sha, "caption": "broken box"}),
        5,
    );
    let doc = wabox::sim::customers::message(
        &w.sim,
        "document",
        serde_json::json!({"id": "9002", "mime_type": "application/pdf", "sha256": sha, "filename": "invoice.pdf"}),
        4,
    );
    w.sim.customer_message(PNID, &who, image).await.unwrap();
    w.sim.customer_message(PNID, &who, doc).await.unwrap();
    w.home.wait_processed();
    let deadline = Instant::now() + Duration::from_secs(20);
    let (img, pdf) = loop {
        let all = w.home.all_messages();
        let img = all.iter().find(|m| m["type"] == "image").unwrap().clone();
        let pdf = all
            .iter()
            .find(|m| m["type"] == "document")
            .unwrap()
            .clone();
        if img["media"]["state"] == "downloaded" && pdf["media"]["error"].is_string() {
            break (img, pdf);
        }
        assert!(Instant::now() < deadline, "{img:#}\n{pdf:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(img["media"]["bytes"], photo.len());
    assert!(
        pdf["media"]["error"].as_str().unwrap().contains("SHA-256"),
        "{pdf:#}"
    );
    assert_ne!(pdf["media"]["state"], "downloaded");
    let out = w.home.dir.path().join("photo.jpg");
    w.home.ok(&[
        "media",
        "get",
        &img["id"].to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), photo);
    let refused = w.home.run(&[
        "media",
        "get",
        &pdf["id"].to_string(),
        "--out",
        "/tmp/never-written.pdf",
    ]);
    assert_eq!(refused.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_is_uploaded_once_sent_by_its_id_and_saved_like_a_received_one() {
    let w = world().await;
    let c = w.customer_writes(&customer(8), 30).await.to_string();
    let mut photo = b"\x89PNG\r\n\x1a\n".to_vec();
    photo.resize(240_000, 7);
    let path = w.home.dir.path().join("box.png");
    std::fs::write(&path, &photo).unwrap();
    // The first upload fails on Meta's side and is retried; then the send fails once: its retry
    // must send by the media id already uploaded, not upload the file again.
    w.sim.inject_uploads(&[Injected::ServerError]);
    w.sim.inject(&[Injected::ServerError]);
    let sent = json_of(&w.send(&[
        "--conversation",
        &c,
        "--file",
        path.to_str().unwrap(),
        "--caption",
        "the box, as packed",
        "--wait",
        "--timeout",
        "40",
        "--json",
    ]));
    assert!(
        ["delivered", "read"].contains(&sent["status"].as_str().unwrap()),
        "{sent}"
    );
    assert_eq!(sent["type"], "image");
    assert_eq!(sent["text"], "[image 240 KB] the box, as packed");
    assert_eq!(sent["media"]["mime_type"], "image/png");
    assert_eq!(sent["media"]["bytes"], photo.len());

    let uploads = w.sim.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!(uploads[0].mime_type, "image/png");
    assert_eq!(uploads[0].filename.as_deref(), Some("box.png"));
    assert_eq!(w.sim.media(&uploads[0].media_id).unwrap().0, photo);
    let images: Vec<_> = w
        .sim
        .sent()
        .into_iter()
        .filter(|s| s.kind == "image")
        .collect();
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(
        images[0].media_id.as_deref(),
        Some(uploads[0].media_id.as_str())
    );
    assert_eq!(images[0].text, "[image] the box, as packed");
    let refused: Vec<i64> = w.sim.refused().iter().map(|(_, code)| *code).collect();
    assert_eq!(
        refused,
        [131000, 131000],
        "one failed upload, one failed send"
    );
    w.wait_status(sent["id"].as_i64().unwrap(), "read");

    // Our own file comes back through `media get`, like a customer's.
    let out = w.home.dir.path().join("again.png");
    w.home.ok(&[
        "media",
        "get",
        &sent["id"].to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), photo);
    let conversations = w.home.conversations();
    let conv = conversation_of(&conversations, customer(8).wa_id.as_deref().unwrap());
    assert_eq!(
        conv["last_message"]["text"],
        "[image 240 KB] the box, as packed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_whatsapp_would_refuse_is_refused_locally_and_nothing_is_queued() {
    let w = world().await;
    let who = customer(9);
    let c = w.customer_writes(&who, 30).await.to_string();
    let file = |name: &str, len: usize| {
        let p = w.home.dir.path().join(name);
        std::fs::write(&p, vec![1u8; len]).unwrap();
        p.to_str().unwrap().to_string()
    };
    let refusal = |args: &[&str]| {
        let mut all = vec!["--conversation", c.as_str()];
        all.extend_from_slice(args);
        let out = w.send(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?} was not refused");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let big = file("big.jpg", 6_000_000);
    let err = refusal(&["--file", &big]);
    assert!(
        err.contains("big.jpg: the file is 6.0 MB; WhatsApp takes an image of at most 5.0 MB"),
        "{err}"
    );
    let gif = file("anim.gif", 2_000);
    let err = refusal(&["--file", &gif]);
    assert!(
        err.contains("WhatsApp cannot send") && err.contains("(image/gif)"),
        "{err}"
    );
    let err = refusal(&["--file", &gif, "--kind", "image"]);
    assert!(
        err.contains(
            "WhatsApp does not take image/gif as an image: it takes image/jpeg, image/png"
        ),
        "{err}"
    );
    let voice = file("note.ogg", 2_000);
    let err = refusal(&["--file", &voice, "--caption", "listen"]);
    assert!(err.contains("no caption on audio"), "{err}");
    let sticker = file("smile.webp", 150_000);
    let err = refusal(&["--file", &sticker]);
    assert!(
        err.contains("WhatsApp takes a sticker of at most 100 KB"),
        "{err}"
    );

    // A file is free-form: outside the window it is refused like text.
    let late = customer(10);
    let closed = w.customer_writes(&late, 2 * 86_400).await.to_string();
    let photo = w.home.dir.path().join("ok.jpg");
    let mut jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00".to_vec();
    jpeg.resize(1_000, 0x2a);
    std::fs::write(&photo, jpeg).unwrap();
    let photo = photo.to_str().unwrap().to_string();
    let out = w.send(&["--conversation", &closed, "--file", &photo]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the 24-hour window closed"), "{err}");

    for conversation in [&c, &closed] {
        let messages = w.home.messages(conversation.parse().unwrap());
        assert!(
            messages.iter().all(|m| m["direction"] == "in"),
            "nothing queued: {messages:#?}"
        );
    }
    assert!(w.sim.uploads().is_empty() && w.sim.sent().is_empty());
    let stored = std::fs::read_dir(w.home.data.join("outbox-media"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(stored, 0, "no refused file was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_waiting_for_a_retry_is_never_overtaken_in_its_conversation() {
    let w = world().await;
    let c = w.customer_writes(&customer(11), 10).await.to_string();
    let other = w.customer_writes(&customer(12), 10).await.to_string();
    w.sim.inject(&[Injected::Throttled]);
    let first = json_of(&w.send(&["--conversation", &c, "--text", "first", "--json"]));
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.sim.refused().is_empty() {
        assert!(Instant::now() < deadline, "the first send never went out");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The first message now waits for its retry (a second or more away).
    let second = json_of(&w.send(&["--conversation", &c, "--text", "second", "--json"]));
    let elsewhere = json_of(&w.send(&["--conversation", &other, "--text", "meanwhile", "--json"]));
    for m in [&first, &second, &elsewhere] {
        w.wait_status(m["id"].as_i64().unwrap(), "read");
    }
    let order: Vec<String> = w.sim.sent().iter().map(|s| s.text.clone()).collect();
    // The conversation waited for its oldest message. (That another conversation does not wait is
    // proven beside the query, in store::outbox: here it would race the retry's backoff.)
    let mine: Vec<&String> = order.iter().filter(|t| *t != "meanwhile").collect();
    assert_eq!(mine, ["first", "second"], "{order:?}");
    assert_eq!(order.len(), 3, "{order:?}");
    let refused: Vec<i64> = w.sim.refused().iter().map(|(_, code)| *code).collect();
    assert_eq!(refused, [130429]);
}
