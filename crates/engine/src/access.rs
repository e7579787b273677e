//! Who may see and do what. The caller comes from the transport (never from the request); an
//! admin may act as another user (`--as`), which is recorded in the audit log.

use super::Engine;
use super::api::Caller;
use std::sync::Arc;
use wabox_protocol::{ApiError, Request};
use wabox_store::queues::{self, AgentRecord};
use wabox_store::scope::{Scope, queue_tenants};

/// The effective user of a request and what they may see.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// Whose view this is (the `--as` user, or the caller).
    pub user: String,
    /// Who is really asking.
    pub actor: String,
    pub scope: Scope,
    /// The actor came with a token (`/api`), from elsewhere: nothing of this host's paths is
    /// theirs to see.
    pub remote: bool,
}

impl Access {
    /// For the audit log: `alice` or `root as alice`.
    pub fn who(&self) -> String {
        if self.user == self.actor {
            self.actor.clone()
        } else {
            format!("{} as {}", self.actor, self.user)
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.scope.is_admin() {
            Ok(())
        } else {
            Err(ApiError::from(wabox_protocol::ErrorCode::AgentNotAdmin {
                user: self.user.clone(),
            }))
        }
    }
}

/// What `access` decided, before it is audited.
enum Resolved {
    Own(Access),
    ActingAs(Access),
    Refused {
        actor: String,
        target: String,
        why: ApiError,
    },
}

/// What a request needs before it runs.
pub enum Need {
    Anyone,
    /// An admin; a tenant's admin within their tenant (the handler keeps them there).
    Admin,
    /// What concerns every tenant at once: the shared master app's secrets, the journal of
    /// raw deliveries (undivided by tenant), the audit log, tenants themselves.
    Installation,
    Conversation(i64),
    Message(i64),
    /// A message named by wabox's id or by its wamid.
    NamedMessage(wabox_store::answers::MessageRef),
    /// Lists that the scope filters.
    Scoped,
}

pub fn need(request: &Request) -> Need {
    use Request::*;
    match request {
        // An upload is only ever usable by its own uploader, in a Send that is checked.
        // A focus only narrows what the hub pushes within the caller's scope.
        Hello | Subscribe { .. } | Focus { .. } | BeginUpload { .. } | UploadChunk { .. } => {
            Need::Anyone
        }
        AddTenant { .. }
        | RenameTenant { .. }
        | RemoveTenant { .. }
        | ListJournal { .. }
        | ReplayJournal { .. }
        | Audit { .. }
        | Dashboard { reveal: true, .. }
        | AdvanceClock { .. } => Need::Installation,
        ListTenants
        | AddNumber { .. }
        | SyncTemplates { .. }
        | AddQueue { .. }
        | RenameQueue { .. }
        | RemoveQueue { .. }
        | SetAutoAssign { .. }
        | SetHours { .. }
        | Holiday { .. }
        | SetSla { .. }
        | Report(_)
        | AssignNumber { .. }
        | AddAgent { .. }
        | ListAgents
        | CreateToken { .. }
        | Sync { .. }
        | ConnectManual { .. }
        | CheckNumber { .. }
        | DemoNumbers
        | RequestHistorySync { .. }
        | BeginSignup { .. }
        | GetSignup { .. }
        | ListSignups { .. }
        | FinishSignup { .. }
        | RevokeSignup { .. }
        | RegenerateSignup { .. }
        | Dashboard { .. }
        | HistoryProgress { .. }
        // A tenant's admin only from their tenant's numbers (the handler keeps them there).
        | CreateBroadcast { .. }
        | ControlBroadcast { .. } => Need::Admin,
        ListMessages {
            conversation_id, ..
        }
        | Send {
            conversation_id, ..
        }
        | MarkRead { conversation_id }
        | MarkUnread { conversation_id }
        | GetConversation { conversation_id }
        | GetContact { conversation_id }
        | ChangeLabels {
            conversation_id, ..
        }
        | AddNote {
            conversation_id, ..
        }
        | SetConversationState {
            conversation_id, ..
        }
        | Claim { conversation_id }
        | Block { conversation_id }
        | SetOptOut {
            conversation_id, ..
        }
        | Unblock { conversation_id }
        | Transfer {
            conversation_id, ..
        }
        | History { conversation_id }
        | Enroll {
            conversation_id, ..
        } => Need::Conversation(*conversation_id),
        GetMessage { message_id }
        | RetryMessage { message_id }
        | GetMedia { message_id, .. }
        | RetryMedia { message_id } => Need::Message(*message_id),
        React { message, .. } => Need::NamedMessage(message.clone()),
        ListNumbers
        | ListConversations { .. }
        | ConversationCounts
        | Search { .. }
        | ListTemplates { .. }
        | Attention
        | ListQueues
        | ListHours
        | Doctor { .. }
        | ListSequences
        | ListEnrollments { .. }
        | GetEnrollment { .. }
        | ControlEnrollment { .. }
        | ListTokens
        | GetBroadcast { .. }
        | ListBroadcasts
        | RevokeToken { .. } => Need::Scoped,
    }
}

impl Engine {
    fn installation_admin(&self, caller: &Caller) -> bool {
        match caller.token {
            // A token's holder is the name an admin gave it: the Unix account of that name, if
            // this host has one, is somebody else.
            Some(_) => self.config.admins.contains(&caller.user),
            None => {
                caller.uid == 0
                    || caller.uid == self.own_uid
                    || self.config.admins.contains(&caller.user)
            }
        }
    }

