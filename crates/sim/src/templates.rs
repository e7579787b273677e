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
        // Media headers take their content at send time; Meta refuses a send without it.
        json!({"id": "710000000000009", "name": "summer_sale", "language": "en_US", "status": "APPROVED",
               "category": "MARKETING", "parameter_format": "POSITIONAL",
               "components": [
                   {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2UvanBlZw==:SIMHANDLE1"]}},
                   {"type": "BODY", "text": "Hi {{1}}, our summer sale starts today: 30% off everything.",
                    "example": {"body_text": [["Ana"]]}},
                   {"type": "FOOTER", "text": "Reply STOP to opt out"}]}),
        json!({"id": "710000000000010", "name": "invoice_ready", "language": "en_US", "status": "APPROVED",
               "category": "UTILITY", "parameter_format": "POSITIONAL",
               "components": [
                   {"type": "HEADER", "format": "DOCUMENT", "example": {"header_handle": ["4::YXBwbGljYXRpb24vcGRm:SIMHANDLE2"]}},
                   {"type": "BODY", "text": "Hi {{1}}, your invoice {{2}} is attached.",
                    "example": {"body_text": [["Ana", "F-1093"]]}}]}),
        json!({"id": "710000000000011", "name": "product_tour", "language": "en_US", "status": "APPROVED",
               "category": "MARKETING", "parameter_format": "POSITIONAL",
               "components": [
                   {"type": "HEADER", "format": "VIDEO", "example": {"header_handle": ["4::dmlkZW8vbXA0:SIMHANDLE3"]}},
                   {"type": "BODY", "text": "A minute with our new collection."}]}),
        json!({"id": "710000000000012", "name": "nueva_tienda", "language": "es", "status": "APPROVED",
               "category": "MARKETING", "parameter_format": "NAMED",
               "components": [
                   {"type": "HEADER", "format": "LOCATION"},
                   {"type": "BODY", "text": "¡Hola {{customer_name}}! Abrimos una tienda nueva: te esperamos aquí.",
                    "example": {"body_text_named_params": [{"param_name": "customer_name", "example": "Ana"}]}}]}),
    ]
}

/// A HEADER component's `format` when it takes an image, video, document or location.
fn media_header(component: &Value) -> Option<String> {
    let format = component.get("format").and_then(Value::as_str)?;
    matches!(format, "IMAGE" | "VIDEO" | "DOCUMENT" | "LOCATION").then(|| format.to_lowercase())
}

/// Validates a template send the way Meta does; the text the simulator records.
/// The catalogue's category of the template a send names (MARKETING, UTILITY...).
pub fn category_of_send(v: &Value) -> Option<String> {
    let name = v.pointer("/template/name")?;
    let lang = v.pointer("/template/language/code")?;
    catalogue()
        .into_iter()
        .find(|t| &t["name"] == name && &t["language"] == lang)
        .and_then(|t| t["category"].as_str().map(str::to_string))
}

pub fn check_send(v: &Value) -> Result<String, (i64, String)> {
    let missing = |what: &str| {
        (
            131008,
            format!("(#131008) Required parameter is missing: {what}"),
        )
    };
    let name = v
        .pointer("/template/name")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("template.name"))?;
    let lang = v
        .pointer("/template/language/code")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("template.language.code"))?;
    let all = catalogue();
    let Some(t) = all
        .iter()
        .find(|t| t["name"] == name && t["language"] == lang)
    else {
        return Err((
            132001,
            format!("(#132001) Template name does not exist in the translation: {name} ({lang})"),
        ));
    };
    match t["status"].as_str() {
        Some("APPROVED") => {}
        Some("PAUSED") => return Err((132015, "(#132015) Template is paused".into())),
        Some("DISABLED") => return Err((132016, "(#132016) Template is disabled".into())),
        _ => {
            return Err((
                132001,
                format!("(#132001) Template {name} ({lang}) is not approved"),
            ));
        }
    }
    let components: Vec<&Value> = v
        .pointer("/template/components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let expected: usize = expected_parameters(t).iter().map(|(_, n)| n).sum();
    let given: usize = components
        .iter()
        .map(|c| {
            c.get("parameters")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        })
        .sum();
    if expected != given {
        return Err((
            132000,
            format!(
                "(#132000) Number of parameters does not match the expected number of params: expected {expected}, got {given}"
            ),
        ));
    }
    let wanted = t["components"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "HEADER")
        .and_then(media_header);
    if let Some(wanted) = wanted {
        let param = components
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some("header"))
            .and_then(|c| c.pointer("/parameters/0"));
        let Some(param) = param.filter(|p| p["type"] == wanted.as_str()) else {
            return Err((
                132012,
                format!(
                    "(#132012) Parameter format does not match format in the created template: the header takes {wanted}"
                ),
            ));
        };
        let object = param.get(&wanted).ok_or_else(|| missing(&wanted))?;
        let complete = if wanted == "location" {
            object.get("latitude").is_some() && object.get("longitude").is_some()
        } else {
            object.get("id").is_some() || object.get("link").is_some()
        };
        if !complete {
            return Err(missing(&format!("header {wanted}")));
        }
    }
    Ok(format!("template:{name}"))
}

/// The media id a template send's header names, if any.
pub fn header_media_id(v: &Value) -> Option<String> {
    v.pointer("/template/components")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("header"))?
        .pointer("/parameters/0")
        .and_then(|p| {
            let kind = p.get("type")?.as_str()?;
            p.get(kind)?.get("id")?.as_str().map(str::to_string)
        })
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
        if kind == "HEADER" && media_header(c).is_some() {
            out.push((kind, 1));
        } else if kind == "BUTTONS" {
            for b in c
                .get("buttons")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let url = b.get("url").and_then(Value::as_str).unwrap_or_default();
                let n = wabox_domain::template::placeholders(url).len();
                if n > 0 {
                    out.push(("BUTTON".into(), n));
                }
            }
        } else if let Some(text) = c.get("text").and_then(Value::as_str) {
            let n = wabox_domain::template::placeholders(text).len();
            if n > 0 {
                out.push((kind, n));
            }
        }
    }
    out
}
