//! The simulator's templates: approved, pending, rejected and paused; positional and named
//! parameters; headers and buttons; Spanish and English.

use serde_json::{Value, json};

/// Every template of a simulated WABA, in the Graph API's `message_templates` shape.
pub fn catalogue() -> Vec<Value> {
    vec![
        json!({"id": "710000000000001", "name": "order_update", "language": "en_US", "status": "APPROVED",
               "category": "UTILITY", "parameter_format": "POSITIONAL",
               "components": [
                   {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#4471"]}},
                   {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships on {{3}}.",
                    "example": {"body_text": [["Ana", "#4471", "Tuesday"]]}},
                   {"type": "FOOTER", "text": "Reply STOP to opt out"},
                   {"type": "BUTTONS", "buttons": [
                       {"type": "URL", "text": "Track", "url": "https://shop.example/track/{{1}}", "example": ["https://shop.example/track/4471"]},
                       {"type": "QUICK_REPLY", "text": "Talk to us"}]}]}),
        json!({"id": "710000000000002", "name": "actualizacion_pedido", "language": "es", "status": "APPROVED",
               "category": "UTILITY", "parameter_format": "POSITIONAL",
               "components": [
                   {"type": "BODY", "text": "Hola {{1}}, tu pedido {{2}} sale el {{3}}.",
                    "example": {"body_text": [["Ana", "#4471", "martes"]]}}]}),
        json!({"id": "710000000000003", "name": "welcome_back", "language": "en_US", "status": "APPROVED",
               "category": "MARKETING", "parameter_format": "NAMED",
               "components": [
                   {"type": "BODY", "text": "Welcome back, {{customer_name}}! Use code {{code}} for 10% off.",
                    "example": {"body_text_named_params": [{"param_name": "customer_name", "example": "Ana"}, {"param_name": "code", "example": "HELLO10"}]}},
                   {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Show me"}]}]}),
        json!({"id": "710000000000004", "name": "bienvenida", "language": "es", "status": "APPROVED",
               "category": "MARKETING", "parameter_format": "NAMED",
               "components": [
                   {"type": "BODY", "text": "¡Hola {{customer_name}}! ¿Seguimos con tu consulta?",
                    "example": {"body_text_named_params": [{"param_name": "customer_name", "example": "Ana"}]}}]}),
        json!({"id": "710000000000005", "name": "follow_up", "language": "en_US", "status": "APPROVED",
               "category": "UTILITY", "parameter_format": "POSITIONAL",
               "components": [{"type": "BODY", "text": "Hi! Are you still there? Reply to continue our conversation."}]}),
        json!({"id": "710000000000006", "name": "spring_sale", "language": "en_US", "status": "PENDING",
               "category": "MARKETING", "parameter_format": "POSITIONAL",
               "components": [{"type": "BODY", "text": "Spring sale: {{1}} off everything!"}]}),
        json!({"id": "710000000000007", "name": "cobranza", "language": "es", "status": "REJECTED",
               "category": "UTILITY", "parameter_format": "POSITIONAL", "rejected_reason": "INVALID_FORMAT",
               "components": [{"type": "BODY", "text": "Debe {{1}}."}]}),
        json!({"id": "710000000000008", "name": "flash_deal", "language": "en_US", "status": "PAUSED",
               "category": "MARKETING", "parameter_format": "POSITIONAL",
               "components": [{"type": "BODY", "text": "Only today: {{1}}"}]}),
    ]
}

/// The placeholders a template's components hold, by component type (`HEADER`, `BODY`, `BUTTON`).
pub fn expected_parameters(template: &Value) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for c in template
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = c
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if kind == "BUTTONS" {
            for b in c
                .get("buttons")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let url = b.get("url").and_then(Value::as_str).unwrap_or_default();
                let n = crate::domain::template::placeholders(url).len();
                if n > 0 {
                    out.push(("BUTTON".into(), n));
                }
            }
        } else if let Some(text) = c.get("text").and_then(Value::as_str) {
            let n = crate::domain::template::placeholders(text).len();
            if n > 0 {
                out.push((kind, n));
            }
        }
    }
    out
}
