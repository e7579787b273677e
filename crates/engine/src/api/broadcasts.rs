//! Broadcasts' requests: create (or its dry run), start, pause, resume, cancel, status, list.
//! A create resolves its recipients once, in one transaction with the broadcast; the dry run
//! runs the same code on a reader and stores nothing. Admins and a tenant's admins (of their
//! tenant) act; anyone sees the broadcasts of the numbers they see.

use super::super::Engine;
use super::super::access::Access;
use crate::routing::Auditor;
use std::collections::HashSet;
use std::sync::Arc;
use wabox_domain::broadcast::{
    self as rules, CsvRows, ParamSpec, RecipientFacts, Segment, SkipReason,
};
use wabox_domain::template_header::{self, HeaderValue};
use wabox_protocol::broadcasts::{BroadcastControl, BroadcastPlan, SkippedCount};
use wabox_protocol::{ApiError, ErrorCode, Request, Response};
use wabox_store::broadcasts::{self as store, Candidate, NewBroadcast, NewRecipient};
use wabox_store::db::Connection;
use wabox_store::scope::Scope;
use wabox_store::{StoreError, queues, templates};

/// What a create was asked.
struct Ask {
    template: String,
    language: String,
    segment: String,
    from: Option<String>,
    params: Vec<String>,
    csv: Option<CsvRows>,
    header: Option<HeaderValue>,
}

fn refused(detail: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(ErrorCode::BroadcastRefused {
        detail: detail.to_string(),
    })
}

impl Engine {
    pub(super) async fn broadcasts_request(
        self: &Arc<Self>,
        caller: &super::Caller,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        let scope = access.scope.clone();
        match request {
            Request::CreateBroadcast {
                template,
                language,
                segment,
                from,
                params,
                csv,
                csv_upload,
                header,
                dry_run,
            } => {
                // The header's file is taken out of the uploads first: whatever is refused next,
                // it is removed, never left behind.
                let header_file = match header.as_deref() {
                    Some(HeaderValue::Upload { upload_id, .. }) => {
                        Some(self.uploads.take(&caller.owner_key(), upload_id)?)
                    }
                    _ => None,
                };
                let csv = match (csv, csv_upload) {
                    (Some(_), Some(_)) => Err(ApiError::from(refused(
                        "give the CSV's rows or its upload, not both",
                    ))),
                    (None, Some(upload_id)) => {
                        self.uploaded_csv(caller, &upload_id).await.map(Some)
                    }
                    (csv, None) => Ok(csv.map(|c| *c)),
                };
                let csv = match csv {
                    Ok(csv) => csv,
                    Err(e) => {
                        if let Some(staged) = header_file {
                            let _ = tokio::fs::remove_file(&staged.path).await;
                        }
                        return Err(e);
                    }
                };
                let mut ask = Ask {
                    template,
                    language,
                    segment,
                    from,
                    params,
                    csv,
                    header: header.map(|h| *h),
                };
                let pricing = self.config.pricing.clone();
                if let Some(staged) = header_file {
                    // Checked, and (unless a dry run) uploaded to Meta once for everyone.
                    ask = self
                        .header_file_for_everyone(&scope, ask, staged, dry_run)
                        .await?;
                }
                let plan = if dry_run {
                    self.read(move |c| {
                        plan(c, &scope, &ask, &pricing)
                            .map(|(p, _)| BroadcastPlan { dry_run: true, ..p })
                    })
                    .await?
                } else {
                    let audit = Auditor::of(access, now);
                    let by = access.who();
                    self.write(move |ctx| {
                        let sp = ctx.conn.savepoint()?;
                        let (mut plan, stored) = plan(&sp, &scope, &ask, &pricing)?;
                        refuse_nobody(&plan)?;
                        let params = serde_json::to_string(&ask.params)
                            .map_err(|e| StoreError::invalid(e.to_string()))?;
                        let id = store::create(
                            &sp,
                            &NewBroadcast {
                                tenant_id: stored.tenant_id,
                                number_id: stored.number_id,
                                template: &plan.template,
                                language: &plan.language,
                                category: &plan.category,
                                segment: &plan.segment,
                                params: &params,
                                created_by: &by,
                                created_at: now,
                                skipped_rows: &stored.skipped_rows,
                                header: ask.header.as_ref(),
                            },
                            &stored.recipients,
                        )?;
                        audit.record(
                            &sp,
                            "broadcast_create",
                            &format!(
                                "broadcast {id}: template {} ({}) to {} from +{}, {} recipients",
                                plan.template,
                                plan.language,
                                plan.segment,
                                plan.number,
                                plan.recipients
                            ),
                        )?;
                        sp.commit()?;
                        plan.id = Some(id);
                        Ok(plan)
                    })
                    .await?
                };
                Ok(Response::BroadcastPlan(Box::new(plan)))
            }
            Request::ControlBroadcast { id, control } => {
                let audit = Auditor::of(access, now);
                self.write(move |ctx| {
                    let Some(view) = store::view(&ctx.conn, &scope, id)? else {
                        return Err(StoreError::NotFound(ErrorCode::NoBroadcast { id }));
                    };
                    let (from, to): (&[&str], &str) = match control {
                        BroadcastControl::Start => (&["draft"], "running"),
                        BroadcastControl::Pause => (&["running"], "paused"),
                        BroadcastControl::Resume => (&["paused", "stopped"], "running"),
                        BroadcastControl::Cancel => {
                            (&["draft", "running", "paused", "stopped"], "cancelled")
                        }
                    };
                    if !store::set_state(&ctx.conn, id, from, to, None, now)? {
                        return Err(StoreError::Conflict(ErrorCode::BroadcastNotNow {
                            id,
                            state: view.state,
                            action: control.as_str().to_string(),
                        }));
                    }
                    audit.record(
                        &ctx.conn,
                        &format!("broadcast_{}", control.as_str()),
                        &format!("broadcast {id} ({} to {})", view.template, view.segment),
                    )
                })
                .await?;
                self.broadcast_wake.notify_one();
                let scope = access.scope.clone();
                self.broadcast_view(scope, id).await
            }
            Request::GetBroadcast { id } => self.broadcast_view(scope, id).await,
            Request::ListBroadcasts => self
                .read(move |c| store::list(c, &scope, 200))
                .await
                .map(Response::Broadcasts),
            _ => unreachable!("only broadcast requests are routed here"),
        }
    }

