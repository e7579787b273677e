//! The config's `[keys]` tables over the defaults, and the refusals that name what to change.

use super::popup::POPUP_DEFAULTS;
use super::{DEFAULTS, KeyChord, Keymap, KeymapError, PopupKind, Scope};
use crate::config::{KeyEntry, KeyList};
use std::collections::BTreeMap;

/// The config's `[keys]` split by table: the lists' actions, `[keys.composer]`, and each
/// popup's `[keys.search]`, `[keys.pager]`…
#[derive(Debug, Default)]
pub struct KeyTables {
    pub lists: BTreeMap<String, KeyList>,
    pub composer: BTreeMap<String, KeyList>,
    pub popups: BTreeMap<PopupKind, BTreeMap<String, KeyList>>,
}

/// `[keys]` holds list actions and, as tables, `[keys.composer]` and the popups' tables.
pub fn split_config(keys: &BTreeMap<String, KeyEntry>) -> KeyTables {
    let mut tables = KeyTables::default();
    for (name, entry) in keys {
        match entry {
            KeyEntry::Keys(k) => {
                tables.lists.insert(name.clone(), k.clone());
            }
            KeyEntry::Table(t) if name == "composer" => tables.composer = t.clone(),
            KeyEntry::Table(t) => match PopupKind::by_name(name) {
                Some(popup) => {
                    tables.popups.insert(popup, t.clone());
                }
                // Kept as an unknown action so the error names it.
                None => {
                    tables
                        .lists
                        .insert(name.clone(), KeyList::Many(t.keys().cloned().collect()));
                }
            },
        }
    }
    tables
}

impl Keymap {
    /// The defaults with every table of the config over them.
    pub fn from_config(tables: &KeyTables) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::with_overrides(&tables.lists, &tables.composer)?;
        for (popup, overrides) in &tables.popups {
            map.override_popup(*popup, overrides)?;
        }
        Ok(map)
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
            let table = table_name(scope);
            for (name, keys) in overrides {
                let binding = map
                    .bindings
                    .iter_mut()
                    .find(|b| b.scope == scope && b.action.name() == name)
                    .ok_or_else(|| unknown_action(scope, name))?;
                binding.keys = parse_keys(table, name, keys)?;
            }
            let named: Vec<(&str, &[KeyChord])> = map
                .in_scope(scope)
                .map(|b| (b.action.name(), b.keys.as_slice()))
                .collect();
            refuse_shared_keys(table, &named, overrides)?;
        }
        Ok(map)
    }

    fn override_popup(
        &mut self,
        popup: PopupKind,
        overrides: &BTreeMap<String, KeyList>,
    ) -> Result<(), KeymapError> {
        let table = format!("[keys.{}]", popup.name());
        for (name, keys) in overrides {
            let Some(binding) = self
                .popups
                .iter_mut()
                .find(|b| b.popup == popup && b.action.name() == name)
            else {
                let known: Vec<&str> = POPUP_DEFAULTS
                    .iter()
                    .filter(|(p, _, _)| *p == popup)
                    .map(|(_, a, _)| a.name())
                    .collect();
                return Err(KeymapError(format!(
                    "{table}: unknown action {name:?}: known are {}",
                    known.join(", ")
                )));
            };
            binding.keys = parse_keys(&table, name, keys)?;
        }
        let named: Vec<(&str, &[KeyChord])> = self
            .in_popup(popup)
            .map(|b| (b.action.name(), b.keys.as_slice()))
            .collect();
        refuse_shared_keys(&table, &named, overrides)
    }
}

fn parse_keys(table: &str, name: &str, keys: &KeyList) -> Result<Vec<KeyChord>, KeymapError> {
    keys.keys()
        .iter()
        .map(|k| KeyChord::parse(k).map_err(|e| KeymapError(format!("{table} {name}: {e}"))))
        .collect()
}

/// Two actions of one table answering the same key: the first one configured is named with
/// the action that also has it, and the two ways out.
fn refuse_shared_keys(
    table: &str,
    bindings: &[(&str, &[KeyChord])],
    overrides: &BTreeMap<String, KeyList>,
) -> Result<(), KeymapError> {
    for name in overrides.keys() {
        let Some((ours, keys)) = bindings.iter().find(|(n, _)| n == name) else {
            continue;
        };
        for key in keys.iter() {
            let other = bindings
                .iter()
                .find(|(n, k)| n != ours && k.iter().any(|k| k.same_key(key)));
            if let Some((theirs, _)) = other {
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
