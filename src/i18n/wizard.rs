//! The connect wizard's words, in English and Spanish. One struct per language, as for the
//! inbox: a string missing in one of them is a compile error. Fields with `{}` are filled with
//! `fill`. The reasons a coexistence onboarding waits are here too, for the wizard and for
//! `wabox connect coexistence` alike.

use super::Lang;
use crate::domain::onboarding::WaitingFor;

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
    pub adding_tenant: &'static str,
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
    pub qr_too_small: &'static str,
    pub copied: &'static str,
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

fn waiting_es(w: WaitingFor) -> &'static str {
    match w {
        WaitingFor::CodeExpired => {
            "el código de confirmación caducó: empieza la incorporación de nuevo en la ventana \
             de Meta"
        }
        WaitingFor::CodeConfirmation => {
            "esperando que se confirme el código en la app WhatsApp Business (Ajustes → \
             Cuenta → Plataforma empresarial), o que se escanee el QR"
        }
        WaitingFor::CloudApiMigration => {
            "el código está confirmado; Meta aún está pasando el número a la Cloud API"
        }
        WaitingFor::OnPremises => {
            "el número está en la antigua API On-Premises, no en la Cloud API"
        }
        WaitingFor::DedicatedNumber => {
            "el número está en la Cloud API pero no en la app Business: es un número dedicado \
             (conéctalo a mano como tal, o con `wabox connect manual`)"
        }
        WaitingFor::Meta => "esperando a Meta",
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
                   tokens, numbers and conversations. Pick one, or type a new one's name.",
    tenant_numbers: "{} numbers",
    tenant_one_number: "1 number",
    new_tenant: "+ New tenant:",
    adding_tenant: "adding the tenant…",
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
    link_kapso_next: "On Kapso's page the business connects its number (or gets a new one); \
                      Kapso sends it back here.",
    qr_too_small: "(a larger terminal shows the QR code)",
    copied: "link copied to the clipboard (where the terminal allows OSC 52)",
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
    import_done: "Imported:",
    import_apply_hint: "Enter imports it; change the path to read another file.",
    import_added: "add",
    import_updated: "update",
    import_corrected: "correct",
    import_inactive: "inactive",
    import_unchanged: "{} unchanged",
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

pub static ES: WizardStrings = WizardStrings {
    lang: Lang::Es,
    title: "Conectar un número",
    loading: "cargando…",
    yes: "sí",
    no: "no",
    english: "inglés",
    spanish: "español",
    not_set: "sin configurar",
    queue_crumb: "cola {}",
    title_tenant: "1 · Qué empresa",
    title_path: "2 · Cómo se conecta",
    title_queue: "3 · Cola",
    title_kapso: "Enlace de Kapso · opciones",
    title_meta_link: "Registro insertado de Meta · enlace para la empresa",
    title_kapso_link: "Enlace de Kapso · enlace para la empresa",
    title_choose: "Elige el número",
    title_pin: "PIN de verificación en dos pasos",
    title_manual: "Entrada manual",
    title_coexistence: "Número en la app WhatsApp Business",
    title_history: "Contactos e historial",
    title_import: "Importar un archivo de conexiones",
    title_dashboard: "Panel de la app de Meta",
    title_summary: "Conectado",
    hint_move: "mover",
    hint_choose: "elegir",
    hint_back: "volver",
    hint_quit: "salir",
    hint_inbox: "bandeja",
    hint_next_field: "siguiente",
    hint_change: "cambiar",
    hint_create_link: "crear enlace",
    hint_copy: "copiar enlace",
    hint_new_link: "enlace nuevo",
    hint_revoke: "revocar",
    hint_register: "registrar",
    hint_check: "comprobar con Meta",
    hint_watch_again: "vigilar de nuevo",
    hint_summary: "resumen",
    hint_another: "conectar otro",
    hint_preview: "leer el archivo",
    hint_apply: "importar",
    hint_test: "probar la verificación",
    hint_reveal: "mostrar/ocultar token",
    hint_leave_yes: "salir",
    hint_leave_no: "quedarse",
    leave_question: "¿Salir del asistente?",
    leave_question_inbox: "¿Volver a la bandeja?",
    leave_link_open: "El enlace del registro {} sigue funcionando hasta que caduque: si la \
                      empresa lo usa, `wabox connect status {}` dice qué pasó.",
    leave_unfinished: "Meta volvió, pero aún no hay ningún número conectado: termínalo después \
                       con `wabox connect finish {}`.",
    leave_coexistence: "wabox deja de vigilar el número: no se guarda nada hasta que esté \
                        conectado.",
    leave_history: "La importación del historial sigue en el motor; el asistente deja de \
                    mostrarla.",
    leave_request: "El motor aún no ha respondido: lo que se le pidió aún puede ocurrir.",
    link_left_open: "el registro {} sigue abierto hasta que caduque su enlace (`wabox connect \
                     revoke {}`)",
    tenant_intro: "¿Para qué empresa es este número? Cada empresa tiene su propia cuenta de \
                   Meta, tokens, números y conversaciones. Elige una o escribe el nombre de \
                   una nueva.",
    tenant_numbers: "{} números",
    tenant_one_number: "1 número",
    new_tenant: "+ Empresa nueva:",
    adding_tenant: "añadiendo la empresa…",
    tenant_name_needed: "escribe el nombre de la empresa nueva, o elige una de arriba",
    path_intro: "¿Cómo se conecta el número de {}?",
    path_meta_coexistence: "Meta · conservar la app WhatsApp Business",
    path_meta_dedicated: "Meta · número dedicado",
    path_kapso: "Enlace de configuración de Kapso",
    path_coexistence: "Número de la app Business, a mano",
    path_manual: "Entrada manual",
    path_import: "Importar un archivo de conexiones",
    path_dashboard: "Ajustes del panel de la app de Meta",
    about_meta_coexistence: "La empresa entra con Facebook; el número sigue en la app del \
                             teléfono.",
    about_meta_dedicated: "La empresa entra con Facebook; un número solo para la API, con su \
                           PIN.",
    about_kapso: "kapso.ai conecta el número (o compra uno) y devuelve sus ids.",
    about_coexistence: "Sus ids y un token; wabox lo vigila hasta que confirme el teléfono.",
    about_manual: "Id del número, id de la WABA y un token, comprobados con Meta.",
    about_import: "Los números de un whatsapp-connections.json.",
    about_dashboard: "Qué poner en la app de Meta: URL de callback, token, redirección.",
    needs_listener: "La empresa vuelve por un enlace al servidor del motor, y no hay ninguno en \
                     marcha: inicia `wabox serve` (o `wabox demo`) y vuelve a `wabox connect`.",
    needs_listener_short: " (necesita `wabox serve`)",
    queue_intro: "¿Qué cola recibe las conversaciones de este número? Los agentes de la cola \
                  las ven en su bandeja.",
    new_queue: "+ Cola nueva:",
    new_queue_default: "(Enter: una cola nueva llamada {})",
    queue_note: "Una cola nueva se crea al conectar el número; añádele agentes con `wabox \
                 agents add USUARIO --queue NOMBRE`.",
    queue_name_needed: "escribe el nombre de la cola nueva, o elige una de arriba",
    kapso_intro: "Lo que la página de configuración de Kapso ofrece a la empresa:",
    kapso_types: "Tipos de conexión",
    kapso_types_both: "app Business o dedicado",
    kapso_types_coexistence: "solo app Business (coexistencia)",
    kapso_types_dedicated: "solo dedicado",
    kapso_provision: "Número nuevo",
    kapso_provision_note: "Kapso compra uno",
    kapso_country: "País",
    kapso_country_note: "del número nuevo (código ISO)",
    kapso_language: "Idioma de la página",
    kapso_colour: "Color",
    kapso_colour_note: "#RRGGBB, opcional",
    kapso_help: "↑↓ mueve, ←→ o Espacio cambia una opción, Enter crea el enlace (sirve una \
                 vez, durante 30 días).",
    kapso_bad_country: "el país es un código ISO de dos letras, como US o MX",
    kapso_bad_colour: "el color se escribe #RRGGBB, como #25D366 (o se deja vacío)",
    link_making: "Creando el enlace…",
    link_not_made: "El motor no creó el enlace:",
    link_retry_hint: "r lo intenta de nuevo · Esc vuelve para elegir otra forma",
    link_open_this: "Envía este enlace a la empresa, o que escanee el código con su teléfono: \
                     entra y comparte su cuenta de WhatsApp.",
    link_signup: "Registro {} · {}",
    link_waiting: "Esperando a la empresa… {}",
    link_expires: "Sirve una vez y caduca en {}.",
    link_coexistence_steps: "Cuando la ventana de Meta lo pida, en el teléfono: abre la app \
                             WhatsApp Business, confirma el código o escanea el QR que muestra \
                             (Ajustes → Cuenta → Plataforma empresarial) y elige si compartir \
                             el historial.",
    link_dedicated_next: "Cuando la empresa vuelva, elige aquí el número y escribe su PIN de \
                          verificación en dos pasos.",
    link_kapso_next: "En la página de Kapso la empresa conecta su número (o recibe uno nuevo); \
                      Kapso lo devuelve aquí.",
    qr_too_small: "(una terminal más grande muestra el código QR)",
    copied: "enlace copiado al portapapeles (si la terminal admite OSC 52)",
    revoked: "revocado: nadie puede volver por ese enlace",
    link_failed: "La empresa volvió, pero no se conectó ningún número",
    link_expired: "El enlace caducó antes de que nadie lo usara",
    link_revoked: "El enlace fue revocado",
    link_again_hint: "r crea un enlace nuevo para la misma empresa y opciones · Esc vuelve",
    failure_code: "código: {}",
    meta_user_denied: "La empresa canceló el inicio de sesión con Facebook o no concedió los \
                       permisos. Envía un enlace nuevo y pídele que acepte cada paso.",
    meta_no_waba: "No se compartió ninguna cuenta de WhatsApp Business: la empresa debe elegir \
                   (o crear) una en la ventana de Meta. Envía un enlace nuevo.",
    report_missing: "conectado, pero el motor no envió el informe: `wabox numbers list` lo \
                     muestra",
    choose_intro: "Meta compartió estos números con wabox. ¿Cuál se conecta a {}?",
    choose_note: "Un número de la app Business se conecta enseguida; uno dedicado pide su PIN \
                  de verificación en dos pasos.",
    on_business_app: "en la app Business",
    dedicated_pin: "dedicado (PIN)",
    connecting: "Conectando: suscribiendo la app a su cuenta, sincronizando plantillas…",
    pin_intro: "{} es un número dedicado: Meta lo registra para la Cloud API con su PIN de \
                verificación en dos pasos (6 cifras; WhatsApp Manager → Números de teléfono).",
    pin_label: "PIN",
    pin_note: "Va a Meta una sola vez; nunca se muestra ni se guarda. Meta permite 10 intentos \
               en 72 horas.",
    pin_six_digits: "el PIN tiene 6 cifras",
    pin_retry: "Escribe el PIN de nuevo (Esc: volver).",
    registering: "Registrando el número en Meta y conectándolo…",
    manual_intro: "Los identificadores del número (WhatsApp Manager → Números de teléfono, o \
                   la configuración de la API en el panel de la app) y un token de acceso que \
                   gestione su cuenta de WhatsApp.",
    phone_number_id: "Id del número",
    waba_id: "Id de la WABA",
    access_token: "Token de acceso",
    token_hidden_note: "(oculto; pégalo)",
    manual_note: "wabox consulta el número a Meta con este token antes de guardar nada; el \
                  token se sella y no se vuelve a mostrar.",
    manual_coexistence_note: "Después wabox vigila el número cada 5 segundos hasta que el \
                              teléfono confirme; antes no se guarda nada. El token nunca se \
                              muestra.",
    checking_with_meta: "Comprobando con Meta…",
    bad_phone_number_id: "el id del número es el de Meta: solo cifras (WhatsApp Manager → \
                          Números de teléfono)",
    bad_waba_id: "el id de la WABA es el de Meta: solo cifras",
    token_needed: "hace falta un token de acceso",
    coexistence_steps: "Conecta un número que sigue en la app WhatsApp Business:\n\
                        1. En el teléfono, abre la app WhatsApp Business (2.24.17 o posterior).\n\
                        2. En la ventana de incorporación de Meta, escribe el número; WhatsApp \
                        muestra un código o un QR.\n\
                        3. En la app: Ajustes → Cuenta → Plataforma empresarial, confirma el \
                        código o escanea el QR.\n\
                        4. Elige si compartir el historial de chats (hasta 180 días; sin los \
                        grupos).",
    coexistence_watching: "Vigilando el número {}",
    coexistence_countdown: "{} · {} consultas hasta ahora · quedan {}",
    coexistence_next: "próxima consulta en {} s",
    coexistence_looking: "consultando ahora",
    coexistence_last_seen: "Último estado:",
    coexistence_seen: "status {} · plataforma {} · código {} · en la app Business: {}",
    coexistence_nothing_yet: "Aún no se ha visto nada.",
    coexistence_confirmed: "✓ El teléfono confirmó: conectando el número…",
    coexistence_timed_out: "✗ No se conectó en {}: {}. r vigila de nuevo; Esc vuelve.",
    waiting_for: waiting_es,
    history_connected: "✓ +{} está conectado y sigue en la app WhatsApp Business.",
    history_asking: "Pidiendo a Meta los contactos y el historial de chats (una vez cada uno)…",
    history_not_asked: "No se pidieron los contactos ni el historial: {}",
    history_kind_contacts: "Contactos",
    history_kind_history: "Historial",
    history_asked_ok: "{}: pedido (solicitud {})",
    history_asked_not: "{}: no pedido: {}",
    history_waiting: "Esperando que llegue el historial…",
    history_declined: "Sin historial: {}",
    history_import: "Importación del historial",
    history_phases: "hoy {} · hasta 90 días {} · hasta 180 días {}",
    history_counts: "mensajes importados: {} · partes: {}",
    afterwards_title: "Qué cambia para la empresa:",
    afterwards: &[
        "Los mensajes enviados desde la app del teléfono aparecen en wabox como \"enviado \
         desde el teléfono\" (ecos); nunca abren ni amplían la ventana de 24 horas.",
        "Hay que abrir la app en el teléfono cada par de semanas, o la conexión puede caerse.",
        "El envío está limitado a 20 mensajes por segundo; grupos, listas de difusión y \
         llamadas siguen en la app.",
    ],
    import_intro: "Números de un whatsapp-connections.json, para {} (cada uno por el id de \
                   número de Meta; los tokens se sellan).",
    import_file: "Archivo:",
    import_path_needed: "escribe la ruta del archivo",
    import_reading: "Leyendo…",
    import_would: "Importarlo haría:",
    import_done: "Importado:",
    import_apply_hint: "Enter lo importa; cambia la ruta para leer otro archivo.",
    import_added: "añadir",
    import_updated: "actualizar",
    import_corrected: "corregir",
    import_inactive: "inactivo",
    import_unchanged: "{} sin cambios",
    import_without_queue: "⚠ +{} ({}) no tiene cola: sus conversaciones no llegan a nadie",
    dashboard_intro: "Qué poner en el panel de la app de Meta (developers.facebook.com → tu \
                      app), una vez para todas las empresas:",
    dashboard_webhooks: "WhatsApp → Configuración",
    dashboard_login: "Inicio de sesión con Facebook para empresas → Configuración",
    dashboard_kapso: "Kapso (redirecciones del enlace)",
    callback_url: "URL de callback",
    verify_token: "Token de verif.",
    reveal_hint: "(v lo muestra)",
    verify_token_unset: "sin configurar: [meta] verify_token o WABOX_VERIFY_TOKEN",
    redirect_uri: "URI de redirec.",
    app_id: "Id de la app",
    config_id: "Id de config.",
    kapso_success: "URL de éxito",
    kapso_failure: "URL de fallo",
    no_public_url: "No hay URL pública: configura [webhook] public_url con la dirección HTTPS \
                    que llega al motor.",
    loopback_warning: "[webhook] public_url no está configurada: esta dirección local solo la \
                       alcanza un navegador de esta máquina, y Meta no puede.",
    handshake_testing: "Probando la verificación de Meta…",
    handshake_hint: "t prueba la verificación de Meta a través de la URL pública.",
    summary_title: "+{} está conectado a {}",
    summary_renewed: "Ya era de esta empresa: su token se renovó y se conservan sus \
                      conversaciones.",
    summary_number: "Número",
    summary_tenant: "Empresa",
    summary_connection: "Conexión",
    summary_coexistence: "sigue en la app WhatsApp Business (coexistencia)",
    summary_dedicated: "dedicado (solo Cloud API)",
    summary_token: "Token",
    summary_no_token: "no hay ninguno guardado: no puede enviar",
    summary_token_forever: "sellado; no caduca",
    summary_token_expires: "sellado; caduca en {} (wabox avisa antes)",
    summary_token_sealed: "sellado",
    summary_webhooks: "Webhooks",
    summary_subscribed: "la app principal recibe los webhooks de su cuenta",
    summary_not_subscribed: "sin suscripción: `wabox doctor` dice cómo arreglarlo",
    summary_templates: "Plantillas",
    summary_templates_synced: "{} sincronizadas",
    summary_templates_failed: "sin sincronizar: {}",
    summary_queue: "Cola",
    summary_queue_is: "{} (sus agentes ven las conversaciones)",
    summary_no_queue: "ninguna: sus conversaciones no llegan a nadie",
    summary_meta: "Meta dice",
    summary_quality: "calidad {}",
    summary_next: "Los mensajes de los clientes a este número llegan ahora a la bandeja.",
};

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
