//! How answers are printed: `--json` for scripts, aligned columns for people.
//!
//! `human` picks the printer for each kind of answer; the printers live by subject (the
//! directory, the inbox, connecting numbers, doctor, the admin's journal and templates).

mod admin;
mod connecting;
mod directory;
mod doctor;
mod inbox;

use super::reader::Reader;
use crate::domain::text::{visible, visible_line};
use crate::protocol::Response;

// Every human-readable line goes through these, never through `println!`: customer and agent
// text can carry terminal escapes and bidi overrides, shown visibly here (`domain::text`).
// `--json` output is printed as serde writes it, exact.

/// `println!` for people: the line with every hidden character shown visibly.
macro_rules! say {
    () => { $crate::cli::output::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::output::say_line(&format!($($arg)*)) };
}
/// `eprintln!` for people.
macro_rules! say_err {
    () => { std::eprintln!() };
    ($($arg:tt)*) => { $crate::cli::output::say_err_line(&format!($($arg)*)) };
}
/// `eprint!` for a prompt, flushed by the caller.
macro_rules! ask {
    ($($arg:tt)*) => { std::eprint!("{}", $crate::domain::text::visible(&format!($($arg)*))) };
}
pub(crate) use inbox::{contact_words, message_line};
pub(crate) use {ask, say, say_err};

#[doc(hidden)]
pub fn say_line(line: &str) {
    write_out(format_args!("{}\n", visible(line)));
}

/// Writes to standard output. A reader that has gone (`wabox conversations | head -1`) ends
/// the command at once and quietly, with success: it had all it wanted. (`println!` panicked
/// there, with a backtrace.) Any other failure to write ends it with the reason.
pub fn write_out(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        std::eprintln!("wabox: error: could not write the output: {e}");
        std::process::exit(1);
    }
}

#[doc(hidden)]
pub fn say_err_line(line: &str) {
    std::eprintln!("{}", visible(line));
}

pub fn json(response: &Response, reader: &Reader) -> anyhow::Result<()> {
    // Shaped in one place (json.rs): times, phone numbers, no Rust wrappers; what the rows
    // leave to the client is worded for the reader (reader.rs).
    let value = match response {
        Response::Hello(v) => Reader::hello_json(v),
        Response::Tenants(v) => serde_json::to_value(v),
        Response::Tenant(v) => serde_json::to_value(v),
        Response::Numbers(v) => serde_json::to_value(v),
        Response::Number(v) => serde_json::to_value(v),
        Response::Conversations(v) => reader.conversations_json(v),
        Response::Conversation(v) => reader.conversation_json(v),
        Response::Queues(v) => serde_json::to_value(v),
        Response::Hours(v) => serde_json::to_value(v),
        Response::Report(v) => serde_json::to_value(v),
        Response::Agents(v) => serde_json::to_value(v),
        Response::TokenCreated(v) => serde_json::to_value(v),
        Response::Tokens(v) => serde_json::to_value(v),
        Response::TokenRevoked(v) => serde_json::to_value(v),
        Response::History(v) => serde_json::to_value(v),
        Response::AuditLog(v) => serde_json::to_value(v),
        Response::Doctor(v) => serde_json::to_value(v),
        Response::Synced(v) => serde_json::to_value(v),
        Response::Connected(v) => serde_json::to_value(v),
        Response::Signup(v) => serde_json::to_value(v),
        Response::Signups(v) => serde_json::to_value(v),
        Response::HistoryProgress(v) => serde_json::to_value(v),
        Response::Dashboard(v) => serde_json::to_value(v),
        Response::NumberState(v) => serde_json::to_value(v),
        Response::TenantChanged(v) => serde_json::to_value(v),
        // No command asks for it; were one to, the simulator's tokens stay out of the output.
        Response::DemoNumbers(v) => serde_json::to_value(v.len()),
        Response::ConversationCounts(v) => serde_json::to_value(v),
        Response::HistorySync(v) => Ok(super::json::history_requests(v)),
        Response::Attention { unrouted, invalid } => {
            Ok(serde_json::json!({"unrouted": unrouted, "invalid": invalid}))
        }
        Response::SearchResults(v) => serde_json::to_value(v),
        Response::Contact(v) => serde_json::to_value(v),
        Response::Messages(v) => reader.messages_json(v),
        Response::Journal(v) => serde_json::to_value(v),
        Response::Replayed(v) => serde_json::to_value(v),
        Response::Queued(v) => serde_json::to_value(v),
        Response::Message(v) => reader.message_json(v),
        Response::Templates(v) => serde_json::to_value(v),
        Response::TemplatesSynced(v) => serde_json::to_value(v),
        Response::Media(v) => Ok(serde_json::json!({
            "message_id": v.message_id, "mime_type": v.mime_type, "bytes": v.bytes})),
        Response::Upload(v) => serde_json::to_value(v),
        Response::Sequences(v) => serde_json::to_value(v),
        Response::Enrollment(v) => serde_json::to_value(v),
        Response::Enrollments(v) => serde_json::to_value(v),
        Response::BroadcastPlan(v) => serde_json::to_value(v),
        Response::Broadcast(v) => serde_json::to_value(v),
        Response::Broadcasts(v) => serde_json::to_value(v),
        Response::Clock { offset_seconds } => {
            Ok(serde_json::json!({"offset_seconds": offset_seconds}))
        }
        Response::Subscribed(_) | Response::Done => Ok(serde_json::json!({})),
    }?;
    super::json::print(value)
}

