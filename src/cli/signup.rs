//! `wabox connect meta` (and what every browser signup shares with `connect kapso`): the link
//! printed with its QR code, the engine asked how the signup stands until someone comes back
//! through it, the number picked and its PIN typed hidden, then the summary. With `--json`, one
//! JSON object per line: `{"event":"link",…}` at once (so a script can open the URL), then
//! `{"event":"connected",…}` or `{"event":"failed",…}`.

use super::connect::hidden_prompt;
use super::output::{ask, say, say_err};
use crate::client::Client;
use crate::protocol::{Request, Response, SignupStatus, SignupView};
use crate::secret::Secret;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How the waiting looks to the admin.
pub struct Watch {
    pub json: bool,
    pub qr: bool,
    pub timeout: Duration,
    pub every: Duration,
}

impl Watch {
    /// As `connect meta|kapso` flags ask: the QR code unless `--no-qr` or `--json`, a look at
    /// the signup every half second until `timeout_seconds`.
    pub fn from_flags(json: bool, no_qr: bool, timeout_seconds: i64) -> Watch {
        Watch {
            json,
            qr: !no_qr && !json,
            timeout: Duration::from_secs(timeout_seconds.max(1) as u64),
            every: Duration::from_millis(500),
        }
    }
}

pub fn print_event(event: &str, body: serde_json::Value) -> anyhow::Result<()> {
    let mut v = serde_json::json!({"event": event});
    if let (Some(o), serde_json::Value::Object(b)) = (v.as_object_mut(), body) {
        o.extend(b);
    }
    super::json::print_line(v)
}

/// The short link a QR code holds, once the engine has said where it is reached.
pub async fn short_link(client: &mut Client, view: &SignupView) -> anyhow::Result<String> {
    match client
        .call(Request::Dashboard {
            test: false,
            reveal: false,
        })
        .await?
    {
        Response::Dashboard(d) => Ok(d
            .public_url
            .map(|p| format!("{p}/c/{}", view.short_code))
            .unwrap_or_else(|| view.url.clone())),
        other => anyhow::bail!("the engine answered {other:?}"),
    }
}

/// Prints what to open: the short link and its QR code, and the full URL.
pub async fn show_link(
    client: &mut Client,
    view: &SignupView,
    watch: &Watch,
) -> anyhow::Result<()> {
    let short = short_link(client, view).await?;
    if watch.json {
        return print_event(
            "link",
            serde_json::json!({"signup": view, "short_url": short}),
        );
    }
    let left = view.expires_at - crate::domain::time::now_unix();
    say!(
        "Signup {} for {}: open this link where the business can log in (a phone is fine):",
        view.id,
        view.tenant
    );
    say!();
    say!("  {short}");
    say!();
    if watch.qr {
        match crate::qr::lines(&short) {
            Ok(lines) => {
                for l in lines {
                    say!("  {l}");
                }
            }
            Err(e) => say!("  ({e})"),
        }
        say!();
    }
    say!("Full link: {}", view.url);
    say!(
        "It works once, for {}. Waiting for the business to come back through it…",
        crate::domain::time::short_duration(left.max(0))
    );
    std::io::stdout().flush()?;
    Ok(())
}

/// Asks the engine how the signup stands until it leaves `Waiting` (or the time is up).
pub async fn wait(client: &mut Client, id: i64, watch: &Watch) -> anyhow::Result<SignupView> {
    let started = Instant::now();
    loop {
        let view = match client.call(Request::GetSignup { id }).await? {
            Response::Signup(v) => *v,
            other => anyhow::bail!("the engine answered {other:?}"),
        };
        if view.status != SignupStatus::Waiting {
            return Ok(view);
        }
        if started.elapsed() >= watch.timeout {
            anyhow::bail!(
                "nobody came back through the link within {} (signup {id} is still open: \
                 `wabox connect status {id}`, or `wabox connect revoke {id}`)",
                crate::domain::time::short_duration(watch.timeout.as_secs() as i64)
            );
        }
        tokio::time::sleep(watch.every).await;
    }
}

/// A signup that ended badly, as an error with its explanation (the exit status says failed).
pub fn failure(view: &SignupView, json: bool) -> anyhow::Result<()> {
    let why = view.error.clone().unwrap_or_else(|| match view.status {
        SignupStatus::Expired => "the link expired before anyone used it".into(),
        SignupStatus::Revoked => "the link was revoked".into(),
        _ => "the signup did not complete".into(),
    });
    if json {
        print_event("failed", serde_json::json!({"signup": view}))?;
    }
    anyhow::bail!(
        "signup {} {}: {why}",
        view.id,
        format!("{:?}", view.status).to_lowercase()
    )
}

