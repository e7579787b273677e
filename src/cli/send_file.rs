//! `wabox send --file`: the file checked and described on this side, its bytes uploaded to the
//! engine in chunks once connected (the engine never reads the client's filesystem).

use super::file_content;
use crate::client::Client;
use crate::domain::MediaKind;
use crate::protocol::SendContent;
use clap::ValueEnum;
use std::path::{Path, PathBuf};

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum MediaKindArg {
    Image,
    Document,
    Audio,
    Video,
    Sticker,
}

impl From<MediaKindArg> for MediaKind {
    fn from(k: MediaKindArg) -> MediaKind {
        match k {
            MediaKindArg::Image => MediaKind::Image,
            MediaKindArg::Document => MediaKind::Document,
            MediaKindArg::Audio => MediaKind::Audio,
            MediaKindArg::Video => MediaKind::Video,
            MediaKindArg::Sticker => MediaKind::Sticker,
        }
    }
}

/// A file to send, checked and described here.
pub struct FileToSend {
    path: PathBuf,
    kind: MediaKind,
    filename: String,
    mime: String,
    caption: Option<String>,
}

impl FileToSend {
    /// Works out a file's MIME type and kind, and refuses one WhatsApp takes at no size.
    pub fn check(
        path: &Path,
        kind: Option<MediaKindArg>,
        mime: Option<String>,
        caption: Option<String>,
    ) -> anyhow::Result<FileToSend> {
        let shown = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| anyhow::anyhow!("could not read {shown}: {e}"))?
            .len();
        let largest = MediaKind::ALL
            .iter()
            .map(|k| k.max_bytes(true))
            .max()
            .unwrap_or(0) as u64;
        if size > largest {
            anyhow::bail!(
                "{shown} is {}; WhatsApp takes no file larger than {}",
                crate::domain::media::size_label(size),
                crate::domain::media::size_label(largest)
            );
        }
        let head = file_content::head(path)?;
        let mime = mime.unwrap_or_else(|| file_content::mime_of(path, &head));
        let kind = match kind {
            Some(k) => k.into(),
            None => MediaKind::for_mime(&mime).ok_or_else(|| {
                anyhow::anyhow!(
                    "WhatsApp cannot send {shown} ({mime}): give --kind image|document|audio|video|sticker and --mime if it is one of those"
                )
            })?,
        };
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        Ok(FileToSend {
            path: path.to_path_buf(),
            kind,
            filename,
            mime,
            caption,
        })
    }

    /// Uploads the file; the content of a send that uses it.
    pub async fn upload(self, client: &mut Client) -> anyhow::Result<SendContent> {
        let upload_id = client.upload_file(&self.path).await?;
        Ok(SendContent::Media {
            kind: self.kind,
            filename: self.filename,
            mime: self.mime,
            upload_id,
            caption: self.caption,
        })
    }
}
