//! Every screen of the wizard at 80x24, in English and Spanish, as insta snapshots.

use super::*;
use crate::domain::onboarding::NumberState;
use crate::protocol::HistoryProgressView;

const LANGS: [&str; 2] = ["en", "es"];

/// `name@en.snap` and `name@es.snap` for the same screen.
fn snap(name: &str, lang: &str, w: &Wizard) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_suffix(lang);
    settings.set_prepend_module_to_snapshot(false);
    let terminal = render(w);
    settings.bind(|| insta::assert_snapshot!(name, terminal.backend()));
}

fn each(name: &str, build: impl Fn(&str) -> Wizard) {
    for lang in LANGS {
        let w = build(lang);
        snap(name, lang, &w);
    }
}

#[test]
fn tenant_screen() {
    each("wizard_tenant", |lang| {
        let mut w = wizard(lang);
        key(&mut w, KeyCode::Tab);
        type_text(&mut w, "Globex");
        w
    });
}

#[test]
fn path_screen() {
    each("wizard_path", |lang| {
        let mut w = wizard(lang);
        key(&mut w, KeyCode::Down);
        key(&mut w, KeyCode::Enter);
        w
    });
}

#[test]
fn queue_screen() {
    each("wizard_queue", |lang| {
        let mut w = wizard(lang);
        let out = to_path(&mut w, 1, 0);
        reply(
            &mut w,
            &out,
            Ask::Queues,
            Ok(Response::Queues(vec![
                queue("Tacos Lupita", "Ventas"),
                queue("Tacos Lupita", "Soporte"),
            ])),
        );
        w
    });
}

#[test]
fn kapso_options_screen() {
    each("wizard_kapso_options", |lang| {
        let mut w = wizard(lang);
        let out = to_path(&mut w, 1, 2);
        through_queue(&mut w, out);
        key(&mut w, KeyCode::Down);
        key(&mut w, KeyCode::Char(' '));
        w
    });
}

#[test]
fn meta_link_with_its_qr_code() {
    each("wizard_meta_link_qr", |lang| meta_link(lang, 0));
}

#[test]
fn meta_link_for_a_dedicated_number() {
    each("wizard_meta_link_dedicated", |lang| meta_link(lang, 1));
}

fn kapso_link(lang: &str, answer: Result<Response, ApiError>) -> Wizard {
    let mut w = wizard(lang);
    let out = to_path(&mut w, 1, 2);
    through_queue(&mut w, out);
    let out = key(&mut w, KeyCode::Enter);
    answer_all(&mut w, out, |ask| match ask {
        Ask::Begin => Some(answer.clone()),
        Ask::PublicUrl => Some(Ok(Response::Dashboard(Box::new(dashboard_view())))),
        _ => None,
    });
    w
}

#[test]
fn kapso_link_waiting() {
    each("wizard_kapso_link", |lang| {
        let mut view = signup(SignupStatus::Waiting);
        view.path = crate::protocol::SignupVia::Kapso;
        view.url = "https://app.kapso.ai/whatsapp/setup/sl_8f2a".into();
        view.expires_at = NOW + 30 * 86_400;
        kapso_link(lang, Ok(Response::Signup(Box::new(view))))
    });
}

#[test]
fn kapso_failure_explained() {
    each("wizard_kapso_failed", |lang| {
        let mut view = signup(SignupStatus::Failed);
        view.path = crate::protocol::SignupVia::Kapso;
        view.error = Some("(the engine's English words)".into());
        view.error_code = Some("phone_verification_failed".into());
        kapso_link(lang, Ok(Response::Signup(Box::new(view))))
    });
}

#[test]
fn link_the_engine_refused_to_make() {
    each("wizard_link_refused", |lang| {
        kapso_link(lang, err("Kapso setup links are not available yet"))
    });
}

fn came_back(lang: &str, candidates: Vec<crate::protocol::SignupCandidate>) -> Wizard {
    let mut w = meta_link(lang, 0);
    let poll = w.on_tick(NOW);
    let mut back = signup(SignupStatus::Choose);
    back.candidates = candidates;
    reply(
        &mut w,
        &poll,
        Ask::Poll,
        Ok(Response::Signup(Box::new(back))),
    );
    w
}

