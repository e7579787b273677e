//! Screens as an agent sees them, as insta snapshots of ratatui's TestBackend, plus exact
//! buffer checks where colour carries meaning.

use crate::tui::app::{App, Focus};
use crate::tui::fixtures::{self, NOW};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| super::draw(f, app))
        .expect("draw into the test terminal");
    terminal
}

fn press(app: &mut App, code: KeyCode) {
    let _ = app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

#[test]
fn what_is_typed_in_the_filter_stays_visible_in_a_narrow_pane() {
    let mut app = fixtures::inbox("en");
    app.list.filter_editing = true;
    app.list.filter = "Sheena Nelson".into();
    let screen = render(&app, 80, 24).backend().to_string();
    assert!(screen.contains("/Sheena Nelson▏"), "{screen}");
    app.list.filter = "a customer with a very long name indeed".into();
    let screen = render(&app, 80, 24).backend().to_string();
    assert!(screen.contains("… long name indeed▏"), "{screen}");
    // Where there is room, the pane keeps its name.
    app.list.filter = "Ana".into();
    let screen = render(&app, 200, 30).backend().to_string();
    assert!(screen.contains("Conversations · filter: Ana▏"), "{screen}");
}

/// The foreground colour of the first cell where `needle` starts.
fn colour_of(buffer: &Buffer, needle: &str) -> Option<Color> {
    let area = buffer.area;
    for y in 0..area.height {
        let row: String = (0..area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        if let Some(byte) = row.find(needle) {
            // Columns, not bytes: count the symbols before the match.
            let col = row[..byte].chars().count() as u16;
            return Some(buffer[(col, y)].fg);
        }
    }
    None
}

fn open_sheena() -> App {
    fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages())
}

#[test]
fn inbox_with_every_kind_of_message() {
    let app = open_sheena();
    insta::assert_snapshot!(render(&app, 120, 40).backend());
}

/// A search jump to a conversation's first message: it shows with what came after it below,
/// not above a blank pane.
#[test]
fn the_cursor_on_the_first_message_shows_the_ones_after_it_too() {
    let mut app = open_sheena();
    app.open.as_mut().unwrap().selected = 0;
    let screen = format!("{:?}", render(&app, 80, 24).backend());
    let row = |text: &str| {
        screen
            .lines()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("{text:?} is not on screen:\n{screen}"))
    };
    // The first message, then the photo after it, then the reply after that.
    assert!(row("Hi! Is my order") < row("The box arrived"), "{screen}");
    assert!(
        row("The box arrived") < row("Also, can I change the delivery"),
        "{screen}"
    );
    // Whatever the terminal's height, the chosen message shows whole, who wrote it and when
    // included (it was cut at the top where the conversation overflowed the pane by a line).
    for height in 24..=60 {
        let screen = format!("{:?}", render(&app, 80, height).backend());
        let lines: Vec<&str> = screen.lines().collect();
        let text = lines
            .iter()
            .position(|l| l.contains("Hi! Is my order #4471 shipped yet?┃"));
        let header = lines
            .iter()
            .position(|l| l.contains("◂ Sheena Nelson · 14:00"));
        assert!(
            matches!((header, text), (Some(h), Some(t)) if h + 1 == t),
            "at {height} rows:\n{screen}"
        );
    }
}