    async fn broadcast_view(self: &Arc<Self>, scope: Scope, id: i64) -> Result<Response, ApiError> {
        self.read(move |c| {
            store::view(c, &scope, id)?.ok_or(StoreError::NotFound(ErrorCode::NoBroadcast { id }))
        })
        .await
        .map(|v| Response::Broadcast(Box::new(v)))
    }
}

/// What a create stores besides its plan.
struct ToStore {
    tenant_id: i64,
    number_id: i64,
    recipients: Vec<NewRecipient>,
    skipped_rows: Vec<SkippedCount>,
}

/// The sending number the caller may use: the one named, or the only one they see.
fn sending_number(
    conn: &Connection,
    scope: &Scope,
    from: Option<&str>,
) -> wabox_store::Result<(i64, i64, String)> {
    match from {
        Some(number) => {
            let found = queues::number_ref(conn, number)?;
            if scope.tenant().is_some_and(|t| t != found.1) {
                return Err(StoreError::NotFound(ErrorCode::NoNumber {
                    number: number.to_string(),
                }));
            }
            Ok(found)
        }
        None => {
            let numbers = wabox_store::directory::list_numbers_in(conn, scope)?;
            match numbers.as_slice() {
                [one] => queues::number_ref(conn, &one.phone_number_id),
                _ => Err(StoreError::Invalid(ErrorCode::BroadcastNeedsNumber {
                    numbers: numbers
                        .iter()
                        .map(|n| format!("+{}", n.display_phone))
                        .collect(),
                })),
            }
        }
    }
}

impl Engine {
    /// A header's file uploaded to the engine, for a broadcast whose one header goes to
    /// everyone: checked against the template and WhatsApp's rules for its kind, then (unless a
    /// dry run) uploaded to Meta once from the sending number, and the create carries Meta's id.
    /// The staged file is removed whatever happens.
    async fn header_file_for_everyone(
        self: &Arc<Self>,
        scope: &Scope,
        ask: Ask,
        staged: crate::uploads::StagedFile,
        dry_run: bool,
    ) -> Result<Ask, ApiError> {
        let path = staged.path.clone();
        let result = self.upload_header_once(scope, ask, staged, dry_run).await;
        let _ = tokio::fs::remove_file(&path).await;
        result
    }

