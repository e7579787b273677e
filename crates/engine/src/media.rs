//! Downloads customers' media: the URL from the media id, the file with the number's token,
//! checked against the SHA-256 Meta announced and the size cap, stored under `DATA_DIR/media/`.
//! A failure is retried with backoff and never holds up the message itself.

use super::Engine;
use base64::Engine as _;
use std::sync::Arc;
use std::time::Duration;
use wabox_domain::pace::backoff_ms;
use wabox_domain::time::now_unix;
use wabox_protocol::{ApiError, Response};
use wabox_store::media::{self, Lane, PendingMedia};

const MAX_ATTEMPTS: i64 = 6;

impl Engine {
    /// Up to `len` bytes (at most `FILE_CHUNK_BYTES`) of a media message's file from `offset`,
    /// read from disk: the engine never holds a whole file to answer.
    pub(super) async fn media_chunk(
        self: &Arc<Self>,
        message_id: i64,
        offset: u64,
        len: Option<u64>,
    ) -> Result<Response, ApiError> {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let media = self
            .read(move |c| wabox_store::media::get(c, message_id))
            .await?;
        let path = match (media.state.as_str(), &media.path) {
            ("downloaded", Some(p)) => self.config.data_dir.join(p),
            ("failed", _) => {
                return Err(ApiError::from(
                    wabox_protocol::ErrorCode::MediaNotDownloaded {
                        message: message_id,
                        detail: media.error.unwrap_or_default(),
                    },
                ));
            }
            _ => {
                return Err(ApiError::from(
                    wabox_protocol::ErrorCode::StillDownloading {
                        message: message_id,
                    },
                ));
            }
        };
        let missing = |e: std::io::Error| {
            ApiError::from(wabox_protocol::ErrorCode::StoredFileMissing {
                message: message_id,
                detail: e.to_string(),
            })
        };
        let mut file = tokio::fs::File::open(&path).await.map_err(missing)?;
        let size = file.metadata().await.map_err(missing)?.len();
        let want = len
            .unwrap_or(wabox_protocol::FILE_CHUNK_BYTES as u64)
            .min(wabox_protocol::FILE_CHUNK_BYTES as u64);
        let mut data = Vec::new();
        if offset < size {
            file.seek(std::io::SeekFrom::Start(offset))
                .await
                .map_err(missing)?;
            file.take(want)
                .read_to_end(&mut data)
                .await
                .map_err(missing)?;
        }
        use base64::Engine as _;
        Ok(Response::Media(wabox_protocol::MediaFile {
            message_id,
            mime_type: media.mime_type,
            bytes: size as usize,
            offset,
            data_base64: base64::engine::general_purpose::STANDARD.encode(&data),
        }))
    }
}

/// Live files due in one round, all fetched before any file of a history import.
const LIVE_PER_ROUND: usize = 16;
/// History files fetched per round: one, then live files are looked for again. A customer's file
/// waits behind at most one history file, and an import still moves while customers keep
/// writing (at least one history file every `LIVE_PER_ROUND` live ones).
const HISTORY_PER_ROUND: usize = 1;

async fn due(engine: &Arc<Engine>, lane: Lane, limit: usize) -> Vec<PendingMedia> {
    let e = engine.clone();
    tokio::task::spawn_blocking(move || {
        e.readers.with(|c| {
            let due = media::pending(c, now_unix(), lane, limit)?;
            let Some(cluster) = &e.cluster else {
                return Ok(due);
            };
            // With other engines, each fetches the files of its own partitions.
            let mut mine = Vec::with_capacity(due.len());
            for item in due {
                let partition = wabox_store::cluster::partition_of_message(c, item.message_id)?;
                if partition.is_some_and(|p| cluster.lease(p).is_some()) {
                    mine.push(item);
                }
            }
            Ok(mine)
        })
    })
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default()
}

pub fn spawn(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = engine.writer.events.subscribe();
        loop {
            let live = due(&engine, Lane::Live, LIVE_PER_ROUND).await;
            let history = due(&engine, Lane::History, HISTORY_PER_ROUND).await;
            for item in live.iter().chain(&history).cloned() {
                download(&engine, item).await;
            }
            if live.is_empty() && history.is_empty() {
                // New messages may carry media: look again when one arrives, or every few seconds.
                let _ = tokio::time::timeout(Duration::from_secs(5), events.recv()).await;
                // One look for the whole burst of events.
                if !super::wake::drain(&mut events, |_| {}) {
                    return;
                }
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
                        wabox_domain::time::now_unix(),
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
    if let Err(e) = outcome {
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
    let url = wabox_cloud::GraphClient::media_download_url(&info, &credential)
        .ok_or("the media answer has no url")?;
    let max = engine.config.media.max_bytes;
    if let Some(size) = info.get("file_size").and_then(|s| s.as_u64())
        && size > max
    {
        return Err(format!(
            "the file is {size} bytes, over the {max}-byte limit ([media] max_bytes)"
        ));
    }
    let mime = item.mime_type.clone().or_else(|| {
        info.get("mime_type")
            .and_then(|m| m.as_str())
            .map(str::to_string)
    });
    let relative = format!("media/{}.{}", item.message_id, extension(mime.as_deref()));
    let dir = engine.config.data_dir.join("media");
    let path = engine.config.data_dir.join(&relative);
    let tmp = path.with_extension("part");
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| format!("could not store the file: {e}"))?;
    let mut file = tokio::fs::File::create(&tmp)
        .await
        .map_err(|e| format!("could not store the file: {e}"))?;
    // Written to disk as it arrives: a large file is never held in memory, and several at once
    // cost the engine their network buffers only.
    let downloaded = engine
        .graph
        .download_to(url, &credential, max, &mut file)
        .await
        .map_err(|e| e.to_string());
    drop(file);
    let (len, digest) = match downloaded {
        Ok(d) => d,
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
    };
    let expected = item.sha256.clone().or_else(|| {
        info.get("sha256")
            .and_then(|s| s.as_str())
            .map(str::to_string)
    });
    if let Some(expected) = expected {
        let actual = base64::engine::general_purpose::STANDARD.encode(digest);
        let actual_hex = hex::encode(digest);
        if expected != actual && !expected.eq_ignore_ascii_case(&actual_hex) {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err("the file does not match the SHA-256 Meta announced".into());
        }
    }
    tokio::fs::rename(&tmp, &path)
        .await
        .map_err(|e| format!("could not store the file: {e}"))?;
    let len = len as i64;
    Ok((relative, len, mime))
}