#[test]
fn choose_among_the_numbers_meta_shared() {
    each("wizard_choose", |lang| {
        came_back(
            lang,
            vec![
                candidate("231000000000001", "5215540001111", "Tacos Lupita", true),
                candidate("231000000000002", "14155550142", "Globex Support", false),
            ],
        )
    });
}

#[test]
fn pin_typed_hidden_after_a_wrong_one() {
    each("wizard_pin", |lang| {
        let mut w = came_back(
            lang,
            vec![candidate(
                "231000000000002",
                "14155550142",
                "Globex Support",
                false,
            )],
        );
        type_text(&mut w, PIN);
        let out = key(&mut w, KeyCode::Enter);
        reply(
            &mut w,
            &out,
            Ask::Finish,
            err(
                "Meta did not register +14155550142 with that PIN: (#133005) Two step verification PIN Mismatch (Meta allows 10 tries in 72 hours)",
            ),
        );
        type_text(&mut w, "1234");
        w
    });
}

fn manual_typed(lang: &str, path_row: usize) -> Wizard {
    let mut w = wizard(lang);
    let out = to_path(&mut w, 1, path_row);
    through_queue(&mut w, out);
    type_text(&mut w, "231000000000002");
    key(&mut w, KeyCode::Enter);
    type_text(&mut w, "131000000000002");
    key(&mut w, KeyCode::Enter);
    w.on_paste(TOKEN);
    w
}

#[test]
fn manual_entry_with_the_token_hidden() {
    for lang in LANGS {
        let w = manual_typed(lang, 4);
        assert_never_drawn(&w, TOKEN);
        snap("wizard_manual", lang, &w);
    }
}

fn watching(lang: &str, at: i64, seen: NumberState) -> Wizard {
    let mut w = manual_typed(lang, 3);
    let out = key(&mut w, KeyCode::Enter);
    reply(
        &mut w,
        &out,
        Ask::Check,
        Ok(Response::NumberState(Box::new(seen))),
    );
    for s in 1..=at {
        let out = w.on_tick(NOW + s);
        if !out.is_empty() {
            reply(
                &mut w,
                &out,
                Ask::Check,
                Ok(Response::NumberState(Box::new(pending()))),
            );
        }
    }
    w
}

fn pending() -> NumberState {
    NumberState {
        display_phone_number: Some("+1 415-555-0142".into()),
        is_on_biz_app: false,
        platform_type: Some("NOT_APPLICABLE".into()),
        status: Some("PENDING".into()),
        code_verification_status: Some("NOT_VERIFIED".into()),
    }
}

#[test]
fn coexistence_polling_with_its_countdown() {
    for lang in LANGS {
        let w = watching(lang, 7, pending());
        assert_never_drawn(&w, TOKEN);
        snap("wizard_coexistence_polling", lang, &w);
    }
}

#[test]
fn coexistence_timed_out_with_the_diagnosis() {
    each("wizard_coexistence_timed_out", |lang| {
        let mut seen = pending();
        seen.code_verification_status = Some("VERIFIED".into());
        seen.is_on_biz_app = true;
        let mut w = watching(lang, 0, seen);
        w.on_tick(NOW + crate::tui::wizard::COEXISTENCE_LIMIT);
        w
    });
}

