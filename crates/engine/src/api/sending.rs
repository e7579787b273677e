//! What agents send: messages and reactions, retries, and media both ways (uploads to send,
//! chunks of what was received).

use super::Caller;
use crate::Engine;
use std::sync::Arc;
use wabox_protocol::{ApiError, Request, Response};
use wabox_store::outbox;

impl Engine {
    pub(super) async fn sending_request(
        self: &Arc<Self>,
        caller: &Caller,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        match request {
            Request::Send {
                conversation_id,
                content,
                reply_to,
            } => {
                let sent = self
                    .send(caller, conversation_id, content, reply_to, now)
                    .await?;
                self.pause_automation(
                    conversation_id,
                    wabox_i18n::engine::PAUSED_AGENT_REPLIED.en(&[&caller.user]),
                )
                .await;
                Ok(sent)
            }
            Request::React { message, emoji } => self.react(caller, message, emoji, now).await,
            Request::RetryMessage { message_id } => {
                self.write(move |ctx| {
                    outbox::retry(
                        &ctx.conn,
                        message_id,
                        crate::outbox::now_ms(),
                        &mut ctx.events,
                    )
                })
                .await?;
                self.outbox_wake.notify_one();
                tracing::info!(message_id, by = %caller.user, "send retried by an agent");
                Ok(Response::Done)
            }
            Request::GetMedia {
                message_id,
                offset,
                len,
            } => self.media_chunk(message_id, offset, len).await,
            Request::BeginUpload { bytes } => self
                .uploads
                .begin(caller.owner_key(), bytes)
                .await
                .map(Response::Upload),
            Request::UploadChunk {
                upload_id,
                offset,
                data_base64,
            } => self
                .uploads
                .chunk(&caller.owner_key(), &upload_id, offset, &data_base64)
                .await
                .map(Response::Upload),
            Request::RetryMedia { message_id } => {
                self.write(move |ctx| {
                    wabox_store::media::retry(&ctx.conn, message_id, &mut ctx.events)
                })
                .await?;
                Ok(Response::Done)
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "sending".into(),
                request: format!("{other:?}"),
            })),
        }
    }
}
