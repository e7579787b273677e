//! What the webhook listener refuses or keeps aside, through the real `wabox serve`: bad
//! signatures, unknown numbers (kept unrouted, replayed once added), malformed JSON (kept
//! invalid) and oversized bodies.

use crate::common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn a_bad_or_missing_signature_is_refused_and_nothing_is_stored() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let body = fixture("01_inbound_text.json");
    let wrong = wabox::webhook::signature::sign(b"not-the-app-secret", &body);
    assert_eq!(engine.post(body.clone(), Some(wrong)).await, 401);
    assert_eq!(engine.post(body.clone(), None).await, 401);
    assert_eq!(
        engine.post(body.clone(), Some("sha256=zz".into())).await,
        401
    );
    // A signature of another body.
    let other = sign(b"{}");
    assert_eq!(engine.post(body, Some(other)).await, 401);
    assert!(home.journal("--all").is_empty());
    assert!(home.conversations().is_empty());
}

#[tokio::test]
async fn an_unknown_number_is_kept_unrouted_and_replayed_after_it_is_added() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    // Two numbers of another WABA, neither known yet.
    assert_eq!(
        engine
            .deliver(&fixture("10_batch_two_phone_numbers.json"))
            .await,
        200
    );
    home.wait_processed();
    let unrouted = home.journal("--unrouted");
    assert_eq!(unrouted.len(), 1);
    let detail = unrouted[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("331122009988776") && detail.contains("331122009988777"),
        "{detail}"
    );
    assert!(home.conversations().is_empty(), "never guessed");

    // Adding one number is not enough: the delivery stays unrouted for the other.
    home.add_number(
        "Acme",
        "331122009988776",
        "120003456789012",
        "+447700900123",
        "dedicated",
    );
    let out = home.run(&["journal", "replay", "--all-unrouted", "--json"]);
    assert!(
        !out.status.success(),
        "a replay that leaves work undone exits non-zero"
    );
    let replay: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replay[0]["state"], "unrouted");
    assert_eq!(home.conversations().len(), 1);

    home.add_number(
        "Acme",
        "331122009988777",
        "120003456789012",
        "+447700900124",
        "dedicated",
    );
    let id = unrouted[0]["id"].as_i64().unwrap().to_string();
    let replay = home.json(&["journal", "replay", &id]);
    assert_eq!(replay[0]["state"], "processed");
    assert!(home.journal("--unrouted").is_empty());
    // The batch touched two numbers: one conversation each, each message once.
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 2);
    let tom = conversation_of(&conversations, "447700900456");
    assert_eq!(tom["phone_number_id"], "331122009988776");
    assert_eq!(tom["unread"], 1);
    let priya = conversation_of(&conversations, "447700900789");
    assert_eq!(priya["phone_number_id"], "331122009988777");
    assert_eq!(priya["from_ad"], true);
    assert_eq!(priya["contact"]["name"], "Priya");
    assert_eq!(home.all_messages().len(), 2);
}

#[tokio::test]
async fn replaying_an_unknown_journal_id_is_a_clear_error() {
    let home = Home::new();
    let out = home.run(&["journal", "replay", "999"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no journal entry 999"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[tokio::test]
async fn malformed_json_with_a_valid_signature_is_acknowledged_and_kept_invalid() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let garbage = b"{\"object\":\"whatsapp_business_account\",\"entry\":[{".to_vec();
    assert_eq!(engine.deliver(&garbage).await, 200);
    // Valid JSON, but a message with no id.
    let no_id = inbound(
        PNID,
        Some("1"),
        None,
        "x",
        vec![json!({"from": "1", "timestamp": "1", "type": "text"})],
    );
    assert_eq!(engine.deliver(&no_id).await, 200);
    home.wait_processed();
    let invalid = home.journal("--invalid");
    assert_eq!(invalid.len(), 2, "{invalid:#?}");
    assert_eq!(invalid[1]["bytes"], garbage.len());
    assert!(invalid[1]["detail"].as_str().unwrap().contains("not JSON"));
    assert!(
        invalid[0]["detail"]
            .as_str()
            .unwrap()
            .contains("messages[0]")
    );
    assert!(home.conversations().is_empty());
}

#[tokio::test]
async fn a_body_over_3_mib_is_refused_with_413() {
    let home = Home::new();
    let engine = home.start_engine();
    // A 4 MiB delivery is refused from its Content-Length, before its body is read: send only
    // the head and read the answer (a client still writing would see the connection close).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let big = 4 * 1024 * 1024;
    let mut tcp = tokio::net::TcpStream::connect(&engine.addr).await.unwrap();
    let head = format!(
        "POST /webhook HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\nx-hub-signature-256: {}\r\ncontent-length: {big}\r\n\r\n",
        engine.addr,
        sign(b"whatever")
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read(&mut answer))
        .await
        .expect("an answer before the body is sent")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(home.journal("--all").is_empty());
    // Just under the limit is read (and, not being JSON, kept as invalid).
    let mut near = b"[".to_vec();
    near.extend(vec![b' '; 3 * 1024 * 1024 - 100]);
    assert_eq!(engine.deliver(&near).await, 200);
}

#[tokio::test]
async fn the_metrics_count_what_the_listener_answered_for_this_machine_only() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let body = fixture("01_inbound_text.json");
    assert_eq!(engine.deliver(&body).await, 200);
    assert_eq!(
        engine.post(body.clone(), Some("sha256=00".into())).await,
        401
    );
    home.wait_processed();
    let metrics = engine.url().replace("/webhook", "/metrics");
    let http = reqwest::Client::new();
    let scrape = http.get(&metrics).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = scrape.text().await.unwrap();
    let backend = format!("wabox_store_info{{backend=\"{}\"}} 1", home.store_backend());
    for line in [
        "wabox_deliveries_acknowledged_total 1",
        "wabox_deliveries_refused_total{reason=\"signature\"} 1",
        "wabox_journal_pending 0",
        "wabox_journal_lag_seconds 0",
        &backend,
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} not in:\n{text}");
    }
    assert!(!text.contains(ACCESS_TOKEN) && !text.contains(APP_SECRET));
    // Through a proxy on this machine, it is somebody else asking: nothing here.
    let proxied = http
        .get(&metrics)
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 404);
}
