//! A kept demo started again, for its Kapso (`kept.rs` does Meta's part): the simulated Kapso
//! starts afresh in each process, but the real one would still know the tenants' customers, the
//! numbers it connected for them, and where it forwards their webhooks. The demo tells it all
//! three from the store before anything is sent, so a number connected through a setup link
//! sends and hears its customers again. Only what the store holds is told: Kapso had listed each
//! number for the tenant's customer before the engine attached it.

use super::kapso::{Customer, KapsoNumberRecord, WebhookRecord};
use super::{SimNumber, Simulator};

/// A setup link's numbers are numbered: `5…` = this base + the serial (`kapso_setup.rs`).
const SETUP_SERIAL_BASE: u64 = 20_000_000_000_000;

/// The serial a setup link gave a number, if the simulated Kapso made it.
fn setup_serial(phone_number_id: &str) -> Option<u64> {
    phone_number_id
        .strip_prefix('5')
        .filter(|d| d.len() == 14)?
        .parse::<u64>()
        .ok()?
        .checked_sub(SETUP_SERIAL_BASE)
}

impl Simulator {
    /// Kapso made this customer in an earlier run.
    pub fn remember_kapso_customer(&self, id: &str, name: &str, external_customer_id: &str) {
        let mut s = self.lock();
        if s.kapso.customers.iter().any(|c| c.id == id) {
            return;
        }
        s.kapso.customers.push(Customer {
            id: id.to_string(),
            name: name.to_string(),
            external_customer_id: Some(external_customer_id.to_string()),
        });
    }

    /// Kapso connected this number for `customer_id` in an earlier run: the simulated Meta knows
    /// it again (with a token only Kapso's proxy holds), Kapso's app is subscribed to its WABA,
    /// and the next setup link makes a number of another serial.
    pub fn remember_kapso_number(
        &self,
        phone_number_id: &str,
        waba_id: &str,
        display_phone: &str,
        coexistence: bool,
        customer_id: &str,
    ) {
        let known = self.number(phone_number_id).is_some();
        let mut s = self.lock();
        if s.kapso
            .numbers
            .iter()
            .any(|n| n.phone_number_id == phone_number_id)
        {
            return;
        }
        if !known {
            let verified_name = s
                .kapso
                .customers
                .iter()
                .find(|c| c.id == customer_id)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            s.extra_numbers.push(SimNumber {
                phone_number_id: phone_number_id.to_string(),
                waba_id: waba_id.to_string(),
                display_phone: display_phone.to_string(),
                // Between Kapso and Meta only: the engine never holds it.
                token: format!("EAA-SIM-KAPSO-{:032x}", rand::random::<u128>()),
                coexistence,
                verified_name,
            });
        }
        s.kapso.numbers.push(KapsoNumberRecord {
            phone_number_id: phone_number_id.to_string(),
            waba_id: waba_id.to_string(),
            customer_id: customer_id.to_string(),
            coexistence,
            provisioned_id: None,
        });
        if let Some(serial) = setup_serial(phone_number_id) {
            s.kapso.next = s.kapso.next.max(serial);
        }
        drop(s);
        self.mark_connected(waba_id);
    }

    /// Kapso forwards the number's Meta webhooks to `url`, signed with `secret`, as the engine
    /// asked when the number connected (a kept demo's engine listens on a new address, with a
    /// new secret, in each run).
    pub fn remember_kapso_forwarding(&self, phone_number_id: &str, url: &str, secret: &str) {
        let id = self.kapso_id("");
        let mut s = self.lock();
        for old in s
            .kapso
            .webhooks
            .iter_mut()
            .filter(|w| w.phone_number_id == phone_number_id && w.kind == "meta")
        {
            old.active = false;
        }
        s.kapso.webhooks.push(WebhookRecord {
            id,
            phone_number_id: phone_number_id.to_string(),
            url: url.to_string(),
            kind: "meta".into(),
            secret: secret.to_string(),
            active: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::{SIM_KAPSO_API_KEY, SimOptions, Simulator};
    use serde_json::{Value, json};

    #[tokio::test]
    async fn a_remembered_kapso_number_is_proxied_forwarded_and_never_made_again() {
        let sim = Simulator::start(
            SimOptions::new("secret", vec![]),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        sim.remember_kapso_customer("cust-1", "Panadería Sol", "wabox-tenant-2");
        sim.remember_kapso_number(
            "520000000000003",
            "620000000000003",
            "5215560000001",
            true,
            "cust-1",
        );
        sim.remember_kapso_forwarding("520000000000003", "http://127.0.0.1:1/kapso/webhook", "s");
        let known = sim.kapso_number("620000000000003").unwrap();
        assert_eq!(known.customer_id, "cust-1");
        let number = sim.number("520000000000003").unwrap();
        assert!(number.coexistence);
        assert_eq!(number.verified_name, "Panadería Sol");
        assert!(sim.subscribed().contains(&"620000000000003".to_string()));
        let body = json!({"entry": [{"changes": [{"value": {"metadata":
            {"phone_number_id": "520000000000003"}}}]}]});
        let (url, _) = sim.kapso_forward(body.to_string().as_bytes()).unwrap();
        assert_eq!(url, "http://127.0.0.1:1/kapso/webhook");

        // The remembered customer makes a setup link; the number it connects is a new one (a
        // fresh Kapso would number it 3 again: one id for the forwarding, the link, the setup).
        let http = wabox_cloud::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let link: Value = http
            .post(format!(
                "{}/platform/v1/customers/cust-1/setup_links",
                sim.base_url()
            ))
            .header("x-api-key", SIM_KAPSO_API_KEY)
            .json(
                &json!({"setup_link": {"success_redirect_url": "http://127.0.0.1:1/ok",
                                         "failure_redirect_url": "http://127.0.0.1:1/ko"}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let done = http
            .get(link["data"]["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        let to = done.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("http://127.0.0.1:1/ok"), "{to}");
        assert!(!to.contains("520000000000003"), "{to}");
        assert_eq!(sim.kapso_numbers().len(), 2);
    }
}
