//! Which modes the files of a data dir may have. The data dir holds every tenant's messages, the
//! key that opens their tokens and the engine's lock: only the socket is for the team's group
//! (and the data dir itself, traversable so the group reaches the socket); everything else is
//! the engine user's alone, whatever the umask it was made under.

use super::health::{Check, Level};

/// What an entry of the data dir is, for the mode it may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// The data dir itself.
    DataDir,
    /// `wabox.sock`, the one entry meant for the team.
    Socket,
    Dir,
    File,
    /// A link is never made by the engine: it could point a write anywhere.
    Symlink,
}

/// One entry of the data dir as `lstat` saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDirEntry {
    /// Shown as is in checks and fixes (the full path, so a fix can be pasted).
    pub path: String,
    /// The path inside the data dir (`wabox.db`, `keys/seal.key`).
    pub relative: String,
    pub kind: EntryKind,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
}

/// The widest mode an entry may have. `shared`: the team's group exists and owns the data dir
/// and the socket, so its members may traverse to the socket.
pub fn widest_mode(kind: EntryKind, shared: bool) -> u32 {
    match (kind, shared) {
        (EntryKind::DataDir, true) => 0o710,
        (EntryKind::Socket, true) => 0o660,
        (EntryKind::Socket, false) | (EntryKind::File, _) | (EntryKind::Symlink, _) => 0o600,
        (EntryKind::DataDir, false) | (EntryKind::Dir, _) => 0o700,
    }
}

/// The mode an entry is tightened to: its own bits within the widest allowed (a key made 0400
/// stays 0400; a store made 0666 becomes 0600).
pub fn tightened(kind: EntryKind, mode: u32, shared: bool) -> u32 {
    mode & widest_mode(kind, shared)
}

/// Whether the mode gives anyone more than the widest allowed (setuid and sticky bits count).
pub fn is_loose(kind: EntryKind, mode: u32, shared: bool) -> bool {
    mode & 0o7777 & !widest_mode(kind, shared) != 0
}

/// The entries whose loss to another user is a loss of every tenant's data: the engine refuses
/// to start when one of them is another user's or a link.
pub fn is_vital(relative: &str) -> bool {
    matches!(
        relative,
        "wabox.db" | "wabox.db-wal" | "wabox.db-shm" | "keys" | "keys/seal.key"
    )
}

