//! Meta's side of a browser signup: the Embedded Signup dialog's URL, and its callback, which
//! trades the code for the business's token and finds the numbers that token reaches.

use super::CallbackOutcome;
use crate::Engine;
use serde_json::Value;
use std::sync::Arc;
use wabox_cloud::Credential;
use wabox_protocol::{ApiError, SignupCandidate};
use wabox_store::signups;

impl Engine {
    /// Meta's Embedded Signup dialog for the master app, as a plain URL (no JavaScript SDK: the
    /// admin may be on SSH and open it on a phone).
    pub(super) fn meta_dialog_url(
        &self,
        state: &str,
        coexistence: bool,
    ) -> Result<String, ApiError> {
        let app_id = self
            .config
            .app_id
            .as_deref()
            .ok_or_else(|| ApiError::from(wabox_protocol::ErrorCode::NoAppId {}))?;
        self.config.require_app_secret().map_err(|e| {
            ApiError::from(wabox_protocol::ErrorCode::Misconfigured {
                detail: e.to_string(),
            })
        })?;
        let config_id = self
            .config
            .config_id
            .as_deref()
            .ok_or_else(|| ApiError::from(wabox_protocol::ErrorCode::NoSignupConfig {}))?;
        let redirect = self.oauth_redirect_uri()?;
        let mut extras =
            serde_json::json!({"setup": {}, "sessionInfoVersion": "3", "version": "v3"});
        if coexistence {
            extras["featureType"] = "whatsapp_business_app_onboarding".into();
        }
        let mut url = reqwest::Url::parse(&format!(
            "{}/{}/dialog/oauth",
            self.config.dialog_base_url.trim_end_matches('/'),
            self.config.graph_version
        ))
        .map_err(|e| {
            ApiError::from(wabox_protocol::ErrorCode::DialogUrlNotAUrl {
                detail: e.to_string(),
            })
        })?;
        url.query_pairs_mut()
            .append_pair("client_id", app_id)
            .append_pair("redirect_uri", &redirect)
            .append_pair("state", state)
            .append_pair("response_type", "code")
            .append_pair("config_id", config_id)
            .append_pair("override_default_response_type", "true")
            .append_pair("extras", &extras.to_string());
        Ok(url.to_string())
    }

    /// `GET /oauth/callback?code&state` (or `?error&state`): consumes the state, trades the code,
    /// and finds the numbers. A refused state attaches nothing and says why.
    pub async fn oauth_callback(
        self: &Arc<Self>,
        params: &std::collections::HashMap<String, String>,
    ) -> CallbackOutcome {
        let now = wabox_domain::time::now_unix();
        let id = match self.consume_callback_state(params, now, "Meta").await {
            Ok(id) => id,
            Err(refused) => return refused,
        };
        if let Some(error) = params.get("error") {
            let reason = params
                .get("error_reason")
                .cloned()
                .unwrap_or_else(|| error.clone());
            let why = match reason.as_str() {
                "user_denied" => "the business cancelled the Facebook login or did not grant the permissions: start again and accept every step".to_string(),
                "no_whatsapp_business_account" => "no WhatsApp Business account was shared: the business must pick (or create) one in the dialog".to_string(),
                other => format!("Meta ended the signup: {other}"),
            };
            self.fail_signup(id, &why, Some(&reason), now).await;
            return CallbackOutcome::refused(&why);
        }
        let Some(code) = params.get("code").cloned() else {
            let why = "Meta came back without a code: start the connection again";
            self.fail_signup(id, why, Some("no_code"), now).await;
            return CallbackOutcome::refused(why);
        };
        match self.receive_meta_token(id, &code, now).await {
            Ok(outcome) => outcome,
            Err(why) => {
                self.fail_signup(id, &why, None, now).await;
                CallbackOutcome::refused(&why)
            }
        }
    }

