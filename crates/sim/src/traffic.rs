//! Customers and the business's phone app writing to a number, and delivering webhooks to the
//! engine as Meta (or Kapso) does.

use super::{Simulator, customers, webhooks};
use serde_json::Value;

impl Simulator {
    /// A customer writes to a number: the message goes to the engine as a signed webhook, and the
    /// customer's window opens (if the message is recent enough).
    pub async fn customer_message(
        &self,
        phone_number_id: &str,
        customer: &customers::SimCustomer,
        message: Value,
    ) -> anyhow::Result<()> {
        let number = self
            .number(phone_number_id)
            .ok_or_else(|| anyhow::anyhow!("the simulator has no number {phone_number_id}"))?;
        // A customer the business blocked cannot reach it: the message goes nowhere.
        if let Some(wa_id) = &customer.wa_id
            && self.is_blocked(phone_number_id, wa_id)
        {
            self.lock().from_blocked += 1;
            return Ok(());
        }
        let ts = message
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or_else(|| self.now());
        let opens = !matches!(
            message.get("type").and_then(Value::as_str),
            Some("reaction" | "system" | "edit" | "revoke")
        );
        if opens {
            let mut s = self.lock();
            for id in [customer.wa_id.as_deref(), customer.user_id.as_deref()]
                .into_iter()
                .flatten()
            {
                let entry = s
                    .last_inbound
                    .entry((phone_number_id.to_string(), id.to_string()))
                    .or_insert(ts);
                *entry = (*entry).max(ts);
            }
        }
        if let Some(wamid) = message.get("id").and_then(Value::as_str) {
            let ids: Vec<&str> = [customer.wa_id.as_deref(), customer.user_id.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            self.remember_in_chat(phone_number_id, &ids, wamid);
        }
        let body = webhooks::inbound(&number, customer, message);
        self.deliver(body).await
    }

    /// An echo: the business wrote from the WhatsApp Business app on a coexistence number.
    pub async fn phone_app_message(
        &self,
        phone_number_id: &str,
        customer: &customers::SimCustomer,
        text: &str,
    ) -> anyhow::Result<()> {
        let number = self
            .number(phone_number_id)
            .ok_or_else(|| anyhow::anyhow!("the simulator has no number {phone_number_id}"))?;
        let wamid = self.fresh_id("wamid.SIMECHO");
        let ids: Vec<&str> = [customer.wa_id.as_deref(), customer.user_id.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        self.remember_in_chat(phone_number_id, &ids, &wamid);
        self.deliver(webhooks::echo(&number, customer, &wamid, text, self.now()))
            .await
    }

    /// Delivers a webhook body to the engine, signed, retrying like Meta until it gets a 200. A
    /// number Kapso connected has its webhooks forwarded by Kapso when a `meta` webhook is set
    /// for it (signed with that webhook's secret, `X-Webhook-Signature`); otherwise they reach
    /// the master app's callback as Meta's.
    pub async fn deliver(&self, body: Vec<u8>) -> anyhow::Result<()> {
        // Kapso's forward is worked out once: its retries carry the same idempotency key.
        let forward = self.kapso_forward(&body);
        let mut wait = std::time::Duration::from_millis(100);
        for _ in 0..8 {
            // Meta's callback is asked for again at each try, as it is set now: an engine
            // started again after a crash listens on a port of its own in the tests, and the
            // deliveries its predecessor never took go to it, as Meta's go to the callback.
            let (url, headers) = match &forward {
                Some(forward) => forward.clone(),
                None => self.meta_callback(&body)?,
            };
            let mut post = self
                .http
                .post(&url)
                .header("content-type", "application/json");
            for (name, value) in &headers {
                post = post.header(*name, value);
            }
            let sent = post.body(body.clone()).send().await;
            if matches!(&sent, Ok(r) if r.status().as_u16() == 200) {
                return Ok(());
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(std::time::Duration::from_secs(5));
        }
        anyhow::bail!("the engine did not take a webhook after 8 tries")
    }

    /// The master app's callback, and the header that signs `body` for it.
    fn meta_callback(&self, body: &[u8]) -> anyhow::Result<(String, Vec<(&'static str, String)>)> {
        let url = self
            .lock()
            .webhook_url
            .clone()
            .ok_or_else(|| anyhow::anyhow!("the simulator has no webhook URL yet"))?;
        let signature = wabox_webhook::signature::sign(self.options.app_secret.as_bytes(), body);
        Ok((url, vec![("x-hub-signature-256", signature)]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SimOptions, Simulator};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A webhook whose engine died is delivered, on a later try, to the engine that took its
    /// place: Meta retries to the callback as it is set when it tries.
    #[tokio::test]
    async fn a_retry_goes_to_the_callback_as_it_is_set_then() {
        let sim = Simulator::start(
            SimOptions::new("secret", vec![]),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        // Where the dead engine was: a port nothing listens on any more.
        let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        sim.set_webhook(&format!("http://{}/webhook", gone.local_addr().unwrap()));
        drop(gone);

        let taken = Arc::new(AtomicUsize::new(0));
        let counting = taken.clone();
        let app = axum::Router::new().route(
            "/webhook",
            axum::routing::post(move || {
                counting.fetch_add(1, Ordering::SeqCst);
                async { "ok" }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let new_engine = format!("http://{}/webhook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });

        let delivering = {
            let sim = sim.clone();
            tokio::spawn(async move {
                sim.deliver(b"{\"object\":\"whatsapp_business_account\"}".to_vec())
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        sim.set_webhook(&new_engine);
        delivering.await.unwrap().expect("delivered on a later try");
        assert_eq!(taken.load(Ordering::SeqCst), 1);
    }
}
