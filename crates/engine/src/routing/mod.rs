//! Queues, agents, claims and transfers, the audit log, `doctor` and `sync`: who handles which
//! conversation, and the admin actions that decide it.

mod doctor;
mod hours;
mod report;
mod sync_file;

use super::Engine;
use super::access::Access;
use std::sync::Arc;
use sync_file::SyncFile;
use wabox_protocol::{ApiError, Request, Response};
use wabox_store::StoreError;
use wabox_store::{queue_tenant, queues};

/// Who did an admin action, for its audit entry. The entry is written in the action's own job,
/// so an action is never stored without its entry, nor an entry without its action.
#[derive(Clone)]
pub(crate) struct Auditor {
    actor: String,
    /// The user acted as (`--as`), when not the actor.
    as_user: Option<String>,
    now: i64,
}

impl Auditor {
    pub(crate) fn of(access: &Access, now: i64) -> Auditor {
        Auditor {
            actor: access.actor.clone(),
            as_user: (access.user != access.actor).then(|| access.user.clone()),
            now,
        }
    }

    pub(crate) fn record(
        &self,
        conn: &wabox_store::db::Connection,
        action: &str,
        detail: &str,
    ) -> wabox_store::Result<()> {
        queues::audit(
            conn,
            &self.actor,
            self.as_user.as_deref(),
            action,
            detail,
            self.now,
        )
    }
}

