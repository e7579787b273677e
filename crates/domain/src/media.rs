//! What WhatsApp lets a business send as a file: the media kinds, the MIME types each accepts,
//! their size caps, and which of them may carry a caption.
//!
//! Meta's limits (Cloud API "supported media types"): image JPEG/PNG up to 5 MB; video MP4/3GPP and
//! audio AAC/AMR/MP3/MP4/OGG up to 16 MB; documents (text, PDF, Office) up to 100 MB; stickers
//! WebP up to 100 KB, or 500 KB when animated. Megabytes are taken as 10^6 bytes: the smaller
//! reading, so that nothing wabox accepts is refused by Meta later.

use serde::{Deserialize, Serialize};

/// A kind of media message, as Meta names its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Document,
    Audio,
    Video,
    Sticker,
}

const KB: usize = 1000;
const MB: usize = 1000 * KB;

const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png"];
const VIDEO_TYPES: &[&str] = &["video/mp4", "video/3gpp"];
const AUDIO_TYPES: &[&str] = &[
    "audio/aac",
    "audio/amr",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
];
const STICKER_TYPES: &[&str] = &["image/webp"];
const DOCUMENT_TYPES: &[&str] = &[
    "text/plain",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

/// Why a file cannot be sent as a given kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaRefusal {
    #[error("the file is empty")]
    Empty,
    #[error("WhatsApp does not take {mime} as {article} {kind}: it takes {allowed}")]
    WrongType {
        mime: String,
        kind: &'static str,
        article: &'static str,
        allowed: String,
    },
    #[error("the file is {size}; WhatsApp takes {article} {kind} of at most {max}")]
    TooLarge {
        size: String,
        kind: &'static str,
        article: &'static str,
        max: String,
    },
    #[error("WhatsApp shows no caption on {kind} messages: send the text as its own message")]
    NoCaption { kind: &'static str },
    #[error("a caption is at most 1024 characters; this one has {0}")]
    CaptionTooLong(usize),
}

impl MediaKind {
    pub const ALL: [MediaKind; 5] = [
        MediaKind::Image,
        MediaKind::Document,
        MediaKind::Audio,
        MediaKind::Video,
        MediaKind::Sticker,
    ];

    /// Meta's name for the kind, also the message `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Document => "document",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Sticker => "sticker",
        }
    }

    pub fn parse(kind: &str) -> Option<MediaKind> {
        MediaKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    pub fn article(self) -> &'static str {
        match self {
            MediaKind::Image | MediaKind::Audio => "an",
            _ => "a",
        }
    }

    /// The MIME types WhatsApp accepts for this kind.
    pub fn mime_types(self) -> &'static [&'static str] {
        match self {
            MediaKind::Image => IMAGE_TYPES,
            MediaKind::Document => DOCUMENT_TYPES,
            MediaKind::Audio => AUDIO_TYPES,
            MediaKind::Video => VIDEO_TYPES,
            MediaKind::Sticker => STICKER_TYPES,
        }
    }

    /// The largest file of this kind, in bytes; `animated` matters for stickers only.
    pub fn max_bytes(self, animated: bool) -> usize {
        match self {
            MediaKind::Image => 5 * MB,
            MediaKind::Video | MediaKind::Audio => 16 * MB,
            MediaKind::Document => 100 * MB,
            MediaKind::Sticker if animated => 500 * KB,
            MediaKind::Sticker => 100 * KB,
        }
    }

    /// Audio and stickers are shown without a caption.
    pub fn takes_caption(self) -> bool {
        !matches!(self, MediaKind::Audio | MediaKind::Sticker)
    }

    /// The kind a file of this MIME type is sent as when nobody says otherwise.
    pub fn for_mime(mime: &str) -> Option<MediaKind> {
        let mime = essence(mime);
        [
            MediaKind::Image,
            MediaKind::Sticker,
            MediaKind::Video,
            MediaKind::Audio,
            MediaKind::Document,
        ]
        .into_iter()
        .find(|k| k.mime_types().contains(&mime.as_str()))
    }
}

/// `Audio/OGG; codecs=opus` → `audio/ogg`.
pub fn essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a WebP file is animated (its VP8X header has the animation flag).
pub fn is_animated_webp(bytes: &[u8]) -> bool {
    bytes.len() > 20
        && &bytes[0..4] == b"RIFF"
        && &bytes[8..12] == b"WEBP"
        && &bytes[12..16] == b"VP8X"
        && bytes[20] & 0x02 != 0
}

/// Checks a file against WhatsApp's rules for `kind` before anything is queued.
pub fn check(
    kind: MediaKind,
    mime: &str,
    bytes: &[u8],
    caption: Option<&str>,
) -> Result<(), MediaRefusal> {
    check_file(kind, mime, bytes.len() as u64, bytes, caption)
}

/// How many first bytes of a file `check_file` needs to see.
pub const HEAD_BYTES: usize = 32;

