//! `doctor`: what needs an admin's attention, within the admin's scope.

use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, DoctorReport, Response};
use wabox_store::{directory, journal, queues};

/// `doctor` shows the account events of the last month, at most this many.
const ACCOUNT_EVENTS_SHOWN_SECONDS: i64 = 30 * 86_400;
const ACCOUNT_EVENTS_SHOWN: usize = 20;

impl Engine {
    /// `doctor`: what needs an admin's attention, within the admin's scope.
    pub(super) async fn doctor(
        self: &Arc<Self>,
        access: &Access,
        offline: bool,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let numbers = self.number_health(scope.clone(), offline, now).await?;
        let installation_admin = scope == wabox_store::scope::Scope::Everything;
        let mut report = self.read(move |c| doctor_report(c, &scope, now)).await?;
        report.numbers = numbers;
        if installation_admin && let Some(cluster) = &self.cluster {
            let me = cluster.me.clone();
            let (engines, unowned) = self
                .read(move |c| {
                    let engines = wabox_store::cluster::engines(c, crate::cluster::LEASE_SECONDS)?;
                    Ok((engines, wabox_store::cluster::unowned_partitions(c)?))
                })
                .await?;
            report.unowned_partitions = unowned;
            report.engines = engines
                .into_iter()
                .map(|e| wabox_protocol::EngineStatus {
                    this: e.id == me,
                    id: e.id,
                    host: e.host,
                    pid: e.pid,
                    live: e.live,
                    seen_seconds_ago: e.seen_seconds_ago,
                    partitions: e.partitions,
                })
                .collect();
        }
        if installation_admin {
            // The data dir is the installation's: its modes are for its admins alone.
            let (dir, group, uid) = (
                self.config.data_dir.clone(),
                self.config.group.clone(),
                self.own_uid,
            );
            report.files =
                tokio::task::spawn_blocking(move || crate::files::checks(&dir, &group, uid))
                    .await
                    .unwrap_or_default();
        }
        Ok(Response::Doctor(Box::new(report)))
    }
}

/// What `doctor` reads from the store: everything but the numbers' health and the files.
fn doctor_report(
    c: &wabox_store::db::Connection,
    scope: &wabox_store::scope::Scope,
    now: i64,
) -> wabox_store::Result<DoctorReport> {
    let counts = journal::counts(c)?;
    let of = |state: journal::JournalState| {
        counts
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n)
    };
    // Deliveries are not divided by tenant: installation admins only.
    let admin = *scope == wabox_store::scope::Scope::Everything;
    let gauges = if admin {
        wabox_store::gauges::read(c)?
    } else {
        Default::default()
    };
    Ok(DoctorReport {
        engines: Vec::new(),
        unowned_partitions: 0,
        journal_pending: gauges.journal_pending,
        journal_lag_seconds: gauges.journal_lag_seconds(now),
        without_queue: queues::orphans(c, scope)?,
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
        without_token: directory::list_numbers_in(c, scope)?
            .into_iter()
            .filter(|n| !n.has_token && n.active)
            .map(|n| format!("+{} ({})", n.display_phone, n.phone_number_id))
            .collect(),
        numbers: Vec::new(),
        files: Vec::new(),
        account_events: wabox_store::business::recent_events(
            c,
            scope,
            now - ACCOUNT_EVENTS_SHOWN_SECONDS,
            ACCOUNT_EVENTS_SHOWN,
        )?,
    })
}
