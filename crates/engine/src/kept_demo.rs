//! What the demo's simulator must be told when a kept data dir starts again (`sim/kept.rs`):
//! the tokens the store holds for its numbers, the customers who wrote in the last 24 hours,
//! and what its Kapso made: the tenants' customers and the numbers it connected for them. Only
//! the demo calls this: it hands stored tokens to the in-process simulator, which is the only
//! party that ever accepted them.

use super::Engine;
use std::sync::Arc;
use wabox_cloud::Credential;
use wabox_protocol::ApiError;
use wabox_secret::Secret;

/// A stored number's Meta token, opened (numbers reached through Kapso hold none).
pub struct KeptToken {
    pub phone_number_id: String,
    pub waba_id: String,
    pub token: Secret,
}

/// A customer's last message to a number, from the store: wa_id and/or BSUID, unix seconds.
pub struct KeptWindow {
    pub phone_number_id: String,
    pub customer_ids: Vec<String>,
    pub last_inbound_at: i64,
}

/// A customer's ids in columns 1 and 2 (wa_id, BSUID), those it has: the simulator knows a
/// chat by either.
fn customer_ids(r: &wabox_store::db::Row<'_>) -> wabox_store::db::Result<Vec<String>> {
    Ok([r.get::<_, Option<String>>(1)?, r.get(2)?]
        .into_iter()
        .flatten()
        .collect())
}

/// A message of a chat, as the store remembers it: Meta knows it, so a reaction or a reply to
/// it goes through.
pub struct KeptChatMessage {
    pub phone_number_id: String,
    pub customer_ids: Vec<String>,
    pub wamid: String,
}

/// A tenant's customer on Kapso, as the store remembers it.
pub struct KeptKapsoCustomer {
    pub id: String,
    pub tenant: String,
    /// The external id the engine made the customer with.
    pub external_id: String,
}

/// A number reached through Kapso's Meta proxy, with the customer of its tenant.
pub struct KeptKapsoNumber {
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone: String,
    pub coexistence: bool,
    pub customer_id: String,
}

impl Engine {
    /// The Meta tokens the store holds, opened. For the demo's simulator only.
    pub async fn kept_tokens(self: &Arc<Self>) -> Result<Vec<KeptToken>, ApiError> {
        let rows = self
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT phone_number_id, waba_id, access_token_sealed FROM numbers
                     WHERE access_token_sealed IS NOT NULL",
                )?;
                let rows = stmt.query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                    ))
                })?;
                Ok(rows.collect::<wabox_store::db::Result<Vec<_>>>()?)
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(phone_number_id, waba_id, sealed)| {
                match self.open_credential(&sealed).ok()? {
                    Credential::Token(token) => Some(KeptToken {
                        phone_number_id,
                        waba_id,
                        token,
                    }),
                    Credential::KapsoProxy { .. } => None,
                }
            })
            .collect())
    }

    /// Customers who wrote to a number since `since` (unix seconds), with when they last did.
    pub async fn kept_windows(self: &Arc<Self>, since: i64) -> Result<Vec<KeptWindow>, ApiError> {
        self.read(move |c| {
            let mut stmt = c.prepare(
                "SELECT n.phone_number_id, k.wa_id, k.user_id, v.last_inbound_at
                 FROM conversations v
                 JOIN numbers n ON n.id = v.number_id
                 JOIN contacts k ON k.id = v.contact_id
                 WHERE v.last_inbound_at >= ?1",
            )?;
            let rows = stmt.query_map([since], |r| {
                Ok(KeptWindow {
                    phone_number_id: r.get(0)?,
                    customer_ids: customer_ids(r)?,
                    last_inbound_at: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<wabox_store::db::Result<Vec<_>>>()?)
        })
        .await
    }

    /// The messages of every chat since `since` (Meta answers and reacts to those of the last
    /// 30 days): a fresh simulator knew none, and a reaction to any message of an earlier run
    /// failed with 131009.
    pub async fn kept_chat_messages(
        self: &Arc<Self>,
        since: i64,
    ) -> Result<Vec<KeptChatMessage>, ApiError> {
        self.read(move |c| {
            let mut stmt = c.prepare(
                "SELECT n.phone_number_id, k.wa_id, k.user_id, m.wamid
                 FROM messages m
                 JOIN conversations v ON v.id = m.conversation_id
                 JOIN numbers n ON n.id = v.number_id
                 JOIN contacts k ON k.id = v.contact_id
                 WHERE m.at >= ?1",
            )?;
            let rows = stmt.query_map([since], |r| {
                Ok(KeptChatMessage {
                    phone_number_id: r.get(0)?,
                    customer_ids: customer_ids(r)?,
                    wamid: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<wabox_store::db::Result<Vec<_>>>()?)
        })
        .await
    }

    /// The tenants' customers on Kapso, and the numbers reached through Kapso's proxy of the
    /// tenants that have one (the callback attached none other: Kapso had to list the number
    /// for that customer first).
    pub async fn kept_kapso(
        self: &Arc<Self>,
    ) -> Result<(Vec<KeptKapsoCustomer>, Vec<KeptKapsoNumber>), ApiError> {
        let (customers, numbers) = self
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT id, name, kapso_customer_id FROM tenants
                     WHERE kapso_customer_id IS NOT NULL",
                )?;
                let customers = stmt
                    .query_map([], |r| {
                        Ok(KeptKapsoCustomer {
                            external_id: super::kapso::external_customer_id(r.get(0)?),
                            tenant: r.get(1)?,
                            id: r.get(2)?,
                        })
                    })?
                    .collect::<wabox_store::db::Result<Vec<_>>>()?;
                let mut stmt = c.prepare(
                    "SELECT n.phone_number_id, n.waba_id, n.display_phone, n.connection,
                            t.kapso_customer_id, n.access_token_sealed
                     FROM numbers n JOIN tenants t ON t.id = n.tenant_id
                     WHERE n.access_token_sealed IS NOT NULL AND t.kapso_customer_id IS NOT NULL",
                )?;
                let numbers = stmt
                    .query_map([], |r| {
                        Ok((
                            KeptKapsoNumber {
                                phone_number_id: r.get(0)?,
                                waba_id: r.get(1)?,
                                display_phone: r.get(2)?,
                                coexistence: r.get::<_, String>(3)? == "coexistence",
                                customer_id: r.get(4)?,
                            },
                            r.get::<_, Vec<u8>>(5)?,
                        ))
                    })?
                    .collect::<wabox_store::db::Result<Vec<_>>>()?;
                Ok((customers, numbers))
            })
            .await?;
        let numbers = numbers
            .into_iter()
            .filter(|(_, sealed)| {
                matches!(
                    self.open_credential(sealed),
                    Ok(Credential::KapsoProxy { .. })
                )
            })
            .map(|(number, _)| number)
            .collect();
        Ok((customers, numbers))
    }
}
