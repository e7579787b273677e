//! `:attach PATH`: a file sent in the open conversation, as `wabox send --file` sends it. What
//! can be told here is checked at once (the file is there and readable, a kind WhatsApp takes,
//! not too big, the window open); the link uploads it to the engine in chunks before the send,
//! and the engine checks it again as it checks every file.

use super::app::{App, Effect, OpenConversation, Tag};
use crate::domain::MediaKind;
use crate::i18n::composer::{ComposerStrings, strings};
use crate::i18n::fill;
use crate::protocol::views::MessageRef;
use crate::protocol::{Request, SendContent};
use std::path::PathBuf;

/// A file ready to go: what the send says about it.
#[derive(Debug, PartialEq)]
struct Attachment {
    path: PathBuf,
    kind: MediaKind,
    filename: String,
    mime: String,
}

impl App {
    pub(super) fn attach_command(&mut self, arg: &str) -> Vec<Effect> {
        let words = strings(self.t.lang);
        if arg.is_empty() {
            self.error(words.attach_usage.to_string());
            return Vec::new();
        }
        let Some(conversation_id) = self.open.as_ref().map(OpenConversation::id) else {
            self.error(words.attach_no_conversation.to_string());
            return Vec::new();
        };
        // As for typed text: outside the window only a template may go.
        if self.open_window().is_some_and(|w| !w.is_open()) {
            return self.guard_closed_window();
        }
        let file = match attachment(arg, words) {
            Ok(file) => file,
            Err(why) => {
                self.error(why);
                return Vec::new();
            }
        };
        if self.tell_whose_first(conversation_id, words.attach_theirs) {
            return Vec::new();
        }
        self.info(&fill(words.attach_uploading, &[&file.filename]));
        let reply = self.take_reply(conversation_id);
        vec![Effect::Call(
            Tag::Send {
                conversation_id,
                text: None,
                reply: reply.clone().map(Box::new),
            },
            Request::Send {
                conversation_id,
                content: SendContent::LocalFile {
                    path: file.path,
                    kind: file.kind,
                    filename: file.filename,
                    mime: file.mime,
                    caption: None,
                },
                reply_to: reply.map(|d| MessageRef::Id(d.message_id)),
            },
        )]
    }
}

/// A path as typed: `~/` is the home dir, and quotes around a path with spaces come off.
fn typed_path(arg: &str) -> PathBuf {
    let arg = arg.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| arg.strip_prefix(*q).and_then(|a| a.strip_suffix(*q)))
        .unwrap_or(arg);
    match unquoted.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(rest))
            .unwrap_or_else(|| unquoted.into()),
        None => unquoted.into(),
    }
}

/// The file at `arg`, described for the send, or why it cannot go, in the agent's words.
fn attachment(arg: &str, words: &ComposerStrings) -> Result<Attachment, String> {
    let path = typed_path(arg);
    let shown = path.display().to_string();
    let unreadable = |e: std::io::Error| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => words.attach_missing.to_string(),
            std::io::ErrorKind::PermissionDenied => words.attach_forbidden.to_string(),
            _ => e.to_string(),
        };
        fill(words.attach_unreadable, &[&shown, &why])
    };
    let meta = std::fs::metadata(&path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(fill(words.attach_not_a_file, &[&shown]));
    }
    // Opened now, so a file that cannot be read is said here rather than half-way through.
    std::fs::File::open(&path).map_err(unreadable)?;
    let mime = mime_guess::from_path(&path)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_string();
    let kind = MediaKind::for_mime(&mime)
        .ok_or_else(|| fill(words.attach_unsupported, &[&shown, &mime]))?;
    let largest = kind.max_bytes(true) as u64;
    if meta.len() > largest {
        use crate::domain::media::size_label;
        return Err(fill(
            words.attach_too_big,
            &[&shown, &size_label(meta.len()), &size_label(largest)],
        ));
    }
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    Ok(Attachment {
        path,
        kind,
        filename,
        mime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::composer::{EN, ES};

    #[test]
    fn a_readable_file_is_described_by_its_type() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("factura marzo.pdf");
        std::fs::write(&path, b"%PDF-1.4\n").unwrap();
        let quoted = format!("\"{}\"", path.display());
        let file = attachment(&quoted, &EN).unwrap();
        assert_eq!(file.kind, MediaKind::Document);
        assert_eq!(file.mime, "application/pdf");
        assert_eq!(file.filename, "factura marzo.pdf");
        assert_eq!(file.path, path);
    }

    #[test]
    fn a_missing_a_folder_or_an_unsendable_file_is_said_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.jpg");
        let why = attachment(missing.to_str().unwrap(), &EN).unwrap_err();
        assert!(why.ends_with("nope.jpg: there is no such file"), "{why}");
        let why = attachment(missing.to_str().unwrap(), &ES).unwrap_err();
        assert!(why.starts_with("no se puede leer"), "{why}");
        assert!(why.ends_with("no existe"), "{why}");
        let why = attachment(dir.path().to_str().unwrap(), &EN).unwrap_err();
        assert!(why.contains("is a folder"), "{why}");
        let zip = dir.path().join("fotos.zip");
        std::fs::write(&zip, b"PK").unwrap();
        let why = attachment(zip.to_str().unwrap(), &EN).unwrap_err();
        assert!(why.contains("WhatsApp cannot send"), "{why}");
        assert!(why.contains("application/zip"), "{why}");
    }

    #[test]
    fn an_image_over_whatsapps_limit_is_refused_before_it_is_uploaded() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.png");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(6_000_000).unwrap();
        let why = attachment(big.to_str().unwrap(), &EN).unwrap_err();
        assert!(why.contains("6.0 MB") && why.contains("5.0 MB"), "{why}");
        assert!(why.contains("larger than"), "{why}");
    }
}