#[test]
fn inbox_fits_80x24() {
    let app = open_sheena();
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn empty_inbox_says_what_to_do() {
    let mut app = fixtures::inbox("en");
    app.sidebar.numbers.clear();
    app.list.rows.clear();
    insta::assert_snapshot!(render(&app, 100, 20).backend());
    // An admin is told the key that connects one (the wizard), as it is bound.
    app.admin = true;
    let lists = [(
        "connect".to_string(),
        crate::config::KeyList::One("ctrl+n".into()),
    )]
    .into();
    app.keymap = crate::tui::keymap::Keymap::with_overrides(&lists, &Default::default()).unwrap();
    let screen = render(&app, 100, 20).backend().to_string();
    assert!(screen.contains("press Ctrl+N to"), "{screen}");
}

#[test]
fn window_closing_soon_warns_above_the_composer() {
    let mut app = fixtures::open(fixtures::inbox("en"), 2, Vec::new());
    app.focus = Focus::Composer;
    let terminal = render(&app, 100, 20);
    insta::assert_snapshot!(terminal.backend());
    let buffer = terminal.backend().buffer();
    assert_eq!(colour_of(buffer, "closes in 9m"), Some(Color::Yellow));
}

#[test]
fn closed_window_opens_the_template_picker_instead_of_the_composer() {
    let mut app = fixtures::inbox("en");
    app.list.selected = 3; // Carlos, whose window closed two days ago
    app.focus = Focus::Conversations;
    press(&mut app, KeyCode::Char('i'));
    app.templates
        .insert("waba-106540352242922".into(), fixtures::templates());
    // The picker asked the engine for templates; answer as the engine would.
    let _ = app.on_reply(
        crate::tui::app::Tag::Templates {
            waba_id: "waba-106540352242922".into(),
        },
        Ok(crate::protocol::Response::Templates(fixtures::templates())),
    );
    let terminal = render(&app, 100, 24);
    insta::assert_snapshot!(terminal.backend());
    let buffer = terminal.backend().buffer();
    assert_eq!(
        colour_of(buffer, "The 24-hour window is closed"),
        Some(Color::Red)
    );
}

#[test]
fn a_search_no_template_matches_says_so_rather_than_that_there_are_none() {
    let mut app = fixtures::inbox("en");
    app.list.selected = 3;
    press(&mut app, KeyCode::Char('i'));
    let answer = |app: &mut App, templates| {
        let _ = app.on_reply(
            crate::tui::app::Tag::Templates {
                waba_id: "waba-106540352242922".into(),
            },
            Ok(crate::protocol::Response::Templates(templates)),
        );
    };
    answer(&mut app, fixtures::templates());
    // What an agent types for a reply lands in the picker's search when the window is closed.
    type_text(&mut app, "Hola, te ayudo");
    let shown = |app: &App| format!("{:?}", render(app, 100, 24).backend());
    assert!(shown(&app).contains("No approved template matches the search"));
    assert!(!shown(&app).contains("sync them"));
    answer(&mut app, Vec::new());
    assert!(shown(&app).contains("No approved templates for this number: sync them"));
}

#[test]
fn template_form_previews_the_exact_text() {
    let mut app = fixtures::inbox("en");
    app.list.selected = 3;
    press(&mut app, KeyCode::Char('i'));
    let _ = app.on_reply(
        crate::tui::app::Tag::Templates {
            waba_id: "waba-106540352242922".into(),
        },
        Ok(crate::protocol::Response::Templates(fixtures::templates())),
    );
    type_text(&mut app, "order");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "A-4471");
    insta::assert_snapshot!(render(&app, 100, 24).backend());
}

#[test]
fn a_template_with_an_image_header_prompts_for_a_file_and_names_it_in_the_preview() {
    let mut app = fixtures::inbox("en");
    app.list.selected = 3;
    press(&mut app, KeyCode::Char('i'));
    let mut summer = fixtures::templates()[0].clone();
    summer.name = "summer_sale".into();
    summer.spec.name = "summer_sale".into();
    summer.body = "Hi {{1}}, our summer sale starts today.".into();
    summer.spec.body = summer.body.clone();
    summer.spec.parameter_format = crate::domain::template::ParameterFormat::Positional;
    summer.spec.header_media = Some(crate::domain::template_header::MediaHeader::Image);
    let _ = app.on_reply(
        crate::tui::app::Tag::Templates {
            waba_id: "waba-106540352242922".into(),
        },
        Ok(crate::protocol::Response::Templates(vec![summer])),
    );
    type_text(&mut app, "summer");
    press(&mut app, KeyCode::Enter);
    // Nothing given yet: the preview says what is missing, and Enter does not send.
    let missing = render(&app, 100, 24).backend().to_string();
    assert!(
        missing.contains("Header: IMAGE — missing: give a file path or an https link"),
        "{missing}"
    );
    let effects = app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(effects.is_empty(), "{effects:?}");
    press(&mut app, KeyCode::Up); // Enter moved on to {{1}}: back to the header
    type_text(&mut app, "~/promo.jpg");
    insta::assert_snapshot!(render(&app, 100, 24).backend());
}

