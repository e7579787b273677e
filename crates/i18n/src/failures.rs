//! A failed send or refused token in the reader's language, said once, with advice that fits
//! who reads it. The engine stores Meta's code and Meta's own words; the words here are chosen
//! at display time from the code, the language and the audience.

use super::Lang;

/// Who reads a failure: the advice differs (an agent asks an admin; an admin gets the command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Agent,
    Admin,
}

/// What a failed send's code means and what to do about it, or none for codes wabox does not
/// know (Meta's own words are shown then). Code 0 is no Meta code at all: wabox's own failure.
pub fn explain(code: i64, lang: Lang, audience: Audience) -> Option<&'static str> {
    use Audience::*;
    let text = match (code, audience, lang) {
        (0, _, _) => return None,
        (190, Agent, Lang::En) => {
            "the number's access token expired or was revoked: an admin must reconnect the number"
        }
        (190, Agent, Lang::Es) => {
            "el token de acceso del número venció o fue revocado: un administrador debe reconectar el número"
        }
        (190, Admin, Lang::En) => {
            "the number's access token expired or was revoked: renew it with `wabox connect` \
             (same tenant and number: its conversations stay)"
        }
        (190, Admin, Lang::Es) => {
            "el token de acceso del número venció o fue revocado: renuévalo con `wabox connect` \
             (mismo cliente y número: sus conversaciones se conservan)"
        }
        (3 | 10 | 200..=299, Admin, Lang::En) => {
            "the app lacks permission for this number: authorize it again with `wabox connect`"
        }
        (3 | 10 | 200..=299, Admin, Lang::Es) => {
            "la app no tiene permiso para este número: autorízala de nuevo con `wabox connect`"
        }
        _ => return wabox_domain::meta_errors::explain(code, lang),
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_token_sends_agents_to_an_admin_and_gives_admins_the_command() {
        let agent = explain(190, Lang::En, Audience::Agent).unwrap();
        assert!(agent.contains("an admin must reconnect"), "{agent}");
        let admin = explain(190, Lang::En, Audience::Admin).unwrap();
        assert!(admin.contains("`wabox connect`"), "{admin}");
        assert!(!admin.contains("an admin must"), "{admin}");
        let agente = explain(190, Lang::Es, Audience::Agent).unwrap();
        assert!(
            agente.contains("un administrador debe reconectar"),
            "{agente}"
        );
        let admin_es = explain(190, Lang::Es, Audience::Admin).unwrap();
        assert!(
            admin_es.contains("renuévalo con `wabox connect`"),
            "{admin_es}"
        );
    }

    #[test]
    fn other_codes_read_the_same_for_everyone_in_each_language() {
        for lang in [Lang::En, Lang::Es] {
            assert_eq!(
                explain(131047, lang, Audience::Admin),
                wabox_domain::meta_errors::explain(131047, lang)
            );
            assert_eq!(
                explain(131047, lang, Audience::Agent),
                wabox_domain::meta_errors::explain(131047, lang)
            );
        }
        assert!(
            explain(131047, Lang::Es, Audience::Agent)
                .unwrap()
                .contains("plantilla")
        );
    }

    #[test]
    fn no_meta_code_has_no_explanation_to_repeat() {
        assert_eq!(explain(0, Lang::En, Audience::Agent), None);
        assert_eq!(explain(0, Lang::Es, Audience::Admin), None);
        assert_eq!(explain(987_654, Lang::Es, Audience::Admin), None);
    }
}
