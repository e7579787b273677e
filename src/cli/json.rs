//! One shape for every `--json` output, errors included. The engine's types travel the client
//! socket as they are (unix seconds, bare digits, Rust's `Result`); a script reading `--json`
//! gets them shaped once, here: times in RFC 3339 UTC, phone numbers in E.164 with `+`, no
//! `{"Ok": …}` wrappers, and a failure as `{"error": {"code", "message"}}` on stderr (stdout
//! carries only the data a script asked for; the exit status says which it got).

use serde_json::{Map, Value, json};
use std::io::Write;

/// Prints a value as one pretty JSON document, shaped.
pub fn print(value: Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(&shape(value))?;
    super::output::write_out(format_args!("{text}\n"));
    Ok(())
}

/// Prints a value as one compact line (the event streams of `connect meta|kapso`), shaped.
pub fn print_line(value: Value) -> anyhow::Result<()> {
    let text = serde_json::to_string(&shape(value))?;
    super::output::write_out(format_args!("{text}\n"));
    std::io::stdout().flush()?;
    Ok(())
}

/// Fields holding a business number (the customer's `wa_id` is WhatsApp's id, digits as Meta
/// sends them, and stays so).
const PHONE_FIELDS: &[&str] = &["display_phone", "phone", "reconnect", "number"];

/// Fields holding a list of business numbers (a queue's, a sequence's).
const PHONE_LIST_FIELDS: &[&str] = &["numbers"];

fn is_time_field(key: &str) -> bool {
    key == "at"
        || key == "until"
        || key == "last_activity"
        || key.ends_with("_at")
        || key.ends_with("_until")
}

/// The shape every `--json` output has (see the module's comment). Pure, for the tests.
pub fn shape(value: Value) -> Value {
    match value {
        Value::Object(map) => shape_object(map),
        Value::Array(items) => Value::Array(items.into_iter().map(shape).collect()),
        other => other,
    }
}

fn shape_object(map: Map<String, Value>) -> Value {
    // Rust's `Result` as serde writes it: `{"ok": true, "detail"}` or `{"ok": false, "error"}`.
    if map.len() == 1 {
        if let Some(ok) = map.get("Ok") {
            return json!({"ok": true, "detail": shape(ok.clone())});
        }
        if let Some(err) = map.get("Err") {
            return json!({"ok": false, "error": shape(err.clone())});
        }
    }
    map.into_iter()
        .map(|(key, value)| {
            let value = match value {
                Value::Number(n) if is_time_field(&key) => match n.as_i64() {
                    // 0 stands for "never" where the engine stores expiries.
                    Some(0) => Value::Null,
                    Some(secs) => Value::String(crate::domain::time::rfc3339(secs)),
                    None => Value::Number(n),
                },
                Value::String(s) if PHONE_FIELDS.contains(&key.as_str()) => Value::String(e164(&s)),
                Value::Array(items) if PHONE_LIST_FIELDS.contains(&key.as_str()) => Value::Array(
                    items
                        .into_iter()
                        .map(|i| match i {
                            Value::String(s) => Value::String(e164(&s)),
                            other => shape(other),
                        })
                        .collect(),
                ),
                other => shape(other),
            };
            (key, value)
        })
        .collect::<Map<_, _>>()
        .into()
}

/// `15550783881` → `+15550783881`; anything not all digits (already `+…`, empty) unchanged.
fn e164(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{s}")
    } else {
        s.to_string()
    }
}

/// A failure a command knows the kind of, so that `--json` can name it (`code`).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CodedError {
    pub code: &'static str,
    pub message: String,
}

impl CodedError {
    /// An `anyhow::Error` holding this kind of failure (what commands return).
    pub fn error(code: &'static str, message: impl Into<String>) -> anyhow::Error {
        CodedError {
            code,
            message: message.into(),
        }
        .into()
    }
}

/// The code of an error: the command's own when it said one, else what the chain holds.
///
/// `usage` (malformed flags, exit 2), the engine's own code when it said no (`no_conversation`),
/// `io` (a file or the socket could not be used), `failed` (anything else).
pub fn error_code(e: &anyhow::Error) -> String {
    for cause in e.chain() {
        if let Some(c) = cause.downcast_ref::<CodedError>() {
            return c.code.to_string();
        }
        if let Some(refusal) = cause.downcast_ref::<crate::protocol::ApiError>() {
            return refusal.code_name();
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return "io".to_string();
        }
    }
    "failed".to_string()
}

