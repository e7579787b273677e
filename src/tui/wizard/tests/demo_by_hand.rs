//! The by-hand paths in the demo and when Meta refuses the token: the demo's simulated ids and
//! token are offered on the by-hand screens (only what the demo's engine hands over), and a
//! refused token stops the Business app watch at once instead of ten minutes later.

use super::*;
use crate::protocol::DemoNumber;
use crate::tui::wizard::state::CoexistencePhase;
use crate::tui::wizard::{COEXISTENCE_LIMIT, COEXISTENCE_POLL};

const SIM_TOKEN: &str = "SIMDEMO0123456789abcdef0123456789abcdef";

fn demo_numbers() -> Vec<DemoNumber> {
    vec![
        DemoNumber {
            name: "Tacos Lupita".into(),
            phone_number_id: "231000000000001".into(),
            waba_id: "131000000000001".into(),
            coexistence: true,
            token: crate::secret::Secret::new("SIMDEMOcoexistence0000000000000000000000"),
        },
        DemoNumber {
            name: "Globex Support".into(),
            phone_number_id: "231000000000002".into(),
            waba_id: "131000000000002".into(),
            coexistence: false,
            token: crate::secret::Secret::new(SIM_TOKEN),
        },
    ]
}

/// Tenant, path (3: Business app by hand, 4: manual entry), queue: the manual screen, with
/// what entering it asked the engine for.
fn by_hand(lang: &str, path_row: usize) -> (Wizard, Vec<Effect>) {
    let mut w = wizard(lang);
    let out = to_path(&mut w, 1, path_row);
    let out = through_queue(&mut w, out);
    assert_eq!(screen_name(&w), "manual");
    (w, out)
}

#[test]
fn in_the_demo_the_manual_screen_shows_the_simulators_ids_and_token_for_its_path() {
    for lang in ["en", "es"] {
        let (mut w, out) = by_hand(lang, 4);
        assert!(
            calls(&out)
                .iter()
                .any(|(ask, r)| *ask == Ask::Demo && *r == Request::DemoNumbers),
            "{out:?}"
        );
        // Before the answer, and outside the demo (an empty answer), nothing is offered.
        assert!(!text(&w).contains("231000000000002"));
        reply(
            &mut w,
            &out,
            Ask::Demo,
            Ok(Response::DemoNumbers(demo_numbers())),
        );
        let shown = text(&w);
        assert!(shown.contains("Globex Support"), "{shown}");
        assert!(shown.contains("231000000000002"), "{shown}");
        assert!(shown.contains("131000000000002"), "{shown}");
        assert!(shown.contains(SIM_TOKEN), "{shown}");
        // Only the numbers of this path: the Business app one is for the other path.
        assert!(!shown.contains("Tacos Lupita:"), "{shown}");
        // What the admin types is still never drawn.
        type_text(&mut w, "231000000000002");
        key(&mut w, KeyCode::Enter);
        type_text(&mut w, "131000000000002");
        key(&mut w, KeyCode::Enter);
        w.on_paste(TOKEN);
        assert_never_drawn(&w, TOKEN);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(lang);
        settings.set_prepend_module_to_snapshot(false);
        let terminal = render(&w);
        settings.bind(|| insta::assert_snapshot!("wizard_manual_in_the_demo", terminal.backend()));
    }
}

#[test]
fn the_business_app_path_offers_the_demos_business_app_number() {
    let (mut w, out) = by_hand("en", 3);
    reply(
        &mut w,
        &out,
        Ask::Demo,
        Ok(Response::DemoNumbers(demo_numbers())),
    );
    let shown = text(&w);
    assert!(
        shown.contains("Tacos Lupita: phone number id 231000000000001"),
        "{shown}"
    );
    assert!(!shown.contains(SIM_TOKEN), "{shown}");
}

#[test]
fn outside_the_demo_the_manual_screen_offers_nothing() {
    let (mut w, out) = by_hand("en", 4);
    reply(
        &mut w,
        &out,
        Ask::Demo,
        Ok(Response::DemoNumbers(Vec::new())),
    );
    assert!(!text(&w).contains("Demo:"));
    // An engine that does not know the request: the same.
    let (mut w, out) = by_hand("en", 4);
    reply(&mut w, &out, Ask::Demo, err("unknown request"));
    assert!(!text(&w).contains("Demo:"));
}

