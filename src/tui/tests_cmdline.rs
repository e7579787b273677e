//! The `:` command line, its answers, the help and the messages log, driven by the keys an
//! agent presses and the answers an engine gives.

use super::app::{App, Effect, Popup, Tag};
use super::cmdline::{CmdTag, history, table};
use super::fixtures::{self, NOW};
use super::tests::requests;
use crate::protocol::admin::ContactDetails;
use crate::protocol::{ApiError, Request, Response};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chars(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Types `:line` and Enter.
fn command(app: &mut App, line: &str) -> Vec<Effect> {
    press(app, KeyCode::Char(':'));
    chars(app, line);
    press(app, KeyCode::Enter)
}

/// What the `:` line holds now.
fn line(app: &App) -> String {
    match &app.popup {
        Some(Popup::Command(line)) => line.clone(),
        other => panic!("the command line is not open: {other:?}"),
    }
}

fn notice(app: &App) -> (String, bool) {
    let n = app.notice.as_ref().expect("a notice");
    (n.text.clone(), n.error)
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| super::view::draw(f, app))
        .expect("draw into the test terminal");
    terminal.backend().to_string()
}

fn contact(labels: &[&str]) -> Response {
    Response::Contact(Box::new(ContactDetails {
        contact_id: 7,
        name: Some("Sheena Nelson".into()),
        wa_id: Some("15551230001".into()),
        user_id: None,
        username: None,
        tenant: "Demo Shop".into(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
        notes: Vec::new(),
        opted_out: None,
    }))
}

/// The tag of the only request among the effects.
fn only_tag(effects: &[Effect]) -> Tag {
    match effects {
        [Effect::Call(tag, _)] => tag.clone(),
        other => panic!("expected one request, got {other:?}"),
    }
}

#[test]
fn label_answers_with_the_panel_closed_and_replaces_a_stale_error() {
    let mut app = fixtures::inbox("en");
    command(&mut app, "fly");
    assert!(notice(&app).1, "an unknown command is an error");
    assert!(!app.contact.shown);
    let effects = command(&mut app, "label vip");
    assert!(
        app.notice.is_none(),
        "the stale error goes as the next command runs"
    );
    assert!(matches!(
        requests(&effects).as_slice(),
        [Request::ChangeLabels { add, .. }] if add == &["vip".to_string()]
    ));
    app.on_reply(only_tag(&effects), Ok(contact(&["vip"])));
    assert_eq!(notice(&app), ("Label vip added".into(), false));

    let effects = command(&mut app, "unlabel vip");
    app.on_reply(only_tag(&effects), Ok(contact(&[])));
    assert_eq!(notice(&app), ("Label vip removed".into(), false));

    let effects = command(&mut app, "transfer Support call back at 5");
    assert!(matches!(
        requests(&effects).as_slice(),
        [Request::Transfer { queue: Some(q), note: Some(n), .. }] if q == "Support" && n == "call back at 5"
    ));
    app.on_reply(
        only_tag(&effects),
        Err(ApiError::invalid("the queue Support is not yours")),
    );
    assert_eq!(
        notice(&app),
        (
            ":transfer Support: the queue Support is not yours".into(),
            true
        ),
        "a refusal names the command it answers"
    );
}

#[test]
fn admin_commands_say_what_they_changed() {
    let mut app = fixtures::inbox("es");
    let effects = command(&mut app, "queue-add Mayoreo");
    let change = effects
        .iter()
        .find_map(|e| match e {
            Effect::Call(tag @ Tag::AdminChange, _) => Some(tag.clone()),
            _ => None,
        })
        .expect("an admin change");
    app.on_reply(change, Ok(Response::Queues(app.sidebar.queues.clone())));
    assert_eq!(notice(&app), ("Cola Mayoreo añadida".into(), false));
}

#[test]
fn a_command_missing_its_argument_shows_how_to_write_it() {
    let mut app = fixtures::inbox("en");
    assert!(command(&mut app, "label").is_empty());
    assert_eq!(
        notice(&app),
        (":label needs more: :label LABEL".into(), true)
    );
    command(&mut app, "assign-number 15550783881");
    assert_eq!(
        notice(&app).0,
        ":assign-number needs more: :assign-number NUMBER QUEUE"
    );
    command(&mut app, "lable vip");
    assert_eq!(
        notice(&app).0,
        "unknown command lable: did you mean :label?"
    );
    let mut app = fixtures::inbox("es");
    command(&mut app, "snooze");
    assert_eq!(notice(&app).0, ":snooze necesita más: :snooze TIEMPO");
}

#[test]
fn every_command_of_the_table_is_dispatched() {
    for command_spec in table::COMMANDS {
        let mut app = fixtures::inbox("en");
        let args: Vec<&str> = command_spec
            .args
            .iter()
            .filter(|a| !a.optional)
            .map(|a| match a.kind {
                table::ArgKind::Conversation => "4",
                table::ArgKind::Duration => "2h",
                _ => "Sales",
            })
            .collect();
        let line = format!("{} {}", command_spec.name, args.join(" "));
        let effects = command(&mut app, &line);
        let answered = app
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("unknown command") || n.text.contains("needs more"));
        assert!(!answered, ":{line} was not dispatched: {:?}", app.notice);
        let did_something = !effects.is_empty()
            || app.popup.is_some()
            || app.open.is_some()
            || app.notice.is_some();
        assert!(did_something, ":{line} did nothing");
    }
}

