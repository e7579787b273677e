//! A command that is one request: sent to the engine, its answer printed, and the exit status
//! set from what the answer says.

use super::{account_events, output, reader, sequences};
use crate::client::Client;
use crate::config::Config;
use crate::protocol::admin::JournalState;
use crate::protocol::{Request, Response};

/// Exit status when an answer says an admin must look (see `needs_attention`).
const ATTENTION_EXIT_STATUS: i32 = 3;

pub async fn call_and_print(
    config: Config,
    request: Request,
    as_json: bool,
    act_as: Option<String>,
) -> anyhow::Result<()> {
    let mut client = Client::connect(config).await?.acting_as(act_as);
    let result = reader::call(&mut client, request).await;
    client.close().await;
    print_answer(result?, as_json)
}

/// Prints an answer (as JSON or for people) and sets the exit status from what it says.
pub fn print_answer(
    (response, reader): (Response, reader::Reader),
    as_json: bool,
) -> anyhow::Result<()> {
    if as_json {
        output::json(&response, &reader)?;
    } else {
        output::human(&response, &reader);
        if let Response::Doctor(d) = &response {
            print_file_checks(&d.files);
            account_events::print(&d.account_events);
        }
    }
    if needs_attention(&response) {
        std::process::exit(ATTENTION_EXIT_STATUS);
    }
    if let Response::Replayed(outcomes) = &response
        && outcomes.iter().any(|o| o.state != JournalState::Processed)
    {
        anyhow::bail!("some deliveries are still not processed (see above)");
    }
    Ok(())
}

/// Scripts (and cron) learn from the exit status that an admin must look.
fn needs_attention(response: &Response) -> bool {
    match response {
        Response::Doctor(d) => !d.healthy(),
        Response::Synced(r) => r.needs_attention(),
        // A WABA whose templates could not be fetched: the list is as last synced.
        Response::TemplatesSynced(reports) => reports.iter().any(|r| r.error.is_some()),
        r @ Response::Sequences(_) => sequences::attention(r),
        _ => false,
    }
}

/// The data dir's checks, after the numbers': every one a failure with its fix (paths are the
/// engine's own, never a customer's text).
fn print_file_checks(checks: &[crate::domain::health::Check]) {
    for c in checks {
        output::say!("FILES: {}", c.detail);
        if let Some(fix) = &c.fix {
            output::say!("       fix: {fix}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::template_sync::SyncReport;

    #[test]
    fn a_template_sync_that_failed_for_an_account_needs_attention() {
        let report = |error: Option<&str>| SyncReport {
            waba_id: "102290129340398".into(),
            templates: 4,
            error: error.map(str::to_owned),
        };
        let all_fetched = Response::TemplatesSynced(vec![report(None), report(None)]);
        assert!(!needs_attention(&all_fetched));
        let one_failed = Response::TemplatesSynced(vec![
            report(None),
            report(Some("could not reach the Graph API")),
        ]);
        assert!(needs_attention(&one_failed), "cron must hear of it");
    }
}
