//! Failures said once, with advice that fits who reads them and what failed (issue 15, defect
//! 6), and a file refused for what its bytes are, not its name (defect 18).

use crate::common::world::{customer, json_of, world_with};
use crate::common::*;

/// The token Meta (the simulator) now accepts for the number: the stored one is refused (190).
const RENEWED_TOKEN: &str = "EAA-TEST-RENEWED-TOKEN-p4Qs8Vd1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_stored_token_is_explained_once_for_agents_and_admins() {
    let w = world_with(|o| o.numbers[0].token = RENEWED_TOKEN.into()).await;
    let c = w.customer_writes(&customer(1), 60).await;
    w.home.ok(&["queues", "add", "Sales", "--tenant", "Acme"]);
    w.home.ok(&["queues", "assign", PNID, "Sales"]);
    w.home.ok(&["agents", "add", "alice", "--queue", "Sales"]);

    let out = w.send(&[
        "--conversation",
        &c.to_string(),
        "--text",
        "hello",
        "--wait",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    // Once, not "the access token expired … (code 190) (190): the access token expired …".
    assert_eq!(said.matches("expired or was revoked").count(), 1, "{said}");
    assert_eq!(said.matches("190").count(), 1, "{said}");
    assert!(said.contains("renew it with `wabox connect`"), "{said}");
    assert!(
        !said.contains("an admin must"),
        "an admin is told what to run: {said}"
    );
    assert!(
        said.contains("(Meta: Error validating access token"),
        "Meta's own words stay available: {said}"
    );

    // An agent reads that an admin must act; Meta's words and the code stay in --json.
    let as_alice = w.home.ok(&["--as", "alice", "messages", &c.to_string()]);
    assert!(
        as_alice.contains("an admin must reconnect the number"),
        "{as_alice}"
    );
    assert!(!as_alice.contains("wabox connect"), "{as_alice}");
    let messages = w.home.json(&["--as", "alice", "messages", &c.to_string()]);
    let failed = messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["status"] == "failed")
        .expect("the failed send");
    assert_eq!(failed["error"]["code"], 190);
    assert_eq!(
        failed["error"]["title"],
        "Error validating access token: The session is invalid."
    );
    assert!(
        failed["error"]["explanation"]
            .as_str()
            .unwrap()
            .contains("an admin must reconnect")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_typed_just_now_that_meta_refuses_is_to_be_checked_not_reconnected() {
    let w = world_with(|_| {}).await;
    let out = w.home.connect_manual(
        "EAA-TEST-TYPO-TOKEN-xx",
        &[
            "--tenant",
            "Acme",
            "--phone-number-id",
            PNID,
            "--waba-id",
            WABA,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("Meta refused this token: check it"), "{said}");
    assert!(!said.contains("reconnect"), "{said}");
    assert_eq!(said.matches("190").count(), 1, "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_file_named_like_an_image_is_refused_for_what_it_is() {
    let w = world_with(|_| {}).await;
    let c = w.customer_writes(&customer(2), 60).await.to_string();
    let fake = w.home.dir.path().join("fake.jpg");
    std::fs::write(&fake, "this is not a photo, just words\n").unwrap();
    let out = w.send(&["--conversation", &c, "--file", fake.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("fake.jpg: it is sent as an image (image/jpeg), but its content is text"),
        "{said}"
    );
    assert!(said.contains("--kind document"), "{said}");
    assert!(w.sim.uploads().is_empty(), "nothing reaches Meta");
    assert!(
        w.home
            .messages(c.parse().unwrap())
            .iter()
            .all(|m| m["direction"] == "in"),
        "nothing is queued"
    );

    // A real image with the wrong extension goes as what its bytes say.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.resize(2_000, 7);
    let misnamed = w.home.dir.path().join("photo.jpg");
    std::fs::write(&misnamed, png).unwrap();
    let sent = json_of(&w.send(&[
        "--conversation",
        &c,
        "--file",
        misnamed.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(sent["type"], "image", "{sent}");

    // As a document, the same text file goes.
    let out = w.send(&[
        "--conversation",
        &c,
        "--file",
        fake.to_str().unwrap(),
        "--kind",
        "document",
        "--mime",
        "text/plain",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A loopback reverse proxy in front of the engine that answers 404 for the `blocked` paths
/// (prefixes), as a proxy configured for `/webhook` only would; the engine's address is set
/// once it runs.
async fn proxy(blocked: Vec<&'static str>) -> (String, std::sync::Arc<std::sync::Mutex<String>>) {
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let target = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let to = target.clone();
    let http = wabox_cloud::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (to, http, blocked) = (to.clone(), http.clone(), blocked.clone());
        async move {
            let path = req.uri().path().to_string();
            if blocked.iter().any(|b| path.starts_with(b)) {
                return (StatusCode::NOT_FOUND, "404 page not found").into_response();
            }
            let engine = to.lock().unwrap().clone();
            let query = req
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let method = req.method().clone();
            let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap();
            let answer = http
                .request(method, format!("http://{engine}{path}{query}"))
                .body(body)
                .send()
                .await
                .unwrap();
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
            (status, Body::from(answer.bytes().await.unwrap())).into_response()
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, target)
}

/// A home whose public URL is the proxy, and its engine behind it.
fn behind(proxy_url: &str) -> (Home, Engine) {
    let home = Home::new();
    let mut config = std::fs::read_to_string(&home.config).unwrap();
    config.push_str(&format!("public_url = \"{proxy_url}\"\n"));
    std::fs::write(&home.config, config).unwrap();
    let engine = home.start_engine();
    (home, engine)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_test_names_the_public_path_the_proxy_does_not_forward() {
    let (url, target) = proxy(vec!["/kapso/success", "/healthz"]).await;
    let (home, engine) = behind(&url);
    *target.lock().unwrap() = engine.addr.clone();
    let said = home.ok(&["connect", "dashboard", "--test"]);
    assert!(said.contains("Handshake: ok"), "{said}");
    assert!(
        said.contains(
            "/kapso/success: FAILED, answered HTTP 404, not from this engine: the reverse proxy \
             does not forward /kapso/success"
        ),
        "{said}"
    );
    for fine in [
        "/oauth/callback: ok",
        "/kapso/failed: ok",
        "/c/: ok",
        "/api: ok",
        "/healthz: ok",
    ] {
        assert!(said.contains(fine), "{fine}: {said}");
    }

    // A proxy that publishes everything, /healthz included: that one is named too.
    let (url, target) = proxy(vec![]).await;
    let (home, engine) = behind(&url);
    *target.lock().unwrap() = engine.addr.clone();
    let d = home.json(&["connect", "dashboard", "--test"]);
    let paths = d["paths"].as_array().unwrap();
    let failed: Vec<&str> = paths
        .iter()
        .filter(|p| p["ok"] == false)
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["/healthz"], "{d}");
    assert!(
        paths.iter().any(|p| p["path"] == "/kapso/webhook"),
        "every public path is listed: {d}"
    );
}
