//! `wabox report`: the team's figures over a period, as a table, `--json` or `--csv`.

use super::output::say;
use crate::config::Config;
use crate::protocol::Request;
use crate::protocol::report::{DurationView, FiguresView, ReportQuery, ReportView};
use clap::Args;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// First day, YYYY-MM-DD (default: six days before --to, a week).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day, included (default: today).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Split the figures by agent, queue, number or day.
    #[arg(long, value_name = "WHAT", value_parser = ["agent", "queue", "number", "day"])]
    pub by: Option<String>,
    /// Only what happened inside (in) or outside (out) the queues' business hours.
    #[arg(long, value_name = "IN|OUT", value_parser = ["in", "out"])]
    pub hours: Option<String>,
    /// The IANA time zone days are counted in (default: this machine's).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// One tenant (installation admins; a tenant's admin always gets their own).
    #[arg(long, value_name = "NAME")]
    pub tenant: Option<String>,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// One row a group (and the totals), for a spreadsheet.
    #[arg(long)]
    pub csv: bool,
}

impl ReportArgs {
    pub fn query(&self) -> ReportQuery {
        ReportQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            by: self.by.clone(),
            hours: self.hours.clone(),
            // Days are this machine's unless told: the engine may run elsewhere, in UTC.
            zone: self
                .tz
                .clone()
                .or_else(crate::domain::report::system_zone_name),
            tenant: self.tenant.clone(),
        }
    }
}

pub async fn report(
    config: Config,
    args: ReportArgs,
    act_as: Option<String>,
) -> anyhow::Result<()> {
    let request = Request::Report(args.query());
    if !args.csv {
        return super::answer::call_and_print(config, request, args.json, act_as).await;
    }
    let mut client = crate::client::Client::connect(config)
        .await?
        .acting_as(act_as);
    let result = client.call(request).await;
    client.close().await;
    match result? {
        crate::protocol::Response::Report(r) => {
            // CSV is exact data, as --json is: printed as written, quoted by the csv crate.
            let text = csv(&r)?;
            super::output::write_out(format_args!("{text}"));
            Ok(())
        }
        other => anyhow::bail!("the engine answered a report with {other:?}"),
    }
}

const COLUMNS: [&str; 17] = [
    "opened",
    "closed",
    "waiting",
    "messages_in",
    "messages_out",
    "templates_sent",
    "first_response_count",
    "first_response_median_s",
    "first_response_mean_s",
    "first_response_p90_s",
    "resolution_count",
    "resolution_median_s",
    "resolution_mean_s",
    "resolution_p90_s",
    "sla_counted",
    "sla_missed",
    "failures",
];

/// The report as CSV: a header, a row a group, then `total`.
pub fn csv(r: &ReportView) -> anyhow::Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let key = r.by.as_deref().unwrap_or("period");
    w.write_record(std::iter::once(key).chain(COLUMNS))?;
    let whole = format!("{}..{}", r.from, r.to);
    let rows = r
        .rows
        .iter()
        .map(|row| (row.key.as_str(), &row.figures))
        .chain(std::iter::once((
            if r.by.is_some() { "total" } else { &whole },
            &r.total,
        )));
    for (key, f) in rows {
        let mut record = vec![spreadsheet_safe(key)];
        record.extend(figures(f));
        w.write_record(&record)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// A cell a spreadsheet will not run as a formula: names are admins' words, but a leading
/// `=`, `+`, `-` or `@` would be read as one.
fn spreadsheet_safe(text: &str) -> String {
    let shown = crate::domain::text::visible(text).into_owned();
    if shown.starts_with(['=', '+', '-', '@']) && !shown.starts_with("+ ") && !is_phone(&shown) {
        format!("'{shown}")
    } else {
        shown
    }
}

fn is_phone(text: &str) -> bool {
    text.starts_with('+') && text[1..].chars().all(|c| c.is_ascii_digit() || c == ' ')
}

fn figures(f: &FiguresView) -> Vec<String> {
    let n = |v: u64| v.to_string();
    let o = |v: Option<i64>| v.map(|s| s.to_string()).unwrap_or_default();
    let d = |d: &DurationView| {
        vec![
            n(d.count),
            o(d.median_seconds),
            o(d.mean_seconds),
            o(d.p90_seconds),
        ]
    };
    let mut out = vec![
        n(f.opened),
        n(f.closed),
        n(f.waiting),
        n(f.messages_in),
        n(f.messages_out),
        n(f.templates_sent),
    ];
    out.extend(d(&f.first_response));
    out.extend(d(&f.resolution));
    out.push(n(f.sla_counted));
    out.push(n(f.sla_missed));
    out.push(
        f.failures
            .iter()
            .map(|(code, count)| format!("{code}:{count}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    out
}

/// The report for people: a header line, a table of groups and totals, failures by code.
pub fn print(r: &ReportView) {
    let tenant = r
        .tenant
        .as_deref()
        .map(|t| format!(", tenant {t}"))
        .unwrap_or_default();
    let hours = match r.hours.as_str() {
        "in" => ", inside business hours",
        "out" => ", outside business hours",
        _ => "",
    };
    say!("Report {} to {} ({}){hours}{tenant}", r.from, r.to, r.zone);
    let rows = r
        .rows
        .iter()
        .map(|row| line(&super::output::clip(&row.key, 24), &row.figures))
        .chain(std::iter::once(line("total", &r.total)))
        .collect();
    super::output::table(
        &[
            r.by.as_deref().unwrap_or(""),
            "opened",
            "closed",
            "waiting",
            "in",
            "out",
            "tmpl",
            "1st resp",
            "resolved",
            "sla ✗",
        ],
        rows,
    );
    say!("1st resp, resolved: the median thread's time; sla ✗: threads past the queue's target");
    if !r.total.failures.is_empty() {
        let failures = r
            .total
            .failures
            .iter()
            .map(|(code, n)| format!("{code} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        say!("Failed sends by code: {failures}");
    }
}

fn line(key: &str, f: &FiguresView) -> Vec<String> {
    let d = |d: &DurationView| match d.median_seconds {
        Some(m) => crate::domain::time::short_duration(m),
        None => "-".into(),
    };
    let sla = if f.sla_counted == 0 {
        "-".to_string()
    } else {
        format!("{}/{}", f.sla_missed, f.sla_counted)
    };
    vec![
        key.to_string(),
        f.opened.to_string(),
        f.closed.to_string(),
        f.waiting.to_string(),
        f.messages_in.to_string(),
        f.messages_out.to_string(),
        f.templates_sent.to_string(),
        d(&f.first_response),
        d(&f.resolution),
        sla,
    ]
}
