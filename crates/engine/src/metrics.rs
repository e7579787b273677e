//! `GET /metrics` on the webhook listener, in Prometheus's text format: what an operator
//! watches (deliveries acknowledged and refused, the journal's lag, the outbox per number, the
//! pushes fanned out to inboxes).
//!
//! The listener faces the internet (through a proxy, usually on the same host), so the figures
//! are answered only to a scrape from this machine that no proxy forwarded, or from an address
//! in `[metrics] allow`; anyone else is told there is nothing here (404), as for any unknown path.

use super::Engine;
use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use wabox_webhook::http::WebhookState;
use wabox_webhook::listener::Peer;

struct Sources {
    engine: Arc<Engine>,
    webhook: Arc<WebhookState>,
}

pub fn router(engine: Arc<Engine>, webhook: Arc<WebhookState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(Arc::new(Sources { engine, webhook }))
}

/// Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever its
/// connection's address (the proxy's own, often loopback).
const FORWARDED: &[&str] = &["forwarded", "x-forwarded-for", "x-real-ip"];

/// Whether this peer may read the figures.
pub fn allowed(peer: Option<Peer>, headers: &HeaderMap, allow: &[std::net::IpAddr]) -> bool {
    let Some(Peer(addr)) = peer else {
        return false;
    };
    let ip = addr.ip().to_canonical();
    if allow.contains(&ip) {
        return true;
    }
    ip.is_loopback() && !FORWARDED.iter().any(|h| headers.contains_key(*h))
}

async fn metrics(
    State(sources): State<Arc<Sources>>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
) -> Response {
    let engine = &sources.engine;
    if !allowed(peer.map(|p| p.0), &headers, &engine.config.metrics.allow) {
        return StatusCode::NOT_FOUND.into_response();
    }
    // The store's figures when it answers; this engine's own counters whatever it does (an
    // outage is when the refusals are worth reading).
    let gauges = match engine.read(wabox_store::gauges::read).await {
        Ok(g) => Some(g),
        Err(e) => {
            tracing::warn!(error = %e.english(), "metrics: the store could not be read");
            None
        }
    };
    // With other engines on the store: this one's leases, and who else is there.
    let leases = match &engine.cluster {
        None => None,
        Some(cluster) => {
            let shared = match gauges {
                None => None,
                Some(_) => engine
                    .read(|c| {
                        Ok((
                            wabox_store::cluster::live_engines(c, crate::cluster::LEASE_SECONDS)?,
                            wabox_store::cluster::unowned_partitions(c)?,
                        ))
                    })
                    .await
                    .inspect_err(|e| {
                        tracing::warn!(error = %e.english(), "metrics: the leases could not be read");
                    })
                    .ok(),
            };
            Some(LeaseFigures {
                engine: cluster.me.clone(),
                held: cluster.leases().len(),
                shared,
                apply_lanes: engine.writer.apply_lanes(),
            })
        }
    };
    let figures = Figures {
        leases,
        acknowledged: sources.webhook.counts.acknowledged.load(Ordering::Relaxed),
        refused_signature: sources.webhook.counts.bad_signature.load(Ordering::Relaxed),
        refused_too_large: sources.webhook.counts.too_large.load(Ordering::Relaxed),
        unavailable: sources.webhook.counts.unavailable.load(Ordering::Relaxed),
        pushes: engine.pushes.load(Ordering::Relaxed),
        now: wabox_domain::time::now_unix(),
        gauges,
    };
    (
        StatusCode::OK,
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        figures.text(),
    )
        .into_response()
}

/// With several engines on one PostgreSQL store: the partitions this one holds, the engines
/// alive, and the partitions none holds.
pub struct LeaseFigures {
    pub engine: String,
    pub held: usize,
    /// The engines alive and the partitions none holds, as the store says (none while it does
    /// not answer).
    pub shared: Option<(i64, i64)>,
    /// Connections applying the journal now; none for an engine that does not take work.
    pub apply_lanes: Option<i64>,
}

/// Everything one scrape answers.
pub struct Figures {
    pub leases: Option<LeaseFigures>,
    pub acknowledged: u64,
    pub refused_signature: u64,
    pub refused_too_large: u64,
    pub unavailable: u64,
    pub pushes: u64,
    pub now: i64,
    /// The store's figures; none when it did not answer this scrape.
    pub gauges: Option<wabox_store::gauges::StoreGauges>,
}

