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
    AGENT_NOT_ADMIN: "{} is an agent: only an admin can do this"
        => "{} es agente: solo un administrador puede hacerlo";
    TENANT_ADMIN_ONLY: "{} is the admin of one tenant: only an installation admin can do this"
        => "{} administra un solo negocio: solo un administrador de la instalación puede hacerlo";
    NOT_A_USER: "{} is not a wabox user: an admin adds them with `wabox agents add {}`"
        => "{} no es usuario de wabox: un administrador lo añade con `wabox agents add {}`";
    NOT_YOUR_TENANT: "{} is not a user of your tenant: an installation admin can change them"
        => "{} no es usuario de tu negocio: un administrador de la instalación puede cambiarlo";
    MARKED_READ_HERE_ONLY: "marked read here, but not on WhatsApp: {}"
        => "marcada como leída aquí, pero no en WhatsApp: {}";
    SEARCH_A_WORD: "search for at least one word"
        => "busca al menos una palabra";
    NO_QUEUE: "no queue named {}: `wabox queues list` shows them"
        => "no hay ninguna cola llamada {}: `wabox queues list` las muestra";
    ALREADY_CLAIMED: "conversation {} is already {}'s"
        => "la conversación {} ya es de {}";
    NO_AGENT_HERE: "no agent {} in this conversation's tenant: `wabox agents list` shows them"
        => "no hay ningún agente {} en el negocio de esta conversación: `wabox agents list` los muestra";
    NOT_RETRYABLE: "message {} is {}: only failed or uncertain messages can be retried"
        => "el mensaje {} está {}: solo se envían de nuevo los fallidos o inciertos";
    NOT_OURS_TO_RETRY: "message {} was not sent by wabox, so it cannot be retried"
        => "el mensaje {} no lo envió wabox: no se puede enviar de nuevo";
    BAD_LABEL: "a label is 1 to 40 printable characters, not {}"
        => "una etiqueta tiene de 1 a 40 caracteres imprimibles, no {}";
    EMPTY_NOTE: "a note needs some text"
        => "una nota necesita algo de texto";
    NO_TOKEN_TO_SEND: "number {} has no access token: an admin must connect it before it can send"
        => "el número {} no tiene token de acceso: un administrador debe conectarlo antes de poder enviar";
    NO_TOKEN_CONNECT_AGAIN: "the number has no access token: an admin must connect it again"
        => "el número no tiene token de acceso: un administrador debe conectarlo de nuevo";
    NO_TOKEN_FOR_SEQUENCE: "number {} has no access token: an admin must connect it"
        => "el número {} no tiene token de acceso: un administrador debe conectarlo";
    FILE_GONE: "the file to send is gone from the data dir ({}): send it again"
        => "el archivo que se iba a enviar ya no está en el directorio de datos ({}): envíalo de nuevo";
    UPLOADING: "uploading the file: {}"
        => "al subir el archivo: {}";
    TOKEN_REFUSED_TYPED: "Meta refused this token: check it (copied whole, from the business that owns this number, not expired) and try again (Meta: {}; code {})"
        => "Meta rechazó este token: revísalo (copiado entero, de la empresa dueña de este número, sin vencer) y vuelve a intentarlo (Meta: {}; código {})";
    META_DID_NOT_CONFIRM: "Meta did not confirm the number: {}"
        => "Meta no confirmó el número: {}";
    META_DID_NOT_ANSWER: "Meta did not answer about the number: {}"
        => "Meta no respondió sobre el número: {}";
    TOKEN_NEEDED: "an access token is needed to connect a number"
        => "hace falta un token de acceso para conectar un número";
    OTHER_TENANTS_NUMBER: "number {} belongs to another tenant: it cannot be connected here"
        => "el número {} es de otro negocio: no se puede conectar aquí";
    NO_CONNECTED_NUMBER: "no connected number {}: connect it first (`wabox connect coexistence`)"
        => "no hay ningún número {} conectado: conéctalo primero (`wabox connect coexistence`)";
    DEDICATED_NO_HISTORY: "{} is a dedicated number: only numbers on the WhatsApp Business app have a history to import"
        => "{} es un número dedicado: solo los números de la app WhatsApp Business tienen un historial que importar";
    NAME_THE_TENANT: "name the tenant (the business) the number is for"
        => "di para qué negocio (la empresa) es el número";
    NOBODY_CAME_BACK: "nobody has come back through this link yet: open it and log in first"
        => "aún nadie volvió por este enlace: ábrelo e inicia sesión primero";
    NOT_SHARED: "{} is not among the numbers Meta shared: {}"
        => "{} no está entre los números que Meta compartió: {}";
    PICK_ONE: "Meta shared {} numbers; pick one: {}"
        => "Meta compartió {} números; elige uno: {}";
    ALREADY_STORED: "phone number id {} is already stored: `wabox numbers list` shows it"
        => "el id de número {} ya está guardado: `wabox numbers list` lo muestra";
    NO_CONVERSATION_LISTED: "no conversation {}: `wabox conversations` lists them"
        => "no existe la conversación {}: `wabox conversations` las muestra";
    NO_CONVERSATION: "no conversation {}"
        => "no existe la conversación {}";
    NO_MEDIA: "message {} has no media"
        => "el mensaje {} no tiene archivo";
    STILL_DOWNLOADING: "the file of message {} is still downloading"
        => "el archivo del mensaje {} aún se está descargando";
    NO_MESSAGE_LISTED: "no message {}: `wabox messages CONVERSATION_ID --json` shows their ids"
        => "no existe el mensaje {}: `wabox messages CONVERSATION_ID --json` muestra sus ids";
    NO_MESSAGE: "no message {}"
        => "no existe el mensaje {}";
    IN_SEQUENCE: "conversation {} is already in sequence {} (`wabox sequences status --conversation {}`)"
        => "la conversación {} ya está en la secuencia {} (`wabox sequences status --conversation {}`)";
    SEQUENCE_ELSEWHERE: "sequence {} runs only on {}, not on +{}"
        => "la secuencia {} solo corre en {}, no en +{}";
    NO_SEQUENCE: "no sequence {} (loaded: {}): `wabox sequences list` shows them and any file refused"
        => "no hay ninguna secuencia {} (cargadas: {}): `wabox sequences list` las muestra, y los archivos rechazados";
    UPLOADS_BUSY: "{} uploads of yours are under way already: let them finish (or wait 10 minutes) and try again"
        => "ya tienes {} subidas en curso: deja que terminen (o espera 10 minutos) y vuelve a intentarlo";
    FILE_TOO_BIG: "the file is {}; WhatsApp takes no file larger than {}"
        => "el archivo ocupa {}; WhatsApp no acepta archivos de más de {}";
    ENGINE_GONE: "the engine went away"
        => "el motor dejó de responder";
    ENGINE_CLOSED: "the engine closed the connection"
        => "el motor cerró la conexión";
    PAUSED_WINDOW_CLOSED: "{}: the customer's 24-hour window is closed and the step has no fallback_template (resume after they write)"
        => "{}: la ventana de 24 horas del cliente está cerrada y el paso no tiene fallback_template (reanúdala cuando escriba)";
    PAUSED_GOTO_LOOP: "went through {} steps without waiting (a goto loop?): fix the file, then resume"
        => "pasó por {} pasos sin esperar (¿un bucle de goto?): corrige el archivo y reanúdala";
    PAUSED_AGENT_REPLIED: "{} replied"
        => "{} respondió";
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
        let en = NO_QUEUE.en(&["\"Ventas\""]);
        assert_eq!(
            localize(Lang::Es, &en),
            "no hay ninguna cola llamada \"Ventas\": `wabox queues list` las muestra"
        );
        let en = ALREADY_CLAIMED.en(&["12", "alice"]);
        assert_eq!(localize(Lang::Es, &en), "la conversación 12 ya es de alice");
        let en = MARKED_READ_HERE_ONLY.en(&["Meta said: (#100) bad: thing"]);
        assert_eq!(
            localize(Lang::Es, &en),
            "marcada como leída aquí, pero no en WhatsApp: Meta said: (#100) bad: thing"
        );
    }

    #[test]
    fn a_value_that_is_an_answer_of_its_own_is_translated_too() {
        let step = STEP.en(&["2"]);
        let en = PAUSED_WINDOW_CLOSED.en(&[&step]);
        assert!(localize(Lang::Es, &en).starts_with("paso 2: la ventana de 24 horas"));
    }

    #[test]
    fn a_refused_typed_token_says_to_check_it_not_to_reconnect_in_both_languages() {
        let en = TOKEN_REFUSED_TYPED.en(&["Invalid OAuth access token", "190"]);
        let es = localize(Lang::Es, &en);
        for t in [&en, &es] {
            assert!(!t.contains("reconect") && !t.contains("reconnect"), "{t}");
        }
        assert!(en.starts_with("Meta refused this token: check it"), "{en}");
        assert!(es.starts_with("Meta rechazó este token: revísalo"), "{es}");
        assert!(
            es.ends_with("(Meta: Invalid OAuth access token; código 190)"),
            "{es}"
        );
    }

    #[test]
    fn english_and_unknown_answers_are_shown_as_written() {
        let en = NO_QUEUE.en(&["\"Sales\""]);
        assert_eq!(localize(Lang::En, &en), en);
        assert_eq!(
            localize(Lang::Es, "something new went wrong"),
            "something new went wrong"
        );
        // A template's words with more after them are a different message.
        assert_eq!(
            localize(Lang::Es, "search for at least one word, please"),
            "search for at least one word, please"
        );
    }

    #[test]
    fn the_more_specific_of_two_similar_answers_wins() {
        let listed = NO_CONVERSATION_LISTED.en(&["7"]);
        assert_eq!(
            localize(Lang::Es, &listed),
            "no existe la conversación 7: `wabox conversations` las muestra"
        );
        assert_eq!(
            localize(Lang::Es, "no conversation 7"),
            "no existe la conversación 7"
        );
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
