//! One test per rule of the outbox's state machine in the store: queued → sending → sent |
//! failed | uncertain, claims, retries and the recovery after a crash.

use super::StoreError;
use super::outbox::*;
use super::test_fixtures::*;
use crate::db::Connection;
use serde_json::json;

/// The customer's conversation (opened by their message), as a send target.
fn target(f: &Fixture) -> SendTarget {
    apply(&f.conn, 1, &messages(vec![text("wamid.IN", 100, "hola")]));
    send_target(&f.conn, conversation(&f.conn).unwrap()).unwrap()
}

fn state(conn: &Connection, outbox_id: i64) -> (String, i64) {
    conn.query_row(
        "SELECT state, attempts FROM outbox WHERE id = ?1",
        [outbox_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn message_status(conn: &Connection, message_id: i64) -> (String, Option<String>) {
    conn.query_row(
        "SELECT status, wamid FROM messages WHERE id = ?1",
        [message_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[crate::testing::both_stores]
fn a_queued_send_shows_at_once_as_a_queued_message_due_now() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "on its way", 2_000_500);
    assert_eq!(state(&f.conn, q.outbox_id), ("queued".into(), 0));
    let (status, wamid) = message_status(&f.conn, q.message_id);
    assert_eq!(status, "queued");
    assert!(
        wamid
            .unwrap()
            .starts_with(wabox_domain::reply::PLACEHOLDER_PREFIX),
        "a placeholder until Meta names it"
    );
    let due = queued(&f.conn, 200).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].id, due[0].next_attempt_at, due[0].attempts),
        (q.outbox_id, 2_000_500, 0)
    );
    let preview: String = f
        .conn
        .query_row(
            "SELECT last_message_text FROM conversations WHERE id = ?1",
            [t.conversation_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(preview, "on its way");
}

#[crate::testing::both_stores]
fn a_queued_reaction_does_not_replace_the_conversations_preview() {
    let f = store();
    let t = target(&f);
    let request =
        json!({"type": "reaction", "reaction": {"message_id": "wamid.IN", "emoji": "👍"}});
    let send = NewSend {
        kind: "reaction",
        request: &request,
        rendered: "👍",
        requested_by: "ana",
        origin: "agent",
        reply_to: None,
    };
    queue(&f.conn, &t, &send, 5_000_000, &mut Vec::new()).unwrap();
    let preview: String = f
        .conn
        .query_row(
            "SELECT last_message_text FROM conversations WHERE id = ?1",
            [t.conversation_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(preview, "hola");
}

#[crate::testing::both_stores]
fn a_claim_is_taken_once_and_counts_an_attempt() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "hi", 1_000);
    assert!(mark_sending(&f.conn, q.outbox_id, 1_001).unwrap());
    assert!(
        !mark_sending(&f.conn, q.outbox_id, 1_002).unwrap(),
        "a second claim must not send it twice"
    );
    assert_eq!(state(&f.conn, q.outbox_id), ("sending".into(), 1));
    assert!(queued(&f.conn, 200).unwrap().is_empty());
}

#[crate::testing::both_stores]
fn a_sent_message_takes_metas_wamid_and_shows_accepted() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "hi", 1_000);
    mark_sending(&f.conn, q.outbox_id, 1_001).unwrap();
    let mut events = Vec::new();
    mark_sent(&f.conn, q.outbox_id, "wamid.OUT", None, 1_002, &mut events).unwrap();
    assert_eq!(state(&f.conn, q.outbox_id).0, "sent");
    assert_eq!(
        message_status(&f.conn, q.message_id),
        ("accepted".into(), Some("wamid.OUT".into()))
    );
    assert!(events.contains(&super::StoreEvent::MessageChanged {
        conversation_id: t.conversation_id,
        message_id: q.message_id
    }));
}

#[crate::testing::both_stores]
fn statuses_that_arrived_before_the_send_was_recorded_are_folded_in() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "hi", 1_000);
    mark_sending(&f.conn, q.outbox_id, 1_001).unwrap();
    // Meta's webhook beat the send's answer to the writer.
    apply(
        &f.conn,
        2,
        &statuses(vec![
            status("wamid.OUT", "sent", 1),
            status("wamid.OUT", "delivered", 2),
        ]),
    );
    mark_sent(
        &f.conn,
        q.outbox_id,
        "wamid.OUT",
        None,
        1_002,
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(message_status(&f.conn, q.message_id).0, "delivered");
}

