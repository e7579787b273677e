//! An inbox or a command that meets an engine speaking another protocol says so, naming both
//! versions and what to install, instead of failing on a line it cannot parse. The engine here
//! is a fake: a Unix socket in the test's data dir answering as an older or newer engine would.

use crate::common::Home;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use wabox::protocol::PROTOCOL_VERSION;

/// A fake engine on the home's socket: each request line gets `answer(request)` back.
fn fake_engine(home: &Home, answer: fn(&Value) -> Value) {
    std::fs::create_dir_all(&home.data).unwrap();
    let listener = UnixListener::bind(home.data.join("wabox.sock")).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            std::thread::spawn(move || {
                let mut write = stream.try_clone().unwrap();
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { return };
                    let request: Value = serde_json::from_str(&line).unwrap();
                    let mut out = serde_json::to_vec(&answer(&request)).unwrap();
                    out.push(b'\n');
                    if write.write_all(&out).is_err() {
                        return;
                    }
                }
            });
        }
    });
}

fn hello(id: &Value, protocol: Option<u32>) -> Value {
    let mut info = json!({"version": "9.9.9", "mode": "engine", "data_dir": "/x", "user": "u"});
    if let Some(p) = protocol {
        info["protocol"] = json!(p);
    }
    json!({"id": id, "ok": {"kind": "hello", "data": info}})
}

fn stderr_of(home: &Home, args: &[&str]) -> String {
    let out = home.run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?} did not fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_command_meeting_a_newer_engine_names_both_versions_and_what_to_install() {
    let home = Home::new();
    fake_engine(&home, |r| hello(&r["id"], Some(PROTOCOL_VERSION + 1)));
    let said = stderr_of(&home, &["tenants", "list"]);
    let socket = home.data.join("wabox.sock");
    let expected = format!(
        "this wabox speaks protocol {} but the engine at {} speaks {}: install the same wabox version as the engine (`wabox --version`)",
        PROTOCOL_VERSION,
        socket.display(),
        PROTOCOL_VERSION + 1
    );
    assert!(said.contains(&expected), "{said}");
    let said = stderr_of(&home, &["tenants", "list", "--json"]);
    let error: Value = serde_json::from_str(said.trim()).expect("one JSON error");
    assert_eq!(error["error"]["code"], "protocol_mismatch", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&expected)),
        "{error}"
    );
}

#[test]
fn a_command_meeting_an_engine_from_before_the_handshake_says_so_too() {
    let home = Home::new();
    fake_engine(&home, |r| hello(&r["id"], None));
    let said = stderr_of(&home, &["tenants", "list"]);
    assert!(
        said.contains("answers in another one: install the same wabox version as the engine"),
        "{said}"
    );
    assert!(!said.contains("unknown variant"), "{said}");
}

#[test]
fn an_answer_of_a_kind_this_wabox_does_not_know_reads_as_a_version_mismatch() {
    let home = Home::new();
    fake_engine(&home, |r| {
        if r["request"]["op"] == "hello" {
            hello(&r["id"], Some(PROTOCOL_VERSION))
        } else {
            json!({"id": r["id"], "ok": {"kind": "tenants_from_the_future", "data": [1]}})
        }
    });
    let said = stderr_of(&home, &["tenants", "list"]);
    assert!(
        said.contains(&format!("this wabox speaks protocol {PROTOCOL_VERSION}"))
            && said.contains("install the same wabox version as the engine"),
        "{said}"
    );
    assert!(
        !said.contains("unknown variant") && !said.contains("unreadable"),
        "{said}"
    );
}

#[test]
fn a_spanish_inbox_meeting_a_newer_engine_says_so_in_spanish() {
    let home = Home::new();
    let config = std::fs::read_to_string(&home.config).unwrap();
    std::fs::write(&home.config, format!("{config}\n[ui]\nlanguage = \"es\"\n")).unwrap();
    fake_engine(&home, |r| hello(&r["id"], Some(PROTOCOL_VERSION + 1)));
    let said = stderr_of(&home, &["tui"]);
    assert!(
        said.contains(&format!(
            "esta bandeja habla el protocolo {PROTOCOL_VERSION} pero el motor en"
        )) && said.contains("instala la misma versión de wabox que el motor"),
        "{said}"
    );
}
