//! A new tenant is made only when the admin confirms (with the number), keys on the tenant list
//! move as on every list, the import asks for a queue, Kapso's link speaks of Kapso, and a copy
//! says where the link went.

use super::*;
use crate::tui::wizard::clipboard::Copied;

#[test]
fn letters_on_the_tenant_list_move_and_quit_and_type_only_in_the_name_field() {
    let mut w = wizard("en");
    // j moves down a row, as on the next screen: it is never typed into the name.
    key(&mut w, KeyCode::Char('j'));
    let Screen::Tenant(s) = &w.screen else {
        panic!("tenant screen")
    };
    assert_eq!(s.selected, 1);
    assert!(s.new_name.is_empty());
    // q leaves (nothing is under way), as everywhere letters are not text.
    assert_eq!(key(&mut w, KeyCode::Char('q')), vec![Effect::Close]);

    // On the name's row the same letters are the name.
    let mut w = wizard("en");
    key(&mut w, KeyCode::Tab);
    type_text(&mut w, "jq Tacos");
    let Screen::Tenant(s) = &w.screen else {
        panic!("tenant screen")
    };
    assert_eq!(s.new_name.value(), "jq Tacos");
}

#[test]
fn a_typed_tenant_is_made_with_the_number_not_on_leaving_the_first_screen() {
    let mut w = wizard("en");
    key(&mut w, KeyCode::Tab);
    type_text(&mut w, "jTacos Lupit");
    let out = key(&mut w, KeyCode::Enter);
    assert!(
        calls(&out).is_empty(),
        "nothing asked of the engine: {out:?}"
    );
    assert_eq!(screen_name(&w), "path");
    assert!(w.new_tenant);
    assert!(text(&w).contains("jTacos Lupit (new)"));

    // The typo is seen: back, and it is as if it never was.
    let out = key(&mut w, KeyCode::Esc);
    assert!(calls(&out).is_empty());
    assert_eq!(screen_name(&w), "tenant");
    assert!(!w.new_tenant && w.tenant.is_none());
    for _ in 0.."jTacos Lupit".len() {
        key(&mut w, KeyCode::Backspace);
    }
    type_text(&mut w, "Tacos Lupita Norte");
    key(&mut w, KeyCode::Enter);

    // Manual entry: the tenant goes to the engine with the number, to be made with it.
    for _ in 0..4 {
        key(&mut w, KeyCode::Down);
    }
    let out = key(&mut w, KeyCode::Enter);
    let out = through_queue(&mut w, out);
    // Only the demo's numbers are asked for (to show the simulator's tokens): nothing is made.
    assert!(
        calls(&out)
            .iter()
            .all(|(_, r)| matches!(r, crate::protocol::Request::DemoNumbers))
    );
    type_text(&mut w, "231000000000002");
    key(&mut w, KeyCode::Enter);
    type_text(&mut w, "131000000000002");
    key(&mut w, KeyCode::Tab);
    w.on_paste(TOKEN);
    let out = key(&mut w, KeyCode::Enter);
    match &calls(&out)[..] {
        [
            (
                Ask::Connect,
                Request::ConnectManual {
                    tenant,
                    create_tenant,
                    ..
                },
            ),
        ] => {
            assert_eq!(tenant, "Tacos Lupita Norte");
            assert!(create_tenant);
        }
        other => panic!("{other:?}"),
    }
    // A tenant picked from the list is not made again.
    let mut w = wizard("en");
    let out = to_path(&mut w, 1, 4);
    through_queue(&mut w, out);
    assert!(!w.new_tenant);
}