/// As `check`, for a file known by its size and its first `HEAD_BYTES` (or all of it, if
/// shorter): a file on disk is never read whole to be checked.
pub fn check_file(
    kind: MediaKind,
    mime: &str,
    size: u64,
    head: &[u8],
    caption: Option<&str>,
) -> Result<(), MediaRefusal> {
    let name = kind.as_str();
    if size == 0 {
        return Err(MediaRefusal::Empty);
    }
    let mime = essence(mime);
    if !kind.mime_types().contains(&mime.as_str()) {
        return Err(MediaRefusal::WrongType {
            mime,
            kind: name,
            article: kind.article(),
            allowed: kind.mime_types().join(", "),
        });
    }
    let max = kind.max_bytes(kind == MediaKind::Sticker && is_animated_webp(head));
    if size > max as u64 {
        return Err(MediaRefusal::TooLarge {
            size: size_label(size),
            kind: name,
            article: kind.article(),
            max: size_label(max as u64),
        });
    }
    if let Some(c) = caption.filter(|c| !c.trim().is_empty()) {
        if !kind.takes_caption() {
            return Err(MediaRefusal::NoCaption { kind: name });
        }
        let n = c.chars().count();
        if n > 1024 {
            return Err(MediaRefusal::CaptionTooLong(n));
        }
    }
    Ok(())
}

/// A size for people: `812 B`, `240 KB`, `4.8 MB` (decimal units, like Meta's limits).
pub fn size_label(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < KB as u64 {
        format!("{bytes} B")
    } else if bytes < MB as u64 {
        format!("{} KB", (b / KB as f64).round() as u64)
    } else {
        format!("{:.1} MB", b / MB as f64)
    }
}

/// The one line an outgoing file shows as: `[image 240 KB] caption`, `[document 1.2 MB] a.pdf`.
pub fn summary(
    kind: MediaKind,
    bytes: u64,
    filename: Option<&str>,
    caption: Option<&str>,
) -> String {
    let detail: Vec<&str> = [filename, caption.filter(|c| !c.trim().is_empty())]
        .into_iter()
        .flatten()
        .collect();
    let head = format!("[{} {}]", kind.as_str(), size_label(bytes));
    if detail.is_empty() {
        head
    } else {
        format!("{head} {}", detail.join(" — "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_takes_only_its_mime_types() {
        assert!(check(MediaKind::Image, "image/jpeg", b"x", None).is_ok());
        assert!(check(MediaKind::Image, "IMAGE/PNG; q=1", b"x", None).is_ok());
        let e = check(MediaKind::Image, "image/gif", b"x", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "WhatsApp does not take image/gif as an image: it takes image/jpeg, image/png"
        );
        assert!(check(MediaKind::Sticker, "image/jpeg", b"x", None).is_err());
        assert!(check(MediaKind::Document, "application/pdf", b"x", None).is_ok());
        assert!(check(MediaKind::Document, "application/zip", b"x", None).is_err());
    }

    #[test]
    fn size_caps_follow_meta_per_kind() {
        let image = vec![0u8; 5 * MB];
        assert!(check(MediaKind::Image, "image/png", &image, None).is_ok());
        let big = vec![0u8; 5 * MB + 1];
        let e = check(MediaKind::Image, "image/png", &big, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the file is 5.0 MB; WhatsApp takes an image of at most 5.0 MB"
        );
        assert!(check(MediaKind::Video, "video/mp4", &big, None).is_ok());
        assert_eq!(MediaKind::Audio.max_bytes(false), 16 * MB);
        assert_eq!(MediaKind::Document.max_bytes(false), 100 * MB);
        assert!(check(MediaKind::Image, "image/png", b"", None).is_err());
    }

    #[test]
    fn an_animated_sticker_may_be_larger_than_a_still_one() {
        let mut still = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0".to_vec();
        still.resize(200 * KB, 0);
        let mut animated = still.clone();
        animated[20] = 0x02;
        assert!(is_animated_webp(&animated) && !is_animated_webp(&still));
        assert!(check(MediaKind::Sticker, "image/webp", &still, None).is_err());
        assert!(check(MediaKind::Sticker, "image/webp", &animated, None).is_ok());
        animated.resize(500 * KB + 1, 0);
        assert!(check(MediaKind::Sticker, "image/webp", &animated, None).is_err());
    }

    #[test]
    fn audio_and_stickers_refuse_a_caption() {
        let e = check(MediaKind::Audio, "audio/ogg", b"x", Some("listen")).unwrap_err();
        assert_eq!(e, MediaRefusal::NoCaption { kind: "audio" });
        assert!(check(MediaKind::Audio, "audio/ogg", b"x", Some("  ")).is_ok());
        assert!(check(MediaKind::Document, "text/plain", b"x", Some("terms")).is_ok());
        let long = "a".repeat(1025);
        assert_eq!(
            check(MediaKind::Image, "image/png", b"x", Some(&long)),
            Err(MediaRefusal::CaptionTooLong(1025))
        );
    }

    #[test]
    fn the_kind_is_guessed_from_the_mime_type() {
        assert_eq!(MediaKind::for_mime("image/jpeg"), Some(MediaKind::Image));
        assert_eq!(MediaKind::for_mime("image/webp"), Some(MediaKind::Sticker));
        assert_eq!(
            MediaKind::for_mime("audio/ogg; codecs=opus"),
            Some(MediaKind::Audio)
        );
        assert_eq!(
            MediaKind::for_mime("application/pdf"),
            Some(MediaKind::Document)
        );
        assert_eq!(MediaKind::for_mime("application/zip"), None);
    }

    #[test]
    fn an_outgoing_file_reads_as_kind_size_and_caption() {
        assert_eq!(
            summary(MediaKind::Image, 240_000, None, Some("the box")),
            "[image 240 KB] the box"
        );
        assert_eq!(
            summary(MediaKind::Document, 1_234_567, Some("a.pdf"), Some("")),
            "[document 1.2 MB] a.pdf"
        );
        assert_eq!(size_label(812), "812 B");
    }
}
