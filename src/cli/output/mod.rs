//! How answers are printed: `--json` for scripts, aligned columns for people.

use super::reader::Reader;
use crate::domain::text::{visible, visible_line};
use crate::domain::time::rfc3339;
use crate::protocol::Response;

// Every human-readable line goes through these, never through `println!`: customer and agent
// text can carry terminal escapes and bidi overrides, shown visibly here (`domain::text`).
// `--json` output is printed as serde writes it, exact.

/// `println!` for people: the line with every hidden character shown visibly.
macro_rules! say {
    () => { std::println!() };
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
pub(crate) use {ask, say, say_err};

#[doc(hidden)]
pub fn say_line(line: &str) {
    std::println!("{}", visible(line));
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
        Response::Agents(v) => serde_json::to_value(v),
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

fn clip(s: &str, max: usize) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

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
        Response::Message(m) => print_messages(std::slice::from_ref(&**m), reader),
        Response::Templates(ts) if ts.is_empty() => {
            say!("no templates synced: run `wabox templates sync`")
        }
        Response::Templates(ts) => table(
            &[
                "NAME",
                "LANGUAGE",
                "CATEGORY",
                "STATUS",
                "PARAMETERS",
                "BODY",
            ],
            ts.iter()
                .map(|t| {
                    vec![
                        t.name.clone(),
                        t.language.clone(),
                        t.category.clone(),
                        t.status.clone(),
                        t.parameters.join(" "),
                        clip(&t.body, 60),
                    ]
                })
                .collect(),
        ),
        Response::TemplatesSynced(rs) if rs.is_empty() => {
            say!("no number with an access token: nothing to sync")
        }
        Response::TemplatesSynced(rs) => {
            for r in rs {
                match &r.error {
                    Some(e) => say!("WABA {}: failed: {e}", r.waba_id),
                    None => say!("WABA {}: {} templates", r.waba_id, r.templates),
                }
            }
        }
        Response::Tenant(t) => say!("tenant {:?} added (id {})", t.name, t.id),
        Response::TenantChanged(c) => super::tenants::print_change(c),
        Response::Tenants(ts) if ts.is_empty() => {
            say!("no tenants yet: add one with `wabox tenants add NAME`")
        }
        Response::Tenants(ts) => table(
            &["ID", "NAME", "NUMBERS", "CREATED"],
            ts.iter()
                .map(|t| {
                    vec![
                        t.id.to_string(),
                        t.name.clone(),
                        t.numbers.to_string(),
                        rfc3339(t.created_at),
                    ]
                })
                .collect(),
        ),
        Response::Number(n) => say!(
            "number +{} ({}) added to tenant {:?}{}",
            n.display_phone,
            n.phone_number_id,
            n.tenant,
            if n.has_token {
                ", token sealed"
            } else {
                ", no token"
            }
        ),
        Response::Numbers(ns) if ns.is_empty() => {
            say!("no numbers yet: add one with `wabox numbers add --tenant NAME ...`")
        }
        Response::Numbers(ns) => table(
            &[
                "TENANT",
                "NUMBER",
                "PHONE NUMBER ID",
                "WABA",
                "CONNECTION",
                "STATUS",
                "TOKEN",
                "CONVERSATIONS",
            ],
            ns.iter()
                .map(|n| {
                    vec![
                        n.tenant.clone(),
                        format!("+{}", n.display_phone),
                        n.phone_number_id.clone(),
                        n.waba_id.clone(),
                        n.connection.to_string(),
                        n.status.to_string(),
                        if n.has_token { "sealed" } else { "none" }.into(),
                        n.conversations.to_string(),
                    ]
                })
                .collect(),
        ),
        Response::Queues(qs) if qs.is_empty() => {
            say!("no queues yet: `wabox queues add NAME`")
        }
        Response::Queues(qs) => table(
            &[
                "QUEUE",
                "TENANT",
                "NUMBERS",
                "AGENTS",
                "CONVERSATIONS",
                "WAITING",
                "AUTO-ASSIGN",
            ],
            qs.iter()
                .map(|q| {
                    vec![
                        q.name.clone(),
                        q.tenant.clone(),
                        q.numbers
                            .iter()
                            .map(|n| format!("+{n}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        q.agents.join(" "),
                        q.conversations.to_string(),
                        q.waiting.to_string(),
                        if q.auto_assign { "on" } else { "off" }.into(),
                    ]
                })
                .collect(),
        ),
        Response::Agents(a) if a.is_empty() => {
            say!("no agents yet: `wabox agents add USER --queue NAME`")
        }
        Response::Agents(agents) => table(
            &["USER", "ROLE", "TENANT", "QUEUES"],
            agents
                .iter()
                .map(|a| {
                    vec![
                        a.user.clone(),
                        a.role.to_string(),
                        a.tenant.clone().unwrap_or_else(|| "all".into()),
                        a.queues.join(", "),
                    ]
                })
                .collect(),
        ),
        Response::History(h) if h.is_empty() => say!("nobody has claimed or moved it"),
        Response::History(h) => {
            for e in h {
                let note = e
                    .note
                    .as_deref()
                    .map(|n| format!(" — note: {n}"))
                    .unwrap_or_default();
                say!("{}{note}", history_line(e));
            }
        }
        Response::AuditLog(entries) if entries.is_empty() => say!("nothing audited yet"),
        Response::AuditLog(entries) => table(
            &["AT", "WHO", "ACTION", "DETAIL"],
            entries
                .iter()
                .map(|e| {
                    let who = match &e.as_user {
                        Some(u) => format!("{} as {u}", e.actor),
                        None => e.actor.clone(),
                    };
                    vec![rfc3339(e.at), who, e.action.clone(), e.detail.clone()]
                })
                .collect(),
        ),
        Response::Doctor(d) => {
            use crate::domain::health::Level;
            for n in &d.numbers {
                say!(
                    "+{} ({}, {}{})",
                    n.display_phone,
                    n.phone_number_id,
                    n.tenant,
                    n.connected_via
                        .as_deref()
                        .map(|v| format!(", connected via {v}"))
                        .unwrap_or_default()
                );
                for c in &n.checks {
                    let mark = match c.level {
                        Level::Ok => "ok  ",
                        Level::Warn => "WARN",
                        Level::Fail => "FAIL",
                        Level::Unknown => "?   ",
                    };
                    say!("  {mark} {:<12} {}", c.what, c.detail);
                    if let Some(fix) = &c.fix
                        && c.level != Level::Ok
                    {
                        say!("       fix: {fix}");
                    }
                }
            }
            if d.healthy() {
                say!("all good: every number has a queue and a token, no delivery waits");
            }
            for o in &d.without_queue {
                say!(
                    "NO QUEUE: +{} ({}, {}) — {} conversations reach no agent: `wabox queues assign {} QUEUE`",
                    o.display_phone,
                    o.phone_number_id,
                    o.tenant,
                    o.conversations,
                    o.phone_number_id
                );
            }
            if d.unrouted > 0 {
                say!(
                    "UNROUTED: {} deliveries name a number wabox does not know: `wabox journal --unrouted`",
                    d.unrouted
                );
            }
            if d.invalid > 0 {
                say!(
                    "INVALID: {} deliveries could not be read: `wabox journal --invalid`",
                    d.invalid
                );
            }
            for n in &d.without_token {
                say!("NO TOKEN: {n} can receive but not send: connect it again");
            }
        }
        Response::NumberState(s) => say!("{s:?}"),
        Response::DemoNumbers(v) => say!("{} demo numbers to connect by hand", v.len()),
        Response::HistorySync(results) => {
            for (kind, r) in results {
                let what = match kind {
                    crate::protocol::SmbData::History => "history",
                    crate::protocol::SmbData::SmbAppStateSync => "contacts",
                };
                match r {
                    Ok(id) => say!("  {what}: requested ({id}); it arrives over webhooks"),
                    Err(e) => say!("  {what}: not requested: {e}"),
                }
            }
        }
        Response::Signup(v) => print_signup(v),
        Response::Signups(vs) if vs.is_empty() => say!("no signups"),
        Response::Signups(vs) => table(
            &["ID", "TENANT", "PATH", "STATUS", "BY", "NUMBER"],
            vs.iter()
                .map(|v| {
                    vec![
                        v.id.to_string(),
                        v.tenant.clone(),
                        v.path.to_string(),
                        format!("{:?}", v.status).to_lowercase(),
                        v.created_by.clone(),
                        v.number
                            .as_ref()
                            .map(|n| format!("+{}", n.display_phone))
                            .or(v.error.clone())
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        Response::Dashboard(d) => print_dashboard(d),
        Response::HistoryProgress(h) => {
            match &h.error {
                Some(e) => say!("history import of {}: stopped, {e}", h.phone_number_id),
                None => say!(
                    "history import of {}: {}% ({} messages in {} chunks)",
                    h.phone_number_id,
                    h.percent(),
                    h.messages,
                    h.chunks
                ),
            }
            if h.media.total > 0 {
                say!("history media: {}", h.media.summary());
            }
        }
        Response::Connected(c) => {
            let n = &c.number;
            say!(
                "{} +{} ({}) for {}: {}, {}, quality {}",
                if c.renewed {
                    "reconnected"
                } else {
                    "connected"
                },
                n.display_phone,
                n.phone_number_id,
                n.tenant,
                c.verified_name.as_deref().unwrap_or("(no verified name)"),
                c.status.as_deref().unwrap_or("status unknown"),
                c.quality_rating.as_deref().unwrap_or("unknown"),
            );
            say!("  connection: {}", n.connection.as_str());
            say!("  webhooks:   the app is subscribed to WABA {}", n.waba_id);
            match &c.template_error {
                Some(e) => say!("  templates:  not synced: {e}"),
                None => say!("  templates:  {} synced", c.templates),
            }
            match &c.queue {
                Some(q) => say!("  queue:      {q}"),
                None => say!(
                    "WARNING: no queue: its conversations reach no agent — `wabox queues assign {} QUEUE`",
                    n.phone_number_id
                ),
            }
        }
        Response::Synced(r) => super::sync_report::print(r),
        Response::Conversation(c) => {
            human(&Response::Conversations(vec![(**c).clone()]), reader);
        }
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
        Response::SearchResults(hits) if hits.is_empty() => say!("nothing found"),
        Response::SearchResults(hits) => table(
            &["MESSAGE", "CONVERSATION", "CONTACT", "AT", "TEXT"],
            hits.iter()
                .map(|h| {
                    vec![
                        h.message_id.to_string(),
                        h.conversation_id.to_string(),
                        h.contact.clone(),
                        rfc3339(h.at),
                        h.snippet.replace('\n', " "),
                    ]
                })
                .collect(),
        ),
        Response::Contact(c) => {
            say!(
                "{} · {} · {} · tenant {}",
                c.name.as_deref().unwrap_or("(no name)"),
                c.wa_id
                    .as_ref()
                    .map(|w| format!("+{w}"))
                    .unwrap_or_else(|| "no phone number".into()),
                match (&c.username, &c.user_id) {
                    (Some(name), Some(user)) => format!("{name} ({user})"),
                    (Some(name), None) => name.clone(),
                    (None, Some(user)) => user.clone(),
                    (None, None) => "no user id".into(),
                },
                c.tenant
            );
            say!(
                "labels: {}",
                if c.labels.is_empty() {
                    "none".to_string()
                } else {
                    c.labels.join(", ")
                }
            );
            for n in &c.notes {
                say!("note by {} at {}: {}", n.author, n.at, n.text);
            }
        }
        Response::Conversations(cs) if cs.is_empty() => say!("no conversations"),
        Response::Conversations(cs) => table(
            &[
                "ID",
                "NUMBER",
                "CONTACT",
                "STATE",
                "UNREAD",
                "WINDOW",
                "LAST MESSAGE",
            ],
            cs.iter()
                .map(|c| {
                    let who = c
                        .contact
                        .name
                        .clone()
                        .or_else(|| c.contact.wa_id.as_ref().map(|w| format!("+{w}")))
                        .or_else(|| c.contact.user_id.clone())
                        .unwrap_or_default();
                    vec![
                        c.id.to_string(),
                        format!("+{}", c.display_phone),
                        clip(&who, 24),
                        c.state.to_string(),
                        c.unread.to_string(),
                        format!(
                            "{}{}",
                            c.window.label(reader.now),
                            if c.from_ad { " (ad)" } else { "" }
                        ),
                        c.last_message
                            .as_ref()
                            .map(|m| clip(&m.text, 50))
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        Response::Messages(ms) if ms.is_empty() => say!("no messages"),
        Response::Messages(ms) => print_messages(ms, reader),
        Response::Journal(es) if es.is_empty() => say!("the journal has no such deliveries"),
        Response::Journal(es) => table(
            &["ID", "RECEIVED", "STATE", "TIMES", "BYTES", "DETAIL"],
            es.iter()
                .map(|e| {
                    vec![
                        e.id.to_string(),
                        rfc3339(e.received_at),
                        e.state.as_str().to_string(),
                        e.deliveries.to_string(),
                        e.bytes.to_string(),
                        e.detail.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
        Response::Replayed(os) if os.is_empty() => say!("nothing to replay"),
        Response::Replayed(os) => {
            for o in os {
                match &o.detail {
                    Some(d) => say!("journal {}: {} ({d})", o.id, o.state.as_str()),
                    None => say!("journal {}: {}", o.id, o.state.as_str()),
                }
            }
        }
    }
}

fn print_messages(ms: &[crate::protocol::views::MessageView], reader: &Reader) {
    use crate::protocol::{Direction, MediaState, Origin};
    for m in ms {
        let arrow = match m.direction {
            Direction::In => "<-",
            Direction::Out => "->",
        };
        let mut notes = Vec::new();
        match m.origin {
            Origin::PhoneApp => notes.push("sent from phone".to_string()),
            Origin::History => notes.push("history".to_string()),
            _ => {}
        }
        if let Some(s) = &m.status {
            notes.push(s.to_string());
        }
        if let Some(e) = &m.error {
            notes.push(super::failure::note(e, reader));
        }
        if m.edited {
            notes.push("edited".into());
        }
        if m.revoked {
            notes.push("deleted".into());
        }
        if let Some(media) = &m.media {
            notes.push(match media.state {
                MediaState::Downloaded => format!("file {} bytes", media.bytes.unwrap_or(0)),
                MediaState::Failed => {
                    format!("file failed: {}", media.error.as_deref().unwrap_or(""))
                }
                MediaState::Pending => match &media.error {
                    Some(e) => format!("download failed, retrying: {e}"),
                    None => "downloading…".to_string(),
                },
            });
        }
        for r in &m.reactions {
            notes.push(format!("{} by {}", r.emoji, r.by));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  [{}]", notes.join(", "))
        };
        say!("{} {} #{} {}{}", rfc3339(m.at), arrow, m.id, m.text, notes);
    }
}

/// A signup: where it stands, the link to open, and what to do next.
pub fn print_signup(v: &crate::protocol::SignupView) {
    use crate::protocol::SignupStatus::*;
    let status = format!("{:?}", v.status).to_lowercase();
    say!("signup {} for {} ({}): {status}", v.id, v.tenant, v.path);
    match v.status {
        Waiting => say!("open: {}", v.url),
        Choose => {
            say!("Meta shared these numbers:");
            for c in &v.candidates {
                say!(
                    "  +{} ({}) {}{}",
                    c.display_phone,
                    c.phone_number_id,
                    c.verified_name.as_deref().unwrap_or(""),
                    if c.coexistence {
                        " [on the Business app]"
                    } else {
                        " [dedicated: needs its PIN]"
                    }
                );
            }
        }
        Connected => {
            if let Some(n) = &v.number {
                say!("connected +{} ({})", n.display_phone, n.phone_number_id);
            }
        }
        Failed | Revoked | Expired => {
            if let Some(e) = &v.error {
                say!("{e}");
            }
        }
    }
}

fn print_dashboard(d: &crate::protocol::DashboardView) {
    let or_unset =
        |v: &Option<String>, how: &str| v.clone().unwrap_or_else(|| format!("(not set: {how})"));
    if d.public_url_is_loopback {
        say!(
            "Note: [webhook] public_url is not set; the listener's loopback address stands in, \
             which only a browser on this machine reaches."
        );
    }
    say!("In Meta's App Dashboard:");
    say!(
        "  WhatsApp → Configuration → Callback URL: {}",
        or_unset(&d.callback_url, "[webhook] public_url")
    );
    say!(
        "  WhatsApp → Configuration → Verify token: {}",
        match (&d.verify_token, d.verify_token_set) {
            (Some(t), _) => t.expose().to_string(),
            (None, true) => "set (the [meta] verify_token; --reveal shows it)".into(),
            (None, false) => "(not set: [meta] verify_token or WABOX_VERIFY_TOKEN)".into(),
        }
    );
    say!(
        "  Subscribe to the fields: messages, smb_message_echoes, history, smb_app_state_sync, message_template_status_update"
    );
    say!(
        "  Facebook Login for Business → Valid OAuth Redirect URIs: {}",
        or_unset(&d.oauth_redirect_uri, "[webhook] public_url")
    );
    say!("  App id: {}", or_unset(&d.app_id, "[meta] app_id"));
    say!(
        "  Embedded Signup configuration: {}",
        or_unset(&d.config_id, "[meta] config_id")
    );
    say!("In Kapso:");
    say!(
        "  API key: {}",
        if d.kapso_configured {
            "set"
        } else {
            "(not set: [kapso] api_key or WABOX_KAPSO_API_KEY)"
        }
    );
    say!(
        "  Success / failure redirects: {} / {}",
        or_unset(&d.kapso_success_url, "[webhook] public_url"),
        or_unset(&d.kapso_failure_url, "[webhook] public_url")
    );
    say!(
        "  Meta's webhooks forwarded to: {} (wabox sets it up for each number it connects \
         through Kapso when [kapso] webhook_secret is set)",
        or_unset(
            &d.public_url.as_ref().map(|p| format!("{p}/kapso/webhook")),
            "[webhook] public_url"
        )
    );
    match &d.handshake {
        Some(Ok(ok)) => say!("Handshake: ok, {ok}"),
        Some(Err(e)) => say!("Handshake: FAILED, {e}"),
        None => say!("Handshake: not tried (--test tries it)"),
    }
    for p in &d.paths {
        let mark = if p.ok { "ok" } else { "FAILED" };
        say!("  {}: {mark}, {}", p.path, p.detail);
    }
}

/// One hand-over event in words: "alice claimed it", "whatsapp number changed from … to …".
fn history_line(e: &crate::protocol::directory::HandEvent) -> String {
    let what = e.kind.replace('_', " ");
    // A claim's detail is its actor ("root claimed root" said nothing twice).
    if e.detail.is_empty() || e.detail == e.actor {
        format!("{} {} {what}", rfc3339(e.at), e.actor)
    } else {
        format!("{} {} {what} {}", rfc3339(e.at), e.actor, e.detail)
    }
}
