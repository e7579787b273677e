//! A conversation's contact: the panel's details, its labels and notes.

use super::Caller;
use crate::Engine;
use std::sync::Arc;
use wabox_protocol::{ApiError, Request, Response};

impl Engine {
    pub(super) async fn contacts_request(
        self: &Arc<Self>,
        caller: &Caller,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        match request {
            Request::GetContact { conversation_id } => self.contact_response(conversation_id).await,
            Request::SetOptOut {
                conversation_id,
                opted_out,
            } => {
                let by = caller.user.clone();
                let detail = format!(
                    "conversation {conversation_id}'s customer opted {}",
                    if opted_out { "out" } else { "back in" }
                );
                self.write(move |ctx| {
                    let mark = opted_out.then_some(by.as_str());
                    if wabox_store::contacts::set_opted_out(&ctx.conn, conversation_id, mark, now)?
                    {
                        ctx.events
                            .push(wabox_store::StoreEvent::ConversationChanged { conversation_id });
                        let action = if opted_out { "opt_out" } else { "opt_in" };
                        wabox_store::queues::audit(&ctx.conn, &by, None, action, &detail, now)?;
                    }
                    Ok(())
                })
                .await?;
                self.contact_response(conversation_id).await
            }
            Request::ChangeLabels {
                conversation_id,
                add,
                remove,
            } => {
                self.write(move |ctx| {
                    wabox_store::contacts::change_labels(
                        &ctx.conn,
                        conversation_id,
                        &add,
                        &remove,
                        &mut ctx.events,
                    )
                })
                .await?;
                self.contact_response(conversation_id).await
            }
            Request::AddNote {
                conversation_id,
                text,
            } => {
                let author = caller.user.clone();
                self.write(move |ctx| {
                    wabox_store::contacts::add_note(
                        &ctx.conn,
                        conversation_id,
                        &author,
                        &text,
                        now,
                        &mut ctx.events,
                    )
                })
                .await?;
                self.contact_response(conversation_id).await
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "contacts".into(),
                request: format!("{other:?}"),
            })),
        }
    }

    /// A conversation's contact, as the contact panel shows it (also the answer to a change).
    async fn contact_response(
        self: &Arc<Self>,
        conversation_id: i64,
    ) -> Result<Response, ApiError> {
        self.read(move |c| wabox_store::contacts::details(c, conversation_id))
            .await
            .map(|c| Response::Contact(Box::new(c)))
    }
}
