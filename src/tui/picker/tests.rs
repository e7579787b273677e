use super::*;
use crate::domain::template::UrlButton;

fn view(name: &str, language: &str, format: ParameterFormat, body: &str) -> TemplateView {
    let spec = TemplateSpec {
        name: name.into(),
        language: language.into(),
        status: "APPROVED".into(),
        category: "UTILITY".into(),
        parameter_format: format,
        header_text: None,
        header_media: None,
        body: body.into(),
        footer: None,
        buttons: vec![],
        url_buttons: vec![],
    };
    TemplateView {
        waba_id: "1".into(),
        name: name.into(),
        language: language.into(),
        category: "UTILITY".into(),
        status: "APPROVED".into(),
        parameter_format: format!("{format:?}"),
        parameters: spec.slots().iter().map(Slot::label).collect(),
        body: body.into(),
        spec,
    }
}

fn picker() -> TemplatePicker {
    let mut p = TemplatePicker::new(7, Some("Ana".into()), "es");
    let mut pending = view(
        "order_update",
        "en",
        ParameterFormat::Positional,
        "Hi {{1}}",
    );
    pending.status = "PENDING".into();
    p.set_templates(vec![
        view(
            "order_update",
            "en",
            ParameterFormat::Positional,
            "Hi {{1}}, order {{2}} ships {{3}}.",
        ),
        view(
            "seguimiento",
            "es",
            ParameterFormat::Named,
            "Hola {{customer_name}}, tu pedido {{order_id}} va en camino.",
        ),
        pending,
    ]);
    p
}

#[test]
fn only_approved_templates_are_offered_the_agents_language_first() {
    let p = picker();
    let names: Vec<_> = p.visible().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["seguimiento", "order_update"]);
}

#[test]
fn search_matches_name_or_body_ignoring_case() {
    let mut p = picker();
    for c in "SHIPS".chars() {
        p.type_char(c);
    }
    let names: Vec<_> = p.visible().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["order_update"]);
}

#[test]
fn the_form_prefills_the_name_and_refuses_to_send_with_gaps() {
    let mut p = picker();
    assert_eq!(p.enter(), None); // choose "seguimiento"
    let Stage::Fill { fields, focus, .. } = &p.stage else {
        panic!("not filling")
    };
    assert_eq!(fields[0].value, "Ana");
    assert_eq!(*focus, 1, "the first empty field has the focus");
    assert_eq!(
        p.preview().unwrap(),
        "Hola Ana, tu pedido {{order_id}} va en camino."
    );
    assert_eq!(p.enter(), None, "a gap keeps the form open");
    for c in "A-77".chars() {
        p.type_char(c);
    }
    assert_eq!(
        p.preview().unwrap(),
        "Hola Ana, tu pedido A-77 va en camino."
    );
    assert_eq!(
        p.enter(),
        None,
        "the last field leads to the review, not the send"
    );
    assert!(p.reviewing());
    assert_eq!(
        p.enter(),
        Some(Ready {
            name: "seguimiento".into(),
            language: "es".into(),
            params: vec!["customer_name=Ana".into(), "order_id=A-77".into()],
            header: None,
        })
    );
}

#[test]
fn positional_templates_send_values_in_order_and_greetings_get_the_name() {
    let mut p = picker();
    p.move_by(1);
    p.enter();
    let Stage::Fill { fields, .. } = &p.stage else {
        panic!("not filling")
    };
    assert_eq!(fields[0].value, "Ana", "Hi {{{{1}}}} is a greeting");
    p.type_char('9');
    p.move_by(1);
    p.type_char('x');
    assert_eq!(p.preview().unwrap(), "Hi Ana, order 9 ships x.");
    assert_eq!(p.enter(), None, "first the review");
    let ready = p.enter().unwrap();
    assert_eq!(ready.params, ["Ana", "9", "x"]);
    assert!(!p.back(), "Esc goes back to the fields first");
    assert!(!p.reviewing());
    assert!(!p.back(), "then to the list");
    assert!(p.back(), "then closes");
}

