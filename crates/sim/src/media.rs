//! The simulated media endpoints: uploads (`POST /{phone-number-id}/media`, multipart like Meta's)
//! and the download URL that `GET /{media-id}` points to.

use super::graph::bearer;
use super::{Injected, Simulator, UploadRecord};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use wabox_domain::media::{MediaKind, essence, is_animated_webp, size_label};
use wabox_domain::template_header::UPLOAD_KEPT_SECONDS;

/// The largest upload the simulator reads (Meta's largest kind, documents, is 100 MB).
pub const MAX_UPLOAD_BYTES: usize = 101 * 1000 * 1000;

impl Simulator {
    pub fn media_put(&self, id: &str, bytes: Vec<u8>, mime: &str) {
        self.lock()
            .media
            .insert(id.to_string(), (bytes, mime.to_string()));
    }

    /// Whether a media id names a file Meta still has: an upload is kept 30 days.
    pub(crate) fn media_exists(&self, id: &str) -> bool {
        let now = self.now();
        let s = self.lock();
        s.media.contains_key(id)
            && s.uploaded_at
                .get(id)
                .is_none_or(|at| now < at + UPLOAD_KEPT_SECONDS)
    }
}

/// What the multipart form carried.
#[derive(Default)]
struct UploadForm {
    messaging_product: Option<String>,
    mime: Option<String>,
    file: Option<(Vec<u8>, Option<String>, Option<String>)>,
}

async fn read_form(mut multipart: Multipart) -> Result<UploadForm, String> {
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        match field.name().unwrap_or_default() {
            "messaging_product" => {
                form.messaging_product = Some(field.text().await.map_err(|e| e.body_text())?)
            }
            "type" => form.mime = Some(field.text().await.map_err(|e| e.body_text())?),
            "file" => {
                let name = field.file_name().map(str::to_string);
                let content_type = field.content_type().map(str::to_string);
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                form.file = Some((bytes.to_vec(), name, content_type));
            }
            _ => {}
        }
    }
    Ok(form)
}

