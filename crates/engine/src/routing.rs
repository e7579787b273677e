//! Queues, agents, claims and transfers, the audit log, `doctor` and `sync`: who handles which
//! conversation, and the admin actions that decide it.

use super::Engine;
use super::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, DoctorReport, Request, Response};
use wabox_store::sync::{self, Sealing};
use wabox_store::{StoreError, directory, journal};
use wabox_store::{queue_tenant, queues};

/// `doctor` shows the account events of the last month, at most this many.
const ACCOUNT_EVENTS_SHOWN_SECONDS: i64 = 30 * 86_400;
const ACCOUNT_EVENTS_SHOWN: usize = 20;

impl Engine {
    /// Records an admin action (with who acted as whom).
    async fn audited(self: &Arc<Self>, access: &Access, action: &str, detail: String, now: i64) {
        let actor = access.actor.clone();
        let as_user = (access.user != access.actor).then(|| access.user.clone());
        let action = action.to_string();
        let written = self
            .write(move |ctx| {
                queues::audit(&ctx.conn, &actor, as_user.as_deref(), &action, &detail, now)
            })
            .await;
        if let Err(e) = written {
            tracing::error!(error = %e, "an audit entry could not be written");
        }
    }

    pub(super) async fn routing(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        match request {
            Request::ListQueues => self
                .read(move |c| queues::list_queues(c, &scope))
                .await
                .map(Response::Queues),
            Request::AddQueue {
                tenant,
                name,
                auto_assign,
            } => {
                let detail = format!("queue {name:?} added");
                self.write(move |ctx| {
                    let tenant_id = match (scope.tenant(), tenant.as_deref()) {
                        (None, None) => queue_tenant::tenant_for_new_queue(&ctx.conn, &name)?,
                        _ => tenant_for(&ctx.conn, &scope, tenant.as_deref())?,
                    };
                    queues::add_queue(&ctx.conn, tenant_id, &name, auto_assign, now)?;
                    ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                    Ok(())
                })
                .await?;
                self.audited(access, "queue_add", detail, now).await;
                self.queues_response(access).await
            }
            Request::RenameQueue { tenant, from, to } => {
                let detail = format!("queue {from:?} renamed {to:?}");
                self.write(move |ctx| {
                    let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &from)?;
                    queues::rename_queue(&ctx.conn, tenant_id, &from, &to)?;
                    ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                    Ok(())
                })
                .await?;
                self.audited(access, "queue_rename", detail, now).await;
                self.queues_response(access).await
            }
            Request::RemoveQueue { tenant, name } => {
                let detail = format!("queue {name:?} removed");
                self.write(move |ctx| {
                    let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &name)?;
                    queues::remove_queue(&ctx.conn, tenant_id, &name)?;
                    ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                    Ok(())
                })
                .await?;
                self.audited(access, "queue_remove", detail, now).await;
                self.queues_response(access).await
            }
            Request::SetAutoAssign { tenant, name, on } => {
                let detail = format!(
                    "queue {name:?} assigns automatically: {}",
                    if on { "on" } else { "off" }
                );
                self.write(move |ctx| {
                    let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &name)?;
                    queues::set_auto_assign(&ctx.conn, tenant_id, &name, on)
                })
                .await?;
                self.audited(access, "queue_auto_assign", detail, now).await;
                self.queues_response(access).await
            }
            Request::AssignNumber { number, queue } => {
                let detail = format!("number {number} to queue {queue:?}");
                let moved = self
                    .write(move |ctx| {
                        let (_, tenant_id, _) = queues::number_ref(&ctx.conn, &number)?;
                        if scope.tenant().is_some_and(|t| t != tenant_id) {
                            return Err(StoreError::NotFound(
                                wabox_protocol::ErrorCode::NoNumber {
                                    number: number.to_string(),
                                },
                            ));
                        }
                        queues::assign_number(&ctx.conn, &number, &queue, &mut ctx.events)
                    })
                    .await?;
                self.audited(
                    access,
                    "number_assign",
                    format!("{detail} ({moved} conversations moved)"),
                    now,
                )
                .await;
                self.queues_response(access).await
            }
            Request::AddAgent {
                user,
                role,
                tenant,
                queues: names,
            } => {
                let scope_after = scope.clone();
                if role == wabox_protocol::Role::Admin
                    && tenant.is_none()
                    && scope != wabox_store::scope::Scope::Everything
                {
                    return Err(ApiError::from(
                        wabox_protocol::ErrorCode::AdminOfEveryTenant {},
                    ));
                }
                if scope != wabox_store::scope::Scope::Everything
                    && self.installation_admin_named(&user)
                {
                    return Err(ApiError::from(
                        wabox_protocol::ErrorCode::InstallationAdminOnlyChanges {
                            user: user.clone(),
                        },
                    ));
                }
                let detail = format!("agent {user} as {role} in {}", names.join(", "));
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
                    let added =
                        queues::add_agent(&ctx.conn, &user, role, tenant.as_deref(), &names, now)?;
                    // What the agent sees changed with their queues.
                    ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                    Ok(added)
                })
                .await?;
                self.audited(access, "agent_add", detail, now).await;
                self.read(move |c| queues::list_agents_in(c, &scope_after))
                    .await
                    .map(Response::Agents)
            }
            Request::ListAgents => self
                .read(move |c| queues::list_agents_in(c, &scope))
                .await
                .map(Response::Agents),
            Request::Claim { conversation_id } => {
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
            Request::Transfer {
                conversation_id,
                queue,
                agent,
                note,
            } => {
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
                    )
                })
                .await?;
                self.audited(access, "transfer", detail, now).await;
                self.conversation_response(conversation_id, now).await
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
            Request::Doctor { offline } => {
                let numbers = self.number_health(scope.clone(), offline, now).await?;
                let installation_admin = scope == wabox_store::scope::Scope::Everything;
                let mut report = self
                    .read(move |c| {
                        let counts = journal::counts(c)?;
                        let of = |state: journal::JournalState| {
                            counts
                                .iter()
                                .find(|(s, _)| *s == state)
                                .map_or(0, |(_, n)| *n)
                        };
                        // Deliveries are not divided by tenant: installation admins only.
                        let admin = scope == wabox_store::scope::Scope::Everything;
                        Ok(DoctorReport {
                            without_queue: queues::orphans(c, &scope)?,
                            unrouted: if admin {
                                of(journal::JournalState::Unrouted)
                            } else {
                                0
                            },
                            invalid: if admin {
                                of(journal::JournalState::Invalid)
                            } else {
                                0
                            },
                            without_token: directory::list_numbers_in(c, &scope)?
                                .into_iter()
                                .filter(|n| !n.has_token && n.active)
                                .map(|n| format!("+{} ({})", n.display_phone, n.phone_number_id))
                                .collect(),
                            numbers: Vec::new(),
                            files: Vec::new(),
                            account_events: wabox_store::business::recent_events(
                                c,
                                &scope,
                                now - ACCOUNT_EVENTS_SHOWN_SECONDS,
                                ACCOUNT_EVENTS_SHOWN,
                            )?,
                        })
                    })
                    .await?;
                report.numbers = numbers;
                if installation_admin {
                    // The data dir is the installation's: its modes are for its admins alone.
                    let (dir, group, uid) = (
                        self.config.data_dir.clone(),
                        self.config.group.clone(),
                        self.own_uid,
                    );
                    report.files = tokio::task::spawn_blocking(move || {
                        super::files::checks(&dir, &group, uid)
                    })
                    .await
                    .unwrap_or_default();
                }
                Ok(Response::Doctor(Box::new(report)))
            }
            Request::Sync {
                file_name,
                content,
                tenant,
                dry_run,
                create_tenant,
                queue,
            } => {
                let entries = wabox_domain::connections::parse(&file_name, &content)
                    .map_err(ApiError::invalid)?;
                let engine = self.clone();
                let queue = queue
                    .map(|q| q.trim().to_string())
                    .filter(|q| !q.is_empty());
                let report = self
                    .write(move |ctx| {
                        let seal = |t: &str| Ok(engine.sealer.seal(t));
                        let open = |s: &[u8]| engine.sealer.open(s).ok();
                        let sealing = Sealing {
                            seal: &seal,
                            open: &open,
                        };
                        // All or nothing, and a dry run leaves nothing behind (not even the
                        // tenant it would make).
                        let sp = ctx.conn.savepoint()?;
                        let tenant_id = match tenant.as_deref() {
                            Some(name)
                                if create_tenant
                                    && scope.tenant().is_none()
                                    && queues::tenant_named(&sp, name).is_err() =>
                            {
                                directory::add_tenant(&sp, name, now)?.id
                            }
                            named => tenant_for(&sp, &scope, named)?,
                        };
                        let mut events = Vec::new();
                        let mut report =
                            sync::apply(&sp, tenant_id, &entries, &sealing, now, &mut events)?;
                        if let Some(q) = queue.as_deref() {
                            sync::assign_to_queue(
                                &sp,
                                tenant_id,
                                &entries,
                                q,
                                now,
                                &mut report,
                                &mut events,
                            )?;
                        }
                        report.dry_run = dry_run;
                        if dry_run {
                            drop(sp);
                        } else {
                            sp.commit()?;
                            ctx.events.extend(events);
                        }
                        Ok(report)
                    })
                    .await?;
                if !dry_run {
                    self.audited(
                        access,
                        "sync",
                        format!(
                            "{file_name}: {} added, {} updated, {} corrected, {} unchanged",
                            report.added.len(),
                            report.updated.len(),
                            report.corrected.len(),
                            report.unchanged
                        ),
                        now,
                    )
                    .await;
                }
                Ok(Response::Synced(Box::new(report)))
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "routing".into(),
                request: format!("{other:?}"),
            })),
        }
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
    conn: &rusqlite::Connection,
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
    conn: &rusqlite::Connection,
    scope: &wabox_store::scope::Scope,
    named: Option<&str>,
    queue: &str,
) -> wabox_store::Result<i64> {
    match (scope.tenant(), named) {
        (None, None) => queue_tenant::tenant_of_queues(conn, &[queue]),
        _ => tenant_for(conn, scope, named),
    }
}

fn tenant_name(conn: &rusqlite::Connection, id: i64) -> wabox_store::Result<String> {
    Ok(conn.query_row("SELECT name FROM tenants WHERE id = ?1", [id], |r| r.get(0))?)
}

/// Whether a tenant's admin may change `user`'s record: a user not yet known, an admin of the
/// same tenant, or an agent all of whose queues are the tenant's (one with no queue yet: by the
/// tenant on their record).
fn within_tenant(
    conn: &rusqlite::Connection,
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
