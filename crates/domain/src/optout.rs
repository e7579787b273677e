//! Marketing opt-outs: a customer who writes a stop word alone (`STOP`, `baja.`, `Stop!`) no
//! longer gets broadcasts. Matched whole, ignoring case, accents and the punctuation around it,
//! so "stop sending me the catalogue" is a message, not an opt-out.

use std::collections::BTreeMap;

/// The language whose stop word `text` is, if it is one; `words` by language.
pub fn language_of_stop<'a>(
    words: &'a BTreeMap<String, Vec<String>>,
    text: &str,
) -> Option<&'a str> {
    // Every customer message is asked, most of them sentences, and folding all of a long one
    // was a measurable share of an engine's time. Each letter or digit that is not a mark folds
    // to one character at least, so a text with more of them than the longest folded stop
    // word has characters is none.
    let folded: Vec<(&'a str, String)> = (words.iter())
        .flat_map(|(lang, list)| {
            list.iter()
                .map(|w| (lang.as_str(), crate::keywords::fold(w.trim())))
        })
        .collect();
    let longest = folded.iter().map(|(_, w)| w.chars().count()).max()?;
    let letters = (text.chars())
        .filter(|c| c.is_alphanumeric() && !unicode_normalization::char::is_combining_mark(*c));
    if letters.take(longest + 1).count() > longest {
        return None;
    }
    let said = crate::keywords::fold(text.trim().trim_matches(|c: char| !c.is_alphanumeric()));
    if said.is_empty() {
        return None;
    }
    folded
        .into_iter()
        .find(|(_, w)| *w == said)
        .map(|(lang, _)| lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> BTreeMap<String, Vec<String>> {
        [
            ("en", vec!["STOP", "UNSUBSCRIBE"]),
            ("es", vec!["BAJA", "Dar de baja"]),
        ]
        .into_iter()
        .map(|(l, w)| (l.to_string(), w.into_iter().map(String::from).collect()))
        .collect()
    }

    #[test]
    fn a_stop_word_alone_is_an_opt_out_in_its_language_and_a_sentence_is_not() {
        let w = words();
        for (text, lang) in [
            ("STOP", Some("en")),
            ("  stop!! ", Some("en")),
            ("Unsubscribe.", Some("en")),
            ("baja", Some("es")),
            ("¡BAJA!", Some("es")),
            ("dar  de  BAJA", Some("es")),
            ("stop sending me the catalogue", None),
            ("¿me das de baja?", None),
            ("bajá", Some("es")),
            ("", None),
            ("!!!", None),
            ("STOP!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", Some("en")),
            ("   \n\n  UNSUBSCRIBE  \n\n ", Some("en")),
            ("b\u{0061}\u{0301}ja", Some("es")),
            ("unsubscribes", None),
            (&"stop ".repeat(300), None),
        ] {
            assert_eq!(language_of_stop(&w, text), lang, "{text:?}");
        }
    }
}
