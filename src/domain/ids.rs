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
