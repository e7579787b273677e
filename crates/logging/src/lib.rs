//! Logs go to `DATA_DIR/wabox.log` (and to stderr for `serve`), at the level `WABOX_LOG` sets.
//! Never to the screen of a TUI, and never with a token in them: secrets are `Secret`s.
//!
//! The log file is the engine's: only a process that owns the data dir (`wabox serve`, or a
//! command that found no engine and runs one in-process, holding the lock) opens it, through
//! `open_file` once it holds the lock. A command talking to a running engine over the socket
//! writes nothing in the data dir, so an agent needs no access to it (issue 13).

pub mod repeated;
pub mod rotating;

use rotating::RotatingFile;
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// The log file, once this process owns the data dir; until then file lines go nowhere.
static FILE: OnceLock<Mutex<Option<RotatingFile>>> = OnceLock::new();

/// Keeps the log file writer flushing until the process ends.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// The file side of the subscriber: writes to the log file when one is open, else drops.
struct LogFile;

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let Some(slot) = FILE.get() else {
            return Ok(buf.len());
        };
        let mut file = slot.lock().unwrap_or_else(|p| p.into_inner());
        match file.as_mut() {
            Some(f) => f.write(buf),
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match FILE.get() {
            Some(slot) => match slot.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                Some(f) => f.flush(),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }
}

/// Installs the subscriber: stderr when asked (`serve`), and the log file from the moment
/// `open_file` opens it. Opens nothing itself.
pub fn init(to_stderr: bool) -> LogGuard {
    let filter = EnvFilter::try_from_env("WABOX_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = FILE.set(Mutex::new(None));
    let (file, guard) = tracing_appender::non_blocking(LogFile);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let _ = if to_stderr {
        builder.with_writer(file.and(std::io::stderr)).try_init()
    } else {
        builder.with_writer(file).try_init()
    };
    LogGuard(Some(guard))
}

/// Starts writing the log file in the data dir this process now owns (it holds the engine lock).
/// Without `init` (tests, the demo) it does nothing; a log that cannot be opened (a link in its
/// place, a full disk) is said on stderr once, and the engine runs on without it.
pub fn open_file(data_dir: &Path) {
    let Some(slot) = FILE.get() else {
        return;
    };
    let mut current = slot.lock().unwrap_or_else(|p| p.into_inner());
    if current.is_some() {
        return;
    }
    let path = data_dir.join("wabox.log");
    match RotatingFile::open(&path, rotating::MAX_BYTES, rotating::KEEP) {
        Ok(f) => *current = Some(f),
        Err(e) => eprintln!(
            "wabox: warning: could not open the log {}: {e}; logging to it is off",
            path.display()
        ),
    }
}
