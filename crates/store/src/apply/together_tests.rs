//! A batch whose customers' messages are stored together must leave the store exactly as the
//! same deliveries applied one at a time do, whatever the batch mixes.

use crate::StoreEvent;
use crate::db::Connection;
use crate::test_fixtures::*;
use serde_json::{Value, json};

/// A `messages` change from the customer `wa_id`, named `name`.
fn from(wa_id: &str, name: &str, message: Value) -> Value {
    change_for(
        WABA,
        Some(PNID),
        "messages",
        json!({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}),
    )
}

fn says(wa_id: &str, wamid: &str, at: i64, body: &str) -> Value {
    json!({"from": wa_id, "id": wamid, "timestamp": at.to_string(), "type": "text",
           "text": {"body": body}})
}

const BEN: &str = "5215550002";
const CARA: &str = "5215550003";
const DORA: &str = "5215550004";

/// Deliveries that give storing together every reason to store early or get it wrong.
fn mixed_batch() -> Vec<Value> {
    let edit = |id: &str, of: &str, at: i64, text: &str| {
        json!({"from": CUSTOMER, "id": id, "timestamp": at.to_string(), "type": "edit",
               "edit": {"original_message_id": of,
                        "message": {"type": "text", "text": {"body": text}}}})
    };
    let mut referred = says(BEN, "wamid.B1", 100, "saw the ad");
    referred["referral"] = json!({"source_type": "ad", "source_id": "120210", "ctwa_clid": "AR"});
    let mut quoting = says(CUSTOMER, "wamid.A3", 115, "as I said");
    quoting["context"] = json!({"from": DISPLAY, "id": "wamid.A1"});
    vec![
        // A new customer's first message, then an older one of theirs: it is not the latest.
        from(CUSTOMER, "Wara", says(CUSTOMER, "wamid.A1", 100, "hola")),
        from(CUSTOMER, "Wara", says(CUSTOMER, "wamid.A2", 90, "earlier")),
        from(BEN, "Ben", referred),
        // The same delivery again: stored once, counted unread once.
        from(CUSTOMER, "Wara", says(CUSTOMER, "wamid.A1", 100, "hola")),
        from(CUSTOMER, "Wara", quoting),
        // An edit of a message of this batch, and one that comes before its message.
        messages(vec![edit("wamid.E1", "wamid.A1", 120, "hola!")]),
        messages(vec![edit("wamid.E2", "wamid.A4", 130, "fixed")]),
        from(CUSTOMER, "Wara", says(CUSTOMER, "wamid.A4", 125, "fxed")),
        messages(vec![
            json!({"from": CUSTOMER, "id": "wamid.R1", "timestamp": "131",
                             "type": "reaction",
                             "reaction": {"message_id": "wamid.A4", "emoji": "👍"}}),
        ]),
        statuses(vec![status("wamid.unknown", "delivered", 132)]),
        echoes(vec![echo("wamid.O1", 140, "we are on it")]),
        from(
            CARA,
            "Cara",
            json!({"from": CARA, "id": "wamid.C1", "timestamp": "141",
                                  "type": "image",
                                  "image": {"id": "4411223344", "mime_type": "image/jpeg"}}),
        ),
        // Two more of Ben's, the second to the conversation the first waits for.
        from(BEN, "Ben", says(BEN, "wamid.B2", 150, "any news?")),
        from(BEN, "Ben", says(BEN, "wamid.B3", 160, "hello?")),
        // Dora's conversation was closed before the batch: her message reopens it.
        from(DORA, "Dora", says(DORA, "wamid.D2", 170, "me again")),
        from(CARA, "Cara", says(CARA, "wamid.C2", 180, "did you get it")),
    ]
}

