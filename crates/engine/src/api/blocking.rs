//! Blocking a customer on a number, and lifting it: Meta is asked first (`block_users`), and
//! the conversation says so once Meta has. Audited; the inbox refuses to send to a blocked
//! customer before anything reaches Meta.

use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, ErrorCode, Request, Response};
use wabox_store::db::OptionalExtension;
use wabox_store::{outbox, views};

impl Engine {
    pub(super) async fn blocking_request(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        let (conversation_id, block) = match request {
            Request::Block { conversation_id } => (conversation_id, true),
            Request::Unblock { conversation_id } => (conversation_id, false),
            other => {
                return Err(ApiError::from(ErrorCode::WrongRequest {
                    area: "blocking".into(),
                    request: format!("{other:?}"),
                }));
            }
        };
        let (target, sealed) = self
            .read(move |c| {
                let target = outbox::send_target(c, conversation_id)?;
                let sealed: Option<Vec<u8>> = c
                    .prepare_cached("SELECT access_token_sealed FROM numbers WHERE id = ?1")?
                    .query_row([target.number_id], |r| r.get(0))
                    .optional()?
                    .flatten();
                Ok((target, sealed))
            })
            .await?;
        let customer = match (&target.group_id, &target.wa_id) {
            (None, Some(wa_id)) => wa_id.clone(),
            _ => {
                return Err(ApiError::from(ErrorCode::NotBlockable {
                    conversation: conversation_id,
                }));
            }
        };
        let sealed = sealed.ok_or_else(|| {
            ApiError::from(ErrorCode::NoTokenToSend {
                phone_number_id: target.phone_number_id.clone(),
            })
        })?;
        let credential = self.open_credential(&sealed).map_err(ApiError::internal)?;
        self.graph
            .block_users(&target.phone_number_id, &credential, &customer, block)
            .await
            .map_err(|e| {
                let meta = e.to_string();
                ApiError::from(match block {
                    true => ErrorCode::BlockRefused { meta },
                    false => ErrorCode::UnblockRefused { meta },
                })
            })?;
        let (actor, user) = (access.actor.clone(), access.user.clone());
        let action = if block { "block" } else { "unblock" };
        let detail = format!(
            "conversation {conversation_id} on {}",
            target.phone_number_id
        );
        self.write(move |ctx| {
            let blocked = block.then_some((now, user.as_str()));
            wabox_store::blocking::set(&ctx.conn, conversation_id, blocked, &mut ctx.events)?;
            let as_user = (user != actor).then_some(user.as_str());
            wabox_store::queues::audit(&ctx.conn, &actor, as_user, action, &detail, now)
        })
        .await?;
        self.read(move |c| views::conversation(c, conversation_id, now))
            .await
            .map(|c| Response::Conversation(Box::new(c)))
    }
}