    async fn upload_header_once(
        self: &Arc<Self>,
        scope: &Scope,
        mut ask: Ask,
        staged: crate::uploads::StagedFile,
        dry_run: bool,
    ) -> Result<Ask, ApiError> {
        let Some(HeaderValue::Upload { filename, mime, .. }) = ask.header.clone() else {
            return Ok(ask);
        };
        // The whole create is checked before anything goes to Meta: a refused one uploads nothing.
        let (scope_c, pricing) = (scope.clone(), self.config.pricing.clone());
        let (ask_back, sender) = self
            .read(move |c| {
                let (planned, stored) = plan(c, &scope_c, &ask, &pricing)?;
                if !dry_run {
                    refuse_nobody(&planned)?;
                }
                let sender: (String, Option<Vec<u8>>) = c.query_row(
                    "SELECT phone_number_id, access_token_sealed FROM numbers WHERE id = ?1",
                    [stored.number_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                Ok((ask, sender))
            })
            .await?;
        ask = ask_back;
        let kind = wabox_domain::MediaKind::for_mime(&mime).ok_or_else(|| {
            ApiError::from(ErrorCode::HeaderMimeRefused {
                filename: filename.clone(),
                mime: mime.clone(),
            })
        })?;
        self.check_staged(&staged, kind, &mime, &filename, None)
            .await?;
        if dry_run {
            return Ok(ask);
        }
        let (phone_number_id, sealed) = sender;
        let credential = sealed
            .map(|s| self.open_credential(&s))
            .transpose()
            .map_err(|e| refused(e.to_string()))?
            .ok_or_else(|| refused(wabox_i18n::engine::NO_TOKEN_CONNECT_AGAIN.en(&[])))?;
        let file = tokio::fs::File::open(&staged.path).await.map_err(|e| {
            ApiError::from(ErrorCode::UploadUnreadable {
                filename: filename.clone(),
                detail: e.to_string(),
            })
        })?;
        let mime = wabox_domain::media::essence(&mime);
        let id = self
            .graph
            .upload_media_from(
                &phone_number_id,
                &credential,
                &filename,
                &mime,
                reqwest::Body::from(file),
                staged.bytes,
            )
            .await
            .map_err(|e| refused(format!("uploading the header's file to Meta: {e}")))?;
        tracing::info!(
            bytes = staged.bytes,
            "a broadcast's header file was uploaded to Meta"
        );
        ask.header = Some(HeaderValue::Uploaded {
            id,
            filename,
            mime,
            uploaded_at: wabox_domain::time::now_unix(),
        });
        Ok(ask)
    }

    /// A CSV segment's file, uploaded in chunks: read, parsed, and removed.
    async fn uploaded_csv(
        self: &Arc<Self>,
        caller: &super::Caller,
        upload_id: &str,
    ) -> Result<CsvRows, ApiError> {
        let staged = self.uploads.take(&caller.owner_key(), upload_id)?;
        let read = tokio::fs::read(&staged.path).await;
        let _ = tokio::fs::remove_file(&staged.path).await;
        let bytes =
            read.map_err(|e| refused(format!("the uploaded CSV could not be read: {e}")))?;
        let text =
            String::from_utf8(bytes).map_err(|_| refused("the uploaded CSV is not UTF-8 text"))?;
        Ok(CsvRows::parse(&text).map_err(refused)?)
    }
}

/// A create that would send to nobody is refused (a dry run shows it): a draft of no
/// recipients could only start and finish at once, and is most likely a mistyped label or a
/// segment whose customers all opted out.
fn refuse_nobody(plan: &BroadcastPlan) -> wabox_store::Result<()> {
    if plan.recipients > 0 {
        return Ok(());
    }
    let skipped: u64 = plan.skipped.iter().map(|s| s.count).sum();
    let why = if skipped == 0 {
        format!("{} has no customer of +{}", plan.segment, plan.number)
    } else {
        format!(
            "every customer of {} would be skipped ({skipped}: `--dry-run` says why)",
            plan.segment
        )
    };
    Err(refused(format!("nobody to send to: {why}")))
}

/// Resolves a create: the number, the template and its parameters, each recipient or why not.
fn plan(
    conn: &Connection,
    scope: &Scope,
    ask: &Ask,
    pricing: &rules::Pricing,
) -> wabox_store::Result<(BroadcastPlan, ToStore)> {
    let segment = Segment::parse(&ask.segment).map_err(refused)?;
    let specs = ask
        .params
        .iter()
        .map(|p| ParamSpec::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(refused)?;
    let csv = match (&segment, &ask.csv) {
        (Segment::Csv { .. }, Some(csv)) => Some(csv),
        (Segment::Csv { path }, None) => {
            return Err(refused(format!(
                "the rows of {path} did not come with the request: the client reads the file"
            )));
        }
        _ => None,
    };
    let (number_id, tenant_id, display) = sending_number(conn, scope, ask.from.as_deref())?;
    let waba: String = conn.query_row(
        "SELECT waba_id FROM numbers WHERE id = ?1",
        [number_id],
        |r| r.get(0),
    )?;
    let spec = templates::find(conn, &waba, &ask.template, &ask.language)?.ok_or_else(|| {
        refused(format!(
            "no template {} ({}) is synced for +{display}: `wabox templates sync`, then `wabox templates --number {display}`",
            ask.template, ask.language
        ))
    })?;
    if !spec.is_approved() {
        return Err(refused(format!(
            "template {} ({}) is {}, not APPROVED",
            spec.name, spec.language, spec.status
        )));
    }
    // The engine never reads a client's files: a client uploads the file first.
    if matches!(ask.header, Some(HeaderValue::LocalFile { .. })) {
        return Err(StoreError::Invalid(ErrorCode::HeaderFileNotUploaded {}));
    }
    let shown = format!("{} ({})", spec.name, spec.language);
    template_header::check(&shown, spec.header_media, ask.header.as_ref()).map_err(refused)?;
    let slots = spec.slots();
    let sources = rules::check_params(
        &slots,
        spec.parameter_format,
        &specs,
        csv.map(|c| c.columns.as_slice()),
    )
    .map_err(refused)?;

    // Who: (candidate, their CSV row).
    let mut skipped_rows: Vec<SkippedCount> = Vec::new();
    let mut who: Vec<(Candidate, Option<std::collections::HashMap<String, String>>)> = Vec::new();
    match csv {
        Some(csv) => {
            let phone = csv.phone_column().map_err(refused)?;
            let mut seen = HashSet::new();
            for (index, row) in csv.rows.iter().enumerate() {
                // Where the row is, so a skipped one can be found in the file (an empty cell
                // has nothing else to show).
                let at = |what: String| match csv.line(index) {
                    Some(line) => format!("line {line}: {what}"),
                    None => what,
                };
                let raw = row.get(phone).map(String::as_str).unwrap_or_default();
                let Some(wa_id) = rules::phone_digits(raw) else {
                    let raw = if raw.trim().is_empty() {
                        "(empty)".to_string()
                    } else {
                        raw.to_string()
                    };
                    store::add_skip(
                        &mut skipped_rows,
                        SkipReason::InvalidPhone.as_str(),
                        at(raw),
                    );
                    continue;
                };
                if !seen.insert(wa_id.clone()) {
                    store::add_skip(
                        &mut skipped_rows,
                        SkipReason::Duplicate.as_str(),
                        at(format!("+{wa_id}")),
                    );
                    continue;
                }
                let map = csv.row_map(row);
                let name = map.get("name").map(String::as_str);
                let candidate = store::csv_candidate(conn, tenant_id, number_id, &wa_id, name)?;
                who.push((candidate, Some(map)));
            }
        }
        None => {
            for c in store::segment_candidates(conn, tenant_id, number_id, &segment)? {
                who.push((c, None));
            }
        }
    }
    let mut recipients = Vec::with_capacity(who.len());
    let mut skipped = skipped_rows.clone();
    for (candidate, row) in who {
        let rendered = rules::render(
            &sources,
            &slots,
            spec.parameter_format,
            RecipientFacts {
                name: candidate.name.as_deref(),
                phone: Some(&candidate.wa_id),
                row: row.as_ref(),
            },
        );
        let skip = if candidate.opted_out {
            Some(SkipReason::OptedOut)
        } else if candidate.blocked {
            Some(SkipReason::Blocked)
        } else if rendered.is_err() {
            Some(SkipReason::MissingParameter)
        } else {
            None
        };
        if let Some(reason) = skip {
            let example = match &candidate.name {
                Some(n) => format!("{n} (+{})", candidate.wa_id),
                None => format!("+{}", candidate.wa_id),
            };
            store::add_skip(&mut skipped, reason.as_str(), example);
        }
        recipients.push(NewRecipient {
            params: rendered.unwrap_or_default(),
            candidate,
            skip,
        });
    }
    let count = recipients.iter().filter(|r| r.skip.is_none()).count();
    let plan = BroadcastPlan {
        id: None,
        dry_run: false,
        template: spec.name.clone(),
        language: spec.language.clone(),
        category: spec.category.clone(),
        number: display,
        segment: ask.segment.clone(),
        recipients: count as u64,
        skipped,
        cost: pricing.cost(&spec.category, count),
        currency: pricing.currency.clone(),
        header: spec
            .header_media
            .zip(ask.header.as_ref())
            .map(|(format, given)| template_header::summary(format, given)),
    };
    Ok((
        plan,
        ToStore {
            tenant_id,
            number_id,
            recipients,
            skipped_rows,
        },
    ))
}
