//! Text fitting: word wrapping and truncation by display width (emoji and accents included).
//! Whatever is fitted here is first made visible (`domain::text`): customer and agent strings
//! reach the screen through these functions, never with their escapes or bidi overrides.

use crate::domain::text::{visible, visible_line};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// One line of customer or agent text as it may be drawn, hidden characters shown visibly.
pub fn shown(s: &str) -> String {
    visible_line(s).into_owned()
}

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to `max` columns, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    let s = visible_line(s);
    if width(&s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The last `max` columns of `s`, starting with `…` when cut (where typing happens at the end).
pub fn tail(s: &str, max: usize) -> String {
    let s = visible_line(s);
    if width(&s) <= max {
        return s.to_string();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1; // the `…`
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > max {
            break;
        }
        used += w;
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// Wraps at spaces to `max` columns; words longer than a line are split. Newlines are kept.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let s = visible(s).replace('\t', " ");
    let mut lines = Vec::new();
    for paragraph in s.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ') {
            let w = width(word);
            let gap = usize::from(!line.is_empty());
            if used + gap + w <= max {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                used += gap + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > max {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_and_splits_long_ones() {
        assert_eq!(wrap("hola que tal", 7), ["hola", "que tal"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
    }

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate("¿Tienen envíos?", 8), "¿Tienen…");
        assert_eq!(truncate("👍👍👍", 4), "👍…");
        assert_eq!(truncate("ok", 4), "ok");
    }

    #[test]
    fn fitted_text_shows_escapes_and_bidi_overrides() {
        assert_eq!(truncate("\u{1b}[2J\u{202e}abc", 40), "^[[2J\\u{202e}abc");
        assert_eq!(wrap("a\u{1b}]52;c;x\u{7}\nb", 40), ["a^[]52;c;x^G", "b"]);
    }
}
