//! Newtypes for the identifiers Meta gives us, so that a `wa_id` can never be passed as a `wamid`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! meta_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as Meta spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }
    };
}

meta_id!(
    /// Meta's id of a business phone number (`metadata.phone_number_id`); wabox never invents one.
    PhoneNumberId
);
meta_id!(
    /// A WhatsApp Business Account id (`entry[].id`).
    WabaId
);
meta_id!(
    /// A WhatsApp message id (`wamid.…`), unique across Meta.
    Wamid
);
meta_id!(
    /// A customer's WhatsApp id: their phone number as Meta normalised it.
    WaId
);
meta_id!(
    /// A business-scoped user id (`US.1349…`), sent when the customer hides their phone number.
    Bsuid
);

/// An id that wabox puts in a URL path was not of a shape any id has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} {shown:?} is not an id wabox can ask about: ids are 1 to 128 letters, digits, `_` or `-`"
)]
pub struct UnsafeId {
    what: &'static str,
    shown: String,
}

/// Every id that becomes a segment of a Graph or Kapso URL (phone number, WABA, media, template,
/// business ids, Kapso's UUIDs) has this shape: letters, digits, `_` and `-`, 1 to 128 of them.
/// Meta's own are digits; the rule is wider so an id Meta starts spelling differently still
/// works, and narrow enough that no `/`, `.`, `?`, `%` or `#` can move the request elsewhere
/// (`../../../v9/secret` is refused before any URL is built, whatever encoding follows).
pub fn check_url_id(what: &'static str, id: &str) -> Result<(), UnsafeId> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(UnsafeId {
            what,
            shown: super::text::visible_line(id).chars().take(80).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_urls_are_letters_digits_and_dashes() {
        for good in [
            "1318275649263411",
            "106540352242922",
            "3f9a0c2e-7d41-4b8e-9f00-1a2b3c4d5e6f",
            "a_b",
        ] {
            assert!(check_url_id("media id", good).is_ok(), "{good}");
        }
        for bad in [
            "../../../v9/secret",
            "",
            "..",
            "1?x=1",
            "1#x",
            "1%2F",
            "a/b",
            "1 2",
            "wamid.x",
            &"1".repeat(129),
        ] {
            assert!(check_url_id("media id", bad).is_err(), "{bad:?}");
        }
    }
}
