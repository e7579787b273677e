//! The state machine: where keys and answers lead, what is asked of the engine, and what never
//! reaches the screen.

use super::*;
use crate::api::{HistoryProgressView, SignupPath};
use crate::domain::onboarding::{NumberState, WaitingFor};
use crate::tui::wizard::state::{CoexistencePhase, PathChoice};
use crate::tui::wizard::{COEXISTENCE_LIMIT, COEXISTENCE_POLL};

#[test]
fn the_first_screen_asks_who_the_engine_is_and_which_tenants_there_are() {
    let (_, effects) = Wizard::start(WizardStrings::for_code("en"), NOW, false);
    let asked: Vec<Ask> = calls(&effects).into_iter().map(|(a, _)| a).collect();
    assert_eq!(asked, [Ask::Hello, Ask::PublicUrl, Ask::Tenants]);
}

#[test]
fn esc_goes_back_one_screen_as_it_was_left_and_from_the_first_one_leaves() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 1, 2); // Tacos Lupita, Kapso
    assert_eq!(w.tenant.as_deref(), Some("Tacos Lupita"));
    assert_eq!(w.path, Some(PathChoice::Kapso));
    let out = through_queue(&mut w, out);
    assert!(out.is_empty());
    assert_eq!(screen_name(&w), "kapso");
    assert_eq!(w.queue.as_deref(), Some("Sales"));
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "queue");
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "path");
    match &w.screen {
        Screen::Path(p) => assert_eq!(p.selected, 2, "the cursor stays where it was"),
        _ => unreachable!(),
    }
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "tenant");
    match &w.screen {
        Screen::Tenant(t) => assert_eq!(t.selected, 1),
        _ => unreachable!(),
    }
    assert_eq!(key(&mut w, KeyCode::Esc), vec![Effect::Close]);
}

#[test]
fn an_answer_for_a_screen_already_left_is_dropped() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 4); // manual: the queue screen asks for queues
    assert_eq!(screen_name(&w), "queue");
    key(&mut w, KeyCode::Esc);
    let after = reply(
        &mut w,
        &out,
        Ask::Queues,
        Ok(Response::Queues(vec![queue("Demo Shop", "Sales")])),
    );
    assert!(after.is_empty());
    assert_eq!(screen_name(&w), "path");
    assert_eq!(w.in_flight(), 0);
}

#[test]
fn a_new_tenant_is_added_before_going_on_and_a_known_name_is_that_tenant() {
    let mut w = wizard("en");
    let out = type_text(&mut w, "Globex");
    assert!(out.is_empty());
    let out = key(&mut w, KeyCode::Enter);
    assert_eq!(
        calls(&out),
        [(
            Ask::AddTenant,
            Request::AddTenant {
                name: "Globex".into()
            }
        )]
    );
    reply(
        &mut w,
        &out,
        Ask::AddTenant,
        Ok(Response::Tenant(TenantView {
            id: 3,
            name: "Globex".into(),
            numbers: 0,
            created_at: String::new(),
        })),
    );
    assert_eq!(screen_name(&w), "path");
    assert_eq!(w.tenant.as_deref(), Some("Globex"));

    let mut w = wizard("en");
    type_text(&mut w, "demo shop");
    let out = key(&mut w, KeyCode::Enter);
    assert!(calls(&out).is_empty());
    assert_eq!(w.tenant.as_deref(), Some("Demo Shop"));
}

#[test]
fn the_engine_refusing_an_agent_is_shown_on_the_first_screen() {
    let (mut w, effects) = Wizard::start(WizardStrings::for_code("en"), NOW, false);
    reply(
        &mut w,
        &effects,
        Ask::Tenants,
        err("alice is an agent: only an admin can do this"),
    );
    assert!(text(&w).contains("alice is an agent: only an admin can do this"));
}

