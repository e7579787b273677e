//! The TUI bench's figures and the table people read (`--json` prints them as they are).

use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Serialize)]
pub struct Timing {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub samples: usize,
}

pub fn timing(mut samples: Vec<Duration>) -> Timing {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    Timing {
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: samples.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        samples: samples.len(),
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub messages: u64,
    pub conversations: u64,
    pub terminal: String,
    /// How the inbox reached the engine: its socket, or `/api` (with the round trip added).
    pub link: String,
    pub engine_start_ms: f64,
    pub engine_rss_mib: f64,
    pub first_frame_ms: f64,
    pub first_frame_bytes: usize,
    pub open_conversation: Timing,
    pub key_to_frame: Timing,
    /// To the frame drawn at once, before any answer the key asked for.
    pub key_to_first_frame: Timing,
    pub search: Timing,
    pub rss_mib: f64,
    pub peak_rss_mib: f64,
    pub bytes_per_message_open_conversation: f64,
    pub bytes_per_message_elsewhere: f64,
    pub bytes_per_idle_minute_tick: f64,
}

pub fn print_report(r: &Report) {
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "TUI on {} messages in {} conversations, {} terminal, {}",
        r.messages, r.conversations, r.terminal, r.link
    );
    println!("{:<44} {:>12} {:>12}  target", "", "measured", "");
    println!(
        "{:<44} {:>9.1} ms {:>12}  (wabox serve to its socket answering; not part of the frame)",
        "engine start", r.engine_start_ms, ""
    );
    println!(
        "{:<44} {:>9.1} ms {:>12}  < 200 ms {}",
        "start to first full frame",
        r.first_frame_ms,
        format!("{} B", r.first_frame_bytes),
        verdict(r.first_frame_ms < 200.0)
    );
    let row = |name: &str, t: &Timing, target: f64| {
        println!(
            "{:<44} {:>9.2} ms {:>9.2} ms  p99 < {target} ms {} (p50, p99; {} samples, max {:.1} ms)",
            name,
            t.p50_ms,
            t.p99_ms,
            verdict(t.p99_ms < target),
            t.samples,
            t.max_ms
        )
    };
    row(
        "open a conversation, last page drawn",
        &r.open_conversation,
        10.0,
    );
    row("key press to next frame", &r.key_to_frame, 8.0);
    row(
        "key press to the frame drawn at once",
        &r.key_to_first_frame,
        8.0,
    );
    row("search all messages, newest first", &r.search, 50.0);
    println!(
        "{:<44} {:>9.1} MiB {:>8.1} MiB  < 100 MiB {} (now, peak)",
        "resident memory of the TUI",
        r.rss_mib,
        r.peak_rss_mib,
        verdict(r.peak_rss_mib < 100.0)
    );
    println!(
        "{:<44} {:>9.1} MiB  (for reference: the engine serving it)",
        "resident memory of the engine", r.engine_rss_mib
    );
    println!(
        "{:<44} {:>10.0} B {:>10.0} B  (open conversation, another one)",
        "bytes to the terminal per incoming message",
        r.bytes_per_message_open_conversation,
        r.bytes_per_message_elsewhere
    );
    println!(
        "{:<44} {:>10.0} B",
        "bytes for the once-a-minute countdown redraw", r.bytes_per_idle_minute_tick
    );
}
