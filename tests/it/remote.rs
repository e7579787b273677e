//! Agents anywhere: tokens, `wabox login`, and the client API as a WebSocket at `/api`, through
//! the real binary. The remote user's commands run with a home of their own and a data dir that
//! does not exist: nothing of this host's engine is reachable to them but `/api`.

use crate::common::*;
use crate::team::{assigned, ids, new_customer_says_hi, sales_assigned_automatically, team};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest};

/// A token for `user`, as `token create` prints it (alone on stdout).
pub(crate) fn token_for(home: &Home, user: &str) -> String {
    let out = home.run(&["token", "create", user, "--name", "laptop"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("wabox_"), "{token}");
    token
}

/// Someone on another machine: a home of their own, no data dir of the engine's.
struct Remote {
    home: tempfile::TempDir,
}

impl Remote {
    fn new() -> Remote {
        Remote {
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--data-dir")
            .arg(self.home.path().join("no-engine-here"))
            .args(args)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env_remove("WABOX_SERVER")
            .env_remove("WABOX_TOKEN")
            .env_remove("WABOX_CONFIG")
            .env_remove("WABOX_DATA_DIR")
            .env_remove("WABOX_CA_FILE");
        c
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
        use std::io::Write;
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        drop(input);
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, &[], None);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args, &[], None);
        assert!(!out.status.success(), "{args:?} was allowed");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn login_file(&self) -> PathBuf {
        self.home.path().join(".config/wabox/login.toml")
    }
}

/// Every file under `dir` holds none of `secrets`.
fn assert_nowhere(dir: &Path, secrets: &[&str]) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            assert_nowhere(&path, secrets);
        } else if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            for s in secrets {
                assert!(!text.contains(s), "a token in {}", path.display());
            }
        }
    }
}

#[tokio::test]
async fn an_agent_with_a_token_works_from_elsewhere_within_their_queues() {
    let home = Home::new();
    let engine = home.start_engine();
    let (sales, support) = team(&home, &engine).await;
    let token = token_for(&home, "alice");
    let server = format!("http://{}", engine.addr);

    let alice = Remote::new();
    let out = alice.run(&["login", &server, "--token-stdin"], &[], Some(&token));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("as alice (agent)") && said.contains("until the token is revoked"),
        "{said}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(alice.login_file())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the login holds a secret");

    // The same scope as over the socket: Sales' conversation, not Support's.
    let mine: Value = serde_json::from_str(&alice.ok(&["conversations", "--json"])).unwrap();
    assert_eq!(ids(&mine), [sales]);
    let err = alice.refused(&["messages", &support.to_string()]);
    assert!(err.contains(&format!("no conversation {support}")), "{err}");
    alice.ok(&["claim", &sales.to_string()]);
    let claimed: Value = serde_json::from_str(&alice.ok(&["conversations", "--json"])).unwrap();
    assert_eq!(claimed[0]["assignee"], "alice");
    let err = alice.refused(&["queues", "add", "Mine"]);
    assert!(err.contains("only an admin"), "{err}");
    // Nothing of the engine host's paths, and no command that needs its disk.
    let sequences: Value =
        serde_json::from_str(&alice.ok(&["sequences", "list", "--json"])).unwrap();
    assert_eq!(sequences.get("dir"), Some(&Value::Null), "{sequences}");
    let err = alice.refused(&["backup", "--to", "/tmp/wabox-remote-backup.db"]);
    assert!(err.contains("on the engine's host"), "{err}");

    // A script's session: the environment, no saved login, the same JSON.
    let bob_token = token_for(&home, "bob");
    let script = Remote::new();
    let out = script.run(
        &["conversations", "--json"],
        &[("WABOX_SERVER", &server), ("WABOX_TOKEN", &bob_token)],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        !printed.contains(&bob_token) && !String::from_utf8_lossy(&out.stderr).contains(&bob_token)
    );
    let bobs: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(ids(&bobs), [support]);
    // Its --data-dir names nothing used there, and it is told so.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--data-dir is not used"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let half = script.run(&["conversations"], &[("WABOX_SERVER", &server)], None);
    assert!(String::from_utf8_lossy(&half.stderr).contains("without WABOX_TOKEN"));

    // Plain http:// to anywhere but this machine is refused before anything is sent.
    let err = alice.refused(&["login", "http://inbox.example.com"]);
    assert!(err.contains("unencrypted"), "{err}");

    let out = alice.ok(&["logout"]);
    assert!(out.contains("logged out"), "{out}");
    assert!(!alice.login_file().exists());

    // No token anywhere the engine writes: its store, its logs, what it printed.
    assert_nowhere(&home.data, &[&token, &bob_token]);
    let printed =
        std::fs::read_to_string(home.dir.path().join("engine-stderr.txt")).unwrap_or_default();
    assert!(!printed.contains(&token) && !printed.contains(&bob_token));
    let log: Value = home.json(&["audit"]);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"token_create") && actions.contains(&"api_login"),
        "{actions:?}"
    );
}

