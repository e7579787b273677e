//! The Meta business (portfolio) behind each simulated WABA: `GET /{waba-id}` answers with its
//! `owner_business_info`, as the Graph API does for a token that reaches the WABA.

use super::Simulator;
use super::graph::graph_error;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The business that owns a simulated WABA: derived from the WABA id, so every test and the
/// engine agree on it without a table (`1048…` → `71048…`).
pub fn business_id_of(waba_id: &str) -> String {
    format!("7{waba_id}")
}

/// `GET /{waba-id}[?fields=…]`: the WABA's id, name and owner, or None when `id` is no WABA.
pub(super) fn waba_object(sim: &Simulator, id: &str, token: Option<&str>) -> Option<Response> {
    let numbers = sim.all_numbers();
    let in_waba: Vec<_> = numbers.iter().filter(|n| n.waba_id == id).collect();
    let first = in_waba.first()?;
    if !in_waba.iter().any(|n| token == Some(n.token.as_str())) {
        return Some(graph_error(
            401,
            190,
            "Error validating access token: the token does not reach this WhatsApp Business Account",
        ));
    }
    Some(
        axum::Json(json!({
            "id": id,
            "name": first.verified_name,
            "owner_business_info": {"id": business_id_of(id), "name": first.verified_name},
        }))
        .into_response(),
    )
}
