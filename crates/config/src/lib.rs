//! The config file and environment: where it is, what it says, and refusing secrets left readable.

mod check;
mod file;
mod load;
mod settings;
pub mod store_url;
#[cfg(test)]
mod tests;

pub use settings::{
    BroadcastSettings, JournalSettings, KapsoSettings, KeyEntry, KeyList, MediaSettings,
    MetricsSettings, OptOutSettings, OutboxSettings, PricingSettings, UiSettings,
};

use file::{default_access_group, default_dialog_base_url, default_graph_version};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use wabox_secret::Secret;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {0} does not exist: create it from config.example.toml or fix the path")]
    Missing(String),
    #[error("could not read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Invalid { path: String, message: String },
    #[error(
        "config file {path} holds secrets but is readable by group or others: run `chmod 600 {path}`"
    )]
    SecretsExposed { path: String },
    #[error("no home directory to keep wabox's files in: pass --data-dir or set WABOX_DATA_DIR")]
    NoHome,
    #[error("{0}")]
    Required(String),
}

/// Everything wabox reads from the config file and the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub app_id: Option<String>,
    pub app_secret: Option<Secret>,
    pub verify_token: Option<Secret>,
    pub graph_base_url: String,
    pub graph_version: String,
    /// The Embedded Signup configuration id, for the Meta path of `wabox connect`.
    pub config_id: Option<String>,
    pub dialog_base_url: String,
    pub listen: SocketAddr,
    /// The listener's address as Meta and browsers reach it, without a trailing slash.
    pub public_url: Option<String>,
    pub kapso: KapsoSettings,
    /// Unix users with every right (besides the user the engine runs as, and root).
    pub admins: Vec<String>,
    /// The Unix group whose members may reach the engine's socket (the team). When no such
    /// group exists, the data dir and the socket are the engine user's alone.
    pub group: String,
    pub outbox: OutboxSettings,
    pub media: MediaSettings,
    /// How long applied deliveries stay in the journal (`[journal]`).
    pub journal: JournalSettings,
    pub ui: UiSettings,
    pub metrics: MetricsSettings,
    /// Marketing opt-outs: the stop words and the answer, by language (`[optout]`).
    pub optout: OptOutSettings,
    /// Meta's price of a template by category (`[pricing]`): a broadcast's dry run gives its
    /// cost from it.
    pub pricing: PricingSettings,
    /// Broadcasts' pace and when they stop by themselves (`[broadcast]`).
    pub broadcast: BroadcastSettings,
    /// The PostgreSQL store every engine given it shares (`[store] url`, `WABOX_STORE_URL`); none:
    /// SQLite in the data dir. A secret: it may hold a password.
    pub store_url: Option<Secret>,
    pub keys: BTreeMap<String, KeyEntry>,
    /// Where sequence files are (`sequences/` beside the config file, or in the user's config
    /// dir); none: no sequences.
    pub sequences_dir: Option<PathBuf>,
    /// `WABOX_MOVABLE_CLOCK=1` (tests) or the demo: clients may move the engine's clock ahead.
    pub movable_clock: bool,
}

impl Config {
    /// A config made in code, for an engine on loopback that no file describes (the demo, the
    /// benches, tests): webhook on 127.0.0.1 with a port picked at start, defaults elsewhere.
    pub fn loopback(
        data_dir: &Path,
        app_secret: Option<Secret>,
        verify_token: Option<Secret>,
        graph_base_url: &str,
    ) -> Config {
        Config {
            path: None,
            data_dir: data_dir.to_path_buf(),
            app_id: None,
            app_secret,
            verify_token,
            graph_base_url: graph_base_url.to_string(),
            graph_version: default_graph_version(),
            config_id: None,
            dialog_base_url: default_dialog_base_url(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            kapso: KapsoSettings::default(),
            admins: Vec::new(),
            group: default_access_group(),
            outbox: OutboxSettings::default(),
            media: MediaSettings::default(),
            journal: JournalSettings::default(),
            ui: UiSettings::default(),
            metrics: MetricsSettings::default(),
            optout: OptOutSettings::default(),
            pricing: PricingSettings::default(),
            broadcast: BroadcastSettings::default(),
            store_url: None,
            keys: BTreeMap::new(),
            sequences_dir: None,
            movable_clock: false,
        }
    }

    fn where_from(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "the config file (none found; see config.example.toml)".into(),
        }
    }

    /// The app secret, required to check webhook signatures.
    pub fn require_app_secret(&self) -> Result<&Secret, ConfigError> {
        self.app_secret.as_ref().ok_or_else(|| {
            ConfigError::Required(format!(
                "no app secret: set [meta] app_secret in {} or WABOX_APP_SECRET",
                self.where_from()
            ))
        })
    }

    /// The verify token, required to answer Meta's subscribe handshake.
    pub fn require_verify_token(&self) -> Result<&Secret, ConfigError> {
        self.verify_token.as_ref().ok_or_else(|| {
            ConfigError::Required(format!(
                "no verify token: set [meta] verify_token in {} or WABOX_VERIFY_TOKEN",
                self.where_from()
            ))
        })
    }
}
