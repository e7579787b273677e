//! The simulated `POST /{phone-number-id}/messages`: a send checked step by step as Meta checks
//! it (token, body, recipient, content, media, pace), accepted, and its statuses reported later
//! over webhooks; or a message marked read.

use super::graph::authorized_number;
use super::{Injected, SentRecord, SimNumber, Simulator, webhooks};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use wabox_domain::pace::Bucket;

/// A request Meta refuses at once: the answer, boxed (it is large).
type Refused = Box<Response>;

pub(super) async fn messages(
    State(sim): State<Arc<Simulator>>,
    Path((_version, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.lock().requests += 1;
    send(&sim, &pnid, &headers, &body)
        .await
        .unwrap_or_else(|refused| *refused)
}

/// The steps of a send, each of which may refuse it.
async fn send(
    sim: &Arc<Simulator>,
    pnid: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refused> {
    let number = authorized_number(sim, pnid, headers)?;
    let v = whatsapp_body(sim, pnid, body)?;
    if v.get("status").and_then(Value::as_str) == Some("read") {
        return Ok(mark_read(sim, pnid, &v));
    }
    injected_failure(sim, pnid).await?;
    let (recipient, by_bsuid) = recipient(sim, pnid, &v)?;
    let group = v.get("recipient_type").and_then(Value::as_str) == Some("group");
    if let Some(refusal) = super::groups::refusal(sim, pnid, &recipient, group) {
        return Err(Box::new(sim.refuse(pnid, 400, 131009, &refusal)));
    }
    let kind = v
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("text")
        .to_string();
    let refuse = |(code, message): (i64, String)| Box::new(sim.refuse(pnid, 400, code, &message));
    let text = check_content(&kind, &v).map_err(refuse)?;
    let answering = sim.answering(pnid, &recipient, &kind, &v).map_err(refuse)?;
    let media_id = media_by_id(sim, pnid, &kind, &v)?;
    sim.check_pace(&number, pnid, &recipient)?;
    let wamid = sim.fresh_id("wamid.SIMOUT");
    let template = kind == "template";
    // Free-form outside the window: accepted now, failed later, as Meta does. To a customer the
    // business blocked: accepted, then failed as undeliverable (Meta documents only that it
    // fails).
    let ending = if sim.is_blocked(pnid, &recipient) {
        Ending::Blocked
    } else if template && sim.over_marketing_limit(&recipient, &v) {
        Ending::MarketingLimit
    } else if !template && !sim.window_open(pnid, &recipient) {
        Ending::ClosedWindow
    } else if answering.reaction_refused {
        Ending::UnknownReactionTarget
    } else if answering.reaction {
        Ending::ReactionSent
    } else {
        Ending::Delivered
    };
    sim.remember_in_chat(pnid, &[&recipient], &wamid);
    sim.lock().sent.push(SentRecord {
        phone_number_id: pnid.to_string(),
        to: recipient.clone(),
        wamid: wamid.clone(),
        kind: kind.clone(),
        text,
        at_ms: sim.started.elapsed().as_millis(),
        at_unix_ms: wabox_domain::time::now_ms(),
        media_id,
        body: v.clone(),
        quoted: answering.quoted,
        dropped_context: answering.dropped_context,
    });
    tokio::spawn(report_statuses(
        sim.clone(),
        number,
        wamid.clone(),
        recipient.clone(),
        template,
        ending,
        group,
    ));
    Ok(accepted(&recipient, &wamid, template, group, by_bsuid))
}

impl Simulator {
    /// Whether a template send would pass the customer's marketing limit; a marketing one that
    /// does not counts toward it.
    fn over_marketing_limit(&self, recipient: &str, v: &Value) -> bool {
        let Some(limit) = self.options.marketing_per_customer_per_day else {
            return false;
        };
        if super::templates::category_of_send(v).as_deref() != Some("MARKETING") {
            return false;
        }
        let now = self.now();
        let mut state = self.lock();
        let got = state
            .marketing_received
            .entry(recipient.to_string())
            .or_default();
        got.retain(|at| now - at < 86_400);
        if got.len() >= limit {
            return true;
        }
        got.push(now);
        false
    }
}

/// The request's JSON, which must be for WhatsApp.
fn whatsapp_body(sim: &Simulator, pnid: &str, body: &[u8]) -> Result<Value, Refused> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Err(Box::new(sim.refuse(
            pnid,
            400,
            100,
            "(#100) Invalid JSON in the request body",
        )));
    };
    if v.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err(Box::new(sim.refuse(
            pnid,
            400,
            100,
            "(#100) The parameter messaging_product is required.",
        )));
    }
    Ok(v)
}

