//! The admin's answers as people read them: templates and their syncs, the webhook journal and
//! its replays.

use super::{clip, say, table};
use crate::domain::time::rfc3339;
use crate::protocol::admin::{EntryOutcome, JournalEntryView, TemplateView};
use crate::protocol::template_sync::SyncReport;

pub fn templates(ts: &[TemplateView]) {
    if ts.is_empty() {
        say!("no templates synced: run `wabox templates sync`");
        return;
    }
    table(
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
    )
}

pub fn templates_synced(rs: &[SyncReport]) {
    if rs.is_empty() {
        say!("no number with an access token: nothing to sync");
        return;
    }
    for r in rs {
        match &r.error {
            Some(e) => say!("WABA {}: failed: {e}", r.waba_id),
            None => say!("WABA {}: {} templates", r.waba_id, r.templates),
        }
    }
}

pub fn journal(es: &[JournalEntryView]) {
    if es.is_empty() {
        say!("the journal has no such deliveries");
        return;
    }
    table(
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
    )
}

pub fn replayed(os: &[EntryOutcome]) {
    if os.is_empty() {
        say!("nothing to replay");
        return;
    }
    for o in os {
        match &o.detail {
            Some(d) => say!("journal {}: {} ({d})", o.id, o.state.as_str()),
            None => say!("journal {}: {}", o.id, o.state.as_str()),
        }
    }
}
