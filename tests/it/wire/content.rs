//! Issue 14: see main.rs. What customers send beyond text, as Meta sends it: Flows, call
//! permission answers, calls, groups, and interactive replies Meta could not read.

use crate::common::world::*;
use crate::common::*;
use serde_json::{Value, json};

const GROUP: &str = "Q0FQSV9HUk9VUDo1OTE3MTIzMDAwMToxNzY3MjMzMDAwOjQ0";

/// A home with the Acme number, its engine, and these fixtures delivered and processed.
async fn delivered(fixtures: &[&str]) -> (Home, Engine) {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    for f in fixtures {
        assert_eq!(engine.deliver(&fixture(f)).await, 200, "{f}");
    }
    home.wait_processed();
    (home, engine)
}

fn conversation_id(home: &Home, wa_id: &str) -> i64 {
    conversation_of(&home.conversations(), wa_id)["id"]
        .as_i64()
        .unwrap()
}

fn group_conversation(home: &Home) -> Value {
    home.conversations()
        .into_iter()
        .find(|c| c["group"]["group_id"] == GROUP)
        .unwrap_or_else(|| panic!("no group conversation in {:#?}", home.conversations()))
}

#[tokio::test]
async fn a_flow_reply_shows_and_carries_what_the_customer_filled_in() {
    let (home, _engine) = delivered(&["wire_content_flow_reply.json"]).await;
    let m = home.message("wamid.CONTENTFLOWREPLY001");
    assert_eq!(m["type"], "interactive");
    assert_eq!(
        m["text"],
        "[form] room_type: double · nights: 3 · breakfast: true · extras: late checkout, parking · notes: Arriving after 22:00"
    );
    assert_eq!(
        m["form"],
        json!([
            {"name": "room_type", "value": "double"},
            {"name": "nights", "value": "3"},
            {"name": "breakfast", "value": "true"},
            {"name": "extras", "value": "late checkout, parking"},
            {"name": "notes", "value": "Arriving after 22:00"},
        ])
    );
    // The Flow's token is for the business's backend, not for agents.
    let everything = home.ok(&[
        "messages",
        &conversation_id(&home, "59171230001").to_string(),
        "--json",
    ]);
    assert!(!everything.contains("FT-invented"), "{everything}");
    let c = conversation_of(&home.conversations(), "59171230001").clone();
    assert!(
        c["last_message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("[form] room_type: double")
    );
}

#[tokio::test]
async fn a_call_permission_answer_says_accepted_or_rejected_until_when_and_how() {
    let (home, _engine) = delivered(&[
        "wire_content_call_permission_accept.json",
        "wire_content_call_permission_reject.json",
    ])
    .await;
    assert_eq!(
        home.message("wamid.CONTENTCALLPERMOK001")["text"],
        "[call permission] accepted until 2026-01-08 00:06 UTC, by the customer"
    );
    assert_eq!(
        home.message("wamid.CONTENTCALLPERMNO001")["text"],
        "[call permission] rejected, by the customer"
    );
}

#[tokio::test]
async fn an_incoming_call_is_one_line_with_its_length_and_opens_the_window() {
    let (home, engine) = delivered(&[
        "wire_content_call_in_connect.json",
        "wire_content_call_in_terminate.json",
    ])
    .await;
    // Meta delivers at least once: the same events again change nothing.
    engine
        .deliver(&fixture("wire_content_call_in_terminate.json"))
        .await;
    engine
        .deliver(&fixture("wire_content_call_in_connect.json"))
        .await;
    home.wait_processed();
    let conversations = home.conversations();
    let c = conversation_of(&conversations, "59171230001");
    let msgs = home.messages(c["id"].as_i64().unwrap());
    assert_eq!(msgs.len(), 1, "one call, one line: {msgs:#?}");
    let call = &msgs[0];
    assert_eq!(call["type"], "call");
    assert_eq!(call["origin"], "call");
    assert_eq!(call["direction"], "in");
    assert_eq!(call["wamid"], "wacid.CONTENTINCALL0001=");
    assert_eq!(call["text"], "[call] Incoming call, 2 min 0 s");
    assert_eq!(call["at"], "2026-01-01T00:56:40Z");
    // The customer called: Meta opens the service window, as for a message.
    assert_eq!(c["last_inbound_at"], "2026-01-01T00:56:40Z");
    assert_eq!(c["unread"], 1);
    assert_eq!(c["last_message"]["text"], "[call] Incoming call, 2 min 0 s");
    // The SDP session is not kept beyond the journal.
    let printed = home.ok(&["messages", &c["id"].to_string(), "--json"]);
    assert!(!printed.contains("v=0"), "{printed}");
}

#[tokio::test]
async fn a_call_nobody_answered_is_a_missed_call() {
    let (home, _engine) = delivered(&["wire_content_call_missed.json"]).await;
    let m = home.message("wacid.CONTENTMISSED0001=");
    assert_eq!(m["text"], "[call] Missed call");
    let conversations = home.conversations();
    let c = conversation_of(&conversations, "59171230002");
    assert_eq!(c["unread"], 1);
    assert_eq!(c["last_inbound_at"], "2026-01-01T01:13:30Z");
}

#[tokio::test]
async fn the_business_calls_show_how_they_went_without_unread_or_window() {
    let (home, _engine) = delivered(&["wire_content_call_out_statuses.json"]).await;
    let m = home.message("wacid.CONTENTOUTCALL001=");
    assert_eq!(m["text"], "[call] Outgoing call, answered");
    assert_eq!(m["direction"], "out");
    let (home, _engine) = delivered(&[
        "wire_content_call_out_statuses.json",
        "wire_content_call_out_terminate.json",
    ])
    .await;
    assert_eq!(
        home.message("wacid.CONTENTOUTCALL001=")["text"],
        "[call] Outgoing call, 45 s"
    );
    let conversations = home.conversations();
    let c = conversation_of(&conversations, "59171230001");
    assert_eq!(c["unread"], 0, "our own call is not news: {c}");
    assert_eq!(
        c["last_inbound_at"],
        Value::Null,
        "our call opens no window: {c}"
    );
    assert_eq!(home.messages(c["id"].as_i64().unwrap()).len(), 1);
}

#[tokio::test]
async fn an_interactive_without_its_object_says_why_and_keeps_the_whole_message() {
    let (home, _engine) = delivered(&["wire_content_interactive_unreadable.json"]).await;
    let m = home.message("wamid.CONTENTUNREADABLE001");
    assert_eq!(m["type"], "interactive");
    assert_eq!(
        m["text"],
        "[interactive reply — not readable: Unsupported webhook payload]"
    );
    // The stored payload is the whole message (the object is missing, nothing else is kept).
    let db = home.open_store();
    let payload: String = db
        .query_row(
            "SELECT payload FROM messages WHERE wamid = 'wamid.CONTENTUNREADABLE001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["id"], "wamid.CONTENTUNREADABLE001");
    assert_eq!(payload["context"]["id"], "wamid.CONTENTASKEDBUTTON01");
}

#[tokio::test]
async fn a_group_is_its_own_conversation_and_each_message_shows_its_author() {
    let (home, _engine) = delivered(&[
        "wire_content_group_text.json",
        "wire_content_group_text_second.json",
    ])
    .await;
    let conversations = home.conversations();
    assert_eq!(
        conversations.len(),
        1,
        "no private conversation for the participants: {conversations:#?}"
    );
    let g = group_conversation(&home);
    assert_eq!(g["contact"]["wa_id"], Value::Null);
    assert_eq!(g["contact"]["user_id"], Value::Null);
    // Any participant opens the group's window (Meta's Groups API).
    assert_eq!(g["last_inbound_at"], "2026-01-01T02:04:20Z");
    assert_eq!(g["unread"], 2);
    let msgs = home.messages(g["id"].as_i64().unwrap());
    let authors: Vec<(&Value, &Value)> = msgs
        .iter()
        .map(|m| (&m["author"]["name"], &m["author"]["wa_id"]))
        .collect();
    assert_eq!(
        authors,
        [
            (&json!("Wara Mamani"), &json!("59171230003")),
            (&json!("Iver Choque"), &json!("59171230004"))
        ]
    );
}

#[tokio::test]
async fn a_group_status_makes_no_private_conversation_and_does_not_fail() {
    let (home, _engine) = delivered(&[
        "wire_content_group_status.json",
        "wire_content_group_text.json",
        "wire_content_group_status.json",
    ])
    .await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    assert!(conversations[0]["group"]["group_id"] == GROUP);
    // Nothing left invalid or unrouted: the status was understood and applied.
    let not_processed = home.json(&["journal"]);
    assert_eq!(not_processed, json!([]), "{not_processed:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_a_group_goes_to_the_group_and_an_unknown_group_is_refused() {
    let w = world().await;
    w.sim.add_group(PNID, GROUP);
    let wara = wabox::sim::customers::SimCustomer::new("Wara Mamani", Some("59171230003"), None);
    let message = wabox::sim::customers::text(&w.sim, "Is Saturday still on?", 30);
    w.sim
        .group_message(PNID, GROUP, &wara, message)
        .await
        .unwrap();
    w.home.wait_processed();
    let g = group_conversation(&w.home);
    assert!(g["window"]["open"].as_bool().unwrap(), "{g}");
    let c = g["id"].to_string();
    let sent = json_of(&w.send(&[
        "--conversation",
        &c,
        "--text",
        "Yes, 7 sharp at the plaza",
        "--wait",
        "--json",
    ]));
    assert!(
        ["sent", "delivered", "read"].contains(&sent["status"].as_str().unwrap()),
        "{sent}"
    );
    let to: Vec<String> = w
        .sim
        .sent()
        .iter()
        .filter(|s| s.text == "Yes, 7 sharp at the plaza")
        .map(|s| s.to.clone())
        .collect();
    assert_eq!(
        to,
        [GROUP.to_string()],
        "to the group, not to Wara privately"
    );
    // The group's statuses (recipient_type group) reach the message and open nothing else.
    w.wait_status(sent["id"].as_i64().unwrap(), "read");
    assert_eq!(w.home.conversations().len(), 1);

    // The simulator refuses a group the number does not have, as Meta does.
    let refused_before = w.sim.refused().len();
    let client = wabox_cloud::client_builder()
        .build()
        .expect("an HTTP client");
    let r = client
        .post(format!("{}/v23.0/{PNID}/messages", w.sim.base_url()))
        .bearer_auth(ACCESS_TOKEN)
        .json(
            &json!({"messaging_product": "whatsapp", "recipient_type": "group",
                      "to": "Tk9UX0FfR1JPVVA", "type": "text", "text": {"body": "hi"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], 131009, "{body}");
    assert_eq!(w.sim.refused().len(), refused_before + 1);
}