/// `{"status": "read", "message_id": …}`: the business marks a customer's message read.
fn mark_read(sim: &Simulator, pnid: &str, v: &Value) -> Response {
    match v.get("message_id").and_then(Value::as_str) {
        Some(id) => {
            sim.lock().marked_read.push(id.to_string());
            axum::Json(json!({"success": true})).into_response()
        }
        None => sim.refuse(
            pnid,
            400,
            100,
            "(#100) The parameter message_id is required.",
        ),
    }
}

/// The failure a test injected for this send, if any: a refusal, or an answer that comes late.
async fn injected_failure(sim: &Simulator, pnid: &str) -> Result<(), Refused> {
    let injected = sim.lock().injected.pop_front();
    match injected {
        Some(Injected::ServerError) => {
            return Err(Box::new(sim.refuse(
                pnid,
                500,
                131000,
                "Something went wrong",
            )));
        }
        Some(Injected::Throttled) => {
            return Err(Box::new(sim.refuse(pnid, 400, 130429, "Rate limit hit")));
        }
        Some(Injected::SlowAnswer(ms)) => {
            sim.lock().answering_slowly += 1;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            sim.lock().answering_slowly -= 1;
        }
        None => {}
    }
    Ok(())
}

/// Who the send is to: `to` (a phone number), else `recipient` (a BSUID or a group id); and
/// whether it was addressed by BSUID.
fn recipient(sim: &Simulator, pnid: &str, v: &Value) -> Result<(String, bool), Refused> {
    match (
        v.get("to").and_then(Value::as_str),
        v.get("recipient").and_then(Value::as_str),
    ) {
        (Some(to), _) => Ok((to.trim_start_matches('+').to_string(), false)),
        (None, Some(r)) => Ok((r.to_string(), true)),
        (None, None) => Err(Box::new(sim.refuse(
            pnid,
            400,
            100,
            "(#100) The parameter to is required.",
        ))),
    }
}

/// The media id a send names, if it sends a file by id.
fn media_by_id(
    sim: &Simulator,
    pnid: &str,
    kind: &str,
    v: &Value,
) -> Result<Option<String>, Refused> {
    // A media message (or a template's media header) by id must name a file uploaded to (or
    // received by) this API.
    let media_id = wabox_domain::MediaKind::parse(kind)
        .and_then(|_| v.get(kind))
        .and_then(|m| m.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| super::templates::header_media_id(v));
    if let Some(id) = &media_id
        && !sim.media_exists(id)
    {
        return Err(Box::new(sim.refuse(
            pnid,
            400,
            131053,
            &format!("(#131053) Media upload error: no media with id {id}, or it expired"),
        )));
    }
    Ok(media_id)
}

