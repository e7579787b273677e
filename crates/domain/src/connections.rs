//! `whatsapp-connections.json`, the file teams bring from their earlier setup: parsed and checked
//! before anything is stored. Pure: the store applies what this accepts.

use serde::Deserialize;
use std::collections::HashMap;

/// One connection as the file has it (`createdAt`/`updatedAt` in epoch milliseconds, or as
/// ISO 8601 / RFC 3339 strings, which some tools write).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionEntry {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
    pub phone_number_id: String,
    pub display_number: String,
    pub waba_id: String,
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub verify_token: Option<String>,
    #[serde(default = "active_by_default")]
    pub is_active: bool,
    #[serde(default, deserialize_with = "millis_or_iso")]
    pub created_at: Option<i64>,
    #[serde(default, deserialize_with = "millis_or_iso")]
    pub updated_at: Option<i64>,
    /// The Meta business owning the WABA (optional): business-level webhooks route by it.
    #[serde(default)]
    pub business_id: Option<String>,
}

fn active_by_default() -> bool {
    true
}

/// A time as epoch milliseconds, or an RFC 3339 string (`2024-10-27T03:33:20Z`) turned into them.
fn millis_or_iso<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum When {
        Millis(i64),
        Text(String),
    }
    match Option::<When>::deserialize(d)? {
        None => Ok(None),
        Some(When::Millis(ms)) => Ok(Some(ms)),
        Some(When::Text(text)) => {
            let at = time::OffsetDateTime::parse(
                text.trim(),
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "{text:?} is not a time: give epoch milliseconds or an ISO 8601 time such as 2024-10-27T03:33:20Z"
                ))
            })?;
            Ok(Some((at.unix_timestamp_nanos() / 1_000_000) as i64))
        }
    }
}

impl ConnectionEntry {
    /// How an entry is named in messages: its position and alias.
    pub fn label(&self, index: usize) -> String {
        match &self.alias {
            Some(a) if !a.trim().is_empty() => format!("entry {} ({:?})", index + 1, a.trim()),
            _ => format!("entry {}", index + 1),
        }
    }

    /// An id Meta issued (digits), not one a previous tool invented (`wsp-3f9a…`).
    pub fn has_meta_id(&self) -> bool {
        is_meta_id(&self.phone_number_id)
    }
}

/// Digits, 1 to 32 of them (Meta's ids are 15 to 17 today).
pub fn is_meta_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_digit())
}

