//! Logs go to `DATA_DIR/wabox.log` (and to stderr for `serve`), at the level `WABOX_LOG` sets.
//! Never to the screen of a TUI, and never with a token in them: secrets are `Secret`s.

use std::path::Path;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Keeps the log file writer flushing until the process ends.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

pub fn init(data_dir: &Path, to_stderr: bool) -> LogGuard {
    let filter = EnvFilter::try_from_env("WABOX_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if std::fs::create_dir_all(data_dir).is_err() {
        // No data dir to write to: log to stderr only when asked, else nowhere.
        if to_stderr {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .try_init();
        }
        return LogGuard(None);
    }
    // Opened here rather than by tracing-appender, which panics when it may not write the file
    // (another user's data dir): then this process logs to stderr or nowhere.
    let file = match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join("wabox.log"))
    {
        Ok(f) => f,
        Err(_) => {
            if to_stderr {
                let _ = tracing_subscriber::fmt()
                    .with_env_filter(filter)
                    .with_writer(std::io::stderr)
                    .try_init();
            }
            return LogGuard(None);
        }
    };
    let (file, guard) = tracing_appender::non_blocking(file);
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