/// `{"error": {"code", "message"}}` for an error (the message exactly as the human line has it).
pub fn error_object(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

/// Whether the command line asks for `--json` (read before clap, so that a malformed command
/// line with `--json` fails in JSON too). After `--`, `--json` is a value, not the flag.
pub fn requested<I: IntoIterator<Item = std::ffi::OsString>>(args: I) -> bool {
    args.into_iter()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

/// Prints an error the way `--json` promises: on stderr, as one JSON object on one line.
pub fn print_error(code: &str, message: &str) {
    std::eprintln!("{}", error_object(code, message));
}

/// A coexistence number's history and contacts requests, one object each, instead of
/// `[["history", {"Ok": id}]]`.
pub fn history_requests(requests: &[(crate::protocol::SmbData, Result<String, String>)]) -> Value {
    Value::Array(
        requests
            .iter()
            .map(|(kind, r)| match r {
                Ok(id) => json!({"kind": kind.as_str(), "requested": true, "request_id": id}),
                Err(e) => json!({"kind": kind.as_str(), "requested": false, "error": e}),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_in_time_fields_become_rfc3339_and_zero_means_never() {
        let v = shape(json!({"created_at": 1_780_000_000, "token_expires_at": 0,
                             "at": 1_780_000_000, "snoozed_until": 1_780_000_000, "count": 5}));
        assert_eq!(v["created_at"], "2026-05-28T20:26:40Z");
        assert_eq!(v["at"], "2026-05-28T20:26:40Z");
        assert_eq!(v["snoozed_until"], "2026-05-28T20:26:40Z");
        assert_eq!(v["token_expires_at"], Value::Null);
        assert_eq!(v["count"], 5);
    }

    #[test]
    fn business_numbers_get_their_plus_and_counts_stay_numbers() {
        let v = shape(
            json!({"display_phone": "15550783881", "numbers": ["5215512345678"],
                             "nested": [{"display_phone": "+591700"}], "tenants": {"numbers": 2},
                             "contact": {"wa_id": "59170001031"}}),
        );
        assert_eq!(v["display_phone"], "+15550783881");
        assert_eq!(v["numbers"], json!(["+5215512345678"]));
        assert_eq!(v["nested"][0]["display_phone"], "+591700");
        assert_eq!(v["tenants"]["numbers"], 2);
        assert_eq!(v["contact"]["wa_id"], "59170001031");
        // A broadcast's sending number; a number given whole (an object) is left to its fields.
        let v = shape(
            json!({"number": "15550783881", "last_activity": 1_796_599_215,
                             "row": {"number": {"display_phone": "15550783881"}}}),
        );
        assert_eq!(v["number"], "+15550783881");
        assert_eq!(v["last_activity"], "2026-12-06T23:20:15Z");
        assert_eq!(v["row"]["number"]["display_phone"], "+15550783881");
    }

    #[test]
    fn rust_results_lose_their_wrappers() {
        let v = shape(json!({"handshake": {"Ok": "answered"}, "other": {"Err": "no"}}));
        assert_eq!(
            v,
            json!({"handshake": {"ok": true, "detail": "answered"},
                   "other": {"ok": false, "error": "no"}})
        );
        let h = history_requests(&[
            (crate::protocol::SmbData::History, Ok("r1".into())),
            (
                crate::protocol::SmbData::SmbAppStateSync,
                Err("refused".into()),
            ),
        ]);
        assert_eq!(
            h[0],
            json!({"kind": "history", "requested": true, "request_id": "r1"})
        );
        assert_eq!(h[1]["error"], "refused");
    }

    #[test]
    fn json_is_asked_by_the_flag_not_by_a_value_after_dashdash() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(requested(args(&["wabox", "tenants", "list", "--json"])));
        assert!(!requested(args(&["wabox", "note", "1", "--", "--json"])));
        assert!(!requested(args(&["wabox", "send", "--text=--json"])));
    }

    #[test]
    fn errors_are_named_by_their_kind() {
        let refused: anyhow::Error =
            crate::protocol::ApiError::from(crate::protocol::ErrorCode::NoConversation {
                conversation: 9,
            })
            .into();
        assert_eq!(error_code(&refused), "no_conversation");
        assert_eq!(
            error_code(&refused.context("reading conversation 9")),
            "no_conversation"
        );
        assert_eq!(
            error_code(&CodedError::error("file_type_mismatch", "x")),
            "file_type_mismatch"
        );
        assert_eq!(error_code(&anyhow::anyhow!("plain")), "failed");
        assert_eq!(
            error_object("refused", "no")["error"]["message"],
            json!("no")
        );
    }
}
