//! The sections of the config file that the rest of wabox reads as they are: the inbox's look,
//! key bindings, media downloads, the outbox's pace, and Kapso.

use serde::Deserialize;
use std::collections::BTreeMap;
use wabox_secret::Secret;

/// An entry of `[keys]`: an action's keys, or the `[keys.composer]` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum KeyEntry {
    Keys(KeyList),
    Table(BTreeMap<String, KeyList>),
}

/// One key or several for an action in `[keys]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn keys(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        }
    }
}

/// Who may read `GET /metrics` besides this machine (a scrape from loopback, not through a proxy).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// Addresses of Prometheus servers allowed to scrape from elsewhere: `["10.0.0.7"]`.
    pub allow: Vec<std::net::IpAddr>,
}

/// The inbox's look and manners.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UiSettings {
    /// `en` or `es`.
    pub language: String,
    /// Ring the terminal bell when a customer writes in a conversation the agent can see.
    pub bell: bool,
    /// Mouse capture: off by default, since over SSH it takes the terminal's own copy and paste.
    pub mouse: bool,
    /// Opens a downloaded file (default: `xdg-open`, or `open` on macOS).
    pub open_command: Option<String>,
    /// Canned replies, by name: `/name` in the composer.
    pub canned: BTreeMap<String, String>,
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings {
            language: "en".into(),
            bell: true,
            mouse: false,
            open_command: None,
            canned: BTreeMap::new(),
        }
    }
}

/// Marketing opt-outs: a customer who writes one of these words alone is opted out of
/// broadcasts and answered once, in the language of the word.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OptOutSettings {
    /// Per language (`en`, `es`, ...): the stop words, matched whole, case and accents ignored.
    pub words: BTreeMap<String, Vec<String>>,
    /// Per language: the answer to an opt-out (none for a language: no answer).
    pub replies: BTreeMap<String, String>,
}

impl Default for OptOutSettings {
    fn default() -> Self {
        let words = [
            ("en", vec!["STOP", "UNSUBSCRIBE"]),
            ("es", vec!["BAJA", "STOP"]),
        ];
        let replies = [
            (
                "en",
                "Done: you will not get our promotions any more. You can still write to us.",
            ),
            (
                "es",
                "Listo: ya no recibirás nuestras promociones. Puedes seguir escribiéndonos.",
            ),
        ];
        OptOutSettings {
            words: words
                .into_iter()
                .map(|(l, w)| (l.to_string(), w.into_iter().map(String::from).collect()))
                .collect(),
            replies: replies
                .into_iter()
                .map(|(l, r)| (l.to_string(), r.to_string()))
                .collect(),
        }
    }
}

/// Meta's price of one delivered template by category, in `currency` (Meta charges by the
/// recipient's country too: give the prices of the country most customers are in). A category
/// without a price makes a broadcast's cost unknown, never zero. The domain's own price list,
/// read from `[pricing]` as it is.
pub type PricingSettings = wabox_domain::broadcast::Pricing;

/// Broadcasts: how fast they go out and when they stop by themselves.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BroadcastSettings {
    /// Recipients queued per second per number (Meta's floor is 20 messages/s for coexistence
    /// numbers, 80 for others; the outbox paces each send under that too).
    pub rate_per_second: u32,
    /// Unique customers outside their 24-hour window a number may reach per rolling 24 hours,
    /// until Meta says its tier (`phone_number_quality_update`'s `current_limit`): 250 is
    /// where every number starts. 0: no limit.
    pub default_tier: u64,
    /// A broadcast stops itself once this many of its recipients failed with Meta's 131049
    /// (the customer's marketing limit for the day). 0: never.
    pub stop_after_marketing_limit: u64,
}

impl Default for BroadcastSettings {
    fn default() -> Self {
        BroadcastSettings {
            rate_per_second: 20,
            default_tier: 250,
            stop_after_marketing_limit: 10,
        }
    }
}

/// Downloads of customers' files.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MediaSettings {
    /// Files larger than this are not downloaded (the message says so).
    pub max_bytes: u64,
    /// Days a customer's file is kept after its download; 0 keeps every one.
    pub keep_days: u32,
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            max_bytes: 100 * 1024 * 1024,
            keep_days: 0,
        }
    }
}

/// How long the journal keeps the raw deliveries it has applied (`[journal]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JournalSettings {
    /// Days an applied delivery's raw body is kept; 0 keeps every one. What it said is in the
    /// store by then: the journal is its evidence and Meta's retries' yardstick.
    pub keep_days: u32,
}

impl Default for JournalSettings {
    fn default() -> Self {
        JournalSettings { keep_days: 30 }
    }
}

/// How the outbox paces sends (Meta's limits by default).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxSettings {
    /// Messages per second per dedicated number (Meta: 80 by default, up to 1,000 once upgraded).
    pub rate_per_second: f64,
    /// Messages per second per coexistence number (Meta: 20).
    pub coexistence_rate_per_second: f64,
    /// Messages to one customer in a quick burst before pacing starts.
    pub customer_burst: u32,
    /// Then one message to the same customer every this many seconds (Meta: about 6).
    pub customer_interval_seconds: f64,
    /// Seconds to wait for the Graph API before a send counts as unanswered.
    pub request_timeout_seconds: u64,
    /// Opening a conversation marks the customer's last message as read.
    pub mark_read_on_open: bool,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            rate_per_second: 80.0,
            coexistence_rate_per_second: 20.0,
            customer_burst: 3,
            customer_interval_seconds: 6.0,
            request_timeout_seconds: 15,
            mark_read_on_open: true,
        }
    }
}

/// Kapso (kapso.ai): setup links that connect a business's number for us, and the Meta proxy
/// through which the numbers it connected are reached (there is no Meta token of ours for them).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KapsoSettings {
    pub api_key: Option<Secret>,
    /// The Platform API: customers and setup links.
    #[serde(default = "default_kapso_base_url")]
    pub base_url: String,
    /// Kapso's Meta proxy: the Graph API's paths, authorized with the API key.
    #[serde(default = "default_kapso_meta_base_url")]
    pub meta_base_url: String,
    #[serde(default = "default_kapso_meta_version")]
    pub meta_version: String,
    /// Signs the Meta webhooks Kapso forwards to `{public_url}/kapso/webhook`
    /// (`X-Webhook-Signature`). Unset: that endpoint refuses everything.
    pub webhook_secret: Option<Secret>,
}

impl Default for KapsoSettings {
    fn default() -> Self {
        KapsoSettings {
            api_key: None,
            base_url: default_kapso_base_url(),
            meta_base_url: default_kapso_meta_base_url(),
            meta_version: default_kapso_meta_version(),
            webhook_secret: None,
        }
    }
}

fn default_kapso_base_url() -> String {
    "https://api.kapso.ai/platform/v1".into()
}
fn default_kapso_meta_base_url() -> String {
    "https://api.kapso.ai/meta/whatsapp".into()
}
fn default_kapso_meta_version() -> String {
    "v24.0".into()
}
