//! The inbox's speed on a big store: time to the first full frame, opening a conversation, a
//! key press to the next frame, a search, memory, and the bytes sent to the terminal per
//! incoming message while the agent does nothing. The TUI's own code runs here (state, the
//! engine's answers, drawing through crossterm into a byte counter instead of a terminal).

mod delay;
mod measure;
mod report;
mod ui;

use super::prefill::{self, Shape};
use std::path::PathBuf;

// Fanout's bench sends the same deliveries to the same store.
pub(super) use ui::{delivery, delivery_number};

#[derive(clap::Args, Debug)]
pub struct TuiBenchOptions {
    /// Only build the store (the bench runs itself this way, so the TUI's memory is its own).
    #[arg(long, hide = true)]
    pub prefill_only: bool,
    /// Messages in the store the inbox opens
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    /// Conversations the messages are spread over
    #[arg(long, default_value_t = 100_000)]
    pub conversations: u64,
    /// Samples per measurement (key presses are five times this).
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Where the bench's store goes (default: a temporary dir, removed at the end).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Build the store even if a cached copy exists.
    #[arg(long)]
    pub no_cache: bool,
    /// The inbox reaches the engine at `/api` with a token, as an agent elsewhere does
    /// (`wabox login`), instead of through its socket.
    #[arg(long)]
    pub remote: bool,
    /// With --remote: this round trip added between the inbox and the engine (a delaying
    /// proxy on loopback), as over a distant link.
    #[arg(long, value_name = "MS", default_value_t = 0, requires = "remote")]
    pub latency_ms: u64,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

/// The store is built by a child process and served by another (`wabox serve`), so that this
/// process holds only what an agent's `wabox` holds: the TUI and its socket to the engine.
pub async fn run(o: TuiBenchOptions) -> anyhow::Result<()> {
    if o.prefill_only {
        let scratch = o
            .data_dir
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--prefill-only needs --data-dir"))?;
        return prefill_store(&o, &scratch);
    }
    let temp = tempfile_dir()?;
    let scratch = o.data_dir.clone().unwrap_or_else(|| temp.clone());
    let exe = std::env::current_exe()?;
    let mut prefill = std::process::Command::new(&exe);
    prefill.args(["bench", "tui", "--prefill-only"]).args([
        "--messages",
        &o.messages.to_string(),
        "--conversations",
        &o.conversations.to_string(),
        "--data-dir",
    ]);
    prefill.arg(&scratch);
    if o.no_cache {
        prefill.arg("--no-cache");
    }
    let status = prefill.status()?;
    anyhow::ensure!(
        status.success(),
        "building the bench store failed ({status})"
    );
    let result = measure::measure(&o, &exe, &scratch.join("tui-bench")).await;
    let _ = std::fs::remove_dir_all(&temp);
    let report = result?;
    if o.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report::print_report(&report);
    }
    Ok(())
}

fn prefill_store(o: &TuiBenchOptions, scratch: &std::path::Path) -> anyhow::Result<()> {
    let data = scratch.join("tui-bench");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    crate::engine::ensure_data_dir(&data)?;
    let shape = Shape {
        numbers: 2,
        contacts: o.conversations,
        messages: o.messages,
        journal: false,
    };
    let cache = if o.no_cache {
        None
    } else {
        prefill::default_cache_dir()
    };
    eprintln!(
        "preparing a store of {} messages in {} conversations…",
        o.messages, o.conversations
    );
    prefill::prepare(
        &crate::engine::db_path(&data),
        &shape,
        cache.as_deref(),
        scratch,
        false,
    )?;
    Ok(())
}

/// `wabox serve` on the bench store; killed when dropped.
pub(super) struct EngineProcess(pub(super) std::process::Child);

impl Drop for EngineProcess {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.0.wait();
    }
}

/// Another process's resident memory, in KiB.
pub(super) fn rss_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "wabox-bench-tui-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