/// What is wrong with one entry, if anything: the check `wabox doctor` shows, with its fix.
pub fn assess(
    entry: &DataDirEntry,
    engine_uid: u32,
    engine_user: &str,
    shared: bool,
) -> Option<Check> {
    let fail = |detail: String, fix: String| Check {
        what: "files".into(),
        level: Level::Fail,
        detail,
        fix: Some(fix),
    };
    if entry.kind == EntryKind::Symlink {
        return Some(fail(
            format!(
                "{} is a symbolic link: the engine writes only files of its own",
                entry.path
            ),
            format!("rm {} (and restart the engine)", entry.path),
        ));
    }
    if entry.uid != engine_uid {
        return Some(fail(
            format!(
                "{} belongs to uid {}, not to the engine's user {engine_user}",
                entry.path, entry.uid
            ),
            format!("chown {engine_user} {}", entry.path),
        ));
    }
    if is_loose(entry.kind, entry.mode, shared) {
        let want = tightened(entry.kind, entry.mode, shared);
        return Some(fail(
            format!(
                "{} has mode {:o}: other users may {}",
                entry.path,
                entry.mode & 0o7777,
                if entry.mode & 0o022 != 0 {
                    "change it"
                } else {
                    "read it"
                }
            ),
            format!("chmod {want:o} {}", entry.path),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(relative: &str, kind: EntryKind, mode: u32, uid: u32) -> DataDirEntry {
        DataDirEntry {
            path: format!("/srv/wabox/{relative}"),
            relative: relative.into(),
            kind,
            mode,
            uid,
        }
    }

    #[test]
    fn only_the_socket_and_the_data_dirs_traverse_bit_are_for_the_group() {
        assert!(!is_loose(EntryKind::Socket, 0o660, true));
        assert!(is_loose(EntryKind::Socket, 0o660, false));
        assert!(!is_loose(EntryKind::DataDir, 0o710, true));
        assert!(
            is_loose(EntryKind::DataDir, 0o750, true),
            "the group may not list it"
        );
        assert!(is_loose(EntryKind::DataDir, 0o710, false));
        for mode in [0o640, 0o604, 0o660, 0o666, 0o610] {
            assert!(is_loose(EntryKind::File, mode, true), "{mode:o}");
        }
        assert!(
            is_loose(EntryKind::Dir, 0o710, true),
            "keys/ is not traversable"
        );
        assert!(
            is_loose(EntryKind::File, 0o4600, true),
            "setuid is never ours"
        );
        assert!(!is_loose(EntryKind::File, 0o600, true));
        assert!(
            !is_loose(EntryKind::File, 0o400, false),
            "tighter than 0600 is fine"
        );
    }

    #[test]
    fn tightening_keeps_the_owners_bits_and_drops_everyone_elses() {
        assert_eq!(tightened(EntryKind::File, 0o666, true), 0o600);
        assert_eq!(tightened(EntryKind::File, 0o444, true), 0o400);
        assert_eq!(tightened(EntryKind::Dir, 0o777, true), 0o700);
        assert_eq!(tightened(EntryKind::DataDir, 0o777, true), 0o710);
        assert_eq!(tightened(EntryKind::DataDir, 0o777, false), 0o700);
        assert_eq!(tightened(EntryKind::Socket, 0o777, true), 0o660);
    }

    #[test]
    fn a_loose_file_is_named_with_the_chmod_that_fixes_it() {
        let check = assess(
            &entry("wabox.db", EntryKind::File, 0o644, 7),
            7,
            "wabox",
            true,
        )
        .expect("0644 is loose");
        assert_eq!(check.level, Level::Fail);
        assert!(
            check.detail.contains("/srv/wabox/wabox.db has mode 644"),
            "{}",
            check.detail
        );
        assert!(check.detail.contains("read it"), "{}", check.detail);
        assert_eq!(check.fix.as_deref(), Some("chmod 600 /srv/wabox/wabox.db"));
        let writable = assess(
            &entry("engine.lock", EntryKind::File, 0o666, 7),
            7,
            "wabox",
            true,
        )
        .expect("0666 is loose");
        assert!(writable.detail.contains("change it"), "{}", writable.detail);
        assert!(
            assess(
                &entry("wabox.db", EntryKind::File, 0o600, 7),
                7,
                "wabox",
                true
            )
            .is_none()
        );
        assert!(
            assess(
                &entry("wabox.sock", EntryKind::Socket, 0o660, 7),
                7,
                "wabox",
                true
            )
            .is_none()
        );
    }

    #[test]
    fn another_users_file_or_a_link_is_named_before_its_mode() {
        let foreign = assess(
            &entry("wabox.log", EntryKind::File, 0o600, 8),
            7,
            "wabox",
            true,
        )
        .expect("another user's file");
        assert!(foreign.detail.contains("uid 8"), "{}", foreign.detail);
        assert_eq!(
            foreign.fix.as_deref(),
            Some("chown wabox /srv/wabox/wabox.log")
        );
        let link = assess(
            &entry("wabox.log", EntryKind::Symlink, 0o777, 7),
            7,
            "wabox",
            true,
        )
        .expect("a link");
        assert!(link.detail.contains("symbolic link"), "{}", link.detail);
    }

    #[test]
    fn the_store_and_the_key_are_vital_the_log_and_media_are_not() {
        for vital in [
            "wabox.db",
            "wabox.db-wal",
            "wabox.db-shm",
            "keys",
            "keys/seal.key",
        ] {
            assert!(is_vital(vital), "{vital}");
        }
        for other in ["wabox.log", "engine.lock", "media/x.jpg", "outbox-media"] {
            assert!(!is_vital(other), "{other}");
        }
    }
}
