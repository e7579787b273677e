//! `SetHours`, `Holiday`, `ListHours`: a queue's business hours, set by its tenant's admins (the
//! week and zone checked by `domain::hours` before anything is stored), and listed with whether
//! each queue is open now and when that changes.

use super::{Auditor, queue_owner};
use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_domain::hours::{self, Week};
use wabox_protocol::directory::HoursView;
use wabox_protocol::{ApiError, ErrorCode, Request, Response};
use wabox_store::{StoreError, queues};

impl Engine {
    pub(super) async fn hours_request(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let audit = Auditor::of(access, now);
        let bad = |e: hours::HoursError| {
            ApiError::from(ErrorCode::BadHours {
                detail: e.to_string(),
            })
        };
        match request {
            Request::SetHours {
                tenant,
                queue,
                zone,
                week,
                away,
            } => {
                let parsed = Week::parse(&week).map_err(bad)?;
                hours::Hours::new(&zone, parsed.clone(), Default::default()).map_err(bad)?;
                let spec = parsed.spec();
                let away = away.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
                let detail = format!("queue {queue:?} hours {zone} {spec}");
                self.write(move |ctx| {
                    let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &queue)?;
                    let queue_id = queues::queue_named(&ctx.conn, tenant_id, &queue)?;
                    wabox_store::hours::set(
                        &ctx.conn,
                        queue_id,
                        &zone,
                        &spec,
                        away.as_deref(),
                        now,
                    )?;
                    ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                    audit.record(&ctx.conn, "queue_hours", &detail)
                })
                .await?;
            }
            Request::Holiday {
                tenant,
                queue,
                date,
                remove,
            } => {
                let day = hours::parse_date(&date).map_err(bad)?.to_string();
                let detail = format!(
                    "queue {queue:?} holiday {day}{}",
                    if remove { " removed" } else { "" }
                );
                self.write(move |ctx| {
                    let tenant_id = queue_owner(&ctx.conn, &scope, tenant.as_deref(), &queue)?;
                    let queue_id = queues::queue_named(&ctx.conn, tenant_id, &queue)?;
                    let has = wabox_store::hours::list(&ctx.conn, Some(tenant_id))?
                        .iter()
                        .any(|h| h.queue_id == queue_id);
                    if !has {
                        return Err(StoreError::Invalid(ErrorCode::BadHours {
                            detail: format!(
                                "queue {queue} has no hours yet: `wabox hours set {queue} --tz ZONE --week ...` first"
                            ),
                        }));
                    }
                    wabox_store::hours::holiday(&ctx.conn, queue_id, &day, remove)?;
                    ctx.events.push(wabox_store::StoreEvent::DirectoryChanged);
                    audit.record(&ctx.conn, "queue_holiday", &detail)
                })
                .await?;
            }
            Request::ListHours => {}
            other => {
                return Err(ApiError::from(ErrorCode::WrongRequest {
                    area: "hours".into(),
                    request: format!("{other:?}"),
                }));
            }
        }
        let tenant = access.scope.tenant();
        let stored = self
            .read(move |c| wabox_store::hours::list(c, tenant))
            .await?;
        Ok(Response::Hours(
            stored.iter().map(|h| view(h, now)).collect(),
        ))
    }
}

/// Where a queue's hours stand at `now`.
pub fn view(h: &wabox_store::hours::StoredHours, now: i64) -> HoursView {
    let rule = h.hours();
    let change = rule.as_ref().and_then(|r| r.next_change(now));
    HoursView {
        tenant: h.tenant.clone(),
        queue: h.queue.clone(),
        zone: h.zone.clone(),
        week: h.week.clone(),
        holidays: h.holidays.clone(),
        away: h.away_text.clone(),
        open: rule.as_ref().is_some_and(|r| r.is_open(now)),
        next_change_at: change.map(|c| c.at),
        next_label: rule.zip(change).map(|(r, c)| r.local_label(c.at, now)),
    }
}
