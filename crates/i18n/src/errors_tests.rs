use super::*;
use serde_json::Value;
use strum::IntoEnumIterator;

/// A value no sentence could hold by chance, with a terminal escape and a newline in it.
fn hostile(i: usize) -> String {
    format!("p{i}q\u{1b}[2J\n\u{7}")
}

/// Every parameter of `code` filled: strings with `hostile(i)`, numbers with 9000 + i; an
/// absent option takes whichever of the two its type reads.
fn filled(code: &ErrorCode) -> (ErrorCode, Vec<String>) {
    let mut wire = serde_json::to_value(code).expect("a code serializes");
    let mut markers = Vec::new();
    let keys: Vec<String> = match wire.get("params") {
        Some(Value::Object(params)) => params.keys().cloned().collect(),
        _ => Vec::new(),
    };
    for (i, key) in keys.iter().enumerate() {
        let old = wire["params"][key].clone();
        let number = Value::from(9000 + i as u64);
        let candidates = match old {
            Value::Array(_) => vec![Value::Array(vec![Value::String(hostile(i))])],
            Value::Number(_) => vec![number],
            Value::String(_) => vec![Value::String(hostile(i))],
            _ => vec![Value::String(hostile(i)), number],
        };
        let fits = candidates
            .into_iter()
            .find(|c| {
                let mut probe = wire.clone();
                probe["params"][key] = c.clone();
                serde_json::from_value::<ErrorCode>(probe).is_ok()
            })
            .expect("a value fits every parameter");
        markers.push(match &fits {
            Value::Number(n) => n.to_string(),
            _ => format!("p{i}q"),
        });
        wire["params"][key] = fits;
    }
    let back = serde_json::from_value(wire).expect("filled parameters read back");
    (back, markers)
}

#[test]
fn every_code_is_worded_in_both_languages_with_its_parameters_filled_and_visible() {
    let mut codes = 0;
    for code in ErrorCode::iter() {
        codes += 1;
        let (code, markers) = filled(&code);
        let error = ApiError::from(code.clone());
        let en = word(Lang::En, &error);
        let es = word(Lang::Es, &error);
        for (lang, text) in [("en", &en), ("es", &es)] {
            assert!(!text.trim().is_empty(), "{code:?} has no {lang} words");
            for m in &markers {
                assert!(
                    text.contains(m.as_str()),
                    "{lang} {code:?} lost {m}: {text}"
                );
            }
            assert!(
                !text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{lang} {code:?} prints a control character: {text:?}"
            );
        }
        // Codes whose words are all Meta's or a lower layer's read the same in both.
        let passthrough = matches!(
            code,
            ErrorCode::InvalidValue { .. }
                | ErrorCode::TemplateRefused { .. }
                | ErrorCode::Misconfigured { .. }
                | ErrorCode::FileRefused { .. }
        );
        if !passthrough {
            assert_ne!(en, es, "{code:?} is not translated");
        }
    }
    assert!(codes > 100, "only {codes} codes iterated");
}

#[test]
fn the_wire_carries_kind_code_and_parameters_and_no_sentence() {
    let e = ApiError::from(ErrorCode::NoQueue {
        name: "Ventas".into(),
    });
    let wire = serde_json::to_value(&e).expect("serializes");
    assert_eq!(
        wire,
        serde_json::json!({"kind": "not_found", "code": "no_queue", "params": {"name": "Ventas"}})
    );
    let back: ApiError = serde_json::from_value(wire).expect("reads back");
    assert_eq!(back, e);
}

#[test]
fn a_refusal_reads_in_spanish_as_tu_and_in_english_as_the_cli_prints_it() {
    let e = ApiError::from(ErrorCode::AlreadyClaimed {
        conversation: 12,
        holder: Some("alice".into()),
    });
    assert_eq!(word(Lang::Es, &e), "la conversación 12 ya es de alice");
    assert_eq!(word(Lang::En, &e), "conversation 12 is already alice's");
    assert_eq!(e.to_string(), "conversation 12 is already alice's");
    let typed = ApiError::from(ErrorCode::TokenRefusedTyped {
        meta: "Invalid OAuth access token".into(),
        code: 190,
    });
    assert!(typed.is_token_refused());
    let es = word(Lang::Es, &typed);
    assert!(es.starts_with("Meta rechazó este token: revísalo"), "{es}");
    assert!(
        es.ends_with("(Meta: Invalid OAuth access token; código 190)"),
        "{es}"
    );
}

#[test]
fn a_version_mismatch_names_both_versions_and_what_to_install() {
    let e = ApiError::from(ErrorCode::ProtocolMismatch {
        ours: 3,
        theirs: Some(4),
        engine: "/var/lib/wabox/engine.sock".into(),
    });
    assert_eq!(
        e.to_string(),
        "this wabox speaks protocol 3 but the engine at /var/lib/wabox/engine.sock speaks 4: install the same wabox version as the engine (`wabox --version`)"
    );
    assert!(word(Lang::Es, &e).starts_with("esta bandeja habla el protocolo 3"));
    assert_eq!(e.kind, wabox_protocol::ErrorKind::Protocol);
}
