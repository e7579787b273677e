//! Numbers typed by hand (the token never drawn), a Business app number watched until the
//! phone confirms, the import, and the App Dashboard's verify token.

use super::*;
use crate::domain::onboarding::{NumberState, WaitingFor};
use crate::tui::wizard::state::CoexistencePhase;
use crate::tui::wizard::{COEXISTENCE_LIMIT, COEXISTENCE_POLL};

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
    through_queue(&mut w, out);
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
    let preview = crate::protocol::admin::SyncReport {
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
    let out = to_path(&mut w, 0, 5);
    through_queue(&mut w, out);
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
