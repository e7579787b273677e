use super::*;

#[test]
fn a_setup_link_body_carries_every_choice_in_kapsos_shape() {
    let r = SetupLinkRequest {
        success_redirect_url: "https://inbox.example/kapso/success?state=s".into(),
        failure_redirect_url: "https://inbox.example/kapso/failed?state=s".into(),
        connection_types: vec!["dedicated".into()],
        provision_phone_number: true,
        countries: vec!["US".into(), "MX".into()],
        primary_color: Some("#10b981".into()),
        language: "es".into(),
        reconnect_phone_number: None,
    };
    let b = setup_link_body(&r);
    let l = &b["setup_link"];
    assert_eq!(l["success_redirect_url"], r.success_redirect_url);
    assert_eq!(l["failure_redirect_url"], r.failure_redirect_url);
    assert_eq!(l["allowed_connection_types"], json!(["dedicated"]));
    assert_eq!(l["provision_phone_number"], true);
    assert_eq!(l["phone_number_country_isos"], json!(["US", "MX"]));
    assert_eq!(l["theme_config"]["primary_color"], "#10b981");
    assert_eq!(l["language"], "es");
    let plain = setup_link_body(&SetupLinkRequest {
        provision_phone_number: false,
        primary_color: None,
        ..r
    });
    assert!(
        plain["setup_link"]
            .get("phone_number_country_isos")
            .is_none()
    );
    assert!(plain["setup_link"].get("theme_config").is_none());
    assert!(plain["setup_link"].get("reconnect_phone_number").is_none());
    let again = setup_link_body(&SetupLinkRequest {
        reconnect_phone_number: Some("+15550201234".into()),
        ..plain_request()
    });
    assert_eq!(
        again["setup_link"]["reconnect_phone_number"],
        "+15550201234"
    );
}

fn plain_request() -> SetupLinkRequest {
    SetupLinkRequest {
        success_redirect_url: "https://inbox.example/ok".into(),
        failure_redirect_url: "https://inbox.example/ko".into(),
        connection_types: vec!["dedicated".into()],
        provision_phone_number: false,
        countries: vec![],
        primary_color: None,
        language: "en".into(),
        reconnect_phone_number: None,
    }
}

#[test]
fn a_setup_link_answer_is_read_with_its_expiry() {
    let v = json!({"data": {"id": "7f8a9b1c-2d3e", "status": "active",
        "expires_at": "2026-12-07T05:31:56Z", "url": "https://app.kapso.ai/whatsapp/setup/aBcD123",
        "success_redirect_url": "x", "failure_redirect_url": "y", "created_at": "2026-11-07T05:31:56Z"}});
    let l = parse_setup_link(&v).unwrap();
    assert_eq!(l.id, "7f8a9b1c-2d3e");
    assert_eq!(l.url, "https://app.kapso.ai/whatsapp/setup/aBcD123");
    assert_eq!(l.expires_at, Some(1_796_621_516));
    assert_eq!(
        parse_time("2026-12-07T06:31:56.250+01:00"),
        Some(1_796_621_516)
    );
    assert!(parse_setup_link(&json!({"data": {"id": "x"}})).is_err());
    assert!(parse_setup_link(&json!({"data": {"id": "x", "url": "nope"}})).is_err());
}

#[test]
fn kapso_errors_are_read_in_each_of_their_shapes() {
    for (body, said) in [
        (json!({"error": "Customer not found"}), "Customer not found"),
        (json!({"error": {"message": "bad link"}}), "bad link"),
        (
            json!({"errors": ["a is wrong", "b too"]}),
            "a is wrong; b too",
        ),
        (
            json!({"errors": {"language": ["is not included in the list"]}}),
            "language is not included in the list",
        ),
        (json!({"message": "Validation failed"}), "Validation failed"),
    ] {
        assert_eq!(error_message(&body).as_deref(), Some(said), "{body}");
    }
    assert_eq!(error_message(&json!({"data": 1})), None);
}

#[test]
fn a_refusal_never_repeats_the_key_and_a_401_says_the_key_is_wrong() {
    let key = Secret::new("kapso-test-key-123456");
    let e = answer(
        422,
        r#"{"error":"key kapso-test-key-123456 cannot do that"}"#,
        &key,
    )
    .unwrap_err();
    assert_eq!(e.status(), Some(422));
    assert!(!e.to_string().contains("kapso-test-key-123456"), "{e}");
    assert!(e.to_string().contains("cannot do that"), "{e}");
    let e = answer(401, r#"{"error":"Invalid API key"}"#, &key).unwrap_err();
    assert_eq!(e, KapsoError::Unauthorized(401));
    assert!(e.to_string().contains("[kapso] api_key"), "{e}");
    let e = answer(502, "<html>bad gateway</html>", &key).unwrap_err();
    assert!(e.to_string().contains("HTTP 502"), "{e}");
    assert_eq!(
        answer(200, r#"{"data":{}}"#, &key).unwrap(),
        json!({"data": {}})
    );
}

#[test]
fn a_number_and_webhooks_are_read() {
    let v = json!({"data":
        {"id": "1234567890", "phone_number_id": "1234567890", "business_account_id": "98765",
         "customer_id": "3f2e1d0c", "display_phone_number": "+1 555-123-4567",
         "display_phone_number_normalized": "15551234567", "is_coexistence": true}});
    let n = parse_number(&v["data"]).unwrap();
    assert_eq!(n.phone_number_id, "1234567890");
    assert_eq!(n.customer_id.as_deref(), Some("3f2e1d0c"));
    assert_eq!(n.business_account_id.as_deref(), Some("98765"));
    assert_eq!(n.display_phone_number.as_deref(), Some("15551234567"));
    assert_eq!(n.is_coexistence, Some(true));
    assert!(parse_number(&json!({"name": "no id"})).is_none());
    let w = parse_webhooks(
        &json!({"data": [{"url": "https://x/kapso/webhook", "kind": "meta", "active": true}]}),
    );
    assert_eq!(w[0].kind, "meta");
}

#[test]
fn an_id_that_could_move_the_path_is_refused_before_a_url_exists() {
    let c = KapsoClient::new(
        "https://api.kapso.ai/platform/v1/",
        Secret::new("k"),
        Duration::from_secs(1),
    )
    .unwrap();
    assert_eq!(
        c.url(&["customers", "3f9a0c2e-7d41-4b8e", "setup_links"])
            .unwrap()
            .as_str(),
        "https://api.kapso.ai/platform/v1/customers/3f9a0c2e-7d41-4b8e/setup_links"
    );
    for bad in ["a/b?c", "..", "../../v1/secret", "a%2Fb"] {
        assert!(
            matches!(c.url(&["customers", bad]), Err(KapsoError::BadId(_))),
            "{bad}"
        );
    }
}
