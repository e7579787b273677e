//! Answers client requests. Who is asking comes from the transport (peer credentials on the
//! socket, the process's own user in-process), never from the request.

use super::Engine;
use crate::api::{ApiError, EngineInfo, ReplayTarget, Request, Response};
use crate::domain::time::now_unix;
use crate::store::{self, StoreError, directory, journal, views};
use std::sync::Arc;

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
const MAX_LIMIT: usize = 10_000;

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(m) | StoreError::Conflict(m) | StoreError::Invalid(m) => {
            ApiError::new(m)
        }
        other => {
            tracing::error!(error = %other, "store error while answering a client");
            ApiError::new(other.to_string())
        }
    }
}

impl Engine {
    /// Admins are root, the user the engine runs as, and the users named in `[access] admins`.
    /// Agents and their queues come with the routing work; until then the API is admin-only.
    fn authorize(&self, caller: &Caller) -> Result<(), ApiError> {
        if caller.uid == 0
            || caller.uid == self.own_uid
            || self.config.admins.contains(&caller.user)
        {
            return Ok(());
        }
        let file = self
            .config
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the config file".into());
        Err(ApiError::new(format!(
            "{} is not a wabox admin: an admin can add them to [access] admins in {file}",
            caller.user
        )))
    }

    async fn read<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&rusqlite::Connection) -> store::Result<R> + Send + 'static,
    ) -> Result<R, ApiError> {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || engine.readers.with(f))
            .await
            .map_err(|e| ApiError::new(format!("a query failed: {e}")))?
            .map_err(store_error)
    }

    async fn write<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut super::writer::WriterCtx) -> store::Result<R> + Send + 'static,
    ) -> Result<R, ApiError> {
        self.writer
            .run(f)
            .await
            .map_err(|e| ApiError::new(e.to_string()))?
            .map_err(store_error)
    }

    /// Answers one request.
    pub async fn handle(
        self: &Arc<Self>,
        caller: &Caller,
        request: Request,
    ) -> Result<Response, ApiError> {
        if !matches!(request, Request::Hello) {
            self.authorize(caller)?;
        }
        let now = now_unix();
        match request {
            Request::Hello => Ok(Response::Hello(EngineInfo {
                version: env!("CARGO_PKG_VERSION").into(),
                mode: match self.mode {
                    super::EngineMode::Serve => "engine".into(),
                    super::EngineMode::InProcess => "in_process".into(),
                },
                data_dir: self.config.data_dir.display().to_string(),
                user: caller.user.clone(),
            })),
            Request::Subscribe => Ok(Response::Subscribed),
            Request::ListTenants => self
                .read(directory::list_tenants)
                .await
                .map(Response::Tenants),
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
            Request::ListNumbers => self
                .read(directory::list_numbers)
                .await
                .map(Response::Numbers),
            Request::AddNumber {
                tenant,
                phone_number_id,
                waba_id,
                display_phone,
                connection,
                access_token,
            } => {
                let sealed = access_token
                    .filter(|t| !t.is_empty())
                    .map(|t| self.sealer.seal(t.expose()));
                let number = self
                    .write(move |ctx| {
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
            } => {
                let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
                self.read(move |c| views::conversations(c, phone_number_id.as_deref(), limit, now))
                    .await
                    .map(Response::Conversations)
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
            Request::ListJournal { filter, limit } => {
                let limit = limit.unwrap_or(50).min(MAX_LIMIT);
                self.read(move |c| journal::list(c, filter, limit))
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::EngineMode;

    fn engine(admins: &[&str]) -> (tempfile::TempDir, Arc<Engine>) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            path: None,
            data_dir: dir.path().join("data"),
            app_id: None,
            app_secret: None,
            verify_token: None,
            graph_base_url: "http://127.0.0.1:9".into(),
            graph_version: "v26.0".into(),
            listen: "127.0.0.1:0".parse().unwrap(),
            admins: admins.iter().map(|a| a.to_string()).collect(),
        };
        (dir, Engine::start(config, EngineMode::InProcess).unwrap())
    }

    fn stranger(name: &str) -> Caller {
        Caller {
            uid: 4_000_123,
            user: name.into(),
        }
    }

    #[tokio::test]
    async fn only_admins_may_use_the_api_until_agents_exist() {
        let (_d, engine) = engine(&["alice"]);
        let refused = engine
            .handle(&stranger("mallory"), Request::ListTenants)
            .await
            .unwrap_err();
        assert!(
            refused.message.contains("mallory is not a wabox admin"),
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
                    connection: crate::domain::ConnectionKind::Dedicated,
                    access_token: Some(crate::secret::Secret::new("EAAsealme123")),
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
