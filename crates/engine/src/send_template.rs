//! Queuing a template send. A template with a media header may come with a file uploaded to
//! the engine: it is checked as the header's kind, stored like any outgoing file, and the
//! outbox uploads it to Meta and puts its id in the header before sending.

use super::Engine;
use super::api::Caller;
use super::send::{store_file, template_content};
use std::sync::Arc;
use wabox_domain::media::essence;
use wabox_domain::template_header::HeaderValue;
use wabox_protocol::{ApiError, Response};
use wabox_store::media::OutboundFile;
use wabox_store::outbox::SendTarget;

impl Engine {
    /// Checks a template send against its synced template (parameters and header), then queues
    /// it, with the header's file if one was uploaded.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn send_template(
        self: &Arc<Self>,
        caller: &Caller,
        target: &SendTarget,
        request: serde_json::Value,
        name: String,
        language: String,
        params: Vec<String>,
        header: Option<HeaderValue>,
    ) -> Result<Response, ApiError> {
        if matches!(header, Some(HeaderValue::LocalFile { .. })) {
            return Err(ApiError::from(
                wabox_protocol::ErrorCode::HeaderFileNotUploaded {},
            ));
        }
        // Taken out of the uploads first: whatever is refused next, the file is removed, never
        // left behind.
        let staged = match &header {
            Some(HeaderValue::Upload { upload_id, .. }) => {
                Some(self.uploads.take(&caller.owner_key(), upload_id)?)
            }
            _ => None,
        };
        let checked = self
            .checked_template(target, request, name, language, params, header.clone())
            .await;
        let (request, rendered) = match checked {
            Ok(r) => r,
            Err(e) => {
                if let Some(s) = staged {
                    let _ = tokio::fs::remove_file(&s.path).await;
                }
                return Err(e);
            }
        };
        let file = match (staged, header) {
            (Some(staged), Some(HeaderValue::Upload { filename, mime, .. })) => {
                Some(self.keep_header_file(staged, filename, mime).await?)
            }
            _ => None,
        };
        self.queue_send(
            caller,
            target.conversation_id,
            "template",
            request,
            rendered,
            file,
        )
        .await
    }

    async fn checked_template(
        self: &Arc<Self>,
        target: &SendTarget,
        request: serde_json::Value,
        name: String,
        language: String,
        params: Vec<String>,
        header: Option<HeaderValue>,
    ) -> Result<(serde_json::Value, String), ApiError> {
        let t = target.clone();
        self.read(move |c| {
            template_content(c, &t, request, &name, &language, &params, header.as_ref()).map_err(
                |detail| {
                    wabox_store::StoreError::Invalid(wabox_protocol::ErrorCode::TemplateRefused {
                        detail,
                    })
                },
            )
        })
        .await
    }

    /// Checks the header's file against WhatsApp's rules for its kind (its type was checked
    /// against the header already) and stores it in the data dir for the outbox.
    async fn keep_header_file(
        self: &Arc<Self>,
        staged: super::uploads::StagedFile,
        filename: String,
        mime: String,
    ) -> Result<OutboundFile, ApiError> {
        let kind = wabox_domain::MediaKind::for_mime(&mime);
        let checked = match kind {
            Some(kind) => self
                .check_staged(&staged, kind, &mime, &filename, None)
                .await
                .map(|_| ()),
            None => Err(ApiError::from(
                wabox_protocol::ErrorCode::HeaderMimeRefused {
                    filename: filename.to_string(),
                    mime: mime.to_string(),
                },
            )),
        };
        if let Err(e) = checked {
            let _ = tokio::fs::remove_file(&staged.path).await;
            return Err(e);
        }
        let data_dir = self.config.data_dir.clone();
        let staged_path = staged.path.clone();
        let mime = essence(&mime);
        let stored = tokio::task::spawn_blocking(move || {
            store_file(&data_dir, &staged.path, mime, filename)
        })
        .await
        .map_err(|e| {
            ApiError::from(wabox_protocol::ErrorCode::FileNotStored {
                detail: e.to_string(),
            })
        })
        .and_then(|r| {
            r.map_err(|e| {
                ApiError::from(wabox_protocol::ErrorCode::FileNotStoredInDataDir {
                    detail: e.to_string(),
                })
            })
        });
        if stored.is_err() {
            let _ = tokio::fs::remove_file(&staged_path).await;
        }
        stored
    }
}