#[test]
fn browser_paths_are_refused_without_a_listening_engine() {
    let (mut w, effects) = Wizard::start(WizardStrings::for_code("en"), NOW, false);
    answer_all(&mut w, effects, |ask| match ask {
        Ask::Hello => Some(Ok(Response::Hello(EngineInfo {
            version: "0".into(),
            mode: "in_process".into(),
            data_dir: String::new(),
            user: "root".into(),
        }))),
        Ask::Tenants => Some(Ok(Response::Tenants(tenants()))),
        _ => None,
    });
    let out = to_path(&mut w, 0, 0);
    assert!(out.is_empty());
    assert_eq!(screen_name(&w), "path");
    assert!(text(&w).contains("start `wabox serve`"));
    // Manual entry needs no listener.
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Enter);
    assert_eq!(screen_name(&w), "queue");
}

#[test]
fn the_meta_link_is_asked_with_the_tenant_path_and_queue_and_polled_every_two_seconds() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 1, 0);
    let out = through_queue(&mut w, out);
    assert_eq!(
        calls(&out)[0],
        (
            Ask::Begin,
            Request::BeginSignup {
                tenant: "Tacos Lupita".into(),
                path: SignupPath::Meta { coexistence: true },
                queue: Some("Sales".into()),
            }
        )
    );
    let mut w = meta_link("en", 0);
    assert!(
        w.on_tick(NOW)
            .iter()
            .any(|e| matches!(e, Effect::Call(_, Request::GetSignup { id: 7 })))
    );
    // One question at a time, and not before its time.
    assert!(w.on_tick(NOW + 1).is_empty());
    let mut w = meta_link("en", 0);
    let poll = w.on_tick(NOW);
    reply(
        &mut w,
        &poll,
        Ask::Poll,
        Ok(Response::Signup(Box::new(signup(SignupStatus::Waiting)))),
    );
    assert!(w.on_tick(NOW + 1).is_empty());
    assert_eq!(calls(&w.on_tick(NOW + 2)).len(), 1);
}

#[test]
fn c_copies_the_short_link_the_qr_code_holds() {
    let mut w = meta_link("en", 0);
    let out = key(&mut w, KeyCode::Char('c'));
    assert_eq!(out, vec![Effect::Copy(format!("{PUBLIC}/c/AbCdEfGhJkLm"))]);
    assert!(text(&w).contains("https://inbox.example.com/c/AbCdEfGhJkLm"));
}

#[test]
fn leaving_while_the_link_waits_asks_first_and_says_the_link_stays_open() {
    let mut w = meta_link("en", 0);
    assert!(key(&mut w, KeyCode::Char('q')).is_empty());
    assert!(w.confirm_quit);
    assert!(text(&w).contains("wabox connect status 7"));
    key(&mut w, KeyCode::Char('n'));
    assert!(!w.confirm_quit);
    assert!(ctrl(&mut w, 'c').is_empty());
    assert_eq!(key(&mut w, KeyCode::Char('y')), vec![Effect::Close]);
    // Esc leaves the link open, and says so.
    let mut w = meta_link("en", 0);
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "queue");
    assert!(text(&w).contains("signup 7 stays open"));
}

#[test]
fn with_nothing_under_way_q_leaves_at_once() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 6); // the dashboard
    assert_eq!(screen_name(&w), "dashboard");
    reply(
        &mut w,
        &out,
        Ask::Dashboard,
        Ok(Response::Dashboard(Box::new(dashboard_view()))),
    );
    assert_eq!(w.in_flight(), 0);
    assert_eq!(key(&mut w, KeyCode::Char('q')), vec![Effect::Close]);
}

#[test]
fn revoke_and_regenerate_go_to_the_engine_and_a_new_link_replaces_the_old() {
    let mut w = meta_link("en", 0);
    let out = key(&mut w, KeyCode::Char('x'));
    assert_eq!(
        calls(&out),
        [(Ask::Revoke, Request::RevokeSignup { id: 7 })]
    );
    reply(
        &mut w,
        &out,
        Ask::Revoke,
        Ok(Response::Signup(Box::new(signup(SignupStatus::Revoked)))),
    );
    assert!(text(&w).contains("The link was revoked"));
    let out = key(&mut w, KeyCode::Char('r'));
    assert_eq!(
        calls(&out),
        [(Ask::Regenerate, Request::RegenerateSignup { id: 7 })]
    );
    let mut fresh = signup(SignupStatus::Waiting);
    fresh.id = 8;
    fresh.short_code = "ZyXwVuTsRqPn".into();
    reply(
        &mut w,
        &out,
        Ask::Regenerate,
        Ok(Response::Signup(Box::new(fresh))),
    );
    assert!(text(&w).contains("/c/ZyXwVuTsRqPn"));
}