/// What a test can compare of two stores: no row ids, which may be given in another order.
fn contents(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let conversation = "(SELECT coalesce(k.wa_id, '') || '/' || coalesce(k.user_id, '')
                         FROM conversations c JOIN contacts k ON k.id = c.contact_id
                         WHERE c.id = m.conversation_id)";
    for sql in [
        format!(
            "SELECT m.wamid || ' ' || {conversation} || ' ' || m.direction || ' ' || m.origin
                    || ' ' || m.type || ' ' || m.text || ' ' || m.at || ' ' || m.edited || ' '
                    || m.revoked || ' ' || coalesce(m.reply_to, '-') || ' '
                    || coalesce(m.referral, '-') || ' ' || coalesce(m.status, '-') || ' '
                    || coalesce(m.journal_id, -1) || ' ' || coalesce(m.payload, '-')
             FROM messages m ORDER BY m.id"
        ),
        "SELECT coalesce(k.wa_id, '') || '/' || coalesce(k.user_id, '') || ' '
                || coalesce(k.name, '-') || ' ' || c.unread || ' '
                || coalesce(c.last_message_at, -1) || ' ' || coalesce(c.last_message_text, '-')
                || ' ' || coalesce(c.last_inbound_at, -1) || ' ' || coalesce(c.referral_at, -1)
                || ' ' || c.state || ' ' || c.created_at
         FROM conversations c JOIN contacts k ON k.id = c.contact_id ORDER BY 1"
            .into(),
        "SELECT coalesce(wa_id, '') || '/' || coalesce(user_id, '') || ' ' || coalesce(name, '-')
         FROM contacts ORDER BY 1"
            .into(),
        "SELECT m.wamid || ' ' || d.media_id || ' ' || d.state || ' ' || d.lane
         FROM media d JOIN messages m ON m.id = d.message_id ORDER BY m.wamid"
            .into(),
        "SELECT message_wamid || ' ' || reactor || ' ' || emoji FROM reactions ORDER BY 1".into(),
        "SELECT original_wamid || ' ' || kind || ' ' || coalesce(previous_text, '-') || ' '
                || (message_id IS NOT NULL) FROM message_revisions ORDER BY 1"
            .into(),
        "SELECT wamid || ' ' || status FROM statuses ORDER BY 1".into(),
    ] {
        out.push(format!(
            "-- {}",
            sql.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
        ));
        out.extend(column::<String>(conn, &sql));
    }
    out
}

/// Events by kind and count: their ids differ between two stores.
fn kinds(events: &[StoreEvent]) -> std::collections::BTreeMap<String, usize> {
    let mut kinds = std::collections::BTreeMap::new();
    for e in events {
        let kind = format!("{e:?}");
        let kind = kind
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_string();
        *kinds.entry(kind).or_default() += 1;
    }
    kinds
}

/// Dora wrote once before the batch and her conversation was closed.
fn before_the_batch(conn: &Connection) {
    apply(
        conn,
        1,
        &from(DORA, "Dora", says(DORA, "wamid.D1", 50, "hi")),
    );
    conn.execute_batch("UPDATE conversations SET state = 'closed', unread = 0")
        .unwrap();
}

#[crate::testing::both_stores]
fn a_batch_stored_together_leaves_what_one_delivery_at_a_time_leaves() {
    let (one_by_one, together) = (store(), store());
    before_the_batch(&one_by_one.conn);
    before_the_batch(&together.conn);
    let batch = mixed_batch();
    let events_one = apply_all(&one_by_one.conn, 2, &batch, false);
    let events_together = apply_all(&together.conn, 2, &batch, true);
    let expected = contents(&one_by_one.conn);
    assert_eq!(contents(&together.conn), expected);
    assert_eq!(kinds(&events_together), kinds(&events_one));
    // The batch did what it says, not only the same thing twice.
    let text = |wamid: &str| row(&together.conn, wamid).map(|r| (r.text, r.edited));
    assert_eq!(text("wamid.A1"), Some(("hola!".into(), true)));
    assert_eq!(text("wamid.A4"), Some(("fixed".into(), true)));
    assert!(
        expected
            .iter()
            .any(|l| l.starts_with("5215550002/ Ben 3 160 hello? 160 100 open")),
        "{expected:#?}"
    );
    assert!(
        expected
            .iter()
            .any(|l| l.starts_with("5215550004/ Dora 1 170 me again 170 -1 open")),
        "{expected:#?}"
    );
    assert!(
        expected
            .iter()
            .any(|l| l.starts_with(&format!("{CUSTOMER}/ Wara 4 140 we are on it 125"))),
        "{expected:#?}"
    );
}

#[crate::testing::both_stores]
fn nothing_waits_past_the_end_of_its_batch() {
    let f = store();
    let events = apply_all(
        &f.conn,
        1,
        &[
            from(BEN, "Ben", says(BEN, "wamid.B1", 100, "hi")),
            from(BEN, "Ben", says(BEN, "wamid.B2", 110, "?")),
        ],
        true,
    );
    assert_eq!(count(&f.conn, "SELECT count(*) FROM messages"), 2);
    let added = events
        .iter()
        .filter(|e| matches!(e, StoreEvent::MessageAdded { .. }))
        .count();
    assert_eq!(added, 2, "{events:?}");
}

/// A message from a customer named by phone number, BSUID or both, with their profile.
fn by(wa_id: Option<&str>, user_id: Option<&str>, name: &str, wamid: &str, at: i64) -> Value {
    let mut m = json!({"id": wamid, "timestamp": at.to_string(), "type": "text",
                       "text": {"body": format!("{name} at {at}")}});
    let mut contact = json!({"profile": {"name": name}});
    if let Some(w) = wa_id {
        m["from"] = json!(w);
        contact["wa_id"] = json!(w);
    }
    if let Some(u) = user_id {
        m["from_user_id"] = json!(u);
        contact["user_id"] = json!(u);
    }
    change_for(
        WABA,
        Some(PNID),
        "messages",
        json!({"contacts": [contact], "messages": [m]}),
    )
}