#[crate::testing::both_stores]
fn the_wa_id_meta_maps_the_number_to_becomes_the_contacts() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "hi", 1_000);
    mark_sending(&f.conn, q.outbox_id, 1_001).unwrap();
    mark_sent(
        &f.conn,
        q.outbox_id,
        "wamid.OUT",
        Some("591710000019"),
        1_002,
        &mut Vec::new(),
    )
    .unwrap();
    let after = send_target(&f.conn, t.conversation_id).unwrap();
    assert_eq!(after.wa_id.as_deref(), Some("591710000019"));
}

#[crate::testing::both_stores]
fn a_retry_puts_the_send_back_in_the_queue_due_at_its_time_with_why() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "hi", 1_000);
    mark_sending(&f.conn, q.outbox_id, 1_001).unwrap();
    mark_retry(
        &f.conn,
        q.outbox_id,
        61_000,
        Some(130429),
        "throttled",
        1_002,
    )
    .unwrap();
    let due = queued(&f.conn, 200).unwrap();
    assert_eq!(
        (due[0].id, due[0].next_attempt_at, due[0].attempts),
        (q.outbox_id, 61_000, 1)
    );
    let (code, text): (Option<i64>, String) = f
        .conn
        .query_row(
            "SELECT error_code, error_text FROM outbox WHERE id = ?1",
            [q.outbox_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((code, text.as_str()), (Some(130429), "throttled"));
    assert_eq!(message_status(&f.conn, q.message_id).0, "queued");
}

#[crate::testing::both_stores]
fn a_failed_send_shows_its_error_on_the_message() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "hi", 1_000);
    mark_sending(&f.conn, q.outbox_id, 1_001).unwrap();
    mark_failed(
        &f.conn,
        q.outbox_id,
        Some(131026),
        "Message undeliverable",
        1_002,
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(state(&f.conn, q.outbox_id).0, "failed");
    let (status, code, title): (String, Option<i64>, String) = f
        .conn
        .query_row(
            "SELECT status, error_code, error_title FROM messages WHERE id = ?1",
            [q.message_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (status.as_str(), code, title.as_str()),
        ("failed", Some(131026), "Message undeliverable")
    );
}

#[crate::testing::both_stores]
fn a_send_left_in_sending_by_a_crash_becomes_uncertain_never_resent() {
    let f = store();
    let t = target(&f);
    let in_flight = queue_text(&f.conn, &t, "in flight", 1_000);
    mark_sending(&f.conn, in_flight.outbox_id, 1_001).unwrap();
    let other = send_target(&f.conn, {
        apply(
            &f.conn,
            3,
            &change_for(
                WABA,
                Some(PNID),
                "messages",
                json!({"messages": [{"from": "59171000002", "id": "wamid.IN2", "timestamp": "100",
                                     "type": "text", "text": {"body": "hi"}}]}),
            ),
        );
        f.conn
            .query_row("SELECT max(id) FROM conversations", [], |r| r.get(0))
            .unwrap()
    })
    .unwrap();
    let waiting = queue_text(&f.conn, &other, "still queued", 1_002);
    let mut events = Vec::new();
    assert_eq!(recover_in_flight(&f.conn, 2_000, &mut events).unwrap(), 1);
    assert_eq!(state(&f.conn, in_flight.outbox_id).0, "uncertain");
    assert_eq!(message_status(&f.conn, in_flight.message_id).0, "uncertain");
    assert_eq!(state(&f.conn, waiting.outbox_id).0, "queued");
    assert_eq!(
        queued(&f.conn, 200)
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect::<Vec<_>>(),
        [waiting.outbox_id],
        "the uncertain one is not sent again by itself"
    );
}

#[crate::testing::both_stores]
fn an_agent_may_retry_a_failed_or_uncertain_send_and_it_is_due_at_once() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "hi", 1_000);
    mark_sending(&f.conn, q.outbox_id, 1_001).unwrap();
    mark_uncertain(&f.conn, q.outbox_id, "no answer", 1_002, &mut Vec::new()).unwrap();
    retry(&f.conn, q.message_id, 9_000, &mut Vec::new()).unwrap();
    assert_eq!(state(&f.conn, q.outbox_id).0, "queued");
    assert_eq!(message_status(&f.conn, q.message_id).0, "queued");
    assert_eq!(queued(&f.conn, 200).unwrap()[0].next_attempt_at, 9_000);
    mark_sending(&f.conn, q.outbox_id, 9_001).unwrap();
    mark_failed(
        &f.conn,
        q.outbox_id,
        None,
        "refused",
        9_002,
        &mut Vec::new(),
    )
    .unwrap();
    retry(&f.conn, q.message_id, 10_000, &mut Vec::new()).unwrap();
    assert_eq!(state(&f.conn, q.outbox_id), ("queued".into(), 2));
}

