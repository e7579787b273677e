//! Kapso's reconnection of a broken number on the simulator: a test breaks a Kapso number's
//! connection (Meta then refuses every proxied call for it with 190, as when the business
//! revoked the token), and a setup link with `reconnect_phone_number` refreshes the same WABA
//! and number, checked the way Kapso documents: the number must be one of the customer's, no
//! new number may be bought, and the connection type is locked to the number's own.

use super::Simulator;
use super::graph::graph_error;
use axum::response::Response;
use serde_json::Value;

impl Simulator {
    /// The Kapso number's connection to Meta breaks: proxied calls for it fail with 190 until
    /// a reconnection link completes.
    pub fn kapso_break(&self, phone_number_id: &str) {
        let mut s = self.lock();
        if !s.kapso.broken.iter().any(|p| p == phone_number_id) {
            s.kapso.broken.push(phone_number_id.to_string());
        }
    }

    /// Whether the Kapso number's connection is broken.
    pub fn kapso_is_broken(&self, phone_number_id: &str) -> bool {
        self.lock()
            .kapso
            .broken
            .iter()
            .any(|p| p == phone_number_id)
    }
}

/// Meta's answer, through Kapso's proxy, for a number whose connection broke.
pub(super) fn refusal(sim: &Simulator, phone_number_id: &str) -> Option<Response> {
    sim.kapso_is_broken(phone_number_id).then(|| {
        graph_error(
            401,
            190,
            "Error validating access token: The user has not authorized application.",
        )
    })
}

/// `reconnect_phone_number` of a setup link body: the customer's number it names (its phone
/// number id), with the connection types locked to that number's. Err(field, why) as Kapso's 422.
pub(super) fn read(
    sim: &Simulator,
    customer: &str,
    link: &Value,
    types: &mut Vec<String>,
    provision: bool,
) -> Result<Option<String>, (String, String)> {
    let refuse = |field: &str, why: &str| (field.to_string(), why.to_string());
    let wanted = match link.get("reconnect_phone_number") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => wabox_domain::connections::display_digits(s),
        Some(_) => return Err(refuse("reconnect_phone_number", "must be a string")),
    };
    let matching: Vec<_> = sim
        .kapso_numbers()
        .into_iter()
        .filter(|r| r.customer_id == customer)
        .filter(|r| {
            sim.number(&r.phone_number_id)
                .is_some_and(|n| !wanted.is_empty() && n.display_phone == wanted)
        })
        .collect();
    let number = match matching.as_slice() {
        [one] => one,
        [] => {
            return Err(refuse(
                "reconnect_phone_number",
                "must match an existing WhatsApp config for this customer",
            ));
        }
        _ => {
            return Err(refuse(
                "reconnect_phone_number",
                "matches several WhatsApp configs for this customer",
            ));
        }
    };
    if provision {
        return Err(refuse(
            "provision_phone_number",
            "cannot be true when reconnecting a phone number",
        ));
    }
    let kind = if number.coexistence {
        "coexistence"
    } else {
        "dedicated"
    };
    let explicit = link
        .get("allowed_connection_types")
        .is_some_and(Value::is_array);
    if explicit && types.as_slice() != [kind] {
        return Err(refuse(
            "allowed_connection_types",
            &format!("must be [\"{kind}\"] to match the existing WhatsApp config"),
        ));
    }
    *types = vec![kind.to_string()];
    Ok(Some(number.phone_number_id.clone()))
}
