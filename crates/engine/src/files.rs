//! The engine's files are its user's alone (issue 13): whatever the umask the service was started
//! under, and whatever modes an older version left behind, every file but the socket is tightened
//! to 0600 and every directory to 0700 when an engine starts, and `wabox doctor` names what went
//! loose since. The rule itself is `domain::files`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use wabox_domain::files::{self, DataDirEntry, EntryKind};
use wabox_domain::health::Check;

/// The umask of a process that owns a data dir: whatever it creates (SQLite's store and WAL, the
/// log, media) is its user's alone, even when the service manager set umask 000.
pub fn private_umask() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
}

/// Puts `text` in the data dir's file `name` whole or not at all: written aside, synced, then
/// renamed over it, 0600 like every file of the data dir (doctor flags anything wider).
pub fn replace_private(data_dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let aside = data_dir.join(format!("{name}.new"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&aside)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&aside, data_dir.join(name))
}

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error(
        "{path} is not the engine's own file ({why}): the engine does not start on a store or key another user could have swapped; fix: {fix}"
    )]
    Vital {
        path: String,
        why: String,
        fix: String,
    },
    #[error("could not read the data dir {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// The name of the user this process runs as, for the fixes doctor prints.
pub fn engine_user(uid: u32) -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map_or_else(|| uid.to_string(), |u| u.name)
}

/// One entry as seen, and whether it belongs to the team's group (the data dir and the socket
/// may then be open to that group).
struct Seen {
    entry: DataDirEntry,
    shared: bool,
}

/// The customers' files' directory, the one entry that may be a link (to a shared directory).
const MEDIA: &str = "media";

/// Every entry of the data dir (itself first), by `lstat`: links are reported, never followed,
/// but for `media` to a directory.
fn entries(data_dir: &Path, group: &str) -> Result<Vec<Seen>, FilesError> {
    let team_gid = super::team_group(group).map(|g| g.gid.as_raw());
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| FilesError::Io { path, source }
    };
    let mut out = Vec::new();
    let mut pending = vec![(data_dir.to_path_buf(), String::new())];
    while let Some((path, relative)) = pending.pop() {
        let mut meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            // Gone between the listing and the look (a media part renamed): nothing to check.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&path)(e)),
        };
        // `media` may be a link to the directory every engine of a PostgreSQL store shares
        // (README, "What every engine must share"): the admin made it, in a data dir only the
        // engine's user may write. It is judged by what it points at, a directory that must be
        // the engine user's and closed to others like any other, and walked into.
        if relative == MEDIA
            && meta.file_type().is_symlink()
            && let Ok(target) = std::fs::metadata(&path)
            && target.is_dir()
        {
            meta = target;
        }
        let kind = if relative.is_empty() {
            EntryKind::DataDir
        } else if meta.file_type().is_symlink() {
            EntryKind::Symlink
        } else if meta.is_dir() {
            EntryKind::Dir
        } else if relative == "wabox.sock" {
            EntryKind::Socket
        } else {
            EntryKind::File
        };
        if matches!(kind, EntryKind::DataDir | EntryKind::Dir) {
            for child in std::fs::read_dir(&path).map_err(io(&path))? {
                let child = child.map_err(io(&path))?;
                let name = child.file_name().to_string_lossy().into_owned();
                let child_relative = if relative.is_empty() {
                    name
                } else {
                    format!("{relative}/{name}")
                };
                pending.push((child.path(), child_relative));
            }
        }
        out.push(Seen {
            shared: team_gid.is_some_and(|g| g == meta.gid()),
            entry: DataDirEntry {
                path: path.display().to_string(),
                relative,
                kind,
                mode: meta.mode() & 0o7777,
                uid: meta.uid(),
            },
        });
    }
    Ok(out)
}

