//! Settings and sizes: nothing a config or a request asks for can crash the engine or be cut
//! off without saying so.

use crate::common::*;

#[test]
fn a_rate_of_zero_or_less_is_refused_at_start_naming_the_setting() {
    for rate in ["0.0", "-1.0", "1e-300", "nan"] {
        let home = Home::new();
        home.append_config(&format!("\n[outbox]\nrate_per_second = {rate}\n"));
        let out = home.run(&["serve"]);
        assert!(!out.status.success(), "serve started with rate {rate}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("[outbox] rate_per_second") && err.contains("out of range"),
            "{rate}: {err}"
        );
        assert_ne!(out.status.code(), Some(101), "{rate}: a panic");
    }
}

/// 10,050 of each (more than one answer's 10,000 rows), written straight into the store.
fn fill_past_one_page(home: &Home) {
    let db = home.open_store();
    // A body `{}` and 32 bytes of key, in each store's words.
    let (body, key) = match home.store_backend() {
        "postgres" => (
            "decode('7b7d', 'hex')",
            "sha256(convert_to(CAST(i AS TEXT), 'UTF8'))",
        ),
        _ => ("x'7b7d'", "randomblob(32)"),
    };
    db.execute_batch(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050)
         INSERT INTO contacts (tenant_id, wa_id, name, created_at, updated_at)
           SELECT (SELECT id FROM tenants), '1650' || (1000000 + i), 'Page ' || i, 0, 0 FROM n;
         INSERT INTO conversations (number_id, contact_id, last_message_at, last_message_text, created_at)
           SELECT (SELECT id FROM numbers), id, 1700000000 + id, 'hi', 0 FROM contacts;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050)
         INSERT INTO messages (conversation_id, wamid, direction, origin, type, text, at)
           SELECT (SELECT min(id) FROM conversations), 'wamid.PAGE.' || i, 'in', 'customer',
                  'text', 'message ' || i, 1700000000 + i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050)
         INSERT INTO journal (received_at, body, body_sha256, state, detail)
           SELECT 1700000000 + i, {body}, {key}, 'invalid', 'not JSON' FROM n;",
    ))
    .unwrap();
}

#[test]
fn lists_longer_than_one_answer_are_paged_whole_never_cut_silently() {
    let home = Home::new();
    home.with_acme();
    fill_past_one_page(&home);
    let _engine = home.start_engine();
    let count = |args: &[&str]| home.json(args).as_array().unwrap().len();

    assert_eq!(count(&["conversations", "--limit", "100000000"]), 10_050);
    let oldest_conversation = home
        .json(&["conversations", "--limit", "100000000"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .min()
        .unwrap();
    let messages = home.json(&[
        "messages",
        &oldest_conversation.to_string(),
        "--limit",
        "100000000",
    ]);
    let texts: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 10_050);
    // Oldest first across the page boundary, none twice.
    assert_eq!(texts[0], "message 1");
    assert_eq!(texts[10_049], "message 10050");
    assert_eq!(count(&["journal", "--all", "--limit", "100000000"]), 10_050);
    // A limit inside one page still means that limit.
    assert_eq!(count(&["conversations", "--limit", "10001"]), 10_001);
}
