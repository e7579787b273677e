//! The wizard in English.

use super::WizardStrings;
use crate::Lang;
use wabox_domain::onboarding::WaitingFor;

fn waiting_en(w: WaitingFor) -> &'static str {
    match w {
        WaitingFor::CodeExpired => {
            "the confirmation code expired: start the onboarding again in Meta's window"
        }
        WaitingFor::CodeConfirmation => {
            "waiting for the code to be confirmed in the WhatsApp Business app (Settings → \
             Account → Business platform), or the QR to be scanned"
        }
        WaitingFor::CloudApiMigration => {
            "the code is confirmed; Meta is still moving the number to the Cloud API"
        }
        WaitingFor::OnPremises => "the number is on the old On-Premises API, not the Cloud API",
        WaitingFor::DedicatedNumber => {
            "the number is on the Cloud API but not on the Business app: it is a dedicated \
             number (connect it by hand as one, or with `wabox connect manual`)"
        }
        WaitingFor::Meta => "waiting for Meta",
    }
}

pub static EN: WizardStrings = WizardStrings {
    lang: Lang::En,
    title: "Connect a number",
    loading: "loading…",
    yes: "yes",
    no: "no",
    english: "English",
    spanish: "Spanish",
    not_set: "not set",
    queue_crumb: "queue {}",
    title_tenant: "1 · Which business",
    title_path: "2 · How it connects",
    title_queue: "3 · Queue",
    title_kapso: "Kapso setup link · options",
    title_meta_link: "Meta Embedded Signup · link for the business",
    title_kapso_link: "Kapso setup link · link for the business",
    title_choose: "Pick the number",
    title_pin: "Two-step verification PIN",
    title_manual: "Manual entry",
    title_coexistence: "Number on the WhatsApp Business app",
    title_history: "Contacts and history",
    title_import: "Import a connections file",
    title_dashboard: "Meta App Dashboard",
    title_summary: "Connected",
    hint_move: "move",
    hint_choose: "choose",
    hint_back: "back",
    hint_quit: "quit",
    hint_inbox: "inbox",
    hint_next_field: "next field",
    hint_change: "change",
    hint_create_link: "make the link",
    hint_copy: "copy link",
    hint_new_link: "new link",
    hint_revoke: "revoke",
    hint_register: "register",
    hint_check: "check with Meta",
    hint_watch_again: "watch again",
    hint_summary: "summary",
    hint_another: "connect another",
    hint_preview: "read the file",
    hint_apply: "import",
    hint_test: "test the handshake",
    hint_reveal: "show/hide verify token",
    hint_leave_yes: "leave",
    hint_leave_no: "stay",
    leave_question: "Leave the wizard?",
    leave_question_inbox: "Back to the inbox?",
    leave_link_open: "Signup {}'s link keeps working until it expires: if the business uses it, \
                      `wabox connect status {}` tells what happened.",
    leave_unfinished: "Meta came back, but no number is connected yet: finish it later with \
                       `wabox connect finish {}`.",
    leave_coexistence: "wabox stops watching the number: nothing is stored until it is \
                        connected.",
    leave_history: "The history import goes on in the engine; the wizard stops showing it.",
    leave_request: "The engine has not answered yet: what it was asked to do may still happen.",
    link_left_open: "signup {} stays open until its link expires (`wabox connect revoke {}`)",
    tenant_intro: "Which business is this number for? Each tenant has its own Meta account, \
                   tokens, numbers and conversations. Pick one, or go down to the last row and type a new one's name.",
    tenant_numbers: "{} numbers",
    tenant_one_number: "1 number",
    new_tenant: "+ New tenant:",
    tenant_made_later: "A new tenant is made only when its number is connected (or its link \
                        made), never before.",
    new_tenant_crumb: "{} (new)",
    tenant_name_needed: "type the new tenant's name (the business's), or pick one above",
    path_intro: "How does {}'s number connect?",
    path_meta_coexistence: "Meta · keep the WhatsApp Business app",
    path_meta_dedicated: "Meta · dedicated number",
    path_kapso: "Kapso setup link",
    path_coexistence: "Business app number, by hand",
    path_manual: "Manual entry",
    path_import: "Import a connections file",
    path_dashboard: "Meta App Dashboard settings",
    about_meta_coexistence: "The business logs in with Facebook; the number stays on the phone app.",
    about_meta_dedicated: "The business logs in with Facebook; an API-only number, with its PIN.",
    about_kapso: "kapso.ai connects the number (or buys one) and hands its ids back.",
    about_coexistence: "Its ids and a token; wabox watches it until the phone confirms.",
    about_manual: "Phone number id, WABA id and a token, checked with Meta.",
    about_import: "The numbers of a whatsapp-connections.json.",
    about_dashboard: "What to enter in Meta's app: callback URL, verify token, redirect.",
    needs_listener: "The business comes back through a link to the engine's listener, and none \
                     runs: start `wabox serve` (or `wabox demo`), then `wabox connect` again.",
    needs_listener_short: " (needs `wabox serve`)",
    queue_intro: "Which queue receives this number's conversations? The queue's agents see \
                  them in their inbox.",
    new_queue: "+ New queue:",
    new_queue_default: "(Enter: a new queue named {})",
    queue_none: "No queue for now (assign one later)",
    import_queue_intro: "Which queue receives the imported numbers' conversations? Numbers \
                         already in a queue keep theirs.",
    import_queue_note: "Without a queue their conversations reach no agent until you assign \
                        one: `wabox queues assign NUMBER QUEUE`.",
    queue_note: "A new queue is created when the number connects; add agents to it with \
                 `wabox agents add USER --queue NAME`.",
    queue_name_needed: "type the new queue's name, or pick one above",
    kapso_intro: "What Kapso's setup page offers the business:",
    kapso_types: "Connection types",
    kapso_types_both: "Business app or dedicated",
    kapso_types_coexistence: "Business app only (coexistence)",
    kapso_types_dedicated: "dedicated only",
    kapso_provision: "New number",
    kapso_provision_note: "Kapso buys one",
    kapso_country: "Country",
    kapso_country_note: "of the new number (ISO code)",
    kapso_language: "Page language",
    kapso_colour: "Colour",
    kapso_colour_note: "#RRGGBB, optional",
    kapso_reconnect: "Reconnect number",
    kapso_reconnect_note: "id or +number of a broken one; empty: new",
    kapso_help: "↑↓ moves, ←→ or Space changes a choice, Enter makes the link (it works once, \
                 for 30 days).",
    kapso_bad_country: "the country is a two-letter ISO code, like US or MX",
    kapso_bad_colour: "the colour is written #RRGGBB, like #25D366 (or left empty)",
    link_making: "Making the link…",
    link_not_made: "The engine did not make the link:",
    link_retry_hint: "r tries again · Esc goes back to choose another way",
    link_open_this: "Send this link to the business, or let them scan the code with their \
                     phone: they log in and share their WhatsApp account.",
    link_signup: "Signup {} · {}",
    link_waiting: "Waiting for the business… {}",
    link_expires: "It works once and expires in {}.",
    link_coexistence_steps: "When Meta's window asks, on the phone: open the WhatsApp Business \
                             app, confirm the code or scan the QR it shows (Settings → Account \
                             → Business platform), and choose whether to share the history.",
    link_dedicated_next: "When the business comes back, pick the number here and type its \
                          two-step verification PIN.",
    link_kapso_next: "When they finish, Kapso sends them back here and the number is \
                      connected on its own: this screen follows it.",
    link_kapso_open_this: "Send this link to the business, or let them scan the code with \
                           their phone: it opens Kapso's setup page, where they connect their \
                           WhatsApp number (or get a new one from Kapso).",
    qr_too_small: "(a larger terminal shows the QR code)",
    copied: "Link copied to the clipboard ({}).",
    copied_tmux: "Link copied to tmux's buffer (prefix ] pastes it).",
    copied_osc52: "Link sent by OSC 52; if your terminal refused it, select it above.",
    copy_failed: "Could not copy the link ({}): select it above.",
    revoked: "revoked: nobody can come back through that link",
    link_failed: "The business came back, but no number was connected",
    link_expired: "The link expired before anyone used it",
    link_revoked: "The link was revoked",
    link_again_hint: "r makes a new link for the same business and choices · Esc goes back",
    failure_code: "code: {}",
    meta_user_denied: "The business cancelled the Facebook login or did not grant the \
                       permissions. Send a new link and ask them to accept every step.",
    meta_no_waba: "No WhatsApp Business account was shared: the business must pick (or \
                   create) one in Meta's window. Send a new link.",
    report_missing: "connected, but the engine sent no report: `wabox numbers list` shows it",
    choose_intro: "Meta shared these numbers with wabox. Which one connects to {}?",
    choose_note: "A number on the Business app connects at once; a dedicated one asks for its \
                  two-step verification PIN.",
    on_business_app: "on the Business app",
    dedicated_pin: "dedicated (PIN)",
    connecting: "Connecting: subscribing the app to its account, syncing templates…",
    pin_intro: "{} is a dedicated number: Meta registers it for the Cloud API with its \
                two-step verification PIN (6 digits; WhatsApp Manager → Phone numbers).",
    pin_label: "PIN",
    pin_note: "It goes to Meta once; it is never shown or stored. Meta allows 10 tries in 72 \
               hours.",
    pin_six_digits: "the PIN is 6 digits",
    pin_retry: "Type the PIN again (Esc: back).",
    registering: "Registering the number with Meta and connecting it…",
    manual_intro: "The number's ids (WhatsApp Manager → Phone numbers, or the App Dashboard's \
                   API Setup) and an access token that manages its WhatsApp account.",
    phone_number_id: "Phone number id",
    waba_id: "WABA id",
    access_token: "Access token",
    token_hidden_note: "(hidden; paste it)",
    manual_note: "wabox asks Meta about the number with this token before anything is stored; \
                  the token is sealed and never shown again.",
    manual_coexistence_note: "Then wabox watches the number every 5 seconds until the phone \
                              confirms; nothing is stored before. The token is never shown.",
    checking_with_meta: "Checking with Meta…",
    bad_phone_number_id: "the phone number id is Meta's: digits only (WhatsApp Manager → Phone \
                          numbers)",
    bad_waba_id: "the WABA id is Meta's: digits only",
    token_needed: "an access token is needed",
    coexistence_steps: "Connect a number that stays on the WhatsApp Business app:\n\
                        1. On the phone, open the WhatsApp Business app (2.24.17 or newer).\n\
                        2. In Meta's onboarding window, enter the number; WhatsApp shows a code \
                        or a QR.\n\
                        3. In the app: Settings → Account → Business platform, confirm the code \
                        or scan the QR.\n\
                        4. Choose whether to share the chat history (up to 180 days; group \
                        chats are not included).",
    coexistence_watching: "Watching number {}",
    coexistence_countdown: "{} · {} looks so far · {} left",
    coexistence_next: "next look in {} s",
    coexistence_looking: "looking now",
    coexistence_last_seen: "Last seen:",
    coexistence_seen: "status {} · platform {} · code {} · on the Business app: {}",
    coexistence_nothing_yet: "Nothing seen yet.",
    coexistence_confirmed: "✓ The phone confirmed: connecting the number…",
    coexistence_timed_out: "✗ Not connected within {}: {}. r watches again; Esc goes back.",
    waiting_for: waiting_en,
    history_connected: "✓ +{} is connected and stays on the WhatsApp Business app.",
    history_asking: "Asking Meta for the contacts and the chat history (once each)…",
    history_not_asked: "The contacts and history were not asked for: {}",
    history_kind_contacts: "Contacts",
    history_kind_history: "History",
    history_asked_ok: "{}: asked for (request {})",
    history_asked_not: "{}: not asked: {}",
    history_waiting: "Waiting for the history to arrive…",
    history_declined: "No history: {}",
    history_import: "History import",
    history_phases: "today {} · up to 90 days {} · up to 180 days {}",
    history_counts: "messages imported: {} · chunks: {}",
    history_files: "files: {} of {} fetched · {} failed (live customers' files go first)",
    afterwards_title: "What changes for the business:",
    afterwards: &[
        "Messages sent from the phone app appear in wabox as \"sent from phone\" (echoes); \
         they never open or extend the 24-hour window.",
        "The app must be opened on the phone every couple of weeks, or the link can drop.",
        "Sending is limited to 20 messages a second; groups, broadcast lists and calls stay in \
         the app.",
    ],
    import_intro: "Numbers from a whatsapp-connections.json, into {} (each matched by Meta's \
                   phone number id; tokens are sealed).",
    import_file: "File:",
    import_path_needed: "type the path of the file",
    import_reading: "Reading…",
    import_would: "Importing it would:",
    import_done: "Imported. What changed:",
    import_apply_hint: "Enter imports it; change the path to read another file.",
    import_added: "add",
    import_updated: "update",
    import_corrected: "correct",
    import_inactive: "inactive",
    import_unchanged: "{} unchanged",
    import_added_done: "added",
    import_updated_done: "updated",
    import_corrected_done: "corrected",
    import_to_queue: "to queue {}",
    import_to_queue_done: "queue {}",
    import_without_queue: "⚠ +{} ({}) has no queue: its conversations reach no agent",
    dashboard_intro: "What to enter in Meta's App Dashboard (developers.facebook.com → your \
                      app) once for all tenants:",
    dashboard_webhooks: "WhatsApp → Configuration",
    dashboard_login: "Facebook Login for Business → Settings",
    dashboard_kapso: "Kapso (setup link redirects)",
    callback_url: "Callback URL",
    verify_token: "Verify token",
    reveal_hint: "(v shows it)",
    verify_token_unset: "not set: [meta] verify_token or WABOX_VERIFY_TOKEN",
    redirect_uri: "Redirect URI",
    app_id: "App id",
    config_id: "Configuration id",
    kapso_success: "Success URL",
    kapso_failure: "Failure URL",
    no_public_url: "No public URL: set [webhook] public_url to the HTTPS address that reaches \
                    the engine.",
    loopback_warning: "[webhook] public_url is not set: this loopback address only reaches a \
                       browser on this machine, and Meta cannot reach it.",
    handshake_testing: "Trying Meta's handshake…",
    handshake_hint: "t tries Meta's handshake through the public URL.",
    summary_title: "+{} is connected to {}",
    summary_renewed: "It was already this tenant's: its token was renewed, its conversations \
                      kept.",
    summary_number: "Number",
    summary_tenant: "Tenant",
    summary_connection: "Connection",
    summary_coexistence: "stays on the WhatsApp Business app (coexistence)",
    summary_dedicated: "dedicated (Cloud API only)",
    summary_token: "Token",
    summary_no_token: "none stored: it cannot send",
    summary_token_forever: "sealed; it does not expire",
    summary_token_expires: "sealed; it expires in {} (wabox warns before)",
    summary_token_sealed: "sealed",
    summary_token_kapso: "none here: Kapso holds it; wabox sends with the Kapso API key",
    summary_webhooks: "Webhooks",
    summary_subscribed: "the master app receives its account's webhooks",
    summary_not_subscribed: "not subscribed: `wabox doctor` says how to fix it",
    summary_templates: "Templates",
    summary_templates_synced: "{} synced",
    summary_templates_failed: "not synced: {}",
    summary_queue: "Queue",
    summary_queue_is: "{} (its agents see the conversations)",
    summary_no_queue: "none: its conversations reach no agent",
    summary_meta: "Meta says",
    summary_quality: "quality {}",
    summary_next: "Customers' messages to this number now arrive in the inbox.",
};
