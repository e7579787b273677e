//! `wabox media`: saving a customer's file, and downloading a failed one again.

use super::output::say;
use crate::client::Client;
use crate::config::Config;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum MediaCommand {
    /// Save a media message's file.
    Get {
        message_id: i64,
        /// Where to write the file
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// Print what was saved as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Download a failed file again.
    Retry {
        message_id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

/// Streams a message's file from the engine into `out`.
pub async fn save(
    config: Config,
    message_id: i64,
    out: PathBuf,
    json: bool,
    act_as: Option<String>,
) -> anyhow::Result<()> {
    let mut file = std::fs::File::create(&out)
        .map_err(|e| anyhow::anyhow!("could not write {}: {e}", out.display()))?;
    let result = async {
        let mut client = Client::connect(config).await?.acting_as(act_as);
        let saved = client.download_media(message_id, &mut file).await;
        client.close().await;
        anyhow::Ok(saved?)
    }
    .await;
    drop(file);
    match result {
        Ok(saved) if json => {
            let path = std::path::absolute(&out).unwrap_or(out);
            super::json::print(serde_json::json!({
                "message_id": saved.message_id,
                "path": path,
                "bytes": saved.bytes,
                "mime_type": saved.mime_type,
            }))
        }
        Ok(saved) => {
            say!("saved {} bytes to {}", saved.bytes, out.display());
            Ok(())
        }
        Err(e) => {
            // Half a file is worse than none: nobody mistakes it for the customer's.
            let _ = std::fs::remove_file(&out);
            Err(e)
        }
    }
}
