//! Webhook bodies in Meta's shape: customer messages, echoes from the phone app, statuses, and
//! a coexistence number's history (threads, placeholders of files, and the files after them).

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

/// `phone_number_quality_update`: Meta's word on a number's quality and messaging limit, sent
/// to the app by WABA and naming the number by its display phone (no `metadata`). `event`:
/// FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE; `current_limit`: TIER_250, TIER_1K... TIER_UNLIMITED.
pub fn quality_update(number: &SimNumber, event: &str, current_limit: &str) -> Vec<u8> {
    let value = json!({"display_phone_number": number.display_phone, "event": event,
                       "current_limit": current_limit});
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": number.waba_id, "time": 0,
                   "changes": [{"value": value, "field": "phone_number_quality_update"}]}]
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

/// One old message of a history thread, from the business (`ours`) or from the customer.
fn history_message(
    number: &SimNumber,
    customer: &str,
    ours: bool,
    wamid: &str,
    at: i64,
    status: &str,
) -> Value {
    let mut m = json!({"id": wamid, "timestamp": at.to_string(),
                       "history_context": {"status": status}});
    if ours {
        m["from"] = json!(number.display_phone);
        m["to"] = json!(customer);
    } else {
        m["from"] = json!(customer);
    }
    m
}

/// An old text message of a history thread.
pub fn history_text(
    number: &SimNumber,
    customer: &str,
    ours: bool,
    wamid: &str,
    text: &str,
    at: i64,
) -> Value {
    let status = if ours { "DELIVERED" } else { "READ" };
    let mut m = history_message(number, customer, ours, wamid, at, status);
    m["type"] = json!("text");
    m["text"] = json!({ "body": text });
    m
}

/// A file in a history thread, as Meta sends it there: a `media_placeholder`, the file itself
/// following in a separate post (`history_media`) with the same wamid.
pub fn history_placeholder(
    number: &SimNumber,
    customer: &str,
    ours: bool,
    wamid: &str,
    at: i64,
) -> Value {
    let mut m = history_message(number, customer, ours, wamid, at, "READ");
    m["type"] = json!("media_placeholder");
    m
}

/// A file of the history, as Meta sends it after the threads: `value.messages[]` of a `history`
/// post, with the media id to fetch.
pub struct HistoryFile<'a> {
    pub customer: &'a str,
    pub ours: bool,
    pub wamid: &'a str,
    /// `image`, `video`, `audio`, `document` or `sticker`.
    pub kind: &'a str,
    pub media_id: &'a str,
    pub mime_type: &'a str,
    pub caption: Option<&'a str>,
    pub at: i64,
}

pub fn history_media(number: &SimNumber, files: &[HistoryFile<'_>]) -> Vec<u8> {
    let messages: Vec<Value> = files
        .iter()
        .map(|f| {
            let mut m = json!({"id": f.wamid, "timestamp": f.at.to_string(), "type": f.kind});
            m["from"] = json!(if f.ours {
                number.display_phone.as_str()
            } else {
                f.customer
            });
            if f.ours {
                m["to"] = json!(f.customer);
            }
            let mut media = json!({"id": f.media_id, "mime_type": f.mime_type});
            if let Some(c) = f.caption {
                media["caption"] = json!(c);
            }
            m[f.kind] = media;
            m
        })
        .collect();
    envelope(number, "history", json!({ "messages": messages }))
}

/// One chunk of a coexistence number's history (`field: history`): a phase (0: today, 1: up to
/// 90 days, 2: up to 180), its order, the progress so far, and threads of old messages, each
/// `(customer wa_id, [message objects])` (`history_text`, `history_placeholder`).
pub fn history_chunk_of(
    number: &SimNumber,
    phase: i64,
    chunk_order: i64,
    progress: i64,
    threads: Vec<(String, Vec<Value>)>,
) -> Vec<u8> {
    let threads: Vec<Value> = threads
        .into_iter()
        .map(|(customer, messages)| json!({"id": customer, "messages": messages}))
        .collect();
    envelope(
        number,
        "history",
        json!({"history": [{"metadata": {"phase": phase, "chunk_order": chunk_order, "progress": progress},
                            "threads": threads}]}),
    )
}

/// As `history_chunk_of`, with threads of text messages, each
/// `(customer wa_id, [(from the business?, text, unix time)])`.
pub fn history_chunk(
    number: &SimNumber,
    phase: i64,
    chunk_order: i64,
    progress: i64,
    threads: &[HistoryThread],
    next_id: &mut dyn FnMut() -> String,
) -> Vec<u8> {
    let threads = threads
        .iter()
        .map(|(customer, messages)| {
            let messages = messages
                .iter()
                .map(|(ours, text, at)| {
                    history_text(number, customer, *ours, &next_id(), text, *at)
                })
                .collect();
            (customer.clone(), messages)
        })
        .collect();
    history_chunk_of(number, phase, chunk_order, progress, threads)
}