/// Prints rows under a header, each column as wide as its widest cell (the last one free).
pub(super) fn table(header: &[&str], rows: Vec<Vec<String>>) {
    // Cells are made visible before measuring, so an escape cannot break the columns.
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| row.iter().map(|c| visible_line(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i == last {
                out.push_str(&cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                out.push_str(&cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        say!("{}", out.trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row);
    }
}

/// One line of at most `max` characters, an ellipsis marking what was cut.
pub(super) fn clip(s: &str, max: usize) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Prints an answer for people. Each arm is one printer; the small answers are said here.
pub fn human(response: &Response, reader: &Reader) {
    match response {
        Response::Hello(info) => say!(
            "wabox {} ({}) on {} as {}",
            info.version,
            info.mode,
            info.data_dir,
            info.user
        ),
        Response::Subscribed(_) => say!("subscribed"),
        Response::Sequences(v) => super::sequences::print_sequences(v),
        Response::Enrollments(v) => super::sequences::print_enrollments(v),
        Response::Enrollment(v) => super::sequences::print_enrollment(v),
        Response::BroadcastPlan(v) => super::broadcasts::print_plan(v),
        Response::Broadcast(v) => super::broadcasts::print_view(v),
        Response::Broadcasts(v) => super::broadcasts::print_list(v),
        Response::Clock { offset_seconds } => say!(
            "the engine's clock runs {} ahead",
            crate::domain::time::short_duration(*offset_seconds)
        ),
        Response::Done => say!("done"),
        Response::Upload(u) => say!("{} of {} bytes received", u.received, u.bytes),
        Response::Media(m) => say!(
            "{} bytes ({})",
            m.bytes,
            m.mime_type.as_deref().unwrap_or("unknown type")
        ),
        Response::Queued(q) => say!(
            "queued as message {} in conversation {}",
            q.message_id,
            q.conversation_id
        ),
        Response::Message(m) => inbox::messages(std::slice::from_ref(&**m), reader),
        Response::Templates(ts) => admin::templates(ts),
        Response::TemplatesSynced(rs) => admin::templates_synced(rs),
        Response::Tenant(t) => say!("tenant {:?} added (id {})", t.name, t.id),
        Response::TenantChanged(c) => super::tenants::print_change(c),
        Response::Tenants(ts) => directory::tenants(ts),
        Response::Number(n) => directory::number_added(n),
        Response::Numbers(ns) => directory::numbers(ns),
        Response::Queues(qs) => directory::queues(qs),
        Response::Hours(hs) => directory::hours(hs),
        Response::Report(r) => super::report::print(r),
        Response::Agents(agents) => directory::agents(agents),
        Response::TokenCreated(made) => directory::token_created(made),
        Response::Tokens(tokens) => directory::tokens(tokens),
        Response::TokenRevoked(t) => directory::token_revoked(t),
        Response::History(h) => directory::history(h),
        Response::AuditLog(entries) => directory::audit_log(entries),
        Response::Doctor(d) => doctor::doctor(d),
        Response::NumberState(s) => say!("{s:?}"),
        Response::DemoNumbers(v) => say!("{} demo numbers to connect by hand", v.len()),
        Response::HistorySync(results) => connecting::history_sync(results),
        Response::Signup(v) => connecting::signup(v),
        Response::Signups(vs) => connecting::signups(vs),
        Response::Dashboard(d) => doctor::dashboard(d),
        Response::HistoryProgress(h) => connecting::history_progress(h),
        Response::Connected(c) => connecting::connected(c),
        Response::Synced(r) => super::sync_report::print(r),
        Response::Conversation(c) => inbox::conversations(std::slice::from_ref(&**c), reader),
        Response::Attention { unrouted, invalid } => {
            say!("{unrouted} unrouted, {invalid} invalid deliveries")
        }
        Response::ConversationCounts(c) => say!(
            "{} open ({} mine, {} unassigned), {} snoozed, {} closed",
            c.open,
            c.mine,
            c.unassigned,
            c.snoozed,
            c.closed
        ),
        Response::SearchResults(hits) => inbox::search_results(hits),
        Response::Contact(c) => inbox::contact(c),
        Response::Conversations(cs) => inbox::conversations(cs, reader),
        Response::Messages(ms) if ms.is_empty() => say!("no messages"),
        Response::Messages(ms) => inbox::messages(ms, reader),
        Response::Journal(es) => admin::journal(es),
        Response::Replayed(os) => admin::replayed(os),
    }
}
