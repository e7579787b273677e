//! Answers client requests. Who is asking comes from the transport (peer credentials on the
//! socket, the process's own user in-process), never from the request.

mod blocking;
mod broadcasts;
mod connecting;
mod contacts;
mod conversations;
mod directory;
mod journal;
mod sending;
mod templates;

use super::Engine;
use std::sync::Arc;
use wabox_domain::time::now_unix;
use wabox_protocol::{ApiError, EngineInfo, Request, Response};
use wabox_store as store;

/// Who is behind a request: a Unix user on this host (by the socket's credentials), or the
/// holder of a token (`/api`), who has no account here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The Unix uid; `REMOTE_UID` for a token's holder, which no account has.
    pub uid: u32,
    pub user: String,
    /// The token a remote caller came with.
    pub token: Option<i64>,
}

/// The uid a token's holder is given: (uid_t)-1, which the kernel never gives an account, so
/// no check by uid (root, the engine's own user) can ever pass for them.
pub const REMOTE_UID: u32 = u32::MAX;

impl Caller {
    /// The user running this process.
    pub fn current() -> Caller {
        let uid = nix::unistd::getuid();
        Caller::local(uid.as_raw(), user_name(uid.as_raw()))
    }

    pub fn local(uid: u32, user: String) -> Caller {
        Caller {
            uid,
            user,
            token: None,
        }
    }

    pub fn remote(user: String, token: i64) -> Caller {
        Caller {
            uid: REMOTE_UID,
            user,
            token: Some(token),
        }
    }

    /// Whose files in flight these are (uploads): a Unix user's by uid, a token holder's by
    /// name.
    pub fn owner_key(&self) -> String {
        match self.token {
            None => format!("uid:{}", self.uid),
            Some(_) => format!("user:{}", self.user),
        }
    }
}

/// The name of a uid, or the number itself when it has none.
pub fn user_name(uid: u32) -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| uid.to_string())
}

const DEFAULT_LIMIT: usize = 200;

/// A typed token that reads like the marker of a Kapso number.
const MAX_LIMIT: usize = wabox_protocol::MAX_PAGE;