/// A WebSocket session as a script would open it; the handshake's refusal, if any.
async fn session(
    addr: &str,
    token: Option<&str>,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    let mut request = format!("ws://{addr}/api").into_client_request().unwrap();
    if let Some(t) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => Ok(ws),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

/// The next text message, as JSON.
async fn next_json<S>(ws: &mut S) -> Option<Value>
where
    S: futures_util::Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("the engine answers")?
            .ok()?;
        match message {
            Message::Text(t) => return Some(serde_json::from_str(&t).unwrap()),
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

#[tokio::test]
async fn refused_tokens_and_one_revoked_mid_session() {
    let home = Home::new();
    let engine = home.start_engine();
    team(&home, &engine).await;
    let token = token_for(&home, "alice");

    assert_eq!(session(&engine.addr, None).await.err(), Some(401));
    let wrong = format!("{token}x");
    assert_eq!(session(&engine.addr, Some(&wrong)).await.err(), Some(401));

    let mut ws = session(&engine.addr, Some(&token)).await.unwrap();
    let hello =
        json!({"id": 1, "request": {"op": "hello"}, "protocol": wabox::protocol::PROTOCOL_VERSION});
    ws.send(Message::Text(hello.to_string().into()))
        .await
        .unwrap();
    let answer = next_json(&mut ws).await.unwrap();
    assert_eq!(answer["ok"]["data"]["user"], "alice", "{answer}");
    assert_eq!(answer["ok"]["data"]["data_dir"], "", "no path of this host");
    ws.send(Message::Text(
        json!({"id": 2, "request": {"op": "subscribe"}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert!(next_json(&mut ws).await.unwrap()["ok"].is_object());

    // Revoked from the engine's host: the session hears why and is closed.
    let list: Value = home.json(&["token", "list"]);
    let id = list[0]["id"].as_i64().unwrap();
    home.ok(&["token", "revoke", &id.to_string()]);
    let why = loop {
        let frame = next_json(&mut ws).await.expect("told before the close");
        if frame["id"] == 0 {
            break frame;
        }
    };
    assert!(why.to_string().contains("token_revoked"), "{why}");
    assert!(next_json(&mut ws).await.is_none(), "then closed");
    assert_eq!(session(&engine.addr, Some(&token)).await.err(), Some(401));

    let log: Value = home.json(&["audit"]);
    let refused = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "api_login_refused")
        .count();
    assert_eq!(refused, 3, "{log}");
    assert!(!log.to_string().contains(&token));
}

#[tokio::test]
async fn a_session_is_bounded_like_a_socket_connection() {
    let home = Home::new();
    let engine = home.start_engine();
    team(&home, &engine).await;
    let token = token_for(&home, "alice");

    // A request larger than the socket's line is refused and the session ends.
    let mut ws = session(&engine.addr, Some(&token)).await.unwrap();
    let endless = "x".repeat(wabox::protocol::MAX_REQUEST_BYTES + 10);
    let _ = ws.send(Message::Text(endless.into())).await;
    assert!(next_json(&mut ws).await.is_none(), "closed");

    // A token holds at most eight sessions at once.
    let mut open = Vec::new();
    for _ in 0..8 {
        open.push(session(&engine.addr, Some(&token)).await.unwrap());
    }
    assert_eq!(session(&engine.addr, Some(&token)).await.err(), Some(429));
    drop(open.pop());
    // Its place is taken again once the engine has seen it go.
    let mut again = None;
    for _ in 0..50 {
        if let Ok(ws) = session(&engine.addr, Some(&token)).await {
            again = Some(ws);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a closed session frees its place");

    // Something that is not this protocol ends the session.
    let mut ws = open.pop().unwrap();
    ws.send(Message::Binary(vec![0u8; 4].into())).await.unwrap();
    assert!(next_json(&mut ws).await.is_none());
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`NAME.crt`) and, signed by it, a certificate for localhost and 127.0.0.1
/// (`NAME-server.crt`, `NAME-server.key`).
fn authority_and_server(dir: &Path, name: &str) {
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca_key = format!("{name}.key");
    let ca_crt = format!("{name}.crt");
    let subject = format!("/CN=wabox test {name}");
    let mut args = vec!["req"];
    args.extend(key);
    args.extend([
        "-x509", "-keyout", &ca_key, "-out", &ca_crt, "-days", "2", "-subj", &subject,
    ]);
    openssl(&args, dir);
    let (server_key, csr, crt, ext) = (
        format!("{name}-server.key"),
        format!("{name}-server.csr"),
        format!("{name}-server.crt"),
        format!("{name}-server.ext"),
    );
    let mut args = vec!["req"];
    args.extend(key);
    args.extend([
        "-keyout",
        &server_key,
        "-out",
        &csr,
        "-subj",
        "/CN=localhost",
    ]);
    openssl(&args, dir);
    std::fs::write(
        dir.join(&ext),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_crt,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &crt,
            "-days",
            "2",
            "-extfile",
            &ext,
        ],
        dir,
    );
}

/// A TLS terminator in front of the engine, as a reverse proxy would be: TLS with this
/// certificate outside, the engine's plain listener inside. Its address.
async fn terminator(dir: &Path, name: &str, engine: String) -> String {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join(format!("{name}-server.crt")))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join(format!("{name}-server.key"))).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, engine) = (acceptor.clone(), engine.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut inside) = tokio::net::TcpStream::connect(&engine).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut inside).await;
            });
        }
    });
    format!("localhost:{}", addr.port())
}

