//! Finding the config and the data dir: flags, then the environment, then the user's dirs; and
//! the secrets the environment sets over the file's.

use super::file::{ConfigFile, read_file};
use super::settings::KapsoSettings;
use super::{Config, ConfigError};
use std::path::{Path, PathBuf};
use wabox_secret::Secret;

impl Config {
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
        let from_env = env_secret("WABOX_STORE_URL");
        let store_from = match (&from_env, &path) {
            (Some(_), _) => "WABOX_STORE_URL".to_string(),
            (None, Some(p)) => p.display().to_string(),
            (None, None) => "the config".to_string(),
        };
        let store_url = from_env
            .or(file.store.url)
            .filter(|s| !s.expose().trim().is_empty());
        if let Some(url) = &store_url {
            crate::store_url::check(url.expose()).map_err(|message| ConfigError::Invalid {
                path: store_from,
                message,
            })?;
        }
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
            journal: file.journal,
            ui: file.ui,
            metrics: file.metrics,
            optout: file.optout,
            pricing: file.pricing,
            broadcast: file.broadcast,
            store_url,
            keys: file.keys,
            sequences_dir,
            movable_clock: std::env::var("WABOX_MOVABLE_CLOCK").is_ok_and(|v| v == "1"),
        })
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
