//! The sequence scheduler: looks at each new message once (triggers, replies awaited, a person
//! answering from the phone app), runs the enrollments that are due, and sleeps until the next
//! one is. Every run is one savepoint holding what it queued and where the enrollment stands
//! after it, so a crash leaves each step done once or not at all, and a restart carries on.

use super::Engine;
use super::sequences::Loaded;
use super::writer::WriterCtx;
use std::sync::Arc;
use std::time::Duration;
use wabox_domain::ServiceWindow;
use wabox_domain::sequence::{
    self, Action, After, Position, RunContext, Sequence, WINDOW_MARGIN_SECONDS,
};
use wabox_store::outbox::{self, NewSend};
use wabox_store::{StoreError, StoreEvent, sequences as store};

/// Enrollments run per writer transaction.
const RUN_BATCH: usize = 200;
/// Messages looked at per writer transaction.
const SCAN_BATCH: usize = 500;
/// A message older than this when first seen (a webhook retried for days, an import) starts
/// nothing: the customer is not waiting for a welcome any more.
const TRIGGER_MAX_AGE_SECONDS: i64 = 24 * 3_600;
/// A trigger does not enroll a conversation again in a sequence it was enrolled in this
/// recently: a customer who writes "hola, ¿envíos?" and "¿hacen envíos a Oruro?" one after the
/// other gets the shipping answer once, where a one-step sequence, ended by the time the second
/// message was looked at, answered both. Asked again later, it answers again; by hand it runs
/// whenever asked.
pub(crate) const RETRIGGER_AFTER_SECONDS: i64 = 10 * 60;
/// The scheduler looks at the files and the clock at least this often.
const IDLE_WAKE: Duration = Duration::from_secs(2);

pub fn spawn(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(engine))
}

