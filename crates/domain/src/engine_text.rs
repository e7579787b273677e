//! The engine's answers in the inbox's language. The engine answers every client in English (a
//! CLI script parses the same words whoever runs it); the inbox shows an agent the answers it
//! knows in the agent's language. Each answer is a template with `{}` where the engine puts a
//! value: an English message that matches a template is refilled into the Spanish one with the
//! same values, and one that matches none is shown as the engine wrote it.

use super::lang::{Lang, fill};

/// One engine answer in both languages; `{}` are the values, in the same order in both.
pub struct EngineText {
    pub en: &'static str,
    pub es: &'static str,
}

impl EngineText {
    /// The English text with its values, as the engine answers it.
    pub fn en(&self, values: &[&str]) -> String {
        fill(self.en, values)
    }
}

macro_rules! texts {
    ($($name:ident: $en:literal => $es:literal;)*) => {
        $(pub const $name: EngineText = EngineText { en: $en, es: $es };)*
        /// Most specific first: a template that is a prefix of another comes after it.
        const ALL: &[EngineText] = &[$($name),*];
    };
}

texts! {
    NO_TOKEN_CONNECT_AGAIN: "the number has no access token: an admin must connect it again"
        => "el número no tiene token de acceso: un administrador debe conectarlo de nuevo";
    NO_TOKEN_FOR_SEQUENCE: "number {} has no access token: an admin must connect it"
        => "el número {} no tiene token de acceso: un administrador debe conectarlo";
    FILE_GONE: "the file to send is gone from the data dir ({}): send it again"
        => "el archivo que se iba a enviar ya no está en el directorio de datos ({}): envíalo de nuevo";
    UPLOADING: "uploading the file: {}"
        => "al subir el archivo: {}";
    PAUSED_WINDOW_CLOSED: "{}: the customer's 24-hour window is closed and the step has no fallback_template (resume after they write)"
        => "{}: la ventana de 24 horas del cliente está cerrada y el paso no tiene fallback_template (reanúdala cuando escriba)";
    PAUSED_GOTO_LOOP: "went through {} steps without waiting (a goto loop?): fix the file, then resume"
        => "pasó por {} pasos sin esperar (¿un bucle de goto?): corrige el archivo y reanúdala";
    PAUSED_AGENT_REPLIED: "{} replied"
        => "{} respondió";
    SEQUENCE_FILE_GONE: "its sequence file {}.toml is gone or refused (`wabox sequences list` says why); resume once it loads"
        => "su archivo de secuencia {}.toml ya no está o fue rechazado (`wabox sequences list` dice por qué); reanúdala cuando cargue";
    STEP: "step {}"
        => "paso {}";
    THE_END: "the end"
        => "el final";
}

/// An engine message in `lang`: the same words in English, the known ones refilled in Spanish.
pub fn localize(lang: Lang, message: &str) -> String {
    if lang == Lang::En {
        return message.to_string();
    }
    for text in ALL {
        if let Some(values) = captures(text.en, message) {
            // A value may be an answer of its own ("step 2" in a pause's reason).
            let values: Vec<String> = values.iter().map(|v| localize(lang, v)).collect();
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            return fill(text.es, &values);
        }
    }
    message.to_string()
}

/// The values a message puts where the template has `{}`, if the message is that template.
/// Each literal piece must appear in order; a value runs up to the next piece's first match.
fn captures<'m>(template: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let pieces: Vec<&str> = template.split("{}").collect();
    let (first, rest) = pieces.split_first()?;
    let mut left = message.strip_prefix(first)?;
    let mut values = Vec::new();
    for (i, piece) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let at = if last {
            // The last piece ends the message: the value before it takes everything between.
            if !left.ends_with(piece) {
                return None;
            }
            left.len() - piece.len()
        } else if piece.is_empty() {
            return None; // two values side by side cannot be told apart
        } else {
            left.find(piece)?
        };
        values.push(&left[..at]);
        left = &left[at + piece.len()..];
    }
    left.is_empty().then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_answer_is_refilled_in_spanish_with_its_values() {
        let en = NO_TOKEN_FOR_SEQUENCE.en(&["106540352242922"]);
        assert_eq!(
            localize(Lang::Es, &en),
            "el número 106540352242922 no tiene token de acceso: un administrador debe conectarlo"
        );
        // A value may hold the template's own punctuation: it runs to the closing piece.
        let en = UPLOADING.en(&["Meta said: (#100) bad: thing"]);
        assert_eq!(
            localize(Lang::Es, &en),
            "al subir el archivo: Meta said: (#100) bad: thing"
        );
    }

    #[test]
    fn a_value_that_is_an_answer_of_its_own_is_translated_too() {
        let step = STEP.en(&["2"]);
        let en = PAUSED_WINDOW_CLOSED.en(&[&step]);
        assert!(localize(Lang::Es, &en).starts_with("paso 2: la ventana de 24 horas"));
    }

    #[test]
    fn english_and_unknown_answers_are_shown_as_written() {
        let en = FILE_GONE.en(&["No such file"]);
        assert_eq!(localize(Lang::En, &en), en);
        assert_eq!(
            localize(Lang::Es, "something new went wrong"),
            "something new went wrong"
        );
        // A template's words with more after them are a different message.
        assert_eq!(localize(Lang::Es, "the end, please"), "the end, please");
    }

    #[test]
    fn every_template_round_trips_and_both_languages_take_the_same_values() {
        for text in ALL {
            let n = text.en.matches("{}").count();
            assert_eq!(n, text.es.matches("{}").count(), "{}", text.en);
            let values: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            assert_eq!(
                localize(Lang::Es, &text.en(&values)),
                fill(text.es, &values),
                "{}",
                text.en
            );
        }
    }
}
