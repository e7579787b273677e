//! Files between a client and the engine, in chunks of `FILE_CHUNK_BYTES`: neither side ever
//! holds a whole file in one request or answer (the engine refuses a request line over
//! `MAX_REQUEST_BYTES`).

use super::Client;
use crate::domain::template_header::HeaderValue;
use crate::protocol::{
    ApiError, ErrorCode, FILE_CHUNK_BYTES, MediaFile, Request, Response, SendContent,
};
use base64::Engine as _;
use std::io::{Read, Write};
use std::path::Path;

impl Client {
    /// A template send whose media header is a file on this side: the file goes to the engine
    /// first, and the send names the upload. Any other content is returned as it is.
    pub async fn with_uploaded_header(
        &mut self,
        content: SendContent,
    ) -> Result<SendContent, ApiError> {
        match content {
            SendContent::Template {
                name,
                language,
                params,
                header: Some(header),
            } => Ok(SendContent::Template {
                name,
                language,
                params,
                header: Some(self.uploaded_header(header).await?),
            }),
            other => Ok(other),
        }
    }

    /// A template header that is a file on this side (`LocalFile`), sent to the engine and
    /// named by its upload (with the file's name and type); any other header as it is.
    pub async fn uploaded_header(&mut self, header: HeaderValue) -> Result<HeaderValue, ApiError> {
        let HeaderValue::LocalFile { path, filename } = header else {
            return Ok(header);
        };
        let mime = mime_guess::from_path(&path)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_string();
        let filename = filename.unwrap_or_else(|| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into())
        });
        let upload_id = self.upload_file(&path).await?;
        Ok(HeaderValue::Upload {
            upload_id,
            filename,
            mime,
        })
    }

    /// A file send from this side (`LocalFile`): the file goes to the engine first, and the
    /// send names the upload. Any other content is returned as it is.
    pub async fn with_uploaded_file(
        &mut self,
        content: SendContent,
    ) -> Result<SendContent, ApiError> {
        let SendContent::LocalFile {
            path,
            kind,
            filename,
            mime,
            caption,
        } = content
        else {
            return Ok(content);
        };
        let upload_id = self.upload_file(&path).await?;
        Ok(SendContent::Media {
            kind,
            filename,
            mime,
            upload_id,
            caption,
        })
    }

    /// Sends a file to the engine; its upload id, for a media `Send`.
    pub async fn upload_file(&mut self, path: &Path) -> Result<String, ApiError> {
        let shown = path.display();
        let unreadable = |e: std::io::Error| {
            ApiError::from(ErrorCode::LocalFileUnreadable {
                path: shown.to_string(),
                detail: e.to_string(),
            })
        };
        let mut file = std::fs::File::open(path).map_err(unreadable)?;
        let bytes = file.metadata().map_err(unreadable)?.len();
        let Response::Upload(progress) = self.call(Request::BeginUpload { bytes }).await? else {
            return Err(ApiError::from(ErrorCode::UnexpectedUploadAnswer {}));
        };
        let upload_id = progress.upload_id;
        let mut offset = 0u64;
        let mut chunk = vec![0u8; FILE_CHUNK_BYTES];
        while offset < bytes {
            let n = read_full(&mut file, &mut chunk).map_err(unreadable)?;
            if n == 0 {
                return Err(ApiError::from(ErrorCode::LocalFileShrank {
                    path: shown.to_string(),
                }));
            }
            let data_base64 = base64::engine::general_purpose::STANDARD.encode(&chunk[..n]);
            self.call(Request::UploadChunk {
                upload_id: upload_id.clone(),
                offset,
                data_base64,
            })
            .await?;
            offset += n as u64;
        }
        Ok(upload_id)
    }

    /// Writes a media message's file to `out`, a chunk at a time; its description (`bytes` the
    /// whole size, no data).
    pub async fn download_media(
        &mut self,
        message_id: i64,
        out: &mut impl Write,
    ) -> Result<MediaFile, ApiError> {
        let mut offset = 0u64;
        loop {
            let Response::Media(piece) = self
                .call(Request::GetMedia {
                    message_id,
                    offset,
                    len: None,
                })
                .await?
            else {
                return Err(ApiError::from(ErrorCode::UnexpectedAnswer {}));
            };
            let data = base64::engine::general_purpose::STANDARD
                .decode(&piece.data_base64)
                .map_err(|e| {
                    ApiError::from(ErrorCode::BrokenChunk {
                        detail: e.to_string(),
                    })
                })?;
            out.write_all(&data).map_err(|e| {
                ApiError::from(ErrorCode::LocalFileNotWritten {
                    detail: e.to_string(),
                })
            })?;
            offset += data.len() as u64;
            // An empty chunk before the end: the file shrank under us; stop rather than spin.
            if offset >= piece.bytes as u64 || data.is_empty() {
                return Ok(MediaFile {
                    bytes: offset as usize,
                    offset: 0,
                    data_base64: String::new(),
                    ..piece
                });
            }
        }
    }
}

/// Reads until `buf` is full or the file ends: chunks other than the last are whole.
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
