//! The simulated media endpoints: uploads (`POST /{phone-number-id}/media`, multipart like Meta's)
//! and the download URL that `GET /{media-id}` points to.

use super::graph::{bearer, graph_error};
use super::{Injected, Simulator, UploadRecord};
use crate::domain::media::{MediaKind, essence, is_animated_webp, size_label};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The largest upload the simulator reads (Meta's largest kind, documents, is 100 MB).
pub const MAX_UPLOAD_BYTES: usize = 101 * 1000 * 1000;

impl Simulator {
    pub fn media_put(&self, id: &str, bytes: Vec<u8>, mime: &str) {
        self.lock()
            .media
            .insert(id.to_string(), (bytes, mime.to_string()));
    }

    pub(crate) fn media_exists(&self, id: &str) -> bool {
        self.lock().media.contains_key(id)
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
    let Some(number) = sim.number(&pnid).cloned() else {
        return graph_error(
            400,
            100,
            &format!("Unsupported post request. Object with ID '{pnid}' does not exist"),
        );
    };
    if bearer(&headers) != Some(number.token.as_str()) {
        return sim.refuse(
            &pnid,
            401,
            190,
            "Error validating access token: The session is invalid.",
        );
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
        .options
        .numbers
        .iter()
        .any(|n| token == Some(n.token.as_str()))
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match sim.lock().media.get(&id).cloned() {
        Some((bytes, mime)) => ([("content-type", mime)], bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
