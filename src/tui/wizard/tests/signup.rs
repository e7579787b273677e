//! Browser signups: the Meta and Kapso links, the number picked, a dedicated number's PIN, and a
//! coexistence number's history.

use super::*;
use crate::protocol::{HistoryProgressView, SignupPath};

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
            (
                crate::protocol::SmbData::SmbAppStateSync,
                Ok("req-1".into()),
            ),
            (crate::protocol::SmbData::History, Ok("req-2".into())),
        ])),
    );
    assert_eq!(calls(&progress)[0].0, Ask::Progress);
    let mut view = HistoryProgressView {
        phone_number_id: "231000000000002".into(),
        phases: vec![Some(100), Some(100), Some(100)],
        chunks: 3,
        messages: 5,
        error: None,
        media: Default::default(),
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
        failed.path = crate::protocol::SignupVia::Kapso;
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
