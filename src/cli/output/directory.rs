//! The directory as people read it: tenants, numbers, queues, agents, a conversation's
//! hand-over history and the audit log.

use super::{say, table};
use crate::domain::time::rfc3339_here;
use crate::protocol::directory::HandEvent;

pub fn tenants(ts: &[crate::protocol::directory::TenantView]) {
    if ts.is_empty() {
        say!("no tenants yet: add one with `wabox tenants add NAME`");
        return;
    }
    table(
        &["ID", "NAME", "NUMBERS", "CREATED"],
        ts.iter()
            .map(|t| {
                vec![
                    t.id.to_string(),
                    t.name.clone(),
                    t.numbers.to_string(),
                    rfc3339_here(t.created_at),
                ]
            })
            .collect(),
    )
}

pub fn number_added(n: &crate::protocol::directory::NumberView) {
    say!(
        "number +{} ({}) added to tenant {:?}{}",
        n.display_phone,
        n.phone_number_id,
        n.tenant,
        if n.has_token {
            ", token sealed"
        } else {
            ", no token"
        }
    )
}

pub fn numbers(ns: &[crate::protocol::directory::NumberView]) {
    if ns.is_empty() {
        say!("no numbers yet: add one with `wabox numbers add --tenant NAME ...`");
        return;
    }
    table(
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
    )
}

pub fn queues(qs: &[crate::protocol::directory::QueueView]) {
    if qs.is_empty() {
        say!("no queues yet: `wabox queues add NAME`");
        return;
    }
    table(
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
    )
}

pub fn agents(agents: &[crate::protocol::directory::AgentView]) {
    if agents.is_empty() {
        say!("no agents yet: `wabox agents add USER --queue NAME`");
        return;
    }
    table(
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
    )
}

pub fn history(h: &[HandEvent]) {
    if h.is_empty() {
        say!("nobody has claimed or moved it");
        return;
    }
    for e in h {
        let note = e
            .note
            .as_deref()
            .map(|n| format!(" — note: {n}"))
            .unwrap_or_default();
        say!("{}{note}", history_line(e));
    }
}

/// One hand-over event in words: "alice claimed it", "whatsapp number changed from … to …".
fn history_line(e: &HandEvent) -> String {
    format!("{} {}", rfc3339_here(e.at), e.words())
}

pub fn audit_log(entries: &[crate::protocol::directory::AuditEntry]) {
    if entries.is_empty() {
        say!("nothing audited yet");
        return;
    }
    table(
        &["AT", "WHO", "ACTION", "DETAIL"],
        entries
            .iter()
            .map(|e| {
                let who = match &e.as_user {
                    Some(u) => format!("{} as {u}", e.actor),
                    None => e.actor.clone(),
                };
                vec![rfc3339_here(e.at), who, e.action.clone(), e.detail.clone()]
            })
            .collect(),
    )
}

/// The one time a token's secret is shown: on stdout alone, so `| wabox login --token-stdin`
/// or a redirect takes it; the rest goes to stderr.
pub fn token_created(made: &crate::protocol::directory::TokenCreated) {
    let t = &made.token;
    let until = t.expires_at.map_or_else(
        || "until revoked".to_string(),
        |at| format!("until {}", rfc3339_here(at)),
    );
    super::say_err!(
        "token {} for {}{}, {until}; it is shown only now (`wabox login https://HOST --token-stdin` takes it):",
        t.id,
        t.user,
        t.name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    // A token is URL-safe base64 after its prefix: shown as it is.
    say!("{}", made.secret);
}

pub fn tokens(tokens: &[crate::protocol::directory::TokenView]) {
    if tokens.is_empty() {
        say!("no tokens: `wabox token create USER` makes one");
        return;
    }
    let now = crate::domain::time::now_unix();
    table(
        &[
            "ID",
            "USER",
            "NAME",
            "CREATED",
            "EXPIRES",
            "LAST USED",
            "STATE",
        ],
        tokens
            .iter()
            .map(|t| {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(at), _) => format!("revoked {}", rfc3339_here(at)),
                    (None, Some(at)) if at <= now => "expired".to_string(),
                    _ => "usable".to_string(),
                };
                vec![
                    t.id.to_string(),
                    t.user.clone(),
                    t.name.clone().unwrap_or_default(),
                    format!("{} by {}", rfc3339_here(t.created_at), t.created_by),
                    t.expires_at
                        .map(rfc3339_here)
                        .unwrap_or_else(|| "never".into()),
                    t.last_used_at
                        .map(rfc3339_here)
                        .unwrap_or_else(|| "never".into()),
                    state,
                ]
            })
            .collect(),
    )
}

pub fn token_revoked(t: &crate::protocol::directory::TokenView) {
    say!(
        "token {} of {} revoked: it opens nothing from now on, and its sessions were closed",
        t.id,
        t.user
    );
}

/// `hours show` (and what `hours set` and `hours holiday` answer).
pub fn hours(hs: &[crate::protocol::directory::HoursView]) {
    if hs.is_empty() {
        say!(
            "no queue has business hours: `wabox hours set QUEUE --tz ZONE --week \"mon-fri 09:00-18:00\"`"
        );
        return;
    }
    for h in hs {
        let now = match (h.open, &h.next_label) {
            (true, Some(at)) => format!("open, closes {at}"),
            (true, None) => "open".to_string(),
            (false, Some(at)) => format!("outside hours, opens {at}"),
            (false, None) => "outside hours, opens never (every day ahead is closed)".to_string(),
        };
        say!("{} ({}): {} [{}]", h.queue, h.tenant, now, h.zone);
        say!("  {}", h.week);
        if !h.holidays.is_empty() {
            say!("  holidays: {}", h.holidays.join(", "));
        }
        match &h.away {
            Some(text) => say!("  away reply: {}", text),
            None => say!("  no away reply"),
        }
    }
}
