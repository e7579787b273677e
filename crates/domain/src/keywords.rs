//! Keyword matching for sequences, the way customers write: case- and accent-insensitive, so
//! `precio`, `Precio`, `PRECIO` and `preció` are one word to a rule that names any of them.

use regex::Regex;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case without accents or other combining marks, whitespace runs as one space:
/// `¿Cuánto  CUESTA?` → `¿cuanto cuesta?`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// How a keyword is compared with what the customer wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    /// The whole message is the keyword (ignoring case, accents, surrounding punctuation).
    Exact,
    /// The keyword appears anywhere in the message.
    Contains,
}

/// A rule over a message's text.
#[derive(Debug, Clone)]
pub enum KeywordRule {
    /// Any of the keywords matches.
    Any(Vec<String>, MatchMode),
    /// Every keyword matches.
    All(Vec<String>, MatchMode),
    /// A regular expression over the folded text (so it is written in lower case without
    /// accents: `\bprecio(s)?\b`).
    Regex(Regex),
}

impl KeywordRule {
    /// The rule with its keywords folded once, so matching folds only the message.
    pub fn any(words: &[String], mode: MatchMode) -> KeywordRule {
        KeywordRule::Any(words.iter().map(|w| fold(w)).collect(), mode)
    }

    pub fn all(words: &[String], mode: MatchMode) -> KeywordRule {
        KeywordRule::All(words.iter().map(|w| fold(w)).collect(), mode)
    }

    /// A regex rule; its pattern is folded too (`Preció` in a pattern still matches `precio`),
    /// and it ignores case.
    pub fn regex(pattern: &str) -> Result<KeywordRule, String> {
        regex::RegexBuilder::new(&fold(pattern))
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map(KeywordRule::Regex)
            .map_err(|e| format!("the regex {pattern:?} is not valid: {e}"))
    }

    /// Whether the message's text satisfies the rule.
    pub fn matches(&self, text: &str) -> bool {
        let folded = fold(text);
        match self {
            KeywordRule::Any(words, mode) => words.iter().any(|w| one(&folded, w, *mode)),
            KeywordRule::All(words, mode) => {
                !words.is_empty() && words.iter().all(|w| one(&folded, w, *mode))
            }
            KeywordRule::Regex(re) => re.is_match(&folded),
        }
    }
}

fn one(folded: &str, word: &str, mode: MatchMode) -> bool {
    if word.is_empty() {
        return false;
    }
    match mode {
        MatchMode::Contains => folded.contains(word),
        MatchMode::Exact => {
            folded.trim_matches(|c: char| !c.is_alphanumeric())
                == word.trim_matches(|c: char| !c.is_alphanumeric())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn case_and_accents_do_not_matter() {
        let rule = KeywordRule::any(&words(&["precio"]), MatchMode::Contains);
        for text in [
            "precio",
            "Precio",
            "PRECIO",
            "preció",
            "¿Cuál es el PRECIO?",
        ] {
            assert!(rule.matches(text), "{text}");
        }
        assert!(!rule.matches("prices"));
        // The keyword may carry the accent instead of the message.
        let accented = KeywordRule::any(&words(&["envío"]), MatchMode::Contains);
        assert!(accented.matches("hacen ENVIO a Cochabamba?"));
    }

    #[test]
    fn exact_is_the_whole_message_apart_from_punctuation() {
        let rule = KeywordRule::any(&words(&["hola"]), MatchMode::Exact);
        assert!(rule.matches("  Hola! "));
        assert!(rule.matches("¡HOLA!"));
        assert!(!rule.matches("hola, quiero saber el precio"));
    }

    #[test]
    fn all_needs_every_keyword_and_any_needs_one() {
        let all = KeywordRule::all(&words(&["envio", "gratis"]), MatchMode::Contains);
        assert!(all.matches("¿El envío es gratis?"));
        assert!(!all.matches("¿Cuánto cuesta el envío?"));
        assert!(!KeywordRule::all(&[], MatchMode::Contains).matches("anything"));
        let any = KeywordRule::any(&words(&["precio", "costo"]), MatchMode::Contains);
        assert!(any.matches("qué COSTO tiene"));
        assert!(!any.matches("hola"));
    }

    #[test]
    fn regex_runs_on_the_folded_text() {
        let rule = KeywordRule::regex(r"\bcu[aá]nto (cuesta|vale)\b").unwrap();
        assert!(rule.matches("¿CUÁNTO cuesta la caja?"));
        assert!(!rule.matches("cuantos vienen"));
        assert!(KeywordRule::regex("(unclosed").is_err());
    }

    #[test]
    fn folding_keeps_words_apart_and_drops_marks() {
        assert_eq!(fold("  ¿Cuánto\n\tCUESTA?  "), "¿cuanto cuesta?");
        assert_eq!(fold("Ñandú"), "nandu");
    }
}
