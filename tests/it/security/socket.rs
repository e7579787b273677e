//! The engine's socket: who reaches it, and what a client can make the engine hold.

use crate::common::users::Team;
use crate::common::world::{customer, json_of, world};
use crate::common::*;
use std::time::Duration;

#[test]
fn only_the_teams_group_reaches_the_socket_and_only_wabox_users_are_answered() {
    let Some(mut team) = Team::new("socket group") else {
        return;
    };
    let agent = team.member();
    let outsider = team.outsider();
    let home = Home::for_team(&team);
    let _engine = home.start_engine();
    home.with_sales_agents(&[&agent]);

    let out = home.run_as(&agent, &["conversations", "--json"]);
    assert!(
        out.status.success(),
        "the agent was refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = home.run_as(&outsider, &["conversations", "--json"]);
    assert!(
        !out.status.success(),
        "a user outside the group was answered"
    );
}

/// A kB figure of the engine's /proc status: `VmRSS` now, `VmHWM` the peak so far.
fn engine_memory_kb(engine: &Engine, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", engine.child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in the engine's status"))
}

/// Runs a Perl script as `user` (real uid, gid and groups) with the socket's path as its
/// argument: the tests need a raw client of another uid, which the wabox binary is not.
fn perl_as(home: &Home, user: &str, script: &str) -> std::process::Command {
    let c = home.command_as(user, &[]);
    let program = c.get_program().to_owned();
    let mut args: Vec<std::ffi::OsString> = c.get_args().map(|a| a.to_owned()).collect();
    // setpriv's own options stay; what follows `--` (wabox and its flags) is replaced.
    let cut = args.iter().position(|a| a == "--").unwrap() + 1;
    args.truncate(cut);
    let mut perl = std::process::Command::new(program);
    perl.args(args)
        .arg("perl")
        .arg("-MIO::Socket::UNIX")
        .arg("-e")
        .arg(script)
        .arg(home.data.join("wabox.sock"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir("/");
    perl
}

#[test]
fn a_group_member_who_is_no_wabox_user_is_refused_at_accept_before_anything_is_read() {
    let Some(mut team) = Team::new("refused at accept") else {
        return;
    };
    let stranger = team.member();
    let home = Home::for_team(&team);
    let _engine = home.start_engine();

    // The stranger sends nothing: the engine speaks first, one line, and closes.
    let script = r#"
        $| = 1;
        my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!";
        local $SIG{ALRM} = sub { print "still open\n"; exit 0 };
        alarm 10;
        my $line = <$s>;
        print "said: $line";
        my $more = <$s>;
        print defined $more ? "more: $more" : "closed\n";
    "#;
    let out = perl_as(&home, &stranger, script).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("\"code\":\"not_a_user_to_connect\""),
        "{text}"
    );
    assert!(text.ends_with("closed\n"), "{text}");

    let out = home.run_as(&stranger, &["conversations"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a wabox user"), "{err}");
}

#[test]
fn a_request_line_without_end_is_cut_at_the_limit_and_the_engine_stays_small() {
    use std::io::{BufRead, Write};
    let home = Home::new();
    let engine = home.start_engine();
    home.ok(&["conversations"]);
    let before = engine_memory_kb(&engine, "VmHWM");

    let sent = 8 * 1024 * 1024;
    let socket = std::os::unix::net::UnixStream::connect(home.data.join("wabox.sock")).unwrap();
    let mut writer = socket.try_clone().unwrap();
    // The engine stops reading at the limit: the rest of the write fails, which is the point.
    let flood = std::thread::spawn(move || {
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..sent / chunk.len() {
            if writer.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let mut answer = String::new();
    std::io::BufReader::new(&socket)
        .read_line(&mut answer)
        .unwrap();
    flood.join().unwrap();
    assert!(
        answer.contains("\"code\":\"request_too_long\"") && answer.contains("1048576"),
        "the refusal names the limit: {answer}"
    );

    let grown = engine_memory_kb(&engine, "VmHWM").saturating_sub(before);
    assert!(
        grown < 3 * 1024,
        "the engine's peak memory grew by {grown} kB for an {sent}-byte line"
    );
    home.ok(&["conversations"]);
}

#[test]
fn past_its_connection_cap_a_user_is_refused_while_another_is_served() {
    use std::io::{BufRead, Write};
    let Some(mut team) = Team::new("connection cap") else {
        return;
    };
    let greedy = team.member();
    let other = team.member();
    let home = Home::for_team(&team);
    let _engine = home.start_engine();
    home.with_sales_agents(&[&greedy, &other]);

    // 64 connections, each past its first request, held until stdin closes; then one more.
    let script = r#"
        $| = 1;
        my @held;
        for (1..64) {
            my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect $_: $!";
            print $s qq({"id":1,"request":{"op":"hello"}}\n);
            my $answer = <$s>;
            die "no answer on connection $_" unless defined $answer;
            push @held, $s;
        }
        my $extra = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!";
        my $line = <$extra>;
        print "extra: $line";
        print "holding\n";
        <STDIN>;
    "#;
    let mut holder = perl_as(&home, &greedy, script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(holder.stdout.take().unwrap()).lines();
    let extra = lines.next().unwrap().unwrap();
    assert!(
        extra.contains("\"code\":\"user_connections_full\"") && extra.contains("\"max\":64"),
        "{extra}"
    );
    assert_eq!(lines.next().unwrap().unwrap(), "holding");

    let out = home.run_as(&greedy, &["conversations"]);
    assert!(!out.status.success(), "a 65th connection was served");
    let out = home.run_as(&other, &["conversations", "--json"]);
    assert!(
        out.status.success(),
        "another user was refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut stdin = holder.stdin.take().unwrap();
    let _ = stdin.write_all(b"\n");
    drop(stdin);
    holder.wait().unwrap();
    // Their connections closed, the greedy user is served again.
    let mut served = false;
    for _ in 0..50 {
        if home.run_as(&greedy, &["conversations"]).status.success() {
            served = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        served,
        "the user stayed refused after closing their connections"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_answered_while_idle_and_half_sent_connections_flood_the_port() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    use std::io::Write;
    let home = Home::new();
    // The engine starts with the usual soft limit of 1024 descriptors, which the flood below
    // would exhaust unless the engine raises it.
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    assert!(
        hard > 4096,
        "the test needs a hard limit above 4096 (it is {hard})"
    );
    setrlimit(Resource::RLIMIT_NOFILE, 1024.min(soft), hard).unwrap();
    let engine = home.start_engine();
    home.ok(&["agents", "add", "remote-ana", "--role", "admin"]);
    let token = home
        .ok(&["token", "create", "remote-ana"])
        .trim()
        .to_string();
    // This process holds the flood's 1,300 connections: its own soft limit goes to the hard one.
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", engine.child.id())).unwrap();
    let open_files = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    assert!(
        open_files.split_whitespace().nth(3) == Some(&hard.to_string()),
        "the engine's soft limit was not raised: {open_files}"
    );

    let mut flood = Vec::new();
    for _ in 0..1100 {
        flood.push(std::net::TcpStream::connect(&engine.addr).unwrap());
    }
    for i in 0..200 {
        let mut s = std::net::TcpStream::connect(&engine.addr).unwrap();
        let half = if i % 4 == 1 {
            // An upgrade to `/api` never finished.
            "GET /api HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgr".to_string()
        } else if i % 2 == 0 {
            "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Le".to_string()
        } else {
            "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"object\""
                .to_string()
        };
        s.write_all(half.as_bytes()).unwrap();
        flood.push(s);
    }
    let body = statuses(PNID, vec![status("wamid.FLOOD", "delivered", now())]);
    let answered = tokio::time::timeout(Duration::from_secs(5), engine.deliver(&body)).await;
    assert_eq!(
        answered.ok(),
        Some(200),
        "a signed delivery was not acknowledged within 5 s of the flood"
    );
    // An agent elsewhere is let in and answered too.
    let answered = tokio::time::timeout(Duration::from_secs(5), async {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
        let mut request = format!("ws://{}/api", engine.addr)
            .into_client_request()
            .unwrap();
        let bearer = format!("Bearer {token}").parse().unwrap();
        request.headers_mut().insert("authorization", bearer);
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let hello = serde_json::json!({"id": 1, "request": {"op": "hello"}});
        ws.send(Message::Text(hello.to_string().into()))
            .await
            .unwrap();
        loop {
            if let Some(Ok(Message::Text(t))) = ws.next().await {
                break serde_json::from_str::<serde_json::Value>(&t).unwrap();
            }
        }
    })
    .await
    .expect("an /api session was not answered within 5 s of the flood");
    assert_eq!(answered["ok"]["data"]["user"], "remote-ana", "{answered}");
    drop(flood);
}

/// A PDF of `len` bytes whose every byte depends on its place, so a chunk out of order shows.
pub(crate) fn numbered_pdf(len: usize) -> Vec<u8> {
    let mut data = b"%PDF-1.7\n".to_vec();
    data.extend((data.len()..len).map(|i| (i % 251) as u8));
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_several_chunks_reaches_meta_byte_exact_and_comes_back_the_same() {
    let w = world().await;
    let c = w.customer_writes(&customer(21), 30).await.to_string();
    let pdf = numbered_pdf(wabox::protocol::FILE_CHUNK_BYTES * 3 + 12_345);
    let path = w.home.dir.path().join("catalogue.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let sent = json_of(&w.send(&[
        "--conversation",
        &c,
        "--file",
        path.to_str().unwrap(),
        "--wait",
        "--timeout",
        "40",
        "--json",
    ]));
    assert_eq!(sent["type"], "document", "{sent}");
    let uploads = w.sim.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert!(
        w.sim.media(&uploads[0].media_id).unwrap().0 == pdf,
        "Meta got other bytes"
    );
    let staged = std::fs::read_dir(w.home.data.join("uploads"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(staged, 0, "the upload was left behind");

    let out = w.home.dir.path().join("back.pdf");
    w.home.ok(&[
        "media",
        "get",
        &sent["id"].to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        std::fs::read(&out).unwrap() == pdf,
        "media get gave other bytes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_customer_file_is_downloaded_and_fetched_four_times_at_once_with_little_memory() {
    use base64::Engine as _;
    use sha2::Digest;
    let w = world().await;
    let size = 20 * 1024 * 1024;
    let pdf = numbered_pdf(size);
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&pdf));
    w.sim.media_put("9500", pdf.clone(), "application/pdf");
    let peak_before_download = engine_memory_kb(&w.engine, "VmHWM");
    let doc = wabox::sim::customers::message(
        &w.sim,
        "document",
        serde_json::json!({"id": "9500", "mime_type": "application/pdf", "sha256": sha, "filename": "big.pdf"}),
        5,
    );
    w.sim
        .customer_message(PNID, &customer(22), doc)
        .await
        .unwrap();
    w.home.wait_processed();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let message = loop {
        let all = w.home.all_messages();
        if let Some(m) = all.iter().find(|m| m["type"] == "document")
            && m["media"]["state"] == "downloaded"
        {
            break m.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the file was not downloaded: {all:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let download_grew = engine_memory_kb(&w.engine, "VmHWM").saturating_sub(peak_before_download);
    assert!(
        download_grew < 10 * 1024,
        "downloading a 20 MiB file grew the engine's peak memory by {download_grew} kB"
    );

    let peak_before_gets = engine_memory_kb(&w.engine, "VmHWM");
    let id = message["id"].to_string();
    let outs: Vec<_> = (0..4)
        .map(|i| w.home.dir.path().join(format!("copy{i}.pdf")))
        .collect();
    std::thread::scope(|scope| {
        for out in &outs {
            let (home, id) = (&w.home, &id);
            scope.spawn(move || home.ok(&["media", "get", id, "--out", out.to_str().unwrap()]));
        }
    });
    for out in &outs {
        assert!(
            std::fs::read(out).unwrap() == pdf,
            "{} differs",
            out.display()
        );
    }
    let gets_grew = engine_memory_kb(&w.engine, "VmHWM").saturating_sub(peak_before_gets);
    assert!(
        gets_grew < 40 * 1024,
        "four gets of a 20 MiB file grew the engine's peak memory by {gets_grew} kB"
    );
}
