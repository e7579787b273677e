//! The statements of the modules that have no tests of their own (queues and agents, contacts,
//! sequences, templates, sync, views, our reactions, calls, identity, signups, media, a tenant's
//! removal), each run at least once on both stores: the engine runs every one of them on
//! PostgreSQL too, where a statement SQLite takes may not even prepare.

use super::StoreEvent;
use super::scope::Scope;
use super::test_fixtures::*;
use crate::db::Connection;
use serde_json::json;
use wabox_protocol::states::Role;

fn events() -> Vec<StoreEvent> {
    Vec::new()
}

#[crate::testing::both_stores]
fn queues_agents_claims_and_transfers() {
    use crate::queues::*;
    let f = store();
    let conn = &f.conn;
    let conversation = number_and_conversation_of(&f);
    assert_eq!(tenant_named(conn, " Acme ").unwrap(), f.tenant_id);
    assert_eq!(
        tenant_named(conn, "acme").unwrap(),
        f.tenant_id,
        "names ignore case"
    );
    assert_eq!(default_tenant(conn, None).unwrap(), f.tenant_id);
    let sales = add_queue(conn, f.tenant_id, "Sales", false, 1).unwrap();
    add_queue(conn, f.tenant_id, "Support", true, 1).unwrap();
    assert!(add_queue(conn, f.tenant_id, "SALES", false, 1).is_err());
    rename_queue(conn, f.tenant_id, "Support", "Help").unwrap();
    set_auto_assign(conn, f.tenant_id, "Help", false).unwrap();
    assert_eq!(number_ref(conn, PNID).unwrap().0, f.number_id);
    assert_eq!(
        number_ref(conn, &format!("+{DISPLAY}")).unwrap().0,
        f.number_id
    );
    assert_eq!(orphans(conn, &Scope::Everything).unwrap().len(), 1);
    assert_eq!(
        assign_number(conn, PNID, "Sales", &mut events()).unwrap(),
        1,
        "its conversation moves with it"
    );
    assert!(
        orphans(conn, &Scope::Tenant(f.tenant_id))
            .unwrap()
            .is_empty()
    );
    assert!(
        remove_queue(conn, f.tenant_id, "Sales").is_err(),
        "a number routes to it"
    );

    add_agent(conn, "ana", Role::Agent, None, &["Sales".into()], 1).unwrap();
    add_agent(conn, "boss", Role::Admin, Some("Acme"), &[], 1).unwrap();
    let ana = add_agent(
        conn,
        "ana",
        Role::Agent,
        None,
        &["Sales".into(), "Help".into()],
        2,
    )
    .unwrap();
    assert_eq!(ana.queues, ["Help", "Sales"]);
    let users: Vec<String> = list_agents(conn)
        .unwrap()
        .into_iter()
        .map(|a| a.user)
        .collect();
    assert_eq!(users, ["ana", "boss"]);
    assert_eq!(
        list_agents_in(conn, &Scope::Tenant(f.tenant_id))
            .unwrap()
            .len(),
        2
    );
    assert!(
        list_agents_in(conn, &Scope::Tenant(f.tenant_id + 1))
            .unwrap()
            .is_empty()
    );
    let record = agent_record(conn, "boss").unwrap().unwrap();
    assert_eq!(record_scope("boss", &record), Scope::Tenant(f.tenant_id));
    assert_eq!(agent_record(conn, "nobody").unwrap(), None);
    assert!(works_for(conn, "ana", f.tenant_id).unwrap());
    assert!(!works_for(conn, "nobody", f.tenant_id).unwrap());
    assert_eq!(crate::scope::agent_queues(conn, "ana").unwrap().len(), 2);
    assert_eq!(
        crate::scope::queue_tenants(conn, "ana").unwrap(),
        [f.tenant_id, f.tenant_id]
    );

    let ana_sees = Scope::Agent("ana".into());
    let queues = list_queues(conn, &ana_sees).unwrap();
    assert_eq!(queues.len(), 2);
    let sales_view = queues.iter().find(|q| q.id == sales).unwrap();
    assert_eq!((sales_view.conversations, sales_view.waiting), (1, 1));
    assert_eq!(sales_view.agents, ["ana"]);
    assert_eq!(sales_view.numbers, [DISPLAY]);
    assert!(
        list_queues(conn, &Scope::Agent("nobody".into()))
            .unwrap()
            .is_empty()
    );
    assert!(ana_sees.sees_conversation(conn, conversation).unwrap());
    assert!(
        !Scope::Agent("nobody".into())
            .sees_conversation(conn, conversation)
            .unwrap()
    );

    claim(conn, conversation, "ana", 10, &mut events()).unwrap();
    claim(conn, conversation, "ana", 11, &mut events()).unwrap();
    assert!(claim(conn, conversation, "boss", 12, &mut events()).is_err());
    // Claiming what is already yours is fine, and said once in its history.
    let claims: i64 = conn
        .query_row(
            "SELECT count(*) FROM conversation_events WHERE conversation_id = ?1 AND kind = 'claimed'",
            [conversation],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(claims, 1);
    transfer(
        conn,
        conversation,
        Some("Help"),
        None,
        Some("  for you "),
        "ana",
        13,
        &mut events(),
    )
    .unwrap();
    transfer(
        conn,
        conversation,
        None,
        Some("ana"),
        None,
        "boss",
        14,
        &mut events(),
    )
    .unwrap();
    assert!(
        transfer(
            conn,
            conversation,
            None,
            Some("nobody"),
            None,
            "boss",
            15,
            &mut events()
        )
        .is_err()
    );
    let hands = hands(conn, conversation).unwrap();
    let kinds: Vec<&str> = hands.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(kinds, ["claimed", "transferred", "transferred"]);
    assert_eq!(hands[1].note.as_deref(), Some("for you"));
    audit(conn, "boss", Some("ana"), "claim", "conversation 1", 16).unwrap();
    audit(conn, "boss", None, "sync", "numbers", 17).unwrap();
    let log = audit_log(conn, 1).unwrap();
    assert_eq!((log.len(), log[0].action.as_str()), (1, "sync"));
    assert_eq!(
        crate::scope::conversation_tenant(conn, conversation).unwrap(),
        f.tenant_id
    );
    let message: i64 = conn
        .query_row("SELECT max(id) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ana_sees.check_message(conn, message).unwrap(), conversation);

    // Moved to another tenant, an agent leaves the old tenant's queues.
    crate::directory::add_tenant(conn, "Globex", 1).unwrap();
    let globex = tenant_named(conn, "Globex").unwrap();
    add_queue(conn, globex, "Desk", false, 1).unwrap();
    assert!(default_tenant(conn, None).is_err(), "two tenants: name one");
    let moved = add_agent(conn, "ana", Role::Agent, Some("Globex"), &[], 3).unwrap();
    assert!(moved.queues.is_empty(), "{moved:?}");
    remove_queue(conn, globex, "Desk").unwrap();
}

/// The fixture's number with the customer's conversation (opened by one message); its id.
fn number_and_conversation_of(f: &Fixture) -> i64 {
    apply(&f.conn, 1, &messages(vec![text("wamid.A", 10, "hola")]));
    conversation(&f.conn).unwrap()
}

#[crate::testing::both_stores]
fn labels_notes_and_states_of_a_conversation() {
    use crate::contacts::*;
    let f = store();
    let conn = &f.conn;
    let c = number_and_conversation_of(&f);
    change_labels(conn, c, &["VIP".into(), "late".into()], &[], &mut events()).unwrap();
    change_labels(conn, c, &["vip".into()], &["late".into()], &mut events()).unwrap();
    add_note(conn, c, "ana", " called back ", 5, &mut events()).unwrap();
    assert!(add_note(conn, c, "ana", "  ", 6, &mut events()).is_err());
    let d = details(conn, c).unwrap();
    assert_eq!(d.labels, ["VIP"]);
    // Removed as it is added: whatever its case.
    change_labels(conn, c, &["Late".into()], &[], &mut events()).unwrap();
    change_labels(conn, c, &[], &[" LATE ".into()], &mut events()).unwrap();
    assert_eq!(details(conn, c).unwrap().labels, ["VIP"]);
    // Added and removed at once is a question, not an order: refused, nothing changed.
    let both = change_labels(
        conn,
        c,
        &["new".into()],
        &["VIP".into(), "New".into()],
        &mut events(),
    );
    assert!(
        both.as_ref()
            .is_err_and(|e| e.to_string().contains("\"new\" is both added and removed")),
        "{both:?}"
    );
    let d = details(conn, c).unwrap();
    assert_eq!(d.labels, ["VIP"]);
    assert_eq!(d.notes.len(), 1);
    assert_eq!(d.notes[0].text, "called back");
    assert_eq!(
        (d.tenant.as_str(), d.wa_id.as_deref()),
        (TENANT, Some(CUSTOMER))
    );
    set_state(conn, c, "snoozed", Some(99), "ana", 5, &mut events()).unwrap();
    assert!(set_state(conn, c, "lost", None, "ana", 5, &mut events()).is_err());
    // A snooze needs a time to come, within a year (a typo made a time no clock reads).
    for until in [
        None,
        Some(5),
        Some(5 + crate::contacts::MAX_SNOOZE_SECONDS + 1),
    ] {
        assert!(
            set_state(conn, c, "snoozed", until, "ana", 5, &mut events()).is_err(),
            "{until:?}"
        );
    }
    set_state(
        conn,
        c,
        "snoozed",
        Some(5 + crate::contacts::MAX_SNOOZE_SECONDS),
        "ana",
        5,
        &mut events(),
    )
    .unwrap();
    assert!(set_state(conn, 999_999, "open", None, "ana", 5, &mut events()).is_err());
    assert!(details(conn, 999_999).is_err());
}

#[crate::testing::both_stores]
fn an_enrollment_from_start_to_stop() {
    use crate::sequences::*;
    use wabox_domain::sequence::Position;
    use wabox_protocol::EnrollmentControl;
    let f = store();
    let conn = &f.conn;
    let c = number_and_conversation_of(&f);
    let id = enroll(conn, c, "welcome", Some("s1"), "ana", 100)
        .unwrap()
        .unwrap();
    assert_eq!(
        enroll(conn, c, "welcome", Some("s1"), "ana", 101).unwrap(),
        None
    );
    assert!(enroll(conn, 999_999, "welcome", None, "ana", 101).is_err());
    assert_eq!(next_due(conn).unwrap(), Some(100));
    assert_eq!(due(conn, 100, 10).unwrap().len(), 1);
    assert!(due(conn, 99, 10).unwrap().is_empty());
    assert!(due_one(conn, id, 100).unwrap().is_some());
    let first: i64 = conn
        .query_row("SELECT min(id) FROM messages", [], |r| r.get(0))
        .unwrap();
    let position = Position {
        step: 1,
        waiting_since: Some(100),
        reply_after: Some(first),
    };
    save(
        conn,
        id,
        position,
        Some("s2"),
        "waiting_reply",
        Some(500),
        None,
        102,
    )
    .unwrap();
    log(conn, id, 102, Some(1), "waiting for a reply", Some(first)).unwrap();
    let facts = run_facts(conn, c, Some(first)).unwrap();
    assert_eq!(facts.reply, None);
    assert_eq!(facts.contact.name.as_deref(), Some("Wara"));
    apply(conn, 2, &messages(vec![text("wamid.B", 20, "yes please")]));
    let facts = run_facts(conn, c, Some(first)).unwrap();
    assert_eq!(facts.reply.as_deref(), Some("yes please"));
    assert_eq!(
        run_facts(conn, c, None).unwrap().reply.as_deref(),
        Some("yes please")
    );
    assert!(run_facts(conn, 999_999, None).is_err());
    assert_eq!(
        reply_arrived(conn, c, facts.last_message_id, 103).unwrap(),
        1
    );
    assert_eq!(next_due(conn).unwrap(), Some(103));

    assert_eq!(cursor(conn).unwrap(), 0);
    let new = messages_after(conn, 0, 10).unwrap();
    assert_eq!(new.len(), 2);
    assert!(new[0].first && !new[1].first);
    set_cursor(conn, new[1].id).unwrap();
    assert_eq!(cursor(conn).unwrap(), new[1].id);

    let paused = pause_in_conversation(
        conn,
        c,
        &["welcome".into()],
        "an agent took over",
        104,
        &mut events(),
    )
    .unwrap();
    assert_eq!(paused, 1);
    control(
        conn,
        id,
        EnrollmentControl::Resume,
        "ana",
        105,
        &mut events(),
    )
    .unwrap();
    assert_eq!(live_counts(conn).unwrap(), [("welcome".to_string(), 1)]);
    let everything = Scope::Everything;
    assert_eq!(list(conn, &everything, None, false, 10).unwrap().len(), 1);
    assert_eq!(list(conn, &everything, Some(c), true, 10).unwrap().len(), 1);
    assert!(
        list(conn, &Scope::Tenant(f.tenant_id + 1), None, true, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        get(conn, &everything, id).unwrap().step_id.as_deref(),
        Some("s2")
    );
    control(conn, id, EnrollmentControl::Stop, "ana", 106, &mut events()).unwrap();
    assert!(
        control(
            conn,
            id,
            EnrollmentControl::Resume,
            "ana",
            107,
            &mut events()
        )
        .is_err()
    );
    assert!(
        list(conn, &everything, None, false, 10).unwrap().is_empty(),
        "stopped"
    );
    let whats: Vec<String> = log_of(conn, id)
        .unwrap()
        .into_iter()
        .map(|l| l.what)
        .collect();
    assert_eq!(whats.len(), 5, "{whats:?}");
    assert_eq!(whats[0], "enrolled by ana");
}

#[crate::testing::both_stores]
fn templates_are_synced_found_and_listed() {
    use crate::templates::*;
    let f = store();
    let conn = &f.conn;
    let spec = |name: &str, status: &str| -> wabox_domain::template::TemplateSpec {
        serde_json::from_value(json!({
            "name": name, "language": "en", "status": status, "category": "UTILITY",
            "parameter_format": "POSITIONAL", "header_text": null, "body": "Hi {{1}}",
            "footer": null, "buttons": [], "url_buttons": []}))
        .unwrap()
    };
    let listing = vec![
        ("1001".to_string(), spec("welcome", "APPROVED")),
        ("1002".to_string(), spec("apology", "PENDING")),
    ];
    assert_eq!(upsert(conn, f.tenant_id, WABA, &listing, 5).unwrap(), 2);
    assert_eq!(upsert(conn, f.tenant_id, WABA, &listing, 6).unwrap(), 2);
    assert_eq!(
        find(conn, WABA, "welcome", "en").unwrap().unwrap().status,
        "APPROVED"
    );
    assert_eq!(find(conn, WABA, "welcome", "es").unwrap(), None);
    let names: Vec<String> = list(conn, None)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["apology", "welcome"]);
    assert_eq!(list(conn, Some("other")).unwrap().len(), 0);
    assert_eq!(approved_names(conn, WABA).unwrap(), ["welcome (en)"]);
}

#[crate::testing::both_stores]
fn a_connections_file_is_synced_twice_to_the_same_numbers() {
    use crate::sync::*;
    let f = store_with_token(None);
    let conn = &f.conn;
    let entries: Vec<wabox_domain::connections::ConnectionEntry> = serde_json::from_value(json!([
        {"phoneNumberId": PNID, "displayNumber": DISPLAY, "wabaId": WABA,
         "accessToken": "token-1", "businessId": "311"},
        {"phoneNumberId": "106540352242999", "displayNumber": "+1 555 000 2222",
         "wabaId": WABA, "alias": "Second"}
    ]))
    .unwrap();
    let seal = |t: &str| -> crate::Result<Vec<u8>> { Ok(t.as_bytes().to_vec()) };
    let open = |b: &[u8]| String::from_utf8(b.to_vec()).ok();
    let sealing = Sealing {
        seal: &seal,
        open: &open,
    };
    let report = apply(conn, f.tenant_id, &entries, &sealing, 10, &mut events()).unwrap();
    assert_eq!(
        (report.added.len(), report.updated.len()),
        (1, 1),
        "{report:?}"
    );
    assert_eq!(report.without_queue.len(), 2);
    let again = apply(conn, f.tenant_id, &entries, &sealing, 11, &mut events()).unwrap();
    assert_eq!(again.unchanged, 2, "{again:?}");
    let mut report = again;
    assign_to_queue(
        conn,
        f.tenant_id,
        &entries,
        "Inbox",
        12,
        &mut report,
        &mut events(),
    )
    .unwrap();
    assert_eq!(report.assigned.len(), 2);
    assert!(report.without_queue.is_empty());
    assert_eq!(
        crate::business::business_of_number(conn, PNID)
            .unwrap()
            .as_deref(),
        Some("311")
    );
}

#[crate::testing::both_stores]
fn conversations_and_messages_as_clients_read_them() {
    use crate::views::*;
    let f = store();
    let conn = &f.conn;
    let first = number_and_conversation_of(&f);
    let second = customer_writes(conn, 2, "59171000002", 20);
    // An edit and a reaction, for the messages' decorations.
    let edit = json!({"from": CUSTOMER, "id": "wamid.ED", "timestamp": "30", "type": "edit",
                      "edit": {"original_message_id": "wamid.A",
                               "message": {"type": "text", "text": {"body": "HOLA amigo"}}}});
    let reaction = json!({"from": CUSTOMER, "id": "wamid.R", "timestamp": "31",
                          "type": "reaction", "reaction": {"message_id": "wamid.A", "emoji": "👍"}});
    apply(
        conn,
        3,
        &crate::test_fixtures::messages(vec![edit, reaction]),
    );
    let everything = Scope::Everything;
    let list = |filter: ConversationFilter| -> Vec<i64> {
        conversations(conn, &everything, "ana", &filter, 10, 1_000)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(
        list(ConversationFilter::default()),
        [second, first],
        "newest first"
    );
    let text = |t: &str| ConversationFilter {
        text: Some(t.into()),
        ..ConversationFilter::default()
    };
    assert_eq!(list(text("hola")), [first]);
    assert_eq!(list(text("HoLa")), [first], "ASCII case is ignored");
    assert_eq!(list(text("hi THERE")), [second]);
    assert_eq!(list(text("Ben")), [second]);
    assert_eq!(list(text("5917100000")), [second, first]);
    assert!(
        list(text("100%")).is_empty(),
        "% is a character, not a wildcard"
    );
    assert_eq!(
        list(ConversationFilter {
            phone_number_id: Some(PNID.into()),
            before: Some(second),
            ..ConversationFilter::default()
        }),
        [first]
    );
    assert!(
        conversations(
            conn,
            &everything,
            "ana",
            &ConversationFilter {
                phone_number_id: Some("999".into()),
                ..ConversationFilter::default()
            },
            10,
            1_000
        )
        .is_err()
    );
    crate::queues::claim(conn, first, "ana", 40, &mut events()).unwrap();
    let by = |queue| ConversationFilter {
        queue: Some(queue),
        ..ConversationFilter::default()
    };
    assert_eq!(list(by(QueueSelection::Mine)), [first]);
    assert_eq!(list(by(QueueSelection::Unassigned)), [second]);
    assert_eq!(list(by(QueueSelection::NoQueue)), [second, first]);
    assert!(list(by(QueueSelection::Queue(999))).is_empty());

    let shown = conversation(conn, first, 1_000).unwrap();
    assert_eq!(shown.assignee.as_deref(), Some("ana"));
    assert_eq!(shown.last_message.unwrap().text, "hola");
    assert!(conversation(conn, 999_999, 1_000).is_err());
    let history = messages(conn, first, None, 10).unwrap();
    assert_eq!(
        history.len(),
        1,
        "the reaction is not a message of the timeline"
    );
    assert_eq!(history[0].previous_texts, ["hola"]);
    assert_eq!(history[0].reactions.len(), 1);
    assert!(
        messages(conn, first, Some(history[0].id), 10)
            .unwrap()
            .is_empty()
    );
    assert!(messages(conn, 999_999, None, 10).is_err());
    assert_eq!(message(conn, history[0].id).unwrap().text, "HOLA amigo");
    assert!(message(conn, 999_999).is_err());
}

#[crate::testing::both_stores]
fn our_reaction_shows_at_once_and_goes_when_it_fails() {
    use crate::answers::*;
    use wabox_protocol::views::MessageRef;
    let f = store();
    let conn = &f.conn;
    let c = number_and_conversation_of(&f);
    let reacted = target(conn, &MessageRef::Wamid("wamid.A".into())).unwrap();
    assert_eq!(target(conn, &MessageRef::Id(reacted.id)).unwrap(), reacted);
    assert!(target(conn, &MessageRef::Id(999_999)).is_err());
    let send_to = crate::outbox::send_target(conn, c).unwrap();
    let reaction = |emoji: &'static str, request: &'static serde_json::Value| NewReaction {
        reacted: &reacted,
        emoji,
        request,
        requested_by: "ana",
    };
    let request = reaction_request(json!({"to": CUSTOMER}), "wamid.A", "👍");
    let request: &'static serde_json::Value = Box::leak(Box::new(request));
    let first = queue_reaction(
        conn,
        &send_to,
        &reaction("👍", request),
        5_000,
        &mut events(),
    )
    .unwrap();
    let second = queue_reaction(
        conn,
        &send_to,
        &reaction("👍", request),
        4_000,
        &mut events(),
    )
    .unwrap();
    let shown = |conn: &Connection| -> (String, i64) {
        conn.query_row(
            "SELECT reaction_wamid, at FROM reactions WHERE reactor = 'business'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    assert_eq!(shown(conn).1, 5, "the later time of the two");
    crate::outbox::mark_sending(conn, second.outbox_id, 6_000).unwrap();
    crate::outbox::mark_sent(
        conn,
        second.outbox_id,
        "wamid.OURS",
        None,
        6_001,
        &mut events(),
    )
    .unwrap();
    assert_eq!(shown(conn).0, "wamid.OURS");
    crate::outbox::mark_sending(conn, first.outbox_id, 7_000).unwrap();
    crate::outbox::mark_failed(conn, first.outbox_id, Some(1), "no", 7_001, &mut events()).unwrap();
    assert_eq!(
        shown(conn).0,
        "wamid.OURS",
        "another of ours replaced the failed one"
    );
    reaction_failed(conn, second.message_id, &mut events()).unwrap();
    assert_eq!(count(conn, "SELECT count(*) FROM reactions"), 0);
}

#[crate::testing::both_stores]
fn a_call_is_one_line_rewritten_as_its_events_arrive() {
    let f = store();
    let conn = &f.conn;
    let call = |journal_id, event: serde_json::Value| {
        apply(
            conn,
            journal_id,
            &change_for(
                WABA,
                Some(PNID),
                "calls",
                json!({"contacts": [{"profile": {"name": "Wara"}, "wa_id": CUSTOMER}],
                       "calls": [event]}),
            ),
        )
    };
    let connect = json!({"id": "wacid.1", "from": CUSTOMER, "to": DISPLAY, "event": "connect",
                         "timestamp": "100", "direction": "USER_INITIATED"});
    let terminate = json!({"id": "wacid.1", "from": CUSTOMER, "to": DISPLAY,
                           "event": "terminate", "timestamp": "190", "status": "COMPLETED",
                           "direction": "USER_INITIATED", "duration": 75,
                           "start_time": "110", "end_time": "185"});
    call(1, connect.clone());
    call(2, terminate);
    call(3, connect);
    assert_eq!(count(conn, "SELECT count(*) FROM call_events"), 2);
    let (text, origin, unread, window): (String, String, i64, Option<i64>) = conn
        .query_row(
            "SELECT m.text, m.origin, c.unread, c.last_inbound_at
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.wamid = 'wacid.1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert!(text.contains("Incoming call, "), "{text}");
    assert_eq!((origin.as_str(), unread), ("call", 1));
    assert_eq!(window, Some(100));
}

/// A message from `from` (a wa_id or a BSUID), with its profile.
fn message_from(from: &str, wamid: &str, at: i64, body: serde_json::Value) -> serde_json::Value {
    let (id_key, from_key) = if from.contains('.') {
        ("user_id", "from_user_id")
    } else {
        ("wa_id", "from")
    };
    let mut message = json!({from_key: from, "id": wamid, "timestamp": at.to_string()});
    for (k, v) in body.as_object().unwrap() {
        message[k] = v.clone();
    }
    change_for(
        WABA,
        Some(PNID),
        "messages",
        json!({"contacts": [{"profile": {"name": "Wara"}, id_key: from}],
               "messages": [message]}),
    )
}

fn contacts(conn: &Connection) -> Vec<(Option<String>, Option<String>)> {
    conn.prepare("SELECT wa_id, user_id FROM contacts ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<crate::db::Result<_>>()
        .unwrap()
}

#[crate::testing::both_stores]
fn one_person_stays_one_contact_through_pairings_and_changes_of_number() {
    let f = store();
    let conn = &f.conn;
    let text = |body: &str| json!({"type": "text", "text": {"body": body}});
    apply(
        conn,
        1,
        &message_from(CUSTOMER, "wamid.1", 10, text("by number")),
    );
    apply(
        conn,
        2,
        &message_from("US.777", "wamid.2", 11, text("by user id")),
    );
    crate::contacts::change_labels(
        conn,
        second_conversation(conn),
        &["vip".into()],
        &[],
        &mut events(),
    )
    .unwrap();
    assert_eq!(contacts(conn).len(), 2);
    // A status pairs the number with the user id: one person, one contact, one conversation.
    let status = json!({"id": "wamid.X", "status": "delivered", "timestamp": "12",
                        "recipient_id": CUSTOMER, "recipient_user_id": "US.777"});
    apply(conn, 3, &statuses(vec![status]));
    assert_eq!(
        contacts(conn),
        [(Some(CUSTOMER.to_string()), Some("US.777".to_string()))]
    );
    assert_eq!(count(conn, "SELECT count(*) FROM conversations"), 1);
    assert_eq!(count(conn, "SELECT count(*) FROM contact_labels"), 1);
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM conversation_events
             WHERE kind IN ('contact_merged', 'conversation_merged')"
        ),
        2
    );
    // The customer writes from a new number first, then says the number changed.
    apply(
        conn,
        4,
        &message_from("59172000002", "wamid.3", 20, text("new phone")),
    );
    assert_eq!(contacts(conn).len(), 2);
    let changed = |to: &str| {
        json!({"type": "system",
               "system": {"type": "user_changed_number", "body": "changed", "wa_id": to}})
    };
    apply(
        conn,
        5,
        &message_from(CUSTOMER, "wamid.4", 21, changed("59172000002")),
    );
    assert_eq!(contacts(conn), [(Some("59172000002".to_string()), None)]);
    assert_eq!(count(conn, "SELECT count(*) FROM conversations"), 1);
    // Back and forth: the former ids are kept, the later time wins.
    apply(
        conn,
        6,
        &message_from("59172000002", "wamid.5", 30, changed(CUSTOMER)),
    );
    apply(
        conn,
        7,
        &message_from(CUSTOMER, "wamid.6", 40, changed("59172000002")),
    );
    let until: i64 = conn
        .query_row(
            "SELECT until FROM contact_former_ids WHERE kind = 'wa_id' AND value = ?1",
            [CUSTOMER],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(until, 40);
    // A late message from the old number, sent before the change, lands with the person.
    apply(
        conn,
        8,
        &message_from(CUSTOMER, "wamid.7", 35, text("late")),
    );
    assert_eq!(contacts(conn).len(), 1);
    assert_eq!(count(conn, "SELECT count(*) FROM messages"), 7);
}

/// The conversation of the second contact (by id).
fn second_conversation(conn: &Connection) -> i64 {
    conn.query_row("SELECT max(id) FROM conversations", [], |r| r.get(0))
        .unwrap()
}

#[crate::testing::both_stores]
fn a_tenant_removed_with_force_takes_everything_it_holds() {
    let f = store();
    let conn = &f.conn;
    let c = number_and_conversation_of(&f);
    apply(conn, 2, &statuses(vec![status("wamid.A", "read", 11)]));
    apply(
        conn,
        3,
        &messages(vec![
            json!({"from": CUSTOMER, "id": "wamid.R", "timestamp": "12",
                              "type": "reaction",
                              "reaction": {"message_id": "wamid.A", "emoji": "👍"}}),
        ]),
    );
    crate::queues::add_queue(conn, f.tenant_id, "Sales", false, 1).unwrap();
    crate::queues::assign_number(conn, PNID, "Sales", &mut events()).unwrap();
    crate::queues::add_agent(conn, "ana", Role::Agent, None, &["Sales".into()], 1).unwrap();
    crate::contacts::add_note(conn, c, "ana", "hi", 1, &mut events()).unwrap();
    crate::sequences::enroll(conn, c, "welcome", None, "ana", 1).unwrap();
    let target = crate::outbox::send_target(conn, c).unwrap();
    queue_text(conn, &target, "hello", 1_000);
    crate::directory::add_tenant(conn, "Globex", 1).unwrap();
    let (ana_secret, bo_secret) = (
        crate::api_tokens::new_secret(),
        crate::api_tokens::new_secret(),
    );
    crate::api_tokens::create(conn, &ana_secret, "ana", None, "root", None, 1).unwrap();
    crate::api_tokens::create(conn, &bo_secret, "bo", None, "root", None, 1).unwrap();
    let refused = crate::tenants::remove_tenant(conn, "acme", false, "root", 0);
    assert!(refused.is_err(), "it holds a number");
    let (change, files) = crate::tenants::remove_tenant(conn, "acme", true, "root", 0).unwrap();
    assert!(files.is_empty());
    let held = change.removed.unwrap();
    assert_eq!(
        (held.conversations, held.messages, held.contacts),
        (1, 2, 1)
    );
    assert_eq!(held.agents, ["ana"]);
    for table in [
        "numbers",
        "queues",
        "contacts",
        "conversations",
        "messages",
        "statuses",
        "reactions",
        "outbox",
        "agents",
        "agent_queues",
        "contact_notes",
        "enrollments",
        "enrollment_log",
    ] {
        assert_eq!(
            count(conn, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(conn, "SELECT count(*) FROM tenants"),
        1,
        "Globex stays"
    );
    // Her token goes with her record (were "ana" an agent again, it would let her in); one
    // of someone else stays.
    assert!(
        crate::api_tokens::find_usable(conn, &ana_secret, 2)
            .unwrap()
            .is_none()
    );
    assert!(
        crate::api_tokens::find_usable(conn, &bo_secret, 2)
            .unwrap()
            .is_some()
    );
}

#[crate::testing::both_stores]
fn a_signup_from_its_token_to_its_number() {
    use crate::signups::*;
    let f = store();
    let conn = &f.conn;
    let new = |state: &'static str, code: &'static str| NewSignup {
        tenant_id: f.tenant_id,
        path: "meta",
        state,
        created_by: "boss",
        expires_at: 100,
        url: "https://example.test/dialog",
        short_code: code,
        coexistence: false,
        queue: Some("Sales"),
        kapso_link_id: None,
        options: "{}",
    };
    let id = create(conn, &new("state-1", "code-1"), 1).unwrap();
    let other = create(conn, &new("state-2", "code-2"), 1).unwrap();
    assert_eq!(
        short_link_target(conn, "code-1", 50).unwrap().as_deref(),
        Some("https://example.test/dialog")
    );
    assert_eq!(
        short_link_target(conn, "code-1", 100).unwrap(),
        None,
        "expired"
    );
    let candidate: wabox_protocol::SignupCandidate = serde_json::from_value(json!({
        "phone_number_id": PNID, "waba_id": WABA, "display_phone": DISPLAY,
        "verified_name": null, "coexistence": false, "status": null, "quality_rating": null}))
    .unwrap();
    token_received(conn, id, b"sealed", Some(500), &[candidate], None).unwrap();
    let secrets = secrets(conn, id).unwrap();
    assert_eq!(
        (secrets.tenant.as_str(), secrets.status.as_str()),
        (TENANT, "choose")
    );
    assert_eq!(secrets.token_sealed.as_deref(), Some(&b"sealed"[..]));
    let number = crate::directory::list_numbers(conn).unwrap().remove(0);
    let report: wabox_protocol::ConnectReport = serde_json::from_value(json!({
        "number": number, "renewed": false, "verified_name": null, "status": null,
        "quality_rating": null, "subscribed": true, "templates": 0, "template_error": null,
        "queue": null}))
    .unwrap();
    connected(conn, id, &report, 10).unwrap();
    fail(conn, other, "no", Some("E1"), 11).unwrap();
    let listed = list(conn, &Scope::Everything, Some(f.tenant_id), 12).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].number.as_ref().map(|n| n.id), Some(f.number_id));
    assert!(
        list(conn, &Scope::Tenant(f.tenant_id + 1), None, 12)
            .unwrap()
            .is_empty()
    );
    // A history import's progress, as the signup's page shows it.
    let chunk = |phase: i64, progress: i64| {
        json!({"history": [{"metadata": {"phase": phase, "chunk_order": 1,
                                         "progress": progress},
                            "threads": []}]})
    };
    apply(
        conn,
        1,
        &change_for(WABA, Some(PNID), "history", chunk(0, 40)),
    );
    apply(
        conn,
        2,
        &change_for(WABA, Some(PNID), "history", chunk(0, 30)),
    );
    let progress = history_progress(conn, &Scope::Everything, PNID).unwrap();
    assert_eq!(progress.phases[0], Some(40));
    assert!(history_progress(conn, &Scope::Tenant(f.tenant_id + 1), PNID).is_err());
    // Named as the tables show it, the number is the same, and the view says its id.
    let shown = format!("+{DISPLAY}");
    let by_display = history_progress(conn, &Scope::Tenant(f.tenant_id), &shown).unwrap();
    assert_eq!(by_display, progress);
    assert_eq!(by_display.phone_number_id, PNID);
    assert!(history_progress(conn, &Scope::Tenant(f.tenant_id + 1), &shown).is_err());
}

#[crate::testing::both_stores]
fn a_file_fails_is_retried_and_downloaded_and_ours_is_sent_by_its_file() {
    use crate::media::*;
    let f = store();
    let conn = &f.conn;
    let image = json!({"from": CUSTOMER, "id": "wamid.IMG", "timestamp": "10", "type": "image",
                       "image": {"id": "4411223344", "mime_type": "image/jpeg"}});
    apply(conn, 1, &messages(vec![image]));
    let due = pending(conn, 0, Lane::Live, 10).unwrap();
    assert_eq!(due.len(), 1);
    let id = due[0].message_id;
    mark_attempt_failed(conn, id, "timeout", 60, false, &mut events()).unwrap();
    assert!(pending(conn, 0, Lane::Live, 10).unwrap().is_empty());
    assert!(
        retry(conn, id, &mut events()).is_err(),
        "only a failed file is retried"
    );
    mark_attempt_failed(conn, id, "gone", 0, true, &mut events()).unwrap();
    retry(conn, id, &mut events()).unwrap();
    mark_downloaded(conn, id, "media/x.jpg", 1234, None, 1, &mut events()).unwrap();
    let shown = get(conn, id).unwrap();
    assert_eq!(
        (shown.bytes, shown.mime_type.as_deref()),
        (Some(1234), Some("image/jpeg"))
    );
    assert!(get(conn, 999_999).is_err());

    let target = crate::outbox::send_target(conn, conversation(conn).unwrap()).unwrap();
    let request = json!({"type": "image"});
    let send = crate::outbox::NewSend {
        kind: "image",
        request: &request,
        rendered: "[image]",
        requested_by: "ana",
        origin: "agent",
        reply_to: None,
    };
    let queued = crate::outbox::queue(conn, &target, &send, 5_000, &mut events()).unwrap();
    let file = OutboundFile {
        path: "media/out.png".into(),
        mime_type: "image/png".into(),
        sha256: "abc=".into(),
        bytes: 10,
        filename: "out.png".into(),
    };
    add_outbound(conn, queued.message_id, f.number_id, &file).unwrap();
    let due = crate::outbox::queued(conn, 10).unwrap();
    assert_eq!(due[0].file.as_ref().unwrap().path, "media/out.png");

    // `[media] keep_days`: the customer's file, downloaded at 1, goes once the cut passes 1;
    // the agent's stays. One file a step: the walk says where it stopped.
    let expire = |after, before| {
        expire_customer_files(conn, after, before, 1, "deleted after 1 day", &mut events()).unwrap()
    };
    let kept = expire(0, 1);
    assert_eq!((kept.paths.len(), kept.after, kept.done), (0, id, false));
    let step = expire(0, 2);
    assert_eq!(step.paths, ["media/x.jpg"]);
    assert!(!step.done);
    let step = expire(step.after, 2);
    assert!(step.paths.is_empty(), "the agent's file stays: {step:?}");
    assert!(expire(step.after, 2).done);
    let shown = get(conn, id).unwrap();
    assert_eq!(shown.state, wabox_protocol::states::MediaState::Failed);
    assert_eq!(shown.error.as_deref(), Some("deleted after 1 day"));
    assert_eq!(shown.path, None);
    assert!(shown.expired, "deleted, not failed to download");
    // Fetched again (`media retry`), it is the customer's file as before.
    retry(conn, id, &mut events()).unwrap();
    assert!(!get(conn, id).unwrap().expired);
}

#[crate::testing::both_stores]
fn the_journal_and_the_outbox_counted_and_account_events_shown_to_admins() {
    use crate::journal::{self, JournalState};
    let f = store();
    let conn = &f.conn;
    let (a, _) = journal::append(
        conn,
        b"{}",
        &journal::digest(b"{}"),
        JournalState::Pending,
        1,
    )
    .unwrap();
    let (b, _) = journal::append(
        conn,
        b"[]",
        &journal::digest(b"[]"),
        JournalState::Pending,
        2,
    )
    .unwrap();
    journal::mark(conn, a, JournalState::Unrouted, Some("unknown"), 3).unwrap();
    journal::mark(conn, b, JournalState::Invalid, Some("bad"), 3).unwrap();
    assert_eq!(journal::unrouted_ids(conn).unwrap(), [a]);
    assert_eq!(
        journal::counts(conn).unwrap(),
        [(JournalState::Invalid, 1), (JournalState::Unrouted, 1)]
    );
    assert_eq!(journal::body(conn, b).unwrap(), b"[]");
    assert!(journal::body(conn, 999_999).is_err());
    // Many marked processed in one statement: only those named, their detail gone.
    let (c, _) =
        journal::append(conn, b"1", &journal::digest(b"1"), JournalState::Pending, 4).unwrap();
    journal::mark_processed(conn, &[a, c], 5).unwrap();
    journal::mark_processed(conn, &[], 5).unwrap();
    assert_eq!(journal::counts(conn).unwrap(), [(JournalState::Invalid, 1)]);
    let (state, detail, at): (String, Option<String>, i64) = conn
        .query_row(
            "SELECT state, detail, processed_at FROM journal WHERE id = ?1",
            [a],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), detail, at), ("processed", None, 5));
    journal::mark(conn, a, JournalState::Unrouted, Some("unknown"), 6).unwrap();
    assert_eq!(
        journal::list(conn, journal::JournalFilter::All, 10, Some(b))
            .unwrap()
            .len(),
        1
    );

    let c = number_and_conversation_of(&f);
    let target = crate::outbox::send_target(conn, c).unwrap();
    queue_text(conn, &target, "one", 1_000);
    queue_text(conn, &target, "two", 1_001);
    assert_eq!(
        crate::outbox::counts(conn).unwrap(),
        [("queued".to_string(), 2)]
    );

    let event = change_for(
        WABA,
        None,
        "account_update",
        json!({"event": "VERIFIED_ACCOUNT", "phone_number": DISPLAY}),
    );
    apply(conn, 9, &event);
    let admins = crate::business::recent_events(conn, &Scope::Everything, 0, 10).unwrap();
    assert_eq!(admins.len(), 1);
    assert_eq!(
        crate::business::recent_events(conn, &Scope::Tenant(f.tenant_id), 0, 10)
            .unwrap()
            .len(),
        1
    );
    assert!(
        crate::business::recent_events(conn, &Scope::Agent("ana".into()), 0, 10)
            .unwrap()
            .is_empty()
    );
    let listed: Vec<String> = crate::directory::list_tenants(conn)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(listed, [TENANT]);
    let numbers = crate::directory::list_numbers(conn).unwrap();
    assert_eq!((numbers[0].conversations, numbers[0].unread), (1, 1));
    let mut conn = f.conn;
    crate::search::index_all(&mut conn).unwrap();
}
