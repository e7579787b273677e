//! Sequence files (`sequences/*.toml` in the config dir): loaded at start, read again when one
//! changes or someone lists them; a file with an error is refused with its line and why, the
//! others load. And the client requests about sequences and enrollments.

use super::Engine;
use super::access::Access;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;
use wabox_domain::sequence::{self, Sequence, StepKind, Target};
use wabox_protocol::{
    ApiError, EnrollmentView, Request, Response, SequenceFileError, SequenceView, SequencesView,
};
use wabox_store::{StoreError, sequences as store};

/// What the files said, as one snapshot the scheduler holds while it runs.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sequences: BTreeMap<String, Arc<Sequence>>,
    pub files: BTreeMap<String, PathBuf>,
    pub errors: Vec<SequenceFileError>,
}

impl Loaded {
    /// The sequences an agent taking over pauses.
    pub fn pausing_on_agent(&self) -> Vec<String> {
        self.sequences
            .values()
            .filter(|s| s.pause_on_agent)
            .map(|s| s.id.clone())
            .collect()
    }
}

/// The loaded sequences, and how the directory looked when they were read.
pub struct Registry {
    dir: Option<PathBuf>,
    loaded: RwLock<Arc<Loaded>>,
    seen: Mutex<Vec<(PathBuf, Option<SystemTime>, u64)>>,
    /// Read on first use, not at start: a one-shot command that never asks pays nothing.
    read_once: std::sync::atomic::AtomicBool,
}

impl Registry {
    pub fn new(dir: Option<PathBuf>) -> Registry {
        Registry {
            dir,
            loaded: RwLock::new(Arc::new(Loaded::default())),
            seen: Mutex::new(Vec::new()),
            read_once: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub fn snapshot(&self) -> Arc<Loaded> {
        if !self.read_once.load(std::sync::atomic::Ordering::Acquire) {
            self.reload();
        }
        self.loaded.read().map(|l| l.clone()).unwrap_or_default()
    }

    /// Reads the files again when one was added, removed or changed since the last reading.
    pub fn reload_if_changed(&self) {
        let now = stamps(self.dir.as_deref());
        let changed = self.seen.lock().map(|seen| *seen != now).unwrap_or(true);
        if changed {
            self.reload();
        }
    }

    /// Reads every file now.
    pub fn reload(&self) {
        let seen = stamps(self.dir.as_deref());
        let mut loaded = Loaded::default();
        for (path, _, _) in &seen {
            let file = path.display().to_string();
            let Some(id) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let parsed = std::fs::read_to_string(path)
                .map_err(|e| sequence::DefinitionError {
                    line: 0,
                    message: format!("could not read it: {e}"),
                })
                .and_then(|text| sequence::parse(id, &text));
            match parsed {
                Ok(seq) => {
                    loaded.files.insert(id.to_string(), path.clone());
                    loaded.sequences.insert(id.to_string(), Arc::new(seq));
                }
                Err(e) => {
                    tracing::warn!(file = %file, line = e.line, error = %e.message, "sequence file refused");
                    loaded.errors.push(SequenceFileError {
                        file,
                        line: e.line,
                        message: e.message,
                    });
                }
            }
        }
        if let Ok(mut l) = self.loaded.write() {
            *l = Arc::new(loaded);
        }
        if let Ok(mut s) = self.seen.lock() {
            *s = seen;
        }
        self.read_once
            .store(true, std::sync::atomic::Ordering::Release);
    }
}

/// The `.toml` files of the directory with their modification time and size, sorted.
fn stamps(dir: Option<&Path>) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    let Some(entries) = dir.and_then(|d| std::fs::read_dir(d).ok()) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let modified = meta.as_ref().and_then(|m| m.modified().ok());
            let len = meta.map(|m| m.len()).unwrap_or(0);
            (p, modified, len)
        })
        .collect();
    files.sort();
    files
}

