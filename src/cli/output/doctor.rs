//! `wabox doctor` and `wabox connect dashboard`: what is wrong with each number and how to fix
//! it, and what to type into Meta's and Kapso's dashboards.

use super::say;
use crate::protocol::{DashboardView, DoctorReport};

pub fn doctor(d: &DoctorReport) {
    print_numbers(d);
    if let Some(line) = summary(d) {
        say!("{line}");
    }
    print_findings(d);
}

/// The line under the numbers when nothing is wrong. With no number at all, "every number has a
/// queue" was true and told a new admin nothing: it says what to do first.
fn summary(d: &DoctorReport) -> Option<&'static str> {
    match (d.healthy(), d.numbers.is_empty()) {
        (false, _) => None,
        (true, true) => Some(
            "no numbers yet: `wabox connect` connects one (`wabox demo` shows wabox on a \
             simulated Cloud API)",
        ),
        (true, false) => Some("all good: every number has a queue and a token, no delivery waits"),
    }
}

/// Each number with its checks; a fix only where a check did not pass.
fn print_numbers(d: &DoctorReport) {
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
}

/// What is wrong across numbers, each with the command that shows or fixes it.
fn print_findings(d: &DoctorReport) {
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
    for e in &d.engines {
        let state = engine_state(e.live, e.this, e.seen_seconds_ago);
        say!(
            "engine {}: {state}, seen {} s ago, {} partitions {}",
            e.id,
            e.seen_seconds_ago,
            e.partitions.len(),
            ranges(&e.partitions)
        );
    }
    if d.unowned_partitions > 0 {
        say!(
            "UNOWNED: {} partitions of the work have no engine: their deliveries, sends and sequences wait until one takes them (is any `wabox serve` running on this store?)",
            d.unowned_partitions
        );
    }
    if d.journal_lag_seconds >= crate::protocol::JOURNAL_BEHIND_SECONDS {
        say!(
            "BEHIND: {} deliveries wait to be processed, the oldest for {} s: is the engine running? `wabox journal --pending`",
            d.journal_pending,
            d.journal_lag_seconds
        );
    } else if d.journal_pending > 0 {
        say!(
            "journal: {} deliveries being processed (the oldest {} s ago)",
            d.journal_pending,
            d.journal_lag_seconds
        );
    }
}

/// An engine beats every 2 s; one not heard from for longer has stopped or lost the store,
/// though its leases (and the store's "live") last until they lapse: it is not called live
/// meanwhile (for 8 s after a kill -9 doctor said so).
fn engine_state(live: bool, this: bool, seen_seconds_ago: i64) -> &'static str {
    let silent_after = crate::engine::cluster::STORE_SILENT_AFTER.as_secs() as i64;
    match (live, this) {
        (true, true) => "live (this one)",
        (true, false) if seen_seconds_ago > silent_after => {
            "SILENT (stopped, or cut off from the store? its partitions pass on once its leases lapse)"
        }
        (true, false) => "live",
        (false, _) => "gone",
    }
}

/// Partitions as ranges: `0-21, 40`.
fn ranges(partitions: &[i64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < partitions.len() {
        let start = partitions[i];
        let mut end = start;
        while i + 1 < partitions.len() && partitions[i + 1] == end + 1 {
            i += 1;
            end = partitions[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}

pub fn dashboard(d: &DashboardView) {
    if d.public_url_is_loopback {
        say!(
            "Note: [webhook] public_url is not set; the listener's loopback address stands in, \
             which only a browser on this machine reaches."
        );
    }
    print_meta(d);
    print_kapso(d);
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

/// A dashboard value, or what sets it when it is not set.
fn or_unset(v: &Option<String>, how: &str) -> String {
    v.clone().unwrap_or_else(|| format!("(not set: {how})"))
}

fn print_meta(d: &DashboardView) {
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
}

fn print_kapso(d: &DashboardView) {
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
}

#[cfg(test)]
mod tests {
    use super::{engine_state, summary};
    use crate::protocol::DoctorReport;

    #[test]
    fn an_engine_not_heard_from_for_two_beats_is_not_called_live() {
        assert_eq!(engine_state(true, false, 2), "live");
        assert!(engine_state(true, false, 8).starts_with("SILENT"));
        assert_eq!(engine_state(false, false, 30), "gone");
        assert_eq!(engine_state(true, true, 0), "live (this one)");
    }

    #[test]
    fn with_no_number_the_summary_says_how_to_connect_one() {
        let empty = DoctorReport::default();
        assert!(summary(&empty).unwrap().contains("wabox connect"));
        let unrouted = DoctorReport {
            unrouted: 2,
            ..DoctorReport::default()
        };
        assert_eq!(summary(&unrouted), None, "the finding speaks instead");
    }
}
