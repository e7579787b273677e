//! The popups as components: their keys come from their own `[keys.…]` table, and their hint
//! lines are written from that table, so a rebound key shows where the old one was.

use super::app::{App, Effect, Popup};
use super::fixtures;
use super::keymap::{Keymap, split_config};
use crate::config::{KeyEntry, KeyList};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::BTreeMap;

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, modifiers))
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("test terminal");
    terminal
        .draw(|f| crate::tui::view::draw(f, app))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The inbox with `[keys.<table>] action = "key"` in its config.
fn rebound(table: &str, action: &str, key: &str) -> App {
    let mut entry = BTreeMap::new();
    entry.insert(action.to_string(), KeyList::One(key.to_string()));
    let mut keys = BTreeMap::new();
    keys.insert(table.to_string(), KeyEntry::Table(entry));
    let mut app = fixtures::inbox("en");
    app.keymap = Keymap::from_config(&split_config(&keys)).expect("a valid table");
    app
}

#[test]
fn a_rebound_search_key_closes_the_popup_and_its_hint_names_it() {
    let mut app = rebound("search", "close", "ctrl+g");
    press(&mut app, KeyCode::Char('f'), KeyModifiers::CONTROL);
    // Esc is no longer the search's: it is ignored, the popup stays.
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(matches!(app.popup, Some(Popup::Search(_))));
    let shown = screen(&app);
    assert!(
        shown.contains("Enter: go to the message   Ctrl+G: close"),
        "{shown}"
    );
    press(&mut app, KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert_eq!(app.popup, None);
}

#[test]
fn the_pagers_title_lists_its_own_keys_as_bound() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char('?'), KeyModifiers::NONE);
    assert!(screen(&app).contains("j k PgUp PgDn g G · Esc"));
    let mut app = rebound("pager", "down", "n");
    press(&mut app, KeyCode::Char('?'), KeyModifiers::NONE);
    assert!(screen(&app).contains("n k PgUp PgDn g G · Esc"));
    // j is no longer a pager key: the help stays where it is, open.
    press(&mut app, KeyCode::Char('j'), KeyModifiers::NONE);
    assert!(matches!(app.popup, Some(Popup::Help(ref p)) if p.scroll == 0));
    press(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
    assert!(matches!(app.popup, Some(Popup::Help(ref p)) if p.scroll == 1));
}

#[test]
fn the_admin_screens_command_key_opens_the_command_line_keeping_its_agents() {
    let mut app = rebound("admin", "command", "ctrl+o");
    press(&mut app, KeyCode::Char('A'), KeyModifiers::NONE);
    if let Some(Popup::Admin(admin)) = &mut app.popup {
        admin.agents = Some(Vec::new());
    }
    press(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert!(matches!(app.popup, Some(Popup::Command(_))));
    assert_eq!(app.admin_agents, Some(Vec::new()));
}

#[test]
fn help_lists_the_keys_of_every_popup() {
    use crate::tui::keymap::PopupKind;
    let app = crate::tui::fixtures::inbox("en");
    let text: String = super::view::help::lines(&app, 200)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    for popup in PopupKind::ALL {
        // Each popup's line lists its bindings from its own table.
        let line = super::view::help::popup_bindings(&app.keymap, popup, app.t.lang);
        assert!(!line.is_empty(), "{}", popup.name());
        assert!(
            text.lines().any(|l| l.contains(&line)),
            "{}: no line lists {line:?}:\n{text}",
            popup.name()
        );
    }
    assert!(text.contains(":broadcasts: "), "{text}");
}

#[test]
fn the_help_lists_each_popups_keys_from_its_table() {
    let app = rebound("sequences", "stop", "ctrl+x");
    let help: Vec<String> = crate::tui::view::help::lines(&app, 200)
        .iter()
        .map(ToString::to_string)
        .collect();
    let sequences = help
        .iter()
        .find(|l| l.trim_start().starts_with("sequences:"))
        .expect("the sequences popup in the help");
    assert!(sequences.contains("Ctrl+X stop or cancel"), "{sequences}");
    assert!(sequences.contains("p Space pause or resume"), "{sequences}");
    assert!(!sequences.contains(" x stop"), "{sequences}");
    // In the Spanish inbox, in Spanish (it listed the config's English names).
    let mut es = rebound("sequences", "stop", "ctrl+x");
    es.t = crate::i18n::Strings::for_code("es");
    let help: String = crate::tui::view::help::lines(&es, 200)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(help.contains("p Space pausar o reanudar"), "{help}");
    assert!(
        !help.contains("pause_resume") && !help.contains(" complete_back"),
        "{help}"
    );
}
