//! Keys → actions. One table drives the input handler, the footer hints and the `?` help, so
//! there is no second list of keys to go stale. `[keys]` in the config replaces an action's keys
//! in the lists, `[keys.composer]` in the composer.

use crate::config::KeyList;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Compose,
    Send,
    Newline,
    Templates,
    Filter,
    NextUnread,
    Retry,
    /// Reply to the selected message, quoting it.
    Reply,
    /// React to the selected message with an emoji.
    React,
    /// Remove our reaction from the selected message.
    Unreact,
    MarkUnread,
    OpenMedia,
    SaveMedia,
    Help,
    CommandLine,
    Editor,
    Search,
    ContactPanel,
    CloseConversation,
    Snooze,
    Claim,
    Admin,
    Automation,
    /// The connect wizard (admins).
    Connect,
    /// The log of this session's answers, whole.
    Messages,
}

impl Action {
    /// The name in `[keys]` and on the `:` command line.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Back => "back",
            Action::Compose => "compose",
            Action::Send => "send",
            Action::Newline => "newline",
            Action::Templates => "templates",
            Action::Filter => "filter",
            Action::NextUnread => "next_unread",
            Action::Retry => "retry",
            Action::Reply => "reply_to",
            Action::React => "react",
            Action::Unreact => "unreact",
            Action::MarkUnread => "mark_unread",
            Action::OpenMedia => "open_media",
            Action::SaveMedia => "save_media",
            Action::Help => "help",
            Action::CommandLine => "command",
            Action::Editor => "editor",
            Action::Search => "search",
            Action::ContactPanel => "contact",
            Action::CloseConversation => "close",
            Action::Snooze => "snooze",
            Action::Claim => "claim",
            Action::Admin => "admin",
            Action::Automation => "sequences",
            Action::Connect => "connect",
            Action::Messages => "messages",
        }
    }
}

/// Where a binding applies: the three lists, or the composer (where plain letters are text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Lists,
    Composer,
}

/// One key with its modifiers, as written in the config: `ctrl+t`, `alt+enter`, `G`, `pgup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn parse(text: &str) -> Result<KeyChord, String> {
        let mut modifiers = KeyModifiers::NONE;
        let parts: Vec<&str> = if text == "+" {
            vec!["+"]
        } else {
            text.split('+').collect()
        };
        let Some((key, mods)) = parts.split_last() else {
            return Err("an empty key".into());
        };
        for m in mods {
            modifiers |= match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => KeyModifiers::CONTROL,
                "alt" | "meta" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                other => return Err(format!("unknown modifier {other:?} in {text:?}")),
            };
        }
        let code = match key.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers -= KeyModifiers::SHIFT;
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = key.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("unknown key {key:?} in {text:?}")),
                }
            }
        };
        Ok(KeyChord { code, modifiers })
    }

    /// Whether a pressed key is this one. Shift is part of a character (`G`, `?`), so it is
    /// ignored for characters; terminals differ in reporting it.
    pub fn matches(&self, key: &KeyEvent) -> bool {
        let relevant = |m: KeyModifiers| m & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        match (self.code, key.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => {
                let same = if self.modifiers.contains(KeyModifiers::CONTROL) {
                    a.eq_ignore_ascii_case(&b)
                } else {
                    a == b
                };
                same && relevant(self.modifiers) == relevant(key.modifiers)
            }
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => {
                a == b
                    && (self.modifiers == key.modifiers - KeyModifiers::SHIFT
                        || self.modifiers == key.modifiers)
            }
        }
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl+")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt+")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift+")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift+Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub scope: Scope,
    pub action: Action,
    pub keys: Vec<KeyChord>,
}

