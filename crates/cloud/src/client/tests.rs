use super::media::upload_timeout;
use super::*;
use serde_json::json;

#[test]
fn a_large_upload_gets_more_time_than_a_send() {
    let base = Duration::from_secs(15);
    assert_eq!(upload_timeout(base, 1000), base);
    assert_eq!(
        upload_timeout(base, 100 * 1000 * 1000),
        Duration::from_secs(15 + 381)
    );
}

#[test]
fn an_id_of_the_wrong_shape_never_becomes_a_url() {
    let graph = GraphClient::new("https://graph.example", "v26.0", Duration::from_secs(1)).unwrap();
    let token = Credential::Token(Secret::new("t"));
    for id in ["../../../v9/secret", "1?fields=x", "1#x", ""] {
        let refused = graph.request(Method::GET, "media id", id, &[], &token);
        assert!(matches!(refused, Err(GraphError::BadId(_))), "{id:?}");
    }
    let ok = graph
        .request(Method::GET, "media id", "1318275649263411", &[], &token)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        ok.url().as_str(),
        "https://graph.example/v26.0/1318275649263411"
    );
}

#[test]
fn path_segments_are_encoded_whole() {
    let url = endpoint("https://graph.example/v26.0", &["a/b", "c?d", ".."]).unwrap();
    assert!(
        url.as_str()
            .starts_with("https://graph.example/v26.0/a%2Fb/c%3Fd"),
        "{url}"
    );
}

#[test]
fn kapso_api_key_goes_only_to_kapso_itself() {
    let proxy = KapsoProxy {
        base: versioned("https://api.kapso.ai/meta/whatsapp/", "v24.0"),
        api_key: Secret::new("kapso-test-key"),
    };
    assert_eq!(proxy.base, "https://api.kapso.ai/meta/whatsapp/v24.0");
    assert!(proxy.owns("https://api.kapso.ai/meta/whatsapp/media_download?token=x"));
    assert!(!proxy.owns("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"));
    assert!(!proxy.owns("http://api.kapso.ai/meta/whatsapp/media_download"));
    assert!(!proxy.owns("not a url"));
}

#[test]
fn a_kapso_media_answer_is_fetched_from_its_signed_link() {
    let info = json!({"url": "https://lookaside.fbsbx.com/x", "download_url": "https://api.kapso.ai/meta/whatsapp/media_download?token=t"});
    let kapso = Credential::KapsoProxy {
        phone_number_id: "1".into(),
    };
    let meta = Credential::Token(Secret::new("EAA-TEST-TOKEN-x"));
    assert_eq!(
        GraphClient::media_download_url(&info, &kapso),
        Some("https://api.kapso.ai/meta/whatsapp/media_download?token=t")
    );
    assert_eq!(
        GraphClient::media_download_url(&info, &meta),
        Some("https://lookaside.fbsbx.com/x")
    );
}

#[tokio::test]
async fn a_kapso_number_without_a_key_says_what_to_set_and_is_not_retried() {
    let graph = GraphClient::new("http://127.0.0.1:9", "v26.0", Duration::from_secs(1)).unwrap();
    let kapso = Credential::KapsoProxy {
        phone_number_id: "1".into(),
    };
    let e = graph
        .send_message("1", &kapso, &json!({}))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("[kapso] api_key"), "{e}");
    assert!(!e.action().retryable());
}

#[test]
fn an_error_without_a_graph_code_reads_as_the_server_said() {
    let e = GraphError::Api {
        http_status: 422,
        code: 0,
        subcode: None,
        message: "phone number not found in this project".into(),
        action: ErrorAction::GiveUp,
    };
    assert!(e.to_string().starts_with("phone number not found"), "{e}");
}

#[test]
fn api_errors_read_in_plain_words_with_their_code() {
    let e = GraphError::Api {
        http_status: 400,
        code: 131047,
        subcode: None,
        message: "Re-engagement message".into(),
        action: ErrorAction::UseTemplate,
    };
    assert_eq!(
        e.to_string(),
        "the 24-hour window is closed: send a template (code 131047)"
    );
    let e = GraphError::Api {
        http_status: 400,
        code: 777,
        subcode: Some(2),
        message: "Something odd".into(),
        action: ErrorAction::GiveUp,
    };
    assert_eq!(e.to_string(), "Something odd (code 777/2)");
}
