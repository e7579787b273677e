//! One test per rule `apply` enforces when a webhook reaches the store.

use super::StoreEvent;
use super::test_fixtures::*;
use serde_json::json;

fn conversation_row(conn: &crate::db::Connection, id: i64) -> (i64, Option<i64>, String, String) {
    conn.query_row(
        "SELECT unread, last_inbound_at, state, coalesce(last_message_text, '')
         FROM conversations WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .unwrap()
}

// --- Routing ---

#[crate::testing::both_stores]
fn a_change_for_an_unknown_phone_number_id_is_unrouted_and_stores_nothing() {
    let f = store();
    let body = change_for(
        WABA,
        Some("999999999999999"),
        "messages",
        json!({"messages": [text("wamid.U1", 100, "hola")]}),
    );
    let (applied, events) = apply(&f.conn, 1, &body);
    assert_eq!(applied.unrouted.len(), 1);
    assert!(
        applied.unrouted[0].contains("unknown phone number id 999999999999999"),
        "{:?}",
        applied.unrouted
    );
    assert_eq!(count(&f.conn, "SELECT count(*) FROM messages"), 0);
    assert!(events.is_empty());
}

#[crate::testing::both_stores]
fn a_batch_routes_each_number_once_and_the_next_batch_looks_again() {
    let (_dir, conn) = crate::testing::store();
    let body = messages(vec![text("wamid.R1", 100, "hola")]);
    let delivery =
        wabox_domain::delivery::parse_delivery(&serde_json::to_vec(&body).unwrap()).unwrap();
    let routes = super::apply::Batch::default();
    let mut events = Vec::new();
    let first = super::apply::apply_routed(&conn, 1, &delivery, 1_000, &routes, &mut events);
    assert_eq!(first.unwrap().unrouted.len(), 1, "no number yet");
    add_number(&conn, None).unwrap();
    let again = super::apply::apply_routed(&conn, 2, &delivery, 1_000, &routes, &mut events);
    assert_eq!(
        again.unwrap().unrouted.len(),
        1,
        "the same batch remembers its routes"
    );
    let (applied, _) = apply(&conn, 3, &body);
    assert!(applied.unrouted.is_empty(), "a new batch sees the number");
    assert_eq!(count(&conn, "SELECT count(*) FROM messages"), 1);
}

#[crate::testing::both_stores]
fn a_change_for_an_unknown_waba_without_a_number_is_unrouted() {
    let f = store();
    let body = change_for(
        "777777777777777",
        None,
        "account_update",
        json!({"event": "VERIFIED_ACCOUNT"}),
    );
    let (applied, _) = apply(&f.conn, 1, &body);
    assert_eq!(applied.unrouted.len(), 1);
    assert!(applied.unrouted[0].contains("unknown WABA 777777777777777"));
    assert_eq!(count(&f.conn, "SELECT count(*) FROM account_events"), 0);
}

#[crate::testing::both_stores]
fn an_account_event_of_a_known_waba_is_recorded_once_however_often_it_is_replayed() {
    let f = store();
    let body = change_for(
        WABA,
        None,
        "account_update",
        json!({"event": "VERIFIED_ACCOUNT"}),
    );
    let (applied, _) = apply(&f.conn, 7, &body);
    apply(&f.conn, 7, &body);
    assert!(applied.unrouted.is_empty());
    let (tenant, event): (i64, String) = f
        .conn
        .query_row("SELECT tenant_id, event FROM account_events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((tenant, event.as_str()), (f.tenant_id, "VERIFIED_ACCOUNT"));
    assert_eq!(count(&f.conn, "SELECT count(*) FROM account_events"), 1);
}

#[crate::testing::both_stores]
fn a_message_change_without_metadata_is_kept_on_record_not_lost() {
    let f = store();
    let body = change_for(
        WABA,
        None,
        "messages",
        json!({"messages": [text("wamid.NM", 100, "hola")]}),
    );
    let (applied, _) = apply(&f.conn, 1, &body);
    assert!(applied.unrouted.is_empty());
    assert_eq!(count(&f.conn, "SELECT count(*) FROM messages"), 0);
    let event: String = f
        .conn
        .query_row("SELECT event FROM account_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(event, "no phone number id");
}

#[crate::testing::both_stores]
fn errors_in_a_messages_change_are_kept_on_record() {
    let f = store();
    let body = change_for(
        WABA,
        Some(PNID),
        "messages",
        json!({"errors": [{"code": 131000, "title": "Something went wrong"}]}),
    );
    apply(&f.conn, 1, &body);
    let (event, payload): (String, String) = f
        .conn
        .query_row("SELECT event, payload FROM account_events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(event, "errors");
    assert!(payload.contains("131000"), "{payload}");
}

#[crate::testing::both_stores]
fn a_template_status_update_keeps_the_template_and_tells_clients() {
    let f = store();
    let update = |event: &str| {
        change_for(
            WABA,
            None,
            "message_template_status_update",
            json!({"event": event, "message_template_id": 5551, "message_template_name": "hello",
                   "message_template_language": "en", "reason": "NONE"}),
        )
    };
    let (_, events) = apply(&f.conn, 1, &update("APPROVED"));
    assert!(events.contains(&StoreEvent::TemplateStatusChanged {
        waba_id: WABA.into()
    }));
    apply(&f.conn, 2, &update("PAUSED"));
    let rows: Vec<(String, String)> = f
        .conn
        .prepare("SELECT name, status FROM templates")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<crate::db::Result<_>>()
        .unwrap();
    assert_eq!(rows, [("hello".to_string(), "PAUSED".to_string())]);
}

// --- Inbound messages ---

#[crate::testing::both_stores]
fn a_customers_first_message_creates_its_conversation_and_is_stored_as_inbound() {
    let f = store();
    let (_, events) = apply(&f.conn, 1, &messages(vec![text("wamid.A", 100, "hola")]));
    let conversation = conversation(&f.conn).expect("a conversation for the customer");
    let m = row(&f.conn, "wamid.A").unwrap();
    assert_eq!(
        (m.conversation_id, m.direction.as_str(), m.origin.as_str()),
        (conversation, "in", "customer")
    );
    assert_eq!(m.text, "hola");
    assert!(events.contains(&StoreEvent::MessageAdded {
        conversation_id: conversation,
        message_id: m.id
    }));
    assert!(events.contains(&StoreEvent::ConversationChanged {
        conversation_id: conversation
    }));
    // It is the conversation's latest, unread, and opens the window (on PostgreSQL the
    // conversation is opened with it, in one statement).
    assert_eq!(
        conversation_row(&f.conn, conversation),
        (1, Some(100), "open".into(), "hola".into())
    );
    // In its number's queue.
    f.conn
        .execute_batch(
            "INSERT INTO queues (id, tenant_id, name, created_at)
                 SELECT 7, tenant_id, 'Ventas', 1 FROM numbers;
             UPDATE numbers SET queue_id = 7",
        )
        .unwrap();
    let another = serde_json::json!({"from": "5215550002", "id": "wamid.B", "timestamp": "120",
                                     "type": "text", "text": {"body": "buenas"}});
    apply(&f.conn, 2, &messages(vec![another]));
    let queued: Vec<Option<i64>> =
        crate::test_fixtures::column(&f.conn, "SELECT queue_id FROM conversations ORDER BY id");
    assert_eq!(queued, [None, Some(7)]);
}

#[crate::testing::both_stores]
fn a_known_customer_comes_with_their_conversation_of_the_number_asked_about() {
    let f = store();
    apply(&f.conn, 1, &messages(vec![text("wamid.A", 100, "hola")]));
    let conversation = conversation(&f.conn).unwrap();
    let (number, tenant): (i64, i64) = f
        .conn
        .query_row("SELECT id, tenant_id FROM numbers", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let key = wabox_domain::delivery::CustomerKey {
        wa_id: Some(wabox_domain::WaId(CUSTOMER.into())),
        user_id: None,
    };
    let resolve = |number_id: i64| {
        let seen = crate::identity::sighting(&key, None, 200);
        crate::identity::resolve(&f.conn, tenant, &seen, number_id, 300, &mut Vec::new()).unwrap()
    };
    let found = resolve(number);
    assert_eq!(
        (found.created, found.conversation),
        (false, Some(conversation))
    );
    assert_eq!(
        resolve(number + 1).conversation,
        None,
        "none with another number"
    );
    // Its next message goes to that conversation.
    apply(
        &f.conn,
        2,
        &messages(vec![text("wamid.B", 110, "sigo aquí")]),
    );
    assert_eq!(
        row(&f.conn, "wamid.B").unwrap().conversation_id,
        conversation
    );
}

#[crate::testing::both_stores]
fn a_duplicate_wamid_is_stored_once_and_counted_unread_once() {
    let f = store();
    let body = messages(vec![text("wamid.A", 100, "hola")]);
    apply(&f.conn, 1, &body);
    let (_, events) = apply(&f.conn, 2, &body);
    assert_eq!(count(&f.conn, "SELECT count(*) FROM messages"), 1);
    let (unread, ..) = conversation_row(&f.conn, conversation(&f.conn).unwrap());
    assert_eq!(unread, 1);
    assert!(events.is_empty(), "a repeat tells no one: {events:?}");
}

#[crate::testing::both_stores]
fn a_customers_message_opens_the_window_and_a_late_older_one_never_moves_it_back() {
    let f = store();
    apply(&f.conn, 1, &messages(vec![text("wamid.B", 200, "later")]));
    apply(&f.conn, 2, &messages(vec![text("wamid.A", 100, "earlier")]));
    let (unread, last_inbound, _, preview) =
        conversation_row(&f.conn, conversation(&f.conn).unwrap());
    assert_eq!(unread, 2);
    assert_eq!(last_inbound, Some(200));
    assert_eq!(
        preview, "later",
        "the list shows the newest, not the latest to arrive"
    );
}

#[crate::testing::both_stores]
fn a_message_reopens_a_closed_or_snoozed_conversation() {
    for state in ["closed", "snoozed"] {
        let f = store();
        apply(&f.conn, 1, &messages(vec![text("wamid.A", 100, "hola")]));
        let id = conversation(&f.conn).unwrap();
        f.conn
            .execute(
                "UPDATE conversations SET state = ?2 WHERE id = ?1",
                crate::params![id, state],
            )
            .unwrap();
        apply(&f.conn, 2, &messages(vec![text("wamid.B", 200, "again")]));
        assert_eq!(conversation_row(&f.conn, id).2, "open", "from {state}");
    }
}

#[crate::testing::both_stores]
fn a_reaction_does_not_open_the_window_nor_become_a_message() {
    let f = store();
    apply(&f.conn, 1, &messages(vec![text("wamid.A", 100, "hola")]));
    let reaction = json!({"from": CUSTOMER, "id": "wamid.R", "timestamp": "500", "type": "reaction",
                          "reaction": {"message_id": "wamid.A", "emoji": "👍"}});
    apply(&f.conn, 2, &messages(vec![reaction]));
    let (unread, last_inbound, ..) = conversation_row(&f.conn, conversation(&f.conn).unwrap());
    assert_eq!((unread, last_inbound), (1, Some(100)));
    assert!(row(&f.conn, "wamid.R").is_none());
}

#[crate::testing::both_stores]
fn an_ad_referral_is_kept_on_the_message_and_marks_the_conversation() {
    let f = store();
    let mut m = text("wamid.AD", 100, "I saw your ad");
    m["referral"] = json!({"source_type": "ad", "source_id": "120210", "ctwa_clid": "ARAk"});
    apply(&f.conn, 1, &messages(vec![m]));
    let referral: String = f
        .conn
        .query_row(
            "SELECT referral FROM messages WHERE wamid = 'wamid.AD'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(referral.contains("ctwa_clid"), "{referral}");
    let referral_at: Option<i64> = f
        .conn
        .query_row("SELECT referral_at FROM conversations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(referral_at, Some(100));
}

#[crate::testing::both_stores]
fn an_inbound_file_is_queued_for_download_once() {
    let f = store();
    let image = json!({"from": CUSTOMER, "id": "wamid.IMG", "timestamp": "100", "type": "image",
                       "image": {"id": "4411223344", "mime_type": "image/jpeg"}});
    let body = messages(vec![image]);
    apply(&f.conn, 1, &body);
    apply(&f.conn, 2, &body);
    let (state, lane): (String, String) = f
        .conn
        .query_row("SELECT state, lane FROM media", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((state.as_str(), lane.as_str()), ("pending", "live"));
    assert_eq!(count(&f.conn, "SELECT count(*) FROM media"), 1);
}

#[crate::testing::both_stores]
fn a_group_message_goes_to_the_groups_conversation_with_its_author() {
    let f = store();
    let mut m = text("wamid.G", 100, "Saturday at 7?");
    m["group_id"] = json!("Q0FQSV9HUk9VUDo1OTE3MTIzMDAwMToxNzY3MjMzMDAwOjQ0");
    apply(&f.conn, 1, &messages(vec![m]));
    let m = row(&f.conn, "wamid.G").unwrap();
    let (group, author): (Option<String>, Option<i64>) = f
        .conn
        .query_row(
            "SELECT g.group_id, m.author_contact_id FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             LEFT JOIN whatsapp_groups g ON g.contact_id = c.contact_id WHERE m.id = ?1",
            [m.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        group.as_deref(),
        Some("Q0FQSV9HUk9VUDo1OTE3MTIzMDAwMToxNzY3MjMzMDAwOjQ0")
    );
    let customer: i64 = f
        .conn
        .query_row(
            "SELECT id FROM contacts WHERE wa_id = ?1",
            [CUSTOMER],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(author, Some(customer));
    assert_eq!(
        conversation(&f.conn),
        None,
        "the author's own conversation is not where a group message goes"
    );
}

// --- Echoes ---

#[crate::testing::both_stores]
fn an_echo_is_our_own_message_never_unread_and_never_opening_the_window() {
    let f = store();
    apply(&f.conn, 1, &echoes(vec![echo("wamid.E", 100, "on my way")]));
    let m = row(&f.conn, "wamid.E").unwrap();
    assert_eq!(
        (m.direction.as_str(), m.origin.as_str(), m.status.as_deref()),
        ("out", "phone_app", Some("sent"))
    );
    let (unread, last_inbound, ..) = conversation_row(&f.conn, m.conversation_id);
    assert_eq!((unread, last_inbound), (0, None));
}

// --- Statuses ---

#[crate::testing::both_stores]
fn a_status_never_moves_a_message_backwards() {
    let f = store();
    apply(&f.conn, 1, &echoes(vec![echo("wamid.E", 100, "hi")]));
    apply(&f.conn, 2, &statuses(vec![status("wamid.E", "read", 120)]));
    let (_, events) = apply(
        &f.conn,
        3,
        &statuses(vec![status("wamid.E", "delivered", 110)]),
    );
    assert_eq!(
        row(&f.conn, "wamid.E").unwrap().status.as_deref(),
        Some("read")
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, StoreEvent::MessageChanged { .. })),
        "a late delivered changes nothing shown: {events:?}"
    );
    // Both reports are on record, though.
    assert_eq!(count(&f.conn, "SELECT count(*) FROM statuses"), 2);
}

#[crate::testing::both_stores]
fn a_status_moves_a_message_forward_and_tells_clients() {
    let f = store();
    apply(&f.conn, 1, &echoes(vec![echo("wamid.E", 100, "hi")]));
    let (_, events) = apply(
        &f.conn,
        2,
        &statuses(vec![status("wamid.E", "delivered", 110)]),
    );
    let m = row(&f.conn, "wamid.E").unwrap();
    assert_eq!(m.status.as_deref(), Some("delivered"));
    assert!(events.contains(&StoreEvent::MessageChanged {
        conversation_id: m.conversation_id,
        message_id: m.id
    }));
}

#[crate::testing::both_stores]
fn a_failed_status_wins_over_read_and_keeps_its_error() {
    let f = store();
    apply(&f.conn, 1, &echoes(vec![echo("wamid.E", 100, "hi")]));
    apply(&f.conn, 2, &statuses(vec![status("wamid.E", "read", 110)]));
    let mut failed = status("wamid.E", "failed", 120);
    failed["errors"] = json!([{"code": 131026, "title": "Message undeliverable"}]);
    apply(&f.conn, 3, &statuses(vec![failed]));
    apply(&f.conn, 4, &statuses(vec![status("wamid.E", "sent", 130)]));
    let m = row(&f.conn, "wamid.E").unwrap();
    assert_eq!(
        (m.status.as_deref(), m.error_code),
        (Some("failed"), Some(131026))
    );
}

#[crate::testing::both_stores]
fn a_repeated_status_is_recorded_once() {
    let f = store();
    apply(&f.conn, 1, &echoes(vec![echo("wamid.E", 100, "hi")]));
    let body = statuses(vec![status("wamid.E", "delivered", 110)]);
    apply(&f.conn, 2, &body);
    let (_, events) = apply(&f.conn, 3, &body);
    assert_eq!(count(&f.conn, "SELECT count(*) FROM statuses"), 1);
    assert!(events.is_empty(), "{events:?}");
}

#[crate::testing::both_stores]
fn a_status_for_an_unknown_message_is_kept_and_settles_it_when_it_arrives() {
    let f = store();
    let (applied, events) = apply(
        &f.conn,
        1,
        &statuses(vec![status("wamid.LATE", "delivered", 110)]),
    );
    assert!(applied.unrouted.is_empty());
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(count(&f.conn, "SELECT count(*) FROM statuses"), 1);
    // The echo of that message comes later: it shows the status already reported.
    apply(&f.conn, 2, &echoes(vec![echo("wamid.LATE", 100, "hi")]));
    assert_eq!(
        row(&f.conn, "wamid.LATE").unwrap().status.as_deref(),
        Some("delivered")
    );
}

#[crate::testing::both_stores]
fn a_status_meta_adds_later_is_kept_on_record_and_changes_nothing_shown() {
    let f = store();
    apply(&f.conn, 1, &echoes(vec![echo("wamid.E", 100, "hi")]));
    apply(
        &f.conn,
        2,
        &statuses(vec![status("wamid.E", "warped", 110)]),
    );
    assert_eq!(
        row(&f.conn, "wamid.E").unwrap().status.as_deref(),
        Some("sent")
    );
    assert_eq!(
        count(
            &f.conn,
            "SELECT count(*) FROM statuses WHERE status = 'warped'"
        ),
        1
    );
}

// --- Reactions, edits, deletions ---

fn reaction(wamid: &str, target: &str, emoji: &str, at: i64) -> serde_json::Value {
    json!({"from": CUSTOMER, "id": wamid, "timestamp": at.to_string(), "type": "reaction",
           "reaction": {"message_id": target, "emoji": emoji}})
}

fn reaction_of(conn: &crate::db::Connection, target: &str) -> Option<String> {
    use crate::db::OptionalExtension;
    conn.query_row(
        "SELECT emoji FROM reactions WHERE message_wamid = ?1 AND reactor = 'customer'",
        [target],
        |r| r.get(0),
    )
    .optional()
    .unwrap()
}

#[crate::testing::both_stores]
fn a_newer_reaction_replaces_the_customers_earlier_one_and_an_older_repeat_does_not() {
    let f = store();
    apply(&f.conn, 1, &echoes(vec![echo("wamid.E", 100, "hi")]));
    apply(
        &f.conn,
        2,
        &messages(vec![reaction("wamid.R1", "wamid.E", "👍", 200)]),
    );
    let (_, events) = apply(
        &f.conn,
        3,
        &messages(vec![reaction("wamid.R2", "wamid.E", "❤️", 300)]),
    );
    assert_eq!(reaction_of(&f.conn, "wamid.E").as_deref(), Some("❤️"));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, StoreEvent::MessageChanged { .. }))
    );
    let (_, events) = apply(
        &f.conn,
        4,
        &messages(vec![reaction("wamid.R1", "wamid.E", "👍", 200)]),
    );
    assert_eq!(reaction_of(&f.conn, "wamid.E").as_deref(), Some("❤️"));
    assert!(events.is_empty(), "{events:?}");
}

#[crate::testing::both_stores]
fn an_edit_changes_the_text_once_and_marks_the_message_edited() {
    let f = store();
    apply(&f.conn, 1, &messages(vec![text("wamid.A", 100, "helo")]));
    let edit = json!({"from": CUSTOMER, "id": "wamid.ED", "timestamp": "110", "type": "edit",
                      "edit": {"original_message_id": "wamid.A",
                               "message": {"type": "text", "text": {"body": "hello"}}}});
    apply(&f.conn, 2, &messages(vec![edit.clone()]));
    apply(&f.conn, 3, &messages(vec![edit]));
    let m = row(&f.conn, "wamid.A").unwrap();
    assert_eq!((m.text.as_str(), m.edited), ("hello", true));
    let previous: String = f
        .conn
        .query_row("SELECT previous_text FROM message_revisions", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(previous, "helo");
    assert_eq!(count(&f.conn, "SELECT count(*) FROM message_revisions"), 1);
}

#[crate::testing::both_stores]
fn an_edit_that_arrives_before_its_message_is_applied_when_the_message_comes() {
    let f = store();
    let edit = json!({"from": CUSTOMER, "id": "wamid.ED", "timestamp": "110", "type": "edit",
                      "edit": {"original_message_id": "wamid.A",
                               "message": {"type": "text", "text": {"body": "hello"}}}});
    apply(&f.conn, 1, &messages(vec![edit]));
    assert!(row(&f.conn, "wamid.A").is_none());
    apply(&f.conn, 2, &messages(vec![text("wamid.A", 100, "helo")]));
    let m = row(&f.conn, "wamid.A").unwrap();
    assert_eq!((m.text.as_str(), m.edited), ("hello", true));
}

#[crate::testing::both_stores]
fn a_revoke_marks_the_message_deleted() {
    let f = store();
    apply(&f.conn, 1, &messages(vec![text("wamid.A", 100, "oops")]));
    let revoke = json!({"from": CUSTOMER, "id": "wamid.RV", "timestamp": "110", "type": "revoke",
                        "revoke": {"original_message_id": "wamid.A"}});
    apply(&f.conn, 2, &messages(vec![revoke]));
    assert!(row(&f.conn, "wamid.A").unwrap().revoked);
    assert!(row(&f.conn, "wamid.RV").is_none());
}

// --- History ---

fn history(value: serde_json::Value) -> serde_json::Value {
    change_for(WABA, Some(PNID), "history", value)
}

#[crate::testing::both_stores]
fn imported_history_is_silent_and_tells_our_messages_from_the_customers() {
    let f = store();
    let thread = json!({"history": [{"metadata": {"phase": 0, "chunk_order": 1, "progress": 40},
        "threads": [{"id": CUSTOMER, "messages": [
            {"from": CUSTOMER, "id": "wamid.H1", "timestamp": "50", "type": "text",
             "text": {"body": "old question"}},
            {"from": DISPLAY, "to": CUSTOMER, "id": "wamid.H2", "timestamp": "60", "type": "text",
             "text": {"body": "old answer"}, "history_context": {"status": "READ"}}]}]}]});
    apply(&f.conn, 1, &history(thread));
    let question = row(&f.conn, "wamid.H1").unwrap();
    let answer = row(&f.conn, "wamid.H2").unwrap();
    assert_eq!(
        (question.direction.as_str(), question.origin.as_str()),
        ("in", "history")
    );
    assert_eq!(
        (answer.direction.as_str(), answer.status.as_deref()),
        ("out", Some("read"))
    );
    let (unread, last_inbound, ..) = conversation_row(&f.conn, question.conversation_id);
    assert_eq!((unread, last_inbound), (0, None));
}

#[crate::testing::both_stores]
fn history_progress_never_goes_backwards() {
    let f = store();
    let chunk = |progress: i64| {
        history(
            json!({"history": [{"metadata": {"phase": 0, "chunk_order": 1,
                                                 "progress": progress}, "threads": []}]}),
        )
    };
    apply(&f.conn, 1, &chunk(80));
    apply(&f.conn, 2, &chunk(30));
    let progress: i64 = f
        .conn
        .query_row("SELECT progress FROM history_progress", [], |r| r.get(0))
        .unwrap();
    assert_eq!(progress, 80);
}