// Two workers: the commands run here block one while the terminator serves them on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_through_a_terminator_checked_against_a_private_ca() {
    let home = Home::new();
    let engine = home.start_engine();
    let (sales, _) = team(&home, &engine).await;
    let token = token_for(&home, "alice");
    let pki = tempfile::tempdir().unwrap();
    authority_and_server(pki.path(), "ours");
    authority_and_server(pki.path(), "theirs");
    let ours = terminator(pki.path(), "ours", engine.addr.clone()).await;
    let theirs = terminator(pki.path(), "theirs", engine.addr.clone()).await;
    let ca = pki.path().join("ours.crt");
    let ca = ca.to_str().unwrap();

    let alice = Remote::new();
    let tokio_run = |args: Vec<String>, env: Vec<(String, String)>| {
        let alice = &alice;
        let token = token.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            alice.run(&args, &env, Some(&token))
        }
    };
    // The private CA named: logged in, and working.
    let server = format!("https://{ours}");
    let out = tokio_run(
        vec!["login".into(), server.clone(), "--token-stdin".into()],
        vec![("WABOX_CA_FILE".into(), ca.into())],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = alice.run(&["conversations", "--json"], &[("WABOX_CA_FILE", ca)], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mine: Value = serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(ids(&mine), [sales]);

    // Without it, the certificate is nobody's the system trusts; another CA's is refused too.
    let out = alice.run(&["conversations", "--json"], &[], None);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TLS refused"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tokio_run(
        vec![
            "login".into(),
            format!("https://{theirs}"),
            "--token-stdin".into(),
        ],
        vec![("WABOX_CA_FILE".into(), ca.into())],
    )
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TLS refused"));
}

