//! Broadcasts in the store, on both stores: a segment's customers with why some are skipped,
//! a customer in a broadcast once, the pending ones taken in order and queued once, the state
//! moves, and the counts read from the recipients' messages.

use super::broadcasts::*;
use super::test_fixtures::*;
use crate::scope::Scope;
use serde_json::json;
use wabox_domain::broadcast::{Segment, SkipReason};

/// The fixture's customer with label `vip`, plus a second customer (labelled too) who opted out.
fn two_vips(f: &Fixture) {
    apply(&f.conn, 1, &messages(vec![text("wamid.A", 100, "hola")]));
    let other = change_for(
        WABA,
        Some(PNID),
        "messages",
        json!({"contacts": [{"profile": {"name": "Luis"}, "wa_id": "59171000002"}],
               "messages": [{"from": "59171000002", "id": "wamid.B", "timestamp": "200",
                             "type": "text", "text": {"body": "hi"}}]}),
    );
    apply(&f.conn, 2, &other);
    f.conn
        .execute(
            "INSERT INTO contact_labels (contact_id, label) SELECT id, 'vip' FROM contacts",
            [],
        )
        .unwrap();
    f.conn
        .execute(
            "UPDATE contacts SET opted_out_at = 150, opted_out_by = 'customer'
             WHERE wa_id = '59171000002'",
            [],
        )
        .unwrap();
}

fn new<'a>(
    f: &Fixture,
    skipped_rows: &'a [wabox_protocol::broadcasts::SkippedCount],
) -> NewBroadcast<'a> {
    NewBroadcast {
        tenant_id: f.tenant_id,
        number_id: f.number_id,
        template: "promo",
        language: "en",
        category: "MARKETING",
        segment: "label:vip",
        params: "[]",
        created_by: "root",
        created_at: 1_000,
        skipped_rows,
        header: None,
    }
}

#[crate::testing::both_stores]
fn a_label_names_its_customers_with_whether_they_opted_out() {
    let f = store();
    two_vips(&f);
    let found = segment_candidates(
        &f.conn,
        f.tenant_id,
        f.number_id,
        &Segment::Label { name: "VIP".into() },
    )
    .unwrap();
    let seen: Vec<(&str, bool, bool)> = found
        .iter()
        .map(|c| (c.wa_id.as_str(), c.opted_out, c.blocked))
        .collect();
    assert_eq!(
        seen,
        vec![(CUSTOMER, false, false), ("59171000002", true, false)]
    );
    let wrote = segment_candidates(
        &f.conn,
        f.tenant_id,
        f.number_id,
        &Segment::Wrote {
            from: 150,
            until: 300,
        },
    )
    .unwrap();
    assert_eq!(wrote.len(), 1, "only the customer who wrote at 200");
    assert_eq!(wrote[0].wa_id, "59171000002");
    let none = segment_candidates(
        &f.conn,
        f.tenant_id,
        f.number_id,
        &Segment::Queue {
            name: "Nowhere".into(),
        },
    );
    assert!(none.is_err(), "an unknown queue is refused");
}