/// The defaults, as they would be written in the config.
const DEFAULTS: &[(Scope, Action, &[&str])] = &[
    (Scope::Lists, Action::Up, &["up", "k"]),
    (Scope::Lists, Action::Down, &["down", "j"]),
    (Scope::Lists, Action::PageUp, &["pgup", "ctrl+u"]),
    (Scope::Lists, Action::PageDown, &["pgdn", "ctrl+d"]),
    (Scope::Lists, Action::Top, &["home", "g"]),
    (Scope::Lists, Action::Bottom, &["end", "G"]),
    (Scope::Lists, Action::Open, &["enter", "l", "right"]),
    (Scope::Lists, Action::Back, &["esc", "h", "left"]),
    (Scope::Lists, Action::NextPane, &["tab"]),
    (Scope::Lists, Action::PrevPane, &["shift+tab"]),
    (Scope::Lists, Action::Compose, &["i", "c"]),
    (Scope::Lists, Action::Templates, &["t"]),
    (Scope::Lists, Action::Filter, &["/"]),
    (Scope::Lists, Action::NextUnread, &["n"]),
    (Scope::Lists, Action::Retry, &["r"]),
    (Scope::Lists, Action::Reply, &["R"]),
    (Scope::Lists, Action::React, &["e"]),
    (Scope::Lists, Action::Unreact, &["E"]),
    (Scope::Lists, Action::MarkUnread, &["u"]),
    (Scope::Lists, Action::OpenMedia, &["o"]),
    (Scope::Lists, Action::SaveMedia, &["s"]),
    (Scope::Lists, Action::Search, &["ctrl+f", "F"]),
    (Scope::Lists, Action::ContactPanel, &["p"]),
    (Scope::Lists, Action::CloseConversation, &["x"]),
    (Scope::Lists, Action::Snooze, &["z"]),
    (Scope::Lists, Action::Claim, &["a"]),
    (Scope::Lists, Action::Admin, &["A"]),
    (Scope::Lists, Action::Automation, &["S"]),
    (Scope::Lists, Action::Connect, &["C"]),
    (Scope::Lists, Action::Messages, &["L"]),
    (Scope::Lists, Action::Help, &["?", "f1"]),
    (Scope::Lists, Action::CommandLine, &[":"]),
    (Scope::Lists, Action::Quit, &["q"]),
    (Scope::Composer, Action::Send, &["enter"]),
    (Scope::Composer, Action::Newline, &["alt+enter", "ctrl+j"]),
    (Scope::Composer, Action::Back, &["esc"]),
    (Scope::Composer, Action::Templates, &["ctrl+t"]),
    (Scope::Composer, Action::Editor, &["ctrl+e"]),
    (Scope::Composer, Action::NextPane, &["tab"]),
    (Scope::Composer, Action::PrevPane, &["shift+tab"]),
    (Scope::Composer, Action::Search, &["ctrl+f"]),
    (Scope::Composer, Action::Help, &["f1"]),
];

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("[keys] {0}")]
pub struct KeymapError(String);

impl Keymap {
    pub fn defaults() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .map(|(scope, action, keys)| Binding {
                scope: *scope,
                action: *action,
                keys: keys
                    .iter()
                    .map(|k| KeyChord::parse(k).unwrap_or_else(|e| panic!("default key: {e}")))
                    .collect(),
            })
            .collect();
        Keymap { bindings }
    }

    /// The defaults with the config's `[keys]` (lists) and `[keys.composer]` over them.
    pub fn with_overrides(
        lists: &BTreeMap<String, KeyList>,
        composer: &BTreeMap<String, KeyList>,
    ) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::defaults();
        for (scope, overrides) in [(Scope::Lists, lists), (Scope::Composer, composer)] {
            for (name, keys) in overrides {
                let binding = map
                    .bindings
                    .iter_mut()
                    .find(|b| b.scope == scope && b.action.name() == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> = DEFAULTS
                            .iter()
                            .filter(|(s, _, _)| *s == scope)
                            .map(|(_, a, _)| a.name())
                            .collect();
                        KeymapError(format!(
                            "unknown action {name:?}{}: known are {}",
                            if scope == Scope::Composer {
                                " in [keys.composer]"
                            } else {
                                ""
                            },
                            known.join(", ")
                        ))
                    })?;
                let chords: Vec<KeyChord> = keys
                    .keys()
                    .iter()
                    .map(|k| KeyChord::parse(k).map_err(|e| KeymapError(format!("{name}: {e}"))))
                    .collect::<Result<_, _>>()?;
                binding.keys = chords.clone();
                // The configured key wins: no other action in the scope keeps it.
                for other in map.bindings.iter_mut() {
                    if other.scope == scope && other.action.name() != name {
                        other.keys.retain(|k| !chords.contains(k));
                    }
                }
            }
        }
        Ok(map)
    }

    pub fn action(&self, scope: Scope, key: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .filter(|b| b.scope == scope)
            .find(|b| b.keys.iter().any(|k| k.matches(key)))
            .map(|b| b.action)
    }

    /// The first key of an action, for hints: `t`, `Ctrl+T`.
    pub fn key_of(&self, scope: Scope, action: Action) -> String {
        self.bindings
            .iter()
            .find(|b| b.scope == scope && b.action == action)
            .and_then(|b| b.keys.first())
            .map(|k| k.to_string())
            .unwrap_or_else(|| format!(":{}", action.name()))
    }

    pub fn in_scope(&self, scope: Scope) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.scope == scope)
    }

    /// An action by its `:` command-line name.
    pub fn by_name(&self, name: &str) -> Option<Action> {
        self.bindings
            .iter()
            .map(|b| b.action)
            .find(|a| a.name() == name)
    }
}

/// `[keys]` holds list actions and, as a table, `[keys.composer]`.
pub fn split_config(
    keys: &BTreeMap<String, crate::config::KeyEntry>,
) -> (BTreeMap<String, KeyList>, BTreeMap<String, KeyList>) {
    let mut lists = BTreeMap::new();
    let mut composer = BTreeMap::new();
    for (name, entry) in keys {
        match entry {
            crate::config::KeyEntry::Keys(k) => {
                lists.insert(name.clone(), k.clone());
            }
            crate::config::KeyEntry::Table(t) if name == "composer" => composer = t.clone(),
            crate::config::KeyEntry::Table(t) => {
                // Kept as an unknown action so the error names it.
                lists.insert(name.clone(), KeyList::Many(t.keys().cloned().collect()));
            }
        }
    }
    (lists, composer)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // "x" was close's key: the configured binding took it.
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
}
