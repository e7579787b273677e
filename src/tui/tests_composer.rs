//! The composer as an agent meets it: where the keys go after a send, Ctrl+C, drafts that follow
//! their conversation and outlive the inbox, the template review, canned replies with Tab,
//! `:attach`, and long lines that wrap.

use super::app::{App, Effect, Focus, Popup, Tag};
use super::fixtures;
use super::tests::requests;
use crate::domain::MediaKind;
use crate::protocol::{ApiError, Request, Response, SendContent};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl_c(app: &mut App) -> Vec<Effect> {
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
}

fn chars(app: &mut App, text: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(press(app, KeyCode::Char(c)));
    }
    out
}

fn screen(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| super::view::draw(f, app))
        .expect("draw into the test terminal");
    terminal
}

fn sheena(lang: &str) -> App {
    fixtures::open(fixtures::inbox(lang), 0, Vec::new())
}

fn sends(effects: &[Effect]) -> usize {
    requests(effects)
        .iter()
        .filter(|r| matches!(r, Request::Send { .. }))
        .count()
}

// ----- defect 3: the keys after a send, Ctrl+C, drafts -----

#[test]
fn after_a_send_the_keys_go_back_to_the_messages_and_what_follows_is_a_command() {
    let mut app = sheena("en");
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "It ships today");
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 1);
    assert_eq!(
        app.focus,
        Focus::Messages,
        "the composer gave the keys back"
    );
    // What the agent typed next ("u:open 2") is commands, not a second message.
    let effects = chars(&mut app, "u");
    assert_eq!(
        requests(&effects),
        [&Request::MarkUnread { conversation_id: 1 }]
    );
    chars(&mut app, ":open 2");
    assert_eq!(app.popup, Some(Popup::Command("open 2".into())));
    assert_eq!(app.composer_text(), "");
}

#[test]
fn the_focused_composer_says_it_writes_to_the_customer() {
    let mut app = sheena("en");
    let before = screen(&app, 80, 24).backend().to_string();
    assert!(!before.contains("Writing to"), "{before}");
    press(&mut app, KeyCode::Char('i'));
    let after = screen(&app, 80, 24).backend().to_string();
    // At 80 columns the words give way, not the name: it tells "Cliente 1002" from 1003.
    assert!(after.contains("▶ ✎ Sheena Nelson · 23h 12m"), "{after}");
    let wide = screen(&app, 120, 30).backend().to_string();
    assert!(
        wide.contains("▶ ✎ Writing to Sheena Nelson · 23h 12m left"),
        "the window stays in sight: {wide}"
    );
    assert!(after.contains("Message · Enter sends"), "{after}");
    let mut app = sheena("es");
    press(&mut app, KeyCode::Char('i'));
    let after = screen(&app, 80, 24).backend().to_string();
    assert!(after.contains("▶ ✎ Sheena Nelson · 23h 12m"), "{after}");
    let narrow = screen(&app, 60, 20).backend().to_string();
    assert!(
        narrow.contains("▶ ✎ Sheena"),
        "the name, cut last: {narrow}"
    );
}

#[test]
fn ctrl_c_in_the_composer_asks_and_keeps_the_draft() {
    let mut app = sheena("en");
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "Hola Sheena");
    assert!(ctrl_c(&mut app).is_empty(), "no quitting at once");
    assert!(matches!(app.popup, Some(Popup::ConfirmQuit { .. })));
    let shown = screen(&app, 80, 24).backend().to_string();
    assert!(
        shown.contains("Quit wabox? Your drafts are kept.  y quits · any other key stays"),
        "{shown}"
    );
    // Anything but yes stays, and the key is not typed.
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert_eq!(app.popup, None);
    assert_eq!(app.focus, Focus::Composer);
    assert_eq!(app.composer_text(), "Hola Sheena");
    ctrl_c(&mut app);
    assert_eq!(press(&mut app, KeyCode::Char('y')), [Effect::Quit]);
    // Twice in a row quits too; in the lists Ctrl+C quits at once, as before.
    let mut app = sheena("en");
    press(&mut app, KeyCode::Char('i'));
    ctrl_c(&mut app);
    assert_eq!(ctrl_c(&mut app), [Effect::Quit]);
    let mut app = sheena("en");
    assert_eq!(ctrl_c(&mut app), [Effect::Quit]);
}