impl Engine {
    pub(super) async fn read<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&wabox_store::db::Connection) -> store::Result<R> + Send + 'static,
    ) -> Result<R, ApiError> {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || engine.readers.with(f))
            .await
            .map_err(|e| {
                ApiError::from(wabox_protocol::ErrorCode::QueryFailed {
                    detail: e.to_string(),
                })
            })?
            .map_err(ApiError::from)
    }

    /// Runs `f` on the writer as one all-or-nothing step (the writer's contract): a request
    /// refused half-way (a check after a first update) leaves nothing behind and tells no
    /// subscriber anything.
    pub(super) async fn write<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut super::writer::WriterCtx) -> store::Result<R> + Send + 'static,
    ) -> Result<R, ApiError> {
        Ok(self.writer.run(f).await?)
    }

    /// Tells subscribers of `event` as if a write had made it (a test's marker or nudge).
    #[cfg(test)]
    pub(crate) async fn tell(self: &Arc<Self>, event: wabox_store::StoreEvent) {
        self.write(move |ctx| {
            ctx.events.push(event);
            Ok(())
        })
        .await
        .unwrap();
    }

    /// Answers one request.
    pub async fn handle(
        self: &Arc<Self>,
        caller: &Caller,
        request: Request,
    ) -> Result<Response, ApiError> {
        self.handle_as(caller, None, request).await
    }

    /// Answers one request as `act_as` (an admin seeing what that user sees) or as the caller.
    pub async fn handle_as(
        self: &Arc<Self>,
        caller: &Caller,
        act_as: Option<&str>,
        request: Request,
    ) -> Result<Response, ApiError> {
        if let Request::Hello = request {
            let token = match caller.token {
                Some(id) => self
                    .read(move |c| wabox_store::api_tokens::get(c, id))
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
            return Ok(Response::Hello(EngineInfo {
                version: env!("CARGO_PKG_VERSION").into(),
                mode: match self.mode {
                    super::EngineMode::Serve => wabox_protocol::EngineMode::Engine,
                    super::EngineMode::InProcess => wabox_protocol::EngineMode::InProcess,
                },
                // A remote caller has no use for this host's paths.
                data_dir: match caller.token {
                    None => self.config.data_dir.display().to_string(),
                    Some(_) => String::new(),
                },
                user: caller.user.clone(),
                protocol: wabox_protocol::PROTOCOL_VERSION,
                // Unaudited: saying who one is must not write an `act_as` line per command.
                role: self.access_unaudited(caller, act_as).await.ok().map(|a| {
                    if a.scope.is_admin() {
                        wabox_protocol::Role::Admin
                    } else {
                        wabox_protocol::Role::Agent
                    }
                }),
                clock_offset_seconds: wabox_domain::time::clock_offset(),
                token_expires_at: token.and_then(|t| t.expires_at),
            }));
        }
        let access = self.access(caller, act_as).await?;
        self.answer(caller, access, request).await
    }

    /// Answers a read as `act_as` without recording the acting in the audit log: the event hub
    /// re-reads its subscribers' sidebars this way (their access was audited when they
    /// subscribed).
    pub async fn answer_unaudited(
        self: &Arc<Self>,
        caller: &Caller,
        act_as: Option<&str>,
        request: Request,
    ) -> Result<Response, ApiError> {
        let access = self.access_unaudited(caller, act_as).await?;
        self.answer(caller, access, request).await
    }

    async fn answer(
        self: &Arc<Self>,
        caller: &Caller,
        access: super::access::Access,
        request: Request,
    ) -> Result<Response, ApiError> {
        let now = now_unix();
        self.check(&access, &request).await?;
        // The rest of this function speaks of the effective user.
        let caller = &Caller {
            user: access.user.clone(),
            ..caller.clone()
        };
        match request {
            Request::Hello => unreachable!("answered above, before access"),
            Request::ListQueues
            | Request::AddQueue { .. }
            | Request::RenameQueue { .. }
            | Request::RemoveQueue { .. }
            | Request::SetAutoAssign { .. }
            | Request::SetHours { .. }
            | Request::Holiday { .. }
            | Request::ListHours
            | Request::SetSla { .. }
            | Request::Report(_)
            | Request::AssignNumber { .. }
            | Request::AddAgent { .. }
            | Request::ListAgents
            | Request::Claim { .. }
            | Request::Transfer { .. }
            | Request::History { .. }
            | Request::Audit { .. }
            | Request::Doctor { .. }
            | Request::Sync { .. } => self.routing(&access, request, now).await,
            Request::Block { .. } | Request::Unblock { .. } => {
                self.blocking_request(&access, request, now).await
            }
            Request::CheckNumber { .. }
            | Request::DemoNumbers
            | Request::HistoryProgress { .. }
            | Request::RequestHistorySync { .. }
            | Request::ConnectManual { .. } => self.connecting_request(&access, request, now).await,
            Request::BeginSignup { .. }
            | Request::GetSignup { .. }
            | Request::ListSignups { .. }
            | Request::FinishSignup { .. }
            | Request::RevokeSignup { .. }
            | Request::RegenerateSignup { .. } => self.signup(&access, request, now).await,
            Request::Dashboard { test, reveal } => self.dashboard(test, reveal).await,
            Request::ListSequences
            | Request::Enroll { .. }
            | Request::ListEnrollments { .. }
            | Request::GetEnrollment { .. }
            | Request::ControlEnrollment { .. }
            | Request::AdvanceClock { .. } => self.sequences_request(&access, request, now).await,
            // The connection joins the hub, which tells where its pushes stand (`socket`).
            Request::Subscribe { .. } => Ok(Response::Subscribed(wabox_protocol::Subscription {
                user: caller.user.clone(),
                cursor: None,
                resumed: false,
            })),
            // The connection keeps it (`socket`); an in-process client is pushed everything.
            Request::Focus { .. } => Ok(Response::Done),
            Request::CreateToken { .. } | Request::ListTokens | Request::RevokeToken { .. } => {
                self.tokens_request(&access, request, now).await
            }
            Request::RenameTenant { .. } | Request::RemoveTenant { .. } => {
                self.tenants_request(&access, request, now).await
            }
            Request::ListTenants
            | Request::AddTenant { .. }
            | Request::ListNumbers
            | Request::AddNumber { .. } => {
                self.directory_request(caller, &access, request, now).await
            }
            Request::ListConversations { .. }
            | Request::ConversationCounts
            | Request::MarkUnread { .. }
            | Request::MarkRead { .. }
            | Request::GetConversation { .. }
            | Request::SetConversationState { .. }
            | Request::Search { .. }
            | Request::ListMessages { .. }
            | Request::GetMessage { .. } => self.conversations_request(&access, request, now).await,
            Request::ListJournal { .. } | Request::ReplayJournal { .. } | Request::Attention => {
                self.journal_request(caller, &access, request).await
            }
            Request::Send { .. }
            | Request::React { .. }
            | Request::RetryMessage { .. }
            | Request::GetMedia { .. }
            | Request::BeginUpload { .. }
            | Request::UploadChunk { .. }
            | Request::RetryMedia { .. } => self.sending_request(caller, request, now).await,
            Request::ListTemplates { .. } | Request::SyncTemplates { .. } => {
                self.templates_request(&access, request).await
            }
            Request::GetContact { .. }
            | Request::ChangeLabels { .. }
            | Request::AddNote { .. }
            | Request::SetOptOut { .. } => self.contacts_request(caller, request, now).await,
            Request::CreateBroadcast { .. }
            | Request::ControlBroadcast { .. }
            | Request::GetBroadcast { .. }
            | Request::ListBroadcasts => {
                self.broadcasts_request(caller, &access, request, now).await
            }
        }
    }
}

#[cfg(test)]
mod tests;
