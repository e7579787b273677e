//! Repairing a Kapso number whose connection broke (the business revoked the token, Meta
//! de-authorised it, a password changed): Kapso's setup link scoped to that number
//! (`reconnect_phone_number`) refreshes the same WABA and number, and the callback renews the
//! stored number in place: same conversations, same queue, no second number.

use super::Engine;
use std::sync::Arc;
use wabox_domain::ConnectionKind;
use wabox_protocol::{ApiError, SignupPath};
use wabox_store::RowWords;

/// The stored number a reconnection is for.
pub(super) struct ReconnectTarget {
    pub phone_number_id: String,
    pub display_phone: String,
    pub connection: ConnectionKind,
}

impl Engine {
    /// The tenant's Kapso number named by its phone number id or display number.
    pub(super) async fn reconnect_target(
        self: &Arc<Self>,
        tenant_id: i64,
        number: &str,
    ) -> Result<ReconnectTarget, ApiError> {
        let wanted = number.trim().to_string();
        let found = {
            let wanted = wanted.clone();
            self.read(move |c| {
                let Some(n) = wabox_store::queues::number_named(c, &wanted, Some(tenant_id))?
                else {
                    return Ok(None);
                };
                Ok(Some(c.query_row(
                    "SELECT connection, connected_via FROM numbers WHERE id = ?1",
                    [n.id],
                    |r| {
                        Ok((
                            n.phone_number_id.clone(),
                            n.display_phone.clone(),
                            r.word::<ConnectionKind>(0)?,
                            r.get::<_, Option<String>>(1)?,
                        ))
                    },
                )?))
            })
            .await?
        };
        let Some((phone_number_id, display_phone, connection, via)) = found else {
            return Err(ApiError::from(
                wabox_protocol::ErrorCode::TenantHasNoNumber {
                    number: wanted.to_string(),
                },
            ));
        };
        if via.as_deref() != Some("kapso") {
            return Err(ApiError::from(wabox_protocol::ErrorCode::NotViaKapso {
                display_phone: display_phone.to_string(),
            }));
        }
        Ok(ReconnectTarget {
            phone_number_id,
            display_phone,
            connection,
        })
    }

    /// A reconnection signup must come back with the very number it was for; any other
    /// signup passes.
    pub(super) async fn check_reconnected(
        self: &Arc<Self>,
        tenant_id: i64,
        options: &str,
        phone_number_id: &str,
    ) -> Result<(), String> {
        let Ok(SignupPath::Kapso(opts)) = serde_json::from_str::<SignupPath>(options) else {
            return Ok(());
        };
        let Some(number) = opts.reconnect.as_deref() else {
            return Ok(());
        };
        let target = self
            .reconnect_target(tenant_id, number)
            .await
            .map_err(|e| e.english())?;
        if target.phone_number_id != phone_number_id {
            return Err(format!(
                "Kapso connected number {phone_number_id}, not +{} that was being reconnected: \
                 nothing was changed; open a new reconnection link and pick that number",
                target.display_phone
            ));
        }
        Ok(())
    }
}
