//! Issue 14, items 1 and 4: who the customer is. Meta pairs a phone number with its
//! business-scoped user id (BSUID) in `contacts[]` and in statuses; a customer who later writes
//! with the BSUID only lands in their conversation, two contacts of one person are merged, and a
//! customer who changes number (or user id) keeps their conversation, answered on the new one.

use crate::common::world::*;
use crate::common::*;
use serde_json::{Value, json};

const W1: &str = "59178400101";
const W2: &str = "59178400202";
const U1: &str = "BO.4826105519273640018";
const U2: &str = "BO.7710043328861950213";
const U3: &str = "BO.9301772645510384426";

/// The time the fixtures are written at; `shifted` moves them to the present.
const FIXTURE_BASE: i64 = 1_790_000_000;

fn ident(name: &str) -> Vec<u8> {
    fixture(&format!("wire_identity_{name}.json"))
}

/// A fixture with every `timestamp` moved so that `FIXTURE_BASE` becomes `base` (a window that
/// is open now, for a send).
fn shifted(name: &str, base: i64) -> Vec<u8> {
    fn walk(v: &mut Value, delta: i64) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if k == "timestamp" || k == "created_timestamp" {
                        let t: i64 = child.as_str().unwrap().parse().unwrap();
                        *child = json!((t + delta).to_string());
                    } else {
                        walk(child, delta);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, delta)),
            _ => {}
        }
    }
    let mut body: Value = serde_json::from_slice(&ident(name)).unwrap();
    walk(&mut body, base - FIXTURE_BASE);
    serde_json::to_vec(&body).unwrap()
}

async fn deliver(home: &Home, engine: &Engine, body: &[u8]) {
    assert_eq!(engine.deliver(body).await, 200);
    home.wait_processed();
}

fn started() -> (Home, Engine) {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    (home, engine)
}

fn texts(home: &Home, conversation: &Value) -> Vec<String> {
    home.messages(conversation["id"].as_i64().unwrap())
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

fn history_kinds(home: &Home, conversation: &Value) -> Vec<String> {
    home.json(&["history", &conversation["id"].to_string()])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_message_keeps_the_bsuid_and_username_of_its_contacts_entry() {
    let (home, engine) = started();
    deliver(&home, &engine, &ident("message_with_user_id")).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1);
    let contact = &conversations[0]["contact"];
    assert_eq!(contact["wa_id"], W1);
    assert_eq!(contact["user_id"], U1);
    assert_eq!(contact["username"], "@lucia.rios");
    let id = conversations[0]["id"].to_string();
    let details = home.json(&["contact", &id]);
    assert_eq!(details["user_id"], U1);
    assert_eq!(details["username"], "@lucia.rios");
    let shown = home.ok(&["contact", &id]);
    assert!(
        shown.contains(U1) && shown.contains("@lucia.rios"),
        "{shown}"
    );

    // Later she writes with her username only, no phone number: the same conversation.
    deliver(&home, &engine, &ident("bsuid_only_message")).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    assert_eq!(
        texts(&home, &conversations[0]),
        [
            "¿Tienen la mochila en azul?",
            "Ahora escribo con mi usuario"
        ]
    );
}

#[tokio::test]
async fn a_status_pairs_the_phone_number_with_the_bsuid_for_later_messages() {
    let (home, engine) = started();
    deliver(&home, &engine, &ident("phone_only_message")).await;
    assert_eq!(home.conversations()[0]["contact"]["user_id"], Value::Null);

    deliver(&home, &engine, &ident("status_with_phone")).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "a status creates no conversation");
    assert_eq!(conversations[0]["contact"]["wa_id"], W1);
    assert_eq!(conversations[0]["contact"]["user_id"], U1);

    deliver(&home, &engine, &ident("bsuid_only_message")).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    assert_eq!(
        texts(&home, &conversations[0]),
        ["Hola, soy Lucía", "Ahora escribo con mi usuario"]
    );
}

