//! The keys a delivery is filed under, read without parsing the delivery: the account of its
//! first change's entry and that change's `value.metadata.phone_number_id`, the same keys
//! `delivery::parse_delivery` gives its first change.
//!
//! Why apart from the parse: on PostgreSQL an engine journals a delivery under its partition
//! (its tenant's, found from these keys) and answers Meta, and the partition's owner parses and
//! applies it later. Building the whole delivery (every message as a JSON tree, then as structs)
//! only to read two ids was a sixth of the handler threads' time (`perf`, a burst on three
//! engines); here the rest of the body is skimmed, not built.

use crate::delivery::{id_string, parse_delivery};
use serde::Deserialize;
use serde_json::Value;

/// Where a delivery goes: both `None` when it names neither (or will not parse).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    pub waba_id: Option<String>,
    pub phone_number_id: Option<String>,
}

/// The delivery's route, as its first change names it.
///
/// A body the skim cannot read as the shape it expects (a field of another type, a key given
/// twice) is parsed in full instead, so the answer never differs from the parse's for a
/// delivery the parse accepts. One the parse refuses is still filed under the number its first
/// change names, when it names one; its owner marks it invalid.
pub fn route_of(body: &[u8]) -> Route {
    match serde_json::from_slice::<Body>(body) {
        Ok(skimmed) => skimmed.route(),
        Err(_) => parsed_route(body),
    }
}

/// The route `parse_delivery` gives: its first change's keys.
pub fn parsed_route(body: &[u8]) -> Route {
    let delivery = parse_delivery(body).ok();
    let first = delivery.as_ref().and_then(|d| d.changes.first());
    Route {
        waba_id: first.map(|c| c.waba_id.0.clone()),
        phone_number_id: first.and_then(|c| c.phone_number_id.as_ref().map(|p| p.0.clone())),
    }
}

#[derive(Deserialize)]
struct Body {
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    value: Option<ChangeValue>,
}

/// A change's `value`, read only as an object: serde's derived structs also take an array (the
/// fields in order), where the parse finds no `metadata` in an array at all. Only `metadata`
/// is kept, as a tree (it is small); the last of keys given twice wins, as in the parse.
struct ChangeValue {
    metadata: Option<Value>,
}

impl<'de> Deserialize<'de> for ChangeValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = ChangeValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ChangeValue, A::Error> {
                let mut metadata = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "metadata" {
                        metadata = Some(map.next_value::<Value>()?);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(ChangeValue { metadata })
            }
        }
        d.deserialize_map(Fields)
    }
}

impl Body {
    fn route(self) -> Route {
        // The first change is in the first entry that has one, as in the parse.
        let Some((entry, change)) = self
            .entry
            .into_iter()
            .find_map(|e| e.changes.into_iter().next().map(|c| (e.id, c)))
        else {
            return Route::default();
        };
        let waba_id = match entry {
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        // `get` finds nothing in a metadata that is not an object, as in the parse.
        let phone_number_id = change
            .value
            .and_then(|v| v.metadata)
            .and_then(|m| m.get("phone_number_id").and_then(id_string));
        Route {
            waba_id,
            phone_number_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fixture of the project's own: the skim and the parse agree.
    #[test]
    fn the_skim_files_each_fixture_where_the_parse_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        let mut seen = 0;
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let body = std::fs::read(&path).unwrap();
                if parse_delivery(&body).is_ok() {
                    assert_eq!(route_of(&body), parsed_route(&body), "{}", path.display());
                    seen += 1;
                }
            }
        }
        assert!(
            seen >= 20,
            "only {seen} fixtures parsed in {}",
            dir.display()
        );
    }

    fn change(metadata: &str) -> String {
        format!(
            r#"{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{metadata},"messages":[]}}}}"#
        )
    }

    #[test]
    fn the_skim_agrees_with_the_parse_at_the_edges() {
        let phone = change(r#"{"display_phone_number":"15550001","phone_number_id":"111"}"#);
        let bodies = [
            // The first entry has no change: the first change is the second entry's.
            format!(r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[]}},{{"id":"2","changes":[{phone}]}}]}}"#),
            // Ids as numbers.
            format!(r#"{{"entry":[{{"id":42,"changes":[{}]}}]}}"#, change(r#"{"phone_number_id":777}"#)),
            // An empty number id names no number.
            format!(r#"{{"entry":[{{"id":"9","changes":[{}]}}]}}"#, change(r#"{"phone_number_id":""}"#)),
            // No metadata (an account-level field).
            r#"{"entry":[{"id":"9","changes":[{"field":"account_update","value":{"event":"X"}}]}]}"#.to_string(),
            // A key given twice: the parse keeps the last, and so does the answer.
            format!(r#"{{"entry":[{{"id":"1","id":"3","changes":[{phone}]}}]}}"#),
            // A metadata of another type.
            format!(r#"{{"entry":[{{"id":"1","changes":[{}]}}]}}"#, change(r#""111""#)),
            // Nothing at all.
            r#"{"entry":[]}"#.to_string(),
            // A value and a metadata that are arrays hold no metadata and no number id.
            r#"{"entry":[{"id":"1","changes":[{"field":"messages","value":[{"phone_number_id":"111"}]}]}]}"#.to_string(),
            format!(r#"{{"entry":[{{"id":"1","changes":[{}]}}]}}"#, change(r#"["111"]"#)),
            // Metadata given twice: the last counts.
            r#"{"entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"metadata":{"phone_number_id":"2"}}}]}]}"#.to_string(),
        ];
        for body in &bodies {
            assert!(parse_delivery(body.as_bytes()).is_ok(), "{body}");
            assert_eq!(
                route_of(body.as_bytes()),
                parsed_route(body.as_bytes()),
                "{body}"
            );
        }
        let duplicated = route_of(bodies[4].as_bytes());
        assert_eq!(duplicated.waba_id.as_deref(), Some("3"));
        assert_eq!(route_of(bodies[7].as_bytes()).phone_number_id, None);
        assert_eq!(route_of(bodies[8].as_bytes()).phone_number_id, None);
        assert_eq!(
            route_of(bodies[9].as_bytes()).phone_number_id.as_deref(),
            Some("2")
        );
        assert_eq!(
            route_of(bodies[1].as_bytes()).phone_number_id.as_deref(),
            Some("777")
        );
    }

    #[test]
    fn what_the_parse_refuses_is_filed_under_the_number_it_names_or_nowhere() {
        // A message without an id: the parse refuses the delivery, the skim still reads its keys.
        let refused = r#"{"entry":[{"id":"5","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"55"},"messages":[{"from":"1","type":"text"}]}}]}]}"#;
        assert!(parse_delivery(refused.as_bytes()).is_err());
        assert_eq!(
            route_of(refused.as_bytes()),
            Route {
                waba_id: Some("5".into()),
                phone_number_id: Some("55".into())
            }
        );
        for broken in [
            "",
            "not json",
            "[]",
            r#"{"entry":{}}"#,
            r#"{"entry":[{"changes":"x"}]}"#,
        ] {
            assert_eq!(route_of(broken.as_bytes()), Route::default(), "{broken}");
        }
    }
}
