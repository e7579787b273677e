//! The log file, rotated by size: `wabox.log` grows to `max_bytes`, then becomes `wabox.log.1`
//! (the older ones shift up to `.keep`, the oldest is dropped), so no sender can fill the disk
//! through the log. tracing-appender rotates only by time, which bounds nothing under a flood.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// 10 MiB a file, five old ones kept: at most 60 MiB of log, weeks of an ordinary engine's.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
pub const KEEP: usize = 5;

pub struct RotatingFile {
    path: PathBuf,
    file: File,
    written: u64,
    max_bytes: u64,
    keep: usize,
}

/// The engine user's alone, and never through a link someone planted in its place.
fn open(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
}

/// `wabox.log.N`.
pub fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

impl RotatingFile {
    pub fn open(path: &Path, max_bytes: u64, keep: usize) -> io::Result<RotatingFile> {
        let file = open(path)?;
        let written = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            file,
            written,
            max_bytes: max_bytes.max(1),
            keep,
        })
    }

    fn rotate(&mut self) -> io::Result<()> {
        // Shift from the oldest down so no rename overwrites a file still to be moved.
        for n in (1..self.keep).rev() {
            let from = rotated(&self.path, n);
            if from.exists() {
                std::fs::rename(&from, rotated(&self.path, n + 1))?;
            }
        }
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            std::fs::rename(&self.path, rotated(&self.path, 1))?;
        }
        self.file = open(&self.path)?;
        self.written = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written > 0 && self.written + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_log_rotates_at_its_size_and_keeps_only_so_many_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wabox.log");
        let mut log = RotatingFile::open(&path, 100, 2).unwrap();
        let line = [b'a'; 40];
        for _ in 0..2 {
            log.write_all(&line).unwrap();
        }
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 80);
        assert!(
            !rotated(&path, 1).exists(),
            "rotated before reaching its size"
        );
        log.write_all(&line).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 40);
        assert_eq!(std::fs::metadata(rotated(&path, 1)).unwrap().len(), 80);
        for _ in 0..10 {
            log.write_all(&line).unwrap();
        }
        assert!(rotated(&path, 2).exists());
        assert!(!rotated(&path, 3).exists(), "more old files than asked for");
        let total: u64 = [path.clone(), rotated(&path, 1), rotated(&path, 2)]
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum();
        assert!(total <= 300, "{total}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_log_reopened_counts_what_it_already_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wabox.log");
        std::fs::write(&path, [b'a'; 90]).unwrap();
        let mut log = RotatingFile::open(&path, 100, 1).unwrap();
        log.write_all(&[b'b'; 20]).unwrap();
        assert_eq!(std::fs::metadata(rotated(&path, 1)).unwrap().len(), 90);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 20);
    }

    #[test]
    fn a_link_in_place_of_the_log_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, b"keep").unwrap();
        let path = dir.path().join("wabox.log");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        assert!(RotatingFile::open(&path, 100, 1).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }
}
