//! Who may see and do what. The caller comes from the transport (never from the request); an
//! admin may act as another user (`--as`), which is recorded in the audit log.

use super::Engine;
use super::api::Caller;
use crate::api::{ApiError, Request};
use crate::store::queues::{self, AgentRecord};
use crate::store::scope::Scope;
use std::sync::Arc;

/// The effective user of a request and what they may see.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// Whose view this is (the `--as` user, or the caller).
    pub user: String,
    /// Who is really asking.
    pub actor: String,
    pub scope: Scope,
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
            Err(ApiError::new(format!(
                "{} is an agent: only an admin can do this",
                self.user
            )))
        }
    }
}

/// What a request needs before it runs.
pub enum Need {
    Anyone,
    Admin,
    Conversation(i64),
    Message(i64),
    /// Lists that the scope filters.
    Scoped,
}

pub fn need(request: &Request) -> Need {
    use Request::*;
    match request {
        // An upload is only ever usable by its own uploader, in a Send that is checked.
        Hello | Subscribe | BeginUpload { .. } | UploadChunk { .. } => Need::Anyone,
        ListTenants
        | AddTenant { .. }
        | AddNumber { .. }
        | ListJournal { .. }
        | ReplayJournal { .. }
        | SyncTemplates { .. }
        | AddQueue { .. }
        | RenameQueue { .. }
        | RemoveQueue { .. }
        | SetAutoAssign { .. }
        | AssignNumber { .. }
        | AddAgent { .. }
        | ListAgents
        | Audit { .. }
        | Sync { .. }
        | ConnectManual { .. }
        | CheckNumber { .. }
        | RequestHistorySync { .. }
        | BeginSignup { .. }
        | GetSignup { .. }
        | ListSignups { .. }
        | FinishSignup { .. }
        | RevokeSignup { .. }
        | RegenerateSignup { .. }
        | Dashboard { .. }
        | HistoryProgress { .. }
        | AdvanceClock { .. } => Need::Admin,
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
        ListNumbers
        | ListConversations { .. }
        | Search { .. }
        | ListTemplates { .. }
        | Attention
        | ListQueues
        | Doctor { .. }
        | ListSequences
        | ListEnrollments { .. }
        | GetEnrollment { .. }
        | ControlEnrollment { .. } => Need::Scoped,
    }
}

impl Engine {
    fn installation_admin(&self, caller: &Caller) -> bool {
        caller.uid == 0 || caller.uid == self.own_uid || self.config.admins.contains(&caller.user)
    }

    fn scope_of(&self, user: &str, record: Option<AgentRecord>) -> Result<Scope, ApiError> {
        match record {
            Some(r) if r.role == "admin" => {
                Ok(r.tenant_id.map_or(Scope::Everything, Scope::Tenant))
            }
            Some(_) => Ok(Scope::Agent(user.to_string())),
            None => Err(ApiError::new(format!(
                "{user} is not a wabox user: an admin adds them with `wabox agents add {user}`"
            ))),
        }
    }

    /// The caller's access, or that of the user an admin acts as.
    pub async fn access(
        self: &Arc<Self>,
        caller: &Caller,
        act_as: Option<&str>,
    ) -> Result<Access, ApiError> {
        let user = caller.user.clone();
        let record = self
            .read({
                let user = user.clone();
                move |c| queues::agent_record(c, &user)
            })
            .await?;
        let own = if self.installation_admin(caller) {
            Scope::Everything
        } else {
            self.scope_of(&user, record)?
        };
        let Some(target) = act_as.filter(|t| *t != user) else {
            return Ok(Access {
                user: user.clone(),
                actor: user,
                scope: own,
            });
        };
        if !own.is_admin() {
            return Err(ApiError::new(format!(
                "{user} is not an admin: only admins can act as another user"
            )));
        }
        let target = target.to_string();
        let record = self
            .read({
                let target = target.clone();
                move |c| queues::agent_record(c, &target)
            })
            .await?;
        let scope = self.scope_of(&target, record)?;
        // A tenant's admin acts only within their tenant.
        if let (Scope::Tenant(mine), Scope::Tenant(theirs)) = (&own, &scope)
            && mine != theirs
        {
            return Err(ApiError::new(format!("{target} belongs to another tenant")));
        }
        let access = Access {
            user: target.clone(),
            actor: user.clone(),
            scope,
        };
        let now = crate::domain::time::now_unix();
        let detail = format!("acting as {target}");
        self.write(move |ctx| {
            queues::audit(&ctx.conn, &user, Some(&target), "act_as", &detail, now)
        })
        .await?;
        Ok(access)
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
            Need::Conversation(id) => {
                let scope = access.scope.clone();
                self.read(move |c| scope.check_conversation(c, id)).await
            }
            Need::Message(id) => {
                let scope = access.scope.clone();
                self.read(move |c| scope.check_message(c, id).map(|_| ()))
                    .await
            }
        }
    }
}
