//! One engine per data dir: an exclusive lock on `DATA_DIR/engine.lock`, released by the OS when
//! the process ends (even by kill -9), so a crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Who holds the lock: a long-running engine, or a CLI command working in-process for a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Engine,
    OneShot,
}

impl Holder {
    fn as_str(&self) -> &'static str {
        match self {
            Holder::Engine => "engine",
            Holder::OneShot => "command",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another wabox engine is already running on {dir} ({holder}): stop it first, or give this one its own --data-dir"
    )]
    Held { dir: String, holder: String },
    #[error("could not open the lock file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub struct EngineLock {
    _file: File,
    path: PathBuf,
}

impl EngineLock {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the lock, waiting up to `wait` for a holder that may be about to let go.
    pub fn acquire(
        data_dir: &Path,
        holder: Holder,
        wait: Duration,
    ) -> Result<EngineLock, LockError> {
        let path = data_dir.join("engine.lock");
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            // Anyone who can open the lock can hold it and keep the engine from starting.
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    let mut who = String::new();
                    let _ = file.read_to_string(&mut who);
                    return Err(LockError::Held {
                        dir: data_dir.display().to_string(),
                        holder: if who.trim().is_empty() {
                            "holder unknown".into()
                        } else {
                            who.trim().to_string()
                        },
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{} pid {}", holder.as_str(), std::process::id()).map_err(io)?;
        Ok(EngineLock { _file: file, path })
    }

    /// Whether anything holds the lock right now (without taking it for long).
    pub fn is_held(data_dir: &Path) -> bool {
        let Ok(file) = OpenOptions::new()
            .read(true)
            .write(true)
            .open(data_dir.join("engine.lock"))
        else {
            return false;
        };
        match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
                false
            }
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = EngineLock::acquire(dir.path(), Holder::Engine, Duration::ZERO).unwrap();
        let err = match EngineLock::acquire(dir.path(), Holder::Engine, Duration::from_millis(100))
        {
            Err(e) => e.to_string(),
            Ok(_) => panic!("two engines got the lock"),
        };
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        assert!(EngineLock::is_held(dir.path()));
        drop(first);
        assert!(!EngineLock::is_held(dir.path()));
        EngineLock::acquire(dir.path(), Holder::Engine, Duration::ZERO).unwrap();
    }
}