#[test]
fn a_dedicated_number_asks_for_its_pin_hidden_and_a_wrong_pin_is_typed_again() {
    let mut w = meta_link("en", 1);
    let poll = w.on_tick(NOW);
    let mut back = signup(SignupStatus::Choose);
    back.candidates = vec![candidate(
        "231000000000002",
        "14155550142",
        "Globex Support",
        false,
    )];
    reply(
        &mut w,
        &poll,
        Ask::Poll,
        Ok(Response::Signup(Box::new(back))),
    );
    assert_eq!(screen_name(&w), "pin");
    // Fewer than six digits: refused here, nothing sent.
    type_text(&mut w, "4829");
    assert!(key(&mut w, KeyCode::Enter).is_empty());
    assert!(text(&w).contains("the PIN is 6 digits"));
    type_text(&mut w, "13");
    assert_never_drawn(&w, PIN);
    let out = key(&mut w, KeyCode::Enter);
    match &calls(&out)[..] {
        [
            (
                Ask::Finish,
                Request::FinishSignup {
                    id: 7,
                    phone_number_id,
                    pin: Some(pin),
                },
            ),
        ] => {
            assert_eq!(phone_number_id.as_deref(), Some("231000000000002"));
            assert_eq!(pin.expose(), PIN);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !format!("{out:?}").contains(PIN),
        "a request's Debug hides the PIN"
    );
    assert_never_drawn(&w, PIN);
    reply(
        &mut w,
        &out,
        Ask::Finish,
        err(
            "Meta did not register +14155550142 with that PIN: (#133005) Two step verification PIN Mismatch",
        ),
    );
    assert_eq!(screen_name(&w), "pin");
    let shown = text(&w);
    assert!(shown.contains("PIN Mismatch"), "{shown}");
    assert!(shown.contains("Type the PIN again"), "{shown}");
    match &w.screen {
        Screen::Pin(p) => assert!(p.pin.is_empty(), "the wrong PIN is cleared"),
        _ => unreachable!(),
    }
    type_text(&mut w, PIN);
    let out = key(&mut w, KeyCode::Enter);
    reply(
        &mut w,
        &out,
        Ask::Finish,
        Ok(Response::Connected(Box::new(report(
            ConnectionKind::Dedicated,
        )))),
    );
    assert_eq!(screen_name(&w), "summary");
    assert_never_drawn(&w, PIN);
    // Connected: Esc does not go back into the finished signup, it starts another.
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "tenant");
    assert_eq!(w.tenant, None);
}

#[test]
fn several_numbers_are_picked_from_a_list() {
    let mut w = meta_link("en", 0);
    let poll = w.on_tick(NOW);
    let mut back = signup(SignupStatus::Choose);
    back.candidates = vec![
        candidate("231000000000001", "5215540001111", "Tacos Lupita", true),
        candidate("231000000000002", "14155550142", "Globex Support", false),
    ];
    reply(
        &mut w,
        &poll,
        Ask::Poll,
        Ok(Response::Signup(Box::new(back))),
    );
    assert_eq!(screen_name(&w), "choose");
    let out = key(&mut w, KeyCode::Enter);
    assert_eq!(
        calls(&out),
        [(
            Ask::Finish,
            Request::FinishSignup {
                id: 7,
                phone_number_id: Some("231000000000001".into()),
                pin: None
            }
        )]
    );
    reply(
        &mut w,
        &out,
        Ask::Finish,
        err("Meta did not subscribe the app"),
    );
    assert!(text(&w).contains("Meta did not subscribe the app"));
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Enter);
    assert_eq!(screen_name(&w), "pin");
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "choose");
}