impl Figures {
    /// Prometheus's text exposition format, one family after another.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: &[(String, String)]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let one = |v: String| vec![(String::new(), v)];
        family(
            "wabox_deliveries_acknowledged_total",
            "counter",
            "Webhook deliveries journaled and answered 200 since the engine started.",
            &one(self.acknowledged.to_string()),
        );
        family(
            "wabox_deliveries_refused_total",
            "counter",
            "Webhook requests refused since the engine started, by reason.",
            &[
                (
                    label("reason", "signature"),
                    self.refused_signature.to_string(),
                ),
                (
                    label("reason", "too_large"),
                    self.refused_too_large.to_string(),
                ),
                (label("reason", "unavailable"), self.unavailable.to_string()),
            ],
        );
        family(
            "wabox_pushes_total",
            "counter",
            "Pushes handed to subscribed inboxes since the engine started.",
            &one(self.pushes.to_string()),
        );
        family(
            "wabox_store_up",
            "gauge",
            "Whether the store answered this scrape (1) or not (0). Without it, the store-wide \
             families below are left out; this engine's own counters are still given.",
            &one(u8::from(self.gauges.is_some()).to_string()),
        );
        if let Some(g) = &self.gauges {
            family(
                "wabox_journal_pending",
                "gauge",
                "Deliveries journaled and not yet processed. Store-wide: every engine on a shared \
                 store gives the same figure (take one, not the sum).",
                &one(g.journal_pending.to_string()),
            );
            let lag = g.journal_lag_seconds(self.now);
            family(
                "wabox_journal_lag_seconds",
                "gauge",
                "How long the oldest unprocessed delivery has waited (0 when none waits). \
                 Store-wide.",
                &one(lag.to_string()),
            );
            let by_state = |wanted: &[&str]| -> Vec<(String, String)> {
                let mut rows: Vec<(String, i64)> = Vec::new();
                for (number, state, n) in &g.outbox {
                    if !wanted.contains(&state.as_str()) {
                        continue;
                    }
                    match rows.iter_mut().find(|(k, _)| k == number) {
                        Some((_, total)) => *total += n,
                        None => rows.push((number.clone(), *n)),
                    }
                }
                rows.into_iter()
                    .map(|(number, n)| (label("number", &number), n.to_string()))
                    .collect()
            };
            family(
                "wabox_outbox_depth",
                "gauge",
                "Sends waiting or on their way, per number (phone number id). Store-wide.",
                &by_state(&["queued", "sending"]),
            );
            let sends: Vec<(String, String)> = g
                .outbox
                .iter()
                .filter(|(_, state, _)| !matches!(state.as_str(), "queued" | "sending"))
                .map(|(number, state, n)| {
                    (
                        format!(
                            "{{number=\"{}\",outcome=\"{}\"}}",
                            escape(number),
                            escape(state)
                        ),
                        n.to_string(),
                    )
                })
                .collect();
            family(
                "wabox_sends_total",
                "counter",
                "Sends that left the outbox, per number and outcome (sent, failed, uncertain), as \
                 the store holds them. Store-wide.",
                &sends,
            );
        }
        let backend = if self.leases.is_some() {
            "postgres"
        } else {
            "sqlite"
        };
        family(
            "wabox_store_info",
            "gauge",
            "The store this engine runs on (SQLite: one engine owns every partition).",
            &[(label("backend", backend), "1".to_string())],
        );
        if let Some(l) = &self.leases {
            family(
                "wabox_partitions_held",
                "gauge",
                "Partitions of the work this engine holds a lease on (of 64).",
                &[(label("engine", &l.engine), l.held.to_string())],
            );
            if let Some(lanes) = l.apply_lanes {
                family(
                    "wabox_apply_lanes",
                    "gauge",
                    "Connections this engine applies the journal on now: one for each 32 \
                     partitions held, at least one, at most two.",
                    &[(label("engine", &l.engine), lanes.to_string())],
                );
            }
            if let Some((live, unowned)) = l.shared {
                family(
                    "wabox_partitions_unowned",
                    "gauge",
                    "Partitions no engine holds: their work waits. Store-wide: every engine \
                     gives the same figure.",
                    &one(unowned.to_string()),
                );
                family(
                    "wabox_engines_live",
                    "gauge",
                    "Engines sharing the store that renewed their heartbeat lately. Store-wide: \
                     every engine gives the same figure.",
                    &one(live.to_string()),
                );
            }
        }
        out
    }
}

fn label(name: &str, value: &str) -> String {
    format!("{{{name}=\"{}\"}}", escape(value))
}

