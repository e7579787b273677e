use super::*;
use crate::config::KeyList;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

#[test]
fn defaults_parse_and_answer_vim_and_arrow_keys() {
    let map = Keymap::defaults();
    let none = KeyModifiers::NONE;
    assert_eq!(
        map.action(Scope::Lists, &key(KeyCode::Char('j'), none)),
        Some(Action::Down)
    );
    assert_eq!(
        map.action(Scope::Lists, &key(KeyCode::Down, none)),
        Some(Action::Down)
    );
    assert_eq!(
        map.action(Scope::Lists, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        Some(Action::Bottom)
    );
    assert_eq!(
        map.action(Scope::Composer, &key(KeyCode::Enter, KeyModifiers::ALT)),
        Some(Action::Newline)
    );
    assert_eq!(
        map.action(Scope::Composer, &key(KeyCode::Enter, none)),
        Some(Action::Send)
    );
    assert_eq!(
        map.action(
            Scope::Composer,
            &key(KeyCode::Char('j'), KeyModifiers::CONTROL)
        ),
        Some(Action::Newline)
    );
    // Letters are text in the composer.
    assert_eq!(
        map.action(Scope::Composer, &key(KeyCode::Char('q'), none)),
        None
    );
    assert_eq!(
        map.action(Scope::Lists, &key(KeyCode::BackTab, KeyModifiers::SHIFT)),
        Some(Action::PrevPane)
    );
}

#[test]
fn config_overrides_replace_an_actions_keys() {
    let mut lists = BTreeMap::new();
    lists.insert("quit".to_string(), KeyList::One("x".into()));
    // "x" was close's key: it is left without one, as asked.
    lists.insert("close".to_string(), KeyList::Many(Vec::new()));
    let mut composer = BTreeMap::new();
    composer.insert(
        "send".to_string(),
        KeyList::Many(vec!["ctrl+s".into(), "alt+s".into()]),
    );
    let map = Keymap::with_overrides(&lists, &composer).unwrap();
    let none = KeyModifiers::NONE;
    assert_eq!(
        map.action(Scope::Lists, &key(KeyCode::Char('x'), none)),
        Some(Action::Quit)
    );
    assert_eq!(
        map.action(Scope::Lists, &key(KeyCode::Char('q'), none)),
        None
    );
    assert_eq!(
        map.action(
            Scope::Composer,
            &key(KeyCode::Char('s'), KeyModifiers::CONTROL)
        ),
        Some(Action::Send)
    );
    assert_eq!(map.key_of(Scope::Composer, Action::Send), "Ctrl+S");
    assert_eq!(
        map.key_of(Scope::Lists, Action::CloseConversation),
        ":close"
    );
}

#[test]
fn unknown_actions_and_keys_are_refused_with_what_is_known() {
    let mut lists = BTreeMap::new();
    lists.insert("fly".to_string(), KeyList::One("x".into()));
    let err = Keymap::with_overrides(&lists, &BTreeMap::new()).unwrap_err();
    assert!(err.0.contains("unknown action \"fly\""), "{err}");
    assert!(err.0.contains("quit"), "{err}");
    let mut lists = BTreeMap::new();
    lists.insert("quit".to_string(), KeyList::One("hyper+q".into()));
    let err = Keymap::with_overrides(&lists, &BTreeMap::new()).unwrap_err();
    assert!(err.0.contains("unknown modifier"), "{err}");
}

#[test]
fn a_key_taken_from_another_action_is_refused_naming_both() {
    let mut lists = BTreeMap::new();
    lists.insert("compose".to_string(), KeyList::Many(vec!["r".into()]));
    let err = Keymap::with_overrides(&lists, &BTreeMap::new()).unwrap_err();
    assert!(
        err.0
            .starts_with("[keys] compose and retry both have the key r: give retry"),
        "{err}"
    );
    assert!(err.0.contains("retry = []"), "{err}");
    // Giving retry another key settles it.
    lists.insert("retry".to_string(), KeyList::One("ctrl+r".into()));
    let map = Keymap::with_overrides(&lists, &BTreeMap::new()).unwrap();
    assert_eq!(map.key_of(Scope::Lists, Action::Compose), "r");
    assert_eq!(map.key_of(Scope::Lists, Action::Retry), "Ctrl+R");
    // The same in the composer, where Ctrl+T and ctrl+t are one key.
    let mut composer = BTreeMap::new();
    composer.insert("editor".to_string(), KeyList::One("ctrl+T".into()));
    let err = Keymap::with_overrides(&BTreeMap::new(), &composer).unwrap_err();
    assert!(
        err.0
            .starts_with("[keys.composer] editor and templates both have the key Ctrl+T"),
        "{err}"
    );
}

#[test]
fn the_defaults_give_no_key_to_two_actions() {
    let map = Keymap::defaults();
    for scope in [Scope::Lists, Scope::Composer] {
        let keys: Vec<&KeyChord> = map.in_scope(scope).flat_map(|b| &b.keys).collect();
        for (i, a) in keys.iter().enumerate() {
            assert!(
                !keys[i + 1..].iter().any(|b| a.same_key(b)),
                "{a} twice in {scope:?}"
            );
        }
    }
}

#[test]
fn a_composer_action_under_keys_points_at_keys_composer_and_back() {
    let mut lists = BTreeMap::new();
    lists.insert("send".to_string(), KeyList::One("ctrl+s".into()));
    let err = Keymap::with_overrides(&lists, &BTreeMap::new()).unwrap_err();
    assert_eq!(
        err.0,
        "[keys] send: send is a key of the composer, so it goes under [keys.composer] \
         ([keys.composer] send = [...])"
    );
    let mut composer = BTreeMap::new();
    composer.insert("retry".to_string(), KeyList::One("ctrl+r".into()));
    let err = Keymap::with_overrides(&BTreeMap::new(), &composer).unwrap_err();
    assert!(err.0.contains("goes under [keys] ([keys] retry"), "{err}");
}

#[test]
fn chords_print_as_a_person_types_them() {
    assert_eq!(KeyChord::parse("ctrl+t").unwrap().to_string(), "Ctrl+T");
    assert_eq!(
        KeyChord::parse("alt+enter").unwrap().to_string(),
        "Alt+Enter"
    );
    assert_eq!(
        KeyChord::parse("shift+tab").unwrap().to_string(),
        "Shift+Tab"
    );
    assert_eq!(KeyChord::parse("pgup").unwrap().to_string(), "PgUp");
}

#[test]
fn each_popup_reads_its_keys_from_its_own_table() {
    let map = Keymap::defaults();
    let none = KeyModifiers::NONE;
    let j = key(KeyCode::Char('j'), none);
    assert_eq!(
        map.popup_action(PopupKind::Pager, &j),
        Some(PopupAction::Down)
    );
    // In the search box j is a letter of the query.
    assert_eq!(map.popup_action(PopupKind::Search, &j), None);
    assert_eq!(
        map.popup_action(
            PopupKind::Templates,
            &key(KeyCode::BackTab, KeyModifiers::SHIFT)
        ),
        Some(PopupAction::Up)
    );
    assert_eq!(
        map.popup_key(PopupKind::Automation, PopupAction::PauseResume),
        "p"
    );
}

#[test]
fn a_popups_table_in_the_config_rebinds_its_keys_and_refuses_a_shared_one() {
    let table = |pairs: &[(&str, &str)]| {
        let t: BTreeMap<String, KeyList> = pairs
            .iter()
            .map(|(a, k)| (a.to_string(), KeyList::One(k.to_string())))
            .collect();
        crate::config::KeyEntry::Table(t)
    };
    let mut keys = BTreeMap::new();
    keys.insert("sequences".to_string(), table(&[("stop", "ctrl+x")]));
    let map = Keymap::from_config(&split_config(&keys)).unwrap();
    let ctrl_x = key(KeyCode::Char('x'), KeyModifiers::CONTROL);
    assert_eq!(
        map.popup_action(PopupKind::Automation, &ctrl_x),
        Some(PopupAction::Stop)
    );
    assert_eq!(
        map.popup_action(
            PopupKind::Automation,
            &key(KeyCode::Char('x'), KeyModifiers::NONE)
        ),
        None
    );
    keys.insert("search".to_string(), table(&[("close", "enter")]));
    let err = Keymap::from_config(&split_config(&keys)).unwrap_err();
    assert!(
        err.0
            .starts_with("[keys.search] close and choose both have the key Enter"),
        "{err}"
    );
    keys.insert("search".to_string(), table(&[("fly", "enter")]));
    let err = Keymap::from_config(&split_config(&keys)).unwrap_err();
    assert!(
        err.0.contains("[keys.search]: unknown action \"fly\""),
        "{err}"
    );
}
