//! Conversations and their messages: the lists, counts and search, reading one, marking it read
//! or unread, and its state.

use super::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, Request, Response};
use wabox_store::db::OptionalExtension;
use wabox_store::{self as store, StoreError, outbox, views};

impl Engine {
    pub(super) async fn conversations_request(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        match request {
            Request::ListConversations {
                phone_number_id,
                limit,
                filter,
                queue,
                before,
                state,
                queue_name,
            } => {
                let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
                let user = access.user.clone();
                if queue == Some(views::QueueSelection::NoQueue) {
                    access.require_admin()?;
                }
                let queue = match (queue, queue_name) {
                    (Some(_), Some(_)) => {
                        return Err(ApiError::invalid("name a queue or give its id, not both"));
                    }
                    (queue, None) => queue,
                    (None, Some(named)) => {
                        let scope = scope.clone();
                        let id = self
                            .read(move |c| {
                                store::queue_tenant::visible_queue_named(
                                    c,
                                    &scope,
                                    &named.name,
                                    named.tenant.as_deref(),
                                )
                            })
                            .await?;
                        Some(views::QueueSelection::Queue(id))
                    }
                };
                self.read(move |c| {
                    let filter = views::ConversationFilter {
                        phone_number_id,
                        text: filter,
                        queue,
                        before,
                        state,
                    };
                    views::conversations(c, &scope, &user, &filter, limit, now)
                })
                .await
                .map(Response::Conversations)
            }
            Request::ConversationCounts => {
                let user = access.user.clone();
                self.read(move |c| store::view_counts::counts(c, &scope, &user, now))
                    .await
                    .map(Response::ConversationCounts)
            }
            Request::MarkUnread { conversation_id } => self.mark_unread(conversation_id).await,
            Request::MarkRead { conversation_id } => self.mark_read(conversation_id).await,
            Request::GetConversation { conversation_id } => self
                .read(move |c| views::conversation(c, conversation_id, now))
                .await
                .map(|c| Response::Conversation(Box::new(c))),
            Request::SetConversationState {
                conversation_id,
                state,
                snoozed_until,
            } => {
                // The view's user: reports credit the close to the agent whose inbox it was.
                let actor = access.user.clone();
                self.write(move |ctx| {
                    wabox_store::contacts::set_state(
                        &ctx.conn,
                        conversation_id,
                        state.as_str(),
                        snoozed_until,
                        &actor,
                        now,
                        &mut ctx.events,
                    )
                })
                .await?;
                self.read(move |c| views::conversation(c, conversation_id, now))
                    .await
                    .map(|c| Response::Conversation(Box::new(c)))
            }
            Request::Search {
                query,
                limit,
                before,
            } => {
                let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
                // What arrived since the writer last had a quiet moment is indexed first, so
                // a search finds the newest messages too, within a bound on the writer's time:
                // on PostgreSQL a message's words take about 0.2 ms (1.3 KB of text), so 2,000
                // hold deliveries off for about 0.4 s; after `wabox migrate` the rest waits for
                // the writers' quiet moments.
                self.write(|ctx| {
                    let most = match ctx.conn.dialect() {
                        wabox_store::db::Dialect::Sqlite => 20_000,
                        wabox_store::db::Dialect::Postgres => 2_000,
                    };
                    wabox_store::search::index_pending(&mut ctx.conn, most)
                })
                .await?;
                self.read(move |c| wabox_store::search::search(c, &scope, &query, limit, before))
                    .await
                    .map(Response::SearchResults)
            }
            Request::ListMessages {
                conversation_id,
                before,
                limit,
            } => {
                let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
                self.read(move |c| views::messages(c, conversation_id, before, limit))
                    .await
                    .map(Response::Messages)
            }
            Request::GetMessage { message_id } => self
                .read(move |c| views::message(c, message_id))
                .await
                .map(|m| Response::Message(Box::new(m))),
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "conversations".into(),
                request: format!("{other:?}"),
            })),
        }
    }

    async fn mark_unread(self: &Arc<Self>, conversation_id: i64) -> Result<Response, ApiError> {
        self.write(move |ctx| {
            let changed = ctx.conn.execute(
                "UPDATE conversations SET unread = max(unread, 1) WHERE id = ?1",
                [conversation_id],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(
                    wabox_protocol::ErrorCode::NoConversationListed {
                        conversation: conversation_id,
                    },
                ));
            }
            ctx.events
                .push(store::StoreEvent::ConversationChanged { conversation_id });
            Ok(())
        })
        .await?;
        Ok(Response::Done)
    }

    async fn mark_read(self: &Arc<Self>, conversation_id: i64) -> Result<Response, ApiError> {
        let found = self
            .read(move |c| {
                let target = outbox::send_target(c, conversation_id)?;
                let last: Option<String> = c
                    .prepare_cached(
                        "SELECT wamid FROM messages WHERE conversation_id = ?1 AND direction = 'in'
                         AND origin = 'customer' ORDER BY at DESC, id DESC LIMIT 1",
                    )?
                    .query_row([conversation_id], |r| r.get(0))
                    .optional()?;
                let sealed: Option<Vec<u8>> = c
                    .prepare_cached("SELECT access_token_sealed FROM numbers WHERE id = ?1")?
                    .query_row([target.number_id], |r| r.get(0))?;
                Ok((target, last, sealed))
            })
            .await?;
        let (target, last, sealed) = found;
        self.write(move |ctx| {
            // Every inbox with the conversation open asks as a message arrives: only the first
            // changes anything, and only a change is told to every subscriber.
            let changed = ctx
                .conn
                .prepare_cached(
                    "UPDATE conversations SET unread = 0 WHERE id = ?1 AND unread != 0",
                )?
                .execute([conversation_id])?;
            if changed > 0 {
                ctx.events
                    .push(store::StoreEvent::ConversationChanged { conversation_id });
            }
            Ok(())
        })
        .await?;
        // Meta's Groups API cannot mark group messages read: only our own count is cleared.
        if let (Some(wamid), Some(sealed), true, None) = (
            last,
            sealed,
            self.config.outbox.mark_read_on_open,
            &target.group_id,
        ) {
            // Every inbox with the conversation open asks as a message arrives: Meta hears
            // once per customer message, and again only after a call that failed.
            if self.read_receipts.told(conversation_id, &wamid) {
                return Ok(Response::Done);
            }
            let credential = self.open_credential(&sealed).map_err(ApiError::internal)?;
            self.graph
                .mark_read(&target.phone_number_id, &credential, &wamid)
                .await
                .map_err(|e| {
                    ApiError::from(wabox_protocol::ErrorCode::MarkedReadHereOnly {
                        meta: e.to_string(),
                    })
                })?;
            self.read_receipts.record(conversation_id, wamid);
        }
        Ok(Response::Done)
    }
}
