//! Connecting numbers as people read it: signups, a connected number, and a coexistence
//! number's history import.

use super::{say, table};
use crate::protocol::{ConnectReport, HistoryProgressView, SignupView, SmbData};

/// A signup: where it stands, the link to open, and what to do next.
pub fn signup(v: &SignupView) {
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

pub fn signups(vs: &[SignupView]) {
    if vs.is_empty() {
        say!("no signups");
        return;
    }
    table(
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
    )
}

pub fn connected(c: &ConnectReport) {
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

pub fn history_sync(results: &[(SmbData, Result<String, String>)]) {
    for (kind, r) in results {
        let what = match kind {
            SmbData::History => "history",
            SmbData::SmbAppStateSync => "contacts",
        };
        match r {
            Ok(id) => say!("  {what}: requested ({id}); it arrives over webhooks"),
            Err(e) => say!("  {what}: not requested: {e}"),
        }
    }
}

pub fn history_progress(h: &HistoryProgressView) {
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