/// The Business app path up to its first look at the number.
fn watching(lang: &str) -> (Wizard, Vec<Effect>) {
    let (mut w, _) = by_hand(lang, 3);
    type_text(&mut w, "231000000000002");
    key(&mut w, KeyCode::Enter);
    type_text(&mut w, "131000000000002");
    key(&mut w, KeyCode::Enter);
    w.on_paste(TOKEN);
    let out = key(&mut w, KeyCode::Enter);
    assert_eq!(screen_name(&w), "coexistence");
    (w, out)
}

#[test]
fn a_refused_token_stops_the_business_app_watch_and_says_so() {
    for (lang, said, heading) in [
        ("en", "Meta refused the token", "No longer watching number"),
        (
            "es",
            "Meta rechazó el token",
            "Se dejó de vigilar el número",
        ),
    ] {
        let (mut w, out) = watching(lang);
        reply(
            &mut w,
            &out,
            Ask::Check,
            Err(ApiError::from(
                crate::protocol::ErrorCode::MetaDidNotAnswerToken {
                    meta: "the access token expired or is invalid (code 190)".into(),
                },
            )),
        );
        let Screen::Coexistence(c) = &w.screen else {
            panic!("left the screen");
        };
        assert_eq!(c.phase, CoexistencePhase::TokenRefused);
        // No more looks at the number, however long the admin stays.
        for s in 1..=COEXISTENCE_LIMIT + COEXISTENCE_POLL {
            assert!(
                calls(&w.on_tick(NOW + s)).is_empty(),
                "asked again at {s} s"
            );
        }
        let shown = text(&w);
        assert!(shown.contains(said), "{shown}");
        assert!(shown.contains("code 190"), "{shown}");
        assert!(
            shown.contains(heading) && !shown.contains("Watching number"),
            "{shown}"
        );
        assert_never_drawn(&w, TOKEN);
        // Nothing is under way: leaving does not ask, and Esc goes back to the token.
        assert_eq!(w.under_way(), None);
        key(&mut w, KeyCode::Esc);
        assert_eq!(screen_name(&w), "manual");
    }
}

#[test]
fn another_failure_keeps_watching() {
    let (mut w, out) = watching("en");
    reply(
        &mut w,
        &out,
        Ask::Check,
        err("could not reach the Graph API: connection refused"),
    );
    let Screen::Coexistence(c) = &w.screen else {
        panic!("left the screen");
    };
    assert_eq!(c.phase, CoexistencePhase::Polling);
    let out = w.on_tick(NOW + COEXISTENCE_POLL);
    assert!(matches!(&calls(&out)[..], [(Ask::Check, _)]), "{out:?}");
}

#[test]
fn a_token_refused_on_manual_entry_puts_the_cursor_on_the_token() {
    let (mut w, _) = by_hand("en", 4);
    type_text(&mut w, "231000000000002");
    key(&mut w, KeyCode::Enter);
    type_text(&mut w, "131000000000002");
    key(&mut w, KeyCode::Enter);
    w.on_paste(TOKEN);
    let out = key(&mut w, KeyCode::Enter);
    reply(
        &mut w,
        &out,
        Ask::Connect,
        Err(ApiError::from(
            crate::protocol::ErrorCode::MetaDidNotConfirmToken {
                meta: "the access token expired or is invalid (code 190)".into(),
            },
        )),
    );
    let Screen::Manual(m) = &w.screen else {
        panic!("left the screen");
    };
    assert_eq!(m.focus, 2);
    assert!(text(&w).contains("code 190"));
}

#[test]
fn a_spanish_wizard_reads_metas_refusal_of_a_typed_token_in_spanish() {
    let (mut w, _) = by_hand("es", 4);
    type_text(&mut w, "231000000000002");
    key(&mut w, KeyCode::Enter);
    type_text(&mut w, "131000000000002");
    key(&mut w, KeyCode::Enter);
    w.on_paste(TOKEN);
    let out = key(&mut w, KeyCode::Enter);
    let refusal = crate::protocol::ErrorCode::TokenRefusedTyped {
        meta: "Invalid OAuth access token".into(),
        code: 190,
    };
    reply(&mut w, &out, Ask::Connect, Err(ApiError::from(refusal)));
    let shown = text(&w);
    assert!(shown.contains("Meta rechazó este token"), "{shown}");
    assert!(!shown.contains("Meta refused"), "{shown}");
}