impl Engine {
    pub(super) async fn routing(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        match request {
            Request::ListQueues => self.queues_response(access).await,
            Request::AddQueue {
                tenant,
                name,
                auto_assign,
            } => self.add_queue(access, tenant, name, auto_assign, now).await,
            Request::RenameQueue { tenant, from, to } => {
                self.rename_queue(access, tenant, from, to, now).await
            }
            Request::RemoveQueue { tenant, name } => {
                self.remove_queue(access, tenant, name, now).await
            }
            Request::SetAutoAssign { tenant, name, on } => {
                self.set_auto_assign(access, tenant, name, on, now).await
            }
            Request::SetHours { .. } | Request::Holiday { .. } | Request::ListHours => {
                self.hours_request(access, request, now).await
            }
            Request::SetSla {
                tenant,
                queue,
                minutes,
            } => self.set_sla(access, tenant, queue, minutes, now).await,
            Request::Report(query) => self.report(access, query, now).await,
            Request::AssignNumber { number, queue } => {
                self.assign_number(access, number, queue, now).await
            }
            Request::AddAgent {
                user,
                role,
                tenant,
                queues: names,
            } => self.add_agent(access, user, role, tenant, names, now).await,
            Request::ListAgents => self
                .read(move |c| queues::list_agents_in(c, &scope))
                .await
                .map(Response::Agents),
            Request::Claim { conversation_id } => self.claim(access, conversation_id, now).await,
            Request::Transfer {
                conversation_id,
                queue,
                agent,
                note,
            } => {
                self.transfer(access, conversation_id, queue, agent, note, now)
                    .await
            }
            Request::History { conversation_id } => self
                .read(move |c| queues::hands(c, conversation_id))
                .await
                .map(Response::History),
            Request::Audit { limit } => {
                let limit = limit.unwrap_or(100).min(10_000);
                self.read(move |c| queues::audit_log(c, limit))
                    .await
                    .map(Response::AuditLog)
            }
            Request::Doctor { offline } => self.doctor(access, offline, now).await,
            Request::Sync {
                file_name,
                content,
                tenant,
                dry_run,
                create_tenant,
                queue,
            } => {
                let file = SyncFile {
                    file_name,
                    content,
                    tenant,
                    dry_run,
                    create_tenant,
                    queue,
                };
                self.sync_connections(access, file, now).await
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "routing".into(),
                request: format!("{other:?}"),
            })),
        }
    }

    async fn add_queue(
        self: &Arc<Self>,
        access: &Access,
        tenant: Option<String>,
        name: String,
        auto_assign: bool,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let detail = format!("queue {name:?} added");
        let audit = Auditor::of(access, now);
        self.write(move |ctx| {
            let tenant_id = match (scope.tenant(), tenant.as_deref()) {
                (None, None) => queue_tenant::tenant_for_new_queue(&ctx.conn, &name)?,
                _ => tenant_for(&ctx.conn, &scope, tenant.as_deref())?,
            };
            queues::add_queue(&ctx.conn, tenant_id, &name, auto_assign, now)?;
            audit.record(&ctx.conn, "queue_add", &detail)?;
            ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
            Ok(())
        })
        .await?;
        self.queues_response(access).await
    }

    async fn rename_queue(
        self: &Arc<Self>,
        access: &Access,
        tenant: Option<String>,
        from: String,
        to: String,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let detail = format!("queue {from:?} renamed {to:?}");
        let audit = Auditor::of(access, now);
        self.write(move |ctx| {
            let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &from)?;
            queues::rename_queue(&ctx.conn, tenant_id, &from, &to)?;
            audit.record(&ctx.conn, "queue_rename", &detail)?;
            ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
            Ok(())
        })
        .await?;
        self.queues_response(access).await
    }

    async fn remove_queue(
        self: &Arc<Self>,
        access: &Access,
        tenant: Option<String>,
        name: String,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let detail = format!("queue {name:?} removed");
        let audit = Auditor::of(access, now);
        self.write(move |ctx| {
            let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &name)?;
            queues::remove_queue(&ctx.conn, tenant_id, &name)?;
            audit.record(&ctx.conn, "queue_remove", &detail)?;
            ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
            Ok(())
        })
        .await?;
        self.queues_response(access).await
    }

    async fn set_auto_assign(
        self: &Arc<Self>,
        access: &Access,
        tenant: Option<String>,
        name: String,
        on: bool,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let detail = format!(
            "queue {name:?} assigns automatically: {}",
            if on { "on" } else { "off" }
        );
        let audit = Auditor::of(access, now);
        self.write(move |ctx| {
            let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &name)?;
            queues::set_auto_assign(&ctx.conn, tenant_id, &name, on)?;
            audit.record(&ctx.conn, "queue_auto_assign", &detail)
        })
        .await?;
        self.queues_response(access).await
    }

    async fn assign_number(
        self: &Arc<Self>,
        access: &Access,
        number: String,
        queue: String,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let detail = format!("number {number} to queue {queue:?}");
        let audit = Auditor::of(access, now);
        self.write(move |ctx| {
            let (_, tenant_id, _) = queues::number_ref(&ctx.conn, &number)?;
            if scope.tenant().is_some_and(|t| t != tenant_id) {
                return Err(StoreError::NotFound(wabox_protocol::ErrorCode::NoNumber {
                    number: number.to_string(),
                }));
            }
            let moved = queues::assign_number(&ctx.conn, &number, &queue, &mut ctx.events)?;
            let detail = format!("{detail} ({moved} conversations moved)");
            audit.record(&ctx.conn, "number_assign", &detail)
        })
        .await?;
        self.queues_response(access).await
    }

    async fn add_agent(
        self: &Arc<Self>,
        access: &Access,
        user: String,
        role: wabox_protocol::Role,
        tenant: Option<String>,
        names: Vec<String>,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let scope_after = scope.clone();
        if role == wabox_protocol::Role::Admin
            && tenant.is_none()
            && scope != wabox_store::scope::Scope::Everything
        {
            return Err(ApiError::from(
                wabox_protocol::ErrorCode::AdminOfEveryTenant {},
            ));
        }
        if scope != wabox_store::scope::Scope::Everything && self.installation_admin_named(&user) {
            return Err(ApiError::from(
                wabox_protocol::ErrorCode::InstallationAdminOnlyChanges { user: user.clone() },
            ));
        }
        let detail = format!("agent {user} as {role} in {}", names.join(", "));
        let audit = Auditor::of(access, now);
        self.write(move |ctx| {
            // A tenant's admin changes only users already within their tenant (or new
            // ones): never another tenant's, nor an installation admin's record.
            if let Some(mine) = scope.tenant()
                && !within_tenant(&ctx.conn, &user, mine)?
            {
                return Err(StoreError::Conflict(
                    wabox_protocol::ErrorCode::NotYourTenantsUser { user: user.clone() },
                ));
            }
            if let (Some(mine), Some(t)) = (scope.tenant(), tenant.as_deref())
                && queues::tenant_named(&ctx.conn, t)? != mine
            {
                return Err(StoreError::NotFound(wabox_protocol::ErrorCode::NoTenant {
                    name: t.to_string(),
                }));
            }
            let tenant = match (tenant, scope.tenant()) {
                (Some(t), _) => Some(t),
                (None, Some(mine)) => Some(tenant_name(&ctx.conn, mine)?),
                (None, None) => None,
            };
            let added = queues::add_agent(&ctx.conn, &user, role, tenant.as_deref(), &names, now)?;
            audit.record(&ctx.conn, "agent_add", &detail)?;
            // What the agent sees changed with their queues.
            ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
            Ok(added)
        })
        .await?;
        self.read(move |c| queues::list_agents_in(c, &scope_after))
            .await
            .map(Response::Agents)
    }

    async fn claim(
        self: &Arc<Self>,
        access: &Access,
        conversation_id: i64,
        now: i64,
    ) -> Result<Response, ApiError> {
        let user = access.user.clone();
        self.write(move |ctx| {
            queues::claim(&ctx.conn, conversation_id, &user, now, &mut ctx.events)
        })
        .await?;
        self.pause_automation(
            conversation_id,
            format!("{} took the conversation", access.user),
        )
        .await;
        self.conversation_response(conversation_id, now).await
    }

    async fn transfer(
        self: &Arc<Self>,
        access: &Access,
        conversation_id: i64,
        queue: Option<String>,
        agent: Option<String>,
        note: Option<String>,
        now: i64,
    ) -> Result<Response, ApiError> {
        let actor = access.who();
        let detail = format!(
            "conversation {conversation_id} to {}",
            [
                queue.as_deref().map(|q| format!("queue {q}")),
                agent.clone()
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and ")
        );
        let audit = Auditor::of(access, now);
        self.write(move |ctx| {
            queues::transfer(
                &ctx.conn,
                conversation_id,
                queue.as_deref(),
                agent.as_deref(),
                note.as_deref(),
                &actor,
                now,
                &mut ctx.events,
            )?;
            audit.record(&ctx.conn, "transfer", &detail)
        })
        .await?;
        self.conversation_response(conversation_id, now).await
    }

    async fn queues_response(self: &Arc<Self>, access: &Access) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        self.read(move |c| queues::list_queues(c, &scope))
            .await
            .map(Response::Queues)
    }

    async fn conversation_response(
        self: &Arc<Self>,
        conversation_id: i64,
        now: i64,
    ) -> Result<Response, ApiError> {
        self.read(move |c| wabox_store::views::conversation(c, conversation_id, now))
            .await
            .map(|c| Response::Conversation(Box::new(c)))
    }
}

