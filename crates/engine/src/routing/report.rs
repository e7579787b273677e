//! `Report` and `SetSla`: the team's figures over a period, for admins (every tenant or one)
//! and a tenant's admins (theirs only), read from the store's own history; and a queue's
//! first-response target, which the figures and the conversation list measure against.

use super::{Auditor, queue_owner, tenant_for};
use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_domain::report::{self as rules, Asked, DurationSummary, Figures};
use wabox_protocol::report::{DurationView, FiguresView, ReportQuery, ReportRow, ReportView};
use wabox_protocol::{ApiError, ErrorCode, Response};
use wabox_store::queues;

impl Engine {
    pub(super) async fn report(
        self: &Arc<Self>,
        access: &Access,
        query: ReportQuery,
        now: i64,
    ) -> Result<Response, ApiError> {
        let asked = Asked {
            from: query.from.as_deref(),
            to: query.to.as_deref(),
            by: query.by.as_deref(),
            hours: query.hours.as_deref(),
            zone: query.zone.as_deref(),
        };
        let (period, from, to, zone) = rules::period(&asked, now)
            .map_err(|detail| ApiError::from(ErrorCode::BadReport { detail }))?;
        let by = period.by;
        let hours = period.hours;
        let (from_at, until_at) = (period.from, period.until);
        let scope = access.scope.clone();
        let named = query.tenant.clone();
        let (tenant, figured) = self
            .read(move |c| {
                let tenant = match (scope.tenant(), named.as_deref()) {
                    (None, None) => None,
                    _ => {
                        let id = tenant_for(c, &scope, named.as_deref())?;
                        Some((id, super::tenant_name(c, id)?))
                    }
                };
                let figured = wabox_store::report::report(c, tenant.as_ref().map(|t| t.0), period)?;
                Ok((tenant.map(|t| t.1), figured))
            })
            .await?;
        let mut groups = figured.groups;
        if by == Some(rules::GroupBy::Day) {
            for day in rules::each_day(from, to) {
                groups.entry(day.to_string()).or_default();
            }
        }
        Ok(Response::Report(Box::new(ReportView {
            from: from.to_string(),
            to: to.to_string(),
            zone,
            from_at,
            until_at,
            by: by.map(|b| b.as_str().to_string()),
            hours: hours.as_str().to_string(),
            tenant,
            total: view(&figured.total),
            rows: groups
                .iter()
                .map(|(key, f)| ReportRow {
                    key: key.clone(),
                    figures: view(f),
                })
                .collect(),
        })))
    }

    pub(super) async fn set_sla(
        self: &Arc<Self>,
        access: &Access,
        tenant: Option<String>,
        queue: String,
        minutes: Option<u32>,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let audit = Auditor::of(access, now);
        let minutes = minutes.filter(|m| *m > 0);
        let detail = match minutes {
            Some(m) => format!("queue {queue:?} first response within {m} min"),
            None => format!("queue {queue:?} no first-response target"),
        };
        self.write(move |ctx| {
            let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &queue)?;
            let queue_id = queues::queue_named(&ctx.conn, tenant_id, &queue)?;
            queues::set_sla(&ctx.conn, queue_id, minutes.map(i64::from))?;
            ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
            audit.record(&ctx.conn, "queue_sla", &detail)
        })
        .await?;
        self.queues_response(access).await
    }
}

fn durations(s: DurationSummary) -> DurationView {
    DurationView {
        count: s.count,
        mean_seconds: s.mean,
        median_seconds: s.median,
        p90_seconds: s.p90,
    }
}

fn view(f: &Figures) -> FiguresView {
    FiguresView {
        opened: f.opened,
        closed: f.closed,
        waiting: f.waiting,
        messages_in: f.messages_in,
        messages_out: f.messages_out,
        templates_sent: f.templates_sent,
        first_response: durations(f.first_response.summary()),
        resolution: durations(f.resolution.summary()),
        sla_counted: f.sla_counted,
        sla_missed: f.sla_missed,
        failures: f
            .failures
            .iter()
            .map(|(code, n)| (code.to_string(), *n))
            .collect(),
    }
}
