//! `wabox bench migrate`: `wabox migrate` of a prefilled store of N messages into an empty
//! PostgreSQL database, timed (the README's target: 1M messages within 5 minutes).

use crate::migrate::{self, JournalCopy};
use clap::Args;

#[derive(Args, Debug)]
pub struct MigrateBenchOptions {
    /// An empty PostgreSQL database to copy into (it is left holding the copy).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Messages in the SQLite store (prefilled, with a journal entry each, and cached).
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
}

pub async fn run(options: MigrateBenchOptions) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || measure(&options)).await?
}

fn measure(options: &MigrateBenchOptions) -> anyhow::Result<()> {
    let (_scratch, db) = super::prefill::scratch_store(options.messages, true)?;
    let mut progress = |t: &migrate::TableCopied| {
        if t.rows > 0 {
            eprintln!("  {:<20} {:>10} rows  {:.1} s", t.table, t.rows, t.seconds);
        }
    };
    let done = migrate::migrate(&db, &options.to, JournalCopy::All, &mut progress)?;
    println!(
        "migrate: {} rows ({} messages, every journal entry) in {:.1} s: {:.0} rows/s, checked ({} tables sampled); target 1M messages within 300 s",
        done.rows,
        options.messages,
        done.seconds,
        done.rows as f64 / done.seconds,
        done.sampled_tables
    );
    Ok(())
}
