//! `wabox broadcast`: an approved template to a segment of customers, created (or tried with
//! `--dry-run`), started, paused, resumed, cancelled, and followed. A CSV segment is read here,
//! not by the engine, which may be on another host: checked, then uploaded in chunks, so a list
//! of any size goes.

use super::output::say;
use crate::domain::broadcast::{CsvRows, Segment};
use crate::protocol::Request;
use crate::protocol::broadcasts::{BroadcastControl, BroadcastPlan, BroadcastView, SkippedCount};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum BroadcastCommand {
    /// Resolve a segment's recipients now, once, and keep them as a draft to start; with
    /// --dry-run, only say how many, who is skipped and why, and the cost.
    Create {
        /// The approved template's name.
        #[arg(long)]
        template: String,
        /// Its language code (en, es_MX...).
        #[arg(long = "lang")]
        language: String,
        /// label:NAME, queue:NAME, wrote:YYYY-MM-DD..YYYY-MM-DD, or csv:PATH (a header row
        /// with a phone, number, wa_id, whatsapp, teléfono or celular column and one column per
        /// parameter).
        #[arg(long = "to", value_name = "SEGMENT")]
        segment: String,
        /// The sending number (Meta's id or the display number), when there are several.
        #[arg(long, value_name = "NUMBER")]
        from: Option<String>,
        /// KEY=SOURCE, one per template parameter: 1=contact.name, name=csv.first_name,
        /// 2=literal text (KEY: the placeholder's number from 1, or its name).
        #[arg(long = "param", value_name = "KEY=SOURCE")]
        params: Vec<String>,
        /// What every send carries for a template with a media header, the same for all: a
        /// file is uploaded to Meta once, when the broadcast is created (Meta keeps it 30 days).
        #[command(flatten)]
        header: Box<crate::cli::template_header::HeaderArgs>,
        /// Store nothing: say what a create would do.
        #[arg(long)]
        dry_run: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Start sending a draft.
    Start {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Stop queueing its recipients (those queued already go on).
    Pause {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Go on with a paused or stopped broadcast where it was.
    Resume {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// End a broadcast for good: its recipients not queued yet are never sent it.
    Cancel {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Where a broadcast stands: counts by state, skipped by reason, failures by code.
    Status {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// The broadcasts you may see, newest first.
    List {
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

impl BroadcastCommand {
    /// A create to a CSV segment: the file's path.
    pub fn csv_path(&self) -> Option<String> {
        match self {
            BroadcastCommand::Create { segment, .. } => match Segment::parse(segment) {
                Ok(Segment::Csv { path }) => Some(path),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether it is a create with a file on this side (a CSV, or the header's file), which
    /// goes to the engine in chunks before the create.
    pub fn has_files(&self) -> bool {
        self.csv_path().is_some()
            || matches!(self, BroadcastCommand::Create { header, .. } if header.header_file.is_some())
    }

    pub fn request(self) -> anyhow::Result<(Request, bool)> {
        let control = |id, control| Request::ControlBroadcast { id, control };
        Ok(match self {
            BroadcastCommand::Create {
                template,
                language,
                segment,
                from,
                params,
                header,
                dry_run,
                json,
            } => {
                let header = (*header).value()?.map(Box::new);
                let request = Request::CreateBroadcast {
                    template,
                    language,
                    segment,
                    from,
                    params,
                    csv: None,
                    csv_upload: None,
                    header,
                    dry_run,
                };
                (request, json)
            }
            BroadcastCommand::Start { id, json } => (control(id, BroadcastControl::Start), json),
            BroadcastCommand::Pause { id, json } => (control(id, BroadcastControl::Pause), json),
            BroadcastCommand::Resume { id, json } => (control(id, BroadcastControl::Resume), json),
            BroadcastCommand::Cancel { id, json } => (control(id, BroadcastControl::Cancel), json),
            BroadcastCommand::Status { id, json } => (Request::GetBroadcast { id }, json),
            BroadcastCommand::List { json } => (Request::ListBroadcasts, json),
        })
    }
}

fn reason_words(reason: &str) -> &str {
    match reason {
        "opted_out" => "opted out of marketing",
        "blocked" => "blocked on this number",
        "duplicate" => "in the file twice",
        "invalid_phone" => "not a phone number",
        "missing_parameter" => "a parameter would be empty",
        other => other,
    }
}

fn print_skipped(skipped: &[SkippedCount]) {
    for s in skipped {
        // Names and CSV cells are the customers' text: `say!` shows anything hidden in them.
        say!(
            "  skipped {} ({}): {}",
            s.count,
            reason_words(&s.reason),
            s.examples.join(", ")
        );
    }
}

fn money(cost: Option<f64>, currency: Option<&str>) -> String {
    match cost {
        Some(c) => format!("{c:.2} {}", currency.unwrap_or(""))
            .trim_end()
            .to_string(),
        None => "unknown (no price for this category in the config's [pricing])".into(),
    }
}

pub fn print_plan(p: &BroadcastPlan) {
    let head = match p.id {
        Some(id) => format!("broadcast {id} created as a draft (`wabox broadcast start {id}`)"),
        None => "dry run: nothing stored".to_string(),
    };
    say!("{head}");
    say!(
        "template {} ({}, {}) from +{} to {}",
        p.template,
        p.language,
        p.category,
        p.number,
        p.segment
    );
    if let Some(h) = &p.header {
        // A file's name or a place's is the creator's text: `say!` shows anything hidden in it.
        say!("header: {h}");
    }
    if p.recipients == 0 {
        say!("recipients: 0 (nobody to send to: a create is refused)");
    } else {
        say!("recipients: {}", p.recipients);
    }
    print_skipped(&p.skipped);
    say!("cost: {}", money(p.cost, p.currency.as_deref()));
}

fn when(at: Option<i64>) -> String {
    at.map(crate::domain::time::rfc3339_here)
        .unwrap_or_else(|| "-".into())
}

pub fn print_view(v: &BroadcastView) {
    say!(
        "broadcast {}: {} ({}) from +{} to {}: {}",
        v.id,
        v.template,
        v.language,
        v.number,
        v.segment,
        v.state
    );
    if let Some(r) = &v.stop_reason {
        say!("stopped: {r}");
    }
    if let Some(h) = &v.header {
        say!("header: {h}");
    }
    say!(
        "progress: {}/{} (pending {}, queued {}, sent {}, delivered {}, read {}, failed {}, uncertain {})",
        v.done(),
        v.recipients,
        v.pending,
        v.queued,
        v.sent,
        v.delivered,
        v.read,
        v.failed,
        v.uncertain
    );
    print_skipped(&v.skipped);
    for f in &v.failures {
        let code = f.code.map_or("no code".to_string(), |c| c.to_string());
        say!("  failed {}: {code}", f.count);
    }
    say!(
        "created by {} at {}; started {}; finished {}",
        v.created_by,
        crate::domain::time::rfc3339_here(v.created_at),
        when(v.started_at),
        when(v.finished_at)
    );
}

pub fn print_list(list: &[BroadcastView]) {
    if list.is_empty() {
        say!("no broadcast yet (`wabox broadcast create --help`)");
        return;
    }
    // A HEADER column only when a broadcast has one: most templates carry none.
    let headers = list.iter().any(|v| v.header_name.is_some());
    let rows = list
        .iter()
        .map(|v| {
            let mut row = vec![
                v.id.to_string(),
                v.state.clone(),
                format!("{}/{}", v.done(), v.recipients),
                format!("+{}", v.number),
                format!("{} ({})", v.template, v.language),
            ];
            if headers {
                // The creator's file name or link: the table shows anything hidden in it.
                row.push(v.header_name.clone().unwrap_or_else(|| "-".into()));
            }
            row.push(v.segment.clone());
            row
        })
        .collect();
    let mut columns = vec!["ID", "STATE", "DONE", "FROM", "TEMPLATE"];
    if headers {
        columns.push("HEADER");
    }
    columns.push("TO");
    super::output::table(&columns, rows);
}

/// A create with files on this side. A CSV is read and checked here (a wrong file fails
/// without touching the engine); it and the header's file are uploaded in chunks, and the
/// create names their uploads.
pub async fn create_with_files(
    config: crate::config::Config,
    command: BroadcastCommand,
    act_as: Option<String>,
) -> anyhow::Result<()> {
    let csv = command.csv_path();
    if let Some(path) = &csv {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?;
        CsvRows::parse(&text).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    }
    let (mut request, json) = command.request()?;
    let mut client = crate::client::Client::connect(config)
        .await?
        .acting_as(act_as);
    let result = async {
        if let Request::CreateBroadcast {
            csv_upload, header, ..
        } = &mut request
        {
            if let Some(path) = &csv {
                *csv_upload = Some(client.upload_file(std::path::Path::new(path)).await?);
            }
            if let Some(h) = header.take() {
                *header = Some(Box::new(client.uploaded_header(*h).await?));
            }
        }
        super::reader::call(&mut client, request).await
    }
    .await;
    client.close().await;
    super::answer::print_answer(result?, json)
}
