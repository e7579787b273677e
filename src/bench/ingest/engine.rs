//! The real engine for the ack and process phases, started as `wabox serve` starts it and
//! given the bench's tenant and numbers as an admin would.

use crate::bench::deliveries;
use crate::config::Config;
use crate::domain::ConnectionKind;
use crate::engine::api::Caller;
use crate::engine::lock::{EngineLock, Holder};
use crate::engine::{Engine, EngineMode};
use crate::protocol::Request;
use crate::secret::Secret;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// An engine started as `wabox serve` starts it, on port 0.
pub struct Running {
    pub engine: Arc<Engine>,
    lock: EngineLock,
    pub addr: SocketAddr,
    http: tokio::task::JoinHandle<()>,
}

pub async fn start_engine(dir: &Path, secret: &str) -> anyhow::Result<Running> {
    let config = Config::loopback(
        dir,
        Some(Secret::new(secret)),
        Some(Secret::new("wabox-bench-verify")),
        "https://graph.facebook.com",
    );
    crate::engine::ensure_data_dir(dir)?;
    let lock = EngineLock::acquire(dir, Holder::Engine, Duration::ZERO)?;
    let listen = config.listen;
    let engine = Engine::start(config, EngineMode::Serve)?;
    let (addr, http) = crate::engine::serve::spawn_webhook_listener(&engine, listen).await?;
    Ok(Running {
        engine,
        lock,
        addr,
        http,
    })
}

impl Running {
    /// Stops taking deliveries, then stops the writer after what it was given, and lets go of
    /// the lock.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.http.abort();
        let _ = self.http.await;
        let engine = self.engine;
        tokio::task::spawn_blocking(move || engine.shutdown()).await?;
        drop(self.lock);
        Ok(())
    }
}

/// Adds the bench tenant and its numbers through the client API, as an admin would.
pub async fn register_numbers(engine: &Arc<Engine>, numbers: u64) -> anyhow::Result<()> {
    let caller = Caller::current();
    engine
        .handle(
            &caller,
            Request::AddTenant {
                name: deliveries::TENANT.into(),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("adding the bench tenant: {e}"))?;
    for n in 0..numbers {
        add_number(engine, &caller, n, deliveries::TENANT.into()).await?;
    }
    Ok(())
}

/// Adds bench number `n` (no token: the bench never sends) to `tenant`.
pub async fn add_number(
    engine: &Arc<Engine>,
    caller: &Caller,
    n: u64,
    tenant: String,
) -> anyhow::Result<()> {
    engine
        .handle(
            caller,
            Request::AddNumber {
                tenant,
                phone_number_id: deliveries::phone_number_id(n),
                waba_id: deliveries::WABA_ID.into(),
                display_phone: deliveries::display_phone(n),
                connection: ConnectionKind::Dedicated,
                access_token: None,
                business_id: None,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("adding bench number {n}: {e}"))?;
    Ok(())
}
