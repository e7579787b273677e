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

    /// Whether two chords are one key as pressed (`ctrl+t` and `ctrl+T` are).
    pub fn same_key(&self, other: &KeyChord) -> bool {
        match (self.code, other.code) {
            (KeyCode::Char(a), KeyCode::Char(b))
                if self.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                self.modifiers == other.modifiers && a.eq_ignore_ascii_case(&b)
            }
            _ => self == other,
        }
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
#[error("{0}")]
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

    /// The defaults with the config's `[keys]` (lists) and `[keys.composer]` over them. A key
    /// given to an action that another action of the same table still has is refused, naming
    /// both: taking it silently left that action without a key and a blank in the help.
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
                    .ok_or_else(|| unknown_action(scope, name))?;
                binding.keys = keys
                    .keys()
                    .iter()
                    .map(|k| {
                        KeyChord::parse(k)
                            .map_err(|e| KeymapError(format!("{} {name}: {e}", table_name(scope))))
                    })
                    .collect::<Result<_, _>>()?;
            }
            map.refuse_shared_keys(scope, overrides)?;
        }
        Ok(map)
    }

    /// Two actions of one table answering the same key: the first one configured is named with
    /// the action that also has it, and the two ways out.
    fn refuse_shared_keys(
        &self,
        scope: Scope,
        overrides: &BTreeMap<String, KeyList>,
    ) -> Result<(), KeymapError> {
        let table = table_name(scope);
        let bindings: Vec<&Binding> = self.in_scope(scope).collect();
        for name in overrides.keys() {
            let Some(ours) = bindings.iter().find(|b| b.action.name() == name) else {
                continue;
            };
            for key in &ours.keys {
                let other = bindings
                    .iter()
                    .find(|b| b.action != ours.action && b.keys.iter().any(|k| k.same_key(key)));
                if let Some(other) = other {
                    let theirs = other.action.name();
                    return Err(KeymapError(format!(
                        "{table} {name} and {theirs} both have the key {key}: give {theirs} \
                         other keys too ({table} {theirs} = [\"…\"]), set {theirs} = [] to leave \
                         it without one, or choose another key for {name}"
                    )));
                }
            }
        }
        Ok(())
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

fn table_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Lists => "[keys]",
        Scope::Composer => "[keys.composer]",
    }
}

/// An action the table does not have: if the other table has it, say to move it there.
fn unknown_action(scope: Scope, name: &str) -> KeymapError {
    let other = match scope {
        Scope::Lists => Scope::Composer,
        Scope::Composer => Scope::Lists,
    };
    let in_table = |s: Scope| {
        DEFAULTS
            .iter()
            .filter(move |(d, _, _)| *d == s)
            .map(|(_, a, _)| a.name())
    };
    if in_table(other).any(|a| a == name) && !in_table(scope).any(|a| a == name) {
        let (here, there) = (table_name(scope), table_name(other));
        return KeymapError(format!(
            "{here} {name}: {name} is a key of the {}, so it goes under {there} \
             ({there} {name} = [...])",
            match other {
                Scope::Composer => "composer",
                Scope::Lists => "lists",
            }
        ));
    }
    let known: Vec<&str> = in_table(scope).collect();
    KeymapError(format!(
        "{}: unknown action {name:?}: known are {}",
        table_name(scope),
        known.join(", ")
    ))
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
}
