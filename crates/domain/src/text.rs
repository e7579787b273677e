//! Customer and agent text made safe to show on a terminal, and the names people give things.
//!
//! Anything a customer or an agent typed (a profile name, a caption, a file name, a note, a label,
//! a template's body) may carry terminal escapes (`ESC [2J` clears the screen, OSC 52 writes the
//! reader's clipboard), C1 controls, or invisible characters that reorder or hide text (U+202E
//! turns `gpj.exe` into `exe.jpg`). Nothing of that reaches a terminal: every human-readable output
//! shows those characters visibly instead, so a reader sees that they were there:
//!
//! - C0 controls and DEL in caret notation: ESC is `^[`, BEL `^G`, NUL `^@`, DEL `^?`;
//! - C1 controls, bidi controls, zero-width and other invisible format characters, line and
//!   paragraph separators as Rust-style escapes: `\u{9b}`, `\u{202e}`, `\u{200b}`.
//!
//! Zero-width joiner and non-joiner (U+200D, U+200C) are kept when shown: emoji such as 👨‍👩‍👧
//! and Persian or Indic words are built with them, and they move or hide nothing. `--json`
//! output never goes through here: it carries the exact string, escaped by JSON.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// True for a character a terminal would act on, or that a reader could not see.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Unicode's format characters (general category Cf) and the line and paragraph separators,
/// except the two joiners that emoji and scripts are built with. Written out from Unicode 16's
/// Cf list rather than pulled from a crate: it changes rarely and reads in one glance.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

fn push_visible(out: &mut String, c: char) {
    match c as u32 {
        0x00..=0x1F => {
            out.push('^');
            out.push(char::from(c as u8 + 0x40));
        }
        0x7F => out.push_str("^?"),
        n => out.push_str(&format!("\\u{{{n:x}}}")),
    }
}

/// `text` for a terminal, lines kept: newlines and tabs stay (a CR before a newline goes), every
/// other hidden character is shown visibly (see the module's comment).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_hidden(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if is_hidden(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` for one line of a terminal (a table cell, a list row): newlines, CRs and tabs become
/// spaces, every other hidden character is shown visibly.
pub fn visible_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_hidden(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a {what} name cannot be blank")]
    Blank { what: &'static str },
    #[error("a {what} name is at most {max} characters; this one has {len}")]
    TooLong {
        what: &'static str,
        max: usize,
        len: usize,
    },
    #[error(
        "a {what} name cannot hold control, invisible or direction-changing characters: {shown:?} has {code} at character {at}"
    )]
    Hidden {
        what: &'static str,
        shown: String,
        code: String,
        at: usize,
    },
}

/// The longest tenant, queue or label name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A tenant's, queue's or label's name as people type it: trimmed, 1 to 64 characters, and
/// nothing a reader could not see (controls, bidi overrides, zero-width characters, the joiners
/// included), so two names that look alike are alike. `what` says which kind in the error.
pub fn check_name(what: &'static str, raw: &str) -> Result<String, NameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(NameError::Blank { what });
    }
    if let Some((i, c)) = name
        .chars()
        .enumerate()
        .find(|&(_, c)| is_hidden(c) || matches!(c, '\u{200C}' | '\u{200D}') || is_filler(c))
    {
        return Err(NameError::Hidden {
            what,
            shown: visible_line(name).into_owned(),
            code: format!("U+{:04X}", c as u32),
            at: i + 1,
        });
    }
    let len = name.chars().count();
    if len > MAX_NAME_CHARS {
        return Err(NameError::TooLong {
            what,
            max: MAX_NAME_CHARS,
            len,
        });
    }
    Ok(name.to_string())
}

/// Hangul and Braille fillers: letters by category, blanks to the eye.
fn is_filler(c: char) -> bool {
    matches!(
        c,
        '\u{115F}' | '\u{1160}' | '\u{2800}' | '\u{3164}' | '\u{FFA0}'
    )
}

/// The form two names are compared in: NFKC (full-width `Ａｃｍｅ` is `Acme`), lower case,
/// and runs of spaces as one, so `ACME` and `Acme` are the same tenant.
pub fn normalised_name(name: &str) -> String {
    let folded: String = name.trim().nfkc().flat_map(char::to_lowercase).collect();
    let folded: String = folded.nfkc().collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why an agent's user name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{shown:?} is not a Unix user name: agents are known by their login, which is 1 to 32 of a-z, 0-9, `_` and `-`, starting with a letter or `_` (a final `$` is allowed)"
)]
pub struct UserNameError {
    shown: String,
}

