//! Files on their way in from a client: written chunk by chunk straight to `DATA_DIR/uploads/`
//! (mode 0600), so the engine never holds a whole file in memory, and handed to a media `Send`
//! by their uploader only. Abandoned ones are removed.

use base64::Engine as _;
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wabox_domain::media::{MediaKind, size_label};
use wabox_protocol::{ApiError, ErrorCode, FILE_CHUNK_BYTES, UploadProgress};

/// Where uploads wait, relative to the data dir.
const UPLOADS_DIR: &str = "uploads";
/// An upload nobody added to for this long is abandoned: its file is removed.
const ABANDONED_AFTER: Duration = Duration::from_secs(10 * 60);
/// Uploads one user has under way at once: a few files sent together, not a disk filled.
const MAX_PER_USER: usize = 8;

/// A complete upload, taken by the send that uses it (which removes or moves its file).
pub struct StagedFile {
    pub path: PathBuf,
    pub bytes: u64,
}

pub struct Uploads {
    dir: PathBuf,
    live: Mutex<HashMap<String, Upload>>,
}

struct Upload {
    owner: String,
    path: PathBuf,
    bytes: u64,
    received: u64,
    touched: Instant,
    /// A chunk is being written: another for the same upload waits its turn (is refused).
    busy: bool,
}

/// A poisoned lock only means a task panicked between two plain field updates: the map is
/// still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn unknown(upload_id: &str) -> ApiError {
    ApiError::from(ErrorCode::NoUpload {
        upload: upload_id.to_string(),
    })
}

impl Uploads {
    /// The uploads of a data dir; what an earlier engine left there is removed (the caller
    /// holds the engine lock, so nobody else uses it).
    pub fn new(data_dir: &Path) -> Uploads {
        let dir = data_dir.join(UPLOADS_DIR);
        let _ = std::fs::remove_dir_all(&dir);
        Uploads {
            dir,
            live: Mutex::new(HashMap::new()),
        }
    }

    pub async fn begin(&self, owner: String, bytes: u64) -> Result<UploadProgress, ApiError> {
        let largest = MediaKind::ALL
            .iter()
            .map(|k| k.max_bytes(true))
            .max()
            .unwrap_or(0) as u64;
        if bytes > largest {
            return Err(ApiError::from(ErrorCode::FileTooBig {
                size: size_label(bytes),
                largest: size_label(largest),
            }));
        }
        let abandoned = self.sweep();
        let upload_id = hex::encode(rand::random::<[u8; 16]>());
        let path = self.dir.join(&upload_id);
        {
            let mut live = lock(&self.live);
            if live.values().filter(|u| u.owner == owner).count() >= MAX_PER_USER {
                return Err(ApiError::from(ErrorCode::UploadsBusy {
                    max: MAX_PER_USER as u64,
                }));
            }
            live.insert(
                upload_id.clone(),
                Upload {
                    owner,
                    path: path.clone(),
                    bytes,
                    received: 0,
                    touched: Instant::now(),
                    busy: true,
                },
            );
        }
        let dir = self.dir.clone();
        let created = tokio::task::spawn_blocking(move || {
            for p in abandoned {
                let _ = std::fs::remove_file(p);
            }
            std::fs::create_dir_all(&dir)?;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map(drop)
        })
        .await
        .map_err(|e| {
            ApiError::from(ErrorCode::UploadNotStarted {
                detail: e.to_string(),
            })
        })
        .and_then(|r| {
            r.map_err(|e| {
                ApiError::from(ErrorCode::UploadNotStartedInDataDir {
                    detail: e.to_string(),
                })
            })
        });
        let mut live = lock(&self.live);
        if let Err(e) = created {
            live.remove(&upload_id);
            return Err(e);
        }
        if let Some(u) = live.get_mut(&upload_id) {
            u.busy = false;
        }
        Ok(UploadProgress {
            upload_id,
            received: 0,
            bytes,
        })
    }

