//! Downloads customers' media: the URL from the media id, the file with the number's token,
//! checked against the SHA-256 Meta announced and the size cap, stored under `DATA_DIR/media/`.
//! A failure is retried with backoff and never holds up the message itself.

use super::Engine;
use crate::domain::pace::backoff_ms;
use crate::domain::time::now_unix;
use crate::store::media::{self, PendingMedia};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

const MAX_ATTEMPTS: i64 = 6;

pub fn spawn(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = engine.writer.events.subscribe();
        loop {
            let e = engine.clone();
            let due = tokio::task::spawn_blocking(move || {
                e.readers.with(|c| media::pending(c, now_unix(), 16))
            })
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
            for item in due.iter().cloned() {
                download(&engine, item).await;
            }
            if due.is_empty() {
                // New messages may carry media: look again when one arrives, or every few seconds.
                let _ = tokio::time::timeout(Duration::from_secs(5), events.recv()).await;
            }
        }
    })
}

fn extension(mime: Option<&str>) -> &'static str {
    match mime
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
    {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

async fn download(engine: &Arc<Engine>, item: PendingMedia) {
    let message_id = item.message_id;
    let result = fetch(engine, &item).await;
    let outcome = match result {
        Ok((path, bytes, mime)) => {
            engine
                .writer
                .run(move |ctx| {
                    media::mark_downloaded(
                        &ctx.conn,
                        message_id,
                        &path,
                        bytes,
                        mime.as_deref(),
                        &mut ctx.events,
                    )
                })
                .await
        }
        Err(error) => {
            let attempts = item.attempts + 1;
            let last = attempts >= MAX_ATTEMPTS;
            let next = now_unix() + backoff_ms(attempts as u32, 0, rand::random()) / 1000 + 1;
            tracing::warn!(message_id, attempts, error = %error, "media download failed");
            engine
                .writer
                .run(move |ctx| {
                    media::mark_attempt_failed(
                        &ctx.conn,
                        message_id,
                        &error,
                        next,
                        last,
                        &mut ctx.events,
                    )
                })
                .await
        }
    };
    if let Ok(Err(e)) = outcome {
        tracing::error!(message_id, error = %e, "could not record a media download");
    }
}

async fn fetch(
    engine: &Arc<Engine>,
    item: &PendingMedia,
) -> Result<(String, i64, Option<String>), String> {
    let sealed = item
        .token_sealed
        .as_deref()
        .ok_or("the number has no access token")?;
    let credential = engine.open_credential(sealed).map_err(|e| e.to_string())?;
    let info = engine
        .graph
        .media_info(&item.media_id, &credential)
        .await
        .map_err(|e| e.to_string())?;
    let url = crate::cloud::GraphClient::media_download_url(&info, &credential)
        .ok_or("the media answer has no url")?;
    let max = engine.config.media.max_bytes;
    if let Some(size) = info.get("file_size").and_then(|s| s.as_u64())
        && size > max
    {
        return Err(format!(
            "the file is {size} bytes, over the {max}-byte limit ([media] max_bytes)"
        ));
    }
    let bytes = engine
        .graph
        .download(url, &credential, max)
        .await
        .map_err(|e| e.to_string())?;
    let expected = item.sha256.clone().or_else(|| {
        info.get("sha256")
            .and_then(|s| s.as_str())
            .map(str::to_string)
    });
    if let Some(expected) = expected {
        let actual = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
        let actual_hex = hex::encode(Sha256::digest(&bytes));
        if expected != actual && !expected.eq_ignore_ascii_case(&actual_hex) {
            return Err("the file does not match the SHA-256 Meta announced".into());
        }
    }
    let mime = item.mime_type.clone().or_else(|| {
        info.get("mime_type")
            .and_then(|m| m.as_str())
            .map(str::to_string)
    });
    let relative = format!("media/{}.{}", item.message_id, extension(mime.as_deref()));
    let dir = engine.config.data_dir.join("media");
    let path = engine.config.data_dir.join(&relative);
    let len = bytes.len() as i64;
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        let tmp = path.with_extension("part");
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &path)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("could not store the file: {e}"))?;
    Ok((relative, len, mime))
}