#[test]
fn a_coexistence_number_connected_by_meta_has_its_history_asked_once_then_the_summary() {
    let mut w = meta_link("en", 0);
    let poll = w.on_tick(NOW);
    let mut done = signup(SignupStatus::Connected);
    done.report = Some(report(ConnectionKind::Coexistence));
    let out = reply(
        &mut w,
        &poll,
        Ask::Poll,
        Ok(Response::Signup(Box::new(done))),
    );
    assert_eq!(screen_name(&w), "history");
    assert_eq!(
        calls(&out),
        [(
            Ask::HistorySync,
            Request::RequestHistorySync {
                phone_number_id: "231000000000002".into()
            }
        )]
    );
    assert!(
        w.on_tick(NOW + 1).is_empty(),
        "no progress before the sync's answer"
    );
    let progress = reply(
        &mut w,
        &out,
        Ask::HistorySync,
        Ok(Response::HistorySync(vec![
            ("smb_app_state_sync".into(), Ok("req-1".into())),
            ("history".into(), Ok("req-2".into())),
        ])),
    );
    assert_eq!(calls(&progress)[0].0, Ask::Progress);
    let mut view = HistoryProgressView {
        phone_number_id: "231000000000002".into(),
        phases: vec![Some(100), Some(100), Some(100)],
        chunks: 3,
        messages: 5,
        error: None,
    };
    view.phases[2] = Some(100);
    reply(
        &mut w,
        &progress,
        Ask::Progress,
        Ok(Response::HistoryProgress(Box::new(view))),
    );
    // Done: nothing more is asked, however long the admin stays.
    for s in 1..20 {
        assert!(calls(&w.on_tick(NOW + 2 * s)).is_empty());
    }
    assert!(text(&w).contains("messages imported: 5"));
    assert!(key(&mut w, KeyCode::Char('q')) == vec![Effect::Close]);
    let mut w2 = meta_link("en", 0);
    let poll = w2.on_tick(NOW);
    let mut done = signup(SignupStatus::Connected);
    done.report = Some(report(ConnectionKind::Coexistence));
    reply(
        &mut w2,
        &poll,
        Ask::Poll,
        Ok(Response::Signup(Box::new(done))),
    );
    key(&mut w2, KeyCode::Enter);
    assert_eq!(screen_name(&w2), "summary");
}

#[test]
fn a_kapso_failure_is_explained_in_the_admins_language_from_its_code() {
    for (lang, words) in [("en", "could not verify"), ("es", "no pudo verificar")] {
        let mut w = wizard(lang);
        let out = to_path(&mut w, 1, 2);
        through_queue(&mut w, out);
        let out = key(&mut w, KeyCode::Enter); // the options as they are
        match &calls(&out)[0] {
            (
                Ask::Begin,
                Request::BeginSignup {
                    path: SignupPath::Kapso(o),
                    ..
                },
            ) => {
                assert_eq!(o.connection_types, ["coexistence", "dedicated"]);
                assert_eq!(o.language, lang);
            }
            other => panic!("{other:?}"),
        }
        let mut failed = signup(SignupStatus::Failed);
        failed.path = "kapso".into();
        failed.error =
            Some("Meta could not verify the phone number (English, from the engine)".into());
        failed.error_code = Some("phone_verification_failed".into());
        answer_all(&mut w, out, |ask| match ask {
            Ask::Begin => Some(Ok(Response::Signup(Box::new(failed.clone())))),
            _ => None,
        });
        let shown = text(&w);
        assert!(shown.contains(words), "{shown}");
        assert!(shown.contains("phone_verification_failed"), "{shown}");
    }
}

#[test]
fn an_engine_that_cannot_make_kapso_links_yet_says_so_plainly() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 1, 2);
    through_queue(&mut w, out);
    let out = key(&mut w, KeyCode::Enter);
    reply(
        &mut w,
        &out,
        Ask::Begin,
        err("Kapso setup links are not available yet"),
    );
    let shown = text(&w);
    assert!(
        shown.contains("The engine did not make the link"),
        "{shown}"
    );
    assert!(
        shown.contains("Kapso setup links are not available yet"),
        "{shown}"
    );
    let again = key(&mut w, KeyCode::Char('r'));
    assert_eq!(calls(&again)[0].0, Ask::Begin);
}