#[test]
fn in_spanish_the_quit_question_is_answered_with_s() {
    let mut app = sheena("es");
    press(&mut app, KeyCode::Char('i'));
    ctrl_c(&mut app);
    let shown = screen(&app, 80, 24).backend().to_string();
    assert!(
        shown.contains("¿Salir de wabox? Tus borradores se guardan."),
        "{shown}"
    );
    assert!(shown.contains("s sale"), "{shown}");
    assert!(
        press(&mut app, KeyCode::Char('y')).is_empty(),
        "y is not sí"
    );
    ctrl_c(&mut app);
    assert_eq!(press(&mut app, KeyCode::Char('s')), [Effect::Quit]);
}

#[test]
fn the_quit_question_over_the_template_form_gives_the_form_back() {
    let mut app = fixtures::open(fixtures::inbox("en"), 3, Vec::new()); // Carlos: closed
    press(&mut app, KeyCode::Char('i'));
    assert!(matches!(app.popup, Some(Popup::Templates(_))));
    app.focus = Focus::Composer;
    ctrl_c(&mut app);
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.popup, Some(Popup::Templates(_))));
}

#[test]
fn drafts_follow_their_conversation() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char('i')); // Sheena, from the list
    chars(&mut app, "Hola Sheena, ya");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::Conversations);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('i')); // Priya
    assert_eq!(app.open.as_ref().unwrap().id(), 3);
    assert_eq!(app.composer_text(), "", "Priya's composer is her own");
    chars(&mut app, "Hi Priya");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(app.composer_text(), "Hola Sheena, ya");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.composer_text(), "Hi Priya");
}

#[test]
fn a_refused_send_goes_back_to_the_draft_of_its_own_conversation() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "It ships today");
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Call(tag, _)) = effects.first() else {
        panic!("no send: {effects:?}");
    };
    let tag = tag.clone();
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter); // Priya is open when the refusal comes
    app.on_reply(tag, Err(ApiError::invalid("number has no access token")));
    assert_eq!(app.composer_text(), "", "not into Priya's composer");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.composer_text(), "It ships today");
}

#[test]
fn drafts_survive_restarting_the_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("drafts/engine.json");
    let mut app = fixtures::inbox("en");
    app.load_drafts(file.clone());
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "Te escribo mañana");
    app.save_drafts(); // as each second and on quitting
    assert!(file.exists());
    let mut again = fixtures::inbox("en");
    again.load_drafts(file.clone());
    assert_eq!(again.notice, None, "read without a complaint");
    press(&mut again, KeyCode::Char('i'));
    assert_eq!(again.composer_text(), "Te escribo mañana");
    // Sent: the draft is gone from the file too.
    press(&mut again, KeyCode::Enter);
    again.save_drafts();
    let mut third = fixtures::inbox("en");
    third.load_drafts(file);
    press(&mut third, KeyCode::Char('i'));
    assert_eq!(third.composer_text(), "");
}

// ----- defect 2: the template form sends only from its review -----

fn carlos_order_form(lang: &str) -> App {
    order_form(fixtures::open(fixtures::inbox(lang), 3, Vec::new()))
}

/// The order template's form, from Carlos's conversation (his window closed) open in `app`.
fn order_form(mut app: App) -> App {
    press(&mut app, KeyCode::Char('i'));
    app.on_reply(
        Tag::Templates {
            waba_id: "waba-106540352242922".into(),
        },
        Ok(Response::Templates(fixtures::templates())),
    );
    chars(&mut app, "order");
    press(&mut app, KeyCode::Enter);
    app
}

#[test]
fn correcting_a_field_never_sends_the_template_half_corrected() {
    let mut app = carlos_order_form("en");
    chars(&mut app, "A-4471");
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 0);
    chars(&mut app, "Friday");
    // Back up to {{1}} with every field filled, and correct it: Enter only moves on.
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    for _ in 0.."Mamani".len() {
        press(&mut app, KeyCode::Backspace);
    }
    chars(&mut app, "M.");
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 0);
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 0);
    let reviewing = |app: &App| matches!(&app.popup, Some(Popup::Templates(p)) if p.reviewing());
    assert!(!reviewing(&app), "still on the last field");
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 0);
    assert!(reviewing(&app), "after the last field comes the review");
    // Typing in the review changes nothing.
    chars(&mut app, "zz");
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&effects),
        [&Request::Send {
            conversation_id: 4,
            content: SendContent::Template {
                name: "order_update".into(),
                language: "en_US".into(),
                params: vec!["Carlos M.".into(), "A-4471".into(), "Friday".into()],
                header: None,
            },
            reply_to: None,
        }]
    );
    assert_eq!(app.popup, None);
}

