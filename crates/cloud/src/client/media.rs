//! Media: uploads (streamed, with time to match their size), where a file is, and downloads.

use super::error::strip_secrets;
use super::{Credential, GraphClient, GraphError};
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;
use wabox_domain::meta_errors::classify;

/// How long an upload of `bytes` may take: the usual timeout, plus a second for every 256 KB
/// (a 100 MB document on a slow uplink must not count as unanswered after 15 s).
pub(super) fn upload_timeout(base: Duration, bytes: usize) -> Duration {
    base + Duration::from_secs((bytes / (256 * 1024)) as u64)
}

impl GraphClient {
    /// `POST /{phone-number-id}/media`: uploads a file (multipart, like Meta's own clients) and
    /// returns its media id, good for 30 days. An unanswered upload is safe to repeat: at worst
    /// Meta keeps an unused copy, and nothing reaches the customer.
    pub async fn upload_media(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        filename: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Result<String, GraphError> {
        let len = bytes.len() as u64;
        self.upload_media_from(
            phone_number_id,
            credential,
            filename,
            mime,
            bytes.into(),
            len,
        )
        .await
    }

    /// As `upload_media`, streaming the file from `body` (a file on disk: never read whole
    /// into memory) of `len` bytes.
    pub async fn upload_media_from(
        &self,
        phone_number_id: &str,
        credential: &Credential,
        filename: &str,
        mime: &str,
        body: reqwest::Body,
        len: u64,
    ) -> Result<String, GraphError> {
        let file = reqwest::multipart::Part::stream_with_length(body, len)
            .file_name(filename.to_string())
            .mime_str(mime)
            .map_err(|_| GraphError::Unexpected(format!("{mime:?} is not a MIME type")))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_string())
            .part("file", file);
        let v = self
            .call(
                self.request(
                    Method::POST,
                    "phone number id",
                    phone_number_id,
                    &["media"],
                    credential,
                )?
                .timeout(upload_timeout(self.timeout, len as usize))
                .multipart(form),
                credential,
            )
            .await?;
        v.get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| GraphError::Unexpected("an upload answer without an id".into()))
    }

    /// `GET /{media-id}`: where to download a media file, and what it should be. Kapso's proxy
    /// resolves a media id through the number it belongs to (`phone_number_id` in the query).
    pub async fn media_info(
        &self,
        media_id: &str,
        credential: &Credential,
    ) -> Result<Value, GraphError> {
        let mut req = self.request(Method::GET, "media id", media_id, &[], credential)?;
        if let Credential::KapsoProxy { phone_number_id } = credential {
            req = req.query(&[("phone_number_id", phone_number_id)]);
        }
        self.call(req, credential).await
    }

    /// Where to fetch a media file from `media_info`'s answer: Kapso's signed `download_url`
    /// (it needs no key) when there is one, else Meta's `url`.
    pub fn media_download_url<'a>(info: &'a Value, credential: &Credential) -> Option<&'a str> {
        let at = |k: &str| info.get(k).and_then(Value::as_str);
        match credential {
            Credential::KapsoProxy { .. } => at("download_url").or_else(|| at("url")),
            Credential::Token(_) => at("url"),
        }
    }

    /// Downloads a media URL into `out` as it arrives (never whole in memory), refusing more
    /// than `max_bytes`; the size and the SHA-256 of what was written. A Meta token goes with it (Meta's
    /// media URLs need it); Kapso's API key only to Kapso's own host, never to a CDN.
    pub async fn download_to(
        &self,
        url: &str,
        credential: &Credential,
        max_bytes: u64,
        out: &mut (impl tokio::io::AsyncWrite + Unpin),
    ) -> Result<(u64, [u8; 32]), GraphError> {
        use sha2::Digest as _;
        use tokio::io::AsyncWriteExt as _;
        let mut req = self.http.get(url);
        match credential {
            Credential::Token(token) => req = req.bearer_auth(token.expose()),
            Credential::KapsoProxy { .. } => {
                if let Some(kapso) = self.kapso.as_ref().filter(|k| k.owns(url)) {
                    req = req.header("x-api-key", kapso.api_key.expose());
                }
            }
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| GraphError::Unreachable(strip_secrets(&e)))?;
        if !resp.status().is_success() {
            return Err(GraphError::Api {
                http_status: resp.status().as_u16(),
                code: 131052,
                subcode: None,
                message: format!("media download answered HTTP {}", resp.status().as_u16()),
                action: classify(0, resp.status().as_u16()),
            });
        }
        let mut written = 0u64;
        let mut hasher = sha2::Sha256::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| GraphError::NoAnswer(strip_secrets(&e)))?
        {
            written += chunk.len() as u64;
            if written > max_bytes {
                return Err(GraphError::Unexpected(format!(
                    "the media file is larger than the {max_bytes}-byte cap"
                )));
            }
            hasher.update(&chunk);
            out.write_all(&chunk).await.map_err(|e| {
                GraphError::Unexpected(format!("could not store the media file: {e}"))
            })?;
        }
        out.flush()
            .await
            .map_err(|e| GraphError::Unexpected(format!("could not store the media file: {e}")))?;
        Ok((written, hasher.finalize().into()))
    }
}