#[test]
fn an_error_stays_until_the_next_key_and_a_success_goes_by_itself() {
    let mut app = fixtures::inbox("en");
    command(&mut app, "fly");
    press(&mut app, KeyCode::Char('j'));
    assert!(
        notice(&app).1,
        "a key pressed as it arrives does not dismiss it unread"
    );
    app.on_tick(NOW + 600);
    assert!(notice(&app).1, "an unseen error does not time out");
    press(&mut app, KeyCode::Char('j'));
    assert!(app.notice.is_none(), "the next key dismisses it");
    app.now = NOW + 600;
    command(&mut app, "filter ana");
    assert_eq!(
        notice(&app),
        ("Showing conversations matching \"ana\"".into(), false)
    );
    press(&mut app, KeyCode::Char('j'));
    assert!(app.notice.is_some(), "a success is not dismissed by keys");
    app.on_tick(NOW + 608);
    assert!(app.notice.is_none(), "a success goes after a few seconds");
}

#[test]
fn the_messages_log_keeps_every_answer_whole_with_its_time() {
    let mut app = fixtures::inbox("en");
    let long = "The access token of +1 555-078-3881 expired (code 190): an admin \
                reconnects the number with `wabox connect meta` or renews the token in \
                the wizard, then every queued message is sent again.";
    app.now = NOW + 61;
    app.error(long.to_string());
    // The top bar cuts it and says where to read it whole.
    let screen = render(&app, 80, 24);
    let top = screen.lines().next().unwrap_or_default();
    assert!(top.contains("… L reads it all"), "{top}");
    app.now = NOW + 125;
    command(&mut app, "filter");
    press(&mut app, KeyCode::Char('L'));
    assert!(matches!(app.popup, Some(Popup::Messages(_))));
    assert_eq!(app.cmdline.log.len(), 2);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("16:01 ✗ The access token"), "{screen}");
    assert!(
        screen.contains("every queued message is sent again."),
        "whole: {screen}"
    );
    insta::assert_snapshot!(screen);
    press(&mut app, KeyCode::Esc);
    assert!(app.popup.is_none());
    // `:messages` opens it too.
    command(&mut app, "messages");
    assert!(matches!(app.popup, Some(Popup::Messages(_))));
}

#[test]
fn tab_completes_command_names_and_cycles_through_several() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "unl");
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "unlabel ", "one candidate: put in whole");

    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "queue-r");
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "queue-re", "several: as far as they agree");
    let cycle = app.cmdline.cycle.clone().expect("the candidates are shown");
    assert_eq!(cycle.candidates, ["queue-remove", "queue-rename"]);
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "queue-remove");
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "queue-rename");
    press(&mut app, KeyCode::BackTab);
    assert_eq!(line(&app), "queue-remove");
    // Typing ends the cycle and keeps the choice.
    press(&mut app, KeyCode::Char(' '));
    assert!(app.cmdline.cycle.is_none());
    assert_eq!(line(&app), "queue-remove ");
    // Action names complete too.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "next_u");
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "next_unread ");
}

