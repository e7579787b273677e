//! The webhook journal: listing and replaying its entries, and what in it needs attention.

use super::{Caller, MAX_LIMIT};
use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, ReplayTarget, Request, Response};
use wabox_store::journal;

impl Engine {
    pub(super) async fn journal_request(
        self: &Arc<Self>,
        caller: &Caller,
        access: &Access,
        request: Request,
    ) -> Result<Response, ApiError> {
        match request {
            Request::ListJournal {
                filter,
                limit,
                before,
            } => {
                let limit = limit.unwrap_or(50).min(MAX_LIMIT);
                self.read(move |c| journal::list(c, filter, limit, before))
                    .await
                    .map(Response::Journal)
            }
            Request::ReplayJournal { target } => {
                let stats = self.writer.stats.clone();
                let outcomes = self
                    .write(move |ctx| {
                        let ids = match target {
                            ReplayTarget::One(id) => {
                                journal::state(&ctx.conn, id)?;
                                vec![id]
                            }
                            ReplayTarget::AllUnrouted => journal::unrouted_ids(&ctx.conn)?,
                        };
                        crate::ingest::replay(ctx, &ids, &stats)
                    })
                    .await?;
                tracing::info!(count = outcomes.len(), by = %caller.user, "journal entries replayed");
                Ok(Response::Replayed(outcomes))
            }
            // The journal is not divided by tenant: only an installation admin hears of it.
            Request::Attention if access.scope != wabox_store::scope::Scope::Everything => {
                Ok(Response::Attention {
                    unrouted: 0,
                    invalid: 0,
                })
            }
            Request::Attention => {
                let counts = self.read(journal::counts).await?;
                let of = |state: journal::JournalState| {
                    counts
                        .iter()
                        .find(|(s, _)| *s == state)
                        .map_or(0, |(_, n)| *n)
                };
                Ok(Response::Attention {
                    unrouted: of(journal::JournalState::Unrouted),
                    invalid: of(journal::JournalState::Invalid),
                })
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "journal".into(),
                request: format!("{other:?}"),
            })),
        }
    }
}
