//! A failed message's line in the timeline: its meaning once, in the agent's language, with
//! the advice for the reader's role; Meta's own (English) words stay in `wabox messages`.

use crate::i18n::Lang;
use crate::i18n::failures::{Audience, explain};
use crate::protocol::views::ErrorView;

/// `✗ the number's access token expired …: an admin must reconnect the number (190)`.
pub fn line(e: &ErrorView, lang: Lang, admin: bool) -> String {
    let audience = if admin {
        Audience::Admin
    } else {
        Audience::Agent
    };
    match (explain(e.code, lang, audience), e.code) {
        (Some(why), code) => format!("✗ {why} ({code})"),
        // wabox's own failure (no Meta code): its sentence is all there is, translated when
        // it is one the inbox knows.
        (None, 0) => format!("✗ {}", crate::i18n::engine::localize(lang, &e.title)),
        (None, code) => format!("✗ {} ({code})", e.title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expired() -> ErrorView {
        ErrorView {
            code: 190,
            title: "Error validating access token: The session is invalid.".into(),
        }
    }

    #[test]
    fn an_expired_token_is_explained_once_in_the_agents_language() {
        let es = line(&expired(), Lang::Es, false);
        assert_eq!(
            es,
            "✗ el token de acceso del número venció o fue revocado: un administrador debe \
             reconectar el número (190)"
        );
        let en = line(&expired(), Lang::En, false);
        assert_eq!(en.matches("access token").count(), 1, "{en}");
        assert!(!en.contains("Error validating"), "{en}");
    }

    #[test]
    fn an_admin_reads_the_command_that_renews_the_token() {
        let en = line(&expired(), Lang::En, true);
        assert!(en.contains("renew it with `wabox connect`"), "{en}");
        let es = line(&expired(), Lang::Es, true);
        assert!(es.contains("renuévalo con `wabox connect`"), "{es}");
    }

    #[test]
    fn a_code_wabox_does_not_know_shows_metas_words_and_no_code_shows_none() {
        let unknown = ErrorView {
            code: 987_654,
            title: "Something new".into(),
        };
        assert_eq!(line(&unknown, Lang::Es, false), "✗ Something new (987654)");
        let own = ErrorView {
            code: 0,
            title: "the number has no access token".into(),
        };
        assert_eq!(
            line(&own, Lang::En, false),
            "✗ the number has no access token"
        );
        let own = ErrorView {
            title: crate::i18n::engine::NO_TOKEN_CONNECT_AGAIN.en(&[]),
            ..own
        };
        assert_eq!(
            line(&own, Lang::Es, false),
            "✗ el número no tiene token de acceso: un administrador debe conectarlo de nuevo"
        );
    }
}