#[test]
fn kapso_options_are_checked_before_the_link_is_asked_for() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 1, 2);
    through_queue(&mut w, out);
    key(&mut w, KeyCode::Right); // business app only
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Char(' ')); // a new number
    key(&mut w, KeyCode::Down);
    for _ in 0..2 {
        key(&mut w, KeyCode::Backspace);
    }
    type_text(&mut w, "mex");
    assert!(calls(&key(&mut w, KeyCode::Enter)).is_empty());
    assert!(text(&w).contains("two-letter ISO code"));
    key(&mut w, KeyCode::Backspace);
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Left); // Spanish page
    key(&mut w, KeyCode::Down);
    type_text(&mut w, "#25D366");
    let out = key(&mut w, KeyCode::Enter);
    match &calls(&out)[0] {
        (
            Ask::Begin,
            Request::BeginSignup {
                path: SignupPath::Kapso(o),
                ..
            },
        ) => {
            assert_eq!(o.connection_types, ["coexistence"]);
            assert!(o.provision_number);
            assert_eq!(o.countries, ["ME"]);
            assert_eq!(o.language, "es");
            assert_eq!(o.primary_color.as_deref(), Some("#25D366"));
        }
        other => panic!("{other:?}"),
    }
}

/// Manual entry up to the token typed (`coexistence`: the Business app path).
fn manual(lang: &str, coexistence: bool) -> (Wizard, Vec<Effect>) {
    let mut w = wizard(lang);
    let out = to_path(&mut w, 0, if coexistence { 3 } else { 4 });
    through_queue(&mut w, out);
    assert_eq!(screen_name(&w), "manual");
    type_text(&mut w, "231000000000002");
    key(&mut w, KeyCode::Enter);
    type_text(&mut w, "131000000000002");
    key(&mut w, KeyCode::Tab);
    w.on_paste(TOKEN);
    let out = key(&mut w, KeyCode::Enter);
    (w, out)
}

#[test]
fn a_typed_token_is_never_drawn_and_goes_to_the_engine_as_a_secret() {
    for lang in ["en", "es"] {
        let (mut w, out) = manual(lang, false);
        assert_never_drawn(&w, TOKEN);
        assert!(!format!("{:?}", w.screen).contains(TOKEN));
        match &calls(&out)[..] {
            [
                (
                    Ask::Connect,
                    Request::ConnectManual {
                        tenant,
                        access_token,
                        queue,
                        ..
                    },
                ),
            ] => {
                assert_eq!(tenant, "Demo Shop");
                assert_eq!(access_token.expose(), TOKEN);
                assert_eq!(queue.as_deref(), Some("Sales"));
            }
            other => panic!("{other:?}"),
        }
        reply(
            &mut w,
            &out,
            Ask::Connect,
            err("Meta refused the token: (#190) Invalid OAuth access token"),
        );
        assert!(text(&w).contains("Invalid OAuth access token"));
        assert_never_drawn(&w, TOKEN);
        let out = key(&mut w, KeyCode::Enter);
        reply(
            &mut w,
            &out,
            Ask::Connect,
            Ok(Response::Connected(Box::new(report(
                ConnectionKind::Dedicated,
            )))),
        );
        assert_eq!(screen_name(&w), "summary");
        assert_never_drawn(&w, TOKEN);
    }
}

#[test]
fn ids_that_are_not_metas_are_refused_before_anything_is_sent() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 4);
    through_queue(&mut w, out);
    type_text(&mut w, "wsp-3f9a");
    key(&mut w, KeyCode::Enter);
    key(&mut w, KeyCode::Enter);
    assert!(calls(&key(&mut w, KeyCode::Enter)).is_empty());
    assert!(text(&w).contains("digits only"));
}

fn state(on_app: bool, platform: &str, code: &str) -> Result<Response, ApiError> {
    Ok(Response::NumberState(Box::new(NumberState {
        display_phone_number: Some("+1 415-555-0142".into()),
        is_on_biz_app: on_app,
        platform_type: Some(platform.into()),
        status: Some("PENDING".into()),
        code_verification_status: Some(code.into()),
    })))
}

