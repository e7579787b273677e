//! The webhook path end to end: the real `wabox serve`, signed deliveries over 127.0.0.1, and what
//! the CLI then shows.

use crate::common::*;
use serde_json::{Value, json};

fn by_wamid<'a>(messages: &'a [Value], wamid: &str) -> &'a Value {
    messages
        .iter()
        .find(|m| m["wamid"] == wamid)
        .unwrap_or_else(|| panic!("no message {wamid} in {messages:#?}"))
}

#[tokio::test]
async fn the_handshake_echoes_the_challenge_only_for_the_verify_token() {
    let home = Home::new();
    let engine = home.start_engine();
    let get = |token: &str| {
        let url = format!(
            "{}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={token}",
            engine.url()
        );
        let http = engine.http.clone();
        async move {
            let r = http.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(get(VERIFY_TOKEN).await, (200, "1158201444".to_string()));
    assert_eq!(get("wrong").await.0, 403);
    assert_eq!(get("").await.0, 403);
    let no_mode = format!(
        "{}?hub.challenge=1&hub.verify_token={VERIFY_TOKEN}",
        engine.url()
    );
    assert_eq!(
        engine
            .http
            .get(no_mode)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    let health = engine
        .http
        .get(format!("http://{}/healthz", engine.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn every_message_type_is_stored_with_readable_text() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    assert_eq!(
        engine.deliver(&fixture("11_every_message_type.json")).await,
        200
    );
    home.wait_processed();
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "one customer, one conversation");
    let msgs = home.messages(conversations[0]["id"].as_i64().unwrap());
    let shown = |w: &str| {
        let m = by_wamid(&msgs, w);
        (
            m["type"].as_str().unwrap().to_string(),
            m["text"].as_str().unwrap().to_string(),
        )
    };
    let t = |a: &str, b: &str| (a.to_string(), b.to_string());
    // TYPES01 was edited afterwards: it shows the new text and keeps the old one.
    assert_eq!(shown("wamid.TYPES01"), t("text", "Plain text, edited"));
    assert_eq!(shown("wamid.TYPES02"), t("image", "[image] Photo caption"));
    assert_eq!(shown("wamid.TYPES03"), t("video", "[video] A video"));
    assert_eq!(shown("wamid.TYPES04"), t("audio", "[voice message]"));
    assert_eq!(
        shown("wamid.TYPES05"),
        t("document", "[document] invoice-4471.pdf — My invoice")
    );
    assert_eq!(shown("wamid.TYPES06"), t("sticker", "[sticker]"));
    assert_eq!(
        shown("wamid.TYPES07"),
        t("location", "[location] Oficina Central, Av. Arce 2631")
    );
    assert_eq!(
        shown("wamid.TYPES08"),
        t("contacts", "[contact] Ana Flores +591 70012345")
    );
    assert_eq!(
        shown("wamid.TYPES09"),
        t("interactive", "[button] Yes, please")
    );
    assert_eq!(shown("wamid.TYPES10"), t("interactive", "[list] Size M"));
    assert_eq!(
        shown("wamid.TYPES11"),
        t("button", "[button] Stop promotions")
    );
    assert_eq!(
        shown("wamid.TYPES12"),
        t("order", "[order] 3 items — Please deliver Tuesday")
    );
    assert_eq!(
        shown("wamid.TYPES13"),
        t(
            "system",
            "[system] User A changed from 16505551234 to 16505559999"
        )
    );
    assert_eq!(
        shown("wamid.TYPES14"),
        t("unsupported", "[unsupported: poll]")
    );
    assert_eq!(
        shown("wamid.TYPES18"),
        t("hologram_v2", "[unsupported: hologram_v2]")
    );
    assert_eq!(
        shown("wamid.TYPES19"),
        t("text", "Replying to your message")
    );
    assert_eq!(
        by_wamid(&msgs, "wamid.TYPES19")["reply_to"],
        "wamid.TYPES01"
    );
    assert_eq!(by_wamid(&msgs, "wamid.TYPES20")["forwarded"], true);

    // Reactions, edits and deletions change the message they point at; they are not messages.
    for w in [
        "wamid.TYPES15",
        "wamid.TYPES16",
        "wamid.TYPES17",
        "wamid.TYPES21",
        "wamid.TYPES22",
    ] {
        assert!(
            msgs.iter().all(|m| m["wamid"] != w),
            "{w} is not a message of its own"
        );
    }
    let first = by_wamid(&msgs, "wamid.TYPES01");
    assert_eq!(
        first["reactions"],
        json!([{"emoji": "❤️", "by": "customer"}])
    );
    assert_eq!(first["edited"], true);
    assert_eq!(first["previous_texts"], json!(["Plain text"]));
    let image = by_wamid(&msgs, "wamid.TYPES02");
    assert_eq!(image["revoked"], true);
    assert_eq!(image["previous_texts"], json!(["[image] Photo caption"]));
    // A reaction and then its removal leave no reaction.
    assert_eq!(by_wamid(&msgs, "wamid.TYPES03")["reactions"], json!([]));

    for m in &msgs {
        assert_eq!(m["direction"], "in");
        assert_eq!(m["origin"], "customer");
        assert!(
            m["at"].as_str().unwrap().ends_with('Z'),
            "RFC 3339 UTC: {}",
            m["at"]
        );
    }
    // Oldest first.
    let times: Vec<&str> = msgs.iter().map(|m| m["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    // The unknown type's raw JSON was kept, not dropped.
    assert!(
        home.json(&["journal", "--invalid"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn each_delivery_repeated_three_times_stores_one_message_each() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let names = [
        "01_inbound_text.json",
        "02_inbound_image.json",
        "03_inbound_reply_with_context.json",
        "04_inbound_button_reply.json",
        "11_every_message_type.json",
    ];
    for _ in 0..3 {
        for n in names {
            assert_eq!(engine.deliver(&fixture(n)).await, 200, "{n}");
        }
    }
    // The same message inside a different body (Meta batches differently on retries).
    let body = inbound(
        PNID,
        Some("16505551234"),
        None,
        "Sheena Nelson",
        vec![text(
            "16505551234",
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            1782900123,
            "Hi! Is my order #4471 shipped yet?",
        )],
    );
    assert_eq!(engine.deliver(&body).await, 200);
    home.wait_processed();
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1);
    let msgs = home.messages(conversations[0]["id"].as_i64().unwrap());
    let mut wamids: Vec<&str> = msgs.iter().map(|m| m["wamid"].as_str().unwrap()).collect();
    let total = wamids.len();
    wamids.sort();
    wamids.dedup();
    assert_eq!(total, wamids.len(), "a message was stored twice");
    assert_eq!(
        total,
        4 + 17,
        "4 reference messages + 17 message-like types"
    );
    // Unread counts messages, not deliveries.
    assert_eq!(conversations[0]["unread"], 21);
    let journal = home.json(&["journal", "--all"]);
    let repeated: Vec<i64> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["deliveries"].as_i64().unwrap())
        .collect();
    assert_eq!(repeated.iter().filter(|d| **d == 3).count(), 5, "{journal}");
}

#[tokio::test]
async fn statuses_only_move_forward_whatever_order_they_arrive_in() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let t = now() - 600;
    // Our outgoing messages, as echoes from the phone app.
    for (w, body) in [
        ("wamid.OUT1", "First"),
        ("wamid.OUT2", "Second"),
        ("wamid.OUT3", "Third"),
    ] {
        assert_eq!(
            engine.deliver(&echo(PNID, "16505551234", w, t, body)).await,
            200
        );
    }
    // read before delivered: ends as read.
    engine
        .deliver(&statuses(PNID, vec![status("wamid.OUT1", "read", t + 20)]))
        .await;
    home.wait_processed();
    engine
        .deliver(&statuses(
            PNID,
            vec![status("wamid.OUT1", "delivered", t + 10)],
        ))
        .await;
    engine
        .deliver(&statuses(PNID, vec![status("wamid.OUT1", "sent", t + 5)]))
        .await;
    // A status for a message not stored yet is kept, then applied when the message arrives.
    engine
        .deliver(&statuses(
            PNID,
            vec![status("wamid.LATE", "delivered", t + 30)],
        ))
        .await;
    // failed wins over delivered, with its code and title.
    let mut failed = status("wamid.OUT2", "failed", t + 40);
    failed["errors"] = json!([{"code": 131047, "title": "Re-engagement message",
        "message": "Re-engagement message", "error_data": {"details": "more than 24 hours"}}]);
    engine
        .deliver(&statuses(
            PNID,
            vec![status("wamid.OUT2", "delivered", t + 30), failed],
        ))
        .await;
    engine
        .deliver(&statuses(PNID, vec![status("wamid.OUT2", "read", t + 50)]))
        .await;
    engine
        .deliver(&statuses(
            PNID,
            vec![status("wamid.OUT3", "played", t + 50)],
        ))
        .await;
    home.wait_processed();
    assert_eq!(
        engine
            .deliver(&echo(PNID, "16505551234", "wamid.LATE", t + 1, "Late"))
            .await,
        200
    );
    home.wait_processed();

    let msgs = home.all_messages();
    assert_eq!(by_wamid(&msgs, "wamid.OUT1")["status"], "read");
    let out2 = by_wamid(&msgs, "wamid.OUT2");
    assert_eq!(out2["status"], "failed");
    assert_eq!(
        out2["error"],
        json!({"code": 131047, "title": "Re-engagement message",
               "explanation": "the 24-hour window is closed: send a template",
               "for_admin": true})
    );
    assert_eq!(by_wamid(&msgs, "wamid.OUT3")["status"], "played");
    assert_eq!(by_wamid(&msgs, "wamid.LATE")["status"], "delivered");
    assert_eq!(by_wamid(&msgs, "wamid.OUT1")["error"], Value::Null);
}

#[tokio::test]
async fn the_reference_statuses_apply_to_their_messages() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    // The wamid the reference statuses describe, sent (as an echo) before them.
    let quoted = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNCMUQ2RTQ4RjIwN0ZCQ0QA";
    engine
        .deliver(&echo(
            PNID,
            "16505551234",
            quoted,
            1782900200,
            "Tuesday afternoon?",
        ))
        .await;
    for n in [
        "05_status_sent.json",
        "06_status_delivered_and_read.json",
        "07_status_failed_131047.json",
    ] {
        assert_eq!(engine.deliver(&fixture(n)).await, 200, "{n}");
    }
    home.wait_processed();
    assert_eq!(home.message(quoted)["status"], "delivered");
    assert!(home.json(&["journal"]).as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_customer_known_only_by_bsuid_gets_a_conversation() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    assert_eq!(
        engine
            .deliver(&fixture("13_bsuid_only_customer.json"))
            .await,
        200
    );
    home.wait_processed();
    let conversations = home.conversations();
    let c = conversation_of(&conversations, "US.99887766554433221100");
    assert_eq!(c["contact"]["wa_id"], Value::Null);
    assert_eq!(c["contact"]["name"], "Hidden Number");
    assert_eq!(
        c["last_message"]["text"],
        "I use a username, no phone shown"
    );
    // The same person later seen with both ids stays one contact.
    let both = inbound(
        PNID,
        Some("14155550100"),
        Some("US.99887766554433221100"),
        "Hidden Number",
        vec![
            json!({"from": "14155550100", "from_user_id": "US.99887766554433221100",
                    "id": "wamid.BSUIDBOTH", "timestamp": "1782900950", "type": "text",
                    "text": {"body": "now with my number"}}),
        ],
    );
    engine.deliver(&both).await;
    home.wait_processed();
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    assert_eq!(conversations[0]["contact"]["wa_id"], "14155550100");
    assert_eq!(conversations[0]["unread"], 2);
}

#[tokio::test]
async fn echoes_and_history_never_open_or_extend_the_window() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let t = now();
    // A customer whose window closed two days ago...
    let old = t - 3 * 86_400;
    engine
        .deliver(&inbound(
            PNID,
            Some("5215598765432"),
            None,
            "Lupita",
            vec![text("5215598765432", "wamid.OLD", old, "Hola")],
        ))
        .await;
    home.wait_processed();
    // ...then we write from the phone app, and the phone app's history is imported.
    engine
        .deliver(&echo(
            PNID,
            "5215598765432",
            "wamid.ECHO",
            t - 60,
            "¡Hola! ¿Sigues interesado?",
        ))
        .await;
    let history = delivery(
        WABA,
        "history",
        json!({"messaging_product": "whatsapp", "metadata": metadata(PNID, DISPLAY),
               "history": [{"metadata": {"phase": 0, "chunk_order": 1, "progress": 100},
                            "threads": [{"id": "5215598765432", "messages": [
                                {"from": "5215598765432", "id": "wamid.HIST", "timestamp": (t - 120).to_string(),
                                 "type": "text", "text": {"body": "from the phone's history"}}]}]}]}),
    );
    engine.deliver(&history).await;
    home.wait_processed();
    let conversations = home.conversations();
    let c = conversation_of(&conversations, "5215598765432");
    assert_eq!(c["window"]["open"], false, "{c:#}");
    assert_eq!(c["last_inbound_at"], wabox::domain::time::rfc3339(old));
    assert_eq!(c["unread"], 1, "echoes and history are not unread");
    assert_eq!(c["last_message"]["text"], "¡Hola! ¿Sigues interesado?");
    let echo_msg = home.message("wamid.ECHO");
    assert_eq!(echo_msg["direction"], "out");
    assert_eq!(echo_msg["origin"], "phone_app");
    assert_eq!(home.message("wamid.HIST")["origin"], "history");

    // A customer message opens it: 24 hours from that message.
    engine
        .deliver(&inbound(
            PNID,
            Some("5215598765432"),
            None,
            "Lupita",
            vec![text("5215598765432", "wamid.NEW", t - 30, "Sí")],
        ))
        .await;
    home.wait_processed();
    let conversations = home.conversations();
    let c = conversation_of(&conversations, "5215598765432");
    assert_eq!(c["window"]["open"], true);
    assert_eq!(
        c["window"]["closes_at"],
        wabox::domain::time::rfc3339(t - 30 + 86_400)
    );
    // And a later echo does not extend it.
    engine
        .deliver(&echo(PNID, "5215598765432", "wamid.ECHO2", t, "Perfecto"))
        .await;
    home.wait_processed();
    let conversations = home.conversations();
    let c = conversation_of(&conversations, "5215598765432");
    assert_eq!(
        c["window"]["closes_at"],
        wabox::domain::time::rfc3339(t - 30 + 86_400)
    );
}

#[tokio::test]
async fn the_reference_coexistence_payloads_make_one_conversation() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Tienda MX"]);
    home.add_number(
        "Tienda MX",
        "223344556677889",
        "118273645590011",
        "+52 1 55 1234 5678",
        "coexistence",
    );
    let engine = home.start_engine();
    assert_eq!(
        engine.deliver(&fixture("08_smb_message_echoes.json")).await,
        200
    );
    assert_eq!(engine.deliver(&fixture("09_history.json")).await, 200);
    home.wait_processed();
    let conversations = home.conversations();
    assert_eq!(
        conversations.len(),
        1,
        "the echo's BSUID and the history's wa_id are one customer"
    );
    let msgs = home.messages(conversations[0]["id"].as_i64().unwrap());
    let summary: Vec<(&str, &str, &str)> = msgs
        .iter()
        .map(|m| {
            (
                m["direction"].as_str().unwrap(),
                m["origin"].as_str().unwrap(),
                m["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("in", "history", "Hola, ¿tienen la talla M?"),
            ("out", "history", "Sí, nos quedan dos."),
            ("out", "phone_app", "¡Claro! Te lo aparto hasta mañana."),
        ]
    );
    assert_eq!(msgs[1]["status"], "delivered");
    assert_eq!(conversations[0]["unread"], 0);
    assert_eq!(conversations[0]["window"]["open"], false);
}

#[tokio::test]
async fn template_and_account_events_are_routed_by_waba() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    assert_eq!(
        engine
            .deliver(&fixture("12_template_and_account_update.json"))
            .await,
        200
    );
    // Unknown WABA: unrouted.
    let other = String::from_utf8(fixture("12_template_and_account_update.json"))
        .unwrap()
        .replace("104829357711032", "999000999000");
    assert_eq!(engine.deliver(other.as_bytes()).await, 200);
    home.wait_processed();
    let unrouted = home.json(&["journal", "--unrouted"]);
    assert_eq!(unrouted.as_array().unwrap().len(), 1);
    assert!(
        unrouted[0]["detail"]
            .as_str()
            .unwrap()
            .contains("unknown WABA 999000999000")
    );
    let db = home.open_store();
    let (name, status): (String, String) = db
        .query_row(
            "SELECT name, status FROM templates WHERE template_id = '594425479261596'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (name.as_str(), status.as_str()),
        ("order_update", "APPROVED")
    );
    let event: String = db
        .query_row(
            "SELECT event FROM account_events WHERE field = 'account_update'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(event, "PARTNER_REMOVED");
}
