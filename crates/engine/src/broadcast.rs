//! The broadcast task: moves the pending recipients of running broadcasts into the outbox, a
//! few at a time, under the number's pace (`[broadcast] rate_per_second`) and its messaging
//! tier (unique customers outside their window per rolling 24 hours). Each recipient is queued
//! in the transaction that marks it `queued` with its message: a crash leaves it pending (and
//! queued again after the restart) or queued (and the outbox sends it once, or marks it
//! uncertain if it was in flight), never both, so nobody gets a broadcast twice.
//!
//! A broadcast stops itself (and queues no more; what is queued goes on) when Meta reports its
//! number's quality falling (`phone_number_quality_update`), or when enough of its recipients
//! failed with 131049, Meta's per-customer marketing limit.

use super::Engine;
use super::writer::WriterCtx;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wabox_domain::ServiceWindow;
use wabox_domain::broadcast::{self as rules, SkipReason};
use wabox_domain::identity::Ids;
use wabox_domain::template_header::HeaderValue;
use wabox_store::broadcasts::{self as store, BroadcastRow, Pending};
use wabox_store::identity::{self, Sighting};
use wabox_store::outbox::{self, NewSend};

/// How often the task looks while a broadcast runs: the pace is spread over the second.
const TICK: Duration = Duration::from_millis(200);
/// How often it looks when none runs (a start wakes it at once).
const IDLE_WAKE: Duration = Duration::from_secs(2);
/// A broadcast held by its number's tier is looked at again after this, not every tick: room
/// comes back only as its customers leave the last 24 hours.
const TIER_RETRY: Duration = Duration::from_secs(2);

pub fn spawn(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(engine))
}

async fn run(engine: Arc<Engine>) {
    let settings = engine.config.broadcast.clone();
    // When each number was last fed: its pace is counted from there.
    let mut fed_at: HashMap<i64, Instant> = HashMap::new();
    // Broadcasts held by the tier, and since when.
    let mut held: HashMap<i64, Instant> = HashMap::new();
    loop {
        let running = engine.read(store::running).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e.english(), "broadcasts: could not look for running ones");
            Vec::new()
        });
        if running.is_empty() {
            fed_at.clear();
            tokio::select! {
                _ = tokio::time::sleep(IDLE_WAKE) => {}
                _ = engine.broadcast_wake.notified() => {}
            }
            continue;
        }
        let mut queued = 0;
        // One number's broadcasts share its pace, oldest first.
        let mut room: HashMap<i64, usize> = HashMap::new();
        held.retain(|_, at| at.elapsed() < TIER_RETRY);
        for b in running {
            if held.contains_key(&b.id) {
                continue;
            }
            let since = fed_at
                .get(&b.number_id)
                .map_or(1.0, |at| at.elapsed().as_secs_f64());
            let left = *room.entry(b.number_id).or_insert_with(|| {
                let a = rules::allowance(settings.rate_per_second, since, None, 0);
                a.total
            });
            if left == 0 {
                continue;
            }
            let settings = settings.clone();
            let id = b.id;
            let fed = engine
                .writer
                .run(move |ctx| feed(ctx, &b, left, &settings))
                .await;
            match fed {
                Ok(Fed {
                    number_id,
                    queued: n,
                    tier_full,
                }) => {
                    if tier_full {
                        held.insert(id, Instant::now());
                    }
                    if n > 0 {
                        fed_at.insert(number_id, Instant::now());
                        queued += n;
                        if let Some(r) = room.get_mut(&number_id) {
                            *r = r.saturating_sub(n);
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "broadcasts: could not queue recipients"),
            }
        }
        if queued > 0 {
            engine.outbox_wake.notify_one();
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = engine.broadcast_wake.notified() => {}
        }
    }
}