    async fn receive_meta_token(
        self: &Arc<Self>,
        id: i64,
        code: &str,
        now: i64,
    ) -> Result<CallbackOutcome, String> {
        let app_id = self.config.app_id.clone().ok_or("no [meta] app_id")?;
        let secret = self
            .config
            .require_app_secret()
            .map_err(|e| e.to_string())?
            .clone();
        let redirect = self.oauth_redirect_uri().map_err(|e| e.english())?;
        let token = self
            .graph
            .exchange_code(&app_id, &secret, code, &redirect)
            .await
            .map_err(|e| format!("Meta did not accept the login code: {e}"))?;
        let debug = self
            .graph
            .debug_token(&app_id, &secret, &token)
            .await
            .map_err(|e| format!("Meta did not describe the new token: {e}"))?;
        if debug.get("is_valid").and_then(Value::as_bool) != Some(true) {
            return Err("Meta says the new token is not valid: start again".into());
        }
        let expires_at = debug.get("expires_at").and_then(Value::as_i64);
        let wabas = granted_wabas(&debug);
        if wabas.is_empty() {
            return Err(
                "the business shared no WhatsApp Business account with the app: start again and pick one".into(),
            );
        }
        let mut candidates = Vec::new();
        for waba in &wabas {
            let numbers = self
                .graph
                .waba_phone_numbers(waba, &Credential::Token(token.clone()))
                .await
                .map_err(|e| format!("Meta did not list WABA {waba}'s numbers: {e}"))?;
            candidates.extend(numbers.iter().filter_map(|n| candidate(waba, n)));
        }
        if candidates.is_empty() {
            return Err("the shared WhatsApp account has no phone number yet: add one in WhatsApp Manager, then start again".into());
        }
        let sealed = self.sealer.seal(token.expose());
        // A single number on the Business app needs nothing more from the admin: the engine
        // connects it, claimed with the token so that the admin's command waits for the outcome
        // rather than connecting it too.
        let by_itself = matches!(candidates.as_slice(), [only] if only.coexistence);
        {
            let candidates = candidates.clone();
            let finishing_at = by_itself.then_some(now);
            self.write(move |ctx| {
                signups::token_received(
                    &ctx.conn,
                    id,
                    &sealed,
                    expires_at,
                    &candidates,
                    finishing_at,
                )
            })
            .await
            .map_err(|e| e.english())?;
        }
        tracing::info!(
            signup = id,
            numbers = candidates.len(),
            "signup callback accepted"
        );
        if let [only] = candidates.as_slice()
            && by_itself
        {
            let pnid = only.phone_number_id.clone();
            let creator = self.signup_creator(id).await.map_err(|e| e.english())?;
            return match self
                .finish_signup(&creator, id, Some(pnid), None, now, true)
                .await
            {
                Ok(r) => Ok(CallbackOutcome {
                    ok: true,
                    title: "Connected".into(),
                    detail: format!(
                        "+{} is connected to wabox. You can close this page.",
                        r.number.display_phone
                    ),
                }),
                Err(e) => Err(e.english()),
            };
        }
        Ok(CallbackOutcome {
            ok: true,
            title: "Almost there".into(),
            detail:
                "Meta shared the account with wabox. Go back to the terminal to pick the number \
                     (and type its PIN if it needs one)."
                    .into(),
        })
    }
}

/// The WABAs a token may manage, from debug_token's granular scopes.
fn granted_wabas(debug: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in debug
        .get("granular_scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if scope.get("scope").and_then(Value::as_str) != Some("whatsapp_business_management") {
            continue;
        }
        for id in scope
            .get("target_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !out.iter().any(|o| o == id) {
                out.push(id.to_string());
            }
        }
    }
    out
}

fn candidate(waba: &str, n: &Value) -> Option<SignupCandidate> {
    let text = |k: &str| n.get(k).and_then(Value::as_str).map(str::to_string);
    Some(SignupCandidate {
        phone_number_id: text("id")?,
        waba_id: waba.to_string(),
        display_phone: wabox_domain::connections::display_digits(&text("display_phone_number")?),
        verified_name: text("verified_name"),
        coexistence: n
            .get("is_on_biz_app")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        status: text("status"),
        quality_rating: text("quality_rating"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wabas_come_from_the_management_scope_once_each() {
        let debug = serde_json::json!({"granular_scopes": [
            {"scope": "whatsapp_business_management", "target_ids": ["1", "2"]},
            {"scope": "whatsapp_business_messaging", "target_ids": ["1", "3"]},
            {"scope": "whatsapp_business_management", "target_ids": ["2"]}
        ]});
        assert_eq!(granted_wabas(&debug), vec!["1", "2"]);
        assert!(granted_wabas(&serde_json::json!({})).is_empty());
    }
}
