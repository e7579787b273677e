//! A business's account at Meta: its templates, its numbers and their state, the WABA's owner
//! and subscribed apps, registering a number and a coexistence number's syncs.

use super::{Credential, GraphClient, GraphError};
use reqwest::Method;
use serde_json::Value;
use wabox_secret::Secret;

/// The `data` array of a Graph list answer (none: empty).
fn data_list(mut v: Value) -> Vec<Value> {
    match v.get_mut("data").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

impl GraphClient {
    /// Every template of a WABA, following the paging cursors.
    pub async fn list_templates(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<Vec<Value>, GraphError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..100 {
            let mut req = self
                .request(
                    Method::GET,
                    "WABA id",
                    waba_id,
                    &["message_templates"],
                    credential,
                )?
                .query(&[
                    (
                        "fields",
                        "id,name,language,status,category,components,parameter_format",
                    ),
                    ("limit", "100"),
                ]);
            if let Some(a) = &after {
                req = req.query(&[("after", a.as_str())]);
            }
            let page = self.call(req, credential).await?;
            if let Some(data) = page.get("data").and_then(Value::as_array) {
                out.extend(data.iter().cloned());
            }
            let next = page.pointer("/paging/next").is_some();
            after = page
                .pointer("/paging/cursors/after")
                .and_then(Value::as_str)
                .map(str::to_string);
            if !next || after.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// `GET /{phone-number-id}?fields=…`: the number's state.
    pub async fn phone_number(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        fields: &str,
    ) -> Result<Value, GraphError> {
        self.call(
            self.request(
                Method::GET,
                "phone number id",
                phone_number_id,
                &[],
                credential,
            )?
            .query(&[("fields", fields)]),
            credential,
        )
        .await
    }

    /// `POST /{waba-id}/subscribed_apps`: the master app receives this WABA's webhooks.
    pub async fn subscribe_app(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<(), GraphError> {
        self.call(
            self.request(
                Method::POST,
                "WABA id",
                waba_id,
                &["subscribed_apps"],
                credential,
            )?
            .json(&serde_json::json!({})),
            credential,
        )
        .await
        .map(|_| ())
    }

    /// `GET /{waba-id}/phone_numbers`: the numbers of a WhatsApp Business Account.
    pub async fn waba_phone_numbers(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<Vec<Value>, GraphError> {
        let v = self
            .call(
                self.request(Method::GET, "WABA id", waba_id, &["phone_numbers"], credential)?
                    .query(&[("fields", "id,display_phone_number,verified_name,status,quality_rating,platform_type,is_on_biz_app,code_verification_status")]),
                credential,
            )
            .await?;
        Ok(data_list(v))
    }

    /// `GET /{waba-id}?fields=owner_business_info`: the business (portfolio) owning the WABA,
    /// whose id Meta puts in `entry.id` of business-level webhooks.
    pub async fn waba_owner_business(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<Option<String>, GraphError> {
        let v = self
            .call(
                self.request(Method::GET, "WABA id", waba_id, &[], credential)?
                    .query(&[("fields", "id,name,owner_business_info")]),
                credential,
            )
            .await?;
        Ok(v.pointer("/owner_business_info/id")
            .and_then(Value::as_str)
            .filter(|b| wabox_domain::connections::is_meta_id(b))
            .map(str::to_string))
    }

    /// `GET /{waba-id}/subscribed_apps`: the apps that receive the WABA's webhooks.
    pub async fn subscribed_apps(
        &self,
        waba_id: &str,
        credential: &Credential,
    ) -> Result<Vec<Value>, GraphError> {
        let req = self.request(
            Method::GET,
            "WABA id",
            waba_id,
            &["subscribed_apps"],
            credential,
        )?;
        let v = self.call(req, credential).await?;
        Ok(data_list(v))
    }

    /// `POST /{pnid}/register` with the two-step verification PIN (dedicated numbers only).
    pub async fn register(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        pin: &Secret,
    ) -> Result<(), GraphError> {
        self.call(
            self.request(
                Method::POST,
                "phone number id",
                phone_number_id,
                &["register"],
                credential,
            )?
            .json(&serde_json::json!({"messaging_product": "whatsapp", "pin": pin.expose()})),
            credential,
        )
        .await
        .map(|_| ())
    }

    /// `POST /{pnid}/smb_app_data`: asks Meta to send a coexistence number's contacts
    /// (`smb_app_state_sync`) or history (`history`); each works once. Answers the request id.
    pub async fn smb_app_data(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        sync_type: &str,
    ) -> Result<String, GraphError> {
        let v = self
            .call(
                self.request(
                    Method::POST,
                    "phone number id",
                    phone_number_id,
                    &["smb_app_data"],
                    credential,
                )?
                .json(
                    &serde_json::json!({"messaging_product": "whatsapp", "sync_type": sync_type}),
                ),
                credential,
            )
            .await?;
        Ok(v.get("request_id")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_string())
    }
}
