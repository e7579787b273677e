//! `s` on a message's file: a prompt asking where to save it, starting at the user's download
//! directory (home without one), and the writing, which never replaces a file nor follows a
//! link planted under the chosen name.

use super::app::{App, Effect, Popup};
use crate::i18n::fill;
use crate::i18n::views::ViewStrings;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct SavePrompt {
    pub message_id: i64,
    pub mime_type: Option<String>,
    /// What the agent is typing: a file, or a directory to save the file in under its name.
    pub path: String,
}

/// The user's download directory, else home, else the current directory.
pub fn default_dir() -> PathBuf {
    directories::UserDirs::new()
        .map(|u| {
            u.download_dir()
                .unwrap_or_else(|| u.home_dir())
                .to_path_buf()
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `wabox-ID.ext` in `dir`, or `wabox-ID-2.ext` and on when that is taken.
pub fn free_path(dir: &Path, message_id: i64, mime: Option<&str>) -> PathBuf {
    let ext = super::scratch::extension(mime);
    let first = dir.join(format!("wabox-{message_id}.{ext}"));
    if !exists(&first) {
        return first;
    }
    (2..1000)
        .map(|n| dir.join(format!("wabox-{message_id}-{n}.{ext}")))
        .find(|p| !exists(p))
        .unwrap_or(first)
}

/// Also a dangling link: a name taken is taken.
pub(super) fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// What was typed, as a path: `~/` is home; a directory gets the file's own name in it.
pub fn resolve(typed: &str, home: Option<&Path>, message_id: i64, mime: Option<&str>) -> PathBuf {
    let typed = typed.trim();
    let path = match (typed.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if typed == "~" => home.map_or_else(|| PathBuf::from(typed), Path::to_path_buf),
        _ => PathBuf::from(typed),
    };
    if path.is_dir() {
        return free_path(&path, message_id, mime);
    }
    path
}

/// Copies the fetched file `from` to `path` as a new file: an existing file (or a link) under
/// the name is refused. A chunk at a time, never the whole file in memory.
pub fn write(from: &Path, path: &Path, v: &ViewStrings) -> Result<(), String> {
    let shown = path.display().to_string();
    let failed = |why: String| fill(v.save_failed, &[&shown, &why]);
    let mut source = std::fs::File::open(from).map_err(|e| failed(e.to_string()))?;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path);
    let mut f = match created {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(fill(v.save_exists, &[&shown]));
        }
        Err(e) => return Err(failed(e.to_string())),
    };
    std::io::copy(&mut source, &mut f)
        .and_then(|_| f.flush())
        .map_err(|e| failed(e.to_string()))
}

impl App {
    /// `s`: asks where to save the selected message's file.
    pub(super) fn ask_where_to_save(&mut self) -> Vec<Effect> {
        let media = self
            .open
            .as_ref()
            .and_then(|o| o.selected_message())
            .and_then(|m| {
                m.view
                    .media
                    .as_ref()
                    .map(|md| (m.view.id, md.mime_type.clone()))
            });
        let Some((message_id, mime_type)) = media else {
            self.error(self.t.no_media.to_string());
            return Vec::new();
        };
        let path = free_path(&default_dir(), message_id, mime_type.as_deref());
        self.popup = Some(Popup::SaveAs(SavePrompt {
            message_id,
            mime_type,
            path: path.display().to_string(),
        }));
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fetched file holding `text`.
    fn fetched(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join(format!("fetched-{}", text.len()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_taken_name_gets_a_number_and_a_directory_gets_the_files_name() {
        let dir = tempfile::tempdir().unwrap();
        let first = free_path(dir.path(), 7, Some("image/jpeg"));
        assert_eq!(first, dir.path().join("wabox-7.jpg"));
        std::fs::write(&first, b"x").unwrap();
        assert_eq!(
            free_path(dir.path(), 7, Some("image/jpeg")),
            dir.path().join("wabox-7-2.jpg")
        );
        let typed = dir.path().display().to_string();
        assert_eq!(
            resolve(&typed, None, 7, Some("image/jpeg")),
            dir.path().join("wabox-7-2.jpg")
        );
        assert_eq!(
            resolve("~/a.jpg", Some(dir.path()), 7, None),
            dir.path().join("a.jpg")
        );
    }

    #[test]
    fn saving_never_replaces_a_file_nor_follows_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let v = crate::i18n::views::for_lang(crate::i18n::Lang::En);
        let path = dir.path().join("photo.jpg");
        let from = tempfile::tempdir().unwrap();
        write(&fetched(from.path(), "jpeg bytes"), &path, v).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"jpeg bytes");
        let again = write(&fetched(from.path(), "other"), &path, v).unwrap_err();
        assert!(again.contains("already exists"), "{again}");
        assert_eq!(std::fs::read(&path).unwrap(), b"jpeg bytes");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let link = dir.path().join("link.jpg");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(write(&fetched(from.path(), "x"), &link, v).is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    }
}
