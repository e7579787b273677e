//! The simulated Block Users API (`/{phone-number-id}/block_users`): a business blocks or
//! unblocks customers on one of its numbers, as Meta does it. Blocking is refused for a customer
//! who has not written to the number in the last 24 hours (131047) and for the number itself
//! (131021); each refused customer is listed in `failed_users` under a general 139100. A
//! blocked customer's messages never reach the business (`traffic.rs`), and a send to one fails
//! (`sends.rs`).

use super::Simulator;
use super::graph::authorized_number;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// What Meta allows in one request.
const MAX_USERS: usize = 1000;

pub(super) async fn block_users(
    State(sim): State<Arc<Simulator>>,
    method: Method,
    Path((_version, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.lock().requests += 1;
    let number = match authorized_number(&sim, &pnid, &headers) {
        Ok(n) => n,
        Err(refused) => return *refused,
    };
    if method == Method::GET {
        let blocked: Vec<Value> = sim
            .lock()
            .blocked
            .iter()
            .filter(|(p, _)| *p == pnid)
            .map(|(_, wa_id)| json!({"messaging_product": "whatsapp", "wa_id": wa_id}))
            .collect();
        return axum::Json(json!({"data": blocked, "paging": {"cursors": {}}})).into_response();
    }
    let users: Option<Vec<String>> = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        (v.get("messaging_product")? == "whatsapp").then_some(())?;
        v.get("block_users")?
            .as_array()?
            .iter()
            .map(|u| u.get("user").and_then(Value::as_str).map(digits))
            .collect()
    });
    let Some(users) = users.filter(|u| !u.is_empty() && u.len() <= MAX_USERS) else {
        return sim.refuse(
            &pnid,
            400,
            100,
            "(#100) Invalid parameter: block_users must list 1 to 1000 users, each with a user",
        );
    };
    let block = method == Method::POST;
    let now = sim.now();
    let mut done = Vec::new();
    let mut failed = Vec::new();
    {
        let mut s = sim.lock();
        for user in users {
            let key = (pnid.clone(), user.clone());
            let wrote_lately = s
                .last_inbound
                .get(&key)
                .is_some_and(|t| now < t + wabox_domain::window::WINDOW_SECONDS);
            let refusal = if !block {
                None
            } else if user == digits(&number.display_phone) {
                Some((131021, "Self block", "Failed to block self phone number."))
            } else if !wrote_lately {
                Some((
                    131047,
                    "Re-engagement message",
                    "Blocking is only possible for users who messaged the business in the last 24 hours.",
                ))
            } else {
                None
            };
            let entry = json!({"input": user, "wa_id": user});
            match refusal {
                Some((code, title, details)) => failed.push(json!({
                    "input": user, "wa_id": user,
                    "errors": [{"message": title, "code": code, "error_data": {"details": details}}],
                })),
                None => {
                    if block {
                        s.blocked.insert(key);
                    } else {
                        s.blocked.remove(&key);
                    }
                    done.push(entry);
                }
            }
        }
    }
    let listed = if block {
        "added_users"
    } else {
        "removed_users"
    };
    if failed.is_empty() {
        return axum::Json(json!({"messaging_product": "whatsapp", "block_users": {listed: done}}))
            .into_response();
    }
    sim.lock().refused.push((pnid.clone(), 139100));
    let body = json!({
        "messaging_product": "whatsapp",
        "block_users": {listed: done, "failed_users": failed},
        "error": {"message": "(#139100) Failed to block/unblock users", "type": "OAuthException",
                  "code": 139100,
                  "error_data": {"details": "Failed to block some users, see the block_users response list for details"},
                  "fbtrace_id": "AsimULAt0rTr4ce"},
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// A phone number as digits only (`+1 650-555` → `1650555`): how Meta matches the `user`.
fn digits(user: &str) -> String {
    user.chars().filter(char::is_ascii_digit).collect()
}

impl Simulator {
    /// Whether the business blocked this customer (wa_id) on this number.
    pub fn is_blocked(&self, phone_number_id: &str, wa_id: &str) -> bool {
        self.lock()
            .blocked
            .contains(&(phone_number_id.to_string(), wa_id.to_string()))
    }

    /// How many messages blocked customers wrote that never reached the business.
    pub fn messages_from_blocked(&self) -> usize {
        self.lock().from_blocked
    }
}