/// Why a running broadcast must stop at `now`, if it must.
fn stop_reason(
    ctx: &WriterCtx,
    b: &BroadcastRow,
    settings: &wabox_config::BroadcastSettings,
    now: i64,
) -> wabox_store::Result<Option<String>> {
    for (_, event, value) in store::quality_updates(&ctx.conn, b.number_id, b.quality_mark)? {
        let rating = value
            .get("quality_rating")
            .or_else(|| value.get("current_quality"))
            .and_then(|v| v.as_str());
        if rules::quality_falls(event.as_deref(), rating) {
            let limit = value
                .get("current_limit")
                .and_then(|v| v.as_str())
                .map(|l| format!(", limit now {l}"))
                .unwrap_or_default();
            return Ok(Some(format!(
                "Meta reported the number's quality falling ({}{limit})",
                event.or(rating.map(str::to_string)).unwrap_or_default()
            )));
        }
    }
    if let Some(HeaderValue::Uploaded { filename, .. }) =
        b.header.as_ref().filter(|h| h.upload_expired(now))
    {
        return Ok(Some(format!(
            "Meta keeps an uploaded file 30 days: the header's {} is gone from Meta; create \
             the broadcast again with the file",
            wabox_domain::text::visible_line(filename)
        )));
    }
    let limited = store::failures_with(&ctx.conn, b.id, rules::MARKETING_LIMIT_ERROR)?;
    if rules::marketing_limit_reached(limited, settings.stop_after_marketing_limit) {
        return Ok(Some(format!(
            "{limited} recipients failed with 131049 (Meta's marketing limit per customer)"
        )));
    }
    Ok(None)
}

/// The number's tier: the newest limit Meta reported in a quality update, else the config's.
fn tier(
    ctx: &WriterCtx,
    b: &BroadcastRow,
    settings: &wabox_config::BroadcastSettings,
) -> wabox_store::Result<Option<u64>> {
    let reported = store::quality_updates(&ctx.conn, b.number_id, 0)?
        .into_iter()
        .rev()
        .find_map(|(_, _, v)| {
            v.get("current_limit")
                .and_then(|l| l.as_str())
                .and_then(rules::tier_from_limit)
        });
    Ok(match reported {
        Some(t) => t,
        None => (settings.default_tier > 0).then_some(settings.default_tier),
    })
}

/// What one feed did.
struct Fed {
    number_id: i64,
    queued: usize,
    /// It stopped at a customer outside their window with the number's tier reached.
    tier_full: bool,
}

/// Queues up to `room` pending recipients of one broadcast, in one transaction.
fn feed(
    ctx: &mut WriterCtx,
    b: &BroadcastRow,
    room: usize,
    settings: &wabox_config::BroadcastSettings,
) -> wabox_store::Result<Fed> {
    let fed = |queued, tier_full| Fed {
        number_id: b.number_id,
        queued,
        tier_full,
    };
    let now = wabox_domain::time::now_unix();
    // With other engines, the owner of the tenant's partition sends its broadcasts.
    if let Some(lease) = ctx.lease_of_tenant(b.tenant_id) {
        let mine = match (&ctx.cluster, lease) {
            (Some(c), Some(lease)) => wabox_store::cluster::holds(&ctx.conn, &c.me, lease)?,
            _ => false,
        };
        if !mine {
            return Ok(fed(0, false));
        }
    }
    if let Some(reason) = stop_reason(ctx, b, settings, now)? {
        tracing::warn!(broadcast = b.id, %reason, "broadcast stopped");
        store::set_state(&ctx.conn, b.id, &["running"], "stopped", Some(&reason), now)?;
        wabox_store::queues::audit(
            &ctx.conn,
            "wabox",
            None,
            "broadcast_stopped",
            &format!("broadcast {}: {reason}", b.id),
            now,
        )?;
        return Ok(fed(0, false));
    }
    let tier = tier(ctx, b, settings)?;
    let used = store::tier_used(&ctx.conn, b.number_id, now - 86_400)?;
    let mut outside_room = rules::allowance(0, 0.0, tier, used).outside_window;
    let mut queued = 0;
    for p in store::pending(&ctx.conn, b.id, room)? {
        match queue_one(ctx, b, &p, &mut outside_room, now)? {
            Outcome::Queued => queued += 1,
            Outcome::Skipped => {}
            // The tier is reached: the rest wait for customers to leave the last 24 hours.
            Outcome::TierFull => return Ok(fed(queued, true)),
            // Nobody can be sent it (the template paused, the number's token gone): stopped,
            // with why, for an admin to fix and resume.
            Outcome::Cannot(reason) => {
                tracing::warn!(broadcast = b.id, %reason, "broadcast stopped");
                store::set_state(&ctx.conn, b.id, &["running"], "stopped", Some(&reason), now)?;
                return Ok(fed(queued, false));
            }
        }
    }
    if store::finish_done(&ctx.conn, b.id, now)? {
        tracing::info!(broadcast = b.id, "broadcast done");
    }
    Ok(fed(queued, false))
}