#[test]
fn a_business_app_number_is_watched_every_five_seconds_until_the_phone_confirms() {
    let (mut w, out) = manual("en", true);
    assert_eq!(screen_name(&w), "coexistence");
    assert_never_drawn(&w, TOKEN);
    match &calls(&out)[..] {
        [
            (
                Ask::Check,
                Request::CheckNumber {
                    phone_number_id,
                    access_token,
                },
            ),
        ] => {
            assert_eq!(phone_number_id, "231000000000002");
            assert_eq!(access_token.expose(), TOKEN);
        }
        other => panic!("{other:?}"),
    }
    let out = reply(
        &mut w,
        &out,
        Ask::Check,
        state(false, "NOT_APPLICABLE", "NOT_VERIFIED"),
    );
    assert!(out.is_empty());
    for s in 1..COEXISTENCE_POLL {
        assert!(w.on_tick(NOW + s).is_empty(), "{s}");
    }
    let shown = text(&w);
    assert!(shown.contains("next look in 1 s"), "{shown}");
    assert!(shown.contains("code to be confirmed"), "{shown}");
    let out = w.on_tick(NOW + COEXISTENCE_POLL);
    assert_eq!(calls(&out)[0].0, Ask::Check);
    w.now = NOW + COEXISTENCE_POLL;
    let out = reply(
        &mut w,
        &out,
        Ask::Check,
        state(true, "CLOUD_API", "VERIFIED"),
    );
    match &calls(&out)[..] {
        [(Ask::Connect, Request::ConnectManual { access_token, .. })] => {
            assert_eq!(access_token.expose(), TOKEN)
        }
        other => panic!("{other:?}"),
    }
    assert_never_drawn(&w, TOKEN);
    let out = reply(
        &mut w,
        &out,
        Ask::Connect,
        Ok(Response::Connected(Box::new(report(
            ConnectionKind::Coexistence,
        )))),
    );
    assert_eq!(screen_name(&w), "history");
    assert_eq!(calls(&out)[0].0, Ask::HistorySync);
}

#[test]
fn past_the_time_limit_the_wizard_stops_and_says_what_was_missing() {
    let (mut w, out) = manual("en", true);
    reply(
        &mut w,
        &out,
        Ask::Check,
        state(false, "NOT_APPLICABLE", "EXPIRED"),
    );
    assert!(w.on_tick(NOW + COEXISTENCE_LIMIT).is_empty());
    match &w.screen {
        Screen::Coexistence(c) => {
            assert_eq!(c.phase, CoexistencePhase::TimedOut(WaitingFor::CodeExpired))
        }
        _ => unreachable!(),
    }
    assert!(text(&w).contains("confirmation code expired"));
    assert!(w.under_way().is_none(), "nothing is running any more");
    let out = key(&mut w, KeyCode::Char('r'));
    assert_eq!(calls(&out)[0].0, Ask::Check);
}

#[test]
fn an_import_reads_the_file_shows_what_would_change_then_applies_it() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 5);
    assert!(out.is_empty());
    assert_eq!(screen_name(&w), "import");
    type_text(&mut w, "/tmp/whatsapp-connections.json");
    let out = key(&mut w, KeyCode::Enter);
    let tag = tag_of(&out, Ask::ReadImport);
    assert_eq!(
        out,
        vec![Effect::ReadFile(
            tag.clone(),
            "/tmp/whatsapp-connections.json".into()
        )]
    );
    let out = w.on_file(tag, Ok("[]".into()));
    match &calls(&out)[..] {
        [
            (
                Ask::ImportPreview,
                Request::Sync {
                    dry_run: true,
                    tenant,
                    content,
                    ..
                },
            ),
        ] => {
            assert_eq!(tenant.as_deref(), Some("Demo Shop"));
            assert_eq!(content, "[]");
        }
        other => panic!("{other:?}"),
    }
    let preview = crate::store::sync::SyncReport {
        dry_run: true,
        added: vec!["+15550783881 (106540352242922)".into()],
        ..Default::default()
    };
    reply(
        &mut w,
        &out,
        Ask::ImportPreview,
        Ok(Response::Synced(Box::new(preview))),
    );
    assert!(text(&w).contains("Importing it would:"));
    let out = key(&mut w, KeyCode::Enter);
    assert!(matches!(
        &calls(&out)[..],
        [(Ask::ImportApply, Request::Sync { dry_run: false, .. })]
    ));
    // A file that cannot be read says why.
    let mut w = wizard("en");
    to_path(&mut w, 0, 5);
    type_text(&mut w, "/nowhere.json");
    let out = key(&mut w, KeyCode::Enter);
    w.on_file(
        tag_of(&out, Ask::ReadImport),
        Err("/nowhere.json: No such file or directory".into()),
    );
    assert!(text(&w).contains("No such file"));
}

