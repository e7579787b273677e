//! What customers' and agents' text can do to a terminal, which names wabox accepts, and which
//! ids may become part of a URL (issue 13, items 1, 13 and 14).

use crate::common::*;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// Clears the screen, writes the clipboard (OSC 52), retitles the window (OSC 2), sets a colour
/// with a C1 CSI, and turns what follows around (U+202E).
const HOSTILE: &str = "pedido \u{1b}[2J\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}]2;pwned\u{7}\u{9b}31m\u{202e}gpj.exe\u{2066}";

/// What no human-readable output may carry: ESC, BEL, any C1 control, bidi controls.
fn assert_inert(what: &str, out: &std::process::Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!bytes.contains(&0x1b), "{what}: ESC on {stream}: {text:?}");
        assert!(!bytes.contains(&0x07), "{what}: BEL on {stream}: {text:?}");
        let bad = text.chars().find(|c| {
            ('\u{80}'..='\u{9f}').contains(c)
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        });
        assert_eq!(
            bad, None,
            "{what}: a hidden character on {stream}: {text:?}"
        );
    }
}

/// A Graph API on 127.0.0.1 that records every path asked for: a template with `HOSTILE` in its
/// body, one good media file, and an error for anything else.
struct RecordingGraph {
    base: String,
    paths: Arc<Mutex<Vec<String>>>,
}

const GOOD_MEDIA: &str = "1318275649263411";

async fn recording_graph() -> RecordingGraph {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let paths = Arc::new(Mutex::new(Vec::new()));
    let state = (base.clone(), paths.clone());
    let app = axum::Router::new().fallback(answer).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    RecordingGraph { base, paths }
}

async fn answer(
    State((base, paths)): State<(String, Arc<Mutex<Vec<String>>>)>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_string();
    paths.lock().unwrap().push(path.clone());
    if path.ends_with("/message_templates") {
        return axum::Json(json!({"data": [{
            "id": "778899", "name": "order_update", "language": "en_US", "status": "APPROVED",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": format!("Hola {{{{1}}}} {HOSTILE}")}]
        }]}))
        .into_response();
    }
    if path.ends_with(&format!("/{GOOD_MEDIA}")) {
        return axum::Json(json!({"url": format!("{base}/files/{GOOD_MEDIA}"),
                                 "mime_type": "image/jpeg", "file_size": 3}))
        .into_response();
    }
    if path == format!("/files/{GOOD_MEDIA}") {
        return (axum::http::StatusCode::OK, "abc").into_response();
    }
    (
        axum::http::StatusCode::NOT_FOUND,
        axum::Json(json!({"error": {"message": "Unknown path", "code": 100}})),
    )
        .into_response()
}

fn media_state(home: &Home, wamid: &str) -> Value {
    home.message(wamid)["media"].clone()
}

