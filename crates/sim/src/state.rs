//! What the simulator has seen and been told, behind one lock.

use super::{Injected, SentRecord, SimNumber, UploadRecord, kapso, signup};
use std::collections::{HashMap, HashSet, VecDeque};
use wabox_domain::pace::Bucket;

#[derive(Default)]
pub(crate) struct SimState {
    pub webhook_url: Option<String>,
    /// (phone number id, customer wa_id or BSUID) → the customer's last message, unix seconds.
    pub last_inbound: HashMap<(String, String), i64>,
    /// (phone number id, customer wa_id): customers the business blocked (Block Users API).
    pub blocked: HashSet<(String, String)>,
    /// Customer wa_id → when each marketing template reached them (unix seconds), for
    /// `SimOptions::marketing_per_customer_per_day`.
    pub marketing_received: HashMap<String, Vec<i64>>,
    /// Messages blocked customers wrote, which never reached the business.
    pub from_blocked: usize,
    /// (phone number id, group id): the groups each number has (Groups API).
    pub groups: HashSet<(String, String)>,
    pub number_buckets: HashMap<String, Bucket>,
    pub pair_buckets: HashMap<(String, String), Bucket>,
    pub sent: Vec<SentRecord>,
    pub requests: u64,
    /// Requests held by an injected slow answer right now: in flight for the sender.
    pub answering_slowly: u64,
    /// WABAs the master app subscribed to.
    pub subscribed: Vec<String>,
    /// Numbers still being onboarded from the Business app: polls left before they show as
    /// connected (`is_on_biz_app`).
    pub onboarding: HashMap<String, u32>,
    /// `smb_app_data` requests: (phone number id, sync type).
    pub smb_syncs: Vec<(String, String)>,
    pub refused: Vec<(String, i64)>,
    pub injected: VecDeque<Injected>,
    pub injected_uploads: VecDeque<Injected>,
    pub uploads: Vec<UploadRecord>,
    pub media: HashMap<String, (Vec<u8>, String)>,
    /// When each file uploaded through `POST /{phone-number-id}/media` was (by the simulator's
    /// clock): Meta keeps an upload 30 days.
    pub uploaded_at: HashMap<String, i64>,
    /// Media ids of the files downloaded (`GET` on a media URL), in the order asked for.
    pub media_downloads: Vec<String>,
    /// Media downloads wait while this is set (`hold_media_downloads`), and how many wait now.
    pub media_hold: bool,
    pub media_waiting: u64,
    pub marked_read: Vec<String>,
    pub next_id: u64,
    /// Embedded Signup: codes the dialog handed out, the WABAs signed up with, the next dialog
    /// refused by the business, tokens' expiry (unix seconds), numbers registered, PINs set.
    pub codes: HashMap<String, signup::IssuedCode>,
    pub signed_up: Vec<String>,
    pub deny_next_signup: bool,
    /// The next dialog shares this WABA again (the business re-authorizes).
    pub reauthorize_next: Option<String>,
    pub token_expiry: HashMap<String, i64>,
    pub registered: Vec<String>,
    pub pins: HashMap<String, String>,
    /// Every token debug_token was asked about.
    pub debug_token_inputs: Vec<String>,
    /// How each debug_token call carried the app token: "query" (Meta's documented form) or
    /// "header".
    pub debug_token_forms: Vec<&'static str>,
    /// Each User-Agent the simulator was called with ("(none)" when absent): how many requests,
    /// and the last one's method and path, so a test can name a request that went without it.
    pub user_agents: std::collections::BTreeMap<String, (u64, String)>,
    /// Numbers made while the simulator runs (Kapso's setup links connect new ones).
    pub extra_numbers: Vec<SimNumber>,
    /// The simulated Kapso: customers, setup links, the numbers it connected, webhooks.
    pub kapso: kapso::KapsoState,
    /// (phone number id, customer wa_id or BSUID, wamid) of every message of each chat.
    pub chat_wamids: std::collections::HashSet<(String, String, String)>,
    /// Phone number id → the token an earlier run of a kept demo gave out for it (`kept.rs`).
    pub remembered_tokens: HashMap<String, String>,
}

impl SimState {
    /// The number with the token it holds now: one remembered from an earlier run, if any.
    pub(crate) fn as_known(&self, mut number: SimNumber) -> SimNumber {
        if let Some(token) = self.remembered_tokens.get(&number.phone_number_id) {
            number.token = token.clone();
        }
        number
    }
}