#[test]
fn the_template_review_shows_the_exact_text_and_enter_sends() {
    for lang in ["en", "es"] {
        let mut app = carlos_order_form(lang);
        chars(&mut app, "A-4471");
        press(&mut app, KeyCode::Enter);
        chars(&mut app, "Friday");
        press(&mut app, KeyCode::Enter);
        insta::assert_snapshot!(
            format!("template_review_{lang}"),
            screen(&app, 80, 24).backend()
        );
        // Esc goes back to the fields, not out of the form.
        press(&mut app, KeyCode::Esc);
        assert!(matches!(&app.popup, Some(Popup::Templates(p)) if !p.reviewing()));
    }
}

// ----- canned replies with Tab -----

#[test]
fn tab_completes_a_canned_reply_and_one_enter_sends_it() {
    let mut app = sheena("en");
    app.composer
        .canned
        .insert("hours".into(), "We open 9 to 18.".into());
    app.composer
        .canned
        .insert("holidays".into(), "Closed on 25 December.".into());
    app.composer
        .canned
        .insert("address".into(), "Calle 8 #12.".into());
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "/h");
    let shown = screen(&app, 80, 24).backend().to_string();
    assert!(shown.contains("Tab completes: holidays, hours"), "{shown}");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.composer_text(), "/ho", "the names' common part first");
    assert_eq!(app.focus, Focus::Composer, "Tab did not leave the composer");
    chars(&mut app, "u");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.composer_text(), "We open 9 to 18.");
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&effects),
        [&Request::Send {
            conversation_id: 1,
            content: SendContent::Text {
                body: "We open 9 to 18.".into()
            },
            reply_to: None,
        }]
    );
    // Without a canned name before it, Tab still moves between panes.
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "hi");
    press(&mut app, KeyCode::Tab);
    assert_ne!(app.focus, Focus::Composer);
}

// ----- :attach -----

#[test]
fn attach_sends_a_file_in_the_open_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("menu.pdf");
    std::fs::write(&path, b"%PDF-1.4\n").unwrap();
    let mut app = sheena("en");
    let effects = app.run_command(&format!("attach {}", path.display()));
    assert_eq!(
        requests(&effects),
        [&Request::Send {
            conversation_id: 1,
            content: SendContent::LocalFile {
                path: path.clone(),
                kind: MediaKind::Document,
                filename: "menu.pdf".into(),
                mime: "application/pdf".into(),
                caption: None,
            },
            reply_to: None,
        }]
    );
    assert_eq!(app.notice.as_ref().unwrap().text, "sending menu.pdf…");
}

#[test]
fn attach_respects_the_window_and_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("menu.pdf");
    std::fs::write(&path, b"%PDF-1.4\n").unwrap();
    let attach = format!("attach {}", path.display());
    // The window closed: no file goes, the templates open.
    let mut app = fixtures::open(fixtures::inbox("en"), 3, Vec::new());
    assert_eq!(sends(&app.run_command(&attach)), 0);
    assert!(matches!(app.popup, Some(Popup::Templates(_))));
    // No conversation open.
    let mut app = fixtures::inbox("es");
    assert!(app.run_command(&attach).is_empty());
    assert!(app.notice.as_ref().unwrap().text.starts_with("abre antes"));
    // A missing file; no path.
    let mut app = sheena("en");
    assert!(app.run_command("attach /no/such/menu.pdf").is_empty());
    let notice = app.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "cannot read /no/such/menu.pdf: there is no such file"
    );
    // The command table answers a missing argument with the command's usage.
    app.run_command("attach");
    assert_eq!(app.notice.unwrap().text, ":attach needs more: :attach PATH");
}

// ----- a composer that wraps -----

#[test]
fn a_long_draft_wraps_and_the_composer_grows_then_scrolls() {
    let mut app = sheena("en");
    press(&mut app, KeyCode::Char('i'));
    chars(
        &mut app,
        "Hola Sheena, your order left the warehouse this morning and should reach \
         Calle 8 #12 tomorrow before noon; the driver will call you first.",
    );
    let terminal = screen(&app, 80, 24);
    let shown = terminal.backend().to_string();
    assert!(
        shown.contains("the driver will call you"),
        "nothing is out of sight: {shown}"
    );
    insta::assert_snapshot!(terminal.backend());
    // Past five rows it scrolls instead of growing.
    chars(&mut app, &" and more".repeat(40));
    let height = super::view::composer_height(&app, 40);
    assert_eq!(height, 5 + 2);
}