/// What Meta answers to an accepted send: the contact as it mapped it, and the new wamid.
fn accepted(recipient: &str, wamid: &str, template: bool, group: bool, by_bsuid: bool) -> Response {
    let contact = if group {
        json!({"input": recipient})
    } else if by_bsuid {
        json!({"input": recipient, "user_id": recipient})
    } else {
        json!({"input": recipient, "wa_id": recipient})
    };
    let mut message = json!({"id": wamid});
    if template {
        message["message_status"] = json!("accepted");
    }
    axum::Json(
        json!({"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}),
    )
    .into_response()
}

impl Simulator {
    fn secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn window_open(&self, phone_number_id: &str, recipient: &str) -> bool {
        let now = self.now();
        self.lock()
            .last_inbound
            .get(&(phone_number_id.to_string(), recipient.to_string()))
            .is_some_and(|t| now < t + wabox_domain::window::WINDOW_SECONDS)
    }

    /// Meta's rules on how fast: per number, then per customer.
    fn check_pace(&self, number: &SimNumber, pnid: &str, recipient: &str) -> Result<(), Refused> {
        let t = self.secs();
        let mut s = self.lock();
        let rate = if number.coexistence {
            self.options.coexistence_rate
        } else {
            self.options.rate_per_second
        };
        let bucket = s
            .number_buckets
            .entry(pnid.to_string())
            .or_insert_with(|| Bucket::new(rate, (rate / 5.0).max(2.0), t));
        if bucket.wait(t) > 0.0 {
            drop(s);
            return Err(Box::new(self.refuse(
                pnid,
                400,
                130429,
                "(#130429) Rate limit hit: cloud API message throughput has been reached",
            )));
        }
        bucket.take(t);
        let pair = s
            .pair_buckets
            .entry((pnid.to_string(), recipient.to_string()))
            .or_insert_with(|| {
                Bucket::new(
                    1.0 / self.options.pair_interval_seconds.max(0.001),
                    self.options.pair_burst as f64 + 1.0,
                    t,
                )
            });
        if pair.wait(t) > 0.0 {
            drop(s);
            return Err(Box::new(self.refuse(
                pnid,
                400,
                131056,
                "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            )));
        }
        pair.take(t);
        Ok(())
    }
}

/// Validates the body of a send the way Meta does; returns the text the simulator records.
fn check_content(kind: &str, v: &Value) -> Result<String, (i64, String)> {
    let missing = |what: &str| {
        (
            131008,
            format!("(#131008) Required parameter is missing: {what}"),
        )
    };
    match kind {
        "text" => {
            let body = v
                .pointer("/text/body")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("text.body"))?;
            if body.trim().is_empty() {
                return Err(missing("text.body"));
            }
            if body.chars().count() > 4096 {
                return Err((
                    100,
                    "(#100) Param text['body'] must be at most 4096 characters long.".into(),
                ));
            }
            Ok(body.to_string())
        }
        "template" => super::templates::check_send(v),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let m = v.get(kind).ok_or_else(|| missing(kind))?;
            if m.get("id").is_none() && m.get("link").is_none() {
                return Err(missing(&format!("{kind}.id or {kind}.link")));
            }
            Ok(match m.get("caption").and_then(Value::as_str) {
                Some(caption) => format!("[{kind}] {caption}"),
                None => format!("[{kind}]"),
            })
        }
        "reaction" | "interactive" | "location" | "contacts" => {
            v.get(kind).ok_or_else(|| missing(kind))?;
            Ok(format!("[{kind}]"))
        }
        other => Err((
            100,
            format!("(#100) Param type must be one of the supported types, not {other:?}"),
        )),
    }
}

/// How an accepted send ends, as its status webhooks tell.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ending {
    /// sent, delivered and read (in some order).
    Delivered,
    /// Free-form outside the window: failed 131047.
    ClosedWindow,
    /// A reaction: only `sent`, as Meta documents.
    ReactionSent,
    /// A reaction to a message the chat does not have: failed 131009.
    UnknownReactionTarget,
    /// To a customer the business blocked: failed 131026.
    Blocked,
    /// A marketing template to a customer at Meta's per-customer limit: failed 131049.
    MarketingLimit,
}

async fn report_statuses(
    sim: Arc<Simulator>,
    number: SimNumber,
    wamid: String,
    recipient: String,
    template: bool,
    ending: Ending,
    group: bool,
) {
    let (lo, hi) = sim.options.status_delay_ms;
    let pause = || Duration::from_millis(lo + rand::random::<u64>() % (hi.saturating_sub(lo) + 1));
    let send = |status: &'static str, error: Option<(i64, &'static str, &'static str)>| {
        let body = webhooks::status(
            &number,
            &wamid,
            &recipient,
            status,
            template,
            error,
            sim.now(),
        );
        if group {
            super::groups::as_group_status(body)
        } else {
            body
        }
    };
    if ending == Ending::UnknownReactionTarget {
        tokio::time::sleep(pause()).await;
        let body = send(
            "failed",
            Some((
                131009,
                "Parameter value is not valid",
                "The message reacted to is not in this chat, was deleted, is a reaction or is more than 30 days old.",
            )),
        );
        let _ = sim.deliver(body).await;
        return;
    }
    if ending == Ending::Blocked {
        tokio::time::sleep(pause()).await;
        let body = send(
            "failed",
            Some((
                131026,
                "Message undeliverable",
                "Unable to deliver message: the business blocked this user.",
            )),
        );
        let _ = sim.deliver(body).await;
        return;
    }
    if ending == Ending::MarketingLimit {
        tokio::time::sleep(pause()).await;
        let body = send(
            "failed",
            Some((
                131049,
                "This message was not delivered to maintain healthy ecosystem engagement.",
                "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
            )),
        );
        let _ = sim.deliver(body).await;
        return;
    }
    if ending == Ending::ReactionSent {
        tokio::time::sleep(pause()).await;
        let _ = sim.deliver(send("sent", None)).await;
        return;
    }
    if ending == Ending::ClosedWindow {
        tokio::time::sleep(pause()).await;
        let body = send(
            "failed",
            Some((
                131047,
                "Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            )),
        );
        let _ = sim.deliver(body).await;
        return;
    }
    let roll: f64 = rand::random();
    let order: &[&'static str] = if roll < 0.2 {
        &["sent", "read"] // both happened at once: Meta skips `delivered`
    } else if roll < 0.4 {
        &["sent", "read", "delivered"] // out of order
    } else {
        &["sent", "delivered", "read"]
    };
    for status in order {
        tokio::time::sleep(pause()).await;
        if let Err(e) = sim.deliver(send(status, None)).await {
            tracing::warn!(error = %e, "the simulator could not report a status");
        }
    }
}
