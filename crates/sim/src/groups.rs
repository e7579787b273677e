//! Groups in the simulator (Meta's Groups API): the groups a number is in, participants writing
//! in them, and the rule that a send names a group the number knows, as a group.

use super::customers::SimCustomer;
use super::{Simulator, webhooks};
use serde_json::{Value, json};

impl Simulator {
    /// The number has this group (made with the Groups API): sends to it are accepted.
    pub fn add_group(&self, phone_number_id: &str, group_id: &str) {
        self.lock()
            .groups
            .insert((phone_number_id.to_string(), group_id.to_string()));
    }

    pub(crate) fn knows_group(&self, phone_number_id: &str, group_id: &str) -> bool {
        self.lock()
            .groups
            .contains(&(phone_number_id.to_string(), group_id.to_string()))
    }

    /// A participant writes in a group: the message (with `group_id`, `from` the participant)
    /// reaches the engine, and the group's window opens, as Meta opens one window for the whole
    /// group whoever writes.
    pub async fn group_message(
        &self,
        phone_number_id: &str,
        group_id: &str,
        participant: &SimCustomer,
        mut message: Value,
    ) -> anyhow::Result<()> {
        let number = self
            .number(phone_number_id)
            .ok_or_else(|| anyhow::anyhow!("the simulator has no number {phone_number_id}"))?;
        if !self.knows_group(phone_number_id, group_id) {
            anyhow::bail!("number {phone_number_id} has no group {group_id}");
        }
        let ts = message
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or_else(|| self.now());
        {
            let mut s = self.lock();
            let entry = s
                .last_inbound
                .entry((phone_number_id.to_string(), group_id.to_string()))
                .or_insert(ts);
            *entry = (*entry).max(ts);
        }
        message["group_id"] = json!(group_id);
        self.deliver(webhooks::inbound(&number, participant, message))
            .await
    }
}

/// Why Meta would refuse the addressing of a send, if it would: a group it does not know, or a
/// known group's id sent as an individual's number.
pub(super) fn refusal(sim: &Simulator, pnid: &str, to: &str, as_group: bool) -> Option<String> {
    match (as_group, sim.knows_group(pnid, to)) {
        (true, false) => Some(format!(
            "(#131009) Parameter value is not valid: {to} is not a group of this phone number"
        )),
        (false, true) => Some(format!(
            "(#131009) Parameter value is not valid: {to} is a group: send it with recipient_type group"
        )),
        _ => None,
    }
}

/// A status webhook body for a group send: Meta marks it `recipient_type: group`.
pub(super) fn as_group_status(body: Vec<u8>) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    if let Some(s) = v.pointer_mut("/entry/0/changes/0/value/statuses/0") {
        s["recipient_type"] = json!("group");
    }
    serde_json::to_vec(&v).unwrap_or(body)
}