/// A label value as the format wants it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wabox_store::gauges::StoreGauges;

    fn peer(addr: &str) -> Option<Peer> {
        Some(Peer(addr.parse().unwrap()))
    }

    #[test]
    fn only_this_machine_unforwarded_or_an_allowed_address_may_read() {
        let none = HeaderMap::new();
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert!(allowed(peer("127.0.0.1:5000"), &none, &[]));
        assert!(allowed(peer("[::1]:5000"), &none, &[]));
        assert!(allowed(peer("[::ffff:127.0.0.1]:5000"), &none, &[]));
        assert!(
            !allowed(peer("127.0.0.1:5000"), &proxied, &[]),
            "a proxy forwarded it"
        );
        assert!(!allowed(peer("203.0.113.9:5000"), &none, &[]));
        assert!(!allowed(None, &none, &[]));
        let prometheus = ["10.0.0.7".parse().unwrap()];
        assert!(allowed(peer("10.0.0.7:41000"), &none, &prometheus));
        assert!(!allowed(peer("10.0.0.8:41000"), &none, &prometheus));
    }

    #[test]
    fn the_figures_in_prometheus_text_format() {
        let figures = Figures {
            leases: None,
            acknowledged: 12,
            refused_signature: 2,
            refused_too_large: 1,
            unavailable: 0,
            pushes: 400,
            now: 1_000,
            gauges: Some(StoreGauges {
                journal_pending: 3,
                journal_oldest_pending_at: Some(990),
                outbox: vec![
                    ("111".into(), "queued".into(), 4),
                    ("111".into(), "sending".into(), 1),
                    ("111".into(), "sent".into(), 7),
                    ("222\"\n".into(), "failed".into(), 2),
                ],
            }),
        };
        let text = figures.text();
        for line in [
            "# TYPE wabox_deliveries_acknowledged_total counter",
            "wabox_deliveries_acknowledged_total 12",
            "wabox_deliveries_refused_total{reason=\"signature\"} 2",
            "wabox_deliveries_refused_total{reason=\"too_large\"} 1",
            "wabox_journal_pending 3",
            "wabox_journal_lag_seconds 10",
            "wabox_outbox_depth{number=\"111\"} 5",
            "wabox_sends_total{number=\"111\",outcome=\"sent\"} 7",
            "wabox_sends_total{number=\"222\\\"\\n\",outcome=\"failed\"} 2",
            "wabox_pushes_total 400",
            "wabox_store_info{backend=\"sqlite\"} 1",
            "wabox_store_up 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line:?} missing from:\n{text}"
            );
        }
        // Every sample line is `name{labels} value`, one per line: nothing a value could break.
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(l.rsplit(' ').next().unwrap().parse::<f64>().is_ok(), "{l}");
        }
        assert!(
            !text.contains("wabox_partitions_held"),
            "one engine: no leases"
        );
    }

    #[test]
    fn with_other_engines_the_leases_are_shown() {
        let figures = Figures {
            leases: Some(LeaseFigures {
                engine: "db1:42:beef".into(),
                held: 21,
                shared: Some((3, 1)),
                apply_lanes: Some(1),
            }),
            acknowledged: 0,
            refused_signature: 0,
            refused_too_large: 0,
            unavailable: 0,
            pushes: 0,
            now: 0,
            gauges: Some(StoreGauges::default()),
        };
        let text = figures.text();
        for line in [
            "wabox_store_info{backend=\"postgres\"} 1",
            "wabox_partitions_held{engine=\"db1:42:beef\"} 21",
            "wabox_apply_lanes{engine=\"db1:42:beef\"} 1",
            "wabox_partitions_unowned 1",
            "wabox_engines_live 3",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn a_store_that_does_not_answer_leaves_its_figures_out_and_this_engines_in() {
        let figures = Figures {
            leases: Some(LeaseFigures {
                engine: "db1:42:beef".into(),
                held: 21,
                shared: None,
                apply_lanes: Some(1),
            }),
            acknowledged: 40,
            refused_signature: 0,
            refused_too_large: 0,
            unavailable: 9,
            pushes: 0,
            now: 0,
            gauges: None,
        };
        let text = figures.text();
        for line in [
            "wabox_store_up 0",
            "wabox_deliveries_acknowledged_total 40",
            "wabox_deliveries_refused_total{reason=\"unavailable\"} 9",
            "wabox_partitions_held{engine=\"db1:42:beef\"} 21",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line:?} missing from:\n{text}"
            );
        }
        for family in [
            "wabox_journal_pending",
            "wabox_outbox_depth",
            "wabox_partitions_unowned",
            "wabox_engines_live",
        ] {
            assert!(!text.contains(family), "{family} without a store:\n{text}");
        }
    }
}
