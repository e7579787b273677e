//! What `wabox doctor` concludes about one number from what Meta and the store say: each check
//! is ok, a warning or a failure, in words, with the command or wizard step that fixes it.

use serde::{Deserialize, Serialize};

/// Warn this long before a token expires: time to re-authorize without a gap.
pub const TOKEN_WARN_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    /// Works now, needs an admin soon (a token expiring, quality dropping, templates missing).
    Warn,
    /// Broken now: messages are lost or cannot be sent.
    Fail,
    /// Could not be checked (no app credentials, Meta unreachable).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// `token`, `subscription`, `status`, `quality`, `coexistence`, `templates`, `queue`.
    pub what: String,
    pub level: Level,
    pub detail: String,
    /// The command or wizard step that fixes it.
    pub fix: Option<String>,
}

/// The token as debug_token described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFact {
    /// Valid, expiring at (0 = never).
    Valid {
        expires_at: i64,
    },
    Invalid {
        why: String,
    },
    /// No token stored for the number.
    Missing,
    /// Not asked (no app id/secret) or Meta did not answer.
    Unchecked {
        why: String,
    },
    /// Connected through Kapso: reached through Kapso's Meta proxy with the installation's
    /// Kapso API key; there is no Meta token of ours to ask debug_token about.
    ThroughKapso {
        /// `[kapso] api_key` is set.
        api_key_set: bool,
    },
    /// Connected through Kapso, but Kapso's connection to Meta broke (token revoked, the
    /// business de-authorised it): Meta refuses Kapso's calls for the number.
    KapsoBroken {
        why: String,
    },
}

/// Everything known about a number when the checks run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFacts {
    pub tenant: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub token: TokenFact,
    /// Whether the master app is among the WABA's subscribed apps (None: not asked).
    pub subscribed: Option<bool>,
    /// GET /{pnid}: `status`, `quality_rating`, `throughput.level`, `is_on_biz_app` (None: the
    /// call failed, with why).
    pub state: Result<NumberMetaState, String>,
    pub stored_coexistence: bool,
    pub templates: i64,
    pub queue: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumberMetaState {
    pub status: Option<String>,
    pub quality_rating: Option<String>,
    pub throughput: Option<String>,
    pub is_on_biz_app: bool,
}

fn check(what: &str, level: Level, detail: String, fix: Option<String>) -> Check {
    Check {
        what: what.into(),
        level,
        detail,
        fix,
    }
}