const EVE: &str = "5215550005";
const FAY: &str = "5215550006";
const GUS: &str = "5215550007";

/// Eve by phone number; Fay as two contacts, one by phone number and one by BSUID; Gus.
fn people_before_the_batch() -> Vec<Value> {
    vec![
        by(Some(EVE), None, "Eve", "wamid.E0", 10),
        by(Some(FAY), None, "Fay", "wamid.F0", 11),
        by(None, Some("US.606"), "Fay", "wamid.F1", 12),
        by(Some(GUS), None, "Gus", "wamid.G0", 13),
    ]
}

/// Applies `batch` after `before` on two stores, one delivery at a time and together, and
/// checks they end the same with the same events; returns the one-at-a-time store's contents
/// and the together store.
fn same_as_one_at_a_time(before: &[Value], batch: &[Value]) -> (Vec<String>, Fixture) {
    let (one_by_one, together) = (store(), store());
    apply_all(&one_by_one.conn, 1, before, false);
    apply_all(&together.conn, 1, before, false);
    let events_one = apply_all(&one_by_one.conn, 10, batch, false);
    let events_together = apply_all(&together.conn, 10, batch, true);
    let expected = contents(&one_by_one.conn);
    assert_eq!(contents(&together.conn), expected);
    assert_eq!(kinds(&events_together), kinds(&events_one));
    (expected, together)
}

/// The deliveries of `bodies`, parsed.
fn parsed(bodies: &[Value]) -> Vec<wabox_domain::delivery::Delivery> {
    (bodies.iter())
        .map(|b| wabox_domain::delivery::parse_delivery(&serde_json::to_vec(b).unwrap()).unwrap())
        .collect()
}

#[crate::testing::both_stores]
fn customers_looked_up_ahead_are_found_as_one_at_a_time_finds_them() {
    let batch = [
        // Looked up ahead and still so: a known customer renamed, then renamed back.
        by(Some(GUS), None, "Gustavo", "wamid.G1", 100),
        by(Some(GUS), None, "Gus", "wamid.G2", 101),
        // A new customer by BSUID only, twice: made once.
        by(None, Some("US.808"), "Hal", "wamid.H1", 102),
        by(None, Some("US.808"), "Hal", "wamid.H2", 103),
        // Eve's BSUID joins her number (a pairing: nothing looked up ahead counts after it),
        // then she writes by BSUID alone.
        by(Some(EVE), Some("US.505"), "Eve", "wamid.E1", 104),
        by(None, Some("US.505"), "Eve", "wamid.E2", 105),
        // Fay's two contacts are one person: merged, then she writes by either id.
        by(Some(FAY), Some("US.606"), "Fay", "wamid.F2", 106),
        by(None, Some("US.606"), "Fay", "wamid.F3", 107),
        by(Some(FAY), None, "Fay", "wamid.F4", 108),
    ];
    let (expected, together) = same_as_one_at_a_time(&people_before_the_batch(), &batch);
    for line in [
        "5215550005/US.505 Eve",
        "5215550006/US.606 Fay",
        "5215550007/ Gus",
        "/US.808 Hal",
    ] {
        assert!(
            expected.contains(&line.to_string()),
            "{line}: {expected:#?}"
        );
    }
    assert_eq!(count(&together.conn, "SELECT count(*) FROM contacts"), 4);
}

const IVY: &str = "5215550009";
const JAY: &str = "5215550010";
const KIM: &str = "5215550011";
const LEO: &str = "5215550012";

/// New customers of every kind a batch makes ahead, or leaves to be made one at a time.
fn new_customers() -> Vec<Value> {
    vec![
        // By number, twice, renamed the second time: made once, under the first name.
        by(Some(IVY), None, "Ivy", "wamid.I1", 200),
        by(Some(IVY), None, "Ivy R.", "wamid.I2", 201),
        // By number and BSUID at once.
        by(Some(JAY), Some("US.910"), "Jay", "wamid.J1", 202),
        // By number alone, then with a BSUID: a pairing, made one at a time.
        by(Some(KIM), None, "Kim", "wamid.K1", 203),
        by(Some(KIM), Some("US.911"), "Kim", "wamid.K2", 204),
        // By BSUID alone, its number given by its profile only.
        by(None, Some("US.912"), "Lu", "wamid.L1", 205),
        // Something else than a customer's message (nothing looked up ahead counts after it),
        // then a new customer's first message.
        echoes(vec![echo("wamid.O9", 206, "hello all")]),
        by(Some(LEO), None, "Leo", "wamid.M1", 207),
        by(Some(LEO), None, "Leo", "wamid.M2", 208),
    ]
}

