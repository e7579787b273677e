//! The ingest bench's measured phases: the HTTP ceiling, the engine acknowledging on an empty
//! store, and the engine processing on a prefilled one until every delivery is in the store.

use super::IngestOptions;
use super::engine::{Running, register_numbers, start_engine};
use super::monitor::{CpuMark, Monitor, done, sample};
use super::report::{AckPhase, BacklogSummary, HttpCeiling, HttpFigures, ProcessPhase, RssSummary};
use crate::bench::deliveries::DeliveryGen;
use crate::bench::load::{self, LoadResult, Progress};
use crate::bench::{prefill, sys};
use crate::engine::api::Caller;
use crate::engine::writer::WriterStats;
use crate::protocol::{Request, Response};
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Records what makes a phase's figures untrustworthy: deliveries not sent, or not answered 200.
pub fn check_http(phase: &str, sent_wanted: u64, h: &HttpFigures, problems: &mut Vec<String>) {
    if h.requests < sent_wanted {
        problems.push(format!(
            "{phase}: only {} of {sent_wanted} deliveries were sent: the connections gave up on a server that stopped answering (first error: {})",
            h.requests,
            h.first_error.as_deref().unwrap_or("none")
        ));
    }
    if h.non_200_total() > 0 || h.errors > 0 {
        problems.push(format!(
            "{phase}: {} of {} deliveries were not answered 200 ({:?} non-200, {} errors; first error: {})",
            h.requests - h.ok,
            h.requests,
            h.non_200,
            h.errors,
            h.first_error.as_deref().unwrap_or("none")
        ));
    }
}

/// What HTTP alone allows on this machine: an axum handler answering 200 at once.
pub async fn ceiling_http(
    o: &IngestOptions,
    generator: Arc<DeliveryGen>,
) -> anyhow::Result<HttpCeiling> {
    use axum::http::StatusCode;
    let app = axum::Router::new()
        .route(
            "/webhook",
            axum::routing::post(|_body: axum::body::Bytes| async { StatusCode::OK }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::webhook::http::MAX_BODY_BYTES,
        ));
    let tcp = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = tcp.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(tcp, app).await;
    });
    let mark = CpuMark::now();
    let load = load::drive(
        addr,
        o.ceiling_count,
        o.connections,
        generator,
        Arc::new(Progress::default()),
        None,
    )
    .await;
    let mut cpu = mark.since();
    cpu.writer_cpu_seconds = 0.0;
    cpu.writer_core_share = 0.0;
    server.abort();
    let _ = server.await;
    Ok(HttpCeiling {
        http: HttpFigures::from_load(&load),
        cpu,
    })
}

pub async fn ack_phase(
    o: &IngestOptions,
    dir: &Path,
    secret: &str,
    generator: Arc<DeliveryGen>,
) -> anyhow::Result<AckPhase> {
    let running = start_engine(dir, secret).await?;
    register_numbers(&running.engine, o.numbers).await?;
    let stats = running.engine.writer.stats.clone();
    let journaled0 = stats.journaled.load(Ordering::Relaxed);
    let commits0 = stats.commits.load(Ordering::Relaxed);
    let progress = Arc::new(Progress::default());
    let rss0 = sys::rss();
    let mark = CpuMark::now();
    let monitor = Monitor::start("ack", mark.at, stats.clone(), progress.clone());
    let load = load::drive(
        running.addr,
        o.deliveries,
        o.connections,
        generator,
        progress,
        None,
    )
    .await;
    let cpu = mark.since();
    let at_end = sample(mark.at, &stats, &Progress::default());
    let samples = monitor.finish().await;
    let journaled = stats.journaled.load(Ordering::Relaxed) - journaled0;
    let commits = stats.commits.load(Ordering::Relaxed) - commits0;
    let processed = done(&stats);
    running.stop().await?;
    let rss = RssSummary::of(&samples, o.deliveries, rss0, sys::rss());
    Ok(AckPhase {
        http: HttpFigures::from_load(&load),
        journaled,
        commits,
        deliveries_per_commit: journaled as f64 / commits.max(1) as f64,
        processed,
        backlog: BacklogSummary::of(&samples, at_end.backlog),
        cpu,
        rss,
        samples,
    })
}