    fn scope_of(&self, user: &str, record: Option<AgentRecord>) -> Result<Scope, ApiError> {
        match record {
            Some(r) => Ok(queues::record_scope(user, &r)),
            None => Err(ApiError::from(wabox_protocol::ErrorCode::NotAUser {
                user: user.to_string(),
            })),
        }
    }

    /// Whether a user named so is an installation admin whatever the agents table says (the
    /// engine's own user, root, or one listed in `admins`).
    pub(super) fn installation_admin_named(&self, user: &str) -> bool {
        self.config.admins.iter().any(|a| a == user)
            || nix::unistd::User::from_name(user)
                .ok()
                .flatten()
                .is_some_and(|u| u.uid.is_root() || u.uid.as_raw() == self.own_uid)
    }

    /// The caller's access, or that of the user an admin acts as. Acting as someone is
    /// audited, and so is a refusal, with who tried whom and why.
    pub async fn access(
        self: &Arc<Self>,
        caller: &Caller,
        act_as: Option<&str>,
    ) -> Result<Access, ApiError> {
        let now = wabox_domain::time::now_unix();
        match self.resolve_access(caller, act_as).await? {
            Resolved::Own(access) => Ok(access),
            Resolved::ActingAs(access) => {
                let (actor, target) = (access.actor.clone(), access.user.clone());
                let detail = format!("acting as {target}");
                self.write(move |ctx| {
                    queues::audit(&ctx.conn, &actor, Some(&target), "act_as", &detail, now)
                })
                .await?;
                Ok(access)
            }
            Resolved::Refused { actor, target, why } => {
                let detail = format!("refused to act as {target}: {}", why.english());
                let written = self
                    .write(move |ctx| {
                        queues::audit(
                            &ctx.conn,
                            &actor,
                            Some(&target),
                            "act_as_refused",
                            &detail,
                            now,
                        )
                    })
                    .await;
                if let Err(e) = &written {
                    tracing::error!(error = %e, "a refused --as could not be audited");
                }
                Err(why)
            }
        }
    }

    /// As `access`, without writing to the audit log: for asking again what an access that
    /// was already granted (and audited) may see, as the event filter does.
    pub async fn access_unaudited(
        self: &Arc<Self>,
        caller: &Caller,
        act_as: Option<&str>,
    ) -> Result<Access, ApiError> {
        match self.resolve_access(caller, act_as).await? {
            Resolved::Own(a) | Resolved::ActingAs(a) => Ok(a),
            Resolved::Refused { why, .. } => Err(why),
        }
    }