/// The queue the new number's conversations go to: the one named; else the tenant's only
/// queue; else, on a terminal, asked (Enter creates one named after the tenant); else one named
/// after the tenant is created. Several queues and no terminal: name one.
pub async fn resolve_queue(
    client: &mut Client,
    tenant: &str,
    named: Option<String>,
) -> anyhow::Result<String> {
    if let Some(q) = named.filter(|q| !q.trim().is_empty()) {
        return Ok(q.trim().to_string());
    }
    let queues: Vec<String> = match client.call(Request::ListQueues).await? {
        Response::Queues(qs) => qs
            .into_iter()
            .filter(|q| q.tenant == tenant.trim())
            .map(|q| q.name)
            .collect(),
        other => anyhow::bail!("the engine answered {other:?}"),
    };
    let fresh = tenant.trim().to_string();
    match queues.as_slice() {
        [only] => Ok(only.clone()),
        [] if !std::io::stdin().is_terminal() => Ok(fresh),
        many if !std::io::stdin().is_terminal() => anyhow::bail!(
            "{tenant} has several queues: name the new number's with --queue ({})",
            many.join(", ")
        ),
        many => {
            say_err!("Which queue receives the new number's conversations?");
            for (i, q) in many.iter().enumerate() {
                say_err!("  {}. {q}", i + 1);
            }
            ask!("Number, a new queue's name, or Enter for a new queue {fresh:?}: ");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let answer = line.trim();
            Ok(match answer.parse::<usize>() {
                Ok(i) if (1..=many.len()).contains(&i) => many[i - 1].clone(),
                _ if answer.is_empty() => fresh,
                _ => answer.to_string(),
            })
        }
    }
}

/// The 6-digit PIN of a dedicated number: WABOX_PIN, else a hidden prompt, else a piped line.
fn pin(display: &str) -> anyhow::Result<Secret> {
    if let Ok(p) = std::env::var("WABOX_PIN")
        && !p.trim().is_empty()
    {
        return Ok(Secret::new(p.trim()));
    }
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        hidden_prompt(&format!(
            "Two-step verification PIN of +{display} (6 digits, not shown): "
        ))?
    } else {
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        line
    };
    let t = text.trim();
    anyhow::ensure!(
        t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()),
        "the PIN is 6 digits (WhatsApp Manager → Phone numbers → Two-step verification)"
    );
    Ok(Secret::new(t))
}

/// Which number to connect: the one named, the only one, or asked for on a terminal.
fn choose(view: &SignupView, named: Option<String>) -> anyhow::Result<Option<String>> {
    if named.is_some() || view.candidates.len() <= 1 {
        return Ok(named);
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "Meta shared {} numbers: name one with --number ({})",
        view.candidates.len(),
        view.candidates
            .iter()
            .map(|c| format!("+{}", c.display_phone))
            .collect::<Vec<_>>()
            .join(", ")
    );
    say_err!("Meta shared these numbers:");
    for (i, c) in view.candidates.iter().enumerate() {
        say_err!(
            "  {}. +{} {} ({})",
            i + 1,
            c.display_phone,
            c.verified_name.as_deref().unwrap_or(""),
            if c.coexistence {
                "on the Business app"
            } else {
                "dedicated"
            }
        );
    }
    ask!("Number to connect (1-{}): ", view.candidates.len());
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let i: usize = line
        .trim()
        .parse()
        .ok()
        .filter(|i| (1..=view.candidates.len()).contains(i))
        .ok_or_else(|| anyhow::anyhow!("{:?} is not one of the numbers", line.trim()))?;
    Ok(Some(view.candidates[i - 1].phone_number_id.clone()))
}

pub struct MetaArgs {
    pub tenant: String,
    pub dedicated: bool,
    pub queue: Option<String>,
    pub number: Option<String>,
    pub history_wait: Duration,
    pub watch: Watch,
}

/// `wabox connect meta`.
pub async fn meta(client: &mut Client, args: MetaArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        client.is_socket(),
        "Meta comes back to the engine's listener: start `wabox serve` (or `wabox demo`) first"
    );
    let queue = resolve_queue(client, &args.tenant, args.queue.clone()).await?;
    let view = match client
        .call(Request::BeginSignup {
            tenant: args.tenant.clone(),
            path: crate::protocol::SignupPath::Meta {
                coexistence: !args.dedicated,
            },
            queue: Some(queue),
        })
        .await?
    {
        Response::Signup(v) => *v,
        other => anyhow::bail!("the engine answered {other:?}"),
    };
    show_link(client, &view, &args.watch).await?;
    let view = wait(client, view.id, &args.watch).await?;
    finish(
        client,
        view,
        args.number,
        args.history_wait,
        args.watch.json,
    )
    .await
}

