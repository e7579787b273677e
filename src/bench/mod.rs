//! `wabox bench`: measured, not asserted. See the README for the figures.
//!
//! One module per bench (ingest, send, fanout, tui, sequences); the store prefill, the
//! deliveries, the load generator and the system counters are shared by them.

mod deliveries;
mod fanout;
mod ingest;
mod load;
mod migrate;
pub mod prefill;
mod report;
mod send;
pub mod sequences;
mod sys;
pub mod tui;

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Idle inboxes while customers write: the engine's CPU against its CPU with none, event
    /// to inbox latency, bytes per message per inbox, and resyncs.
    Fanout(fanout::FanoutOptions),
    /// The inbox on a big store: first frame, opening a conversation, key to frame, search,
    /// memory, and bytes to the terminal per incoming message.
    Tui(tui::TuiBenchOptions),
    /// The sequence scheduler: enrollments advanced per second, and how late a due step runs
    /// with 100,000 active enrollments.
    Sequences(sequences::SequencesBenchOptions),
    /// Sending: the outbox against the simulated Cloud API, four numbers at their rate limits,
    /// and the time from queueing to the simulator at low load.
    Send(send::SendBenchOptions),
    /// Webhook ingestion: acknowledgements and processing over loopback.
    ///
    /// Runs the HTTP and SQLite ceilings, then the engine on an empty store (acknowledged/s and
    /// time to answer) and on a prefilled one (fully processed/s, journal backlog), and prints a
    /// table with the targets met or not.
    Ingest(ingest::IngestOptions),
    /// `wabox migrate` of a prefilled SQLite store (1M messages by default) into an empty
    /// PostgreSQL database, timed.
    Migrate(migrate::MigrateBenchOptions),
    /// The team report (`wabox report`) over a prefilled store's whole history (1M messages by
    /// default): totals and each split, timed.
    Report(report::ReportBenchOptions),
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Tui(options) => tui::run(options).await,
        BenchCommand::Fanout(options) => fanout::run(options).await,
        BenchCommand::Sequences(options) => sequences::run(options).await,
        BenchCommand::Send(options) => send::run(options).await,
        BenchCommand::Ingest(options) => ingest::run(options).await,
        BenchCommand::Migrate(options) => migrate::run(options).await,
        BenchCommand::Report(options) => report::run(options).await,
    }
}
