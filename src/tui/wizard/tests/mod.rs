//! The wizard driven as an admin drives it, with the engine's answers given by hand: a fixed
//! clock, fixed ids, so every screen is a stable snapshot. `navigation.rs`, `signup.rs` and
//! `by_hand.rs` prove the state machine; `screens.rs` snapshots every screen in English and
//! Spanish at 80x24.

mod admin_day;
mod by_hand;
mod demo_by_hand;
mod navigation;
mod screens;
mod signup;

use super::state::Screen;
use super::{Ask, Effect, Tag, Wizard};
use crate::domain::ConnectionKind;
use crate::i18n::wizard::WizardStrings;
use crate::protocol::directory::TenantView;
use crate::protocol::{
    ApiError, ConnectReport, EngineInfo, Request, Response, SignupCandidate, SignupStatus,
    SignupView,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Thursday 26 November 2026, 16:00 UTC.
pub const NOW: i64 = crate::tui::fixtures::NOW;
pub const PUBLIC: &str = "https://inbox.example.com";
pub const TOKEN: &str = "EAA-WIZARD-TOKEN-never-on-screen-7Qx";
pub const PIN: &str = "482913";

/// The wizard as it starts, with the engine's first answers given: a listening engine, two
/// tenants.
pub fn started(lang: &str) -> (Wizard, Vec<Effect>) {
    let (mut w, effects) = Wizard::start(WizardStrings::for_code(lang), NOW, false);
    let rest = answer_all(&mut w, effects, |ask| match ask {
        Ask::Hello => Some(Ok(Response::Hello(EngineInfo {
            version: "0.1.0".into(),
            mode: crate::protocol::EngineMode::Engine,
            data_dir: "/var/lib/wabox".into(),
            user: "root".into(),
            protocol: crate::protocol::PROTOCOL_VERSION,
            role: None,
            clock_offset_seconds: 0,
            token_expires_at: None,
        }))),
        Ask::Tenants => Some(Ok(Response::Tenants(tenants()))),
        Ask::PublicUrl => Some(Ok(Response::Dashboard(Box::new(dashboard_view())))),
        _ => None,
    });
    (w, rest)
}

pub fn wizard(lang: &str) -> Wizard {
    started(lang).0
}

pub fn tenants() -> Vec<TenantView> {
    vec![
        TenantView {
            id: 1,
            name: "Demo Shop".into(),
            numbers: 2,
            created_at: NOW - 86_400,
        },
        TenantView {
            id: 2,
            name: "Tacos Lupita".into(),
            numbers: 0,
            created_at: NOW - 3_600,
        },
    ]
}

pub fn key(w: &mut Wizard, code: KeyCode) -> Vec<Effect> {
    w.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(w: &mut Wizard, c: char) -> Vec<Effect> {
    w.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn type_text(w: &mut Wizard, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| key(w, KeyCode::Char(c)))
        .collect()
}

/// The requests among some effects.
pub fn calls(effects: &[Effect]) -> Vec<(Ask, Request)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(tag, r) => Some((tag.ask, r.clone())),
            _ => None,
        })
        .collect()
}

/// Answers the effects' requests with `answer` (None: left unanswered); returns what the
/// answers led to, plus the effects left unanswered.
pub fn answer_all(
    w: &mut Wizard,
    effects: Vec<Effect>,
    answer: impl Fn(Ask) -> Option<Result<Response, ApiError>>,
) -> Vec<Effect> {
    let mut left = Vec::new();
    for e in effects {
        match &e {
            Effect::Call(tag, _) => match answer(tag.ask) {
                Some(result) => left.extend(w.on_reply(tag.clone(), result)),
                None => left.push(e),
            },
            _ => left.push(e),
        }
    }
    left
}

/// Answers the one request for `ask` among the effects.
pub fn reply(
    w: &mut Wizard,
    effects: &[Effect],
    ask: Ask,
    result: Result<Response, ApiError>,
) -> Vec<Effect> {
    let tag = tag_of(effects, ask);
    w.on_reply(tag, result)
}

pub fn tag_of(effects: &[Effect], ask: Ask) -> Tag {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Call(tag, _) | Effect::ReadFile(tag, _) if tag.ask == ask => Some(tag.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {ask:?} request in {effects:?}"))
}

pub fn render(w: &Wizard) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
    terminal
        .draw(|f| super::view::draw(f, w))
        .expect("draw into the test terminal");
    terminal
}

pub fn text(w: &Wizard) -> String {
    super::runner::buffer_text(render(w).backend().buffer())
}

pub fn screen_name(w: &Wizard) -> &'static str {
    match &w.screen {
        Screen::Tenant(_) => "tenant",
        Screen::Path(_) => "path",
        Screen::Queue(_) => "queue",
        Screen::Kapso(_) => "kapso",
        Screen::Link(_) => "link",
        Screen::Choose(_) => "choose",
        Screen::Pin(_) => "pin",
        Screen::Manual(_) => "manual",
        Screen::Coexistence(_) => "coexistence",
        Screen::History(_) => "history",
        Screen::Import(_) => "import",
        Screen::Dashboard(_) => "dashboard",
        Screen::Summary(_) => "summary",
    }
}

