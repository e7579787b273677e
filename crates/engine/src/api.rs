//! Answers client requests. Who is asking comes from the transport (peer credentials on the
//! socket, the process's own user in-process), never from the request.

use super::Engine;
use serde_json::Value;
use std::sync::Arc;
use wabox_domain::time::now_unix;
use wabox_protocol::{ApiError, EngineInfo, ReplayTarget, Request, Response};
use wabox_store::{self as store, StoreError, directory, journal, outbox, templates, views};

/// The Unix user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub uid: u32,
    pub user: String,
}

impl Caller {
    /// The user running this process.
    pub fn current() -> Caller {
        let uid = nix::unistd::getuid();
        Caller {
            uid: uid.as_raw(),
            user: user_name(uid.as_raw()),
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
        f: impl FnOnce(&rusqlite::Connection) -> store::Result<R> + Send + 'static,
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

    /// The WABA of a number given by Meta's id (none given: none), among the numbers the
    /// scope sees: another tenant's number is "not found", like one that does not exist.
    async fn waba_of(
        self: &Arc<Self>,
        scope: &wabox_store::scope::Scope,
        phone_number_id: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        let Some(p) = phone_number_id else {
            return Ok(None);
        };
        let numbers = self.numbers_in(scope.clone()).await?;
        numbers
            .into_iter()
            .find(|n| n.phone_number_id == p)
            .map(|n| Some(n.waba_id))
            .ok_or_else(|| {
                ApiError::from(wabox_protocol::ErrorCode::NoNumberWithId {
                    phone_number_id: p.to_string(),
                })
            })
    }

    /// The WABAs of the numbers a scope sees; none for everything (no need to narrow).
    async fn wabas_in(
        self: &Arc<Self>,
        scope: &wabox_store::scope::Scope,
    ) -> Result<Option<Vec<String>>, ApiError> {
        if *scope == wabox_store::scope::Scope::Everything {
            return Ok(None);
        }
        let numbers = self.numbers_in(scope.clone()).await?;
        Ok(Some(numbers.into_iter().map(|n| n.waba_id).collect()))
    }

    async fn mark_read(self: &Arc<Self>, conversation_id: i64) -> Result<Response, ApiError> {
        let found = self
            .read(move |c| {
                let target = outbox::send_target(c, conversation_id)?;
                let last: Option<String> = c
                    .query_row(
                        "SELECT wamid FROM messages WHERE conversation_id = ?1 AND direction = 'in'
                         AND origin = 'customer' ORDER BY at DESC, id DESC LIMIT 1",
                        [conversation_id],
                        |r| r.get(0),
                    )
                    .ok();
                let sealed: Option<Vec<u8>> = c.query_row(
                    "SELECT access_token_sealed FROM numbers WHERE id = ?1",
                    [target.number_id],
                    |r| r.get(0),
                )?;
                Ok((target, last, sealed))
            })
            .await?;
        let (target, last, sealed) = found;
        self.write(move |ctx| {
            ctx.conn.execute(
                "UPDATE conversations SET unread = 0 WHERE id = ?1",
                [conversation_id],
            )?;
            ctx.events
                .push(store::StoreEvent::ConversationChanged { conversation_id });
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
            let credential = self.open_credential(&sealed).map_err(ApiError::internal)?;
            self.graph
                .mark_read(&target.phone_number_id, &credential, &wamid)
                .await
                .map_err(|e| {
                    ApiError::from(wabox_protocol::ErrorCode::MarkedReadHereOnly {
                        meta: e.to_string(),
                    })
                })?;
        }
        let _: Option<Value> = None;
        Ok(Response::Done)
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
            return Ok(Response::Hello(EngineInfo {
                version: env!("CARGO_PKG_VERSION").into(),
                mode: match self.mode {
                    super::EngineMode::Serve => wabox_protocol::EngineMode::Engine,
                    super::EngineMode::InProcess => wabox_protocol::EngineMode::InProcess,
                },
                data_dir: self.config.data_dir.display().to_string(),
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
        let scope = access.scope.clone();
        // The rest of this function speaks of the effective user.
        let caller = &Caller {
            uid: caller.uid,
            user: access.user.clone(),
        };
        match request {
            Request::Hello => unreachable!("answered above, before access"),
            Request::ListQueues
            | Request::AddQueue { .. }
            | Request::RenameQueue { .. }
            | Request::RemoveQueue { .. }
            | Request::SetAutoAssign { .. }
            | Request::AssignNumber { .. }
            | Request::AddAgent { .. }
            | Request::ListAgents
            | Request::Claim { .. }
            | Request::Transfer { .. }
            | Request::History { .. }
            | Request::Audit { .. }
            | Request::Doctor { .. }
            | Request::Sync { .. } => self.routing(&access, request, now).await,
            Request::CheckNumber {
                phone_number_id,
                access_token,
            } => self.check_number(phone_number_id, access_token).await,
            Request::DemoNumbers => Ok(Response::DemoNumbers(
                self.demo_numbers.get().cloned().unwrap_or_default(),
            )),
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
            Request::HistoryProgress { phone_number_id } => {
                let scope = access.scope.clone();
                self.read(move |c| {
                    wabox_store::signups::history_progress(c, &scope, phone_number_id.trim())
                })
                .await
                .map(|v| Response::HistoryProgress(Box::new(v)))
            }
            Request::RequestHistorySync { phone_number_id } => {
                self.request_history_sync(&access, phone_number_id, now)
                    .await
            }
            Request::ConnectManual {
                tenant,
                phone_number_id,
                waba_id,
                access_token,
                queue,
                business_id,
                create_tenant,
            } => {
                self.connect_manual(
                    &access,
                    super::connect::ManualNumber {
                        tenant,
                        phone_number_id,
                        waba_id,
                        token: access_token,
                        queue,
                        business_id,
                        create_tenant,
                    },
                    now,
                )
                .await
            }
            Request::Subscribe => Ok(Response::Subscribed(wabox_protocol::Subscription {
                user: caller.user.clone(),
            })),
            Request::RenameTenant { .. } | Request::RemoveTenant { .. } => {
                self.tenants_request(&access, request, now).await
            }
            Request::ListTenants => {
                let mut tenants = self.read(directory::list_tenants).await?;
                // A tenant's admin learns of no other tenant.
                if let Some(mine) = scope.tenant() {
                    tenants.retain(|t| t.id == mine);
                }
                Ok(Response::Tenants(tenants))
            }
            Request::AddTenant { name } => {
                let tenant = self
                    .write(move |ctx| {
                        let t = directory::add_tenant(&ctx.conn, &name, now)?;
                        ctx.events.push(store::StoreEvent::DirectoryChanged);
                        Ok(t)
                    })
                    .await?;
                tracing::info!(tenant = %tenant.name, by = %caller.user, "tenant added");
                Ok(Response::Tenant(tenant))
            }
            Request::ListNumbers => self.numbers_in(scope).await.map(Response::Numbers),
            Request::AddNumber {
                tenant,
                phone_number_id,
                waba_id,
                display_phone,
                connection,
                access_token,
                business_id,
            } => {
                if access_token
                    .as_ref()
                    .is_some_and(|t| wabox_cloud::Credential::looks_like_marker(t.expose()))
                {
                    return Err(wabox_protocol::ErrorCode::KapsoMarkerTyped {}.into());
                }
                let sealed = access_token
                    .filter(|t| !t.is_empty())
                    .map(|t| self.sealer.seal(t.expose()));
                let number = self
                    .write(move |ctx| {
                        // A tenant's admin adds numbers to their own tenant only; another
                        // tenant is "not found", as it is everywhere else.
                        if let Some(mine) = scope.tenant()
                            && wabox_store::queues::tenant_named(&ctx.conn, &tenant).ok()
                                != Some(mine)
                        {
                            return Err(StoreError::NotFound(
                                wabox_protocol::ErrorCode::NoTenantListed {
                                    name: tenant.to_string(),
                                },
                            ));
                        }
                        let n = directory::add_number(
                            &ctx.conn,
                            &directory::NewNumber {
                                tenant: &tenant,
                                phone_number_id: &phone_number_id,
                                waba_id: &waba_id,
                                display_phone: &display_phone,
                                connection,
                                access_token_sealed: sealed,
                            },
                            now,
                        )?;
                        store::business::set_business_id(&ctx.conn, n.id, business_id.as_deref())?;
                        let n = directory::list_numbers(&ctx.conn)?
                            .into_iter()
                            .find(|x| x.id == n.id)
                            .unwrap_or(n);
                        ctx.events.push(store::StoreEvent::DirectoryChanged);
                        Ok(n)
                    })
                    .await?;
                tracing::info!(phone_number_id = %number.phone_number_id, tenant = %number.tenant, by = %caller.user, "number added");
                Ok(Response::Number(number))
            }
            Request::ListConversations {
                phone_number_id,
                limit,
                filter,
                queue,
                before,
                state,
            } => {
                let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
                let user = access.user.clone();
                if queue == Some(views::QueueSelection::NoQueue) {
                    access.require_admin()?;
                }
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
            Request::MarkUnread { conversation_id } => {
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
                        super::ingest::replay(ctx, &ids, &stats)
                    })
                    .await?;
                tracing::info!(count = outcomes.len(), by = %caller.user, "journal entries replayed");
                Ok(Response::Replayed(outcomes))
            }
            Request::Send {
                conversation_id,
                content,
                reply_to,
            } => {
                let sent = self
                    .send(caller, conversation_id, content, reply_to, now)
                    .await?;
                self.pause_automation(
                    conversation_id,
                    wabox_i18n::engine::PAUSED_AGENT_REPLIED.en(&[&caller.user]),
                )
                .await;
                Ok(sent)
            }
            Request::React { message, emoji } => self.react(caller, message, emoji, now).await,
            Request::GetMessage { message_id } => self
                .read(move |c| views::message(c, message_id))
                .await
                .map(|m| Response::Message(Box::new(m))),
            Request::RetryMessage { message_id } => {
                self.write(move |ctx| {
                    outbox::retry(
                        &ctx.conn,
                        message_id,
                        super::outbox::now_ms(),
                        &mut ctx.events,
                    )
                })
                .await?;
                self.outbox_wake.notify_one();
                tracing::info!(message_id, by = %caller.user, "send retried by an agent");
                Ok(Response::Done)
            }
            Request::ListTemplates { phone_number_id } => {
                let waba = self.waba_of(&scope, phone_number_id).await?;
                let within = self.wabas_in(&scope).await?;
                let mut list = self
                    .read(move |c| templates::list(c, waba.as_deref()))
                    .await?;
                if let Some(within) = within {
                    list.retain(|t| within.contains(&t.waba_id));
                }
                Ok(Response::Templates(list))
            }
            Request::SyncTemplates { phone_number_id } => {
                if phone_number_id.is_none() && scope != wabox_store::scope::Scope::Everything {
                    return Err(ApiError::from(
                        wabox_protocol::ErrorCode::SayWhichNumberToSync {},
                    ));
                }
                let waba = self.waba_of(&scope, phone_number_id).await?;
                Ok(Response::TemplatesSynced(
                    super::templates::sync(self, waba).await,
                ))
            }
            Request::MarkRead { conversation_id } => self.mark_read(conversation_id).await,
            // The journal is not divided by tenant: only an installation admin hears of it.
            Request::Attention if scope != wabox_store::scope::Scope::Everything => {
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
            Request::GetConversation { conversation_id } => self
                .read(move |c| views::conversation(c, conversation_id, now))
                .await
                .map(|c| Response::Conversation(Box::new(c))),
            Request::Search {
                query,
                limit,
                before,
            } => {
                let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
                // What arrived since the writer last had a quiet moment is indexed first, so
                // a search finds the newest messages too.
                self.write(|ctx| wabox_store::search::index_pending(&mut ctx.conn, 20_000))
                    .await?;
                self.read(move |c| wabox_store::search::search(c, &scope, &query, limit, before))
                    .await
                    .map(Response::SearchResults)
            }
            Request::GetContact { conversation_id } => self.contact_response(conversation_id).await,
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
            Request::SetConversationState {
                conversation_id,
                state,
                snoozed_until,
            } => {
                self.write(move |ctx| {
                    wabox_store::contacts::set_state(
                        &ctx.conn,
                        conversation_id,
                        state.as_str(),
                        snoozed_until,
                        &mut ctx.events,
                    )
                })
                .await?;
                self.read(move |c| views::conversation(c, conversation_id, now))
                    .await
                    .map(|c| Response::Conversation(Box::new(c)))
            }
            Request::GetMedia {
                message_id,
                offset,
                len,
            } => self.media_chunk(message_id, offset, len).await,
            Request::BeginUpload { bytes } => self
                .uploads
                .begin(caller.uid, bytes)
                .await
                .map(Response::Upload),
            Request::UploadChunk {
                upload_id,
                offset,
                data_base64,
            } => self
                .uploads
                .chunk(caller.uid, &upload_id, offset, &data_base64)
                .await
                .map(Response::Upload),
            Request::RetryMedia { message_id } => {
                self.write(move |ctx| {
                    wabox_store::media::retry(&ctx.conn, message_id, &mut ctx.events)
                })
                .await?;
                Ok(Response::Done)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineMode;
    use wabox_config::Config;

    fn engine(admins: &[&str]) -> (tempfile::TempDir, Arc<Engine>) {
        let dir = tempfile::tempdir().unwrap();
        let mut config =
            Config::loopback(&dir.path().join("data"), None, None, "http://127.0.0.1:9");
        config.admins = admins.iter().map(|a| a.to_string()).collect();
        (dir, Engine::start(config, EngineMode::InProcess).unwrap())
    }

    fn stranger(name: &str) -> Caller {
        Caller {
            uid: 4_000_123,
            user: name.into(),
        }
    }

    #[tokio::test]
    async fn strangers_are_refused_and_told_who_can_add_them() {
        let (_d, engine) = engine(&["alice"]);
        let refused = engine
            .handle(&stranger("mallory"), Request::ListTenants)
            .await
            .unwrap_err();
        assert!(
            refused.english().contains(
                "mallory is not a wabox user: an admin adds them with `wabox agents add mallory`"
            ),
            "{refused}"
        );
        // Hello tells anyone who they are, and nothing else.
        assert!(matches!(
            engine.handle(&stranger("mallory"), Request::Hello).await,
            Ok(Response::Hello(_))
        ));
        assert!(
            engine
                .handle(&stranger("alice"), Request::ListTenants)
                .await
                .is_ok()
        );
        assert!(
            engine
                .handle(&Caller::current(), Request::ListTenants)
                .await
                .is_ok()
        );
        engine.shutdown();
    }

    #[tokio::test]
    async fn only_admins_may_act_as_someone_else_whatever_the_request_says() {
        let (_d, engine) = engine(&["root-like"]);
        let me = Caller::current();
        engine
            .handle(
                &me,
                Request::AddTenant {
                    name: "Acme".into(),
                },
            )
            .await
            .unwrap();
        for (user, queue) in [("alice", "Sales"), ("bob", "Support")] {
            engine
                .handle(
                    &me,
                    Request::AddQueue {
                        tenant: None,
                        name: queue.into(),
                        auto_assign: false,
                    },
                )
                .await
                .unwrap();
            engine
                .handle(
                    &me,
                    Request::AddAgent {
                        user: user.into(),
                        role: wabox_protocol::Role::Agent,
                        tenant: None,
                        queues: vec![queue.into()],
                    },
                )
                .await
                .unwrap();
        }
        // alice, an agent, asks to be bob: refused, and nothing of bob's is answered.
        let refused = engine
            .handle_as(&stranger("alice"), Some("bob"), Request::ListQueues)
            .await
            .unwrap_err();
        assert!(
            refused.english().contains("only admins can act as"),
            "{refused}"
        );
        // As herself she sees her own queue only.
        let Ok(Response::Queues(mine)) =
            engine.handle(&stranger("alice"), Request::ListQueues).await
        else {
            panic!("alice could not list her queues")
        };
        let names: Vec<&str> = mine.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["Sales"]);
        // An admin acting as bob sees bob's, and the audit log says who did it.
        let Ok(Response::Queues(bobs)) = engine
            .handle_as(&stranger("root-like"), Some("bob"), Request::ListQueues)
            .await
        else {
            panic!("an admin could not act as bob")
        };
        assert_eq!(bobs[0].name, "Support");
        let Ok(Response::AuditLog(log)) = engine.handle(&me, Request::Audit { limit: None }).await
        else {
            panic!("no audit log")
        };
        assert!(log.iter().any(|e| e.actor == "root-like"
            && e.as_user.as_deref() == Some("bob")
            && e.action == "act_as"));
        engine.shutdown();
    }

    #[tokio::test]
    async fn a_token_is_sealed_before_it_is_stored() {
        let (d, engine) = engine(&[]);
        let me = Caller::current();
        engine
            .handle(
                &me,
                Request::AddTenant {
                    name: "Acme".into(),
                },
            )
            .await
            .unwrap();
        let added = engine
            .handle(
                &me,
                Request::AddNumber {
                    tenant: "Acme".into(),
                    phone_number_id: "106540352242922".into(),
                    waba_id: "104829357711032".into(),
                    display_phone: "+15550783881".into(),
                    connection: wabox_domain::ConnectionKind::Dedicated,
                    access_token: Some(wabox_secret::Secret::new("EAAsealme123")),
                    business_id: None,
                },
            )
            .await
            .unwrap();
        assert!(matches!(added, Response::Number(ref n) if n.has_token));
        let sealed: Vec<u8> = engine
            .readers
            .with(|c| Ok(c.query_row("SELECT access_token_sealed FROM numbers", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(engine.sealer.open(&sealed).unwrap(), "EAAsealme123");
        engine.shutdown();
        drop(d);
    }
}