// ----- another agent's conversation -----

/// Sheena's conversation, open, with `assignee` holding it; this inbox is "root"'s.
fn sheena_held_by(assignee: Option<&str>) -> App {
    let mut inbox = fixtures::inbox("en");
    inbox.user = Some("root".into());
    inbox.list.rows[0].view.assignee = assignee.map(str::to_string);
    fixtures::open(inbox, 0, Vec::new())
}

#[test]
fn an_answer_in_another_agents_conversation_asks_once_then_goes() {
    let mut app = sheena_held_by(Some("ana\u{1b}[2J"));
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "Ya lo reviso");
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 0, "asked first");
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        notice.starts_with("ana") && notice.contains("has this conversation: Enter again"),
        "{notice}"
    );
    assert!(
        !notice.contains('\u{1b}'),
        "the name is shown, not obeyed: {notice:?}"
    );
    assert_eq!(app.composer_text(), "Ya lo reviso", "the text is kept");
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 1, "then sent");
    // Told once for the conversation: the next answer goes at once.
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "Listo");
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 1);
}

#[test]
fn whose_the_conversation_is_is_said_whole_at_80_columns() {
    let mut app = sheena_held_by(Some("alice"));
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "Hola");
    press(&mut app, KeyCode::Enter);
    let shown = screen(&app, 80, 24).backend().to_string();
    assert!(
        shown.contains("alice has this conversation: Enter again to answer anyway"),
        "{shown}"
    );
}

#[test]
fn a_template_in_another_agents_conversation_asks_at_its_review_then_goes() {
    let mut inbox = fixtures::inbox("en");
    inbox.user = Some("root".into());
    inbox.list.rows[3].view.assignee = Some("ana".into());
    let mut app = order_form(fixtures::open(inbox, 3, Vec::new()));
    chars(&mut app, "A-4471");
    press(&mut app, KeyCode::Enter);
    chars(&mut app, "Friday");
    press(&mut app, KeyCode::Enter);
    let reviewing = |app: &App| matches!(&app.popup, Some(Popup::Templates(p)) if p.reviewing());
    assert!(reviewing(&app));
    assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 0, "asked first");
    let notice = app.notice.as_ref().map(|n| n.text.clone());
    assert_eq!(
        notice.as_deref(),
        Some("ana has this conversation: Enter again to answer anyway")
    );
    assert!(reviewing(&app), "the review stays, filled in");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(
            requests(&effects).as_slice(),
            [Request::Send {
                conversation_id: 4,
                content: SendContent::Template { .. },
                ..
            }]
        ),
        "then sent: {effects:?}"
    );
    assert_eq!(app.popup, None);
}

#[test]
fn a_file_in_another_agents_conversation_asks_then_goes_and_being_told_once_is_enough() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("menu.pdf");
    std::fs::write(&path, b"%PDF-1.4\n").unwrap();
    let attach = format!("attach {}", path.display());
    for lang in ["en", "es"] {
        let mut inbox = fixtures::inbox(lang);
        inbox.user = Some("root".into());
        inbox.list.rows[0].view.assignee = Some("ana".into());
        let mut app = fixtures::open(inbox, 0, Vec::new());
        assert_eq!(sends(&app.run_command(&attach)), 0, "asked first");
        let notice = app.notice.as_ref().unwrap().text.clone();
        let said = match lang {
            "en" => "ana has this conversation: :attach again sends anyway",
            _ => "ana tiene esta conversación: :attach otra vez envía igual",
        };
        assert_eq!(notice, said);
        let shown = screen(&app, 80, 24).backend().to_string();
        assert!(shown.contains(said), "whole at 80 columns: {shown}");
        assert_eq!(sends(&app.run_command(&attach)), 1, "then sent");
        // Told once for the conversation, whichever way: typed text goes at once too.
        press(&mut app, KeyCode::Char('i'));
        chars(&mut app, "Listo");
        assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 1);
    }
}

#[test]
fn an_answer_in_ones_own_or_an_unassigned_conversation_goes_at_once() {
    for assignee in [Some("root"), None] {
        let mut app = sheena_held_by(assignee);
        press(&mut app, KeyCode::Char('i'));
        chars(&mut app, "Hola");
        assert_eq!(sends(&press(&mut app, KeyCode::Enter)), 1, "{assignee:?}");
    }
}