#[crate::testing::both_stores]
fn a_send_that_is_queued_sending_or_sent_cannot_be_retried() {
    let f = store();
    let t = target(&f);
    let q = queue_text(&f.conn, &t, "hi", 1_000);
    let refused = retry(&f.conn, q.message_id, 2_000, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(&refused, StoreError::Conflict(why) if why.english().contains("is queued")),
        "{refused}"
    );
    mark_sending(&f.conn, q.outbox_id, 1_001).unwrap();
    assert!(matches!(
        retry(&f.conn, q.message_id, 2_000, &mut Vec::new()),
        Err(StoreError::Conflict(_))
    ));
    mark_sent(
        &f.conn,
        q.outbox_id,
        "wamid.OUT",
        None,
        1_002,
        &mut Vec::new(),
    )
    .unwrap();
    assert!(matches!(
        retry(&f.conn, q.message_id, 2_000, &mut Vec::new()),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(state(&f.conn, q.outbox_id).0, "sent");
}

#[crate::testing::both_stores]
fn a_message_wabox_did_not_send_cannot_be_retried() {
    let f = store();
    target(&f);
    let inbound = row(&f.conn, "wamid.IN").unwrap();
    let refused = retry(&f.conn, inbound.id, 2_000, &mut Vec::new()).unwrap_err();
    assert!(matches!(refused, StoreError::NotFound(_)), "{refused}");
}

#[crate::testing::both_stores]
fn each_number_offers_its_own_soonest_sends_so_a_backlog_never_hides_another_number() {
    let f = store();
    let t = target(&f);
    // A second number with one customer, its send queued after the first number's backlog.
    let second = super::directory::NewNumber {
        tenant: TENANT,
        phone_number_id: "106540352249999",
        waba_id: WABA,
        display_phone: "15550789999",
        connection: wabox_domain::ConnectionKind::Dedicated,
        access_token_sealed: Some(b"sealed".to_vec()),
    };
    super::directory::add_number(&f.conn, &second, 0).unwrap();
    apply(
        &f.conn,
        5,
        &change_for(
            WABA,
            Some("106540352249999"),
            "messages",
            json!({"messages": [{"from": "59171000002", "id": "wamid.IN2", "timestamp": "100",
                                 "type": "text", "text": {"body": "hi"}}]}),
        ),
    );
    let other_conversation: i64 = f
        .conn
        .query_row("SELECT max(id) FROM conversations", [], |r| r.get(0))
        .unwrap();
    let other = send_target(&f.conn, other_conversation).unwrap();
    // Many customers' worth of backlog on the first number (one per conversation is eligible,
    // so each goes to its own conversation).
    for i in 0..3 {
        let wa = format!("5917100010{i}");
        apply(
            &f.conn,
            10 + i,
            &change_for(
                WABA,
                Some(PNID),
                "messages",
                json!({"messages": [{"from": wa, "id": format!("wamid.B{i}"), "timestamp": "100",
                                     "type": "text", "text": {"body": "hi"}}]}),
            ),
        );
        let c: i64 = f
            .conn
            .query_row("SELECT max(id) FROM conversations", [], |r| r.get(0))
            .unwrap();
        queue_text(
            &f.conn,
            &send_target(&f.conn, c).unwrap(),
            "backlog",
            1_000 + i,
        );
    }
    queue_text(&f.conn, &t, "backlog", 1_010);
    let late = queue_text(&f.conn, &other, "other number", 5_000);
    let offered: Vec<i64> = queued(&f.conn, 2).unwrap().iter().map(|d| d.id).collect();
    assert_eq!(
        offered.len(),
        3,
        "two of the first number, one of the second"
    );
    assert!(offered.contains(&late.outbox_id), "{offered:?}");
}

#[crate::testing::both_stores]
fn an_uploaded_files_media_id_is_kept_so_a_retry_sends_by_it() {
    let f = store();
    let t = target(&f);
    let request = json!({"type": "image", "image": {}});
    let send = NewSend {
        kind: "image",
        request: &request,
        rendered: "[image]",
        requested_by: "ana",
        origin: "agent",
        reply_to: None,
    };
    let q = queue(&f.conn, &t, &send, 1_000, &mut Vec::new()).unwrap();
    let file = super::media::OutboundFile {
        path: "outbox-media/ab".into(),
        mime_type: "image/jpeg".into(),
        sha256: "q83v".into(),
        bytes: 5,
        filename: "a.jpg".into(),
    };
    super::media::add_outbound(&f.conn, q.message_id, f.number_id, &file).unwrap();
    mark_sending(&f.conn, q.outbox_id, 1_001).unwrap();
    mark_uploaded(&f.conn, q.outbox_id, "778899").unwrap();
    mark_retry(&f.conn, q.outbox_id, 2_000, None, "unreachable", 1_002).unwrap();
    let due = queued(&f.conn, 200).unwrap();
    let file = due[0].file.as_ref().expect("the send's file");
    assert_eq!(file.media_id.as_deref(), Some("778899"));
    assert_eq!(file.path, "outbox-media/ab");
}

#[crate::testing::both_stores]
fn a_send_is_addressed_to_the_group_else_the_wa_id_else_the_bsuid() {
    let base = SendTarget {
        conversation_id: 1,
        number_id: 1,
        tenant_id: 1,
        phone_number_id: PNID.into(),
        waba_id: WABA.into(),
        connection: wabox_domain::ConnectionKind::Dedicated,
        has_token: true,
        wa_id: Some("59171000001".into()),
        user_id: Some("BO.1234".into()),
        last_inbound_at: None,
        group_id: Some("GROUP1".into()),
    };
    assert_eq!(base.address(), Some(("to", "GROUP1")));
    let person = SendTarget {
        group_id: None,
        ..base.clone()
    };
    assert_eq!(person.address(), Some(("to", "59171000001")));
    let bsuid_only = SendTarget {
        wa_id: None,
        ..person.clone()
    };
    assert_eq!(bsuid_only.address(), Some(("recipient", "BO.1234")));
    let nobody = SendTarget {
        user_id: None,
        ..bsuid_only
    };
    assert_eq!(nobody.address(), None);
}

#[crate::testing::both_stores]
fn a_missing_conversation_is_not_found_with_how_to_list_them() {
    let f = store();
    let Err(StoreError::NotFound(why)) = send_target(&f.conn, 4242) else {
        panic!("a send target for a conversation that does not exist");
    };
    assert!(
        why.english().contains("wabox conversations"),
        "{}",
        why.english()
    );
}

/// On PostgreSQL the outbox's statistics are taken anew (the planner then knows how many are
/// queued); on SQLite it does nothing, and neither changes a row.
#[crate::testing::both_stores]
fn statistics_taken_anew_count_what_is_queued_now() {
    let f = store();
    let t = target(&f);
    refresh_statistics(&f.conn).unwrap();
    for k in 0..40 {
        queue_text(&f.conn, &t, &format!("message {k}"), 1_000 + k);
    }
    refresh_statistics(&f.conn).unwrap();
    if f.conn.dialect() == crate::db::Dialect::Postgres {
        let counted: f64 = f
            .conn
            .query_row(
                "SELECT CAST(reltuples AS DOUBLE PRECISION) FROM pg_class WHERE relname = 'outbox'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            counted, 40.0,
            "ANALYZE counted the rows queued since the last"
        );
    }
    assert_eq!(
        queued(&f.conn, 200).unwrap().len(),
        1,
        "one conversation: its oldest"
    );
}
