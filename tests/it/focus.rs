//! `Request::Focus` over the engine's socket: a connection that shows one conversation is
//! pushed that conversation's messages and every other conversation's row only; one that never
//! asked is pushed every message it may see.

use crate::common::*;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

/// One connection to the engine's socket, reading its lines as they come.
struct Connection {
    lines: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
    next_id: u64,
    /// Every push read so far.
    pushes: Vec<Value>,
}

impl Connection {
    async fn open(home: &Home) -> Connection {
        let stream = tokio::net::UnixStream::connect(home.data.join("wabox.sock"))
            .await
            .unwrap();
        let (read, write) = stream.into_split();
        Connection {
            lines: BufReader::new(read).lines(),
            write,
            next_id: 1,
            pushes: Vec::new(),
        }
    }

    /// Asks, and answers the answer (the pushes read meanwhile are kept).
    async fn call(&mut self, request: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut line = serde_json::to_vec(&json!({"id": id, "request": request})).unwrap();
        line.push(b'\n');
        self.write.write_all(&line).await.unwrap();
        loop {
            let frame = self.next().await.expect("an answer within 10 s");
            if frame["id"] == id {
                assert!(frame.get("ok").is_some(), "{frame}");
                return frame["ok"].clone();
            }
        }
    }

    async fn next(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
            .await
            .ok()?
            .unwrap()?;
        let frame: Value = serde_json::from_str(&line).unwrap();
        if let Some(push) = frame.get("push") {
            self.pushes.push(push.clone());
        }
        Some(frame)
    }

    /// Reads pushes until one carries the row of the conversation whose last message says
    /// `text`.
    async fn until_row_says(&mut self, text: &str) {
        while !self.pushes.iter().any(|p| row_saying(p, text).is_some()) {
            self.next()
                .await
                .unwrap_or_else(|| panic!("no row saying {text:?}; read {:#?}", self.pushes));
        }
    }

    /// The texts of the messages pushed so far.
    fn message_texts(&self) -> Vec<String> {
        self.pushes
            .iter()
            .filter_map(|p| p["messages"].as_array())
            .flatten()
            .map(|m| m["text"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The id of the conversation in this push whose last message says `text`.
fn row_saying(push: &Value, text: &str) -> Option<i64> {
    push["conversations"]
        .as_array()?
        .iter()
        .find(|c| c["last_message"]["text"] == text)
        .and_then(|c| c["id"].as_i64())
}

async fn subscribed(home: &Home, focus: Option<Value>) -> Connection {
    let mut c = Connection::open(home).await;
    c.call(json!({"op": "subscribe"})).await;
    if let Some(id) = focus {
        let done = c.call(json!({"op": "focus", "conversation_id": id})).await;
        assert_eq!(done["kind"], "done", "{done}");
    }
    c
}

fn from(customer: &str, wamid: &str, ts: i64, body: &str) -> Vec<u8> {
    inbound(
        PNID,
        Some(customer),
        None,
        "Focus Test",
        vec![text(customer, wamid, ts, body)],
    )
}

#[tokio::test]
async fn a_focused_connection_is_pushed_its_conversations_messages_and_the_others_rows() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let (ana, ben) = ("16505550101", "16505550102");

    // Ana's conversation exists; its id comes from the push that tells of it.
    let mut everything = subscribed(&home, None).await;
    engine
        .deliver(&from(ana, "wamid.FOCUS.1", 1782900000, "first from Ana"))
        .await;
    everything.until_row_says("first from Ana").await;
    let anas = everything
        .pushes
        .iter()
        .find_map(|p| row_saying(p, "first from Ana"))
        .unwrap();

    let mut on_ana = subscribed(&home, Some(json!(anas))).await;
    let mut on_nothing = subscribed(&home, Some(Value::Null)).await;
    engine
        .deliver(&from(ben, "wamid.FOCUS.2", 1782900010, "first from Ben"))
        .await;
    engine
        .deliver(&from(ana, "wamid.FOCUS.3", 1782900020, "second from Ana"))
        .await;
    for c in [&mut everything, &mut on_ana, &mut on_nothing] {
        c.until_row_says("first from Ben").await;
        c.until_row_says("second from Ana").await;
    }

    let texts = everything.message_texts();
    for said in ["first from Ben", "second from Ana"] {
        assert!(
            texts.iter().any(|t| t == said),
            "never focused: all, {texts:?}"
        );
    }
    assert_eq!(
        on_ana.message_texts(),
        ["second from Ana"],
        "focused on Ana: her messages only, Ben's conversation as its row"
    );
    assert!(
        on_nothing.message_texts().is_empty(),
        "focused on nothing: rows only, {:?}",
        on_nothing.message_texts()
    );

    // Moving the focus moves what comes: on Ben's conversation now.
    let bens = on_ana
        .pushes
        .iter()
        .find_map(|p| row_saying(p, "first from Ben"))
        .unwrap();
    on_ana
        .call(json!({"op": "focus", "conversation_id": bens}))
        .await;
    engine
        .deliver(&from(ana, "wamid.FOCUS.4", 1782900030, "third from Ana"))
        .await;
    engine
        .deliver(&from(ben, "wamid.FOCUS.5", 1782900040, "second from Ben"))
        .await;
    on_ana.until_row_says("third from Ana").await;
    on_ana.until_row_says("second from Ben").await;
    assert_eq!(
        on_ana.message_texts(),
        ["second from Ana", "second from Ben"]
    );
}
