//! A kept demo (`wabox demo --data-dir DIR`, started again): the store remembers what the
//! simulated Meta said in the earlier run, but the simulator itself starts afresh in each
//! process. Meta would still accept the tokens it gave out and still know which customers wrote
//! in the last 24 hours, so the demo tells the new simulator both from the store before anything
//! is sent. Only what the simulator once accepted can be in the store (every connection path
//! checks the token with it first), so this teaches it nothing it had not said itself.

use super::Simulator;

impl Simulator {
    /// The simulator gave out `token` for this number in an earlier run: it accepts it again
    /// (and stops accepting the one it made up for the number in this run). A number it does
    /// not know is ignored: there is nothing to accept a token for.
    pub fn remember_token(&self, phone_number_id: &str, token: &str) {
        if self.number(phone_number_id).is_none() {
            return;
        }
        self.lock()
            .remembered_tokens
            .insert(phone_number_id.to_string(), token.to_string());
    }

    /// A customer wrote to this number at `at` (unix seconds) in an earlier run: their 24-hour
    /// window is open until 24 hours after it, as Meta counts it.
    pub fn remember_inbound(&self, phone_number_id: &str, customer: &str, at: i64) {
        let mut s = self.lock();
        let entry = s
            .last_inbound
            .entry((phone_number_id.to_string(), customer.to_string()))
            .or_insert(at);
        *entry = (*entry).max(at);
    }
}

#[cfg(test)]
mod tests {
    use crate::{SimNumber, SimOptions, Simulator};

    fn number(token: &str) -> SimNumber {
        SimNumber {
            phone_number_id: "106540352242922".into(),
            waba_id: "104829357711032".into(),
            display_phone: "15550783881".into(),
            token: token.into(),
            coexistence: false,
            verified_name: "Demo Shop".into(),
        }
    }

    #[tokio::test]
    async fn a_remembered_token_replaces_the_one_made_up_for_this_run() {
        let options = SimOptions::new("secret", vec![number("EAADEMO-new")]);
        let sim = Simulator::start(options, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        sim.remember_token("106540352242922", "EAADEMO-old");
        sim.remember_token("999", "EAADEMO-nobody");
        let known = sim.all_numbers();
        assert_eq!(known.len(), 1);
        assert_eq!(known[0].token, "EAADEMO-old");
        assert_eq!(sim.number("106540352242922").unwrap().token, "EAADEMO-old");
        assert!(sim.number("999").is_none());
    }
}
