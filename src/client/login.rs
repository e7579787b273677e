//! Which remote engine this user works with: `WABOX_SERVER` and `WABOX_TOKEN` (scripts), else
//! what `wabox login` saved in the user's config dir (`login.toml`, mode 0600, as any file that
//! holds a secret).

use super::remote::Server;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    server: String,
    token: String,
}

/// Where `wabox login` keeps the server and its token.
pub fn path() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "wabox")
        .ok_or_else(|| anyhow::anyhow!("no home directory to keep the login in"))?;
    Ok(dirs.config_dir().join("login.toml"))
}

/// The remote engine to use, if any. One of the two variables without the other is a mistake
/// said, not a silent fall back to the local engine.
pub fn current() -> anyhow::Result<Option<Server>> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match (var("WABOX_SERVER"), var("WABOX_TOKEN")) {
        (Some(url), Some(token)) => {
            return Ok(Some(Server {
                url,
                token: token.trim().to_string(),
            }));
        }
        (Some(_), None) => {
            anyhow::bail!("WABOX_SERVER is set without WABOX_TOKEN: set both, or neither")
        }
        (None, Some(_)) => {
            anyhow::bail!("WABOX_TOKEN is set without WABOX_SERVER: set both, or neither")
        }
        (None, None) => {}
    }
    saved()
}

/// What `wabox login` saved, if anything.
pub fn saved() -> anyhow::Result<Option<Server>> {
    let path = path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("could not read {}: {e}", path.display()),
    };
    let mode = std::fs::metadata(&path)?.permissions().mode();
    anyhow::ensure!(
        mode & 0o077 == 0,
        "{} holds a token but others may read it (mode {:o}): `chmod 600 {}`, or `wabox logout` and log in again",
        path.display(),
        mode & 0o777,
        path.display()
    );
    let saved: Saved = toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a login wabox saved ({e}): `wabox logout`, then log in again",
            path.display()
        )
    })?;
    Ok(Some(Server {
        url: saved.server,
        token: saved.token,
    }))
}

/// Keeps the server and its token for this user's later commands, readable by them alone.
pub fn save(server: &Server) -> anyhow::Result<PathBuf> {
    let path = path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = toml::to_string(&Saved {
        server: server.url.clone(),
        token: server.token.clone(),
    })?;
    // Written beside it and renamed: a login is replaced whole or not at all, and the file is
    // never readable by others, even for a moment.
    let partial = path.with_extension("toml.partial");
    let _ = std::fs::remove_file(&partial);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// Forgets the saved login; whether there was one.
pub fn forget() -> anyhow::Result<bool> {
    let path = path()?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => anyhow::bail!("could not remove {}: {e}", path.display()),
    }
}