    async fn resolve_access(
        self: &Arc<Self>,
        caller: &Caller,
        act_as: Option<&str>,
    ) -> Result<Resolved, ApiError> {
        let user = caller.user.clone();
        let target = act_as.filter(|t| *t != user).map(str::to_string);
        // The caller's record and, when they act as someone, the target's: one look.
        let (record, as_target) = self
            .read({
                let (user, target) = (user.clone(), target.clone());
                move |c| {
                    let record = queues::agent_record(c, &user)?;
                    let as_target = match target {
                        Some(t) => Some((queues::agent_record(c, &t)?, queue_tenants(c, &t)?)),
                        None => None,
                    };
                    Ok((record, as_target))
                }
            })
            .await?;
        let own = if self.installation_admin(caller) {
            Scope::Everything
        } else {
            self.scope_of(&user, record)?
        };
        let (Some(target), Some((record, queue_tenants))) = (target, as_target) else {
            return Ok(Resolved::Own(Access {
                user: user.clone(),
                actor: user,
                scope: own,
                remote: caller.token.is_some(),
            }));
        };
        let refuse = |why: wabox_protocol::ErrorCode| Resolved::Refused {
            actor: user.clone(),
            target: target.clone(),
            why: why.into(),
        };
        if !own.is_admin() {
            return Ok(refuse(wabox_protocol::ErrorCode::ActAsNotAdmin {
                user: user.clone(),
            }));
        }
        let scope = if self.installation_admin_named(&target) {
            Scope::Everything
        } else {
            match self.scope_of(&target, record) {
                Ok(s) => s,
                Err(e) => return Ok(refuse(e.code)),
            }
        };
        // Acting as someone must never see or do more than the actor could themselves.
        if !own.contains(&scope, &queue_tenants) {
            let why = match scope {
                Scope::Everything => wabox_protocol::ErrorCode::ActAsInstallationAdmin {
                    target: target.clone(),
                },
                _ => wabox_protocol::ErrorCode::ActAsOtherTenant {
                    target: target.clone(),
                },
            };
            return Ok(refuse(why));
        }
        Ok(Resolved::ActingAs(Access {
            user: target.clone(),
            actor: user.clone(),
            scope,
            remote: caller.token.is_some(),
        }))
    }

    /// Refuses what the access may not do; conversations it may not see are "not found".
    pub async fn check(
        self: &Arc<Self>,
        access: &Access,
        request: &Request,
    ) -> Result<(), ApiError> {
        match need(request) {
            Need::Anyone | Need::Scoped => Ok(()),
            Need::Admin => access.require_admin(),
            Need::Installation if access.scope == Scope::Everything => Ok(()),
            Need::Installation => {
                access.require_admin()?;
                Err(ApiError::from(wabox_protocol::ErrorCode::TenantAdminOnly {
                    user: access.user.clone(),
                }))
            }
            Need::Conversation(id) => {
                let scope = access.scope.clone();
                self.read(move |c| scope.check_conversation(c, id)).await
            }
            Need::Message(id) => {
                let scope = access.scope.clone();
                self.read(move |c| scope.check_message(c, id).map(|_| ()))
                    .await
            }
            Need::NamedMessage(message) => {
                let scope = access.scope.clone();
                self.read(move |c| {
                    let target = wabox_store::answers::target(c, &message)?;
                    // Out of sight reads as not there, in the same words, by the name given.
                    scope.check_message(c, target.id).map(|_| ()).map_err(|_| {
                        wabox_store::StoreError::NotFound(
                            wabox_protocol::ErrorCode::NoMessageNamed {
                                message: message.to_string(),
                            },
                        )
                    })
                })
                .await
            }
        }
    }
}
