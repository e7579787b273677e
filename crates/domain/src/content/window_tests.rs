use super::*;
use serde_json::json;

#[test]
fn only_messages_the_customer_wrote_open_the_window() {
    let opens = |v| MessageContent::from_message(&v).opens_window();
    assert!(opens(json!({"type":"text","text":{"body":"hi"}})));
    assert!(opens(json!({"type":"image","image":{"id":"1"}})));
    assert!(opens(
        json!({"type":"unsupported","unsupported":{"type":"poll"}})
    ));
    assert!(!opens(
        json!({"type":"reaction","reaction":{"message_id":"w","emoji":"👍"}})
    ));
    assert!(!opens(json!({"type":"system","system":{"body":"changed"}})));
    assert!(!opens(
        json!({"type":"revoke","revoke":{"original_message_id":"w"}})
    ));
}