/// What became of one pending recipient.
enum Outcome {
    Queued,
    Skipped,
    /// Their window is closed and the number's tier is reached.
    TierFull,
    /// The broadcast cannot go on: why.
    Cannot(String),
}

fn queue_one(
    ctx: &mut WriterCtx,
    b: &BroadcastRow,
    p: &Pending,
    outside_room: &mut usize,
    now: i64,
) -> wabox_store::Result<Outcome> {
    let known = match p.contact_id {
        Some(id) if store::contact_exists(&ctx.conn, id)? => Some(id),
        _ => None,
    };
    let contact_id = match known {
        Some(id) => id,
        // A CSV's number nobody here knew: a contact now, as a customer's first message makes;
        // or a contact merged into another since the create: the one holding the number now.
        None => {
            // The key is the phone number, or the BSUID (`US.1349…`) of one who hides it.
            let bsuid = p.wa_id.contains('.');
            let sighting = Sighting {
                ids: Ids {
                    wa_id: (!bsuid).then(|| p.wa_id.as_str().into()),
                    user_id: bsuid.then(|| p.wa_id.as_str().into()),
                },
                name: p.name.clone(),
                username: None,
                at: now,
            };
            identity::resolve(
                &ctx.conn,
                b.tenant_id,
                &sighting,
                b.number_id,
                now,
                &mut ctx.events,
            )?
            .id
        }
    };
    // Opted out or blocked since the create: skipped now too.
    let (opted_out, blocked) = store::still_reachable(&ctx.conn, contact_id, b.number_id)?;
    if opted_out || blocked {
        let why = if opted_out {
            SkipReason::OptedOut
        } else {
            SkipReason::Blocked
        };
        store::mark_skipped(&ctx.conn, p.id, why)?;
        return Ok(Outcome::Skipped);
    }
    let conversation_id = store::conversation_for(&ctx.conn, b.number_id, contact_id, now)?;
    let target = outbox::send_target(&ctx.conn, conversation_id)?;
    let outside = !ServiceWindow::at(target.last_inbound_at, now).is_open();
    if outside && *outside_room == 0 {
        return Ok(Outcome::TierFull);
    }
    if !target.has_token {
        return Ok(Outcome::Cannot(format!(
            "number {} has no token to send with",
            target.phone_number_id
        )));
    }
    let request = match super::send::addressed(&target) {
        Ok(r) => r,
        Err(why) => {
            store::mark_skipped(&ctx.conn, p.id, SkipReason::InvalidPhone)?;
            tracing::info!(broadcast = b.id, %why, "broadcast recipient skipped");
            return Ok(Outcome::Skipped);
        }
    };
    let filled = super::send::template_content(
        &ctx.conn,
        &target,
        request,
        &b.template,
        &b.language,
        &p.params,
        b.header.as_ref(),
    );
    let (request, rendered) = match filled {
        Ok(f) => f,
        Err(why) => return Ok(Outcome::Cannot(why)),
    };
    let by = format!("broadcast {}", b.id);
    let q = outbox::queue(
        &ctx.conn,
        &target,
        &NewSend {
            kind: "template",
            request: &request,
            rendered: &rendered,
            requested_by: &by,
            origin: "broadcast",
            reply_to: None,
        },
        wabox_domain::time::now_ms(),
        &mut ctx.events,
    )?;
    store::mark_queued(&ctx.conn, p.id, contact_id, q.message_id, outside, now)?;
    if outside {
        *outside_room -= 1;
    }
    Ok(Outcome::Queued)
}