    pub async fn chunk(
        &self,
        owner: &str,
        upload_id: &str,
        offset: u64,
        data_base64: &str,
    ) -> Result<UploadProgress, ApiError> {
        let data = base64::engine::general_purpose::STANDARD
            .decode(data_base64.as_bytes())
            .map_err(|e| {
                ApiError::from(ErrorCode::ChunkNotBase64 {
                    detail: e.to_string(),
                })
            })?;
        if data.len() > FILE_CHUNK_BYTES {
            return Err(ApiError::from(ErrorCode::ChunkTooBig {
                bytes: data.len() as u64,
                max: FILE_CHUNK_BYTES as u64,
            }));
        }
        let path = {
            let mut live = lock(&self.live);
            let u = live
                .get_mut(upload_id)
                .filter(|u| u.owner == owner)
                .ok_or_else(|| unknown(upload_id))?;
            if u.busy {
                return Err(ApiError::from(ErrorCode::ChunkStillWriting {}));
            }
            if offset != u.received {
                return Err(ApiError::from(ErrorCode::ChunkOutOfPlace {
                    offset,
                    received: u.received,
                }));
            }
            if u.received + data.len() as u64 > u.bytes {
                return Err(ApiError::from(ErrorCode::ChunksOverAnnounced {
                    bytes: u.bytes,
                }));
            }
            u.busy = true;
            u.path.clone()
        };
        let len = data.len() as u64;
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new().append(true).open(&path)?;
            f.write_all(&data)
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
        let mut live = lock(&self.live);
        let u = live.get_mut(upload_id).ok_or_else(|| unknown(upload_id))?;
        u.busy = false;
        u.touched = Instant::now();
        if let Err(e) = written {
            // Where the file stands is unknown now: the upload starts over.
            let gone = live.remove(upload_id).map(|u| u.path);
            drop(live);
            if let Some(p) = gone {
                let _ = std::fs::remove_file(p);
            }
            return Err(ApiError::from(ErrorCode::UploadNotWritten {
                detail: e.to_string(),
            }));
        }
        u.received += len;
        Ok(UploadProgress {
            upload_id: upload_id.to_string(),
            received: u.received,
            bytes: u.bytes,
        })
    }

    /// The finished upload of this owner (`Caller::owner_key`), no longer under way: the caller moves or removes its file.
    pub fn take(&self, owner: &str, upload_id: &str) -> Result<StagedFile, ApiError> {
        let mut live = lock(&self.live);
        let u = live
            .get(upload_id)
            .filter(|u| u.owner == owner && !u.busy)
            .ok_or_else(|| unknown(upload_id))?;
        if u.received != u.bytes {
            return Err(ApiError::from(ErrorCode::UploadIncomplete {
                received: u.received,
                bytes: u.bytes,
            }));
        }
        let u = live.remove(upload_id).ok_or_else(|| unknown(upload_id))?;
        Ok(StagedFile {
            path: u.path,
            bytes: u.bytes,
        })
    }

    /// Forgets abandoned uploads; their files, for the caller to remove.
    fn sweep(&self) -> Vec<PathBuf> {
        let mut live = lock(&self.live);
        let old: Vec<String> = live
            .iter()
            .filter(|(_, u)| !u.busy && u.touched.elapsed() > ABANDONED_AFTER)
            .map(|(id, _)| id.clone())
            .collect();
        old.iter()
            .filter_map(|id| live.remove(id))
            .map(|u| u.path)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(data: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(data)
    }

    #[tokio::test]
    async fn chunks_in_order_make_the_file_and_only_its_uploader_takes_it() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new(dir.path());
        let p = uploads.begin("uid:1000".into(), 6).await.unwrap();
        let id = p.upload_id;
        uploads
            .chunk("uid:1000", &id, 0, &b64(b"abc"))
            .await
            .unwrap();
        assert!(
            uploads
                .chunk("uid:1000", &id, 0, &b64(b"abc"))
                .await
                .is_err()
        );
        assert!(uploads.take("uid:1000", &id).is_err(), "not complete yet");
        assert!(
            uploads
                .chunk("user:1000", &id, 3, &b64(b"def"))
                .await
                .is_err()
        );
        let done = uploads
            .chunk("uid:1000", &id, 3, &b64(b"def"))
            .await
            .unwrap();
        assert_eq!(done.received, 6);
        assert!(uploads.chunk("uid:1000", &id, 6, &b64(b"g")).await.is_err());
        assert!(
            uploads.take("user:1000", &id).is_err(),
            "another user's upload"
        );
        let staged = uploads.take("uid:1000", &id).unwrap();
        assert_eq!(std::fs::read(&staged.path).unwrap(), b"abcdef");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&staged.path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(uploads.take("uid:1000", &id).is_err(), "taken once");
    }

    #[tokio::test]
    async fn a_file_larger_than_whatsapp_takes_is_refused_before_any_byte() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new(dir.path());
        let err = uploads
            .begin("uid:1000".into(), 200_000_000)
            .await
            .unwrap_err();
        assert!(err.english().contains("no file larger than"), "{err}");
    }
}
