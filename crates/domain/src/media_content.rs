//! What a file to send really is, from its first bytes (not its name): a text file called
//! `fake.jpg` is not an image, and WhatsApp should not be told it is.

use super::media::MediaKind;

/// A file whose content is not what it is being sent as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("it is sent as {article} {kind} ({declared}), but its content is {actual}")]
pub struct ContentMismatch {
    pub article: &'static str,
    pub kind: &'static str,
    pub declared: String,
    /// `text`, `a PNG file (image/png)`, `not a type WhatsApp sends`.
    pub actual: String,
}

/// The MIME type the content shows, when it shows one.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    infer::get(head).map(|t| t.mime_type())
}

/// Checks that the first bytes of a file fit the kind and MIME type it is sent as. Documents
/// may be anything, except one said to be a PDF.
pub fn check_content(kind: MediaKind, mime: &str, head: &[u8]) -> Result<(), ContentMismatch> {
    let declared = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let found = sniff(head);
    let fits = match (kind, found) {
        (MediaKind::Document, _) if declared != "application/pdf" => true,
        (_, None) => false,
        // An image's exact type matters: Meta refuses a PNG sent as a JPEG.
        (MediaKind::Image | MediaKind::Sticker | MediaKind::Document, Some(f)) => f == declared,
        (MediaKind::Audio, Some(f)) => f.starts_with("audio/") || f == "video/mp4",
        (MediaKind::Video, Some(f)) => f.starts_with("video/"),
    };
    if fits {
        return Ok(());
    }
    Err(ContentMismatch {
        article: kind.article(),
        kind: kind.as_str(),
        declared,
        actual: describe(found, head),
    })
}

fn describe(found: Option<&str>, head: &[u8]) -> String {
    match found {
        Some(mime) => mime.to_string(),
        None if looks_like_text(head) => "text".to_string(),
        None => "not a type WhatsApp sends".to_string(),
    }
}

/// UTF-8 without control characters other than whitespace (a cut last character allowed).
fn looks_like_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            // Only the last character was cut by the head's end.
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !valid.is_empty()
        && valid
            .chars()
            .all(|c| !c.is_control() || c.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
    ];

    #[test]
    fn a_text_file_named_like_an_image_is_not_an_image() {
        let e = check_content(MediaKind::Image, "image/jpeg", b"just some words\n").unwrap_err();
        assert_eq!(e.actual, "text");
        assert_eq!(
            e.to_string(),
            "it is sent as an image (image/jpeg), but its content is text"
        );
    }

    #[test]
    fn an_image_is_checked_by_its_bytes_and_exact_type() {
        assert_eq!(check_content(MediaKind::Image, "image/jpeg", JPEG), Ok(()));
        assert_eq!(check_content(MediaKind::Image, "image/png", PNG), Ok(()));
        let e = check_content(MediaKind::Image, "image/jpeg", PNG).unwrap_err();
        assert_eq!(e.actual, "image/png");
        assert_eq!(sniff(PNG), Some("image/png"));
    }

    #[test]
    fn documents_are_anything_but_a_pdf_must_be_one() {
        assert_eq!(
            check_content(MediaKind::Document, "text/plain", b"notes"),
            Ok(())
        );
        assert_eq!(
            check_content(MediaKind::Document, "application/pdf", b"%PDF-1.7\n"),
            Ok(())
        );
        let e = check_content(MediaKind::Document, "application/pdf", JPEG).unwrap_err();
        assert_eq!(e.actual, "image/jpeg");
    }

    #[test]
    fn binary_noise_is_named_as_such() {
        let e = check_content(MediaKind::Video, "video/mp4", &[0, 1, 2, 3, 0xFE]).unwrap_err();
        assert_eq!(e.actual, "not a type WhatsApp sends");
    }
}
