//! What the unit tests of `apply`, the outbox and the scheduler share: a migrated store in a temp
//! dir with one tenant and one number, and the webhook bodies Meta would send to it.

use super::StoreEvent;
use super::apply::{Applied, Batch, apply_delivery, apply_routed};
use crate::db::{Connection, OptionalExtension};
use serde_json::{Value, json};
use wabox_domain::ConnectionKind;

pub const TENANT: &str = "Acme";
pub const PNID: &str = "106540352242922";
pub const WABA: &str = "104829357711032";
pub const DISPLAY: &str = "15550783881";
pub const CUSTOMER: &str = "59171000001";

/// A store with tenant Acme and its number `PNID`; the temp dir lives as long as this.
pub struct Fixture {
    pub conn: Connection,
    pub tenant_id: i64,
    pub number_id: i64,
    /// Held so the database outlives the test; removed with it.
    pub _dir: crate::testing::StoreGuard,
}

/// A store whose number has a token (sealed bytes that only the engine could open).
pub fn store() -> Fixture {
    store_with_token(Some(b"sealed elsewhere".to_vec()))
}

pub fn store_with_token(access_token_sealed: Option<Vec<u8>>) -> Fixture {
    let (dir, conn) = crate::testing::store();
    let (tenant_id, number_id) = add_number(&conn, access_token_sealed).unwrap();
    Fixture {
        conn,
        tenant_id,
        number_id,
        _dir: dir,
    }
}

/// Adds tenant Acme and its number `PNID` to a store (an engine's, say); their ids.
pub fn add_number(
    conn: &Connection,
    access_token_sealed: Option<Vec<u8>>,
) -> super::Result<(i64, i64)> {
    let tenant_id = super::directory::add_tenant(conn, TENANT, 0)?.id;
    let number = super::directory::NewNumber {
        tenant: TENANT,
        phone_number_id: PNID,
        waba_id: WABA,
        display_phone: DISPLAY,
        connection: ConnectionKind::Dedicated,
        access_token_sealed,
    };
    Ok((
        tenant_id,
        super::directory::add_number(conn, &number, 0)?.id,
    ))
}

/// Tenant Acme, its number, and a customer's conversation opened by one message; its id.
pub fn number_and_conversation(conn: &Connection) -> super::Result<i64> {
    add_number(conn, None)?;
    apply(conn, 1, &messages(vec![text("wamid.A", 10, "hola")]));
    Ok(conversation(conn).expect("the customer's conversation"))
}

/// Another customer's text at `at`, applied as journal entry `journal_id`; their conversation.
pub fn customer_writes(conn: &Connection, journal_id: i64, wa_id: &str, at: i64) -> i64 {
    let body = change_for(
        WABA,
        Some(PNID),
        "messages",
        json!({"contacts": [{"profile": {"name": "Ben"}, "wa_id": wa_id}],
               "messages": [{"from": wa_id, "id": format!("wamid.{wa_id}.{at}"),
                             "timestamp": at.to_string(), "type": "text",
                             "text": {"body": "hi there"}}]}),
    );
    apply(conn, journal_id, &body);
    conn.query_row(
        "SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id
         WHERE k.wa_id = ?1",
        [wa_id],
        |r| r.get(0),
    )
    .unwrap()
}

/// Journals a webhook body as applied at `stored_at` and applies it as that entry, as the
/// writer does with a delivery; the entry's id.
pub fn journaled(conn: &Connection, body: &Value, stored_at: i64) -> i64 {
    let bytes = serde_json::to_vec(body).unwrap();
    let (id, _) = super::journal::append(
        conn,
        &bytes,
        &super::journal::digest(&bytes),
        super::journal::JournalState::Processed,
        stored_at,
    )
    .unwrap();
    apply(conn, id, body);
    id
}

/// Applies a webhook body as journal entry `journal_id`, as the writer does: in a batch of its
/// own whose customers' messages are stored together (`apply::together`) on PostgreSQL.
pub fn apply(conn: &Connection, journal_id: i64, body: &Value) -> (Applied, Vec<StoreEvent>) {
    let delivery =
        wabox_domain::delivery::parse_delivery(&serde_json::to_vec(body).unwrap()).unwrap();
    let mut events = Vec::new();
    let mut batch = Batch::together(conn);
    batch.look_ahead(conn, [&delivery], 1_000).unwrap();
    let applied = apply_routed(conn, journal_id, &delivery, 1_000, &batch, &mut events).unwrap();
    batch.finish(conn, &mut events).unwrap();
    (applied, events)
}