/// One line per step for listings: `welcome: text`, `wait 2h`, `branch → price, shipping`.
fn describe_steps(seq: &Sequence) -> Vec<String> {
    let target = |t: &Target| match t {
        Target::Step(i) => seq.step_name(*i),
        Target::Next => "next".into(),
        Target::Stop => "stop".into(),
    };
    seq.steps
        .iter()
        .map(|s| {
            let what = match &s.kind {
                StepKind::Wait { seconds } => {
                    format!("wait {}", wabox_domain::time::short_duration(*seconds))
                }
                StepKind::WaitReply {
                    timeout,
                    on_timeout,
                } => match timeout {
                    Some(t) => format!(
                        "wait for reply {} (then {})",
                        wabox_domain::time::short_duration(*t),
                        target(on_timeout)
                    ),
                    None => "wait for reply".into(),
                },
                StepKind::Branch { arms, otherwise } => format!(
                    "branch → {} (else {})",
                    arms.iter()
                        .map(|(_, t)| target(t))
                        .collect::<Vec<_>>()
                        .join(", "),
                    target(otherwise)
                ),
                StepKind::Goto(t) => format!("goto {}", target(t)),
                StepKind::Template(t) => format!("template {} ({})", t.name, t.language),
                StepKind::Text {
                    fallback: Some(t), ..
                } => {
                    format!("text (closed window: template {})", t.name)
                }
                other => other.label().to_string(),
            };
            match &s.id {
                Some(id) => format!("{id}: {what}"),
                None => what,
            }
        })
        .collect()
}

pub fn view(seq: &Sequence, file: &Path, live: i64) -> SequenceView {
    let mut triggers = Vec::new();
    if seq.trigger.first_message {
        triggers.push("first message".to_string());
    }
    if let Some(k) = &seq.trigger.keyword_text {
        triggers.push(format!("keyword: {k}"));
    }
    triggers.push("by hand".into());
    SequenceView {
        id: seq.id.clone(),
        name: seq.name.clone(),
        description: seq.description.clone(),
        tenant: seq.tenant.clone(),
        numbers: seq.numbers.clone(),
        triggers,
        steps: describe_steps(seq),
        late: seq.late,
        pause_on_agent: seq.pause_on_agent,
        live,
        file: file.display().to_string(),
    }
}

/// An enrollment's row with its sequence's words.
pub fn name_enrollment(loaded: &Loaded, raw: store::RawEnrollment) -> EnrollmentView {
    match loaded.sequences.get(&raw.sequence) {
        Some(seq) => {
            let (name, step, kind, steps) = (
                seq.name.clone(),
                seq.step_name(raw.step),
                seq.steps
                    .get(raw.step)
                    .map(|s| s.kind.label())
                    .unwrap_or("end")
                    .to_string(),
                seq.steps.len(),
            );
            raw.view(name, step, kind, steps)
        }
        None => {
            let (name, step) = (
                raw.sequence.clone(),
                wabox_i18n::engine::STEP.en(&[&(raw.step + 1).to_string()]),
            );
            raw.view(name, step, "unknown".into(), 0)
        }
    }
}

