//! Account- and business-level webhooks (`account_update`, `partner_solutions`,
//! `business_capability_update`, `account_alerts`…): which ids they can be routed by, and what
//! each says in a line an admin reads. Meta puts a WABA id in `entry.id` for most of them, but a
//! business (portfolio) id for the business-level ones, and the WABA, if any, inside the value.

use serde_json::Value;

/// The ids a change may be routed by, strongest first.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RouteKeys {
    /// WhatsApp Business Account ids: `entry.id`, then `value.waba_info.waba_id`.
    pub wabas: Vec<String>,
    /// Business ids: the WABA's owner, a partner's client, an alert's business, then `entry.id`.
    pub businesses: Vec<String>,
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    match v.pointer(pointer)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The ids of a change without a phone number id. `entry.id` is a WABA for most fields and a
/// business for the business-level ones; both readings are tried, the WABA first. The owner
/// comes before `entry.id` as a business: in a `PARTNER_ADDED` the entry is the solution
/// partner's business, the owner the client's.
pub fn route_keys(entry_id: &str, value: &Value) -> RouteKeys {
    let mut keys = RouteKeys::default();
    let push = |list: &mut Vec<String>, id: Option<String>| {
        if let Some(id) = id.filter(|i| crate::connections::is_meta_id(i))
            && !list.contains(&id)
        {
            list.push(id);
        }
    };
    push(&mut keys.wabas, Some(entry_id.to_string()));
    push(&mut keys.wabas, text(value, "/waba_info/waba_id"));
    push(
        &mut keys.businesses,
        text(value, "/waba_info/owner_business_id"),
    );
    push(
        &mut keys.businesses,
        text(
            value,
            "/partner_client_certification_info/client_business_id",
        ),
    );
    if text(value, "/entity_type").as_deref() == Some("BUSINESS") {
        push(&mut keys.businesses, text(value, "/entity_id"));
    }
    push(&mut keys.businesses, Some(entry_id.to_string()));
    keys
}

/// One line saying what an account event is about, from Meta's own words (hostile text is made
/// visible where it is printed, not here).
pub fn describe(field: &str, event: Option<&str>, value: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(e) = event.or_else(|| value.get("event").and_then(Value::as_str)) {
        parts.push(e.to_string());
    }
    if let Some(w) = text(value, "/waba_info/waba_id") {
        parts.push(format!("WABA {w}"));
    }
    if let Some(b) = text(value, "/waba_info/owner_business_id") {
        parts.push(format!("owner business {b}"));
    }
    if let Some(p) = text(value, "/phone_number") {
        parts.push(format!("number +{p}"));
    }
    if let Some(r) = text(value, "/disconnection_info/reason") {
        let by = text(value, "/disconnection_info/initiated_by")
            .map(|b| format!(" by {}", b.to_lowercase()))
            .unwrap_or_default();
        parts.push(format!("disconnected: {}{by}", r.to_lowercase()));
    }
    if let Some(s) = text(value, "/solution_id") {
        let status = text(value, "/solution_status")
            .map(|s| format!(" {}", s.to_lowercase()))
            .unwrap_or_default();
        parts.push(format!("solution {s}{status}"));
    }
    if let Some(s) = text(value, "/partner_client_certification_info/status") {
        parts.push(format!("verification {}", s.to_lowercase()));
    }
    if let Some(t) = text(value, "/alert_info/alert_type") {
        parts.push(t);
    }
    if let Some(d) = text(value, "/alert_info/alert_description") {
        parts.push(d);
    }
    if field == "business_capability_update" {
        let mut limits: Vec<String> = value
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| v.is_number())
            .map(|(k, v)| format!("{} {v}", k.replace('_', " ")))
            .collect();
        limits.sort();
        parts.extend(limits);
    }
    if parts.is_empty() {
        return field.replace('_', " ");
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_partner_event_is_routed_by_its_waba_then_its_owner_then_the_entry() {
        let v = json!({"event": "PARTNER_ADDED", "waba_info": {
            "waba_id": "301", "owner_business_id": "401", "solution_partner_business_ids": ["501"]}});
        let k = route_keys("501", &v);
        assert_eq!(k.wabas, ["501", "301"]);
        assert_eq!(k.businesses, ["401", "501"]);
    }

    #[test]
    fn a_business_alert_and_a_certification_name_their_business() {
        let alert = json!({"entity_type": "BUSINESS", "entity_id": "402",
                           "alert_info": {"alert_type": "X"}});
        assert_eq!(route_keys("9", &alert).businesses, ["402", "9"]);
        let waba_alert = json!({"entity_type": "WABA", "entity_id": "403"});
        assert_eq!(route_keys("9", &waba_alert).businesses, ["9"]);
        let cert = json!({"partner_client_certification_info": {"client_business_id": 404}});
        assert_eq!(route_keys("9", &cert).businesses, ["404", "9"]);
        // Not ids: never a key.
        let junk = json!({"waba_info": {"waba_id": "../x", "owner_business_id": ""}});
        assert_eq!(route_keys("9", &junk).wabas, ["9"]);
    }

    #[test]
    fn each_shape_is_described_in_one_line() {
        let removed = json!({"event": "PARTNER_REMOVED",
            "waba_info": {"waba_id": "301", "owner_business_id": "401"},
            "disconnection_info": {"reason": "PRIMARY_INACTIVITY", "initiated_by": "SYSTEM"}});
        assert_eq!(
            describe("account_update", Some("PARTNER_REMOVED"), &removed),
            "PARTNER_REMOVED, WABA 301, owner business 401, disconnected: primary_inactivity by system"
        );
        let solution = json!({"event": "SOLUTION_CREATED", "solution_id": "7", "solution_status": "INITIATED"});
        assert_eq!(
            describe("partner_solutions", None, &solution),
            "SOLUTION_CREATED, solution 7 initiated"
        );
        let caps =
            json!({"max_phone_numbers_per_waba": 25, "max_daily_conversations_per_business": 2000});
        assert_eq!(
            describe("business_capability_update", None, &caps),
            "max daily conversations per business 2000, max phone numbers per waba 25"
        );
        assert_eq!(
            describe("account_review_update", None, &json!({})),
            "account review update"
        );
    }
}
