//! Interactive replies: Flows, call permissions, and those Meta could not read.
use super::*;
use serde_json::{Value, json};

fn summary(v: Value) -> String {
    MessageContent::from_message(&v).summary()
}

#[test]
fn a_flow_reply_shows_what_the_customer_filled_in() {
    let c = MessageContent::from_message(&json!({"type":"interactive","interactive":{
        "type":"nfm_reply","nfm_reply":{"name":"flow","body":"Sent",
        "response_json":"{\"flow_token\":\"secret-tok\",\"full_name\":\"Rosa Quispe\",\"nights\":3}"}}}));
    assert_eq!(c.kind(), "interactive");
    assert_eq!(c.summary(), "[form] full_name: Rosa Quispe · nights: 3");
    assert!(!c.summary().contains("secret-tok"));
    assert_eq!(
        summary(
            json!({"type":"interactive","interactive":{"type":"nfm_reply",
            "nfm_reply":{"name":"flow","body":"Sent","response_json":"{}"}}})
        ),
        "[form] Sent"
    );
}

#[test]
fn a_call_permission_reply_says_the_answer() {
    assert_eq!(
        summary(
            json!({"type":"interactive","interactive":{"type":"call_permission_reply",
            "call_permission_reply":{"response":"reject","response_source":"user_action"}}})
        ),
        "[call permission] rejected, by the customer"
    );
}

#[test]
fn an_interactive_without_its_object_says_why_it_cannot_be_read() {
    let bare = json!({"type":"interactive","id":"wamid.X","timestamp":"1"});
    let c = MessageContent::from_message(&bare);
    assert_eq!(c.summary(), "[interactive reply — not readable]");
    let errors = [json!({"code":131000,"title":"Something went wrong",
                         "error_data":{"details":"Unsupported webhook payload"}})];
    assert_eq!(
        c.with_change_errors(&errors).summary(),
        "[interactive reply — not readable: Unsupported webhook payload]"
    );
    let own = json!({"type":"interactive","interactive":{"type":"button_reply"},
                     "errors":[{"code":131051,"title":"Message type unknown"}]});
    assert_eq!(
        summary(own),
        "[interactive reply — not readable: Message type unknown]"
    );
}

#[test]
fn an_unknown_interactive_type_is_named_not_called_a_button() {
    assert_eq!(
        summary(
            json!({"type":"interactive","interactive":{"type":"poll_reply",
            "poll_reply":{"title":"Tuesday"}}})
        ),
        "[interactive: poll_reply] Tuesday"
    );
}