/// The digits of a display number: `+1 (555) 078-3881` → `15550783881`.
pub fn display_digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// Parses and checks a connections file; the error names the line, the entry and the field.
pub fn parse(file_name: &str, text: &str) -> Result<Vec<ConnectionEntry>, String> {
    let entries: Vec<ConnectionEntry> = serde_json::from_str(text).map_err(|e| {
        format!("{file_name}: {e} (expected an array of connections with phoneNumberId, displayNumber and wabaId)")
    })?;
    for (i, e) in entries.iter().enumerate() {
        let field_error =
            |field: &str, why: &str| format!("{file_name}: {}: {field} {why}", e.label(i));
        let pnid = e.phone_number_id.trim();
        if pnid.is_empty() {
            return Err(field_error("phoneNumberId", "is empty"));
        }
        // Meta's ids are digits; an id an earlier tool invented (`wsp-3f9a…`) is kept with a
        // warning until Meta's replaces it, but only in a shape that cannot become a path.
        if !is_meta_id(pnid) && crate::ids::check_url_id("phoneNumberId", pnid).is_err() {
            return Err(field_error(
                "phoneNumberId",
                &format!(
                    "{:?} is not a phone number id: Meta's are digits (WhatsApp Manager → Phone numbers)",
                    crate::text::visible_line(pnid)
                ),
            ));
        }
        let digits = display_digits(&e.display_number);
        if !(8..=15).contains(&digits.len()) {
            return Err(field_error(
                "displayNumber",
                &format!(
                    "{:?} is not a phone number (8 to 15 digits)",
                    e.display_number
                ),
            ));
        }
        if !is_meta_id(e.waba_id.trim()) {
            return Err(field_error(
                "wabaId",
                &format!(
                    "{:?} is not a WhatsApp Business Account id (digits)",
                    e.waba_id
                ),
            ));
        }
        if let Some(b) = &e.business_id
            && !b.trim().is_empty()
            && !is_meta_id(b.trim())
        {
            return Err(field_error(
                "businessId",
                &format!(
                    "{:?} is not a Meta business id (digits, Business settings → Business info)",
                    crate::text::visible_line(b)
                ),
            ));
        }
    }
    // Each id's first entry, so a duplicate names both in one pass (a file may hold thousands).
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (j, b) in entries.iter().enumerate() {
        let pnid = b.phone_number_id.trim();
        if let Some(&i) = first.get(pnid) {
            return Err(format!(
                "{file_name}: {} and {} both have phoneNumberId {pnid}: keep one",
                entries[i].label(i),
                b.label(j),
            ));
        }
        first.insert(pnid, j);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"[
      {"id": "c1", "alias": "Ventas", "phoneNumberId": "106540352242922",
       "displayNumber": "+1 555-078-3881", "accessToken": "EAA-x", "verifyToken": "v",
       "wabaId": "104829357711032", "isActive": true, "createdAt": 1730000000000,
       "updatedAt": 1730000000000},
      {"alias": "Soporte", "phoneNumberId": "223344556677889",
       "displayNumber": "5215512345678", "wabaId": "118273645590011"}
    ]"#;

    #[test]
    fn a_good_file_parses_with_optional_fields_missing() {
        let entries = parse("c.json", GOOD).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries[1].is_active, "active unless it says otherwise");
        assert_eq!(entries[1].access_token, None);
        assert_eq!(display_digits(&entries[0].display_number), "15550783881");
    }

    #[test]
    fn times_are_epoch_milliseconds_or_iso_8601() {
        let iso = r#"[{"phoneNumberId": "1", "displayNumber": "15550783881", "wabaId": "2",
                       "createdAt": "2024-10-27T03:33:20Z", "updatedAt": "2024-10-27T05:33:20+02:00"}]"#;
        let e = &parse("c.json", iso).unwrap()[0];
        assert_eq!(e.created_at, Some(1_730_000_000_000));
        assert_eq!(e.updated_at, Some(1_730_000_000_000));
        let bad = r#"[{"phoneNumberId": "1", "displayNumber": "15550783881", "wabaId": "2",
                       "createdAt": "last tuesday"}]"#;
        let err = parse("c.json", bad).unwrap_err();
        assert!(err.contains("\"last tuesday\" is not a time"), "{err}");
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line_and_field() {
        let missing = r#"[
          {"phoneNumberId": "1", "wabaId": "2"}
        ]"#;
        let err = parse("c.json", missing).unwrap_err();
        assert!(err.contains("displayNumber"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        let wrong_type = r#"[{"phoneNumberId": 106, "displayNumber": "1", "wabaId": "2"}]"#;
        let err = parse("c.json", wrong_type).unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        let bad_waba = r#"[{"alias": "X", "phoneNumberId": "1", "displayNumber": "15550783881", "wabaId": "waba"}]"#;
        let err = parse("c.json", bad_waba).unwrap_err();
        assert!(err.contains("entry 1 (\"X\"): wabaId"), "{err}");
        let bad_business = r#"[{"alias": "X", "phoneNumberId": "1", "displayNumber": "15550783881", "wabaId": "2", "businessId": "biz"}]"#;
        let err = parse("c.json", bad_business).unwrap_err();
        assert!(err.contains("entry 1 (\"X\"): businessId"), "{err}");
        let good = r#"[{"phoneNumberId": "1", "displayNumber": "15550783881", "wabaId": "2", "businessId": "3"}]"#;
        assert_eq!(
            parse("c.json", good).unwrap()[0].business_id.as_deref(),
            Some("3")
        );
    }

    #[test]
    fn a_duplicate_phone_number_id_names_both_entries() {
        let dup = r#"[
          {"alias": "A", "phoneNumberId": "106", "displayNumber": "15550783881", "wabaId": "1"},
          {"alias": "B", "phoneNumberId": "107", "displayNumber": "15550783882", "wabaId": "1"},
          {"alias": "C", "phoneNumberId": "106", "displayNumber": "15550783883", "wabaId": "1"}
        ]"#;
        let err = parse("c.json", dup).unwrap_err();
        assert!(err.contains("entry 1 (\"A\") and entry 3 (\"C\")"), "{err}");
    }

    #[test]
    fn a_phone_number_id_that_could_become_a_path_is_refused() {
        for bad in ["../../etc/passwd", "1/2", "1 2", "a\u{1b}[2J"] {
            let file = serde_json::json!([{"alias": "X", "phoneNumberId": bad,
                "displayNumber": "15550783881", "wabaId": "1"}])
            .to_string();
            let err = parse("c.json", &file).unwrap_err();
            assert!(err.contains("entry 1 (\"X\"): phoneNumberId"), "{err}");
            assert!(!err.contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn duplicates_among_many_entries_are_found_in_one_pass() {
        let mut many: Vec<serde_json::Value> = (0..20_000u64)
            .map(|n| {
                serde_json::json!({"phoneNumberId": (100_000_000_000_000 + n).to_string(),
                "displayNumber": "15550783881", "wabaId": "1"})
            })
            .collect();
        assert_eq!(
            parse("c.json", &serde_json::Value::from(many.clone()).to_string())
                .unwrap()
                .len(),
            20_000
        );
        many.push(many[7].clone());
        let err = parse("c.json", &serde_json::Value::from(many).to_string()).unwrap_err();
        assert!(err.contains("entry 8 and entry 20001"), "{err}");
    }

    #[test]
    fn invented_ids_are_told_apart_from_metas() {
        assert!(is_meta_id("106540352242922"));
        assert!(!is_meta_id("wsp-3f9a2c"));
    }
}
