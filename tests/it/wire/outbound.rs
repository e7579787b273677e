//! Issue 14: see main.rs. Templates with a media header (IMAGE, VIDEO, DOCUMENT, LOCATION): each
//! goes out with the `header` component Meta documents, a send without it (or with the wrong
//! kind) is refused before it is queued, and the simulator refuses what Meta refuses.

use crate::common::world::*;
use crate::common::*;
use serde_json::{Value, json};

/// The components of the one template send of `name` the simulator received.
fn components_sent(w: &World, name: &str) -> Vec<Value> {
    let sent: Vec<_> = w
        .sim
        .sent()
        .into_iter()
        .filter(|s| s.text == format!("template:{name}"))
        .collect();
    assert_eq!(sent.len(), 1, "one send of {name}: {sent:?}");
    sent[0].body["template"]["components"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_media_header_goes_out_in_metas_shape_and_the_simulator_accepts_it() {
    let w = world().await;
    let c = w.customer_writes(&customer(41), 60).await.to_string();
    let send = |args: &[&str]| {
        let mut all = vec!["--conversation", c.as_str()];
        all.extend_from_slice(args);
        all.push("--json");
        let queued = json_of(&w.send(&all));
        w.wait_status(queued["id"].as_i64().unwrap(), "read")
    };

    // IMAGE, from a file: uploaded to Meta by the outbox, then sent by its id.
    let promo = w.home.file("promo.jpg", JPEG_HEAD, 3_000);
    let sent = send(&[
        "--template",
        "summer_sale",
        "--lang",
        "en_US",
        "--param",
        "Ana",
        "--header-file",
        &promo,
    ]);
    assert_eq!(
        sent["text"],
        "[IMAGE header: promo.jpg]\nHi Ana, our summer sale starts today: 30% off everything.\nReply STOP to opt out"
    );
    let uploads = w.sim.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!(uploads[0].mime_type, "image/jpeg");
    let image_id = uploads[0].media_id.clone();
    assert_eq!(
        components_sent(&w, "summer_sale"),
        [
            json!({"type": "header", "parameters": [{"type": "image", "image": {"id": image_id}}]}),
            json!({"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}),
        ]
    );

    // VIDEO, by an https link Meta fetches itself: nothing is uploaded.
    send(&[
        "--template",
        "product_tour",
        "--lang",
        "en_US",
        "--header-link",
        "https://cdn.shop.example/tour-2026.mp4",
    ]);
    assert_eq!(
        components_sent(&w, "product_tour"),
        [json!({"type": "header", "parameters": [{"type": "video",
            "video": {"link": "https://cdn.shop.example/tour-2026.mp4"}}]})]
    );
    assert_eq!(w.sim.uploads().len(), 1);

    // DOCUMENT, from a file, with the name the customer sees.
    let pdf = w.home.file("f1093.pdf", b"%PDF-1.7\n", 2_000);
    let sent = send(&[
        "--template",
        "invoice_ready",
        "--lang",
        "en_US",
        "--param",
        "Ana",
        "--param",
        "F-1093",
        "--header-file",
        &pdf,
        "--header-filename",
        "Invoice F-1093.pdf",
    ]);
    assert!(
        sent["text"]
            .as_str()
            .unwrap()
            .starts_with("[DOCUMENT header: Invoice F-1093.pdf]\nHi Ana, your invoice F-1093"),
        "{sent}"
    );
    let uploads = w.sim.uploads();
    assert_eq!(uploads[1].mime_type, "application/pdf");
    assert_eq!(
        components_sent(&w, "invoice_ready")[0],
        json!({"type": "header", "parameters": [{"type": "document",
            "document": {"id": uploads[1].media_id, "filename": "Invoice F-1093.pdf"}}]})
    );

    // LOCATION, named, with an address holding commas; negative coordinates are values.
    send(&[
        "--template",
        "nueva_tienda",
        "--lang",
        "es",
        "--param",
        "customer_name=Ana",
        "--header-location",
        "-16.5097,-68.1193,Tienda Sopocachi,Av. 6 de Agosto 2170, La Paz",
    ]);
    assert_eq!(
        components_sent(&w, "nueva_tienda"),
        [
            json!({"type": "header", "parameters": [{"type": "location", "location": {
                "latitude": "-16.5097", "longitude": "-68.1193",
                "name": "Tienda Sopocachi", "address": "Av. 6 de Agosto 2170, La Paz"}}]}),
            json!({"type": "body", "parameters": [{"type": "text", "text": "Ana", "parameter_name": "customer_name"}]}),
        ]
    );

    // An id already uploaded to Meta goes as it is.
    let c2 = w.customer_writes(&customer(42), 60).await.to_string();
    let queued = json_of(&w.send(&[
        "--conversation",
        &c2,
        "--template",
        "summer_sale",
        "--lang",
        "en_US",
        "--param",
        "Luis",
        "--header-media-id",
        &image_id,
        "--json",
    ]));
    w.wait_status(queued["id"].as_i64().unwrap(), "read");
    let by_id: Vec<_> = w
        .sim
        .sent()
        .into_iter()
        .filter(|s| s.text == "template:summer_sale")
        .map(|s| s.body["template"]["components"][0].clone())
        .collect();
    assert_eq!(
        by_id[1],
        json!({"type": "header", "parameters": [{"type": "image", "image": {"id": image_id}}]})
    );
    assert_eq!(w.sim.uploads().len(), 2, "nothing uploaded again");
    assert!(w.sim.refused().is_empty(), "{:?}", w.sim.refused());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_send_meta_would_refuse_for_its_header_is_refused_before_it_is_queued() {
    let w = world().await;
    let c = w.customer_writes(&customer(43), 60).await.to_string();
    let refusal = |args: &[&str]| {
        let mut all = vec!["--conversation", c.as_str()];
        all.extend_from_slice(args);
        let out = w.send(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?} was not refused");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let summer = [
        "--template",
        "summer_sale",
        "--lang",
        "en_US",
        "--param",
        "Ana",
    ];
    let with = |extra: &[&str]| {
        let mut all = summer.to_vec();
        all.extend_from_slice(extra);
        refusal(&all)
    };

    let err = with(&[]);
    assert!(
        err.contains(
            "summer_sale (en_US) has an IMAGE header: give --header-file, --header-link or --header-media-id"
        ),
        "{err}"
    );
    let err = refusal(&[
        "--template",
        "nueva_tienda",
        "--lang",
        "es",
        "--param",
        "customer_name=Ana",
    ]);
    assert!(
        err.contains("nueva_tienda (es) has a LOCATION header: give --header-location"),
        "{err}"
    );
    let err = refusal(&[
        "--template",
        "follow_up",
        "--lang",
        "en_US",
        "--header-link",
        "https://cdn.shop.example/a.jpg",
    ]);
    assert!(
        err.contains("follow_up (en_US) has no media header"),
        "{err}"
    );
    // The wrong kind, by its type: a video for an IMAGE header, a link to one, a place.
    let video = w.home.file("tour.mp4", b"\x00\x00\x00\x18ftypmp42", 4_000);
    let err = with(&["--header-file", &video]);
    assert!(
        err.contains("summer_sale (en_US) has an IMAGE header: tour.mp4 (video/mp4) is not image"),
        "{err}"
    );
    let err = with(&["--header-link", "https://cdn.shop.example/tour.mp4"]);
    assert!(err.contains("is not image"), "{err}");
    let err = with(&["--header-location", "1,2"]);
    assert!(err.contains("a location is not image"), "{err}");
    let err = with(&["--header-link", "http://cdn.shop.example/a.jpg"]);
    assert!(err.contains("must be an https URL"), "{err}");
    let err = with(&["--header-media-id", "../../v9/secret"]);
    assert!(err.contains("media id"), "{err}");
    let err = with(&[
        "--header-link",
        "https://cdn.shop.example/a.jpg",
        "--header-filename",
        "a.jpg",
    ]);
    assert!(
        err.contains("only a DOCUMENT header shows a file name"),
        "{err}"
    );
    let err = refusal(&[
        "--template",
        "nueva_tienda",
        "--lang",
        "es",
        "--param",
        "customer_name=Ana",
        "--header-location",
        "95,10",
    ]);
    assert!(err.contains("latitude from -90 to 90"), "{err}");
    // Two headers at once is a usage error.
    let out = w.send(&[
        "--conversation",
        &c,
        "--template",
        "summer_sale",
        "--lang",
        "en_US",
        "--header-link",
        "https://a.example/a.jpg",
        "--header-media-id",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));

    let messages = w.home.messages(c.parse().unwrap());
    assert!(
        messages.iter().all(|m| m["direction"] == "in"),
        "nothing queued: {messages:#?}"
    );
    assert!(w.sim.uploads().is_empty() && w.sim.sent().is_empty());
    let stored = std::fs::read_dir(w.home.data.join("outbox-media"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(stored, 0, "no refused file was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_refuses_a_template_missing_its_media_header_as_meta_does() {
    let sim = start_simulator(vec![sim_number(
        PNID,
        WABA,
        DISPLAY,
        ACCESS_TOKEN,
        "Demo Shop",
    )])
    .await;
    let http = wabox_cloud::client_builder()
        .build()
        .expect("an HTTP client");
    let post = |components: Value| {
        let body = json!({"messaging_product": "whatsapp", "to": "59171004444", "type": "template",
            "template": {"name": "summer_sale", "language": {"code": "en_US"}, "components": components}});
        http.post(format!("{}/v26.0/{PNID}/messages", sim.base_url()))
            .bearer_auth(ACCESS_TOKEN)
            .json(&body)
            .send()
    };
    let body = json!({"type": "body", "parameters": [{"type": "text", "text": "Ana"}]});
    let code = |answer: Value| answer["error"]["code"].as_i64();

    let missing = post(json!([body])).await.unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(code(missing.json().await.unwrap()), Some(132000));

    let video = json!({"type": "header", "parameters": [{"type": "video", "video": {"link": "https://a.example/t.mp4"}}]});
    let wrong = post(json!([video, body])).await.unwrap();
    assert_eq!(wrong.status(), 400);
    assert_eq!(code(wrong.json().await.unwrap()), Some(132012));

    let empty = json!({"type": "header", "parameters": [{"type": "image", "image": {}}]});
    let incomplete = post(json!([empty, body])).await.unwrap();
    assert_eq!(code(incomplete.json().await.unwrap()), Some(131008));

    let unknown =
        json!({"type": "header", "parameters": [{"type": "image", "image": {"id": "4242"}}]});
    let gone = post(json!([unknown, body])).await.unwrap();
    assert_eq!(code(gone.json().await.unwrap()), Some(131053));

    let image = json!({"type": "header", "parameters": [{"type": "image", "image": {"link": "https://a.example/p.jpg"}}]});
    let ok = post(json!([image, body])).await.unwrap();
    assert_eq!(ok.status(), 200);
    let answer: Value = ok.json().await.unwrap();
    assert!(answer["messages"][0]["id"].as_str().is_some(), "{answer}");
    let sent = sim.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "template:summer_sale");
    let refused: Vec<i64> = sim.refused().iter().map(|(_, c)| *c).collect();
    assert_eq!(refused, [132000, 132012, 131008, 131053]);
}
