//! The inbox in Spanish shows the engine's answers in Spanish too (issue 15, defect 19).

use super::app::Tag;
use super::fixtures;
use crate::i18n::engine::STEP;
use crate::protocol::{ApiError, ErrorCode};

#[test]
fn an_engine_refusal_reads_in_the_agent_s_language() {
    let mut app = fixtures::inbox("es");
    let refusal = ApiError::from(ErrorCode::NoQueue {
        name: "Ventas".into(),
    });
    app.on_reply(Tag::Numbers, Err(refusal.clone()));
    let shown = &app.notice.as_ref().expect("a notice").text;
    assert_eq!(
        shown,
        "no hay ninguna cola llamada \"Ventas\": `wabox queues list` las muestra"
    );

    let mut app = fixtures::inbox("en");
    app.on_reply(Tag::Numbers, Err(refusal.clone()));
    assert_eq!(
        app.notice.as_ref().expect("a notice").text,
        "no queue named \"Ventas\": `wabox queues list` shows them"
    );
}

#[test]
fn words_the_spanish_inbox_had_in_english_or_in_usted() {
    let es = crate::i18n::Strings::for_code("es");
    assert_eq!(
        es.transferred, "transferida",
        "entregada is a message's status"
    );
    assert!(es.token_expired.contains("reconéctalo"), "tú, not usted");
    assert_eq!(
        crate::i18n::engine::localize(es.lang, &STEP.en(&["2"])),
        "paso 2"
    );
}