#[crate::testing::both_stores]
fn new_customers_made_ahead_are_made_as_one_at_a_time_makes_them() {
    let (expected, together) = same_as_one_at_a_time(&people_before_the_batch(), &new_customers());
    for line in [
        "5215550009/ Ivy R.",
        "5215550010/US.910 Jay",
        "5215550011/US.911 Kim",
        "/US.912 Lu",
        "5215550012/ Leo",
    ] {
        assert!(
            expected.contains(&line.to_string()),
            "{line}: {expected:#?}"
        );
    }
    // Eve, Fay (two contacts), Gus, the five new ones, and the customer the echo wrote to.
    let all = contents(&together.conn);
    assert_eq!(
        count(&together.conn, "SELECT count(*) FROM contacts"),
        10,
        "{all:#?}"
    );
}

/// On PostgreSQL a batch's new customers are made in the statement that looks its customers
/// up, before any of its deliveries is applied, except those a pairing in the batch names.
#[test]
fn new_customers_are_made_before_the_batch_is_applied_on_postgres() {
    crate::testing::on_store(crate::testing::StoreKind::Postgres, || {
        let f = store();
        apply_all(&f.conn, 1, &people_before_the_batch(), false);
        let deliveries = parsed(&new_customers());
        let mut batch = crate::apply::Batch::together(&f.conn);
        batch.look_ahead(&f.conn, &deliveries, 1_000).unwrap();
        let made = |sql: &str| {
            let mut stmt = f.conn.prepare(sql).unwrap();
            stmt.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .collect::<crate::db::Result<Vec<_>>>()
                .unwrap()
        };
        let new = "SELECT coalesce(wa_id, '') || '/' || coalesce(user_id, '') || ' ' || name
                   || ' ' || created_at FROM contacts WHERE name NOT IN ('Eve', 'Fay', 'Gus')
                   ORDER BY id";
        // Kim is paired in the batch: made when its first message is applied, not ahead.
        assert_eq!(
            made(new),
            [
                "5215550009/ Ivy 1000",
                "5215550010/US.910 Jay 1000",
                "/US.912 Lu 1000",
                "5215550012/ Leo 1000",
            ]
        );
    });
}

#[crate::testing::both_stores]
fn a_former_number_is_not_made_a_new_customer_for_what_was_sent_before_the_change() {
    const OLD: &str = "5215550013";
    const NEW: &str = "5215550014";
    let before = [
        from(OLD, "Ivo", says(OLD, "wamid.V1", 10, "hola")),
        from(
            OLD,
            "Ivo",
            json!({"from": OLD, "id": "wamid.V2", "timestamp": "50", "type": "system",
                   "system": {"type": "user_changed_number", "body": "changed", "wa_id": NEW}}),
        ),
    ];
    // A late message sent from the old number before the change (Ivo's), then one from its
    // new owner after it (someone new).
    let batch = [
        from(OLD, "Ivo", says(OLD, "wamid.V3", 45, "sent before")),
        from(OLD, "Otto", says(OLD, "wamid.V4", 60, "my new number")),
    ];
    let (expected, _) = same_as_one_at_a_time(&before, &batch);
    for line in [
        "wamid.V3 5215550014/ in customer",
        "wamid.V4 5215550013/ in customer",
    ] {
        assert!(
            expected.iter().any(|l| l.starts_with(line)),
            "{line}: {expected:#?}"
        );
    }
}

/// On PostgreSQL a batch routes every number its changes name in one statement before any is
/// applied: an echo's too, and a number wabox does not know (known not to be).
#[test]
fn a_batch_routes_the_numbers_it_names_before_it_is_applied_on_postgres() {
    crate::testing::on_store(crate::testing::StoreKind::Postgres, || {
        let f = store();
        let bodies = [
            echoes(vec![echo("wamid.O8", 132, "we are on it")]),
            change_for(
                WABA,
                Some("999000111"),
                "messages",
                json!({"messages": [{"from": BEN, "id": "wamid.X1", "timestamp": "140",
                                     "type": "text", "text": {"body": "hi"}}]}),
            ),
        ];
        let deliveries = parsed(&bodies);
        let mut batch = crate::apply::Batch::together(&f.conn);
        batch.look_ahead(&f.conn, &deliveries, 1_000).unwrap();
        let ours =
            crate::directory::route_number(&f.conn, &wabox_domain::PhoneNumberId(PNID.into()))
                .unwrap();
        assert!(ours.is_some());
        let routes = batch.routes.borrow();
        assert_eq!(routes.get(PNID), Some(&ours));
        assert_eq!(routes.get("999000111"), Some(&None));
        assert_eq!(routes.len(), 2);
    });
}