#[test]
fn ticks_and_window_states_carry_colour_and_words() {
    let app = open_sheena();
    let terminal = render(&app, 120, 40);
    let buffer = terminal.backend().buffer();
    assert_eq!(colour_of(buffer, "✓✓ read"), Some(Color::LightBlue));
    assert_eq!(colour_of(buffer, "✗ failed"), Some(Color::Red));
    assert_eq!(colour_of(buffer, "? uncertain"), Some(Color::Yellow));
    assert_eq!(colour_of(buffer, "23h 12m"), Some(Color::Green));
    assert_eq!(colour_of(buffer, "closed"), Some(Color::DarkGray));
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut app = open_sheena();
    press(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(render(&app, 100, 40).backend());
}

#[test]
fn spanish_inbox() {
    let mut app = fixtures::open(fixtures::inbox("es"), 0, fixtures::sheena_messages());
    app.focus = Focus::Composer;
    insta::assert_snapshot!(render(&app, 120, 40).backend());
}

#[test]
fn a_lost_engine_is_shown_as_such() {
    let mut app = fixtures::inbox("en");
    app.on_disconnected("the engine closed the connection".into());
    let terminal = render(&app, 100, 10);
    let top: String = (0..100)
        .map(|x| terminal.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(top.contains("engine unreachable, reconnecting"), "{top}");
    let _ = NOW;
}

#[test]
fn contact_panel_shows_labels_and_private_notes() {
    let mut app = open_sheena();
    press(&mut app, KeyCode::Char('p'));
    let _ = app.on_reply(
        crate::tui::app::Tag::Contact { conversation_id: 1 },
        Ok(crate::protocol::Response::Contact(Box::new(
            crate::protocol::admin::ContactDetails {
                contact_id: 1,
                name: Some("Sheena Nelson".into()),
                wa_id: Some("16505551234".into()),
                user_id: Some("US.13491208655302741918".into()),
                username: Some("@sheena.sells".into()),
                tenant: "Demo Shop".into(),
                labels: vec!["vip".into(), "wholesale".into()],
                notes: vec![crate::protocol::admin::NoteView {
                    author: "alice".into(),
                    text: "Prefers calls after 6pm".into(),
                    at: NOW - 3600,
                }],
                opted_out: Some(crate::protocol::admin::OptOutView {
                    at: NOW - 86_400,
                    by: "customer".into(),
                }),
            },
        ))),
    );
    let _ = app.on_reply(
        crate::tui::app::Tag::History { conversation_id: 1 },
        Ok(crate::protocol::Response::History(vec![
            crate::protocol::directory::HandEvent {
                at: NOW - 7200,
                actor: "alice".into(),
                kind: "claimed".into(),
                detail: "alice".into(),
                note: None,
            },
            crate::protocol::directory::HandEvent {
                at: NOW - 600,
                actor: "root".into(),
                kind: "transferred".into(),
                detail: "to queue Support".into(),
                note: Some("asks about returns".into()),
            },
        ])),
    );
    insta::assert_snapshot!(render(&app, 120, 30).backend());
}

#[test]
fn search_results_newest_first_with_the_words_marked() {
    let mut app = fixtures::inbox("en");
    app.on_key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL));
    type_text(&mut app, "env");
    let generation = match &app.popup {
        Some(crate::tui::app::Popup::Search(s)) => s.generation,
        other => panic!("no search popup: {other:?}"),
    };
    let hit = |message_id: i64, conversation_id: i64, contact: &str, snippet: &str, ago: i64| {
        crate::protocol::admin::SearchHit {
            message_id,
            conversation_id,
            contact: contact.into(),
            direction: crate::protocol::Direction::In,
            at: NOW - ago,
            snippet: snippet.into(),
        }
    };
    let _ = app.on_reply(
        crate::tui::app::Tag::Search { generation },
        Ok(crate::protocol::Response::SearchResults(vec![
            hit(
                40,
                4,
                "Carlos Mamani",
                "Hola, ¿hacen [envíos] a Cochabamba?",
                2 * 86_400,
            ),
            hit(
                12,
                2,
                "+59170031000",
                "¿Cuánto cuesta el [envío]?",
                3 * 86_400,
            ),
        ])),
    );
    insta::assert_snapshot!(render(&app, 100, 20).backend());
}

#[test]
fn unrouted_deliveries_are_a_loud_warning_in_the_sidebar() {
    let mut app = fixtures::inbox("en");
    app.sidebar.unrouted = 3;
    let terminal = render(&app, 100, 20);
    insta::assert_snapshot!(terminal.backend());
    assert_eq!(
        colour_of(terminal.backend().buffer(), "⚠ 3"),
        Some(Color::Red)
    );
}

#[test]
fn a_token_about_to_expire_is_warned_about_in_yellow_and_an_expired_one_in_red() {
    let mut app = open_sheena();
    app.sidebar.numbers[0].token_expires_at = Some(NOW + 3 * 86_400);
    app.sidebar.numbers[1].token_expires_at = Some(NOW - 60);
    let terminal = render(&app, 120, 40);
    insta::assert_snapshot!(terminal.backend());
    let buffer = terminal.backend().buffer();
    assert_eq!(colour_of(buffer, "token expires in"), Some(Color::Yellow));
    assert_eq!(colour_of(buffer, "token expired,"), Some(Color::Red));
}

