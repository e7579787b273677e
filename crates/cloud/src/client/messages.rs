//! Sending messages and marking them read.

use super::{Credential, GraphClient, GraphError};
use reqwest::Method;
use serde_json::{Value, json};

/// What Meta answers to an accepted send.
#[derive(Debug, Clone, PartialEq)]
pub struct SendAccepted {
    pub wamid: String,
    /// The `wa_id` Meta mapped the recipient to (absent for BSUID recipients).
    pub wa_id: Option<String>,
}

impl GraphClient {
    /// `POST /{phone-number-id}/messages` with a complete message body.
    pub async fn send_message(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        body: &Value,
    ) -> Result<SendAccepted, GraphError> {
        let v = self
            .call(
                self.request(
                    Method::POST,
                    "phone number id",
                    phone_number_id,
                    &["messages"],
                    credential,
                )?
                .json(body),
                credential,
            )
            .await?;
        let wamid = v
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::Unexpected("a send answer without messages[0].id".into()))?;
        Ok(SendAccepted {
            wamid: wamid.to_string(),
            wa_id: v
                .pointer("/contacts/0/wa_id")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// Marks a customer's message (and those before it) as read.
    pub async fn mark_read(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        wamid: &str,
    ) -> Result<(), GraphError> {
        let body = json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid});
        self.call(
            self.request(
                Method::POST,
                "phone number id",
                phone_number_id,
                &["messages"],
                credential,
            )?
            .json(&body),
            credential,
        )
        .await
        .map(|_| ())
    }
}
