//! The wizard's keys: one table drives the input handler and the footer hints, as in the inbox.
//! On screens with a text field letters are text, so only keys that are not (Enter, Esc, Tab,
//! arrows, Ctrl+C) act there.

use crate::tui::keymap::KeyChord;
use crossterm::event::KeyEvent;

/// What a key asks the wizard to do; each screen gives it its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Up,
    Down,
    /// Enter: choose, go on, send.
    Choose,
    /// Esc: one step back.
    Back,
    /// Leave the wizard (asks first when something is under way).
    Quit,
    NextField,
    PrevField,
    /// Change a choice (connection types, yes/no, language).
    Cycle,
    /// Copy the link to the clipboard (OSC 52).
    Copy,
    /// Again: a new link, another look at the number.
    Again,
    Revoke,
    /// Show or hide the verify token.
    Reveal,
    /// Try Meta's handshake through the public URL.
    Test,
    Yes,
    No,
}

/// Screens with a text field, plain screens, and the "leave?" question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Text,
    Plain,
    Confirm,
}

const BINDINGS: &[(Scope, Act, &[&str])] = &[
    (Scope::Plain, Act::Choose, &["enter"]),
    (Scope::Plain, Act::Up, &["up", "k"]),
    (Scope::Plain, Act::Down, &["down", "j"]),
    (Scope::Plain, Act::Copy, &["c"]),
    (Scope::Plain, Act::Again, &["r"]),
    (Scope::Plain, Act::Revoke, &["x"]),
    (Scope::Plain, Act::Reveal, &["v"]),
    (Scope::Plain, Act::Test, &["t"]),
    (Scope::Plain, Act::Back, &["esc"]),
    (Scope::Plain, Act::Quit, &["q", "ctrl+c"]),
    (Scope::Text, Act::Choose, &["enter"]),
    (Scope::Text, Act::Up, &["up"]),
    (Scope::Text, Act::Down, &["down"]),
    (Scope::Text, Act::NextField, &["tab"]),
    (Scope::Text, Act::PrevField, &["shift+tab"]),
    (Scope::Text, Act::Cycle, &["right", "left"]),
    (Scope::Text, Act::Back, &["esc"]),
    (Scope::Text, Act::Quit, &["ctrl+c"]),
    // `s` is Spanish for yes (sí); both are taken whatever the language, so a habit never misfires.
    (Scope::Confirm, Act::Yes, &["y", "s", "enter", "ctrl+c"]),
    (Scope::Confirm, Act::No, &["n", "esc"]),
];

fn chords(keys: &[&str]) -> impl Iterator<Item = KeyChord> {
    keys.iter().filter_map(|k| KeyChord::parse(k).ok())
}

/// The act of a key in a scope, if it has one.
pub fn act(scope: Scope, key: &KeyEvent) -> Option<Act> {
    BINDINGS
        .iter()
        .filter(|(s, _, _)| *s == scope)
        .find(|(_, _, keys)| chords(keys).any(|c| c.matches(key)))
        .map(|(_, a, _)| *a)
}

/// The first key of an act, for the footer: `Enter`, `c`, `Esc`.
pub fn key_of(scope: Scope, act: Act) -> String {
    BINDINGS
        .iter()
        .find(|(s, a, _)| *s == scope && *a == act)
        .and_then(|(_, _, keys)| chords(keys).next())
        .map(|c| c.to_string())
        .unwrap_or_default()
}

/// The yes key the footer shows: the language's own letter.
pub fn yes_key(lang: crate::i18n::Lang) -> String {
    match lang {
        crate::i18n::Lang::Es => "s".into(),
        _ => key_of(Scope::Confirm, Act::Yes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn every_default_key_parses() {
        for (_, _, keys) in BINDINGS {
            for k in *keys {
                assert!(KeyChord::parse(k).is_ok(), "{k}");
            }
        }
    }

    #[test]
    fn letters_act_only_where_nothing_is_typed() {
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(act(Scope::Plain, &q), Some(Act::Quit));
        assert_eq!(act(Scope::Text, &q), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(act(Scope::Text, &ctrl_c), Some(Act::Quit));
        assert_eq!(act(Scope::Plain, &ctrl_c), Some(Act::Quit));
        assert_eq!(key_of(Scope::Plain, Act::Copy), "c");
        assert_eq!(key_of(Scope::Text, Act::PrevField), "Shift+Tab");
    }

    #[test]
    fn leaving_is_confirmed_with_the_language_s_own_yes() {
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(act(Scope::Confirm, &key('s')), Some(Act::Yes));
        assert_eq!(act(Scope::Confirm, &key('y')), Some(Act::Yes));
        assert_eq!(act(Scope::Confirm, &key('n')), Some(Act::No));
        assert_eq!(yes_key(crate::i18n::Lang::Es), "s");
        assert_eq!(yes_key(crate::i18n::Lang::En), "y");
    }
}
