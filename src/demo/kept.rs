//! A kept demo started again (`wabox demo --data-dir DIR`, a second time). The store remembers
//! the earlier run; the simulated Cloud API, a fresh one in this process, does not. Before the
//! engine sends anything, the simulator is told what it had said: the tokens it gave out (else
//! every send fails with 190), which customers wrote in the last 24 hours (else every reply
//! fails with 131047) and the chats' messages (else a reaction to one fails with 131009), as
//! Meta, which forgets none of it, would behave. Its Kapso is told the
//! tenants' customers and the numbers it connected for them (else their sends find no number
//! behind Kapso's proxy), and, once the engine listens, where to forward their webhooks.

use crate::config::Config;
use crate::engine::lock::{EngineLock, Holder};
use crate::engine::{Engine, EngineMode};
use crate::sim::Simulator;

/// Reads the earlier run's tokens and windows from the store, with the store opened only for
/// that (the engine proper starts after: its outbox would send at once), and tells the
/// simulator. A fresh data dir has nothing to tell.
pub(super) async fn remind(sim: &Simulator, config: &Config) -> anyhow::Result<()> {
    if !crate::engine::db_path(&config.data_dir).exists() {
        return Ok(());
    }
    // Another engine on this data dir: the engine's own start says so, in its words.
    let Ok(lock) =
        EngineLock::acquire(&config.data_dir, Holder::OneShot, std::time::Duration::ZERO)
    else {
        return Ok(());
    };
    let engine = Engine::start(config.clone(), EngineMode::InProcess)?;
    // After the start: a kept clock has moved "now" where the earlier run left it.
    let since = crate::domain::time::now_unix() - crate::domain::window::WINDOW_SECONDS;
    let read = async {
        Ok::<_, crate::protocol::ApiError>((
            engine.kept_tokens().await?,
            engine.kept_windows(since).await?,
            engine.kept_kapso().await?,
            engine
                .kept_chat_messages(crate::domain::time::now_unix() - 30 * 86_400)
                .await?,
        ))
    }
    .await;
    let _ = tokio::task::spawn_blocking(move || engine.shutdown()).await;
    drop(lock);
    let (tokens, windows, (customers, kapso_numbers), chat_messages) = read?;
    for m in &chat_messages {
        let ids: Vec<&str> = m.customer_ids.iter().map(String::as_str).collect();
        sim.remember_in_chat(&m.phone_number_id, &ids, &m.wamid);
    }
    for kept in &tokens {
        sim.remember_token(&kept.phone_number_id, kept.token.expose());
        // It was connected, so the master app was subscribed to its WABA then.
        if sim.number(&kept.phone_number_id).is_some() {
            sim.mark_connected(&kept.waba_id);
        }
    }
    for w in &windows {
        for customer in &w.customer_ids {
            sim.remember_inbound(&w.phone_number_id, customer, w.last_inbound_at);
        }
    }
    for c in &customers {
        sim.remember_kapso_customer(&c.id, &c.tenant, &c.external_id);
    }
    for n in &kapso_numbers {
        sim.remember_kapso_number(
            &n.phone_number_id,
            &n.waba_id,
            &n.display_phone,
            n.coexistence,
            &n.customer_id,
        );
    }
    tracing::info!(
        tokens = tokens.len(),
        windows = windows.len(),
        kapso_numbers = kapso_numbers.len(),
        chat_messages = chat_messages.len(),
        "a kept demo: the simulator knows the earlier run's tokens, open windows and Kapso numbers again"
    );
    Ok(())
}

/// The engine of this run listens on a new address, with a new Kapso webhook secret: Kapso
/// forwards the webhooks of the numbers it connected there, as the engine asked when each
/// connected (with `[kapso] webhook_secret` set, which the demo always sets).
pub(super) fn forward_kapso(sim: &Simulator, webhook: std::net::SocketAddr, config: &Config) {
    let Some(secret) = config.kapso.webhook_secret.as_ref() else {
        return;
    };
    let url = format!("http://{webhook}/kapso/webhook");
    for n in sim.kapso_numbers() {
        sim.remember_kapso_forwarding(&n.phone_number_id, &url, secret.expose());
    }
}