#[test]
fn the_verify_token_shows_only_when_asked_and_is_forgotten_when_hidden() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 6);
    assert_eq!(screen_name(&w), "dashboard");
    reply(
        &mut w,
        &out,
        Ask::Dashboard,
        Ok(Response::Dashboard(Box::new(dashboard_view()))),
    );
    let out = key(&mut w, KeyCode::Char('v'));
    assert_eq!(
        calls(&out),
        [(
            Ask::Dashboard,
            Request::Dashboard {
                test: false,
                reveal: true
            }
        )]
    );
    let mut revealed = dashboard_view();
    revealed.verify_token = Some(crate::secret::Secret::new("verify-me-123"));
    reply(
        &mut w,
        &out,
        Ask::Dashboard,
        Ok(Response::Dashboard(Box::new(revealed))),
    );
    assert!(text(&w).contains("verify-me-123"));
    key(&mut w, KeyCode::Char('v'));
    assert!(!text(&w).contains("verify-me-123"));
    match &w.screen {
        Screen::Dashboard(d) => assert!(d.view.as_ref().is_some_and(|v| v.verify_token.is_none())),
        _ => unreachable!(),
    }
    let out = key(&mut w, KeyCode::Char('t'));
    assert_eq!(
        calls(&out),
        [(
            Ask::Dashboard,
            Request::Dashboard {
                test: true,
                reveal: false
            }
        )]
    );
}

#[test]
fn the_inbox_opens_the_wizard_with_its_key_and_by_name_and_gets_it_back_on_leaving() {
    use crate::tui::app::{Effect as AppEffect, Tag as AppTag};
    let mut app = crate::tui::fixtures::inbox("es");
    let out = app.on_key(KeyEvent::new(KeyCode::Char('C'), KeyModifiers::SHIFT));
    assert!(app.wizard.is_some());
    let asked: Vec<&Request> = out
        .iter()
        .filter_map(|e| match e {
            AppEffect::Call(AppTag::Wizard(_), r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(
        asked,
        [
            &Request::Hello,
            &Request::Dashboard {
                test: false,
                reveal: false
            },
            &Request::ListTenants
        ]
    );
    // The wizard speaks the inbox's language and takes the whole screen.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| crate::tui::view::draw(f, &app)).unwrap();
    let shown = crate::tui::wizard::runner::buffer_text(terminal.backend().buffer());
    assert!(shown.contains("Conectar un número"), "{shown}");
    // Its answers reach it through the inbox's link; letters are its text, not inbox keys.
    for e in out {
        match e {
            AppEffect::Call(tag @ AppTag::Wizard(_), Request::ListTenants) => {
                app.on_reply(tag, Ok(Response::Tenants(tenants())));
            }
            AppEffect::Call(tag @ AppTag::Wizard(_), Request::Dashboard { .. }) => {
                app.on_reply(tag, Ok(Response::Dashboard(Box::new(dashboard_view()))));
            }
            AppEffect::Call(tag @ AppTag::Wizard(_), Request::Hello) => {
                app.on_reply(
                    tag,
                    Ok(Response::Hello(EngineInfo {
                        version: "0".into(),
                        mode: "engine".into(),
                        data_dir: String::new(),
                        user: "root".into(),
                    })),
                );
            }
            _ => {}
        }
    }
    app.on_key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
    assert!(
        app.wizard.is_some(),
        "q is typed into the new tenant's name"
    );
    app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    let out = app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(
        app.wizard.is_none(),
        "Esc on the first screen goes back to the inbox"
    );
    assert!(
        out.iter()
            .any(|e| matches!(e, AppEffect::Call(AppTag::Numbers, Request::ListNumbers))),
        "the inbox reads its numbers again: {out:?}"
    );
    app.run_command("connect");
    assert!(app.wizard.is_some());
}
