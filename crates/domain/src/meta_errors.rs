//! Meta's error codes, what to do about each, and how to say it to an agent (English and Spanish).

pub use super::lang::Lang;
use serde::{Deserialize, Serialize};

/// What wabox does when a Cloud API call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorAction {
    /// A server-side hiccup: try again with backoff.
    Retry,
    /// Too fast (app, WABA, number or per-customer rate): slow down and try again.
    Throttled,
    /// The token is expired or lacks permissions: an admin must re-authorize.
    Reauthorize,
    /// The 24-hour window is closed: only a template can be sent.
    UseTemplate,
    /// Something about the recipient (not on WhatsApp, blocked, not allowed): do not retry.
    Recipient,
    /// The template is missing, paused, disabled or filled wrong.
    Template,
    /// Anything else that will fail the same way again.
    GiveUp,
}

impl ErrorAction {
    /// Whether the outbox should try the same request again later.
    pub fn retryable(&self) -> bool {
        matches!(self, ErrorAction::Retry | ErrorAction::Throttled)
    }
}

/// The action for a Graph error code (and HTTP status, for errors without a known code).
pub fn classify(code: i64, http_status: u16) -> ErrorAction {
    match code {
        0 | 190 => ErrorAction::Reauthorize,
        3 | 10 | 200..=299 => ErrorAction::Reauthorize,
        4 | 80007 | 130429 | 131056 | 131048 | 133016 => ErrorAction::Throttled,
        131047 => ErrorAction::UseTemplate,
        131026 | 131050 | 131062 | 131021 | 130497 | 131049 => ErrorAction::Recipient,
        132000..=132999 => ErrorAction::Template,
        131000 | 131016 | 131057 => ErrorAction::Retry,
        _ if http_status >= 500 || http_status == 429 => ErrorAction::Retry,
        _ => ErrorAction::GiveUp,
    }
}

/// A plain explanation of an error code, or none for codes without one (the title is shown then).
pub fn explain(code: i64, lang: Lang) -> Option<&'static str> {
    let (en, es) = match code {
        131047 => (
            "the 24-hour window is closed: send a template",
            "la ventana de 24 horas está cerrada: envía una plantilla",
        ),
        190 | 0 => (
            "the access token expired or is invalid: an admin must reconnect the number",
            "el token de acceso venció o no es válido: un administrador debe reconectar el número",
        ),
        3 | 10 | 200..=299 => (
            "the app lacks permission for this number: an admin must re-authorize it",
            "la app no tiene permiso para este número: un administrador debe autorizarla de nuevo",
        ),
        4 | 80007 => (
            "too many API calls right now: wabox slows down and retries",
            "demasiadas llamadas a la API: wabox espera y reintenta",
        ),
        130429 => (
            "the number's message rate was exceeded: wabox slows down and retries",
            "se superó el ritmo de mensajes del número: wabox espera y reintenta",
        ),
        131056 => (
            "too many messages to this customer in a short time: wabox waits and retries",
            "demasiados mensajes a este cliente en poco tiempo: wabox espera y reintenta",
        ),
        131048 => (
            "sending was limited because many messages were marked as spam",
            "el envío fue limitado porque muchos mensajes se marcaron como spam",
        ),
        131026 => (
            "the message could not be delivered: the customer may not use WhatsApp or has an old app",
            "no se pudo entregar: el cliente quizá no usa WhatsApp o tiene una versión antigua",
        ),
        131049 => (
            "Meta is limiting marketing messages to this customer: try again in a day or more",
            "Meta limita los mensajes de marketing a este cliente: intenta en uno o más días",
        ),
        131050 => (
            "the customer stopped marketing messages from this business",
            "el cliente dejó de recibir mensajes de marketing de esta empresa",
        ),
        131051 => (
            "this message type is not supported",
            "este tipo de mensaje no es compatible",
        ),
        131052 | 131053 => (
            "the media file could not be downloaded or uploaded",
            "no se pudo descargar o subir el archivo",
        ),
        131008 | 131009 | 100 => (
            "a required field is missing or invalid in the request",
            "falta un campo obligatorio o no es válido",
        ),
        131021 => (
            "the recipient is the business number itself",
            "el destinatario es el mismo número de la empresa",
        ),
        131062 => (
            "this message cannot be sent to a customer known only by username (BSUID)",
            "este mensaje no se puede enviar a un cliente conocido solo por usuario (BSUID)",
        ),
        132000 => (
            "the template's parameters do not match its placeholders",
            "los parámetros no coinciden con los campos de la plantilla",
        ),
        132001 => (
            "the template does not exist in this language",
            "la plantilla no existe en este idioma",
        ),
        132005 => (
            "the filled template is too long",
            "la plantilla completada es demasiado larga",
        ),
        132007 => (
            "the template's content breaks WhatsApp policy",
            "el contenido de la plantilla infringe la política de WhatsApp",
        ),
        132012 => (
            "a template parameter has the wrong format",
            "un parámetro de la plantilla tiene un formato incorrecto",
        ),
        132015 => (
            "the template is paused for low quality",
            "la plantilla está pausada por baja calidad",
        ),
        132016 => ("the template is disabled", "la plantilla está desactivada"),
        133010 => (
            "the number is not registered with the Cloud API",
            "el número no está registrado en la Cloud API",
        ),
        131031 => (
            "the business account is locked",
            "la cuenta de empresa está bloqueada",
        ),
        368 => (
            "the account is temporarily blocked for policy violations",
            "la cuenta está bloqueada temporalmente por infringir políticas",
        ),
        130497 => (
            "messages to this country are restricted for this business",
            "los mensajes a este país están restringidos para esta empresa",
        ),
        131000 | 131016 => (
            "WhatsApp had a temporary problem: wabox retries",
            "WhatsApp tuvo un problema temporal: wabox reintenta",
        ),
        131057 => (
            "the account is in maintenance: wabox retries",
            "la cuenta está en mantenimiento: wabox reintenta",
        ),
        _ => return None,
    };
    Some(match lang {
        Lang::En => en,
        Lang::Es => es,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_reference_has_an_action() {
        assert_eq!(classify(190, 401), ErrorAction::Reauthorize);
        assert_eq!(classify(130429, 400), ErrorAction::Throttled);
        assert_eq!(classify(131056, 400), ErrorAction::Throttled);
        assert_eq!(classify(131047, 400), ErrorAction::UseTemplate);
        assert_eq!(classify(131026, 400), ErrorAction::Recipient);
        assert_eq!(classify(132001, 400), ErrorAction::Template);
        assert_eq!(classify(131000, 500), ErrorAction::Retry);
        assert_eq!(classify(1, 503), ErrorAction::Retry);
        assert_eq!(classify(1, 400), ErrorAction::GiveUp);
    }

    #[test]
    fn only_throttling_and_server_errors_are_retried() {
        assert!(classify(4, 400).retryable());
        assert!(classify(131016, 500).retryable());
        assert!(!classify(131047, 400).retryable());
        assert!(!classify(190, 401).retryable());
    }

    #[test]
    fn explanations_exist_in_english_and_spanish() {
        assert_eq!(
            explain(131047, Lang::En),
            Some("the 24-hour window is closed: send a template")
        );
        assert!(explain(131047, Lang::Es).unwrap().contains("ventana"));
        assert_eq!(explain(999_999, Lang::En), None);
    }
}