pub async fn process_phase(
    o: &IngestOptions,
    dir: &Path,
    secret: &str,
    generator: Arc<DeliveryGen>,
) -> anyhow::Result<ProcessPhase> {
    let db = crate::engine::db_path(dir);
    let (before_max_id, (before_total, _, _)) = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            Ok((
                prefill::max_message_id(&db)?,
                prefill::count_messages(&db, i64::MAX, "-")?,
            ))
        })
        .await??
    };
    let running = start_engine(dir, secret).await?;
    routes_to_every_number(&running, o.numbers).await?;
    let stats = running.engine.writer.stats.clone();
    let commits0 = stats.commits.load(Ordering::Relaxed);
    let progress = Arc::new(Progress::default());
    let rss0 = sys::rss();
    let mark = CpuMark::now();
    let monitor = Monitor::start("process", mark.at, stats.clone(), progress.clone());
    let load_task = tokio::spawn(load::drive(
        running.addr,
        o.deliveries,
        o.connections,
        generator.clone(),
        progress.clone(),
        o.process_rate,
    ));
    let waited = wait_until_processed(o.deliveries, load_task, &stats, &progress, mark.at).await?;
    let Waited {
        load,
        send_end,
        finished_at,
    } = waited;
    let (send_seconds, done_at_send_end, backlog_at_send_end) =
        send_end.unwrap_or((load.elapsed.as_secs_f64(), done(&stats), 0));
    let cpu = mark.since();
    let samples = monitor.finish().await;
    let journaled = stats.journaled.load(Ordering::Relaxed);
    let commits = stats.commits.load(Ordering::Relaxed) - commits0;
    let processed = stats.processed.load(Ordering::Relaxed);
    let unrouted = stats.unrouted.load(Ordering::Relaxed);
    let invalid = stats.invalid.load(Ordering::Relaxed);
    running.stop().await?;
    let rss = RssSummary::of(&samples, o.deliveries, rss0, sys::rss());

    let tag = generator.tag.clone();
    let (after_total, new_rows, tagged) =
        tokio::task::spawn_blocking(move || prefill::count_messages(&db, before_max_id, &tag))
            .await??;
    let n = o.deliveries as i64;
    let verified = finished_at.is_some()
        && load.ok == o.deliveries
        && processed == o.deliveries
        && unrouted == 0
        && invalid == 0
        && new_rows == n
        && tagged == n
        && after_total == before_total + n;
    let seconds_to_processed = finished_at;
    Ok(ProcessPhase {
        http: HttpFigures::from_load(&load),
        store_messages_before: before_total,
        store_messages_after: after_total,
        journaled,
        commits,
        deliveries_per_commit: journaled as f64 / commits.max(1) as f64,
        processed,
        unrouted,
        invalid,
        seconds_to_processed,
        processed_per_second: seconds_to_processed
            .map(|s| processed as f64 / s.max(1e-9))
            .unwrap_or(0.0),
        processed_while_sending_per_second: done_at_send_end as f64 / send_seconds.max(1e-9),
        drain_seconds: seconds_to_processed.map(|s| (s - send_seconds).max(0.0)),
        new_messages_counted: new_rows,
        new_messages_of_this_run: tagged,
        verified,
        backlog: BacklogSummary::of(&samples, backlog_at_send_end),
        cpu,
        rss,
        samples,
    })
}

/// The prefill made the tenant and numbers; make sure the engine routes to all of them.
async fn routes_to_every_number(running: &Running, numbers: u64) -> anyhow::Result<()> {
    match running
        .engine
        .handle(&Caller::current(), Request::ListNumbers)
        .await
    {
        Ok(Response::Numbers(n)) if n.len() as u64 == numbers => {}
        Ok(Response::Numbers(n)) => {
            if n.is_empty() {
                register_numbers(&running.engine, numbers).await?;
            } else {
                anyhow::bail!(
                    "the prefilled store has {} numbers, the bench wants {}",
                    n.len(),
                    numbers
                );
            }
        }
        Ok(other) => anyhow::bail!("listing numbers answered {other:?}"),
        Err(e) => anyhow::bail!("listing numbers: {e}"),
    }
    Ok(())
}

/// How the process phase's sending and processing ended.
struct Waited {
    load: LoadResult,
    /// (seconds, done, backlog) when the last delivery was answered.
    send_end: Option<(f64, u64, u64)>,
    /// Seconds from the start until every delivery was processed; None if some never were.
    finished_at: Option<f64>,
}

/// Waits for every delivery to be answered, then for every one journaled to be processed;
/// gives up after 60 s without progress.
async fn wait_until_processed(
    deliveries: u64,
    load_task: tokio::task::JoinHandle<LoadResult>,
    stats: &WriterStats,
    progress: &Progress,
    started: Instant,
) -> anyhow::Result<Waited> {
    let mut load: Option<LoadResult> = None;
    let mut load_task = Some(load_task);
    let mut send_end: Option<(f64, u64, u64)> = None; // (seconds, done, backlog)
    let mut finished_at = None;
    let mut last_progress = (done(stats), Instant::now());
    loop {
        if let Some(t) = load_task.as_ref()
            && t.is_finished()
            && let Some(t) = load_task.take()
        {
            let r = t.await.context("the load generator failed")?;
            let s = sample(started, stats, progress);
            send_end = Some((r.elapsed.as_secs_f64(), s.done, s.backlog));
            load = Some(r);
        }
        let d = done(stats);
        if d >= deliveries {
            finished_at = Some(started.elapsed().as_secs_f64());
            break;
        }
        if load.is_some() && d >= stats.journaled.load(Ordering::Relaxed) {
            // Everything journaled is processed, but fewer than sent: some were never journaled.
            break;
        }
        if d != last_progress.0 {
            last_progress = (d, Instant::now());
        } else if last_progress.1.elapsed() > Duration::from_secs(60) {
            say!("process: no delivery processed for 60 s; giving up");
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let load = match (load, load_task) {
        (Some(l), _) => l,
        (None, Some(t)) => t.await.context("the load generator failed")?,
        (None, None) => LoadResult::default(),
    };
    Ok(Waited {
        load,
        send_end,
        finished_at,
    })
}
