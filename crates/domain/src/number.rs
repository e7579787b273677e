//! Business numbers and tenants: how they are connected, and what a valid identifier looks like.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a number is connected to the Cloud API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// The WhatsApp Business phone app keeps working on the same number (20 messages/s).
    Coexistence,
    /// API only.
    Dedicated,
}

impl ConnectionKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ConnectionKind::Coexistence => "coexistence",
            ConnectionKind::Dedicated => "dedicated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "coexistence" => Some(ConnectionKind::Coexistence),
            "dedicated" => Some(ConnectionKind::Dedicated),
            _ => None,
        }
    }
}

impl fmt::Display for ConnectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Meta's numeric ids (phone number ids, WABA ids) are all digits; anything else was typed wrong
/// or invented, and an invented id is how numbers end up receiving nothing.
pub fn check_meta_id(what: &str, id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{what} {id:?} is not a Meta id: it must be the digits Meta shows in WhatsApp Manager"
        ));
    }
    Ok(())
}

/// Whether what a user typed names this number: Meta's phone number id, or its display number
/// in any usual form (`+1 555-078 3881`, `15550783881`), as the tables show it.
pub fn names_number(reference: &str, phone_number_id: &str, display_phone: &str) -> bool {
    let reference = reference.trim();
    reference == phone_number_id
        || normalize_display_phone(reference).is_ok_and(|digits| digits == display_phone)
}

/// A display number is stored as digits (`+1 555-078 3881` → `15550783881`), as webhooks carry it.
pub fn normalize_display_phone(raw: &str) -> Result<String, String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let allowed = raw
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if !allowed || !(6..=15).contains(&digits.len()) {
        return Err(format!(
            "display phone {raw:?} is not a phone number in international form, e.g. +15550783881"
        ));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_ids_are_digits() {
        assert!(check_meta_id("phone number id", "106540352242922").is_ok());
        assert!(check_meta_id("phone number id", "wsp-3f9a").is_err());
        assert!(check_meta_id("phone number id", "").is_err());
    }

    #[test]
    fn display_phones_are_kept_as_digits() {
        assert_eq!(
            normalize_display_phone("+1 555-078 3881").unwrap(),
            "15550783881"
        );
        assert!(normalize_display_phone("call me").is_err());
        assert!(normalize_display_phone("+12").is_err());
    }
}

/// Whether a number works, in one word for lists: `inactive` (switched off, e.g. by a
/// connections file), `disconnected` (no token, or its token expired by Meta's last word: it
/// receives but cannot send), else `active`. `token_expires_at`: unix seconds, 0 = never.
pub fn number_status(
    active: bool,
    has_token: bool,
    token_expires_at: Option<i64>,
    now: i64,
) -> NumberStatus {
    if !active {
        NumberStatus::Inactive
    } else if !has_token || token_expires_at.is_some_and(|t| t > 0 && t <= now) {
        NumberStatus::Disconnected
    } else {
        NumberStatus::Active
    }
}

crate::words! {
    /// Whether a number works (`number_status`).
    pub enum NumberStatus {
        Active = "active",
        /// Switched off (e.g. by a connections file).
        Inactive = "inactive",
        /// No working token: it receives but cannot send.
        Disconnected = "disconnected",
    }
}

#[cfg(test)]
mod status_tests {
    use super::number_status;

    #[test]
    fn a_number_is_active_inactive_or_disconnected() {
        assert_eq!(number_status(true, true, None, 100).as_str(), "active");
        assert_eq!(number_status(true, true, Some(0), 100).as_str(), "active");
        assert_eq!(
            number_status(true, true, Some(50), 100).as_str(),
            "disconnected"
        );
        assert_eq!(
            number_status(true, false, None, 100).as_str(),
            "disconnected"
        );
        assert_eq!(number_status(false, true, None, 100).as_str(), "inactive");
    }

    #[test]
    fn a_number_is_named_by_its_id_or_its_display_number_in_any_usual_form() {
        for typed in [
            "106540352242922",
            " 106540352242922 ",
            "15550783881",
            "+15550783881",
            "+1 555-078 3881",
        ] {
            assert!(
                super::names_number(typed, "106540352242922", "15550783881"),
                "{typed}"
            );
        }
        for typed in ["", "+", "1555078388", "x15550783881", "10654035224292"] {
            assert!(
                !super::names_number(typed, "106540352242922", "15550783881"),
                "{typed}"
            );
        }
    }
}
