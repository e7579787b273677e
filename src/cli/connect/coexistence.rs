//! `wabox connect coexistence`: a number that stays on the WhatsApp Business app. The steps
//! on the phone are the owner's; wabox polls the number's state with a countdown until Meta
//! shows it connected, then connects it and imports its history.

use super::super::output::{say, say_err};
use super::{ConnectCommand, import_history, token};
use crate::client::Client;
use crate::domain::onboarding::{Onboarding, WaitingFor, assess};
use crate::protocol::{Request, Response};
use crate::secret::Secret;
use std::time::{Duration, Instant};

/// The wizard's words (`i18n::wizard`), so the two say the same.
fn instructions() -> String {
    format!(
        "{}\nwabox checks the number's state until it is connected.",
        crate::i18n::wizard::EN.coexistence_steps
    )
}

/// `wabox connect coexistence`: instructions, polling with a countdown, then connect and import.
pub async fn run(
    config: crate::config::Config,
    command: ConnectCommand,
    act_as: Option<String>,
) -> anyhow::Result<()> {
    let ConnectCommand::Coexistence {
        tenant,
        phone_number_id,
        waba_id,
        queue,
        timeout,
        every_ms,
        history_wait,
        json,
    } = command
    else {
        anyhow::bail!("not a coexistence connection");
    };
    let token = token()?;
    let mut client = Client::connect(config).await?.acting_as(act_as);
    // With --json, stdout is for the JSON events: the countdown goes to stderr.
    let say = |text: &str| {
        if json {
            say_err!("{text}");
        } else {
            say!("{text}");
        }
    };
    say(&instructions());
    let poll = Poll {
        phone_number_id: &phone_number_id,
        token: &token,
        timeout,
        every_ms,
    };
    let polls = match poll.until_connected(&mut client, &say).await {
        Ok(Ok(polls)) => polls,
        Ok(Err(why)) => {
            client.close().await;
            anyhow::bail!(
                "the number was not connected within {}: {}",
                crate::domain::time::short_duration(timeout),
                (crate::i18n::wizard::EN.waiting_for)(why)
            );
        }
        Err(e) => return Err(e),
    };
    let connected = client
        .call(Request::ConnectManual {
            tenant,
            phone_number_id: phone_number_id.clone(),
            waba_id,
            access_token: token,
            queue,
            business_id: None,
            create_tenant: false,
        })
        .await;
    let result = match connected {
        Ok(connected) => {
            if json {
                let Response::Connected(report) = &connected else {
                    anyhow::bail!("the engine answered something else");
                };
                super::super::signup::print_event(
                    "connected",
                    serde_json::json!({"number": report, "polls": polls}),
                )?;
            } else {
                super::super::output::human(&connected, &super::super::reader::Reader::unused());
            }
            let wait = Duration::from_secs(history_wait.max(0) as u64);
            import_history(&mut client, &phone_number_id, wait, json).await
        }
        Err(e) => Err(e.into()),
    };
    client.close().await;
    result
}

/// Checking the number's state with Meta, every `every_ms` until `timeout` seconds pass.
struct Poll<'a> {
    phone_number_id: &'a str,
    token: &'a Secret,
    timeout: i64,
    every_ms: u64,
}

impl Poll<'_> {
    /// The checks it took once Meta shows the number connected, or what it still waits for
    /// when time is up.
    async fn until_connected(
        &self,
        client: &mut Client,
        say: &impl Fn(&str),
    ) -> anyhow::Result<Result<u32, WaitingFor>> {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(self.timeout.max(1) as u64);
        let mut polls = 0u32;
        loop {
            polls += 1;
            let state = match client
                .call(Request::CheckNumber {
                    phone_number_id: self.phone_number_id.to_string(),
                    access_token: self.token.clone(),
                })
                .await?
            {
                Response::NumberState(s) => *s,
                other => anyhow::bail!("the engine answered {other:?}"),
            };
            let left = deadline.saturating_duration_since(Instant::now());
            let seen = format!(
                "status {}, platform {}, code {}, on the Business app: {}",
                state.status.as_deref().unwrap_or("?"),
                state.platform_type.as_deref().unwrap_or("?"),
                state.code_verification_status.as_deref().unwrap_or("?"),
                if state.is_on_biz_app { "yes" } else { "no" }
            );
            match assess(&state) {
                Onboarding::Connected => {
                    say(&format!("connected after {polls} checks ({seen})"));
                    return Ok(Ok(polls));
                }
                Onboarding::Waiting(why) => {
                    say(&format!(
                        "{}:{:02} left · {} · last seen: {seen}",
                        left.as_secs() / 60,
                        left.as_secs() % 60,
                        (crate::i18n::wizard::EN.waiting_for)(why)
                    ));
                    if Instant::now() >= deadline {
                        return Ok(Err(why));
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(self.every_ms)).await;
        }
    }
}
