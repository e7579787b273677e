//! What the demo's engine tells its wizard about the simulated Cloud API.

use serde::{Deserialize, Serialize};
use wabox_secret::Secret;

/// A number of the demo's simulator, with the token the simulator accepts for it, so that the
/// wizard's by-hand paths can be completed in the demo. The token is a credential of the
/// loopback simulator only (it opens nothing at Meta), which is why the demo may show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoNumber {
    /// The business's name (as Meta would show it).
    pub name: String,
    pub phone_number_id: String,
    pub waba_id: String,
    /// On the WhatsApp Business app (the "Business app number by hand" path), else dedicated
    /// (the "manual entry" path).
    pub coexistence: bool,
    pub token: Secret,
}
