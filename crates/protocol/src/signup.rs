//! The words of a browser signup (Meta's Embedded Signup or a Kapso setup link) between the
//! engine and its clients: the wizard, `wabox connect meta|kapso` and `wabox connect dashboard`.

use serde::{Deserialize, Serialize};
use wabox_secret::Secret;

/// Which browser flow connects the number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "path", rename_all = "snake_case")]
pub enum SignupPath {
    /// Meta's Embedded Signup with the master app: the business logs in with Facebook and
    /// shares its WhatsApp account. `coexistence` keeps the number on the Business app.
    Meta { coexistence: bool },
    /// A Kapso setup link (kapso.ai connects the number and hands back its ids).
    Kapso(KapsoLinkOptions),
}

/// What a Kapso setup link offers the business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KapsoLinkOptions {
    /// `coexistence`, `dedicated` or both (one entry skips the choice).
    pub connection_types: Vec<String>,
    /// Kapso buys a new number for the business, in one of these countries (ISO codes).
    #[serde(default)]
    pub provision_number: bool,
    #[serde(default)]
    pub countries: Vec<String>,
    /// The page's language: `en` or `es`.
    pub language: String,
    /// The page's main colour, `#RRGGBB`.
    #[serde(default)]
    pub primary_color: Option<String>,
    /// Refresh the broken connection of this number of the tenant (phone number id or
    /// +display number): Kapso's link is scoped to it and keeps its WABA and number.
    #[serde(default)]
    pub reconnect: Option<String>,
}

/// Where a signup stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    /// The link is out; nobody has come back through it yet.
    Waiting,
    /// Meta sent the business token; the admin picks which number to connect.
    Choose,
    Connected,
    Failed,
    Revoked,
    /// Its time ran out before anyone came back.
    Expired,
}

impl SignupStatus {
    /// Nothing more will happen to it.
    pub fn finished(self) -> bool {
        matches!(
            self,
            SignupStatus::Connected
                | SignupStatus::Failed
                | SignupStatus::Revoked
                | SignupStatus::Expired
        )
    }
}

/// A number the business token reaches, for the admin to pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupCandidate {
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone: String,
    pub verified_name: Option<String>,
    /// On the WhatsApp Business app (coexistence): not registered with a PIN.
    pub coexistence: bool,
    pub status: Option<String>,
    pub quality_rating: Option<String>,
}

/// One signup as a client sees it. Never carries a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignupView {
    pub id: i64,
    pub tenant: String,
    pub path: super::states::SignupVia,
    pub coexistence: bool,
    /// What the business must open in a browser.
    pub url: String,
    /// `{public_url}/c/{short_code}` leads to `url`: what the QR code holds.
    pub short_code: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub status: SignupStatus,
    #[serde(default)]
    pub candidates: Vec<SignupCandidate>,
    /// Why it failed, in plain words with what to do.
    pub error: Option<String>,
    /// Kapso's or Meta's code for the failure (`phone_verification_failed`, `access_denied`).
    pub error_code: Option<String>,
    pub queue: Option<String>,
    /// When the business token stops working (0 = never), once Meta has said.
    pub token_expires_at: Option<i64>,
    /// The number it connected.
    pub number: Option<crate::directory::NumberView>,
    /// What connecting it found (subscription, templates, queue), once connected.
    #[serde(default)]
    pub report: Option<crate::ConnectReport>,
}

/// A history import as the `history` webhooks report it: Meta sends 180 days in three phases
/// (0: today, 1: up to 90 days, 2: up to 180), each in chunks with a progress of 0–100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HistoryProgressView {
    pub phone_number_id: String,
    /// Per phase 0..=2: the highest progress reported (None: nothing yet).
    pub phases: Vec<Option<i64>>,
    pub chunks: i64,
    /// Messages imported from the phone's history so far.
    pub messages: i64,
    /// The business declined to share its history, or Meta failed: the error's title.
    pub error: Option<String>,
    /// The files of the imported messages (Meta sends those of the last 14 days), fetched in
    /// the background after customers' live files.
    #[serde(default)]
    pub media: HistoryMediaProgress,
}

/// How far the download of a history import's files has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HistoryMediaProgress {
    /// Files Meta sent for the import.
    pub total: i64,
    pub fetched: i64,
    /// Given up on after retries, or never asked for (a media id no Meta id looks like); each
    /// message's file says why (`messages --json`), and `wabox media retry` asks again.
    pub failed: i64,
    /// Still to fetch, or waiting to be tried again.
    pub waiting: i64,
}

impl HistoryMediaProgress {
    /// `12 of 40 fetched, 1 failed`.
    pub fn summary(&self) -> String {
        let mut s = format!("{} of {} fetched", self.fetched, self.total);
        if self.failed > 0 {
            s.push_str(&format!(", {} failed", self.failed));
        }
        s
    }
}

impl HistoryProgressView {
    /// 0–100 over the three phases.
    pub fn percent(&self) -> i64 {
        let sum: i64 = (0..3)
            .map(|p| {
                self.phases
                    .get(p)
                    .copied()
                    .flatten()
                    .unwrap_or(0)
                    .clamp(0, 100)
            })
            .sum();
        sum / 3
    }

    pub fn done(&self) -> bool {
        self.error.is_some() || self.percent() >= 100
    }
}

/// What the admin enters in Meta's App Dashboard, and whether the public address answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    pub app_id: Option<String>,
    pub config_id: Option<String>,
    pub public_url: Option<String>,
    /// `[webhook] public_url` is not set: the listener's loopback address stands in, which only
    /// a browser on this machine reaches.
    #[serde(default)]
    pub public_url_is_loopback: bool,
    /// `{public_url}/webhook`: App Dashboard → WhatsApp → Configuration → Callback URL.
    pub callback_url: Option<String>,
    /// `{public_url}/oauth/callback`: Facebook Login → Valid OAuth Redirect URIs.
    pub oauth_redirect_uri: Option<String>,
    pub kapso_success_url: Option<String>,
    pub kapso_failure_url: Option<String>,
    /// The verify token itself, only when asked for (`reveal`), else None.
    pub verify_token: Option<Secret>,
    pub verify_token_set: bool,
    pub kapso_configured: bool,
    /// The handshake tried through the public URL: Ok(what answered) or Err(why it failed).
    pub handshake: Option<Result<String, String>>,
    /// With the handshake: every other public path tried through the public URL, and
    /// `/healthz`, which must not answer from there.
    #[serde(default)]
    pub paths: Vec<PathCheck>,
}

/// One path of the listener tried through the public URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathCheck {
    pub path: String,
    pub ok: bool,
    /// What answered, or why it is wrong (and what to fix in the proxy).
    pub detail: String,
}
