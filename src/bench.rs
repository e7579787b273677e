//! `wabox bench`: measured, not asserted. See the README for the figures.

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Webhook ingestion: acknowledgements and processing over loopback.
    Ingest {},
}

pub async fn run(_command: BenchCommand) -> anyhow::Result<()> {
    anyhow::bail!("not written yet")
}