#[test]
fn the_import_asks_for_a_queue_or_none() {
    // A queue: the file's numbers without one go there.
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 5);
    assert_eq!(screen_name(&w), "queue");
    reply(
        &mut w,
        &out,
        Ask::Queues,
        Ok(Response::Queues(vec![queue("Demo Shop", "Sales")])),
    );
    assert!(text(&w).contains("No queue for now"));
    key(&mut w, KeyCode::Enter);
    assert_eq!(screen_name(&w), "import");
    type_text(&mut w, "/tmp/c.json");
    let out = key(&mut w, KeyCode::Enter);
    let out = w.on_file(tag_of(&out, Ask::ReadImport), Ok("[]".into()));
    match &calls(&out)[..] {
        [(Ask::ImportPreview, Request::Sync { queue, .. })] => {
            assert_eq!(queue.as_deref(), Some("Sales"))
        }
        other => panic!("{other:?}"),
    }

    // None: said on purpose, and the header names no queue.
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 5);
    reply(
        &mut w,
        &out,
        Ask::Queues,
        Ok(Response::Queues(vec![queue("Demo Shop", "Sales")])),
    );
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Enter);
    assert_eq!(screen_name(&w), "import");
    assert!(w.queue.is_none());
    type_text(&mut w, "/tmp/c.json");
    let out = key(&mut w, KeyCode::Enter);
    let out = w.on_file(tag_of(&out, Ask::ReadImport), Ok("[]".into()));
    match &calls(&out)[..] {
        [(Ask::ImportPreview, Request::Sync { queue, .. })] => assert!(queue.is_none()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_applied_import_says_what_changed_in_the_past_tense_aligned() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 5);
    through_queue(&mut w, out);
    type_text(&mut w, "/tmp/c.json");
    let out = key(&mut w, KeyCode::Enter);
    let out = w.on_file(tag_of(&out, Ask::ReadImport), Ok("[]".into()));
    let preview = crate::protocol::admin::SyncReport {
        dry_run: true,
        added: vec!["+59170000001 (231000000000001)".into()],
        inactive: vec!["+59170000002 (231000000000002)".into()],
        ..Default::default()
    };
    reply(
        &mut w,
        &out,
        Ask::ImportPreview,
        Ok(Response::Synced(Box::new(preview))),
    );
    let out = key(&mut w, KeyCode::Enter);
    let done = crate::protocol::admin::SyncReport {
        dry_run: false,
        added: vec!["+59170000001 (231000000000001)".into()],
        updated: vec!["+59170000002 (231000000000002)".into()],
        queue: Some("Sales".into()),
        assigned: vec!["+59170000001 (231000000000001)".into()],
        ..Default::default()
    };
    reply(
        &mut w,
        &out,
        Ask::ImportApply,
        Ok(Response::Synced(Box::new(done))),
    );
    let shown = text(&w);
    // Labels padded to the widest ("queue Sales"), then two spaces.
    assert!(shown.contains("added        +59170000001"), "{shown}");
    assert!(shown.contains("updated      +59170000002"), "{shown}");
    assert!(shown.contains("queue Sales  +59170000001"), "{shown}");
    assert!(!shown.contains(": add "), "{shown}");
    insta::assert_snapshot!("wizard_import_done", shown);
}

#[test]
fn a_copy_says_where_the_link_went_or_that_it_could_not() {
    let mut w = meta_link("en", 0);
    key(&mut w, KeyCode::Char('c'));
    w.on_copied(Copied::Tmux);
    assert!(
        text(&w).contains("tmux's buffer (prefix ] pastes it)"),
        "{}",
        text(&w)
    );

    w.on_copied(Copied::Osc52);
    assert!(text(&w).contains("OSC 52"));
    w.on_copied(Copied::Failed("no terminal".into()));
    let n = w.notice.clone().expect("a notice");
    assert!(n.error && n.text.contains("no terminal"), "{n:?}");
    let mut w = meta_link("es", 0);
    w.on_copied(Copied::Tool("xclip"));
    assert!(text(&w).contains("Enlace copiado al portapapeles (xclip)"));
}

#[test]
fn kapso_link_screen_speaks_of_kapsos_page_not_metas_login() {
    for lang in ["en", "es"] {
        let mut w = wizard(lang);
        let out = to_path(&mut w, 1, 2);
        through_queue(&mut w, out);
        assert_eq!(screen_name(&w), "kapso");
        let out = key(&mut w, KeyCode::Enter);
        let mut view = signup(SignupStatus::Waiting);
        view.path = crate::protocol::SignupVia::Kapso;
        answer_all(&mut w, out, |ask| match ask {
            Ask::Begin => Some(Ok(Response::Signup(Box::new(view.clone())))),
            _ => None,
        });
        let shown = text(&w);
        assert!(shown.contains("Kapso"), "{shown}");
        assert!(!shown.contains("log in and share"), "{shown}");
        assert!(!shown.contains("inicia sesión y comparte"), "{shown}");
    }
}
