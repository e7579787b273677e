//! Where a coexistence onboarding stands, read from the number's fields (`GET /{pnid}`), and what
//! to tell the admin. Pure, so every state is tested without Meta.

use serde::{Deserialize, Serialize};

/// The fields of a number that tell how its onboarding goes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NumberState {
    pub display_phone_number: Option<String>,
    pub is_on_biz_app: bool,
    pub platform_type: Option<String>,
    pub status: Option<String>,
    pub code_verification_status: Option<String>,
}

/// Connected, or still waiting, with what is missing in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Onboarding {
    Connected,
    Waiting(String),
}

pub fn assess(s: &NumberState) -> Onboarding {
    let platform = s.platform_type.as_deref().unwrap_or("");
    let code = s.code_verification_status.as_deref().unwrap_or("");
    if s.is_on_biz_app && platform == "CLOUD_API" {
        return Onboarding::Connected;
    }
    Onboarding::Waiting(match (code, platform) {
        ("EXPIRED", _) => {
            "the confirmation code expired: start the onboarding again in Meta's window".into()
        }
        ("NOT_VERIFIED", _) | ("", _) => "waiting for the code to be confirmed in the WhatsApp \
             Business app (Settings → Account → Business platform), or the QR to be scanned"
            .into(),
        (_, "NOT_APPLICABLE") | (_, "") => {
            "the code is confirmed; Meta is still moving the number to the Cloud API".into()
        }
        (_, "ON_PREMISE") => "the number is on the old On-Premises API, not the Cloud API".into(),
        _ if !s.is_on_biz_app => {
            "the number is on the Cloud API but not on the Business app: it is a dedicated \
             number (connect it with `wabox connect manual`)"
                .into()
        }
        _ => "waiting for Meta".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(on_app: bool, platform: &str, code: &str) -> NumberState {
        NumberState {
            is_on_biz_app: on_app,
            platform_type: Some(platform.into()),
            code_verification_status: Some(code.into()),
            ..NumberState::default()
        }
    }

    #[test]
    fn connected_only_on_both_the_app_and_the_cloud_api() {
        assert_eq!(
            assess(&state(true, "CLOUD_API", "VERIFIED")),
            Onboarding::Connected
        );
        assert!(matches!(
            assess(&state(false, "CLOUD_API", "VERIFIED")),
            Onboarding::Waiting(w) if w.contains("dedicated")
        ));
    }

    #[test]
    fn each_waiting_state_says_what_is_missing() {
        let says = |s: NumberState| match assess(&s) {
            Onboarding::Waiting(w) => w,
            Onboarding::Connected => panic!("not connected yet"),
        };
        assert!(
            says(state(false, "NOT_APPLICABLE", "NOT_VERIFIED")).contains("code to be confirmed")
        );
        assert!(says(state(false, "NOT_APPLICABLE", "EXPIRED")).contains("expired"));
        assert!(says(state(true, "NOT_APPLICABLE", "VERIFIED")).contains("still moving"));
        assert!(says(state(false, "ON_PREMISE", "VERIFIED")).contains("On-Premises"));
    }
}