/// Days (rounded down, at least 0) in words.
/// A span in whole days, rounded to the nearest: a token set to expire in three days still
/// expires "in 3 days" a second later, not in 2.
fn days(seconds: i64) -> String {
    if seconds < 86_400 {
        return "less than a day".into();
    }
    match (seconds + 43_200) / 86_400 {
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// The rule: every check of one number.
pub fn assess(f: &NumberFacts, now: i64) -> Vec<Check> {
    let reconnect = reconnect_fix(f);
    let mut out = vec![token_check(f, now, &reconnect), subscription_check(f)];
    match &f.state {
        Err(why) => out.push(check("status", Level::Unknown, why.clone(), None)),
        Ok(s) => {
            out.push(status_check(s));
            out.push(quality_check(s));
            out.push(coexistence_check(f, s, &reconnect));
        }
    }
    out.push(templates_check(f));
    out.push(queue_check(f));
    out
}

/// How to give the number a working connection again, keeping its conversations.
fn reconnect_fix(f: &NumberFacts) -> String {
    match f.token {
        TokenFact::ThroughKapso { .. } => format!(
            "reconnect through Kapso: `wabox connect kapso --tenant {:?}`; the number, its conversations and history stay",
            f.tenant
        ),
        // Renewing is giving the same number a new token: `connect manual` with its own ids
        // does that (a new signup may hand out another number, and add it instead).
        _ => format!(
            "renew this number's token: `wabox connect manual --tenant {:?} --phone-number-id {} --waba-id {}` (the new token is typed hidden), or have the business log in again with this same number (`wabox connect meta --tenant {:?}`); the number, its conversations and history stay",
            f.tenant, f.phone_number_id, f.waba_id, f.tenant
        ),
    }
}

fn token_check(f: &NumberFacts, now: i64, reconnect: &str) -> Check {
    match &f.token {
        TokenFact::Valid { expires_at: 0 } => {
            check("token", Level::Ok, "valid, never expires".into(), None)
        }
        TokenFact::Valid { expires_at } if *expires_at <= now => check(
            "token",
            Level::Fail,
            "expired: nothing can be sent".into(),
            Some(reconnect.to_string()),
        ),
        TokenFact::Valid { expires_at } if *expires_at - now <= TOKEN_WARN_SECONDS => check(
            "token",
            Level::Warn,
            format!("expires in {}", days(*expires_at - now)),
            Some(reconnect.to_string()),
        ),
        TokenFact::Valid { expires_at } => check(
            "token",
            Level::Ok,
            format!("valid for {}", days(*expires_at - now)),
            None,
        ),
        TokenFact::Invalid { why } => check(
            "token",
            Level::Fail,
            format!("Meta refuses it: {why}"),
            Some(reconnect.to_string()),
        ),
        TokenFact::Missing => check(
            "token",
            Level::Fail,
            "no token stored: the number receives but cannot send".into(),
            Some(reconnect.to_string()),
        ),
        TokenFact::Unchecked { why } => check("token", Level::Unknown, why.clone(), None),
        TokenFact::ThroughKapso { api_key_set: true } => check(
            "token",
            Level::Ok,
            "reached through Kapso's Meta proxy with the Kapso API key (no Meta token here)".into(),
            None,
        ),
        TokenFact::KapsoBroken { why } => check(
            "token",
            Level::Fail,
            format!("Kapso's connection to Meta is broken: {why}"),
            Some(format!(
                "reconnect this number through Kapso: `wabox connect kapso --tenant {:?} --reconnect {}`, or in the wizard (`wabox connect`, Kapso) give {} as \"Reconnect number\" (the same WABA and number; its conversations and history stay)",
                f.tenant, f.phone_number_id, f.phone_number_id
            )),
        ),
        TokenFact::ThroughKapso { api_key_set: false } => check(
            "token",
            Level::Fail,
            "connected through Kapso, but no Kapso API key is set: nothing can be sent".into(),
            Some("set [kapso] api_key (or WABOX_KAPSO_API_KEY) and restart the engine".into()),
        ),
    }
}

fn subscription_check(f: &NumberFacts) -> Check {
    match f.subscribed {
        Some(true) => check(
            "subscription",
            Level::Ok,
            "the app receives the WABA's webhooks".into(),
            None,
        ),
        Some(false) => check(
            "subscription",
            Level::Fail,
            "the app is not subscribed to the WABA: no message reaches wabox".into(),
            Some(format!(
                "`wabox connect manual --tenant {:?} --phone-number-id {} --waba-id …` subscribes it again",
                f.tenant, f.phone_number_id
            )),
        ),
        None => check("subscription", Level::Unknown, "not checked".into(), None),
    }
}

fn status_check(s: &NumberMetaState) -> Check {
    let status = s.status.as_deref().unwrap_or("unknown");
    match status {
        "CONNECTED" => check(
            "status",
            Level::Ok,
            format!(
                "connected, throughput {}",
                s.throughput.as_deref().unwrap_or("standard").to_lowercase()
            ),
            None,
        ),
        "FLAGGED" | "RESTRICTED" | "RATE_LIMITED" => check(
            "status",
            Level::Warn,
            format!("{} by Meta: sending is limited", status.to_lowercase()),
            Some("WhatsApp Manager → Phone numbers → Insights says why".into()),
        ),
        other => check(
            "status",
            Level::Fail,
            format!("{}: the number cannot send", other.to_lowercase()),
            Some("finish the number's registration (`wabox connect meta --dedicated`, PIN) or its coexistence onboarding (`wabox connect coexistence`)".into()),
        ),
    }
}

fn quality_check(s: &NumberMetaState) -> Check {
    match s.quality_rating.as_deref() {
        Some("GREEN") => check("quality", Level::Ok, "green".into(), None),
        Some("YELLOW") => check(
            "quality",
            Level::Warn,
            "yellow: customers block or report some messages; Meta may lower the limits".into(),
            Some("send fewer marketing templates; answer faster".into()),
        ),
        Some("RED") => check(
            "quality",
            Level::Fail,
            "red: Meta will lower or suspend the messaging limit".into(),
            Some("stop marketing templates until it recovers".into()),
        ),
        other => check(
            "quality",
            Level::Ok,
            format!(
                "{} (new numbers have none yet)",
                other.unwrap_or("unknown").to_lowercase()
            ),
            None,
        ),
    }
}

fn coexistence_check(f: &NumberFacts, s: &NumberMetaState, reconnect: &str) -> Check {
    match (f.stored_coexistence, s.is_on_biz_app) {
        (true, true) => check("coexistence", Level::Ok, "on the WhatsApp Business app too (open it every couple of weeks)".into(), None),
        (false, false) => check("coexistence", Level::Ok, "Cloud API only".into(), None),
        (true, false) => check(
            "coexistence",
            Level::Warn,
            "stored as coexistence, but Meta no longer sees it on the Business app (the app was not opened for too long, or it was disconnected)".into(),
            Some("open the WhatsApp Business app on the phone; if it stays off, `wabox connect coexistence` again".into()),
        ),
        (false, true) => check(
            "coexistence",
            Level::Warn,
            "stored as dedicated, but it is on the Business app: its rate is 20 messages/s, not 80".into(),
            Some(reconnect.to_string()),
        ),
    }
}

fn templates_check(f: &NumberFacts) -> Check {
    if f.templates > 0 {
        check(
            "templates",
            Level::Ok,
            format!("{} synced", f.templates),
            None,
        )
    } else {
        check(
            "templates",
            Level::Warn,
            "none synced: a closed window cannot be answered".into(),
            Some(format!(
                "`wabox templates sync --number {}`",
                f.phone_number_id
            )),
        )
    }
}

fn queue_check(f: &NumberFacts) -> Check {
    match &f.queue {
        Some(q) => check("queue", Level::Ok, q.clone(), None),
        None => check(
            "queue",
            Level::Fail,
            "no queue: its conversations reach no agent".into(),
            Some(format!("`wabox queues assign {} QUEUE`", f.phone_number_id)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn healthy() -> NumberFacts {
        NumberFacts {
            tenant: "Acme".into(),
            phone_number_id: "123".into(),
            waba_id: "456".into(),
            token: TokenFact::Valid { expires_at: 0 },
            subscribed: Some(true),
            state: Ok(NumberMetaState {
                status: Some("CONNECTED".into()),
                quality_rating: Some("GREEN".into()),
                throughput: Some("STANDARD".into()),
                is_on_biz_app: false,
            }),
            stored_coexistence: false,
            templates: 3,
            queue: Some("Sales".into()),
        }
    }

    fn level(checks: &[Check], what: &str) -> Level {
        checks.iter().find(|c| c.what == what).unwrap().level
    }

    #[test]
    fn a_healthy_number_passes_every_check() {
        let checks = assess(&healthy(), 1_000);
        assert_eq!(checks.len(), 7);
        assert!(checks.iter().all(|c| c.level == Level::Ok), "{checks:?}");
    }

    #[test]
    fn spans_are_worded_in_whole_days_to_the_nearest() {
        assert_eq!(days(-5), "less than a day");
        assert_eq!(days(86_399), "less than a day");
        assert_eq!(days(86_400), "1 day");
        assert_eq!(days(86_400 + 43_199), "1 day");
        assert_eq!(days(86_400 + 43_200), "2 days");
        assert_eq!(days(3 * 86_400 - 1), "3 days");
    }

    #[test]
    fn a_token_warns_a_week_before_it_expires_and_fails_after() {
        let now = 1_000_000;
        let mut f = healthy();
        f.token = TokenFact::Valid {
            expires_at: now + TOKEN_WARN_SECONDS + 1,
        };
        assert_eq!(level(&assess(&f, now), "token"), Level::Ok);
        f.token = TokenFact::Valid {
            expires_at: now + 3 * 86_400,
        };
        let c = assess(&f, now);
        assert_eq!(level(&c, "token"), Level::Warn);
        assert!(
            c[0].detail.contains("3 days") && c[0].fix.as_ref().unwrap().contains("connect meta")
        );
        // A moment later it is still three days away, not two.
        assert!(assess(&f, now + 1)[0].detail.contains("3 days"));
        f.token = TokenFact::Valid { expires_at: now };
        assert_eq!(level(&assess(&f, now), "token"), Level::Fail);
    }

    #[test]
    fn a_refused_token_is_renewed_on_the_same_number_not_replaced_by_a_new_one() {
        let mut f = healthy();
        f.token = TokenFact::Invalid {
            why: "Error validating access token".into(),
        };
        let c = assess(&f, 0);
        assert_eq!(level(&c, "token"), Level::Fail);
        let fix = c[0].fix.as_deref().unwrap();
        assert!(
            fix.starts_with("renew this number's token: `wabox connect manual --tenant \"Acme\" --phone-number-id 123 --waba-id 456`"),
            "{fix}"
        );
    }

    #[test]
    fn a_missing_subscription_or_queue_fails_with_its_fix() {
        let mut f = healthy();
        f.subscribed = Some(false);
        f.queue = None;
        let c = assess(&f, 0);
        assert_eq!(level(&c, "subscription"), Level::Fail);
        assert_eq!(level(&c, "queue"), Level::Fail);
        assert!(c.iter().all(|c| c.level == Level::Ok || c.fix.is_some()));
    }

    #[test]
    fn a_kapso_number_has_no_meta_token_to_check_but_needs_the_kapso_key() {
        let mut f = healthy();
        f.token = TokenFact::ThroughKapso { api_key_set: true };
        let c = assess(&f, 0);
        assert!(c.iter().all(|c| c.level == Level::Ok), "{c:?}");
        assert!(c[0].detail.contains("Kapso"));
        f.token = TokenFact::ThroughKapso { api_key_set: false };
        let c = assess(&f, 0);
        assert_eq!(level(&c, "token"), Level::Fail);
        assert!(c[0].fix.as_ref().unwrap().contains("[kapso] api_key"));
        f.token = TokenFact::ThroughKapso { api_key_set: true };
        f.state = Ok(NumberMetaState {
            is_on_biz_app: true,
            ..f.state.clone().unwrap()
        });
        let c = assess(&f, 0);
        let coexistence = c.iter().find(|c| c.what == "coexistence").unwrap();
        assert!(coexistence.fix.as_ref().unwrap().contains("connect kapso"));
        f.token = TokenFact::KapsoBroken {
            why: "the token was revoked".into(),
        };
        let c = assess(&f, 0);
        assert_eq!(level(&c, "token"), Level::Fail);
        assert!(
            c[0].fix.as_ref().unwrap().contains("--reconnect 123"),
            "{c:?}"
        );
    }

    #[test]
    fn a_coexistence_number_off_the_business_app_is_a_warning() {
        let mut f = healthy();
        f.stored_coexistence = true;
        assert_eq!(level(&assess(&f, 0), "coexistence"), Level::Warn);
    }

    #[test]
    fn quality_and_status_follow_meta() {
        let mut f = healthy();
        f.state = Ok(NumberMetaState {
            status: Some("PENDING".into()),
            quality_rating: Some("RED".into()),
            ..Default::default()
        });
        let c = assess(&f, 0);
        assert_eq!(level(&c, "status"), Level::Fail);
        assert_eq!(level(&c, "quality"), Level::Fail);
        f.state = Err("Meta did not answer".into());
        assert_eq!(level(&assess(&f, 0), "status"), Level::Unknown);
    }
}
