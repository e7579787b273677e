//! What Tab offers on the `:` line: command names first, then each argument from what the inbox
//! knows (queues, agents, labels, tenants, numbers, conversations, durations) or, for a path,
//! from the directory typed so far (relative to the working directory, or `~`).

use super::table::{self, ArgKind};
use std::path::{Path, PathBuf};

/// What completion may offer, gathered from the inbox's state.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// Action names from the keymap (`:next_unread`…), beside the table's commands.
    pub actions: Vec<String>,
    pub queues: Vec<String>,
    pub agents: Vec<String>,
    pub labels: Vec<String>,
    pub tenants: Vec<String>,
    pub numbers: Vec<String>,
    pub conversations: Vec<String>,
    /// Where relative paths start, and what `~` means.
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
}

/// Durations worth offering to `:snooze`.
const DURATIONS: &[&str] = &["30m", "1h", "2h", "4h", "1d", "2d", "1w"];
/// No directory listing offers more than this.
const MAX_CANDIDATES: usize = 200;

/// The word being completed: where it starts in the line, and the argument it fills (none for
/// the command's name).
pub fn word_at_end(line: &str) -> Option<(usize, Option<ArgKind>)> {
    let Some(space) = line.find(' ') else {
        return Some((0, None));
    };
    let command = table::find(&line[..space])?;
    let mut start = space + 1;
    for index in 0.. {
        let arg = command.arg_at(index)?;
        // Extra spaces between words are not words.
        while line[start..].starts_with(' ') {
            start += 1;
        }
        if arg.rest && arg.kind == ArgKind::Path {
            return Some((start, Some(arg.kind))); // a path may hold spaces
        }
        match line[start..].find(' ') {
            Some(at) => start += at + 1,
            None => return Some((start, Some(arg.kind))),
        }
    }
    None
}

/// The whole words that could replace the word at the end of `line`, sorted.
pub fn candidates(line: &str, sources: &Sources) -> Option<(usize, Vec<String>)> {
    let (start, kind) = word_at_end(line)?;
    let word = &line[start..];
    let list: Vec<String> = match kind {
        None => {
            let mut names: Vec<String> = table::COMMANDS
                .iter()
                .map(|c| c.name.to_string())
                .chain(sources.actions.iter().cloned())
                .filter(|n| n.starts_with(word))
                .collect();
            names.sort();
            names.dedup();
            return Some((start, names));
        }
        Some(ArgKind::Path) => return Some((start, paths(word, sources))),
        Some(ArgKind::Text) => Vec::new(),
        Some(ArgKind::Duration) => DURATIONS.iter().map(|d| d.to_string()).collect(),
        Some(ArgKind::Queue) => sources.queues.clone(),
        Some(ArgKind::Agent) => sources.agents.clone(),
        Some(ArgKind::Label) => sources.labels.clone(),
        Some(ArgKind::Tenant) => sources.tenants.clone(),
        Some(ArgKind::Number) => sources.numbers.clone(),
        Some(ArgKind::Conversation) => sources.conversations.clone(),
    };
    let lower = word.to_lowercase();
    let mut found: Vec<String> = list
        .into_iter()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .collect();
    if kind != Some(ArgKind::Duration) && kind != Some(ArgKind::Conversation) {
        found.sort_by_key(|c| c.to_lowercase());
    }
    found.dedup();
    Some((start, found))
}

/// Files and directories starting with what is typed; directories end in `/`. Hidden ones only
/// when a `.` is typed.
fn paths(word: &str, sources: &Sources) -> Vec<String> {
    if word == "~" {
        return vec!["~/".into()];
    }
    let (dir_part, prefix) = match word.rfind('/') {
        Some(at) => word.split_at(at + 1),
        None => ("", word),
    };
    let dir: PathBuf = if let Some(under_home) = dir_part.strip_prefix("~/") {
        match &sources.home {
            Some(home) => home.join(under_home),
            None => return Vec::new(),
        }
    } else if Path::new(dir_part).is_absolute() {
        PathBuf::from(dir_part)
    } else {
        sources.cwd.join(dir_part)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            // Follows links, so a link to a directory is offered as one.
            let is_dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
            Some(format!("{dir_part}{name}{}", if is_dir { "/" } else { "" }))
        })
        .take(MAX_CANDIDATES * 4)
        .collect();
    found.sort();
    found.truncate(MAX_CANDIDATES);
    found
}

/// The longest start all candidates share (by characters).
pub fn common_prefix(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return String::new();
    };
    let mut end = first.len();
    for c in &candidates[1..] {
        while !c.starts_with(&first[..end]) {
            end = first[..end].char_indices().last().map_or(0, |(i, _)| i);
        }
    }
    first[..end].to_string()
}

/// The name closest to a mistyped one (at most two edits away), to suggest it.
pub fn closest<'a>(typed: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    names
        .map(|n| (distance(typed, n), n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}
