//! What a customer filled in a WhatsApp Flow (an `nfm_reply`): its fields, in the order the
//! customer's reply lists them, for agents to read.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One answer of a completed Flow: the field's name as the Flow defines it, and its value as
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    pub name: String,
    pub value: String,
}

/// The Flow's own token: it identifies the Flow session to the business's backend and means
/// nothing to an agent, so it is never shown.
const HIDDEN_FIELDS: &[&str] = &["flow_token"];

/// The fields of an `nfm_reply.response_json` (a JSON object in a string). Anything else (not
/// JSON, not an object) gives no fields: the reply is still shown by its body.
pub fn fields_of_response(response_json: &str) -> Vec<FormField> {
    let Ok(OrderedObject(entries)) = serde_json::from_str::<OrderedObject>(response_json) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter(|(name, _)| !HIDDEN_FIELDS.contains(&name.as_str()))
        .map(|(name, value)| FormField {
            name,
            value: shown_value(&value),
        })
        .collect()
}

/// The fields of an `interactive` object whose type is `nfm_reply`; none for any other.
pub fn fields_of_interactive(interactive: &Value) -> Option<Vec<FormField>> {
    let reply = interactive.get("nfm_reply")?;
    let response = reply.get("response_json")?.as_str()?;
    Some(fields_of_response(response))
}

/// A value as one line: text as it is, numbers and booleans as written, lists joined, a file
/// (Flows' photo and document pickers) by its name, any other object as compact JSON.
fn shown_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) => items.iter().map(shown_value).collect::<Vec<_>>().join(", "),
        Value::Object(o) => match o.get("file_name").and_then(Value::as_str) {
            Some(name) => name.to_string(),
            None => value.to_string(),
        },
    }
}

/// A JSON object read with its keys in the order they were written (`serde_json`'s own map
/// sorts them, which would shuffle the Flow's questions).
struct OrderedObject(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for OrderedObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OrderedObject;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedObject, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    entries.push((k, v));
                }
                Ok(OrderedObject(entries))
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(fields: &[FormField]) -> Vec<(&str, &str)> {
        fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect()
    }

    #[test]
    fn fields_keep_the_customers_order_and_hide_the_flow_token() {
        let fields = fields_of_response(
            r#"{"size":"M","flow_token":"tok-123","quantity":2,"gift":true,"colour":"blue"}"#,
        );
        assert_eq!(
            pairs(&fields),
            [
                ("size", "M"),
                ("quantity", "2"),
                ("gift", "true"),
                ("colour", "blue")
            ]
        );
    }

    #[test]
    fn lists_are_joined_and_files_named() {
        let fields = fields_of_response(
            r#"{"toppings":["cheese","olives"],"receipt":[{"file_name":"ticket.jpg","media_id":"9"}]}"#,
        );
        assert_eq!(
            pairs(&fields),
            [("toppings", "cheese, olives"), ("receipt", "ticket.jpg")]
        );
    }

    #[test]
    fn a_response_that_is_not_an_object_gives_no_fields() {
        assert!(fields_of_response("not json").is_empty());
        assert!(fields_of_response("[1,2]").is_empty());
        assert!(fields_of_response(r#"{"flow_token":"t"}"#).is_empty());
    }

    #[test]
    fn only_nfm_replies_have_fields() {
        let flow = json!({"type":"nfm_reply","nfm_reply":{"name":"flow","body":"Sent",
                          "response_json":"{\"name\":\"Rosa\"}"}});
        assert_eq!(
            pairs(&fields_of_interactive(&flow).unwrap()),
            [("name", "Rosa")]
        );
        let button = json!({"type":"button_reply","button_reply":{"id":"a","title":"Yes"}});
        assert_eq!(fields_of_interactive(&button), None);
    }
}