/// Tenant → path (the `n`th) → queue (the first one offered); the effects of the last step.
pub fn to_path(w: &mut Wizard, tenant_row: usize, path_row: usize) -> Vec<Effect> {
    for _ in 0..tenant_row {
        key(w, KeyCode::Down);
    }
    let out = key(w, KeyCode::Enter);
    assert_eq!(screen_name(w), "path", "{out:?}");
    for _ in 0..path_row {
        key(w, KeyCode::Down);
    }
    key(w, KeyCode::Enter)
}

/// Through the queue screen, answering ListQueues with the tenant's one queue.
pub fn through_queue(w: &mut Wizard, effects: Vec<Effect>) -> Vec<Effect> {
    assert_eq!(screen_name(w), "queue");
    let tenant = w.tenant.clone().unwrap_or_default();
    reply(
        w,
        &effects,
        Ask::Queues,
        Ok(Response::Queues(vec![
            queue(&tenant, "Sales"),
            queue("Other", "Elsewhere"),
        ])),
    );
    key(w, KeyCode::Enter)
}

pub fn queue(tenant: &str, name: &str) -> crate::protocol::directory::QueueView {
    crate::protocol::directory::QueueView {
        id: 1,
        tenant: tenant.into(),
        name: name.into(),
        auto_assign: false,
        numbers: Vec::new(),
        agents: vec!["alice".into()],
        conversations: 0,
        waiting: 0,
        hours: None,
        sla_minutes: None,
    }
}

pub fn signup(status: SignupStatus) -> SignupView {
    SignupView {
        id: 7,
        tenant: "Tacos Lupita".into(),
        path: crate::protocol::SignupVia::Meta,
        coexistence: true,
        url: "https://www.facebook.com/v26.0/dialog/oauth?client_id=100000000000042&state=x".into(),
        short_code: "AbCdEfGhJkLm".into(),
        created_by: "root".into(),
        created_at: NOW - 65,
        expires_at: NOW + 1_735,
        status,
        candidates: Vec::new(),
        error: None,
        error_code: None,
        queue: Some("Sales".into()),
        token_expires_at: None,
        number: None,
        report: None,
    }
}

pub fn candidate(pnid: &str, display: &str, name: &str, coexistence: bool) -> SignupCandidate {
    SignupCandidate {
        phone_number_id: pnid.into(),
        waba_id: "131000000000001".into(),
        display_phone: display.into(),
        verified_name: Some(name.into()),
        coexistence,
        status: Some("CONNECTED".into()),
        quality_rating: Some("GREEN".into()),
    }
}

pub fn report(kind: ConnectionKind) -> ConnectReport {
    let mut number = crate::tui::fixtures::number(9, "231000000000002", "14155550142", kind, 0);
    number.tenant = "Tacos Lupita".into();
    number.waba_id = "131000000000002".into();
    number.queue = Some("Sales".into());
    number.token_expires_at = Some(NOW + 60 * 86_400);
    number.connected_via = Some(crate::protocol::ConnectedVia::Meta);
    ConnectReport {
        number,
        renewed: false,
        verified_name: Some("Globex Support".into()),
        status: Some("CONNECTED".into()),
        quality_rating: Some("GREEN".into()),
        subscribed: true,
        templates: 4,
        template_error: None,
        queue: Some("Sales".into()),
    }
}

/// The Dashboard answer that tells the public URL (what short links live on).
pub fn dashboard_view() -> crate::protocol::DashboardView {
    crate::protocol::DashboardView {
        app_id: Some("100000000000042".into()),
        config_id: Some("555000111".into()),
        public_url: Some(PUBLIC.into()),
        public_url_is_loopback: false,
        callback_url: Some(format!("{PUBLIC}/webhook")),
        oauth_redirect_uri: Some(format!("{PUBLIC}/oauth/callback")),
        kapso_success_url: Some(format!("{PUBLIC}/kapso/success")),
        kapso_failure_url: Some(format!("{PUBLIC}/kapso/failed")),
        verify_token: None,
        verify_token_set: true,
        kapso_configured: true,
        handshake: None,
        paths: Vec::new(),
    }
}

/// Meta coexistence for Tacos Lupita, up to the link waiting for the business.
pub fn meta_link(lang: &str, path_row: usize) -> Wizard {
    let mut w = wizard(lang);
    let out = to_path(&mut w, 1, path_row);
    let out = through_queue(&mut w, out);
    assert_eq!(screen_name(&w), "link");
    let mut view = signup(SignupStatus::Waiting);
    view.coexistence = path_row == 0;
    answer_all(&mut w, out, |ask| match ask {
        Ask::Begin => Some(Ok(Response::Signup(Box::new(view.clone())))),
        Ask::PublicUrl => Some(Ok(Response::Dashboard(Box::new(dashboard_view())))),
        _ => None,
    });
    w
}

/// Every buffer text of a wizard drawn in both languages must not hold `secret`.
pub fn assert_never_drawn(w: &Wizard, secret: &str) {
    let shown = text(w);
    assert!(!shown.contains(secret), "{secret} drawn:\n{shown}");
    // Nor any long piece of it (a field cut by the screen's width).
    let piece: String = secret.chars().take(8).collect();
    assert!(
        !shown.contains(&piece),
        "part of the secret drawn:\n{shown}"
    );
}

pub fn err(text: &str) -> Result<Response, ApiError> {
    Err(ApiError::invalid(text))
}
