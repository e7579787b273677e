//! A movable clock's offset, kept in the data dir: an engine that moved its clock ahead (the
//! demo's `wabox clock advance 1d`) starts again at that time. Otherwise every message stamped
//! while the clock was ahead would stay in the future after a restart, and a send queued then
//! would wait that long to be due.

use std::path::{Path, PathBuf};

const FILE: &str = "clock-offset";

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The offset in seconds an earlier run left, if any (an unreadable file counts as none: the
/// clock then starts at the system's time, which is what it did before this file existed).
pub fn read(data_dir: &Path) -> Option<i64> {
    let text = std::fs::read_to_string(path(data_dir)).ok()?;
    text.trim().parse::<i64>().ok().filter(|s| *s > 0)
}

/// Keeps the offset for the next start: a crash leaves the old offset or the new one, never
/// half of one.
pub fn write(data_dir: &Path, offset_seconds: i64) -> std::io::Result<()> {
    crate::files::replace_private(data_dir, FILE, &format!("{offset_seconds}\n"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_offset_written_is_read_back_and_a_missing_or_damaged_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(super::read(dir.path()), None);
        super::write(dir.path(), 86_400).unwrap();
        assert_eq!(super::read(dir.path()), Some(86_400));
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("clock-offset"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(dir.path().join("clock-offset"), "tomorrow").unwrap();
        assert_eq!(super::read(dir.path()), None);
    }
}