#[tokio::test]
async fn a_token_reaches_nothing_of_another_tenant() {
    const BETA_PNID: &str = "106540352247777";
    const BETA_WABA: &str = "104829357717777";
    const BETA_DISPLAY: &str = "15550787777";
    let home = Home::new();
    let engine = home.start_engine();
    let (sales, _) = team(&home, &engine).await;
    home.ok(&["tenants", "add", "Beta"]);
    home.add_number("Beta", BETA_PNID, BETA_WABA, BETA_DISPLAY, "dedicated");
    home.ok(&["queues", "add", "Help", "--tenant", "Beta"]);
    home.ok(&["queues", "assign", BETA_PNID, "Help"]);
    home.ok(&["agents", "add", "carl", "--queue", "Help"]);
    home.ok(&[
        "agents",
        "add",
        "beta-boss",
        "--role",
        "admin",
        "--tenant",
        "Beta",
    ]);
    let who = "16505550009";
    let body = inbound(
        BETA_PNID,
        Some(who),
        None,
        "Cliente",
        vec![text(who, "wamid.REMOTE.BETA", now(), "hola")],
    );
    assert_eq!(engine.deliver(&body).await, 200);
    home.wait_processed();
    let server = format!("http://{}", engine.addr);
    let as_remote = |token: String| {
        let remote = Remote::new();
        let out = remote.run(&["login", &server, "--token-stdin"], &[], Some(&token));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        remote
    };

    let carl = as_remote(token_for(&home, "carl"));
    let seen: Value = serde_json::from_str(&carl.ok(&["conversations", "--json"])).unwrap();
    let betas = ids(&seen);
    assert_eq!(betas.len(), 1, "{seen}");
    assert_ne!(betas[0], sales);
    let err = carl.refused(&["messages", &sales.to_string()]);
    assert!(err.contains(&format!("no conversation {sales}")), "{err}");
    let err = carl.refused(&["--as", "alice", "conversations"]);
    assert!(err.contains("not an admin"), "{err}");

    // Beta's admin: their tenant's users only, for tokens too.
    let boss = as_remote(token_for(&home, "beta-boss"));
    let err = boss.refused(&["token", "create", "alice"]);
    assert!(err.contains("not a user of your tenant"), "{err}");
    let listed: Value = serde_json::from_str(&boss.ok(&["token", "list", "--json"])).unwrap();
    let users: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["user"].as_str().unwrap())
        .collect();
    assert!(
        !users.is_empty() && users.iter().all(|u| ["carl", "beta-boss"].contains(u)),
        "{users:?}"
    );
    let all: Value = serde_json::from_str(&boss.ok(&["conversations", "--json"])).unwrap();
    assert_eq!(ids(&all), betas, "the tenant's conversations, not Acme's");
}

// Two workers: the commands run here block one while the engine's simulator serves on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_goes_out_and_comes_back_through_api_byte_exact() {
    let w = crate::common::world::world().await;
    let c = w
        .customer_writes(&crate::common::world::customer(31), 30)
        .await
        .to_string();
    w.home.ok(&["agents", "add", "filer", "--role", "admin"]);
    let token = token_for(&w.home, "filer");
    let server = format!("http://{}", w.engine.addr);
    let filer = Remote::new();
    let out = filer.run(&["login", &server, "--token-stdin"], &[], Some(&token));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Three chunks and some: each goes as a request of its own, as over the socket.
    let pdf = crate::security::socket::numbered_pdf(wabox::protocol::FILE_CHUNK_BYTES * 3 + 777);
    let path = filer.home.path().join("catalogue.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let path = path.to_str().unwrap();
    let sent: Value = serde_json::from_str(&filer.ok(&[
        "send",
        "--conversation",
        &c,
        "--file",
        path,
        "--wait",
        "--timeout",
        "40",
        "--json",
    ]))
    .unwrap();
    assert_eq!(sent["type"], "document", "{sent}");
    let uploads = w.sim.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert!(
        w.sim.media(&uploads[0].media_id).unwrap().0 == pdf,
        "Meta got other bytes"
    );

    let back = filer.home.path().join("back.pdf");
    filer.ok(&[
        "media",
        "get",
        &sent["id"].to_string(),
        "--out",
        back.to_str().unwrap(),
    ]);
    assert!(
        std::fs::read(&back).unwrap() == pdf,
        "media get gave other bytes"
    );

    // The inbox's link fetches it to its private directory a chunk at a time: the answer
    // describes the file and carries none of it.
    let message_id = sent["id"].as_i64().unwrap();
    let dial = wabox::client::Dial::Remote(wabox::client::remote::Server {
        url: server.clone(),
        token: token.clone(),
    });
    let client = wabox::client::Client::dial(&dial).await.unwrap();
    let (requests, mut events) = wabox::tui::link::spawn::<&'static str>(client, None);
    let get = wabox::protocol::Request::GetMedia {
        message_id,
        offset: 0,
        len: None,
    };
    requests.send(("open", get)).unwrap();
    let answer = loop {
        let event = tokio::time::timeout(std::time::Duration::from_secs(30), events.recv())
            .await
            .expect("an answer within 30 s")
            .expect("the link runs");
        if let wabox::tui::link::LinkEvent::Reply("open", answer) = event {
            break *answer;
        }
    };
    let Ok(wabox::protocol::Response::Media(described)) = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(
        (described.bytes, described.data_base64.as_str()),
        (pdf.len(), "")
    );
    let fetched = wabox::tui::scratch::fetched_path(message_id).unwrap();
    assert!(
        std::fs::read(&fetched).unwrap() == pdf,
        "the link fetched other bytes"
    );
    std::fs::remove_file(fetched).unwrap();
}