/// The tenant an admin means: a tenant's admin always their own; an installation admin the one
/// named (or the only one).
fn tenant_for(
    conn: &wabox_store::db::Connection,
    scope: &wabox_store::scope::Scope,
    named: Option<&str>,
) -> wabox_store::Result<i64> {
    match scope.tenant() {
        Some(mine) => {
            if let Some(name) = named
                && queues::tenant_named(conn, name)? != mine
            {
                return Err(StoreError::NotFound(wabox_protocol::ErrorCode::NoTenant {
                    name: name.to_string(),
                }));
            }
            Ok(mine)
        }
        None => queues::default_tenant(conn, named),
    }
}

/// The tenant of an existing queue: the one named, the admin's own, or the only tenant that has
/// a queue of that name.
fn queue_owner(
    conn: &wabox_store::db::Connection,
    scope: &wabox_store::scope::Scope,
    named: Option<&str>,
    queue: &str,
) -> wabox_store::Result<i64> {
    match (scope.tenant(), named) {
        (None, None) => queue_tenant::tenant_of_queues(conn, &[queue]),
        _ => tenant_for(conn, scope, named),
    }
}

fn tenant_name(conn: &wabox_store::db::Connection, id: i64) -> wabox_store::Result<String> {
    Ok(conn.query_row("SELECT name FROM tenants WHERE id = ?1", [id], |r| r.get(0))?)
}

/// Whether a tenant's admin may change `user`'s record: a user not yet known, an admin of the
/// same tenant, or an agent all of whose queues are the tenant's (one with no queue yet: by the
/// tenant on their record).
fn within_tenant(
    conn: &wabox_store::db::Connection,
    user: &str,
    tenant: i64,
) -> wabox_store::Result<bool> {
    let Some(record) = queues::agent_record(conn, user)? else {
        return Ok(true);
    };
    let mut queue_tenants = wabox_store::scope::queue_tenants(conn, user)?;
    if queue_tenants.is_empty() && record.role != wabox_protocol::Role::Admin {
        queue_tenants.extend(record.tenant_id);
    }
    Ok(wabox_store::scope::Scope::Tenant(tenant)
        .contains(&queues::record_scope(user, &record), &queue_tenants))
}

#[cfg(test)]
mod tests;
