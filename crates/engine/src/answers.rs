//! Answering a given message: a reply that quotes it, and our reaction to it. Both are refused
//! before anything is queued when Meta would refuse or misdeliver them.

use super::Engine;
use super::api::Caller;
use super::send::addressed;
use serde_json::json;
use std::sync::Arc;
use wabox_domain::reply::{one_emoji, quotable, quote_warning, reactable};
use wabox_protocol::{ApiError, Response};
use wabox_store::answers::{self, MessageRef, NewReaction};
use wabox_store::{StoreError, outbox};

/// A queued answer with the warning that goes with it, if any.
pub(super) fn with_warning(response: Response, warning: Option<String>) -> Response {
    match response {
        Response::Queued(mut q) if warning.is_some() => {
            q.warning = warning;
            Response::Queued(q)
        }
        other => other,
    }
}

impl Engine {
    /// Points `request` at the message it answers (`context.message_id`), which must be a sent
    /// message of this conversation; a warning if WhatsApp may show the reply without the quote.
    pub(super) async fn quote(
        self: &Arc<Self>,
        request: &mut serde_json::Value,
        conversation_id: i64,
        quoted: MessageRef,
        now: i64,
    ) -> Result<Option<String>, ApiError> {
        let (wamid, warning) = self
            .read(move |c| {
                let target = answers::target(c, &quoted)?;
                let rules = target.rules();
                let wamid = quotable(&rules, conversation_id).map_err(|e| {
                    StoreError::Invalid(wabox_protocol::ErrorCode::CannotReply {
                        detail: e.to_string(),
                    })
                })?;
                Ok((wamid.to_string(), quote_warning(&rules, now)))
            })
            .await?;
        request["context"] = json!({"message_id": wamid});
        Ok(warning)
    }

    /// Queues our reaction to a customer's message (an empty emoji removes ours), refused up
    /// front when it is not one emoji, the message cannot take one, or the window is closed:
    /// Meta treats a reaction as a free-form message.
    pub(super) async fn react(
        self: &Arc<Self>,
        caller: &Caller,
        message: MessageRef,
        emoji: String,
        now: i64,
    ) -> Result<Response, ApiError> {
        let emoji = if emoji.trim().is_empty() {
            ""
        } else {
            one_emoji(&emoji).map_err(ApiError::invalid)?
        };
        let reacted = self
            .read(move |c| {
                let target = answers::target(c, &message)?;
                reactable(&target.rules(), now).map_err(|e| {
                    StoreError::Invalid(wabox_protocol::ErrorCode::CannotReact {
                        detail: e.to_string(),
                    })
                })?;
                Ok(target)
            })
            .await?;
        let conversation_id = reacted.conversation_id;
        let target = self
            .read(move |c| outbox::send_target(c, conversation_id))
            .await?;
        if !target.has_token {
            return Err(ApiError::from(wabox_protocol::ErrorCode::NoTokenToSend {
                phone_number_id: target.phone_number_id.clone(),
            }));
        }
        self.refuse_outside_window(&target, now).await?;
        let request = answers::reaction_request(
            addressed(&target).map_err(ApiError::invalid)?,
            &reacted.wamid,
            emoji,
        );
        let by = caller.user.clone();
        let queued = self
            .write(move |ctx| {
                let tx = ctx.conn.savepoint()?;
                let target = outbox::send_target(&tx, conversation_id)?;
                let q = answers::queue_reaction(
                    &tx,
                    &target,
                    &NewReaction {
                        reacted: &reacted,
                        emoji,
                        request: &request,
                        requested_by: &by,
                    },
                    super::outbox::now_ms(),
                    &mut ctx.events,
                )?;
                tx.commit()?;
                Ok(q)
            })
            .await?;
        self.outbox_wake.notify_one();
        tracing::info!(
            conversation_id,
            message_id = queued.message_id,
            by = %caller.user,
            removed = emoji.is_empty(),
            "reaction queued"
        );
        Ok(Response::Queued(queued))
    }
}