/// Applies webhook bodies as journal entries from `first_id` on, as the writer applies one of
/// its batches (`together`: its customers looked up ahead, their messages stored together), or
/// each in a batch of its own as `apply_delivery` does.
pub fn apply_all(
    conn: &Connection,
    first_id: i64,
    bodies: &[Value],
    together: bool,
) -> Vec<StoreEvent> {
    let mut events = Vec::new();
    let mut batch = if together {
        Batch::together(conn)
    } else {
        Batch::default()
    };
    let deliveries: Vec<_> = (bodies.iter())
        .map(|b| wabox_domain::delivery::parse_delivery(&serde_json::to_vec(b).unwrap()).unwrap())
        .collect();
    if together {
        batch.look_ahead(conn, &deliveries, 1_000).unwrap();
    }
    for (i, delivery) in deliveries.iter().enumerate() {
        let id = first_id + i as i64;
        if together {
            apply_routed(conn, id, delivery, 1_000, &batch, &mut events).unwrap();
        } else {
            apply_delivery(conn, id, delivery, 1_000, &mut events).unwrap();
        }
    }
    batch.finish(conn, &mut events).unwrap();
    events
}

/// One change of `field` for the number `phone_number_id` of WABA `waba`.
pub fn change_for(waba: &str, phone_number_id: Option<&str>, field: &str, value: Value) -> Value {
    let mut value = value;
    if let Some(p) = phone_number_id {
        value["messaging_product"] = json!("whatsapp");
        value["metadata"] = json!({"display_phone_number": DISPLAY, "phone_number_id": p});
    }
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": waba, "changes": [{"field": field, "value": value}]}]})
}

/// A `messages` change with these messages from `CUSTOMER`.
pub fn messages(messages: Vec<Value>) -> Value {
    change_for(
        WABA,
        Some(PNID),
        "messages",
        json!({"contacts": [{"profile": {"name": "Wara"}, "wa_id": CUSTOMER}],
               "messages": messages}),
    )
}

/// A `messages` change with these statuses.
pub fn statuses(statuses: Vec<Value>) -> Value {
    change_for(WABA, Some(PNID), "messages", json!({"statuses": statuses}))
}

/// An `smb_message_echoes` change: messages the business wrote from the phone app.
pub fn echoes(echoes: Vec<Value>) -> Value {
    change_for(
        WABA,
        Some(PNID),
        "smb_message_echoes",
        json!({"message_echoes": echoes}),
    )
}

pub fn text(wamid: &str, at: i64, body: &str) -> Value {
    json!({"from": CUSTOMER, "id": wamid, "timestamp": at.to_string(), "type": "text",
           "text": {"body": body}})
}

pub fn echo(wamid: &str, at: i64, body: &str) -> Value {
    json!({"from": DISPLAY, "to": CUSTOMER, "id": wamid, "timestamp": at.to_string(),
           "type": "text", "text": {"body": body}})
}

pub fn status(wamid: &str, status: &str, at: i64) -> Value {
    json!({"id": wamid, "status": status, "timestamp": at.to_string(), "recipient_id": CUSTOMER})
}

/// The conversation of `CUSTOMER` on the number, if there is one.
pub fn conversation(conn: &Connection) -> Option<i64> {
    conn.query_row(
        "SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id
         WHERE k.wa_id = ?1",
        [CUSTOMER],
        |r| r.get(0),
    )
    .optional()
    .unwrap()
}

/// A message row, as the tests look at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub conversation_id: i64,
    pub direction: String,
    pub origin: String,
    pub kind: String,
    pub text: String,
    pub status: Option<String>,
    pub error_code: Option<i64>,
    pub edited: bool,
    pub revoked: bool,
}

pub fn row(conn: &Connection, wamid: &str) -> Option<Row> {
    conn.query_row(
        "SELECT id, conversation_id, direction, origin, type, text, status, error_code, edited,
                revoked
         FROM messages WHERE wamid = ?1",
        [wamid],
        |r| {
            Ok(Row {
                id: r.get(0)?,
                conversation_id: r.get(1)?,
                direction: r.get(2)?,
                origin: r.get(3)?,
                kind: r.get(4)?,
                text: r.get(5)?,
                status: r.get(6)?,
                error_code: r.get(7)?,
                edited: r.get(8)?,
                revoked: r.get(9)?,
            })
        },
    )
    .optional()
    .unwrap()
}

/// `count(*)` of a query with no parameters.
pub fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The first column of every row of a query with no parameters.
pub fn column<T: crate::db::FromSql>(conn: &Connection, sql: &str) -> Vec<T> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<crate::db::Result<_>>()
        .unwrap()
}

/// Queues a text send on `target` as agent Ana would, in the caller's transaction.
pub fn queue_text(
    conn: &Connection,
    target: &super::outbox::SendTarget,
    body: &str,
    now_ms: i64,
) -> super::outbox::QueuedView {
    let request = json!({"type": "text", "text": {"body": body}});
    let send = super::outbox::NewSend {
        kind: "text",
        request: &request,
        rendered: body,
        requested_by: "ana",
        origin: "agent",
        reply_to: None,
    };
    super::outbox::queue(conn, target, &send, now_ms, &mut Vec::new()).unwrap()
}