pub(super) async fn upload(
    State(sim): State<Arc<Simulator>>,
    Path((_version, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    sim.lock().requests += 1;
    if let Err(refused) = super::graph::authorized_number(&sim, &pnid, &headers) {
        return *refused;
    }
    let injected = sim.lock().injected_uploads.pop_front();
    match injected {
        Some(Injected::ServerError) => {
            return sim.refuse(&pnid, 500, 131000, "Something went wrong");
        }
        Some(Injected::Throttled) => return sim.refuse(&pnid, 400, 130429, "Rate limit hit"),
        Some(Injected::SlowAnswer(ms)) => tokio::time::sleep(Duration::from_millis(ms)).await,
        None => {}
    }
    let form = match read_form(multipart).await {
        Ok(f) => f,
        Err(e) => return sim.refuse(&pnid, 400, 100, &format!("(#100) Invalid upload: {e}")),
    };
    if form.messaging_product.as_deref() != Some("whatsapp") {
        return sim.refuse(
            &pnid,
            400,
            100,
            "(#100) The parameter messaging_product is required.",
        );
    }
    let Some((bytes, filename, part_type)) = form.file else {
        return sim.refuse(&pnid, 400, 100, "(#100) The parameter file is required.");
    };
    let Some(mime) = form.mime.or(part_type).map(|m| essence(&m)) else {
        return sim.refuse(&pnid, 400, 100, "(#100) The parameter type is required.");
    };
    let Some(kind) = MediaKind::for_mime(&mime) else {
        let all: Vec<&str> = MediaKind::ALL
            .iter()
            .flat_map(|k| k.mime_types().iter().copied())
            .collect();
        return sim.refuse(
            &pnid,
            400,
            100,
            &format!(
                "(#100) Param file must be a file with one of the following types: {}. Received file of type '{mime}'.",
                all.join(", ")
            ),
        );
    };
    let max = kind.max_bytes(is_animated_webp(&bytes));
    if bytes.is_empty() || bytes.len() > max {
        return sim.refuse(
            &pnid,
            400,
            131053,
            &format!(
                "(#131053) Media upload error: a {} file must be between 1 B and {}, this one is {}",
                kind.as_str(),
                size_label(max as u64),
                size_label(bytes.len() as u64)
            ),
        );
    }
    let media_id = {
        let mut s = sim.lock();
        s.next_id += 1;
        // Meta's media ids are long decimal numbers.
        format!("{}", 700_000_000_000_000u64 + s.next_id)
    };
    let len = bytes.len();
    sim.media_put(&media_id, bytes, &mime);
    let now = sim.now();
    sim.lock().uploaded_at.insert(media_id.clone(), now);
    sim.lock().uploads.push(UploadRecord {
        phone_number_id: pnid,
        media_id: media_id.clone(),
        mime_type: mime,
        filename,
        bytes: len,
    });
    axum::Json(json!({"id": media_id})).into_response()
}

pub(super) async fn download(
    State(sim): State<Arc<Simulator>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = bearer(&headers);
    if !sim
        .all_numbers()
        .iter()
        .any(|n| token == Some(n.token.as_str()))
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    sim.lock().media_downloads.push(id.clone());
    if sim.lock().media_hold {
        sim.lock().media_waiting += 1;
        while sim.lock().media_hold {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        sim.lock().media_waiting -= 1;
    }
    if !sim.media_exists(&id) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match sim.lock().media.get(&id).cloned() {
        Some((bytes, mime)) => ([("content-type", mime)], bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SimNumber, SimOptions};
    use wabox_cloud::{GraphClient, GraphError};
    use wabox_secret::Secret;

    const PNID: &str = "106540352242922";
    const TOKEN: &str = "EAA-SIM-MEDIA-TEST";

    async fn simulator() -> (Arc<Simulator>, GraphClient) {
        let number = SimNumber {
            phone_number_id: PNID.into(),
            waba_id: "104829357711032".into(),
            display_phone: "15550783881".into(),
            token: TOKEN.into(),
            coexistence: false,
            verified_name: "Demo Shop".into(),
        };
        let sim = Simulator::start(
            SimOptions::new("secret", vec![number]),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let graph = GraphClient::new(&sim.base_url(), "v26.0", Duration::from_secs(5)).unwrap();
        (sim, graph)
    }

    fn code(e: GraphError) -> Option<i64> {
        e.code()
    }

    #[tokio::test]
    async fn an_upload_is_served_back_by_its_id_like_metas() {
        let (sim, graph) = simulator().await;
        let token = wabox_cloud::Credential::Token(Secret::new(TOKEN));
        let bytes = b"%PDF-1.7 an invoice".to_vec();
        let id = graph
            .upload_media(
                PNID,
                &token,
                "invoice.pdf",
                "application/pdf",
                bytes.clone(),
            )
            .await
            .unwrap();
        let info = graph.media_info(&id, &token).await.unwrap();
        assert_eq!(info["mime_type"], "application/pdf");
        assert_eq!(info["file_size"], bytes.len());
        let url = info["url"].as_str().unwrap();
        let mut got = Vec::new();
        graph
            .download_to(url, &token, 1_000, &mut got)
            .await
            .unwrap();
        assert_eq!(got, bytes);
        assert_eq!(sim.uploads().len(), 1);
    }

    #[tokio::test]
    async fn uploads_are_refused_as_meta_refuses_them() {
        let (sim, graph) = simulator().await;
        let token = wabox_cloud::Credential::Token(Secret::new(TOKEN));
        let wrong = graph
            .upload_media(
                PNID,
                &wabox_cloud::Credential::Token(Secret::new("EAA-WRONG")),
                "a.png",
                "image/png",
                vec![1],
            )
            .await
            .unwrap_err();
        assert_eq!(code(wrong), Some(190));
        let gif = graph
            .upload_media(PNID, &token, "a.gif", "image/gif", vec![1; 10])
            .await
            .unwrap_err();
        assert_eq!(code(gif), Some(100));
        let huge = graph
            .upload_media(PNID, &token, "a.jpg", "image/jpeg", vec![1; 5_000_001])
            .await
            .unwrap_err();
        assert_eq!(code(huge.clone()), Some(131053));
        assert!(huge.to_string().contains("131053"), "{huge}");
        assert!(sim.uploads().is_empty());
        // A media message must name a file the API knows.
        let body = json!({"messaging_product": "whatsapp", "to": "59171000001",
                          "type": "image", "image": {"id": "123456"}});
        let unknown = graph.send_message(PNID, &token, &body).await.unwrap_err();
        assert_eq!(code(unknown), Some(131053));
        assert!(sim.sent().is_empty());
    }

    #[tokio::test]
    async fn meta_forgets_an_upload_after_thirty_days() {
        let (sim, graph) = simulator().await;
        let token = wabox_cloud::Credential::Token(Secret::new(TOKEN));
        let id = graph
            .upload_media(PNID, &token, "a.jpg", "image/jpeg", vec![1; 100])
            .await
            .unwrap();
        let body = json!({"messaging_product": "whatsapp", "to": "59171000001",
                          "type": "image", "image": {"id": id}});
        sim.advance_clock(UPLOAD_KEPT_SECONDS - 60);
        graph.send_message(PNID, &token, &body).await.unwrap();
        assert!(graph.media_info(&id, &token).await.is_ok());
        sim.advance_clock(60);
        let gone = graph.send_message(PNID, &token, &body).await.unwrap_err();
        assert_eq!(code(gone), Some(131053));
        assert!(graph.media_info(&id, &token).await.is_err());
    }
}
