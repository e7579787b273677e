//! Kapso's setup-link failures (`error_code` on the failure redirect) in plain words, with what
//! to do next, in both languages. The engine stores the English text on the signup; the wizard
//! shows the admin's language from the code.

use super::Lang;

/// What went wrong and what to do, for a failure redirect's `error_code` (unknown codes are
/// named and still get a way forward).
pub fn kapso_failure(code: &str, lang: Lang) -> String {
    let (en, es) = match code {
        "facebook_auth_failed" => (
            "The business did not finish logging in with Facebook (or refused the permissions). \
             Send them a new link (`wabox connect regenerate ID`) and ask them to accept every \
             permission Meta asks for.",
            "La empresa no terminó de iniciar sesión con Facebook (o rechazó los permisos). \
             Envíale un enlace nuevo (`wabox connect regenerate ID`) y pídele que acepte todos \
             los permisos que pide Meta.",
        ),
        "phone_verification_failed" => (
            "Meta could not verify the phone number (the SMS or call code was wrong or never \
             arrived). Check the number can receive SMS or calls, then send a new link.",
            "Meta no pudo verificar el número (el código por SMS o llamada era incorrecto o no \
             llegó). Comprueba que el número recibe SMS o llamadas y envía un enlace nuevo.",
        ),
        "waba_limit_reached" => (
            "The business's Meta account has reached its limit of WhatsApp accounts. Remove an \
             unused WhatsApp account in Meta Business Suite, or connect an existing one, then \
             send a new link.",
            "La cuenta de Meta de la empresa llegó a su límite de cuentas de WhatsApp. Elimina \
             una que no use en Meta Business Suite, o conecta una existente, y envía un enlace \
             nuevo.",
        ),
        "token_exchange_failed" => (
            "Kapso could not obtain the business's access from Meta. This is usually passing: \
             send a new link and try again; if it repeats, contact Kapso support.",
            "Kapso no pudo obtener el acceso de la empresa en Meta. Suele ser pasajero: envía \
             un enlace nuevo y vuelve a intentarlo; si se repite, contacta con el soporte de \
             Kapso.",
        ),
        "link_expired" => (
            "The setup link had expired (links last 30 days). Send a new one with \
             `wabox connect regenerate ID`.",
            "El enlace de configuración había caducado (duran 30 días). Envía uno nuevo con \
             `wabox connect regenerate ID`.",
        ),
        "already_used" => (
            "This setup link was already used to connect a number. If another number is \
             meant, send a new link; `wabox numbers` shows what is connected.",
            "Este enlace ya se usó para conectar un número. Si se trata de otro número, envía \
             un enlace nuevo; `wabox numbers` muestra lo que está conectado.",
        ),
        other => {
            return match lang {
                Lang::En => format!(
                    "Kapso reported {other:?}. Send a new link (`wabox connect regenerate ID`); \
                     if it fails again, contact Kapso support with this code."
                ),
                Lang::Es => format!(
                    "Kapso informó {other:?}. Envía un enlace nuevo (`wabox connect regenerate \
                     ID`); si vuelve a fallar, contacta con el soporte de Kapso con este código."
                ),
            };
        }
    };
    match lang {
        Lang::En => en.to_string(),
        Lang::Es => es.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_its_own_words_in_both_languages() {
        let codes = [
            "facebook_auth_failed",
            "phone_verification_failed",
            "waba_limit_reached",
            "token_exchange_failed",
            "link_expired",
            "already_used",
        ];
        let unknown_en = kapso_failure("zzz", Lang::En);
        for code in codes {
            let (en, es) = (kapso_failure(code, Lang::En), kapso_failure(code, Lang::Es));
            assert_ne!(en, es, "{code}");
            assert!(
                !en.contains("Kapso reported"),
                "{code} fell to the unknown case"
            );
            assert_ne!(en, unknown_en);
        }
        assert!(unknown_en.contains("\"zzz\""));
        assert!(kapso_failure("zzz", Lang::Es).contains("\"zzz\""));
    }
}