#[crate::testing::both_stores]
fn pending_recipients_are_queued_once_in_order_and_the_broadcast_ends_done() {
    let f = store();
    two_vips(&f);
    let found = segment_candidates(
        &f.conn,
        f.tenant_id,
        f.number_id,
        &Segment::Label { name: "vip".into() },
    )
    .unwrap();
    let recipients: Vec<NewRecipient> = found
        .into_iter()
        .map(|c| NewRecipient {
            skip: c.opted_out.then_some(SkipReason::OptedOut),
            candidate: c,
            params: vec!["x".into()],
        })
        .collect();
    let id = create(&f.conn, &new(&f, &[]), &recipients).unwrap();
    assert_eq!(get(&f.conn, id).unwrap().unwrap().header, None);
    // A media header's value is kept for every send.
    let image = wabox_domain::template_header::HeaderValue::Link {
        url: "https://shop.example/sale.jpg".into(),
        filename: None,
    };
    let with_header = create(
        &f.conn,
        &NewBroadcast {
            header: Some(&image),
            ..new(&f, &[])
        },
        &[],
    )
    .unwrap();
    assert_eq!(
        get(&f.conn, with_header).unwrap().unwrap().header,
        Some(image)
    );
    // A customer is in a broadcast once.
    let twice = create(
        &f.conn,
        &new(&f, &[]),
        &[recipients[0].clone(), recipients[0].clone()],
    );
    assert!(twice.is_err());
    assert!(!set_state(&f.conn, id, &["running"], "paused", None, 1_001).unwrap());
    assert!(set_state(&f.conn, id, &["draft"], "running", None, 1_001).unwrap());
    assert_eq!(running(&f.conn).unwrap().len(), 1);

    let due = pending(&f.conn, id, 10).unwrap();
    assert_eq!(due.len(), 1, "the opted-out one is skipped");
    assert_eq!(due[0].params, vec!["x".to_string()]);
    let conversation =
        conversation_for(&f.conn, f.number_id, due[0].contact_id.unwrap(), 1_002).unwrap();
    let target = crate::outbox::send_target(&f.conn, conversation).unwrap();
    let q = queue_text(&f.conn, &target, "promo", 1_002_000);
    mark_queued(
        &f.conn,
        due[0].id,
        due[0].contact_id.unwrap(),
        q.message_id,
        true,
        1_002,
    )
    .unwrap();
    assert!(pending(&f.conn, id, 10).unwrap().is_empty());
    assert_eq!(tier_used(&f.conn, f.number_id, 1_000).unwrap(), 1);
    assert_eq!(tier_used(&f.conn, f.number_id, 1_003).unwrap(), 0);
    // Meta's limit is the business portfolio's: another number of the same portfolio counts
    // that customer too; one of another portfolio, or of none known, does not.
    let other = crate::directory::add_number(
        &f.conn,
        &crate::directory::NewNumber {
            tenant: TENANT,
            phone_number_id: "222000",
            waba_id: WABA,
            display_phone: "15550002222",
            connection: wabox_domain::ConnectionKind::Dedicated,
            access_token_sealed: None,
        },
        0,
    )
    .unwrap()
    .id;
    assert_eq!(
        tier_used(&f.conn, other, 1_000).unwrap(),
        0,
        "no portfolio known"
    );
    let in_portfolio = |number: i64, business: &str| {
        f.conn
            .execute(
                "UPDATE numbers SET business_id = ?2 WHERE id = ?1",
                crate::params![number, business],
            )
            .unwrap();
    };
    in_portfolio(f.number_id, "BIZ1");
    in_portfolio(other, "BIZ2");
    assert_eq!(
        tier_used(&f.conn, other, 1_000).unwrap(),
        0,
        "another portfolio"
    );
    in_portfolio(other, "BIZ1");
    assert_eq!(
        tier_used(&f.conn, other, 1_000).unwrap(),
        1,
        "the same portfolio"
    );
    assert_eq!(tier_used(&f.conn, f.number_id, 1_000).unwrap(), 1);
    assert!(finish_done(&f.conn, id, 1_003).unwrap());

    let v = view(&f.conn, &Scope::Everything, id).unwrap().unwrap();
    assert_eq!((v.state.as_str(), v.recipients, v.queued), ("done", 1, 1));
    assert_eq!(v.skipped.len(), 1);
    assert_eq!(v.skipped[0].reason, "opted_out");
    assert_eq!(
        v.skipped[0].examples,
        vec!["Luis (+59171000002)".to_string()]
    );
    f.conn
        .execute(
            "UPDATE messages SET status = 'failed', error_code = 131049 WHERE id = ?1",
            [q.message_id],
        )
        .unwrap();
    assert_eq!(failures_with(&f.conn, id, 131_049).unwrap(), 1);
    let v = view(&f.conn, &Scope::Everything, id).unwrap().unwrap();
    assert_eq!((v.failed, v.failures[0].code), (1, Some(131_049)));
    assert!(
        view(&f.conn, &Scope::Tenant(f.tenant_id + 1), id)
            .unwrap()
            .is_none()
    );
    assert_eq!(list(&f.conn, &Scope::Everything, 10).unwrap().len(), 3);
}

#[crate::testing::both_stores]
fn a_quality_update_names_the_number_by_its_display_phone() {
    let f = store();
    let update = |display: &str, event: &str| {
        change_for(
            WABA,
            None,
            "phone_number_quality_update",
            json!({"display_phone_number": display, "event": event, "current_limit": "TIER_1K"}),
        )
    };
    apply(&f.conn, 1, &update("15550000000", "DOWNGRADE"));
    apply(&f.conn, 2, &update(DISPLAY, "DOWNGRADE"));
    let found = quality_updates(&f.conn, f.number_id, 0).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1.as_deref(), Some("DOWNGRADE"));
    assert!(
        quality_updates(&f.conn, f.number_id, found[0].0)
            .unwrap()
            .is_empty()
    );
}