impl Engine {
    /// The tenants whose sequences the caller may see (None: all).
    async fn sequence_tenants(
        self: &Arc<Self>,
        access: &Access,
    ) -> Result<Option<Vec<String>>, ApiError> {
        let scope = access.scope.clone();
        if matches!(scope, wabox_store::scope::Scope::Everything) {
            return Ok(None);
        }
        self.read(move |c| {
            let sql = "SELECT DISTINCT t.name FROM tenants t
                 WHERE (CAST(:tenant AS BIGINT) IS NOT NULL AND t.id = :tenant)
                    OR (CAST(:agent AS TEXT) IS NOT NULL AND t.id IN (
                        SELECT q.tenant_id FROM queues q JOIN agent_queues a ON a.queue_id = q.id
                        WHERE a.\"user\" = :agent))";
            Ok(c.prepare(sql)?
                .query_map(
                    wabox_store::named_params! {":tenant": scope.tenant(), ":agent": scope.agent()},
                    |r| r.get::<_, String>(0),
                )?
                .collect::<wabox_store::db::Result<Vec<_>>>()?)
        })
        .await
        .map(Some)
    }

    pub(super) async fn sequences_request(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        match request {
            Request::ListSequences => {
                self.sequences.reload();
                let loaded = self.sequences.snapshot();
                let tenants = self.sequence_tenants(access).await?;
                let visible = |tenant: &str| {
                    tenants
                        .as_ref()
                        .is_none_or(|ts| ts.iter().any(|t| t.eq_ignore_ascii_case(tenant)))
                };
                let live: BTreeMap<String, i64> =
                    self.read(store::live_counts).await?.into_iter().collect();
                let sequences = loaded
                    .sequences
                    .values()
                    .filter(|s| visible(&s.tenant))
                    .map(|s| {
                        let file = loaded.files.get(&s.id).cloned().unwrap_or_default();
                        view(s, &file, live.get(&s.id).copied().unwrap_or(0))
                    })
                    .collect();
                // A refused file names no tenant anyone can trust: only admins see them.
                let errors = if access.scope.is_admin() {
                    loaded.errors.clone()
                } else {
                    Vec::new()
                };
                Ok(Response::Sequences(Box::new(SequencesView {
                    // A path of this host: not for a caller from elsewhere.
                    dir: match access.remote {
                        false => self.sequences.dir().map(|d| d.display().to_string()),
                        true => None,
                    },
                    sequences,
                    errors,
                })))
            }
            Request::Enroll {
                sequence,
                conversation_id,
            } => {
                self.sequences.reload_if_changed();
                let loaded = self.sequences.snapshot();
                let Some(seq) = loaded.sequences.get(&sequence).cloned() else {
                    let known: Vec<&str> = loaded.sequences.keys().map(String::as_str).collect();
                    return Err(ApiError::from(wabox_protocol::ErrorCode::NoSequence {
                        name: sequence.clone(),
                        loaded: known.iter().map(|k| k.to_string()).collect(),
                    }));
                };
                let (scope, by) = (access.scope.clone(), access.who());
                let (raw, log) = self
                    .write(move |ctx| {
                        scope.check_conversation(&ctx.conn, conversation_id)?;
                        let (tenant, pnid, display): (String, String, String) = ctx.conn.query_row(
                            "SELECT t.name, n.phone_number_id, n.display_phone FROM conversations c
                             JOIN numbers n ON n.id = c.number_id JOIN tenants t ON t.id = n.tenant_id
                             WHERE c.id = ?1",
                            [conversation_id],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )?;
                        if !tenant.eq_ignore_ascii_case(&seq.tenant) {
                            return Err(StoreError::Invalid(wabox_protocol::ErrorCode::SequenceOtherTenant { sequence: seq.id.to_string(), tenant: seq.tenant.to_string(), conversation: conversation_id, belongs_to: tenant }));
                        }
                        if !seq.runs_on(&pnid, &display) {
                            return Err(StoreError::Invalid(wabox_protocol::ErrorCode::SequenceElsewhere { sequence: seq.id.to_string(), numbers: seq.numbers.clone(), display_phone: display }));
                        }
                        let first = seq.steps.first().and_then(|s| s.id.as_deref());
                        let id = store::enroll(&ctx.conn, conversation_id, &seq.id, first, &by, now)?
                            .ok_or_else(|| {
                                StoreError::Conflict(wabox_protocol::ErrorCode::InSequence { conversation: conversation_id, sequence: seq.id.to_string() })
                            })?;
                        ctx.events.push(wabox_store::StoreEvent::ConversationChanged { conversation_id });
                        // Answered as enrolled, read in the enrolling transaction: the scheduler
                        // (woken by anything else meanwhile) may run a short sequence to its end
                        // before a later read.
                        Ok((store::get(&ctx.conn, &scope, id)?, store::log_of(&ctx.conn, id)?))
                    })
                    .await?;
                tracing::info!(enrollment = raw.id, sequence = %sequence, conversation_id, by = %access.who(), "enrolled by hand");
                self.scheduler_wake.notify_one();
                Ok(self.enrollment_view(raw, log))
            }
            Request::ListEnrollments {
                conversation_id,
                all,
            } => {
                let scope = access.scope.clone();
                let rows = self
                    .read(move |c| {
                        if let Some(id) = conversation_id {
                            scope.check_conversation(c, id)?;
                        }
                        store::list(c, &scope, conversation_id, all, 1_000)
                    })
                    .await?;
                let loaded = self.sequences.snapshot();
                Ok(Response::Enrollments(
                    rows.into_iter()
                        .map(|r| name_enrollment(&loaded, r))
                        .collect(),
                ))
            }
            Request::GetEnrollment { id } => self.enrollment_response(access, id).await,
            Request::ControlEnrollment { id, control } => {
                let (scope, actor) = (access.scope.clone(), access.who());
                let (raw, log) = self
                    .write(move |ctx| {
                        store::get(&ctx.conn, &scope, id)?;
                        store::control(&ctx.conn, id, control, &actor, now, &mut ctx.events)?;
                        // As for enrolling: answered as this change left it.
                        Ok((
                            store::get(&ctx.conn, &scope, id)?,
                            store::log_of(&ctx.conn, id)?,
                        ))
                    })
                    .await?;
                self.scheduler_wake.notify_one();
                Ok(self.enrollment_view(raw, log))
            }
            Request::AdvanceClock { seconds } => {
                if !self.movable_clock {
                    return Err(ApiError::from(wabox_protocol::ErrorCode::ClockFixed {}));
                }
                if !access.scope.is_admin() {
                    return Err(ApiError::from(wabox_protocol::ErrorCode::ClockAdminOnly {}));
                }
                let offset = wabox_domain::time::advance_clock(seconds);
                tracing::info!(seconds, offset, "clock moved ahead");
                if let Err(e) = super::kept_clock::write(&self.config.data_dir, offset) {
                    tracing::warn!(error = %e, "the clock's offset could not be kept: a restart starts at the system's time");
                }
                self.scheduler_wake.notify_one();
                self.outbox_wake.notify_one();
                // Clients word windows at the engine's now: tell them it moved.
                self.write(move |ctx| {
                    ctx.events.push(wabox_store::StoreEvent::ClockMoved {
                        offset_seconds: offset,
                    });
                    Ok(())
                })
                .await?;
                Ok(Response::Clock {
                    offset_seconds: offset,
                })
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "sequence".into(),
                request: format!("{other:?}"),
            })),
        }
    }

