//! What the admin enters in Meta's App Dashboard (callback URL, verify token, OAuth redirect)
//! and in Kapso, and a test of the public URL: Meta's subscribe handshake, tried from here.

use super::Engine;
use std::sync::Arc;
use std::time::Duration;
use wabox_protocol::{ApiError, DashboardView, Response};

impl Engine {
    pub(super) async fn dashboard(
        self: &Arc<Self>,
        test: bool,
        reveal: bool,
    ) -> Result<Response, ApiError> {
        let public = self.public_url().ok().map(str::to_string);
        let at = |path: &str| public.as_ref().map(|p| format!("{p}{path}"));
        let handshake = match (&public, test) {
            (Some(p), true) => Some(self.try_handshake(p).await),
            (None, true) => Some(Err(
                "no public URL to test: set [webhook] public_url".to_string()
            )),
            _ => None,
        };
        let paths = match (&public, test) {
            (Some(p), true) => super::public_paths::try_all(&self.config, p).await,
            _ => Vec::new(),
        };
        Ok(Response::Dashboard(Box::new(DashboardView {
            app_id: self.config.app_id.clone(),
            config_id: self.config.config_id.clone(),
            callback_url: at("/webhook"),
            oauth_redirect_uri: at("/oauth/callback"),
            kapso_success_url: at("/kapso/success"),
            kapso_failure_url: at("/kapso/failed"),
            public_url_is_loopback: self.config.public_url.is_none() && public.is_some(),
            public_url: public,
            verify_token: if reveal {
                self.config.verify_token.clone()
            } else {
                None
            },
            verify_token_set: self.config.verify_token.is_some(),
            kapso_configured: self.config.kapso.api_key.is_some(),
            handshake,
            paths,
        })))
    }

    /// Does what Meta does when the callback URL is saved: `GET /webhook?hub.mode=subscribe…`
    /// through the public URL, and checks that the challenge comes back.
    async fn try_handshake(&self, public: &str) -> Result<String, String> {
        let verify = self
            .config
            .verify_token
            .as_ref()
            .ok_or("no verify token: set [meta] verify_token or WABOX_VERIFY_TOKEN")?;
        let challenge = format!("wabox-{}", wabox_domain::time::now_unix());
        let http = wabox_cloud::http_client(Duration::from_secs(10))
            .build()
            .map_err(|_| "could not build an HTTP client".to_string())?;
        let answer = http
            .get(format!("{public}/webhook"))
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.challenge", challenge.as_str()),
                ("hub.verify_token", verify.expose()),
            ])
            .send()
            .await
            .map_err(|e| {
                let why = if e.is_connect() {
                    "nothing answered"
                } else if e.is_timeout() {
                    "no answer in 10 s"
                } else {
                    "the request failed"
                };
                format!("{public}/webhook: {why} (is the reverse proxy or tunnel up?)")
            })?;
        let status = answer.status();
        let body = answer.text().await.unwrap_or_default();
        if status.is_success() && body.trim() == challenge {
            Ok(format!("{public}/webhook answered Meta's handshake"))
        } else if status.as_u16() == 403 {
            Err(format!(
                "{public}/webhook refused the verify token: another engine (or another config) answers there"
            ))
        } else {
            Err(format!(
                "{public}/webhook answered HTTP {} without the challenge: it does not reach this engine",
                status.as_u16()
            ))
        }
    }
}