#[tokio::test]
async fn a_pairing_merges_two_contacts_of_one_person_once() {
    let (home, engine) = started();
    // She first writes by username (a contact known by BSUID), then from her phone (another).
    deliver(&home, &engine, &ident("bsuid_only_message")).await;
    deliver(&home, &engine, &ident("phone_only_message")).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 2);
    let by_user = conversation_of(&conversations, U1)["id"].to_string();
    let by_phone = conversation_of(&conversations, W1)["id"].to_string();
    home.ok(&["label", &by_user, "--add", "vip"]);
    home.ok(&["note", &by_phone, "asked about the blue backpack"]);
    home.ok(&["label", &by_phone, "--add", "wholesale"]);

    // A status pairs her phone number with her BSUID: one person, one contact, one conversation.
    let status = ident("status_with_phone");
    deliver(&home, &engine, &status).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    let merged = &conversations[0];
    assert_eq!(merged["contact"]["wa_id"], W1);
    assert_eq!(merged["contact"]["user_id"], U1);
    assert_eq!(merged["unread"], 2);
    assert_eq!(
        texts(&home, merged),
        ["Hola, soy Lucía", "Ahora escribo con mi usuario"]
    );
    let id = merged["id"].to_string();
    let details = home.json(&["contact", &id]);
    assert_eq!(details["labels"], json!(["vip", "wholesale"]));
    assert_eq!(details["notes"][0]["text"], "asked about the blue backpack");
    let kinds = history_kinds(&home, merged);
    assert!(kinds.contains(&"contact_merged".to_string()), "{kinds:?}");

    // The same delivery again changes nothing.
    assert_eq!(engine.deliver(&status).await, 200);
    home.wait_processed();
    let again = home.conversations();
    assert_eq!(again.len(), 1);
    assert_eq!(history_kinds(&home, &again[0]), kinds);
}

#[tokio::test]
async fn a_status_with_the_bsuid_only_keeps_the_username_and_splits_nobody() {
    let (home, engine) = started();
    let first = inbound(
        PNID,
        None,
        Some(U2),
        "Marco Vaca",
        vec![json!({"from_user_id": U2, "id": "wamid.IDENT.MARCO01",
                    "timestamp": "1790000350", "type": "text", "text": {"body": "¿Envían a Sucre?"}})],
    );
    deliver(&home, &engine, &first).await;
    deliver(&home, &engine, &ident("status_bsuid_only")).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1);
    let contact = &conversations[0]["contact"];
    assert_eq!(contact["user_id"], U2);
    assert_eq!(contact["wa_id"], Value::Null);
    assert_eq!(contact["username"], "@marco.tienda");
}

// The simulator answers on the test's runtime while the CLI blocks: it needs threads of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_number_moves_the_conversation_and_replies_go_to_the_new_number() {
    let w = world().await;
    let base = now() - 3_600;
    deliver(&w.home, &w.engine, &shifted("phone_only_message", base)).await;
    let before = w.home.conversations();
    let id = before[0]["id"].clone();
    let change = shifted("changed_number", base);
    deliver(&w.home, &w.engine, &change).await;

    let conversations = w.home.conversations();
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["id"], id, "the same conversation");
    assert_eq!(conversations[0]["contact"]["wa_id"], W2);
    assert_eq!(
        conversations[0]["window"], before[0]["window"],
        "its window moves with it"
    );
    let texts = texts(&w.home, &conversations[0]);
    assert_eq!(texts[0], "Hola, soy Lucía");
    assert!(texts[1].contains(W2), "{texts:?}");
    let history = w.home.json(&["history", &id.to_string()]);
    let changed = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "number_changed")
        .unwrap_or_else(|| panic!("{history:#}"));
    let detail = changed["detail"].as_str().unwrap();
    assert!(detail.contains(W1) && detail.contains(W2), "{detail}");

    // A repeated delivery changes nothing.
    deliver(&w.home, &w.engine, &change).await;
    assert_eq!(w.home.json(&["history", &id.to_string()]), history);

    // A late message from the old number, sent before the change, does not split it off again.
    let late = inbound(
        PNID,
        Some(W1),
        None,
        "Lucía Ríos",
        vec![text(
            W1,
            "wamid.IDENT.LATE01",
            base + 500,
            "¿Me confirmas el envío?",
        )],
    );
    deliver(&w.home, &w.engine, &late).await;
    let conversations = w.home.conversations();
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    assert_eq!(conversations[0]["contact"]["wa_id"], W2);

    // The reply goes to the new number (the simulator records what Meta was asked to do).
    let sent = json_of(&w.send(&[
        "--conversation",
        &id.to_string(),
        "--text",
        "Sí, sale mañana",
        "--json",
    ]));
    assert_eq!(sent["direction"], "out");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let to = loop {
        let to: Vec<String> = w
            .sim
            .sent()
            .iter()
            .filter(|s| s.text == "Sí, sale mañana")
            .map(|s| s.to.clone())
            .collect();
        if !to.is_empty() || std::time::Instant::now() > deadline {
            break to;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(
        to,
        [W2],
        "{:#?}\n{}",
        w.home.all_messages(),
        w.home.everything_printed()
    );
}

#[tokio::test]
async fn after_a_change_the_old_bsuid_is_still_her_but_the_old_number_alone_is_someone_else() {
    let (home, engine) = started();
    deliver(&home, &engine, &ident("message_with_user_id")).await;
    deliver(&home, &engine, &ident("changed_number")).await;
    // A BSUID is never given to anyone else: her old one, even after the change, is her.
    let old_bsuid = inbound(
        PNID,
        Some(W1),
        Some(U1),
        "Lucía Ríos",
        vec![text(
            W1,
            "wamid.IDENT.OLDUID01",
            FIXTURE_BASE + 2_000,
            "¿Llegó mi pago?",
        )],
    );
    deliver(&home, &engine, &old_bsuid).await;
    assert_eq!(home.conversations().len(), 1);
    // Meta gives her old number to someone else: what it sends after the change is theirs.
    let stranger = inbound(
        PNID,
        Some(W1),
        None,
        "Pedro Arce",
        vec![text(
            W1,
            "wamid.IDENT.RECYCLED01",
            FIXTURE_BASE + 90_000,
            "Hola, ¿quién es?",
        )],
    );
    deliver(&home, &engine, &stranger).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 2);
    assert_eq!(
        texts(&home, conversation_of(&conversations, W1)),
        ["Hola, ¿quién es?"]
    );
    assert_eq!(texts(&home, conversation_of(&conversations, W2)).len(), 3);
}