    async fn enrollment_response(
        self: &Arc<Self>,
        access: &Access,
        id: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        let (raw, log) = self
            .read(move |c| Ok((store::get(c, &scope, id)?, store::log_of(c, id)?)))
            .await?;
        Ok(self.enrollment_view(raw, log))
    }

    fn enrollment_view(
        &self,
        raw: store::RawEnrollment,
        log: Vec<wabox_protocol::EnrollmentLogEntry>,
    ) -> Response {
        let mut view = name_enrollment(&self.sequences.snapshot(), raw);
        view.log = log;
        Response::Enrollment(Box::new(view))
    }

    /// A person answered or took the conversation: its automation pauses, in the sequences that
    /// say so (`pause_on_agent`, the default).
    pub(super) async fn pause_automation(self: &Arc<Self>, conversation_id: i64, reason: String) {
        let loaded = self.sequences.snapshot();
        let pausing = loaded.pausing_on_agent();
        if pausing.is_empty() {
            return;
        }
        let now = wabox_domain::time::now_unix();
        let result = self
            .write(move |ctx| {
                store::pause_in_conversation(
                    &ctx.conn,
                    conversation_id,
                    &pausing,
                    &reason,
                    now,
                    &mut ctx.events,
                )
            })
            .await;
        match result {
            Ok(n) if n > 0 => tracing::info!(
                conversation_id,
                paused = n,
                "automation paused: a person took over"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(conversation_id, error = %e.english(), "could not pause the automation")
            }
        }
    }
}
