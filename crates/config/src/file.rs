//! The config file's shape, and reading it: parsed, checked, and refused when it holds secrets
//! others can read.

use super::ConfigError;
use super::settings::{
    JournalSettings, KapsoSettings, KeyEntry, MediaSettings, MetricsSettings, OutboxSettings,
    UiSettings,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use wabox_secret::Secret;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    #[serde(default)]
    pub(crate) meta: MetaSection,
    #[serde(default)]
    pub(crate) webhook: WebhookSection,
    #[serde(default)]
    pub(crate) access: AccessSection,
    #[serde(default)]
    pub(crate) kapso: KapsoSettings,
    #[serde(default)]
    pub(crate) outbox: OutboxSettings,
    #[serde(default)]
    pub(crate) media: MediaSettings,
    #[serde(default)]
    pub(crate) journal: JournalSettings,
    #[serde(default)]
    pub(crate) ui: UiSettings,
    #[serde(default)]
    pub(crate) metrics: MetricsSettings,
    #[serde(default)]
    pub(crate) optout: crate::settings::OptOutSettings,
    #[serde(default)]
    pub(crate) pricing: crate::settings::PricingSettings,
    #[serde(default)]
    pub(crate) broadcast: crate::settings::BroadcastSettings,
    #[serde(default)]
    pub(crate) store: StoreSection,
    /// Key bindings over the defaults: `action = "key"` or `action = ["key", "key"]`.
    #[serde(default)]
    pub(crate) keys: BTreeMap<String, KeyEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetaSection {
    pub(crate) app_id: Option<String>,
    pub(crate) app_secret: Option<Secret>,
    pub(crate) verify_token: Option<Secret>,
    #[serde(default = "default_graph_base_url")]
    pub(crate) graph_base_url: String,
    #[serde(default = "default_graph_version")]
    pub(crate) graph_version: String,
    /// The Embedded Signup configuration (App Dashboard → WhatsApp → Embedded Signup).
    pub(crate) config_id: Option<String>,
    /// Where Meta's login dialog is served: `https://www.facebook.com`; the demo's simulator.
    #[serde(default = "default_dialog_base_url")]
    pub(crate) dialog_base_url: String,
}

impl Default for MetaSection {
    fn default() -> Self {
        MetaSection {
            app_id: None,
            app_secret: None,
            verify_token: None,
            graph_base_url: default_graph_base_url(),
            graph_version: default_graph_version(),
            config_id: None,
            dialog_base_url: default_dialog_base_url(),
        }
    }
}

/// Where the store is: unset, SQLite in the data dir; a PostgreSQL URL (or `key=value` words),
/// shared by every engine given the same one.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoreSection {
    pub(crate) url: Option<Secret>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookSection {
    #[serde(default = "default_listen")]
    pub(crate) listen: SocketAddr,
    /// The HTTPS address the world reaches the listener at (the reverse proxy's).
    pub(crate) public_url: Option<String>,
}

impl Default for WebhookSection {
    fn default() -> Self {
        WebhookSection {
            listen: default_listen(),
            public_url: None,
        }
    }
}

pub(crate) fn default_dialog_base_url() -> String {
    "https://www.facebook.com".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessSection {
    #[serde(default)]
    pub(crate) admins: Vec<String>,
    #[serde(default = "default_access_group")]
    pub(crate) group: String,
}

impl Default for AccessSection {
    fn default() -> Self {
        AccessSection {
            admins: Vec::new(),
            group: default_access_group(),
        }
    }
}

pub(crate) fn default_access_group() -> String {
    "wabox".into()
}

fn default_graph_base_url() -> String {
    "https://graph.facebook.com".into()
}
pub(crate) fn default_graph_version() -> String {
    "v26.0".into()
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8787))
}

pub(crate) fn read_file(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Read {
                path: shown,
                source,
            });
        }
    };
    let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
        path: shown.clone(),
        message: e.to_string().trim().replace('\n', " "),
    })?;
    if let Err(message) = file.check_ranges() {
        return Err(ConfigError::Invalid {
            path: shown,
            message,
        });
    }
    if !matches!(file.ui.language.as_str(), "en" | "es") {
        return Err(ConfigError::Invalid {
            path: shown,
            message: format!(
                "[ui] language is {:?}: wabox speaks \"en\" and \"es\"",
                file.ui.language
            ),
        });
    }
    let holds_secrets = file.meta.app_secret.is_some()
        || file.meta.verify_token.is_some()
        || file.kapso.api_key.is_some()
        || file.kapso.webhook_secret.is_some()
        || file
            .store
            .url
            .as_ref()
            .is_some_and(|u| crate::store_url::has_password(u.expose()));
    if holds_secrets {
        let mode = std::fs::metadata(path)
            .map_err(|source| ConfigError::Read {
                path: shown.clone(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(ConfigError::SecretsExposed { path: shown });
        }
    }
    Ok(Some(file))
}
