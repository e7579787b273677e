//! `wabox doctor`'s account events: what Meta said about a tenant's WhatsApp account or
//! business (a partner added or removed, new limits, an alert), one line each.

use super::output::say;
use crate::protocol::admin::AccountEventView;

/// Prints the events, newest first; Meta's words go through `say!` like any outside text.
pub fn print(events: &[AccountEventView]) {
    if events.is_empty() {
        return;
    }
    say!("ACCOUNT EVENTS (last 30 days, newest first):");
    for e in events {
        let about = e
            .entry_id
            .as_deref()
            .map(|id| format!(" [{id}]"))
            .unwrap_or_default();
        say!(
            "  {}  {}  {}{about}: {}",
            crate::domain::time::rfc3339_here(e.at),
            e.tenant,
            e.field,
            e.summary
        );
    }
}