fn wait_media(home: &Home, wamid: &str, state: &str) -> Value {
    for _ in 0..600 {
        let media = media_state(home, wamid);
        if media["state"] == state {
            return media;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{wamid}: media never {state}: {}", media_state(home, wamid));
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_text_is_shown_visibly_by_every_human_command_and_exactly_in_json() {
    let graph = recording_graph().await;
    let home = Home::with_graph(&graph.base);
    home.with_acme();
    home.ok(&["queues", "add", "Sales"]);
    let engine = home.start_engine();
    let ts = now();
    let body = inbound(
        PNID,
        Some("5215512345678"),
        None,
        HOSTILE,
        vec![
            text("5215512345678", "wamid.hostile-text", ts, HOSTILE),
            message(
                "5215512345678",
                "wamid.hostile-caption",
                ts + 1,
                "image",
                json!({"id": GOOD_MEDIA, "mime_type": "image/jpeg", "caption": HOSTILE}),
            ),
            message(
                "5215512345678",
                "wamid.hostile-file",
                ts + 2,
                "document",
                json!({"id": "1604825680670873", "mime_type": "application/pdf", "filename": HOSTILE}),
            ),
        ],
    );
    assert_eq!(engine.deliver(&body).await, 200);
    // A delivery for a number wabox does not know keeps its hostile id in the journal.
    let unrouted = statuses(HOSTILE, vec![status("wamid.x", "sent", ts)]);
    assert_eq!(engine.deliver(&unrouted).await, 200);
    home.wait_processed();
    home.ok(&["templates", "sync"]);
    let id = home.conversations()[0]["id"].as_i64().unwrap().to_string();
    home.ok(&["note", &id, HOSTILE]);
    home.ok(&["label", &id, "--add", "vip"]);
    home.ok(&["transfer", &id, "--queue", "Sales", "--note", HOSTILE]);

    for args in [
        vec!["messages", id.as_str()],
        vec!["conversations"],
        vec!["search", "pedido"],
        vec!["contact", id.as_str()],
        vec!["history", id.as_str()],
        vec!["journal", "--all"],
        vec!["journal", "--unrouted"],
        vec!["templates"],
    ] {
        let out = home.run(&args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_inert(&args.join(" "), &out);
    }
    // The escapes are shown, not dropped: the agent sees that something was there.
    let shown = home.ok(&["messages", &id]);
    assert!(
        shown.contains("^[[2J") && shown.contains("\\u{202e}gpj.exe"),
        "{shown}"
    );

    // --json carries every string exactly as the customer or the agent wrote it.
    let messages = home.messages(id.parse().unwrap());
    let texts: Vec<&str> = messages.iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.contains(&HOSTILE), "{texts:?}");
    let conversations = home.json(&["conversations"]);
    assert_eq!(conversations[0]["contact"]["name"], HOSTILE);
    let contact = home.json(&["contact", &id]);
    assert_eq!(contact["name"], HOSTILE);
    assert_eq!(contact["notes"][0]["text"], HOSTILE);
    let history = home.json(&["history", &id]);
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["note"] == HOSTILE),
        "{history}"
    );
    let templates = home.json(&["templates"]);
    assert_eq!(templates[0]["body"], format!("Hola {{{{1}}}} {HOSTILE}"));
    let found = home.json(&["search", "pedido"]);
    assert!(!found.as_array().unwrap().is_empty(), "{found}");
}

#[test]
fn an_error_quoting_hostile_text_is_shown_visibly() {
    let home = Home::new();
    let out = home.run(&["tenants", "add", "\u{1b}]52;c;aGk=\u{7}\u{202e}Acme"]);
    assert!(!out.status.success());
    assert_inert("tenants add", &out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("U+001B"), "says which character: {err}");
}

#[test]
fn names_that_look_alike_or_hide_characters_are_refused() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Acme"]);
    for look_alike in ["Acme\u{200b}", "\u{202e}Acme", "ACME", " acme ", "Ａｃｍｅ"] {
        let out = home.run(&["tenants", "add", look_alike]);
        assert!(!out.status.success(), "{look_alike:?} was accepted");
        assert_inert("tenants add", &out);
    }
    let tenants = home.json(&["tenants", "list"]);
    assert_eq!(tenants.as_array().unwrap().len(), 1, "{tenants}");

    home.ok(&["queues", "add", "Sales"]);
    let out = home.run(&["queues", "add", "SALES"]);
    assert!(!out.status.success(), "a queue differing only in case");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already exists"), "{err}");

    let out = home.run(&["agents", "add", "../../etc/passwd", "--queue", "Sales"]);
    assert!(!out.status.success(), "a path is no agent");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a Unix user name"), "{err}");
    let agents = home.json(&["agents", "list"]);
    assert!(
        agents
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["user"] != "../../etc/passwd"),
        "{agents}"
    );
    home.ok(&["agents", "add", "alice", "--queue", "Sales"]);
}

#[test]
fn sync_refuses_a_phone_number_id_that_is_a_path_and_names_it() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Acme"]);
    let file = home.dir.path().join("whatsapp-connections.json");
    std::fs::write(
        &file,
        json!([{"alias": "Ventas", "phoneNumberId": "../../etc/passwd",
                "displayNumber": "+1 555 078 3881", "wabaId": WABA}])
        .to_string(),
    )
    .unwrap();
    let out = home.run(&["sync", "--from", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("phoneNumberId") && err.contains("../../etc/passwd"),
        "{err}"
    );
    let numbers = home.json(&["numbers", "list"]);
    assert!(numbers.as_array().unwrap().is_empty(), "{numbers}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_media_id_shaped_like_a_path_never_reaches_a_url() {
    let graph = recording_graph().await;
    let home = Home::with_graph(&graph.base);
    home.with_acme();
    let engine = home.start_engine();
    let ts = now();
    let image = |wamid: &str, id: &str, at: i64| {
        message(
            "5215512345678",
            wamid,
            at,
            "image",
            json!({"id": id, "mime_type": "image/jpeg"}),
        )
    };
    let body = inbound(
        PNID,
        Some("5215512345678"),
        None,
        "Ana",
        vec![image("wamid.climbs", "../../../v9/secret", ts)],
    );
    assert_eq!(engine.deliver(&body).await, 200);
    home.wait_processed();
    // A good file after it: once it is downloaded, the engine has had its chance at the bad one.
    let body = inbound(
        PNID,
        Some("5215512345678"),
        None,
        "Ana",
        vec![image("wamid.good", GOOD_MEDIA, ts + 1)],
    );
    assert_eq!(engine.deliver(&body).await, 200);
    home.wait_processed();
    wait_media(&home, "wamid.good", "downloaded");

    let bad = media_state(&home, "wamid.climbs");
    assert_eq!(bad["state"], "failed", "{bad}");
    assert!(
        bad["error"]
            .as_str()
            .unwrap_or_default()
            .contains("media id"),
        "says why: {bad}"
    );
    let paths = graph.paths.lock().unwrap().clone();
    assert!(
        paths.iter().all(|p| p.ends_with(&format!("/{GOOD_MEDIA}"))
            || p == &format!("/files/{GOOD_MEDIA}")
            || p.ends_with("/message_templates")
            || p.ends_with("/debug_token")
            || p.contains(PNID)),
        "a request left the media paths: {paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.ends_with(&format!("/{GOOD_MEDIA}"))),
        "the good file was fetched: {paths:?}"
    );
    let out = home.run(&[
        "media",
        "retry",
        &home.message("wamid.climbs")["id"].to_string(),
    ]);
    assert!(
        !out.status.success(),
        "a bad id cannot be retried into a URL"
    );
}
