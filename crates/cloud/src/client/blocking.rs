//! Meta's Block Users API: `POST /{phone-number-id}/block_users` blocks customers on a number,
//! `DELETE` on the same edge lifts it. It answers per customer; one that failed comes back in
//! `block_users.failed_users` with its own error (131047: the customer has not written in the
//! last 24 hours), under a general 139100 that says only that some failed.

use super::{Credential, GraphClient, GraphError, interpret};
use reqwest::Method;
use serde_json::{Value, json};

impl GraphClient {
    /// Blocks (`block`) or unblocks one customer, by phone number or wa_id, on a number.
    pub async fn block_users(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        customer: &str,
        block: bool,
    ) -> Result<(), GraphError> {
        let method = if block { Method::POST } else { Method::DELETE };
        let body = json!({"messaging_product": "whatsapp", "block_users": [{"user": customer}]});
        let req = self
            .request(
                method,
                "phone number id",
                phone_number_id,
                &["block_users"],
                credential,
            )?
            .json(&body);
        let (status, answer) = self.fetch(req).await?;
        if let Some(failed) = customer_error(&answer) {
            return Err(failed);
        }
        let answer = interpret(status, answer)?;
        let done = if block {
            "added_users"
        } else {
            "removed_users"
        };
        let listed = answer
            .pointer(&format!("/block_users/{done}"))
            .and_then(Value::as_array)
            .is_some_and(|users| !users.is_empty());
        match listed {
            true => Ok(()),
            false => Err(GraphError::Unexpected(format!(
                "a block_users answer without block_users.{done}"
            ))),
        }
    }
}

/// The error Meta gave the (one) customer it could not block or unblock, if any.
fn customer_error(answer: &Value) -> Option<GraphError> {
    let failed = answer.pointer("/block_users/failed_users/0")?;
    let error = failed.pointer("/errors/0");
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_i64)
        .unwrap_or(139100);
    let message = error
        .and_then(|e| {
            e.pointer("/error_data/details")
                .or_else(|| e.get("message"))
                .and_then(Value::as_str)
        })
        .unwrap_or("Meta could not block or unblock this customer")
        .to_string();
    Some(GraphError::Api {
        http_status: 400,
        code,
        subcode: None,
        message,
        action: super::classify(code, 400),
    })
}