/// A session opened, said hello and subscribed (its user now has an inbox open).
async fn subscribed(
    addr: &str,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut ws = session(addr, Some(token)).await.unwrap();
    let hello =
        json!({"id": 1, "request": {"op": "hello"}, "protocol": wabox::protocol::PROTOCOL_VERSION});
    let subscribe = json!({"id": 2, "request": {"op": "subscribe"}});
    for (request, id) in [(hello, 1), (subscribe, 2)] {
        ws.send(Message::Text(request.to_string().into()))
            .await
            .unwrap();
        loop {
            let frame = next_json(&mut ws).await.expect("answered");
            if frame["id"] == id {
                assert!(frame["ok"].is_object(), "{frame}");
                break;
            }
        }
    }
    ws
}

/// A laptop that went to sleep with its inbox open says nothing, and nothing closes its
/// connection: the engine pings it, and having heard nothing for 45 s ends the session, so its
/// agent is no longer given conversations. A session that answers the pings, though it asks
/// nothing, stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_session_is_ended_and_its_agent_given_no_more_conversations() {
    let home = Home::new();
    let engine = home.start_engine();
    sales_assigned_automatically(&home, &["alice", "bob"]);
    let mut asleep = subscribed(&engine.addr, &token_for(&home, "alice")).await;
    // bob's session is read all along (so its WebSocket answers the engine's pings), and asks
    // nothing until the end.
    let (mut to_bob_engine, mut from_bob_engine) =
        subscribed(&engine.addr, &token_for(&home, "bob"))
            .await
            .split();
    let (bob_heard, mut bob_hears) = tokio::sync::mpsc::unbounded_channel();
    let reading = tokio::spawn(async move {
        while let Some(Ok(message)) = from_bob_engine.next().await {
            if let Message::Text(t) = message {
                let _ = bob_heard.send(serde_json::from_str::<Value>(&t).unwrap());
            }
        }
    });

    // Both inboxes open: automatic assignment counts alice in.
    for i in 0..2 {
        assert_eq!(engine.deliver(&new_customer_says_hi("SLEEP", i)).await, 200);
        home.wait_processed();
    }
    let mut before = assigned(&home, 2).await;
    before.sort_by_key(|a| a.to_string());
    assert_eq!(before, ["alice", "bob"]);

    // Past the 45 s the engine allows a silent session, and not far past.
    tokio::time::sleep(std::time::Duration::from_secs(50)).await;
    for i in 2..4 {
        assert_eq!(engine.deliver(&new_customer_says_hi("SLEEP", i)).await, 200);
        home.wait_processed();
    }
    let after = assigned(&home, 4).await;
    assert_eq!(
        after[2..],
        ["bob", "bob"],
        "alice's inbox is closed: {after:?}"
    );

    // What alice's laptop reads when it wakes: the engine's pings, then why it was closed, then
    // the end (read as bytes: a WebSocket would answer the pings, into a closed connection).
    let tokio_tungstenite::MaybeTlsStream::Plain(tcp) = asleep.get_mut() else {
        panic!("plain TCP on loopback")
    };
    let mut bytes = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tokio::io::AsyncReadExt::read_to_end(tcp, &mut bytes),
    )
    .await
    .expect("the engine ended the connection")
    .unwrap();
    let reason = b"no answer to pings";
    let mut close = vec![0x88, 2 + reason.len() as u8];
    close.extend_from_slice(&4002u16.to_be_bytes());
    close.extend_from_slice(reason);
    let before = bytes
        .strip_suffix(close.as_slice())
        .expect("closed with 4002 last");
    // The pushes it was sent while awake, then at least one ping (a final frame, no payload).
    assert!(before.ends_with(&[0x89, 0]), "pinged before");

    // bob's session, which answered every ping, still answers.
    to_bob_engine
        .send(Message::Text(
            json!({"id": 3, "request": {"op": "hello"}, "protocol": wabox::protocol::PROTOCOL_VERSION})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let answer = loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), bob_hears.recv())
            .await
            .expect("bob's session answers")
            .expect("bob's session is open");
        if frame["id"] == 3 {
            break frame;
        }
    };
    assert_eq!(answer["ok"]["data"]["user"], "bob", "{answer}");
    reading.abort();
}
