//! The connect wizard's words, in English and Spanish. One struct per language, as for the
//! inbox: a string missing in one of them is a compile error. Fields with `{}` are filled with
//! `fill`. The reasons a coexistence onboarding waits are here too, for the wizard and for
//! `wabox connect coexistence` alike.

use super::Lang;
use wabox_domain::onboarding::WaitingFor;

mod en;
mod es;
pub use en::EN;
pub use es::ES;

#[derive(Debug)]
pub struct WizardStrings {
    pub lang: Lang,
    pub title: &'static str,
    pub loading: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub english: &'static str,
    pub spanish: &'static str,
    pub not_set: &'static str,
    pub queue_crumb: &'static str,
    // step titles
    pub title_tenant: &'static str,
    pub title_path: &'static str,
    pub title_queue: &'static str,
    pub title_kapso: &'static str,
    pub title_meta_link: &'static str,
    pub title_kapso_link: &'static str,
    pub title_choose: &'static str,
    pub title_pin: &'static str,
    pub title_manual: &'static str,
    pub title_coexistence: &'static str,
    pub title_history: &'static str,
    pub title_import: &'static str,
    pub title_dashboard: &'static str,
    pub title_summary: &'static str,
    // footer
    pub hint_move: &'static str,
    pub hint_choose: &'static str,
    pub hint_back: &'static str,
    pub hint_quit: &'static str,
    pub hint_inbox: &'static str,
    pub hint_next_field: &'static str,
    pub hint_change: &'static str,
    pub hint_create_link: &'static str,
    pub hint_copy: &'static str,
    pub hint_new_link: &'static str,
    pub hint_revoke: &'static str,
    pub hint_register: &'static str,
    pub hint_check: &'static str,
    pub hint_watch_again: &'static str,
    pub hint_summary: &'static str,
    pub hint_another: &'static str,
    pub hint_preview: &'static str,
    pub hint_apply: &'static str,
    pub hint_test: &'static str,
    pub hint_reveal: &'static str,
    pub hint_leave_yes: &'static str,
    pub hint_leave_no: &'static str,
    // leaving
    pub leave_question: &'static str,
    pub leave_question_inbox: &'static str,
    pub leave_link_open: &'static str,
    pub leave_unfinished: &'static str,
    pub leave_coexistence: &'static str,
    pub leave_history: &'static str,
    pub leave_request: &'static str,
    pub link_left_open: &'static str,
    // tenant
    pub tenant_intro: &'static str,
    pub tenant_numbers: &'static str,
    pub tenant_one_number: &'static str,
    pub new_tenant: &'static str,
    /// Under the tenant list: a new tenant is made only when the admin confirms at the end.
    pub tenant_made_later: &'static str,
    /// The header's crumb for a tenant that does not exist yet.
    pub new_tenant_crumb: &'static str,
    pub tenant_name_needed: &'static str,
    // path
    pub path_intro: &'static str,
    pub path_meta_coexistence: &'static str,
    pub path_meta_dedicated: &'static str,
    pub path_kapso: &'static str,
    pub path_coexistence: &'static str,
    pub path_manual: &'static str,
    pub path_import: &'static str,
    pub path_dashboard: &'static str,
    pub about_meta_coexistence: &'static str,
    pub about_meta_dedicated: &'static str,
    pub about_kapso: &'static str,
    pub about_coexistence: &'static str,
    pub about_manual: &'static str,
    pub about_import: &'static str,
    pub about_dashboard: &'static str,
    pub needs_listener: &'static str,
    pub needs_listener_short: &'static str,
    // queue
    pub queue_intro: &'static str,
    pub new_queue: &'static str,
    pub new_queue_default: &'static str,
    /// The import's row for numbers left without a queue.
    pub queue_none: &'static str,
    pub import_queue_intro: &'static str,
    pub import_queue_note: &'static str,
    pub queue_note: &'static str,
    pub queue_name_needed: &'static str,
    // kapso options
    pub kapso_intro: &'static str,
    pub kapso_types: &'static str,
    pub kapso_types_both: &'static str,
    pub kapso_types_coexistence: &'static str,
    pub kapso_types_dedicated: &'static str,
    pub kapso_provision: &'static str,
    pub kapso_provision_note: &'static str,
    pub kapso_country: &'static str,
    pub kapso_country_note: &'static str,
    pub kapso_language: &'static str,
    pub kapso_colour: &'static str,
    pub kapso_colour_note: &'static str,
    pub kapso_reconnect: &'static str,
    pub kapso_reconnect_note: &'static str,
    pub kapso_help: &'static str,
    pub kapso_bad_country: &'static str,
    pub kapso_bad_colour: &'static str,
    // link
    pub link_making: &'static str,
    pub link_not_made: &'static str,
    pub link_retry_hint: &'static str,
    pub link_open_this: &'static str,
    pub link_signup: &'static str,
    pub link_waiting: &'static str,
    pub link_expires: &'static str,
    pub link_coexistence_steps: &'static str,
    pub link_dedicated_next: &'static str,
    pub link_kapso_next: &'static str,
    /// Kapso's link screen: what the business does with the link (not Meta's login).
    pub link_kapso_open_this: &'static str,
    pub qr_too_small: &'static str,
    pub copied: &'static str,
    /// Copied into tmux's paste buffer (and the clipboard where tmux passes it on).
    pub copied_tmux: &'static str,
    /// Sent to the terminal with OSC 52 (nothing tells whether it took it).
    pub copied_osc52: &'static str,
    pub copy_failed: &'static str,
    pub revoked: &'static str,
    pub link_failed: &'static str,
    pub link_expired: &'static str,
    pub link_revoked: &'static str,
    pub link_again_hint: &'static str,
    pub failure_code: &'static str,
    pub meta_user_denied: &'static str,
    pub meta_no_waba: &'static str,
    pub report_missing: &'static str,
    // choose and PIN
    pub choose_intro: &'static str,
    pub choose_note: &'static str,
    pub on_business_app: &'static str,
    pub dedicated_pin: &'static str,
    pub connecting: &'static str,
    pub pin_intro: &'static str,
    pub pin_label: &'static str,
    pub pin_note: &'static str,
    pub pin_six_digits: &'static str,
    pub pin_retry: &'static str,
    pub registering: &'static str,
    // manual
    pub manual_intro: &'static str,
    pub phone_number_id: &'static str,
    pub waba_id: &'static str,
    pub access_token: &'static str,
    pub token_hidden_note: &'static str,
    pub manual_note: &'static str,
    pub manual_coexistence_note: &'static str,
    pub checking_with_meta: &'static str,
    pub bad_phone_number_id: &'static str,
    pub bad_waba_id: &'static str,
    pub token_needed: &'static str,
    // coexistence
    pub coexistence_steps: &'static str,
    pub coexistence_watching: &'static str,
    pub coexistence_countdown: &'static str,
    pub coexistence_next: &'static str,
    pub coexistence_looking: &'static str,
    pub coexistence_last_seen: &'static str,
    pub coexistence_seen: &'static str,
    pub coexistence_nothing_yet: &'static str,
    pub coexistence_confirmed: &'static str,
    pub coexistence_timed_out: &'static str,
    pub waiting_for: fn(WaitingFor) -> &'static str,
    // history
    pub history_connected: &'static str,
    pub history_asking: &'static str,
    pub history_not_asked: &'static str,
    pub history_kind_contacts: &'static str,
    pub history_kind_history: &'static str,
    pub history_asked_ok: &'static str,
    pub history_asked_not: &'static str,
    pub history_waiting: &'static str,
    pub history_declined: &'static str,
    pub history_import: &'static str,
    pub history_phases: &'static str,
    pub history_counts: &'static str,
    /// Fetched, total, failed: the files of the imported messages.
    pub history_files: &'static str,
    pub afterwards_title: &'static str,
    pub afterwards: &'static [&'static str],
    // import
    pub import_intro: &'static str,
    pub import_file: &'static str,
    pub import_path_needed: &'static str,
    pub import_reading: &'static str,
    pub import_would: &'static str,
    pub import_done: &'static str,
    pub import_apply_hint: &'static str,
    pub import_added: &'static str,
    pub import_updated: &'static str,
    pub import_corrected: &'static str,
    pub import_inactive: &'static str,
    pub import_unchanged: &'static str,
    /// Labels once applied (the ones above are what a preview would do).
    pub import_added_done: &'static str,
    pub import_updated_done: &'static str,
    pub import_corrected_done: &'static str,
    /// `{}`: the queue the numbers without one go to.
    pub import_to_queue: &'static str,
    pub import_to_queue_done: &'static str,
    pub import_without_queue: &'static str,
    // dashboard
    pub dashboard_intro: &'static str,
    pub dashboard_webhooks: &'static str,
    pub dashboard_login: &'static str,
    pub dashboard_kapso: &'static str,
    pub callback_url: &'static str,
    pub verify_token: &'static str,
    pub reveal_hint: &'static str,
    pub verify_token_unset: &'static str,
    pub redirect_uri: &'static str,
    pub app_id: &'static str,
    pub config_id: &'static str,
    pub kapso_success: &'static str,
    pub kapso_failure: &'static str,
    pub no_public_url: &'static str,
    pub loopback_warning: &'static str,
    pub handshake_testing: &'static str,
    pub handshake_hint: &'static str,
    // summary
    pub summary_title: &'static str,
    pub summary_renewed: &'static str,
    pub summary_number: &'static str,
    pub summary_tenant: &'static str,
    pub summary_connection: &'static str,
    pub summary_coexistence: &'static str,
    pub summary_dedicated: &'static str,
    pub summary_token: &'static str,
    pub summary_no_token: &'static str,
    pub summary_token_forever: &'static str,
    pub summary_token_expires: &'static str,
    pub summary_token_sealed: &'static str,
    /// A Kapso number: no Meta token of ours, Kapso's key sends for it.
    pub summary_token_kapso: &'static str,
    pub summary_webhooks: &'static str,
    pub summary_subscribed: &'static str,
    pub summary_not_subscribed: &'static str,
    pub summary_templates: &'static str,
    pub summary_templates_synced: &'static str,
    pub summary_templates_failed: &'static str,
    pub summary_queue: &'static str,
    pub summary_queue_is: &'static str,
    pub summary_no_queue: &'static str,
    pub summary_meta: &'static str,
    pub summary_quality: &'static str,
    pub summary_next: &'static str,
}

impl WizardStrings {
    pub fn for_code(code: &str) -> &'static WizardStrings {
        match code {
            "es" => &ES,
            _ => &EN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_are_reachable_and_every_reason_has_words() {
        assert_eq!(WizardStrings::for_code("es").lang, Lang::Es);
        assert_eq!(WizardStrings::for_code("en").lang, Lang::En);
        for w in [
            WaitingFor::CodeExpired,
            WaitingFor::CodeConfirmation,
            WaitingFor::CloudApiMigration,
            WaitingFor::OnPremises,
            WaitingFor::DedicatedNumber,
            WaitingFor::Meta,
        ] {
            assert_ne!((EN.waiting_for)(w), (ES.waiting_for)(w));
        }
        assert!((EN.waiting_for)(WaitingFor::CodeConfirmation).contains("code to be confirmed"));
    }
}