#[test]
fn tab_completes_queues_durations_and_agents_fetched_when_first_needed() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "transfer su");
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "transfer Support ", "queue names, any case");
    press(&mut app, KeyCode::Esc);

    press(&mut app, KeyCode::Char('z'));
    chars(&mut app, "1");
    press(&mut app, KeyCode::Tab);
    assert_eq!(
        app.cmdline.cycle.as_ref().unwrap().candidates,
        ["1h", "1d", "1w"]
    );
    press(&mut app, KeyCode::Esc);

    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "assign b");
    let effects = press(&mut app, KeyCode::Tab);
    assert_eq!(requests(&effects), [&Request::ListAgents]);
    assert_eq!(
        line(&app),
        "assign b",
        "nothing yet: the agents are on their way"
    );
    let agents = ["alice", "bob", "bruno"]
        .map(|u| crate::protocol::directory::AgentView {
            user: u.into(),
            role: crate::protocol::Role::Agent,
            tenant: Some("Demo Shop".into()),
            queues: vec!["Sales".into()],
        })
        .to_vec();
    app.on_reply(only_tag(&effects), Ok(Response::Agents(agents)));
    assert_eq!(line(&app), "assign b", "b… is bob or bruno");
    assert_eq!(
        app.cmdline.cycle.as_ref().unwrap().candidates,
        ["bob", "bruno"]
    );
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "assign bob");
    press(&mut app, KeyCode::Esc);

    // An agent may not list agents: the queues' members are offered instead, silently.
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "assign a");
    let effects = press(&mut app, KeyCode::Tab);
    app.on_reply(only_tag(&effects), Err(ApiError::invalid("admins only")));
    assert_eq!(line(&app), "assign alice ");
    assert!(app.notice.is_none());
}

#[test]
fn unlabel_completes_the_contacts_own_labels() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "unlabel ");
    let effects = press(&mut app, KeyCode::Tab);
    assert!(matches!(
        only_tag(&effects),
        Tag::Cmdline(CmdTag::Labels { .. })
    ));
    app.on_reply(only_tag(&effects), Ok(contact(&["vip", "wholesale"])));
    assert_eq!(
        app.cmdline.cycle.as_ref().unwrap().candidates,
        ["vip", "wholesale"]
    );
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "unlabel vip");
}

#[test]
fn attach_completes_paths_from_the_working_directory_and_home() {
    let dir = tempfile::tempdir().expect("a temporary dir");
    std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
    std::fs::create_dir(dir.path().join("notas")).unwrap();
    std::fs::write(dir.path().join("notas").join("abril.pdf"), "x").unwrap();
    std::fs::write(dir.path().join(".hidden"), "x").unwrap();
    let mut app = fixtures::inbox("en");
    app.cmdline.cwd = dir.path().to_path_buf();
    app.cmdline.home = Some(dir.path().to_path_buf());
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "attach no");
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "attach not");
    assert_eq!(
        app.cmdline.cycle.as_ref().unwrap().candidates,
        ["notas/", "notes.txt"]
    );
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "attach notas/");
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Tab);
    assert_eq!(line(&app), "attach notas/abril.pdf ");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "attach ~/");
    press(&mut app, KeyCode::Tab);
    assert_eq!(
        app.cmdline.cycle.as_ref().unwrap().candidates,
        ["~/notas/", "~/notes.txt"],
        "hidden files only when a dot is typed"
    );
}

#[test]
fn up_and_down_recall_earlier_commands_that_start_as_typed() {
    let mut app = fixtures::inbox("en");
    command(&mut app, "filter ana");
    command(&mut app, "label vip");
    command(&mut app, "filter bob");
    command(&mut app, "filter ana");
    assert_eq!(
        app.cmdline.history,
        ["label vip", "filter bob", "filter ana"],
        "a repeated command moves to the end"
    );
    assert!(app.cmdline.take_unsaved());
    press(&mut app, KeyCode::Char(':'));
    press(&mut app, KeyCode::Up);
    assert_eq!(line(&app), "filter ana");
    press(&mut app, KeyCode::Up);
    assert_eq!(line(&app), "filter bob");
    press(&mut app, KeyCode::Up);
    assert_eq!(line(&app), "label vip");
    press(&mut app, KeyCode::Up);
    assert_eq!(line(&app), "label vip", "the oldest stays");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(line(&app), "", "past the newest: what was typed");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "la");
    press(&mut app, KeyCode::Up);
    assert_eq!(
        line(&app),
        "label vip",
        "only commands starting with what is typed"
    );
    press(&mut app, KeyCode::Up);
    assert_eq!(line(&app), "label vip");
    press(&mut app, KeyCode::Down);
    assert_eq!(line(&app), "la");
}

#[test]
fn the_history_is_kept_in_a_file_only_the_user_reads() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary dir");
    let path = dir.path().join("state").join("wabox").join("commands");
    let entries: Vec<String> = (0..history::KEEP + 3)
        .map(|i| format!("open {i}"))
        .collect();
    history::save(&path, &entries).expect("saved");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    let loaded = history::load(&path);
    assert_eq!(loaded.len(), history::KEEP, "the oldest are forgotten");
    assert_eq!(loaded.last().map(String::as_str), Some("open 502"));
    assert!(history::load(&dir.path().join("missing")).is_empty());
    // A pasted newline does not split a command in two.
    history::save(&path, &["note a\nb".to_string()]).expect("saved");
    assert_eq!(history::load(&path), ["note a b"]);
}