#[tokio::test]
async fn a_changed_number_already_writing_merges_into_one_conversation() {
    let (home, engine) = started();
    deliver(&home, &engine, &ident("phone_only_message")).await;
    // She writes from the new number before Meta tells us it is hers.
    let from_new = inbound(
        PNID,
        Some(W2),
        None,
        "Lucía Ríos",
        vec![text(
            W2,
            "wamid.IDENT.NEWNUM01",
            FIXTURE_BASE + 900,
            "Este es mi número nuevo",
        )],
    );
    deliver(&home, &engine, &from_new).await;
    assert_eq!(home.conversations().len(), 2);
    let old_id = conversation_of(&home.conversations(), W1)["id"].clone();

    deliver(&home, &engine, &ident("changed_number")).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    let one = &conversations[0];
    assert_eq!(
        one["id"], old_id,
        "the older conversation keeps the history"
    );
    assert_eq!(one["contact"]["wa_id"], W2);
    let texts = texts(&home, one);
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert_eq!(texts[1], "Este es mi número nuevo");
    let kinds = history_kinds(&home, one);
    for kind in ["contact_merged", "conversation_merged", "number_changed"] {
        assert!(kinds.contains(&kind.to_string()), "{kind} in {kinds:?}");
    }
    deliver(&home, &engine, &ident("changed_number")).await;
    assert_eq!(home.conversations().len(), 1);
    assert_eq!(history_kinds(&home, one), kinds);
}

#[tokio::test]
async fn a_changed_user_id_moves_the_contact_to_the_new_bsuid() {
    let (home, engine) = started();
    deliver(&home, &engine, &ident("message_with_user_id")).await;
    let change = ident("changed_user_id");
    deliver(&home, &engine, &change).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["contact"]["wa_id"], W1);
    assert_eq!(conversations[0]["contact"]["user_id"], U3);
    let kinds = history_kinds(&home, &conversations[0]);
    assert_eq!(kinds, ["user_id_changed"]);
    deliver(&home, &engine, &change).await;
    assert_eq!(history_kinds(&home, &conversations[0]), kinds);

    // She writes with the new BSUID only: the same conversation.
    let by_new = inbound(
        PNID,
        None,
        Some(U3),
        "Lucía Ríos",
        vec![json!({"from_user_id": U3, "id": "wamid.IDENT.NEWUID01",
                    "timestamp": "1790002100", "type": "text", "text": {"body": "Sigo aquí"}})],
    );
    deliver(&home, &engine, &by_new).await;
    let conversations = home.conversations();
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    assert_eq!(texts(&home, &conversations[0]).last().unwrap(), "Sigo aquí");
}

#[tokio::test]
async fn a_security_code_change_is_shown_as_what_happened() {
    let (home, engine) = started();
    deliver(&home, &engine, &ident("security_code_changed")).await;
    let m = home.message("wamid.IDENT.SYSSEC01");
    assert_eq!(m["type"], "system");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("security code changed"), "{text}");
    let conversations = home.conversations();
    assert_eq!(conversations[0]["contact"]["wa_id"], W1, "nobody moves");
}
