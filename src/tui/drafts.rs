//! What an agent typed and did not send, per conversation: kept when they open another one, and
//! across restarts of the inbox.
//!
//! Kept in a file of the agent's own, not in the engine's store: a draft is private to whoever
//! typed it (not a record of the conversation an admin or another agent should read), the
//! engine may run as another user that can read its whole store, and a file needs no request,
//! no migration and no round trip on every key. One file per engine (its data dir hashed into
//! the name, since conversation ids are per store) in the user's state dir, mode 0600 in a 0700
//! dir, written whole to a temporary file and renamed so a crash never leaves half a file.

use super::app::{App, OpenConversation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct Drafts {
    texts: BTreeMap<i64, String>,
    /// Where they are kept; none in tests (and when the user has no home).
    file: Option<PathBuf>,
    /// Changed since the last save.
    unsaved: bool,
    /// A failed save is said once, not every second.
    warned: bool,
}

#[derive(Serialize, Deserialize)]
struct DraftsFile {
    drafts: BTreeMap<i64, String>,
}

/// The drafts file for the engine whose data dir this is, in the user's state dir (the data dir
/// where the platform has no state dir).
pub fn file_for(engine_data_dir: &Path) -> Option<PathBuf> {
    use sha2::Digest;
    let dirs = directories::ProjectDirs::from("", "", "wabox")?;
    let base = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .join("drafts");
    let engine = std::fs::canonicalize(engine_data_dir).unwrap_or(engine_data_dir.to_path_buf());
    let digest = sha2::Sha256::digest(engine.as_os_str().as_encoded_bytes());
    Some(base.join(format!("{}.json", &hex::encode(digest)[..16])))
}

impl Drafts {
    /// The drafts kept in `file` (none if it does not exist yet); an unreadable file is said,
    /// and left alone until the next save replaces it.
    pub fn load(file: PathBuf) -> (Drafts, Option<String>) {
        let mut drafts = Drafts {
            file: Some(file.clone()),
            ..Drafts::default()
        };
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (drafts, None),
            Err(e) => return (drafts, Some(e.to_string())),
        };
        match serde_json::from_str::<DraftsFile>(&text) {
            Ok(kept) => drafts.texts = kept.drafts,
            Err(e) => return (drafts, Some(format!("{}: {e}", file.display()))),
        }
        // Private whatever made it otherwise.
        let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600));
        (drafts, None)
    }

    pub fn get(&self, conversation_id: i64) -> Option<&str> {
        self.texts.get(&conversation_id).map(String::as_str)
    }

    /// Keeps the text typed in a conversation; blank text is no draft.
    pub fn set(&mut self, conversation_id: i64, text: &str) {
        let changed = if text.trim().is_empty() {
            self.texts.remove(&conversation_id).is_some()
        } else if self.get(conversation_id) != Some(text) {
            self.texts.insert(conversation_id, text.to_string());
            true
        } else {
            false
        };
        self.unsaved |= changed;
    }

    /// A refused send's text, back to its conversation unless something new was typed there.
    pub fn give_back(&mut self, conversation_id: i64, text: &str) {
        if self.get(conversation_id).is_none() {
            self.set(conversation_id, text);
        }
    }

    /// Writes the drafts out if they changed (removing the file when there are none).
    pub fn save(&mut self) -> std::io::Result<()> {
        if !self.unsaved {
            return Ok(());
        }
        if let Some(file) = &self.file {
            write(file, &self.texts)?;
        }
        self.unsaved = false;
        Ok(())
    }
}

fn write(file: &Path, texts: &BTreeMap<i64, String>) -> std::io::Result<()> {
    if texts.is_empty() {
        return match std::fs::remove_file(file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    let body = serde_json::to_vec_pretty(&DraftsFile {
        drafts: texts.clone(),
    })?;
    temp.write_all(&body)?;
    temp.as_file().sync_all()?;
    temp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

impl App {
    /// Puts the open conversation's composer text into the drafts.
    pub fn keep_draft(&mut self) {
        if let Some(id) = self.open.as_ref().map(OpenConversation::id) {
            let text = self.composer_text();
            self.drafts.set(id, &text);
        }
    }

    /// Before another conversation opens: keep this one's text, take up that one's.
    pub(super) fn switch_draft(&mut self, to: i64) {
        self.keep_draft();
        match self.drafts.get(to) {
            Some(text) => self.composer.set_content(text),
            None => self.composer.clear(),
        }
    }

    /// Keeps the drafts on disk (each second, and on quitting); a failure is said once.
    pub fn save_drafts(&mut self) {
        self.keep_draft();
        match self.drafts.save() {
            Ok(()) => self.drafts.warned = false,
            Err(e) if !self.drafts.warned => {
                self.drafts.warned = true;
                let words = crate::i18n::composer::strings(self.t.lang);
                self.error(crate::i18n::fill(words.drafts_unsaved, &[&e.to_string()]));
            }
            Err(_) => {}
        }
    }

    /// Takes up the drafts kept for this engine.
    pub fn load_drafts(&mut self, file: PathBuf) {
        let (drafts, problem) = Drafts::load(file);
        self.drafts = drafts;
        if let Some(problem) = problem {
            let words = crate::i18n::composer::strings(self.t.lang);
            self.error(crate::i18n::fill(words.drafts_unreadable, &[&problem]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_survive_a_restart_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state/drafts/abc.json");
        let (mut drafts, problem) = Drafts::load(file.clone());
        assert_eq!(problem, None, "no file yet is no problem");
        drafts.set(7, "Hola Ana, tu pedido");
        drafts.set(8, "   ");
        drafts.save().unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "drafts are private");
        let dir_mode = std::fs::metadata(file.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let (again, problem) = Drafts::load(file.clone());
        assert_eq!(problem, None);
        assert_eq!(again.get(7), Some("Hola Ana, tu pedido"));
        assert_eq!(again.get(8), None, "blank text is no draft");
        // The last draft sent: nothing left, no file left.
        let mut again = again;
        again.set(7, "");
        again.save().unwrap();
        assert!(!file.exists());
    }

    #[test]
    fn an_unreadable_drafts_file_is_said_and_does_not_stop_the_inbox() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.json");
        std::fs::write(&file, "not json").unwrap();
        let (drafts, problem) = Drafts::load(file);
        assert!(problem.unwrap().contains("d.json"));
        assert_eq!(drafts.get(1), None);
    }

    #[test]
    fn each_engine_has_its_own_drafts_file() {
        let (Some(a), Some(b)) = (
            file_for(Path::new("/srv/wabox-a")),
            file_for(Path::new("/srv/wabox-b")),
        ) else {
            return; // no home directory here: nothing to compare
        };
        assert_ne!(a, b);
        assert!(a.to_string_lossy().contains("drafts"));
    }
}