async fn run(engine: Arc<Engine>) {
    let mut events = engine.writer.events.subscribe();
    loop {
        engine.sequences.reload_if_changed();
        let loaded = engine.sequences.snapshot();
        // Readers say whether there is anything to do, so an idle scheduler (or one woken by
        // every status webhook) costs the writer nothing.
        let Some(look) = look(&engine).await else {
            tokio::time::sleep(IDLE_WAKE).await;
            continue;
        };
        if look.newest_message > look.cursor
            && let Err(e) = scan(&engine, &loaded).await
        {
            tracing::warn!(error = %e, "sequences: could not look at new messages");
        }
        let now = wabox_domain::time::now_unix();
        if look.next_due.is_some_and(|at| at <= now)
            && let Err(e) = run_due(&engine, &loaded).await
        {
            tracing::warn!(error = %e, "sequences: could not run the due steps");
        }
        let next = match look.next_due {
            Some(at) if at <= now => look_again(&engine).await,
            other => other,
        };
        let sleep = match next {
            Some(at) => Duration::from_millis(
                (at * 1000 - wabox_domain::time::now_ms()).clamp(0, IDLE_WAKE.as_millis() as i64)
                    as u64,
            ),
            None => IDLE_WAKE,
        };
        if sleep.is_zero() {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = engine.scheduler_wake.notified() => {}
            event = events.recv() => match event {
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // The rest of the burst is covered by the one look that follows.
                    if !super::wake::drain(&mut events, |_| {}) {
                        return;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// What the store holds for the scheduler: the cursor, the newest message, the soonest due.
struct Look {
    cursor: i64,
    newest_message: i64,
    next_due: Option<i64>,
}

async fn look(engine: &Arc<Engine>) -> Option<Look> {
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || {
        engine.readers.with(|c| {
            Ok(Look {
                cursor: store::cursor(c)?,
                newest_message: c
                    .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM messages")?
                    .query_row([], |r| r.get(0))?,
                next_due: store::next_due(c)?,
            })
        })
    })
    .await
    .ok()
    .and_then(Result::ok)
}

async fn look_again(engine: &Arc<Engine>) -> Option<i64> {
    look(engine).await.and_then(|l| l.next_due)
}

/// Looks at every message after the cursor, in order, a batch per transaction.
async fn scan(engine: &Arc<Engine>, loaded: &Arc<Loaded>) -> Result<(), String> {
    loop {
        let loaded = loaded.clone();
        let looked = engine
            .writer
            .run(move |ctx| scan_batch(ctx, &loaded))
            .await
            .map_err(|e| e.to_string())?;
        if looked.enrolled > 0 {
            tracing::info!(
                enrolled = looked.enrolled,
                "sequences: conversations enrolled by triggers"
            );
        }
        if looked.messages < SCAN_BATCH {
            return Ok(());
        }
    }
}

#[derive(Default)]
struct Looked {
    messages: usize,
    enrolled: usize,
}

fn scan_batch(ctx: &mut WriterCtx, loaded: &Loaded) -> wabox_store::Result<Looked> {
    let now = wabox_domain::time::now_unix();
    // With other engines, one scans for every tenant: the owner of partition 0.
    if !holds_tenant(ctx, 0)? {
        return Ok(Looked::default());
    }
    if loaded.sequences.is_empty() {
        // Nothing to start or pause: step over every new message at once. (A reply awaited by
        // a sequence whose file is gone would only pause it, as its next run does anyway.)
        ctx.conn
            .prepare_cached(
                "UPDATE sequence_cursor SET last_message_id = (SELECT COALESCE(MAX(id), 0) FROM messages)",
            )?
            .execute([])?;
        return Ok(Looked::default());
    }
    let after = store::cursor(&ctx.conn)?;
    let messages = store::messages_after(&ctx.conn, after, SCAN_BATCH)?;
    let mut looked = Looked {
        messages: messages.len(),
        ..Looked::default()
    };
    let Some(last) = messages.last().map(|m| m.id) else {
        return Ok(looked);
    };

    // Tenant names by id, once per batch, for the sequences' `tenant`.
    let mut tenants: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for m in &messages {
        match (m.direction.as_str(), m.origin.as_str()) {
            ("in", "customer") => {
                store::reply_arrived(&ctx.conn, m.conversation_id, m.id, now)?;
                if now - m.at > TRIGGER_MAX_AGE_SECONDS {
                    continue;
                }
                let tenant = match tenants.entry(m.tenant_id) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(ctx.conn.query_row(
                        "SELECT name FROM tenants WHERE id = ?1",
                        [m.tenant_id],
                        |r| r.get::<_, String>(0),
                    )?),
                };
                for seq in loaded.sequences.values() {
                    if !seq.tenant.eq_ignore_ascii_case(tenant)
                        || !seq.runs_on(&m.phone_number_id, &m.display_phone)
                    {
                        continue;
                    }
                    let by = if seq.trigger.first_message && m.first {
                        "first message"
                    } else if seq
                        .trigger
                        .keyword
                        .as_ref()
                        .is_some_and(|k| k.matches(&m.text))
                    {
                        "keyword"
                    } else {
                        continue;
                    };
                    if store::enrolled_since(
                        &ctx.conn,
                        m.conversation_id,
                        &seq.id,
                        now - RETRIGGER_AFTER_SECONDS,
                    )? {
                        continue;
                    }
                    let first = seq.steps.first().and_then(|s| s.id.as_deref());
                    if store::enroll(&ctx.conn, m.conversation_id, &seq.id, first, by, now)?
                        .is_some()
                    {
                        looked.enrolled += 1;
                        ctx.events.push(StoreEvent::ConversationChanged {
                            conversation_id: m.conversation_id,
                        });
                    }
                }
            }
            // The business answered from the WhatsApp Business app: a person took over.
            ("out", "phone_app") => {
                store::pause_in_conversation(
                    &ctx.conn,
                    m.conversation_id,
                    &loaded.pausing_on_agent(),
                    "the business answered from the phone app",
                    now,
                    &mut ctx.events,
                )?;
            }
            _ => {}
        }
    }
    store::set_cursor(&ctx.conn, last)?;
    Ok(looked)
}

/// Runs every due enrollment, a batch per transaction.
async fn run_due(engine: &Arc<Engine>, loaded: &Arc<Loaded>) -> Result<usize, String> {
    let mut total = 0;
    loop {
        let loaded = loaded.clone();
        let (ran, looked, queued) = engine
            .writer
            .run(move |ctx| -> wabox_store::Result<(usize, usize, bool)> {
                let now = wabox_domain::time::now_unix();
                let due = store::due(&ctx.conn, now, RUN_BATCH)?;
                let (mut queued, mut ran) = (false, 0);
                for e in &due {
                    // With other engines, each runs its own partitions' enrollments.
                    if !holds_tenant(ctx, e.tenant_id)? {
                        continue;
                    }
                    ran += 1;
                    queued |=
                        run_one(ctx, loaded.sequences.get(&e.sequence).map(|s| &**s), e, now)?;
                }
                Ok((ran, due.len(), queued))
            })
            .await
            .map_err(|e| e.to_string())?;
        if queued {
            engine.outbox_wake.notify_one();
        }
        total += ran;
        // Another engine's due ones in a full batch: this one's wait for its next look.
        if looked < RUN_BATCH || ran < looked {
            return Ok(total);
        }
    }
}

/// Whether this engine works the tenant's partition now (checked in the store, inside this
/// transaction); always, with no other engine.
fn holds_tenant(ctx: &WriterCtx, tenant_id: i64) -> wabox_store::Result<bool> {
    match (&ctx.cluster, ctx.lease_of_tenant(tenant_id).flatten()) {
        (None, _) => Ok(true),
        (Some(c), Some(lease)) => wabox_store::cluster::holds(&ctx.conn, &c.me, lease),
        (Some(_), None) => Ok(false),
    }
}

/// Runs one enrollment inside a savepoint; returns whether it queued a message. A step that
/// cannot be done (a template not synced, the number without a token) rolls back the whole run
/// and pauses the enrollment where it stood, with why.
fn run_one(
    ctx: &mut WriterCtx,
    seq: Option<&Sequence>,
    e: &store::Enrollment,
    now: i64,
) -> wabox_store::Result<bool> {
    let Some(seq) = seq else {
        pause(
            ctx,
            e,
            e.position,
            &wabox_i18n::engine::SEQUENCE_FILE_GONE.en(&[&e.sequence]),
            now,
        )?;
        return Ok(false);
    };
    let Some(position) = locate(seq, e) else {
        let id = e.step_id.clone().unwrap_or_default();
        pause(
            ctx,
            e,
            e.position,
            &format!(
                "the file changed and step {id:?} is gone: stop this enrollment or put the step back"
            ),
            now,
        )?;
        return Ok(false);
    };
    let facts = store::run_facts(&ctx.conn, e.conversation_id, position.reply_after)?;
    let window = ServiceWindow::at(facts.last_inbound_at, now);
    let window_open = window
        .boundary()
        .is_some_and(|closes| window.is_open() && closes - now >= WINDOW_MARGIN_SECONDS);
    let late = e.due_at.is_some_and(|due| now - due > seq.late_after);
    let outcome = sequence::run(
        seq,
        position,
        &RunContext {
            now,
            due: e.due_at.unwrap_or(now),
            window_open,
            reply: facts.reply.as_deref(),
            last_message_id: facts.last_message_id,
            late,
            contact: &facts.contact,
        },
    );
    let mut events = Vec::new();
    let sp = ctx.conn.savepoint()?;
    let mut queued = false;
    let applied: Result<(), (usize, String)> = (|| {
        for (step, action) in &outcome.actions {
            let what = apply(&sp, seq, e, action, now, &mut events).map_err(|why| (*step, why))?;
            queued |= what.1.is_some();
            store::log(&sp, e.id, now, Some(*step), &what.0, what.1)
                .map_err(|x| (*step, x.to_string()))?;
        }
        Ok(())
    })();
    match applied {
        Ok(()) => {
            let (state, due, reason) = match &outcome.after {
                After::RunAt(at) => ("active", Some(*at), None),
                After::AwaitReply { deadline } => ("waiting_reply", *deadline, None),
                After::Paused(why) => ("paused", None, Some(why.as_str())),
                After::Finished(why) if why == "completed" => ("done", None, Some(why.as_str())),
                After::Finished(why) => ("stopped", None, Some(why.as_str())),
            };
            let step_id = seq
                .steps
                .get(outcome.position.step)
                .and_then(|s| s.id.as_deref());
            store::save(
                &sp,
                e.id,
                outcome.position,
                step_id,
                state,
                due,
                reason,
                now,
            )?;
            if state != "active" && state != "waiting_reply" {
                store::log(
                    &sp,
                    e.id,
                    now,
                    None,
                    &format!("{state}: {}", reason.unwrap_or_default()),
                    None,
                )?;
            }
            sp.commit()?;
            ctx.events.append(&mut events);
            ctx.events.push(StoreEvent::ConversationChanged {
                conversation_id: e.conversation_id,
            });
            Ok(queued)
        }
        Err((step, why)) => {
            drop(sp);
            let reason = format!("{}: {why}", seq.step_name(step));
            tracing::warn!(enrollment = e.id, sequence = %seq.id, reason = %reason, "sequence paused");
            pause(ctx, e, position, &reason, now)?;
            Ok(false)
        }
    }
}

/// The step to run: by its id when it has one (an edit may have moved it), else by its number.
fn locate(seq: &Sequence, e: &store::Enrollment) -> Option<Position> {
    let Some(id) = &e.step_id else {
        return Some(e.position);
    };
    if seq.steps.get(e.position.step).and_then(|s| s.id.as_ref()) == Some(id) {
        return Some(e.position);
    }
    let step = seq.steps.iter().position(|s| s.id.as_ref() == Some(id))?;
    Some(Position { step, ..e.position })
}

fn pause(
    ctx: &mut WriterCtx,
    e: &store::Enrollment,
    position: Position,
    reason: &str,
    now: i64,
) -> wabox_store::Result<()> {
    store::save(
        &ctx.conn,
        e.id,
        position,
        e.step_id.as_deref(),
        "paused",
        None,
        Some(reason),
        now,
    )?;
    store::log(
        &ctx.conn,
        e.id,
        now,
        Some(position.step),
        &format!("paused: {reason}"),
        None,
    )?;
    ctx.events.push(StoreEvent::ConversationChanged {
        conversation_id: e.conversation_id,
    });
    Ok(())
}

/// Does one action; says what was done (for the log) and the message it queued.
fn apply(
    conn: &wabox_store::db::Connection,
    seq: &Sequence,
    e: &store::Enrollment,
    action: &Action,
    now: i64,
    events: &mut Vec<StoreEvent>,
) -> Result<(String, Option<i64>), String> {
    let by = format!("sequence {}", seq.id);
    match action {
        Action::SendText { body } => {
            let target = outbox::send_target(conn, e.conversation_id).map_err(|x| x.to_string())?;
            let mut request = super::send::addressed(&target)?;
            let rendered = super::send::text_content(&mut request, body)?;
            let id = queue(conn, &target, "text", &request, &rendered, &by, events)?;
            Ok(("sent a text".into(), Some(id)))
        }
        Action::SendTemplate {
            name,
            language,
            params,
        } => {
            let target = outbox::send_target(conn, e.conversation_id).map_err(|x| x.to_string())?;
            let request = super::send::addressed(&target)?;
            let (request, rendered) = super::send::template_content(
                conn, &target, request, name, language, params, None,
            )?;
            let id = queue(conn, &target, "template", &request, &rendered, &by, events)?;
            Ok((format!("sent template {name} ({language})"), Some(id)))
        }
        Action::Assign { queue, agent } => {
            wabox_store::queues::transfer(
                conn,
                e.conversation_id,
                queue.as_deref(),
                agent.as_deref(),
                None,
                &by,
                now,
                events,
            )
            .map_err(|x| x.to_string())?;
            let to = [queue.as_ref().map(|q| format!("queue {q}")), agent.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" and ");
            Ok((format!("assigned to {to}"), None))
        }
        Action::Close => {
            wabox_store::contacts::set_state(
                conn,
                e.conversation_id,
                "closed",
                None,
                &by,
                now,
                events,
            )
            .map_err(|x| x.to_string())?;
            Ok(("closed the conversation".into(), None))
        }
        Action::Skipped { why } => Ok((format!("skipped {why}"), None)),
    }
}

fn queue(
    conn: &wabox_store::db::Connection,
    target: &outbox::SendTarget,
    kind: &str,
    request: &serde_json::Value,
    rendered: &str,
    by: &str,
    events: &mut Vec<StoreEvent>,
) -> Result<i64, String> {
    if !target.has_token {
        return Err(wabox_i18n::engine::NO_TOKEN_FOR_SEQUENCE.en(&[&target.phone_number_id]));
    }
    outbox::queue(
        conn,
        target,
        &NewSend {
            kind,
            request,
            rendered,
            requested_by: by,
            origin: "sequence",
            reply_to: None,
        },
        wabox_domain::time::now_ms(),
        events,
    )
    .map(|q| q.message_id)
    .map_err(|e: StoreError| e.to_string())
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