#[test]
fn help_scrolls_within_its_text_and_keys_do_not_close_it() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char('?'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("↓ more below"), "{screen}");
    let scroll = |app: &App| match &app.popup {
        Some(Popup::Help(p)) => p.scroll,
        other => panic!("help closed: {other:?}"),
    };
    for _ in 0..500 {
        press(&mut app, KeyCode::Char('j'));
    }
    let end = scroll(&app);
    assert!(end > 0 && end < 200, "clamped at the end: {end}");
    let screen = render(&app, 80, 24);
    assert!(!screen.contains("↓ more below"), "{screen}");
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(
        scroll(&app),
        end - 1,
        "one up from the end, not from beyond it"
    );
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(scroll(&app), 0);
    press(&mut app, KeyCode::PageDown);
    let page = scroll(&app);
    assert!(page > 5, "a page: {page}");
    press(&mut app, KeyCode::PageUp);
    assert_eq!(scroll(&app), 0);
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(scroll(&app), end);
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(scroll(&app), end, "other keys neither scroll nor close");
    press(&mut app, KeyCode::Char('q'));
    assert!(app.popup.is_none());
}

#[test]
fn help_lists_every_command_with_its_arguments_in_both_languages() {
    for lang in ["en", "es"] {
        let app = fixtures::inbox(lang);
        let text: String = super::view::help::lines(&app, 62)
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        for command in table::COMMANDS {
            let usage = command.usage(app.t.lang);
            assert!(text.contains(&usage), "{lang}: {usage} missing:\n{text}");
            let first_word = command
                .description(app.t.lang)
                .split(' ')
                .next()
                .unwrap_or_default();
            assert!(text.contains(first_word), "{lang}: {}", command.name);
        }
    }
}

#[test]
fn colon_help_opens_at_the_commands() {
    for lang in ["en", "es"] {
        let mut app = fixtures::inbox(lang);
        command(&mut app, "help");
        let screen = render(&app, 80, 24);
        insta::assert_snapshot!(format!("colon_help_{lang}"), screen);
    }
}

#[test]
fn the_wildmenu_shows_the_candidates_above_the_prompt() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "a");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    let screen = render(&app, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    let above = lines[lines.len() - 2];
    assert!(
        above.contains("admin  agent-add  agent-admin  assign  assign-number  attach"),
        "{above}"
    );
    assert!(lines[lines.len() - 1].contains(":admin▏"), "{screen}");
}

#[test]
fn block_asks_meta_through_the_engine_and_the_title_says_so_once_it_has() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    let id = app.open.as_ref().unwrap().id();
    let effects = command(&mut app, "block");
    assert!(
        matches!(&effects[..], [Effect::Call(Tag::Cmdline(CmdTag::Blocked { block: true }), Request::Block { conversation_id })] if *conversation_id == id),
        "{effects:?}"
    );
    let mut row = app.open.as_ref().unwrap().row.view.clone();
    row.blocked = Some(crate::protocol::views::BlockedView {
        at: NOW,
        by: "ana".into(),
    });
    app.on_reply(
        Tag::Cmdline(CmdTag::Blocked { block: true }),
        Ok(Response::Conversation(Box::new(row.clone()))),
    );
    assert!(notice(&app).0.starts_with("Blocked"), "{:?}", notice(&app));
    // The engine pushes the changed row: the open conversation's title shows the block.
    app.on_push(crate::protocol::push::Push {
        conversations: vec![row],
        ..Default::default()
    });
    let screen = render(&app, 100, 30);
    assert!(screen.contains("· blocked"), "{screen}");

    // Meta's refusal is said in the agent's words, and nothing is marked.
    let effects = command(&mut app, "unblock");
    assert!(matches!(
        &effects[..],
        [Effect::Call(_, Request::Unblock { .. })]
    ));
    let refused = ApiError::from(crate::protocol::ErrorCode::UnblockRefused {
        meta: "(#139103) Internal error".into(),
    });
    app.on_reply(Tag::Cmdline(CmdTag::Blocked { block: false }), Err(refused));
    let (text, error) = notice(&app);
    assert!(
        error && text.contains(":unblock") && text.contains("139103"),
        "{text}"
    );
}