/// An agent is a Unix user: the name must have the shape `useradd` accepts by default
/// (`^[a-z_][a-z0-9_-]*[$]?$`, at most 32), so it can never be a path, a flag or a disguise.
/// Whether the user exists on this host is not checked here.
pub fn check_user_name(raw: &str) -> Result<(), UserNameError> {
    let bytes = raw.as_bytes();
    let body = bytes.strip_suffix(b"$").unwrap_or(bytes);
    let ok = !body.is_empty()
        && raw.len() <= 32
        && (body[0].is_ascii_lowercase() || body[0] == b'_')
        && body
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(UserNameError {
            shown: visible_line(raw).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_shown_in_caret_notation() {
        assert_eq!(visible("a\u{1b}[2Jb"), "a^[[2Jb");
        assert_eq!(visible("\u{7}\u{0}\u{7f}"), "^G^@^?");
        assert_eq!(
            visible("\u{1b}]52;c;aGk=\u{7}"),
            "^[]52;c;aGk=^G",
            "OSC 52 cannot reach the clipboard"
        );
    }

    #[test]
    fn c1_and_invisible_characters_are_shown_as_escapes() {
        assert_eq!(visible("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(visible("\u{202e}gpj.exe"), "\\u{202e}gpj.exe");
        assert_eq!(visible("Ac\u{200b}me\u{2066}"), "Ac\\u{200b}me\\u{2066}");
        assert_eq!(visible("x\u{feff}\u{061c}"), "x\\u{feff}\\u{61c}");
        assert_eq!(visible("a\u{2028}b"), "a\\u{2028}b");
    }

    #[test]
    fn lines_and_tabs_are_kept_where_text_has_lines() {
        assert_eq!(visible("one\r\ntwo\tthree"), "one\ntwo\tthree");
        assert_eq!(visible("over\rwrite"), "over^Mwrite");
    }

    #[test]
    fn one_line_turns_line_breaks_into_spaces() {
        assert_eq!(visible_line("one\ntwo\r\tthree"), "one two  three");
        assert_eq!(visible_line("\u{1b}[31m"), "^[[31m");
    }

    #[test]
    fn ordinary_text_is_borrowed_untouched() {
        for s in [
            "¿Tienen envíos?",
            "👨\u{200d}👩\u{200d}👧",
            "می\u{200c}خواهم",
            "名前",
        ] {
            assert!(matches!(visible(s), Cow::Borrowed(t) if t == s));
            assert!(matches!(visible_line(s), Cow::Borrowed(t) if t == s));
        }
    }

    #[test]
    fn names_refuse_what_a_reader_cannot_see() {
        assert_eq!(
            check_name("tenant", "  Acme Bolivia ").unwrap(),
            "Acme Bolivia"
        );
        for bad in [
            "Acme\u{200b}",
            "\u{202e}Acme",
            "Ac\u{200d}me",
            "a\u{7}b",
            "x\u{3164}",
            "Acme\u{e0041}",
        ] {
            assert!(
                matches!(check_name("tenant", bad), Err(NameError::Hidden { .. })),
                "{bad:?}"
            );
        }
        assert!(matches!(
            check_name("queue", " "),
            Err(NameError::Blank { .. })
        ));
        assert!(matches!(
            check_name("label", &"x".repeat(65)),
            Err(NameError::TooLong { .. })
        ));
    }

    #[test]
    fn a_refused_name_is_shown_visibly_in_the_error() {
        let e = check_name("tenant", "\u{202e}Acme")
            .unwrap_err()
            .to_string();
        assert!(e.contains("U+202E"), "{e}");
        assert!(!e.contains('\u{202e}'), "{e}");
    }

    #[test]
    fn names_compare_without_case_or_width() {
        assert_eq!(normalised_name("ACME"), normalised_name("Acme"));
        assert_eq!(normalised_name("Ａｃｍｅ"), normalised_name("acme"));
        assert_eq!(
            normalised_name("Acme  Bolivia"),
            normalised_name("acme bolivia")
        );
        assert_ne!(normalised_name("Acme"), normalised_name("Acne"));
    }

    #[test]
    fn agents_are_unix_user_names() {
        for good in ["alice", "bob", "_svc", "a-b_c9", "machine$"] {
            assert!(check_user_name(good).is_ok(), "{good}");
        }
        for bad in [
            "../../etc/passwd",
            "",
            "Alice",
            "-rf",
            "9lives",
            "a b",
            "a\u{1b}",
            "$",
            &"a".repeat(33),
        ] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
    }
}