pub struct KapsoArgs {
    pub tenant: String,
    pub options: crate::protocol::KapsoLinkOptions,
    pub queue: Option<String>,
    /// The admin's language, for the failure's explanation.
    pub lang: crate::i18n::Lang,
    pub watch: Watch,
}

/// `wabox connect kapso`: the setup link and its QR code, the wait, then the summary, or the
/// failure Kapso reported in plain words with what to do.
pub async fn kapso(client: &mut Client, args: KapsoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        client.is_socket(),
        "Kapso sends the browser back to the engine's listener: start `wabox serve` (or `wabox \
         demo`) first"
    );
    // A reconnected number keeps its queue.
    let queue = match args.options.reconnect {
        Some(_) => None,
        None => Some(resolve_queue(client, &args.tenant, args.queue.clone()).await?),
    };
    let view = match client
        .call(Request::BeginSignup {
            tenant: args.tenant.clone(),
            path: crate::protocol::SignupPath::Kapso(args.options),
            queue,
        })
        .await?
    {
        Response::Signup(v) => *v,
        other => anyhow::bail!("the engine answered {other:?}"),
    };
    show_link(client, &view, &args.watch).await?;
    let mut view = wait(client, view.id, &args.watch).await?;
    if view.status != SignupStatus::Connected {
        if let Some(code) = view.error_code.clone() {
            // Kapso's code in the admin's language (the engine keeps the English words).
            view.error = Some(
                crate::i18n::kapso_failure(&code, args.lang)
                    .replace("regenerate ID", &format!("regenerate {}", view.id)),
            );
        }
        return failure(&view, args.watch.json);
    }
    let report = view.report.take().ok_or_else(|| {
        anyhow::anyhow!("signup {} is connected but its report is missing", view.id)
    })?;
    if args.watch.json {
        print_event("connected", serde_json::json!({"number": report}))?;
    } else {
        super::output::human(
            &Response::Connected(Box::new(report)),
            &super::reader::Reader::unused(),
        );
    }
    Ok(())
}

/// `wabox connect finish ID`: pick the number of a signup Meta came back to (and type its PIN).
pub async fn finish_by_id(
    client: &mut Client,
    id: i64,
    number: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let view = match client.call(Request::GetSignup { id }).await? {
        Response::Signup(v) => *v,
        other => anyhow::bail!("the engine answered {other:?}"),
    };
    finish(client, view, number, Duration::ZERO, json).await
}

/// From a signup Meta came back to: the number chosen (and registered with its PIN), the
/// summary, and a coexistence number's history import.
async fn finish(
    client: &mut Client,
    mut view: SignupView,
    number: Option<String>,
    history_wait: Duration,
    json: bool,
) -> anyhow::Result<()> {
    let report = match view.status {
        SignupStatus::Choose => {
            let chosen = choose(&view, number)?;
            let candidate = view
                .candidates
                .iter()
                .find(|c| chosen.as_deref().is_none_or(|p| c.phone_number_id == p))
                .cloned();
            let pin = match &candidate {
                Some(c) if !c.coexistence => Some(pin(&c.display_phone)?),
                _ => None,
            };
            match client
                .call(Request::FinishSignup {
                    id: view.id,
                    phone_number_id: chosen,
                    pin,
                })
                .await
            {
                Ok(Response::Connected(r)) => *r,
                Ok(other) => anyhow::bail!("the engine answered {other:?}"),
                Err(e) => anyhow::bail!(
                    "{e}\nThe signup waits for another try: `wabox connect finish {}`",
                    view.id
                ),
            }
        }
        SignupStatus::Connected => view.report.take().ok_or_else(|| {
            anyhow::anyhow!("signup {} is connected but its report is missing", view.id)
        })?,
        _ => return failure(&view, json),
    };
    if json {
        print_event("connected", serde_json::json!({"number": report}))?;
    } else {
        super::output::human(
            &Response::Connected(Box::new(report.clone())),
            &super::reader::Reader::unused(),
        );
    }
    if report.number.connection == crate::domain::ConnectionKind::Coexistence {
        super::connect::import_history(client, &report.number.phone_number_id, history_wait, json)
            .await?;
    }
    Ok(())
}
