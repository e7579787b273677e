//! What a test or the demo tells the simulator (failures to inject, holds, the business's
//! choices in the signup dialog), and what it reads back from it (sends, uploads, requests).

use super::{Injected, SentRecord, Simulator, UploadRecord};

impl Simulator {
    pub fn inject(&self, failures: &[Injected]) {
        self.lock().injected.extend(failures.iter().copied());
    }

    /// Failures for the next uploads (`POST /{phone-number-id}/media`), apart from sends'.
    pub fn inject_uploads(&self, failures: &[Injected]) {
        self.lock()
            .injected_uploads
            .extend(failures.iter().copied());
    }

    /// Meta lowers (or raises) a number's quality: its `phone_number_quality_update` webhook
    /// is delivered now (e.g. `DOWNGRADE`, `TIER_250`).
    pub async fn quality_update(
        &self,
        phone_number_id: &str,
        event: &str,
        current_limit: &str,
    ) -> anyhow::Result<()> {
        let number = self
            .number(phone_number_id)
            .ok_or_else(|| anyhow::anyhow!("no simulated number {phone_number_id}"))?;
        self.deliver(super::webhooks::quality_update(
            &number,
            event,
            current_limit,
        ))
        .await
    }

    /// Every accepted upload so far.
    pub fn uploads(&self) -> Vec<UploadRecord> {
        self.lock().uploads.clone()
    }

    /// The bytes and MIME type stored under a media id (uploaded or put by a test).
    pub fn media(&self, id: &str) -> Option<(Vec<u8>, String)> {
        self.lock().media.get(id).cloned()
    }

    /// Media ids of the files downloaded so far, in the order they were asked for.
    pub fn media_downloads(&self) -> Vec<String> {
        self.lock().media_downloads.clone()
    }

    /// While held, every file download waits (it is logged as asked for) until released: a
    /// test can let files queue up behind one download in flight, without racing a clock.
    pub fn hold_media_downloads(&self, hold: bool) {
        self.lock().media_hold = hold;
    }

    /// File downloads waiting on `hold_media_downloads` right now.
    pub fn media_downloads_waiting(&self) -> u64 {
        self.lock().media_waiting
    }

    /// Requests received and not answered yet (held by `Injected::SlowAnswer`).
    pub fn answering_slowly(&self) -> u64 {
        self.lock().answering_slowly
    }

    /// The number shows as still onboarding (not on the Business app, not registered) for the
    /// next `polls` reads of its state, as during a coexistence onboarding.
    pub fn onboard_after(&self, phone_number_id: &str, polls: u32) {
        self.lock()
            .onboarding
            .insert(phone_number_id.to_string(), polls);
    }

    /// The business cancels the next login dialog (it redirects with `error=access_denied`).
    pub fn deny_next_signup(&self) {
        self.lock().deny_next_signup = true;
    }

    /// The business logs in again and shares this WABA once more (re-authorization).
    pub fn reauthorize_next(&self, waba_id: &str) {
        self.lock().reauthorize_next = Some(waba_id.to_string());
    }

    /// A token stops working at `unix` (debug_token reports it; 0 = never).
    pub fn set_token_expiry(&self, token: &str, unix: i64) {
        self.lock().token_expiry.insert(token.to_string(), unix);
    }

    /// The number's two-step verification PIN: `register` with another one fails with 133005.
    pub fn set_pin(&self, phone_number_id: &str, pin: &str) {
        self.lock()
            .pins
            .insert(phone_number_id.to_string(), pin.to_string());
    }

    /// Numbers registered with `POST /{pnid}/register`.
    pub fn registered(&self) -> Vec<String> {
        self.lock().registered.clone()
    }

    /// Contacts and history syncs requested (`POST /{pnid}/smb_app_data`).
    pub fn smb_syncs(&self) -> Vec<(String, String)> {
        self.lock().smb_syncs.clone()
    }

    /// WABAs the master app subscribed to (`POST /{waba}/subscribed_apps`).
    pub fn subscribed(&self) -> Vec<String> {
        self.lock().subscribed.clone()
    }

    /// Every accepted send so far.
    pub fn sent(&self) -> Vec<SentRecord> {
        self.lock().sent.clone()
    }

    /// Sends refused with an error code: (phone number id, code).
    pub fn refused(&self) -> Vec<(String, i64)> {
        self.lock().refused.clone()
    }

    /// Every wamid marked read by the business.
    pub fn marked_read(&self) -> Vec<String> {
        self.lock().marked_read.clone()
    }

    /// Every token debug_token was asked about.
    pub fn debug_token_inputs(&self) -> Vec<String> {
        self.lock().debug_token_inputs.clone()
    }

    /// How each debug_token call carried the app token ("query" or "header").
    pub fn debug_token_forms(&self) -> Vec<&'static str> {
        self.lock().debug_token_forms.clone()
    }

    /// Every User-Agent the simulator was called with: (agent, requests, last method and path).
    pub fn user_agents(&self) -> Vec<(String, u64, String)> {
        self.lock()
            .user_agents
            .iter()
            .map(|(agent, (n, last))| (agent.clone(), *n, last.clone()))
            .collect()
    }

    /// WABAs connected some other way (the demo's own numbers): the signup dialog and Kapso
    /// never hand them out, and the master app was subscribed to them when they were connected.
    pub fn mark_connected(&self, waba_id: &str) {
        let mut s = self.lock();
        if !s.signed_up.iter().any(|w| w == waba_id) {
            s.signed_up.push(waba_id.to_string());
        }
        if !s.subscribed.iter().any(|w| w == waba_id) {
            s.subscribed.push(waba_id.to_string());
        }
    }
}
