//! Where a coexistence onboarding stands, read from the number's fields (`GET /{pnid}`), and what
//! is still missing. Pure, so every state is tested without Meta; the words for each reason are in
//! `i18n::wizard` (English and Spanish), shared by `wabox connect coexistence` and the wizard.

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

/// Connected, or still waiting for something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Onboarding {
    Connected,
    Waiting(WaitingFor),
}

/// What a coexistence onboarding still waits for (or why it cannot finish).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitingFor {
    /// The confirmation code expired: the onboarding must start again in Meta's window.
    CodeExpired,
    /// The code has not been confirmed in the Business app (or the QR not scanned) yet.
    CodeConfirmation,
    /// The code is confirmed; Meta is still moving the number to the Cloud API.
    CloudApiMigration,
    /// The number is on the old On-Premises API.
    OnPremises,
    /// On the Cloud API but not on the Business app: a dedicated number.
    DedicatedNumber,
    /// Nothing in the fields explains it: Meta has not finished.
    Meta,
}

pub fn assess(s: &NumberState) -> Onboarding {
    let platform = s.platform_type.as_deref().unwrap_or("");
    let code = s.code_verification_status.as_deref().unwrap_or("");
    if s.is_on_biz_app && platform == "CLOUD_API" {
        return Onboarding::Connected;
    }
    Onboarding::Waiting(match (code, platform) {
        ("EXPIRED", _) => WaitingFor::CodeExpired,
        ("NOT_VERIFIED", _) | ("", _) => WaitingFor::CodeConfirmation,
        (_, "NOT_APPLICABLE") | (_, "") => WaitingFor::CloudApiMigration,
        (_, "ON_PREMISE") => WaitingFor::OnPremises,
        _ if !s.is_on_biz_app => WaitingFor::DedicatedNumber,
        _ => WaitingFor::Meta,
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
        assert_eq!(
            assess(&state(false, "CLOUD_API", "VERIFIED")),
            Onboarding::Waiting(WaitingFor::DedicatedNumber)
        );
    }

    #[test]
    fn each_waiting_state_says_what_is_missing() {
        let waits = |s: NumberState| match assess(&s) {
            Onboarding::Waiting(w) => w,
            Onboarding::Connected => panic!("not connected yet"),
        };
        assert_eq!(
            waits(state(false, "NOT_APPLICABLE", "NOT_VERIFIED")),
            WaitingFor::CodeConfirmation
        );
        assert_eq!(waits(NumberState::default()), WaitingFor::CodeConfirmation);
        assert_eq!(
            waits(state(false, "NOT_APPLICABLE", "EXPIRED")),
            WaitingFor::CodeExpired
        );
        assert_eq!(
            waits(state(true, "NOT_APPLICABLE", "VERIFIED")),
            WaitingFor::CloudApiMigration
        );
        assert_eq!(
            waits(state(false, "ON_PREMISE", "VERIFIED")),
            WaitingFor::OnPremises
        );
        assert_eq!(
            waits(state(true, "ON_PREMISE", "VERIFIED")),
            WaitingFor::OnPremises
        );
    }
}
