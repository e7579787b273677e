//! The `:` commands typed before, kept across restarts in the user's state dir
//! (`~/.local/state/wabox/commands`), readable by the user alone: a note's text is private.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// How many commands are remembered.
pub const KEEP: usize = 500;

/// `$XDG_STATE_HOME/wabox/commands` (or `~/.local/state/wabox/commands`); none without a home.
pub fn path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "wabox")?;
    let dir = dirs
        .state_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dirs.data_local_dir().to_path_buf());
    Some(dir.join("commands"))
}

/// The remembered commands, oldest first; a missing or unreadable file is an empty history.
pub fn load(path: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let skip = lines.len().saturating_sub(KEEP);
    lines.into_iter().skip(skip).collect()
}

/// Writes the whole history (a few kilobytes) through a temporary file, so a crash leaves the
/// old one or the new one. The directory is 0700 and the file 0600.
pub fn save(path: &Path, entries: &[String]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let temp = path.with_extension("new");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)?;
    // A temporary file left over from a crash keeps its old mode: set it again.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    let skip = entries.len().saturating_sub(KEEP);
    for entry in entries.iter().skip(skip) {
        // One command a line: a pasted newline must not split one into two.
        writeln!(file, "{}", entry.replace(['\n', '\r'], " "))?;
    }
    file.sync_all()?;
    std::fs::rename(&temp, path)
}