#[test]
fn history_import_in_progress() {
    each("wizard_history", |lang| {
        let mut w = meta_link(lang, 0);
        let poll = w.on_tick(NOW);
        let mut done = signup(SignupStatus::Connected);
        let mut r = report(crate::domain::ConnectionKind::Coexistence);
        r.number.display_phone = "5215540001111".into();
        done.report = Some(r);
        let out = reply(
            &mut w,
            &poll,
            Ask::Poll,
            Ok(Response::Signup(Box::new(done))),
        );
        let out = reply(
            &mut w,
            &out,
            Ask::HistorySync,
            Ok(Response::HistorySync(vec![
                (
                    crate::protocol::SmbData::SmbAppStateSync,
                    Ok("1054432".into()),
                ),
                (crate::protocol::SmbData::History, Ok("1054433".into())),
            ])),
        );
        reply(
            &mut w,
            &out,
            Ask::Progress,
            Ok(Response::HistoryProgress(Box::new(HistoryProgressView {
                phone_number_id: "231000000000001".into(),
                phases: vec![Some(100), Some(40), None],
                chunks: 7,
                messages: 120,
                error: None,
                media: crate::protocol::HistoryMediaProgress {
                    total: 14,
                    fetched: 9,
                    failed: 1,
                    waiting: 4,
                },
            }))),
        );
        w
    });
}

#[test]
fn import_preview() {
    each("wizard_import", |lang| {
        let mut w = wizard(lang);
        let out = to_path(&mut w, 0, 5);
        through_queue(&mut w, out);
        type_text(&mut w, "~/whatsapp-connections.json");
        let out = key(&mut w, KeyCode::Enter);
        let out = w.on_file(tag_of(&out, Ask::ReadImport), Ok("[]".into()));
        let preview = crate::protocol::admin::SyncReport {
            dry_run: true,
            added: vec!["+5215540001111 (231000000000001)".into()],
            updated: vec!["+15550783881 (106540352242922)".into()],
            unchanged: 1,
            warnings: vec![
                "entry 3: wsp-3f9a is not an id Meta issued; webhooks cannot reach +5491140002222 until the file has its real phone number id".into(),
            ],
            without_queue: vec![crate::protocol::directory::Orphan {
                tenant: "Demo Shop".into(),
                phone_number_id: "231000000000001".into(),
                display_phone: "5215540001111".into(),
                conversations: 0,
            }],
            ..Default::default()
        };
        reply(
            &mut w,
            &out,
            Ask::ImportPreview,
            Ok(Response::Synced(Box::new(preview))),
        );
        w
    });
}

#[test]
fn dashboard_settings_and_handshake() {
    each("wizard_dashboard", |lang| {
        let mut w = wizard(lang);
        let out = to_path(&mut w, 0, 6);
        let mut view = dashboard_view();
        view.handshake = Some(Ok(format!("{PUBLIC}/webhook answered Meta's handshake")));
        reply(
            &mut w,
            &out,
            Ask::Dashboard,
            Ok(Response::Dashboard(Box::new(view))),
        );
        w
    });
}

/// The summary after Meta came back with one number, its PIN typed, and `report` answered.
fn connected(lang: &str, report: crate::protocol::ConnectReport) -> Wizard {
    let mut w = came_back(
        lang,
        vec![candidate(
            "231000000000002",
            "14155550142",
            "Globex Support",
            false,
        )],
    );
    type_text(&mut w, PIN);
    let out = key(&mut w, KeyCode::Enter);
    reply(
        &mut w,
        &out,
        Ask::Finish,
        Ok(Response::Connected(Box::new(report))),
    );
    w
}

#[test]
fn summary_of_a_connected_number() {
    each("wizard_summary", |lang| {
        let w = connected(lang, report(crate::domain::ConnectionKind::Dedicated));
        assert_never_drawn(&w, PIN);
        w
    });
}

#[test]
fn a_kapso_numbers_summary_says_kapso_holds_its_token() {
    let mut r = report(crate::domain::ConnectionKind::Dedicated);
    r.number.connected_via = Some(crate::protocol::ConnectedVia::Kapso);
    r.number.has_token = false;
    let w = connected("en", r);
    let screen = render(&w).backend().to_string();
    assert!(screen.contains("Kapso holds it"), "{screen}");
    assert!(!screen.contains("sealed"), "{screen}");
}

#[test]
fn leaving_asks_first_while_a_link_waits() {
    each("wizard_confirm_leave", |lang| {
        let mut w = meta_link(lang, 0);
        key(&mut w, KeyCode::Char('q'));
        w
    });
}