/// Sheena's conversation with the welcome sequence waiting for her answer and a second one
/// paused because an agent replied.
fn with_automation(lang: &str) -> App {
    let mut app = fixtures::open(fixtures::inbox(lang), 0, fixtures::sheena_messages());
    let enrollment =
        |id: i64, name: &str, state: &str, step: usize, step_name: &str, reason: Option<&str>| {
            crate::protocol::EnrollmentView {
                id,
                conversation_id: 1,
                sequence: name.to_lowercase(),
                sequence_name: name.into(),
                state: crate::protocol::EnrollmentState::parse(state).expect("a state"),
                step,
                step_name: step_name.into(),
                step_kind: "wait for reply".into(),
                steps: 8,
                due_at: Some(NOW + 3 * 3_600),
                reason: reason.map(str::to_string),
                enrolled_by: "first message".into(),
                created_at: NOW - 600,
                updated_at: NOW - 60,
                log: Vec::new(),
            }
        };
    app.open.as_mut().unwrap().automation = vec![
        enrollment(7, "Welcome", "waiting_reply", 3, "question", None),
        enrollment(9, "Follow-up", "paused", 1, "step 2", Some("alice replied")),
    ];
    app
}

#[test]
fn the_sequence_running_in_a_conversation_shows_above_its_messages() {
    for lang in ["en", "es"] {
        let app = with_automation(lang);
        insta::assert_snapshot!(
            format!("automation_line_{lang}"),
            render(&app, 80, 24).backend()
        );
        let buffer = render(&app, 80, 24).backend().buffer().clone();
        assert_eq!(colour_of(&buffer, "⚙ Welcome"), Some(Color::Magenta));
    }
}

#[test]
fn a_paused_sequence_s_step_and_reason_read_in_the_agent_s_language() {
    let mut app = with_automation("es");
    // Only the paused one is live: it is the one the banner shows.
    app.open.as_mut().unwrap().automation.remove(0);
    let open = app.open.as_ref().unwrap();
    let line = super::messages::automation_line(&app, open).expect("a banner");
    assert_eq!(
        line,
        "⏸ Follow-up · paso 2 (2/8) · en pausa: alice respondió"
    );
}

#[test]
fn the_sequences_popup_lists_what_runs_and_what_may_start() {
    for lang in ["en", "es"] {
        let mut app = with_automation(lang);
        press(&mut app, KeyCode::Char('S'));
        let sequence = |id: &str, name: &str, triggers: &[&str]| crate::protocol::SequenceView {
            id: id.into(),
            name: name.into(),
            description: None,
            tenant: app.open.as_ref().unwrap().row.view.tenant.clone(),
            numbers: Vec::new(),
            triggers: triggers.iter().map(|t| t.to_string()).collect(),
            steps: vec!["text".into(), "wait 2h".into()],
            late: crate::domain::sequence::LateRule::Run,
            pause_on_agent: true,
            live: 1,
            file: format!("/etc/wabox/sequences/{id}.toml"),
        };
        let list = crate::protocol::SequencesView {
            dir: None,
            sequences: vec![
                sequence("welcome", "Welcome", &["first message", "by hand"]),
                sequence(
                    "prices",
                    "Prices",
                    &["keyword: any of precio, price", "by hand"],
                ),
            ],
            errors: Vec::new(),
        };
        app.on_reply(
            crate::tui::app::Tag::Sequences,
            Ok(crate::protocol::Response::Sequences(Box::new(list))),
        );
        press(&mut app, KeyCode::Down);
        insta::assert_snapshot!(
            format!("automation_popup_{lang}"),
            render(&app, 80, 24).backend()
        );
        // `p` on the paused one resumes it; Enter on a sequence starts it.
        let effects = app.on_key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE));
        assert!(matches!(
            &effects[..],
            [crate::tui::app::Effect::Call(
                _,
                crate::protocol::Request::ControlEnrollment {
                    id: 9,
                    control: crate::protocol::EnrollmentControl::Resume
                }
            )]
        ));
        press(&mut app, KeyCode::Down);
        let effects = app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert!(matches!(
            &effects[..],
            [crate::tui::app::Effect::Call(_, crate::protocol::Request::Enroll { sequence, conversation_id: 1 })]
                if sequence == "welcome"
        ));
        assert!(app.popup.is_none());
    }
}

#[test]
fn a_customers_escapes_and_bidi_overrides_are_drawn_visibly_never_emitted() {
    let hostile = "Ana \u{1b}]52;c;aGk=\u{7}\u{9b}31m\u{202e}gpj.exe\u{200b}";
    let mut app = fixtures::inbox("en");
    app.list.rows[0].view.contact.name = Some(hostile.into());
    let app = fixtures::open(
        app,
        0,
        vec![fixtures::message(1, "in", "customer", hostile, 60)],
    );
    let terminal = render(&app, 160, 30);
    let buffer = terminal.backend().buffer();
    let mut screen = String::new();
    for cell in &buffer.content {
        assert!(
            !cell.symbol().chars().any(crate::domain::text::is_hidden),
            "a hidden character reached a cell: {:?}",
            cell.symbol()
        );
        screen.push_str(cell.symbol());
    }
    assert!(
        screen.contains("^[]52;c;aGk=^G"),
        "shown, not dropped: {screen}"
    );
    assert!(screen.contains("\\u{202e}gpj.exe"), "{screen}");
}
