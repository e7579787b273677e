//! Webhook bodies in Meta's shape: customer messages, echoes from the phone app, and statuses.

use super::SimNumber;
use super::customers::SimCustomer;
use serde_json::{Value, json};

fn envelope(number: &SimNumber, field: &str, mut value: Value) -> Vec<u8> {
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({"display_phone_number": number.display_phone, "phone_number_id": number.phone_number_id});
    // Serialising a Value cannot fail.
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": number.waba_id, "changes": [{"value": value, "field": field}]}]
    }))
    .unwrap_or_default()
}

/// A customer's message; `message` holds `id`, `timestamp`, `type` and its content.
pub fn inbound(number: &SimNumber, customer: &SimCustomer, mut message: Value) -> Vec<u8> {
    let mut contact = json!({"profile": {"name": customer.name}});
    if let Some(w) = &customer.wa_id {
        contact["wa_id"] = json!(w);
        message["from"] = json!(w);
    }
    if let Some(u) = &customer.user_id {
        contact["user_id"] = json!(u);
        message["from_user_id"] = json!(u);
    }
    envelope(
        number,
        "messages",
        json!({"contacts": [contact], "messages": [message]}),
    )
}

pub fn echo(
    number: &SimNumber,
    customer: &SimCustomer,
    wamid: &str,
    text: &str,
    now: i64,
) -> Vec<u8> {
    let mut e = json!({"from": number.display_phone, "id": wamid,
                       "timestamp": now.to_string(),
                       "type": "text", "text": {"body": text}});
    if let Some(w) = &customer.wa_id {
        e["to"] = json!(w);
    }
    if let Some(u) = &customer.user_id {
        e["to_user_id"] = json!(u);
    }
    envelope(number, "smb_message_echoes", json!({"message_echoes": [e]}))
}

/// A status report; `error` is (code, title, details) for `failed`.
pub fn status(
    number: &SimNumber,
    wamid: &str,
    recipient: &str,
    status: &str,
    template: bool,
    error: Option<(i64, &str, &str)>,
    now: i64,
) -> Vec<u8> {
    let mut s = json!({"id": wamid, "status": status, "timestamp": now.to_string(),
                       "recipient_id": recipient});
    if status != "failed" {
        s["pricing"] = if template {
            json!({"billable": true, "pricing_model": "PMP", "category": "utility", "type": "regular"})
        } else {
            json!({"billable": false, "pricing_model": "PMP", "category": "service", "type": "free_customer_service"})
        };
    }
    if let Some((code, title, details)) = error {
        s["errors"] = json!([{"code": code, "title": title, "message": title,
                              "error_data": {"details": details},
                              "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]);
    }
    envelope(number, "messages", json!({"statuses": [s]}))
}

/// An old message of a history thread: (sent by the business?, text, unix time).
pub type HistoryLine = (bool, String, i64);
/// A history thread: the customer's wa_id and the old messages.
pub type HistoryThread = (String, Vec<HistoryLine>);

/// One chunk of a coexistence number's history (`field: history`): a phase (0: today, 1: up to
/// 90 days, 2: up to 180), its order, the progress so far, and threads of old messages, each
/// `(customer wa_id, [(from the business?, text, unix time)])`.
pub fn history_chunk(
    number: &SimNumber,
    phase: i64,
    chunk_order: i64,
    progress: i64,
    threads: &[HistoryThread],
    next_id: &mut dyn FnMut() -> String,
) -> Vec<u8> {
    let threads: Vec<Value> = threads
        .iter()
        .map(|(customer, messages)| {
            let messages: Vec<Value> = messages
                .iter()
                .map(|(ours, text, at)| {
                    let mut m = json!({"id": next_id(), "timestamp": at.to_string(), "type": "text",
                                       "text": {"body": text},
                                       "history_context": {"status": if *ours { "DELIVERED" } else { "READ" }}});
                    if *ours {
                        m["from"] = json!(number.display_phone);
                        m["to"] = json!(customer);
                    } else {
                        m["from"] = json!(customer);
                    }
                    m
                })
                .collect();
            json!({"id": customer, "messages": messages})
        })
        .collect();
    envelope(
        number,
        "history",
        json!({"history": [{"metadata": {"phase": phase, "chunk_order": chunk_order, "progress": progress},
                            "threads": threads}]}),
    )
}