#[test]
fn a_media_header_is_the_first_field_named_in_the_preview_and_refused_when_missing() {
    let mut t = view(
        "summer_sale",
        "en_US",
        ParameterFormat::Positional,
        "Hi {{1}}, 30% off today.",
    );
    t.spec.header_media = Some(MediaHeader::Image);
    let mut p = TemplatePicker::new(1, Some("Ana".into()), "en");
    p.set_templates(vec![t]);
    p.enter();
    let Stage::Fill { focus, header, .. } = &p.stage else {
        panic!("not filling")
    };
    assert_eq!(*focus, 0, "the empty header has the focus");
    assert_eq!(header.as_ref().unwrap().format, MediaHeader::Image);
    assert_eq!(
        p.preview().unwrap(),
        "Header: IMAGE — missing: give a file path or an https link\nHi Ana, 30% off today."
    );
    assert_eq!(p.enter(), None, "Enter moves on to {{{{1}}}}");
    assert_eq!(p.enter(), None, "no image, no send");
    let Stage::Fill { focus, .. } = &p.stage else {
        panic!("not filling")
    };
    assert_eq!(*focus, 0, "the focus goes back to the missing header");
    for c in "/tmp/tour.mp4".chars() {
        p.type_char(c);
    }
    assert!(
        p.preview().unwrap().contains("is not image"),
        "{:?}",
        p.preview()
    );
    p.enter();
    assert_eq!(p.enter(), None, "a video is not an image");
    assert!(!p.reviewing());
    for _ in 0..3 {
        p.backspace();
    }
    for c in "jpg".chars() {
        p.type_char(c);
    }
    assert!(
        p.preview()
            .unwrap()
            .starts_with("Header: IMAGE — /tmp/tour.jpg\n")
    );
    p.enter();
    assert_eq!(p.enter(), None, "the review first");
    let ready = p.enter().unwrap();
    assert_eq!(ready.params, ["Ana"]);
    assert_eq!(
        ready.header,
        Some(HeaderValue::LocalFile {
            path: "/tmp/tour.jpg".into(),
            filename: None
        })
    );
}

#[test]
fn going_back_to_mend_a_field_never_sends_only_the_review_does() {
    let mut p = picker();
    p.move_by(1);
    p.enter(); // order_update: Ana, then two empty fields
    for c in "9".chars() {
        p.type_char(c);
    }
    p.move_by(1);
    p.type_char('x');
    // Back up to {{1}} to correct it, with every field filled: Enter only moves on.
    p.move_by(-2);
    p.backspace();
    p.type_char('o');
    assert_eq!(p.enter(), None);
    assert_eq!(p.enter(), None);
    assert!(!p.reviewing(), "still in the form, on the last field");
    assert_eq!(p.enter(), None);
    assert!(p.reviewing(), "after the last field, the review");
    // Typing in the review changes nothing; Esc goes back to the fields.
    p.type_char('z');
    p.backspace();
    assert_eq!(p.preview().unwrap(), "Hi Ano, order 9 ships x.");
    assert!(!p.back());
    assert!(!p.reviewing());
    p.enter();
    assert_eq!(p.enter().unwrap().params, ["Ano", "9", "x"]);
}

#[test]
fn a_template_without_placeholders_goes_straight_to_the_review() {
    let mut p = TemplatePicker::new(1, None, "en");
    p.set_templates(vec![view(
        "hello",
        "en",
        ParameterFormat::Positional,
        "Hi!",
    )]);
    assert_eq!(p.enter(), None);
    assert!(p.reviewing());
    assert_eq!(p.enter().unwrap().name, "hello");
}

#[test]
fn url_button_placeholders_are_fields_too() {
    let mut t = view("track", "en", ParameterFormat::Positional, "Track it:");
    t.spec.url_buttons = vec![UrlButton {
        index: 0,
        text: "Track".into(),
        url: "https://example.com/t/{{1}}".into(),
    }];
    let mut p = TemplatePicker::new(1, None, "en");
    p.set_templates(vec![t]);
    p.enter();
    let Stage::Fill { fields, .. } = &p.stage else {
        panic!("not filling")
    };
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].slot.part, Part::Button(0));
}