/// Tightens every loose mode in the data dir, at engine start. Refuses a vital entry (the store,
/// the key) that is another user's or a link; other strangers are logged and left for doctor.
pub fn secure(data_dir: &Path, group: &str, engine_uid: u32) -> Result<(), FilesError> {
    let user = engine_user(engine_uid);
    for Seen { entry, shared } in entries(data_dir, group)? {
        let Some(check) = files::assess(&entry, engine_uid, &user, shared) else {
            continue;
        };
        let foreign = entry.kind == EntryKind::Symlink || entry.uid != engine_uid;
        if foreign {
            if files::is_vital(&entry.relative) {
                return Err(FilesError::Vital {
                    path: entry.path,
                    why: check.detail,
                    fix: check.fix.unwrap_or_default(),
                });
            }
            tracing::warn!(problem = %check.detail, fix = check.fix.as_deref().unwrap_or(""), "a file in the data dir is not the engine's own");
            continue;
        }
        let mode = files::tightened(entry.kind, entry.mode, shared);
        std::fs::set_permissions(&entry.path, std::fs::Permissions::from_mode(mode)).map_err(
            |source| FilesError::Io {
                path: entry.path.clone(),
                source,
            },
        )?;
        tracing::info!(path = %entry.path, from = %format!("{:o}", entry.mode), to = %format!("{mode:o}"), "tightened a loose mode in the data dir");
    }
    Ok(())
}

/// What `wabox doctor` says about the data dir's files: one failed check per loose mode, link or
/// stranger, each with the command that fixes it.
pub fn checks(data_dir: &Path, group: &str, engine_uid: u32) -> Vec<Check> {
    let user = engine_user(engine_uid);
    match entries(data_dir, group) {
        Ok(entries) => entries
            .iter()
            .filter_map(|s| files::assess(&s.entry, engine_uid, &user, s.shared))
            .collect(),
        Err(e) => vec![Check {
            what: "files".into(),
            level: wabox_domain::health::Level::Unknown,
            detail: e.to_string(),
            fix: None,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    fn set(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn secure_tightens_every_file_and_dir_and_doctor_then_finds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("media")).unwrap();
        for f in [
            "wabox.db",
            "wabox.db-wal",
            "wabox.log",
            "engine.lock",
            "media/a.jpg",
        ] {
            std::fs::write(data.join(f), b"x").unwrap();
            set(&data.join(f), 0o666);
        }
        set(&data.join("media"), 0o777);
        set(&data, 0o777);
        let uid = nix::unistd::getuid().as_raw();
        let group = "no-such-wabox-group-for-tests";
        let loose = checks(&data, group, uid);
        assert_eq!(loose.len(), 7, "{loose:#?}");
        assert!(
            loose.iter().any(|c| c.fix.as_deref()
                == Some(&format!("chmod 600 {}", data.join("wabox.db").display()))),
            "{loose:#?}"
        );
        secure(&data, group, uid).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("media")), 0o700);
        assert_eq!(mode(&data.join("wabox.db")), 0o600);
        assert_eq!(mode(&data.join("media/a.jpg")), 0o600);
        assert!(checks(&data, group, uid).is_empty());
    }

    #[test]
    fn a_link_in_place_of_the_store_stops_the_engine_and_a_link_elsewhere_is_only_named() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        set(&data, 0o700);
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"x").unwrap();
        set(&target, 0o644);
        std::os::unix::fs::symlink(&target, data.join("wabox.log")).unwrap();
        let uid = nix::unistd::getuid().as_raw();
        secure(&data, "no-such-wabox-group-for-tests", uid).unwrap();
        assert_eq!(mode(&target), 0o644, "a link is never followed");
        std::os::unix::fs::symlink(&target, data.join("wabox.db")).unwrap();
        let err = secure(&data, "no-such-wabox-group-for-tests", uid).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn media_may_be_a_link_to_a_shared_directory_judged_by_what_it_points_at() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let shared = dir.path().join("shared-media");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&shared).unwrap();
        std::fs::write(shared.join("7.jpg"), b"x").unwrap();
        set(&shared, 0o777);
        set(&shared.join("7.jpg"), 0o644);
        std::os::unix::fs::symlink(&shared, data.join("media")).unwrap();
        let uid = nix::unistd::getuid().as_raw();
        let group = "no-such-wabox-group-for-tests";
        secure(&data, group, uid).unwrap();
        // Tightened through the link, as a directory of its own would be.
        assert_eq!(mode(&shared), 0o700);
        assert_eq!(mode(&shared.join("7.jpg")), 0o600);
        assert!(
            checks(&data, group, uid).is_empty(),
            "{:?}",
            checks(&data, group, uid)
        );
        // Any other link is still refused, a link named media to a file too.
        std::fs::remove_file(data.join("media")).unwrap();
        std::os::unix::fs::symlink(shared.join("7.jpg"), data.join("media")).unwrap();
        let checks = checks(&data, group, uid);
        assert!(
            checks.iter().any(|c| c.detail.contains("symbolic link")),
            "{checks:?}"
        );
    }
}
