//! Kapso setup links: PLACEHOLDER until the Kapso path lands (being built now).

use super::Engine;
use super::signup::CallbackOutcome;
use crate::api::{ApiError, KapsoLinkOptions};
use std::sync::Arc;

/// A setup link Kapso made.
pub struct KapsoLink {
    pub id: String,
    pub url: String,
    pub expires_at: i64,
}

impl Engine {
    pub(super) async fn kapso_setup_link(
        self: &Arc<Self>,
        _tenant_id: i64,
        _tenant: &str,
        _opts: &KapsoLinkOptions,
        _state: &str,
    ) -> Result<KapsoLink, ApiError> {
        Err(ApiError::new("Kapso setup links are not available yet"))
    }

    pub(super) async fn kapso_revoke_link(
        self: &Arc<Self>,
        _tenant_id: i64,
        _link_id: &str,
    ) -> Result<(), ApiError> {
        Err(ApiError::new("Kapso setup links are not available yet"))
    }

    /// `/kapso/success` and `/kapso/failed`.
    pub async fn kapso_callback(
        self: &Arc<Self>,
        _success: bool,
        _params: &std::collections::HashMap<String, String>,
    ) -> CallbackOutcome {
        CallbackOutcome {
            ok: false,
            title: "Not available".into(),
            detail: "Kapso setup links are not available yet".into(),
        }
    }
}
