//! The config file and environment: where it is, what it says, and refusing secrets left readable.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
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

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    meta: MetaSection,
    #[serde(default)]
    webhook: WebhookSection,
    #[serde(default)]
    access: AccessSection,
    #[serde(default)]
    kapso: KapsoSettings,
    #[serde(default)]
    outbox: OutboxSettings,
    #[serde(default)]
    media: MediaSettings,
    #[serde(default)]
    ui: UiSettings,
    /// Key bindings over the defaults: `action = "key"` or `action = ["key", "key"]`.
    #[serde(default)]
    keys: BTreeMap<String, KeyEntry>,
}

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

/// Downloads of customers' files.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MediaSettings {
    /// Files larger than this are not downloaded (the message says so).
    pub max_bytes: u64,
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            max_bytes: 100 * 1024 * 1024,
        }
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaSection {
    app_id: Option<String>,
    app_secret: Option<Secret>,
    verify_token: Option<Secret>,
    #[serde(default = "default_graph_base_url")]
    graph_base_url: String,
    #[serde(default = "default_graph_version")]
    graph_version: String,
    /// The Embedded Signup configuration (App Dashboard → WhatsApp → Embedded Signup).
    config_id: Option<String>,
    /// Where Meta's login dialog is served: `https://www.facebook.com`; the demo's simulator.
    #[serde(default = "default_dialog_base_url")]
    dialog_base_url: String,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSection {
    #[serde(default = "default_listen")]
    listen: SocketAddr,
    /// The HTTPS address the world reaches the listener at (the reverse proxy's).
    public_url: Option<String>,
}

impl Default for WebhookSection {
    fn default() -> Self {
        WebhookSection {
            listen: default_listen(),
            public_url: None,
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
fn default_dialog_base_url() -> String {
    "https://www.facebook.com".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessSection {
    #[serde(default)]
    admins: Vec<String>,
    #[serde(default = "default_access_group")]
    group: String,
}

impl Default for AccessSection {
    fn default() -> Self {
        AccessSection {
            admins: Vec::new(),
            group: default_access_group(),
        }
    }
}

fn default_access_group() -> String {
    "wabox".into()
}

fn default_graph_base_url() -> String {
    "https://graph.facebook.com".into()
}
fn default_graph_version() -> String {
    "v26.0".into()
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8787))
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
    pub ui: UiSettings,
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
            ui: UiSettings::default(),
            keys: BTreeMap::new(),
            sequences_dir: None,
            movable_clock: false,
        }
    }

    /// Finds and reads the config: `--config`, then `WABOX_CONFIG`, then the user's config dir
    /// (where a missing file is fine); the data dir: `--data-dir`, `WABOX_DATA_DIR`, the data dir.
    pub fn load(config: Option<&Path>, data_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let dirs = directories::ProjectDirs::from("", "", "wabox");
        let explicit = config
            .map(Path::to_path_buf)
            .or_else(|| env_path("WABOX_CONFIG"));
        let (path, file) = match explicit {
            Some(p) => {
                let file =
                    read_file(&p)?.ok_or_else(|| ConfigError::Missing(p.display().to_string()))?;
                (Some(p), file)
            }
            None => {
                let default = dirs.as_ref().map(|d| d.config_dir().join("config.toml"));
                match default {
                    Some(p) => match read_file(&p)? {
                        Some(file) => (Some(p), file),
                        None => (None, ConfigFile::default()),
                    },
                    None => (None, ConfigFile::default()),
                }
            }
        };
        let sequences_dir = match &path {
            Some(p) => p.parent().map(|d| d.join("sequences")),
            None => dirs.as_ref().map(|d| d.config_dir().join("sequences")),
        };
        let data_dir = data_dir
            .map(Path::to_path_buf)
            .or_else(|| env_path("WABOX_DATA_DIR"))
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .ok_or(ConfigError::NoHome)?;
        let env_secret = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(Secret::new)
        };
        Ok(Config {
            path,
            data_dir,
            app_id: file.meta.app_id.filter(|s| !s.trim().is_empty()),
            app_secret: env_secret("WABOX_APP_SECRET")
                .or(file.meta.app_secret)
                .filter(|s| !s.is_empty()),
            verify_token: env_secret("WABOX_VERIFY_TOKEN")
                .or(file.meta.verify_token)
                .filter(|s| !s.is_empty()),
            graph_base_url: file.meta.graph_base_url,
            graph_version: file.meta.graph_version,
            config_id: file.meta.config_id.filter(|s| !s.trim().is_empty()),
            dialog_base_url: file.meta.dialog_base_url,
            listen: file.webhook.listen,
            public_url: file
                .webhook
                .public_url
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty()),
            kapso: KapsoSettings {
                api_key: env_secret("WABOX_KAPSO_API_KEY")
                    .or(file.kapso.api_key)
                    .filter(|s| !s.is_empty()),
                base_url: file.kapso.base_url.trim_end_matches('/').to_string(),
                meta_base_url: file.kapso.meta_base_url.trim_end_matches('/').to_string(),
                meta_version: file.kapso.meta_version,
                webhook_secret: env_secret("WABOX_KAPSO_WEBHOOK_SECRET")
                    .or(file.kapso.webhook_secret)
                    .filter(|s| !s.is_empty()),
            },
            admins: file.access.admins,
            group: file.access.group,
            outbox: file.outbox,
            media: file.media,
            ui: file.ui,
            keys: file.keys,
            sequences_dir,
            movable_clock: std::env::var("WABOX_MOVABLE_CLOCK").is_ok_and(|v| v == "1"),
        })
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

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A numeric setting's allowed range, with its unit for the error message.
struct Range {
    key: &'static str,
    value: f64,
    min: f64,
    max: f64,
    unit: &'static str,
}

impl Range {
    /// `None` when the value lies in the range (NaN and infinities never do).
    fn refusal(&self) -> Option<String> {
        let Range {
            key,
            value,
            min,
            max,
            unit,
        } = self;
        (!(value >= min && value <= max)).then(|| {
            format!("{key} = {value} is out of range: it must be from {min} to {max} {unit}")
        })
    }
}

impl ConfigFile {
    /// Every numeric setting has a range, checked here so that nothing downstream meets a rate of
    /// zero (a send that would wait for ever) or a timeout of a million years.
    fn check_ranges(&self) -> Result<(), String> {
        let o = &self.outbox;
        let ranges = [
            Range {
                key: "[outbox] rate_per_second",
                value: o.rate_per_second,
                min: 0.1,
                max: 1000.0,
                unit: "messages per second",
            },
            Range {
                key: "[outbox] coexistence_rate_per_second",
                value: o.coexistence_rate_per_second,
                min: 0.1,
                max: 1000.0,
                unit: "messages per second",
            },
            Range {
                key: "[outbox] customer_burst",
                value: f64::from(o.customer_burst),
                min: 1.0,
                max: 100.0,
                unit: "messages",
            },
            Range {
                key: "[outbox] customer_interval_seconds",
                value: o.customer_interval_seconds,
                min: 0.0,
                max: 3600.0,
                unit: "seconds",
            },
            Range {
                key: "[outbox] request_timeout_seconds",
                value: o.request_timeout_seconds as f64,
                min: 1.0,
                max: 600.0,
                unit: "seconds",
            },
            Range {
                key: "[media] max_bytes",
                value: self.media.max_bytes as f64,
                min: 1024.0,
                max: 2_147_483_648.0,
                unit: "bytes",
            },
        ];
        match ranges.iter().find_map(Range::refusal) {
            Some(message) => Err(message),
            None => Ok(()),
        }
    }
}

fn read_file(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
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
        || file.kapso.webhook_secret.is_some();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str, mode: u32) -> PathBuf {
        let p = dir.join("config.toml");
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn reads_every_documented_key_from_the_example() {
        let dir = tempfile::tempdir().unwrap();
        let example = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../config.example.toml"
        ))
        .unwrap();
        let p = write(dir.path(), &example, 0o600);
        let c = Config::load(Some(&p), Some(dir.path())).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8787".parse().unwrap());
        assert_eq!(c.graph_version, "v26.0");
        assert_eq!(c.kapso.meta_base_url, "https://api.kapso.ai/meta/whatsapp");
        assert_eq!(c.kapso.meta_version, "v24.0");
        assert!(c.kapso.webhook_secret.is_some());
        assert_eq!(c.ui.language, "en");
        assert!(c.ui.canned.contains_key("hours"));
        assert!(c.keys.contains_key("quit") && c.keys.contains_key("composer"));
    }

    #[test]
    fn a_numeric_setting_out_of_its_range_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        for (toml, named) in [
            (
                "[outbox]\nrate_per_second = 0.0\n",
                "[outbox] rate_per_second = 0",
            ),
            (
                "[outbox]\nrate_per_second = -5.0\n",
                "[outbox] rate_per_second = -5",
            ),
            (
                "[outbox]\nrate_per_second = 1e-300\n",
                "[outbox] rate_per_second",
            ),
            (
                "[outbox]\nrate_per_second = nan\n",
                "[outbox] rate_per_second = NaN",
            ),
            (
                "[outbox]\ncoexistence_rate_per_second = inf\n",
                "coexistence_rate_per_second",
            ),
            (
                "[outbox]\ncustomer_burst = 0\n",
                "[outbox] customer_burst = 0",
            ),
            (
                "[outbox]\ncustomer_interval_seconds = -1.0\n",
                "customer_interval_seconds",
            ),
            (
                "[outbox]\nrequest_timeout_seconds = 0\n",
                "request_timeout_seconds = 0",
            ),
            ("[media]\nmax_bytes = 0\n", "[media] max_bytes = 0"),
        ] {
            let p = write(dir.path(), toml, 0o600);
            let err = Config::load(Some(&p), Some(dir.path()))
                .expect_err(toml)
                .to_string();
            assert!(err.contains(named), "{toml}: {err}");
            assert!(err.contains("out of range"), "{toml}: {err}");
        }
        let p = write(
            dir.path(),
            "[outbox]\nrate_per_second = 1000.0\ncustomer_interval_seconds = 0.0\n",
            0o600,
        );
        Config::load(Some(&p), Some(dir.path())).expect("the ends of a range are allowed");
    }

    #[test]
    fn kapso_defaults_to_its_platform_api_and_meta_proxy() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "[kapso]\napi_key = \"k-1\"\n", 0o600);
        let c = Config::load(Some(&p), Some(dir.path())).unwrap();
        assert_eq!(c.kapso.base_url, "https://api.kapso.ai/platform/v1");
        assert_eq!(c.kapso.meta_base_url, "https://api.kapso.ai/meta/whatsapp");
        assert_eq!(c.kapso.meta_version, "v24.0");
        assert!(c.kapso.webhook_secret.is_none());
        let p = write(dir.path(), "[kapso]\nwebhook_secret = \"w\"\n", 0o644);
        assert!(matches!(
            Config::load(Some(&p), Some(dir.path())),
            Err(ConfigError::SecretsExposed { .. })
        ));
    }

    #[test]
    fn a_secret_in_a_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "[meta]\napp_secret = \"abc\"\n", 0o644);
        let e = Config::load(Some(&p), Some(dir.path())).unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
        assert!(!e.to_string().contains("abc"));
    }

    #[test]
    fn a_file_without_secrets_may_be_world_readable() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "[webhook]\nlisten = \"127.0.0.1:9000\"\n",
            0o644,
        );
        let c = Config::load(Some(&p), Some(dir.path())).unwrap();
        assert_eq!(c.listen.port(), 9000);
    }

    #[test]
    fn unknown_keys_and_missing_explicit_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "[meta]\napp_secrt = \"x\"\n", 0o600);
        let e = Config::load(Some(&p), Some(dir.path())).unwrap_err();
        assert!(e.to_string().contains("app_secrt"), "{e}");
        let e = Config::load(Some(&dir.path().join("nope.toml")), Some(dir.path())).unwrap_err();
        assert!(matches!(e, ConfigError::Missing(_)));
    }
}
