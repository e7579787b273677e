use super::*;
use serde_json::{Value, json};

fn summary(v: Value) -> String {
    MessageContent::from_message(&v).summary()
}

#[test]
fn text_shows_its_body() {
    assert_eq!(
        summary(json!({"type":"text","text":{"body":"hola"}})),
        "hola"
    );
}

#[test]
fn media_shows_kind_and_caption() {
    assert_eq!(
        summary(json!({"type":"image","image":{"id":"1","caption":"The box"}})),
        "[image] The box"
    );
    assert_eq!(
        summary(json!({"type":"sticker","sticker":{"id":"1"}})),
        "[sticker]"
    );
    assert_eq!(
        summary(json!({"type":"audio","audio":{"id":"1","voice":true}})),
        "[voice message]"
    );
    assert_eq!(
        summary(
            json!({"type":"document","document":{"id":"1","filename":"inv.pdf","caption":"March"}})
        ),
        "[document] inv.pdf — March"
    );
}

#[test]
fn location_prefers_name_and_address() {
    assert_eq!(
        summary(
            json!({"type":"location","location":{"latitude":-16.5,"longitude":-68.1,"address":"Av. Arce 2631"}})
        ),
        "[location] Av. Arce 2631"
    );
    assert_eq!(
        summary(json!({"type":"location","location":{"latitude":-16.5,"longitude":-68.15}})),
        "[location] -16.50000, -68.15000"
    );
}

#[test]
fn a_security_code_change_says_what_happened() {
    let shown = summary(
        json!({"type":"system","system":{"body":"User identity changed",
        "type":"customer_identity_changed"}}),
    );
    assert!(shown.contains("security code changed"), "{shown}");
    assert_eq!(
        summary(
            json!({"type":"system","system":{"type":"user_changed_number","wa_id":"59172000002"}})
        ),
        "[system] the customer changed their number to +59172000002"
    );
    assert_eq!(
        summary(json!({"type":"system","system":{"type":"something_new"}})),
        "[system] something new"
    );
}

#[test]
fn replies_orders_and_system_messages_are_summarised() {
    assert_eq!(
        summary(
            json!({"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"a","title":"Size M"}}})
        ),
        "[list] Size M"
    );
    assert_eq!(
        summary(json!({"type":"button","button":{"payload":"STOP","text":"Stop promotions"}})),
        "[button] Stop promotions"
    );
    assert_eq!(
        summary(
            json!({"type":"order","order":{"catalog_id":"1","product_items":[{"quantity":2},{"quantity":1}]}})
        ),
        "[order] 3 items"
    );
    assert_eq!(
        summary(
            json!({"type":"system","system":{"body":"User A changed from 1 to 2","type":"user_changed_number","wa_id":"2"}})
        ),
        "[system] User A changed from 1 to 2"
    );
    assert_eq!(
        summary(
            json!({"type":"contacts","contacts":[{"name":{"formatted_name":"Ana"},"phones":[{"phone":"+591 700"}]}]})
        ),
        "[contact] Ana +591 700"
    );
}

#[test]
fn unknown_types_are_kept_as_unsupported_not_dropped() {
    let c = MessageContent::from_message(&json!({"type":"poll_v9","poll_v9":{"q":"?"}}));
    assert_eq!(
        c,
        MessageContent::Unknown {
            kind: "poll_v9".into()
        }
    );
    assert_eq!(c.summary(), "[unsupported: poll_v9]");
    assert_eq!(
        summary(json!({"type":"unsupported","unsupported":{"type":"poll"}})),
        "[unsupported: poll]"
    );
}

#[test]
fn a_history_media_placeholder_says_its_file_is_on_the_way() {
    let c = MessageContent::from_message(
        &json!({"type":"media_placeholder","history_context":{"status":"READ"}}),
    );
    assert_eq!(c, MessageContent::MediaPlaceholder);
    assert_eq!(c.kind(), "media_placeholder");
    assert_eq!(c.summary(), "[media — arriving from the phone's history]");
}

#[test]
fn edits_carry_the_new_content_and_revokes_the_original() {
    let c = MessageContent::from_message(
        &json!({"type":"edit","edit":{"original_message_id":"wamid.A","message":{"type":"text","text":{"body":"new"}}}}),
    );
    match &c {
        MessageContent::Edit {
            original,
            new_content,
        } => {
            assert_eq!(original, "wamid.A");
            assert_eq!(new_content.summary(), "new");
        }
        other => panic!("expected an edit, got {other:?}"),
    }
    let r = MessageContent::from_message(
        &json!({"type":"revoke","revoke":{"original_message_id":"wamid.B"}}),
    );
    assert_eq!(
        r,
        MessageContent::Revoke {
            original: "wamid.B".into()
        }
    );
}

#[test]
fn reactions_and_their_removal() {
    assert_eq!(
        MessageContent::from_message(
            &json!({"type":"reaction","reaction":{"message_id":"wamid.X","emoji":""}})
        )
        .summary(),
        "[reaction removed]"
    );
}
