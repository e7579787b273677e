//! A template's media header: what it takes (an image, a video, a document or a location), what
//! is refused before a send is queued, and the `header` component Meta expects at send time.
//! Meta refuses a template whose media header has no parameter (132000/132012), so wabox says
//! so first, naming the header.

use super::media::{MediaKind, essence};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::PathBuf;

/// A header that takes its content at send time, as Meta's template listing names its `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaHeader {
    Image,
    Video,
    Document,
    Location,
}

impl MediaHeader {
    /// From a HEADER component's `format`; `TEXT` (and anything else) is not a media header.
    pub fn parse(format: &str) -> Option<MediaHeader> {
        match format.to_ascii_uppercase().as_str() {
            "IMAGE" => Some(MediaHeader::Image),
            "VIDEO" => Some(MediaHeader::Video),
            "DOCUMENT" => Some(MediaHeader::Document),
            "LOCATION" => Some(MediaHeader::Location),
            _ => None,
        }
    }

    /// Meta's name for the format, as the template shows it: `IMAGE`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaHeader::Image => "IMAGE",
            MediaHeader::Video => "VIDEO",
            MediaHeader::Document => "DOCUMENT",
            MediaHeader::Location => "LOCATION",
        }
    }

    /// The parameter's `type` in the send request: `image`.
    pub fn parameter_type(self) -> &'static str {
        match self {
            MediaHeader::Image => "image",
            MediaHeader::Video => "video",
            MediaHeader::Document => "document",
            MediaHeader::Location => "location",
        }
    }

    /// The kind of file it takes; none for a location.
    pub fn media_kind(self) -> Option<MediaKind> {
        match self {
            MediaHeader::Image => Some(MediaKind::Image),
            MediaHeader::Video => Some(MediaKind::Video),
            MediaHeader::Document => Some(MediaKind::Document),
            MediaHeader::Location => None,
        }
    }

    /// How to give it, in the words of `wabox send`.
    pub fn how_to_give(self) -> &'static str {
        match self {
            MediaHeader::Location => "give --header-location LAT,LONG[,NAME[,ADDRESS]]",
            _ => "give --header-file, --header-link or --header-media-id",
        }
    }
}

/// How long Meta keeps a file uploaded to it (`POST /{phone-number-id}/media`), in seconds.
pub const UPLOAD_KEPT_SECONDS: i64 = 30 * 86_400;

/// What a send gives for a template's media header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum HeaderValue {
    /// A file on the client's side. A client uploads it and sends `Upload` instead: the engine
    /// never reads a client's filesystem, and refuses this.
    LocalFile {
        path: PathBuf,
        filename: Option<String>,
    },
    /// A file uploaded to the engine in chunks (`BeginUpload`, `UploadChunk`).
    Upload {
        upload_id: String,
        filename: String,
        mime: String,
    },
    /// A public https URL Meta fetches.
    Link {
        url: String,
        filename: Option<String>,
    },
    /// A media id already uploaded to Meta.
    MediaId {
        id: String,
        filename: Option<String>,
    },
    /// A file the engine uploaded to Meta itself, once for a whole broadcast: sent by its id,
    /// shown by its name. Meta keeps it `UPLOAD_KEPT_SECONDS` from `uploaded_at`.
    Uploaded {
        id: String,
        filename: String,
        mime: String,
        uploaded_at: i64,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
}

impl HeaderValue {
    fn filename(&self) -> Option<&str> {
        match self {
            HeaderValue::LocalFile { filename, .. }
            | HeaderValue::Link { filename, .. }
            | HeaderValue::MediaId { filename, .. } => filename.as_deref(),
            HeaderValue::Upload { filename, .. } | HeaderValue::Uploaded { filename, .. } => {
                Some(filename)
            }
            HeaderValue::Location { .. } => None,
        }
    }

    /// A file the engine uploaded that Meta no longer keeps at `now`.
    pub fn upload_expired(&self, now: i64) -> bool {
        matches!(self, HeaderValue::Uploaded { uploaded_at, .. }
            if now >= uploaded_at.saturating_add(UPLOAD_KEPT_SECONDS))
    }
}

/// Why a template's header parameter is refused before the send is queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("{template} has {article} {format} header: {how}")]
    Missing {
        template: String,
        article: &'static str,
        format: &'static str,
        how: &'static str,
    },
    #[error("{template} has no media header: leave out the header parameter")]
    NotExpected { template: String },
    #[error("{template} has {article} {format} header: {given} is not {wanted}")]
    WrongKind {
        template: String,
        article: &'static str,
        format: &'static str,
        given: String,
        wanted: String,
    },
    #[error("the header link must be an https URL Meta can fetch: {0}")]
    BadLink(String),
    #[error("{0}")]
    BadMediaId(String),
    #[error("{template}: only a DOCUMENT header shows a file name")]
    FilenameNotShown { template: String },
    #[error("a location needs a latitude from -90 to 90 and a longitude from -180 to 180")]
    BadLocation,
    #[error("the file must be uploaded to the engine first")]
    NotUploaded,
}

fn article(format: MediaHeader) -> &'static str {
    match format {
        MediaHeader::Image => "an",
        _ => "a",
    }
}

/// Checks what is given for a template's header against the header it has. `template` names
/// it in the refusal (`summer_sale (en_US)`).
pub fn check(
    template: &str,
    header: Option<MediaHeader>,
    given: Option<&HeaderValue>,
) -> Result<(), HeaderError> {
    let (format, given) = match (header, given) {
        (None, None) => return Ok(()),
        (None, Some(_)) => {
            return Err(HeaderError::NotExpected {
                template: template.into(),
            });
        }
        (Some(format), None) => {
            return Err(HeaderError::Missing {
                template: template.into(),
                article: article(format),
                format: format.as_str(),
                how: format.how_to_give(),
            });
        }
        (Some(format), Some(given)) => (format, given),
    };
    let wrong_kind = |given: String| {
        let wanted = match format.media_kind() {
            Some(kind) => format!("{} ({})", kind.as_str(), kind.mime_types().join(", ")),
            None => "a location (--header-location LAT,LONG[,NAME[,ADDRESS]])".into(),
        };
        HeaderError::WrongKind {
            template: template.into(),
            article: article(format),
            format: format.as_str(),
            given,
            wanted,
        }
    };
    // An upload's name is the file's own, not asked for: only a name given on purpose is refused.
    let asked_name = !matches!(
        given,
        HeaderValue::Upload { .. } | HeaderValue::Uploaded { .. }
    ) && given.filename().is_some();
    if asked_name && format != MediaHeader::Document {
        return Err(HeaderError::FilenameNotShown {
            template: template.into(),
        });
    }
    let Some(kind) = format.media_kind() else {
        return match given {
            HeaderValue::Location {
                latitude,
                longitude,
                ..
            } => check_location(*latitude, *longitude),
            _ => Err(wrong_kind("a file".into())),
        };
    };
    match given {
        HeaderValue::Location { .. } => Err(wrong_kind("a location".into())),
        HeaderValue::LocalFile { .. } => Err(HeaderError::NotUploaded),
        HeaderValue::Uploaded { id, .. } if super::ids::check_url_id("media id", id).is_err() => {
            Err(HeaderError::BadMediaId(shown(id)))
        }
        HeaderValue::Upload { filename, mime, .. }
        | HeaderValue::Uploaded { filename, mime, .. } => {
            let mime = essence(mime);
            if kind.mime_types().contains(&mime.as_str()) {
                Ok(())
            } else {
                Err(wrong_kind(format!(
                    "{} ({mime})",
                    super::text::visible_line(filename)
                )))
            }
        }
        HeaderValue::Link { url, .. } => {
            let parsed = url::Url::parse(url)
                .map_err(|e| HeaderError::BadLink(format!("{} ({e})", shown(url))))?;
            if parsed.scheme() != "https" || parsed.host_str().is_none() {
                return Err(HeaderError::BadLink(shown(url)));
            }
            // Only a link whose name says it is another kind is refused: many links have none.
            match mime_guess::from_path(parsed.path()).first_raw() {
                Some(mime)
                    if !kind.mime_types().contains(&mime)
                        && MediaKind::for_mime(mime).is_some() =>
                {
                    Err(wrong_kind(format!("{} ({mime})", shown(url))))
                }
                _ => Ok(()),
            }
        }
        HeaderValue::MediaId { id, .. } => super::ids::check_url_id("media id", id)
            .map_err(|e| HeaderError::BadMediaId(e.to_string())),
    }
}

fn shown(text: &str) -> String {
    super::text::visible_line(text).chars().take(120).collect()
}

fn check_location(latitude: f64, longitude: f64) -> Result<(), HeaderError> {
    if (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude) {
        Ok(())
    } else {
        Err(HeaderError::BadLocation)
    }
}

/// Reads `LAT,LONG[,NAME[,ADDRESS]]`; the address keeps any further commas.
pub fn parse_location(raw: &str) -> Result<HeaderValue, HeaderError> {
    let mut parts = raw.splitn(4, ',').map(str::trim);
    let mut number = || -> Result<f64, HeaderError> {
        parts
            .next()
            .and_then(|p| p.parse::<f64>().ok())
            .filter(|n| n.is_finite())
            .ok_or(HeaderError::BadLocation)
    };
    let (latitude, longitude) = (number()?, number()?);
    check_location(latitude, longitude)?;
    let mut text = || parts.next().filter(|p| !p.is_empty()).map(str::to_string);
    let (name, address) = (text(), text());
    Ok(HeaderValue::Location {
        latitude,
        longitude,
        name,
        address,
    })
}

/// The `header` component of the send request. A file uploaded to the engine has no id yet:
/// its object stays without one until the outbox uploads it (`set_uploaded_id`).
pub fn component(format: MediaHeader, given: &HeaderValue) -> Value {
    let object = match given {
        HeaderValue::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            // Meta's examples give the coordinates as strings.
            let mut o =
                json!({"latitude": latitude.to_string(), "longitude": longitude.to_string()});
            if let Some(n) = name {
                o["name"] = json!(n);
            }
            if let Some(a) = address {
                o["address"] = json!(a);
            }
            o
        }
        HeaderValue::Link { url, .. } => json!({"link": url}),
        HeaderValue::MediaId { id, .. } | HeaderValue::Uploaded { id, .. } => json!({"id": id}),
        HeaderValue::Upload { .. } | HeaderValue::LocalFile { .. } => json!({}),
    };
    let mut object = object;
    if format == MediaHeader::Document
        && let Some(f) = given.filename()
    {
        object["filename"] = json!(f);
    }
    let kind = format.parameter_type();
    json!({"type": "header", "parameters": [{"type": kind, kind: object}]})
}

/// Puts an uploaded file's media id into a template request's header; false if the request has
/// no media header to take it.
pub fn set_uploaded_id(request: &mut Value, media_id: &str) -> bool {
    let Some(components) = request
        .pointer_mut("/template/components")
        .and_then(Value::as_array_mut)
    else {
        return false;
    };
    for c in components {
        if c.get("type").and_then(Value::as_str) != Some("header") {
            continue;
        }
        let Some(p) = c.pointer_mut("/parameters/0") else {
            continue;
        };
        let kind = p
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(object) = p.get_mut(&kind).filter(|o| o.is_object()) {
            object["id"] = json!(media_id);
            return true;
        }
    }
    false
}

/// The header as a line of the timeline: `[IMAGE header: promo.jpg]`.
pub fn summary(format: MediaHeader, given: &HeaderValue) -> String {
    format!("[{} header: {}]", format.as_str(), what(given))
}

/// What a stored broadcast's header carries, for its status: a file the engine uploaded says
/// when, and until when Meta keeps it.
pub fn described(given: &HeaderValue) -> String {
    match given {
        HeaderValue::Uploaded { uploaded_at, .. } => format!(
            "{}, uploaded to Meta {} (Meta keeps it until {})",
            what(given),
            super::time::rfc3339(*uploaded_at),
            super::time::rfc3339(uploaded_at.saturating_add(UPLOAD_KEPT_SECONDS))
        ),
        _ => what(given),
    }
}

/// The file, link or place a header carries, in a few words.
pub fn what(given: &HeaderValue) -> String {
    match given {
        HeaderValue::Upload { filename, .. } | HeaderValue::Uploaded { filename, .. } => {
            filename.clone()
        }
        HeaderValue::LocalFile { path, .. } => path.display().to_string(),
        HeaderValue::Link { url, filename } => filename.clone().unwrap_or_else(|| url.clone()),
        HeaderValue::MediaId { id, filename } => {
            filename.clone().unwrap_or_else(|| format!("media {id}"))
        }
        HeaderValue::Location {
            latitude,
            longitude,
            name,
            address,
        } => [name.clone(), address.clone()]
            .into_iter()
            .flatten()
            .chain([format!("{latitude}, {longitude}")])
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(name: &str, mime: &str) -> HeaderValue {
        HeaderValue::Upload {
            upload_id: "u1".into(),
            filename: name.into(),
            mime: mime.into(),
        }
    }

    fn link(url: &str) -> HeaderValue {
        HeaderValue::Link {
            url: url.into(),
            filename: None,
        }
    }

    #[test]
    fn a_media_header_without_its_parameter_is_refused_naming_the_header() {
        let e = check("summer_sale", Some(MediaHeader::Image), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "summer_sale has an IMAGE header: give --header-file, --header-link or --header-media-id"
        );
        let e = check("store_opening", Some(MediaHeader::Location), None).unwrap_err();
        assert!(
            e.to_string()
                .contains("a LOCATION header: give --header-location")
        );
    }

    #[test]
    fn a_header_parameter_for_a_template_without_a_media_header_is_refused() {
        let e = check("follow_up", None, Some(&link("https://a.example/x.jpg"))).unwrap_err();
        assert_eq!(
            e,
            HeaderError::NotExpected {
                template: "follow_up".into()
            }
        );
        assert_eq!(check("follow_up", None, None), Ok(()));
    }

    #[test]
    fn the_wrong_kind_is_refused_by_mime_type() {
        let image = Some(MediaHeader::Image);
        assert_eq!(
            check("t", image, Some(&upload("a.jpg", "image/jpeg"))),
            Ok(())
        );
        let e = check(
            "t",
            Some(MediaHeader::Video),
            Some(&upload("a.jpg", "image/jpeg")),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "t has a VIDEO header: a.jpg (image/jpeg) is not video (video/mp4, video/3gpp)"
        );
        assert!(check("t", image, Some(&upload("a.webp", "image/webp"))).is_err());
        assert!(check("t", image, Some(&link("https://cdn.example/tour.mp4"))).is_err());
        // A link that does not say what it is may be anything.
        assert_eq!(
            check("t", image, Some(&link("https://cdn.example/p?id=4"))),
            Ok(())
        );
        let place = parse_location("1,2").unwrap();
        assert!(matches!(
            check("t", image, Some(&place)),
            Err(HeaderError::WrongKind { .. })
        ));
        assert!(matches!(
            check(
                "t",
                Some(MediaHeader::Location),
                Some(&upload("a.jpg", "image/jpeg"))
            ),
            Err(HeaderError::WrongKind { .. })
        ));
    }

    #[test]
    fn links_are_https_and_media_ids_are_safe_in_a_url() {
        let image = Some(MediaHeader::Image);
        for bad in [
            "http://cdn.example/a.jpg",
            "file:///etc/passwd",
            "a.jpg",
            "https://",
        ] {
            assert!(
                matches!(
                    check("t", image, Some(&link(bad))),
                    Err(HeaderError::BadLink(_))
                ),
                "{bad}"
            );
        }
        let id = |id: &str| HeaderValue::MediaId {
            id: id.into(),
            filename: None,
        };
        assert_eq!(check("t", image, Some(&id("1318275649263411"))), Ok(()));
        assert!(matches!(
            check("t", image, Some(&id("../v9/secret"))),
            Err(HeaderError::BadMediaId(_))
        ));
    }

    #[test]
    fn only_a_document_header_carries_a_file_name() {
        let named = HeaderValue::Link {
            url: "https://cdn.example/i.pdf".into(),
            filename: Some("Invoice 88.pdf".into()),
        };
        assert_eq!(
            check("t", Some(MediaHeader::Document), Some(&named)),
            Ok(())
        );
        assert_eq!(
            component(MediaHeader::Document, &named),
            json!({"type": "header", "parameters": [{"type": "document",
                "document": {"link": "https://cdn.example/i.pdf", "filename": "Invoice 88.pdf"}}]})
        );
        let mut on_image = named.clone();
        if let HeaderValue::Link { url, .. } = &mut on_image {
            *url = "https://cdn.example/i.png".into();
        }
        assert!(matches!(
            check("t", Some(MediaHeader::Image), Some(&on_image)),
            Err(HeaderError::FilenameNotShown { .. })
        ));
    }

    #[test]
    fn locations_parse_with_optional_name_and_address() {
        assert_eq!(
            parse_location("-16.5, -68.15, Tienda Sopocachi, Av. 6 de Agosto 2170, La Paz")
                .unwrap(),
            HeaderValue::Location {
                latitude: -16.5,
                longitude: -68.15,
                name: Some("Tienda Sopocachi".into()),
                address: Some("Av. 6 de Agosto 2170, La Paz".into()),
            }
        );
        assert!(matches!(
            parse_location("48.85,2.35").unwrap(),
            HeaderValue::Location {
                name: None,
                address: None,
                ..
            }
        ));
        for bad in ["", "91,0", "0,181", "a,b", "1", "NaN,1"] {
            assert_eq!(parse_location(bad), Err(HeaderError::BadLocation), "{bad}");
        }
    }

    #[test]
    fn components_match_metas_shapes_and_an_upload_gets_its_id_later() {
        assert_eq!(
            component(MediaHeader::Video, &link("https://cdn.example/t.mp4")),
            json!({"type": "header", "parameters": [{"type": "video", "video": {"link": "https://cdn.example/t.mp4"}}]})
        );
        assert_eq!(
            component(
                MediaHeader::Location,
                &parse_location("1.5,-2,Shop").unwrap()
            ),
            json!({"type": "header", "parameters": [{"type": "location",
                "location": {"latitude": "1.5", "longitude": "-2", "name": "Shop"}}]})
        );
        let mut request = json!({"type": "template", "template": {"name": "summer_sale", "components": [
            component(MediaHeader::Image, &upload("a.jpg", "image/jpeg")),
            {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]}});
        assert!(set_uploaded_id(&mut request, "9001"));
        assert_eq!(
            request.pointer("/template/components/0/parameters/0"),
            Some(&json!({"type": "image", "image": {"id": "9001"}}))
        );
        let mut plain = json!({"type": "template", "template": {"name": "follow_up"}});
        assert!(!set_uploaded_id(&mut plain, "9001"));
    }

    #[test]
    fn the_timeline_line_names_the_header() {
        assert_eq!(
            summary(MediaHeader::Image, &upload("promo.jpg", "image/jpeg")),
            "[IMAGE header: promo.jpg]"
        );
        assert_eq!(
            summary(MediaHeader::Location, &parse_location("1,2,Shop").unwrap()),
            "[LOCATION header: Shop · 1, 2]"
        );
    }

    fn uploaded(name: &str, mime: &str, at: i64) -> HeaderValue {
        HeaderValue::Uploaded {
            id: "9876543210".into(),
            filename: name.into(),
            mime: mime.into(),
            uploaded_at: at,
        }
    }

    #[test]
    fn a_file_the_engine_uploaded_goes_by_its_id_and_shows_its_name() {
        let photo = uploaded("promo.jpg", "image/jpeg", 0);
        // Its name is the file's own, not asked for: an image header takes it.
        assert_eq!(check("t", Some(MediaHeader::Image), Some(&photo)), Ok(()));
        assert!(matches!(
            check("t", Some(MediaHeader::Video), Some(&photo)),
            Err(HeaderError::WrongKind { .. })
        ));
        let odd = HeaderValue::Uploaded {
            id: "../me".into(),
            filename: "a.jpg".into(),
            mime: "image/jpeg".into(),
            uploaded_at: 0,
        };
        assert!(matches!(
            check("t", Some(MediaHeader::Image), Some(&odd)),
            Err(HeaderError::BadMediaId(_))
        ));
        assert_eq!(
            component(MediaHeader::Image, &photo)["parameters"][0]["image"],
            json!({"id": "9876543210"})
        );
        let menu = uploaded("menu.pdf", "application/pdf", 0);
        assert_eq!(
            component(MediaHeader::Document, &menu)["parameters"][0]["document"],
            json!({"id": "9876543210", "filename": "menu.pdf"})
        );
        assert_eq!(
            summary(MediaHeader::Image, &photo),
            "[IMAGE header: promo.jpg]"
        );
    }

    #[test]
    fn a_broadcasts_status_says_until_when_meta_keeps_its_file() {
        assert_eq!(
            described(&uploaded("promo.jpg", "image/jpeg", 1_764_979_200)),
            "promo.jpg, uploaded to Meta 2025-12-06T00:00:00Z (Meta keeps it until 2026-01-05T00:00:00Z)"
        );
        assert_eq!(
            described(&link("https://a.example/x.jpg")),
            "https://a.example/x.jpg"
        );
    }

    #[test]
    fn meta_keeps_an_upload_thirty_days() {
        let at = 1_700_000_000;
        let photo = uploaded("promo.jpg", "image/jpeg", at);
        assert!(!photo.upload_expired(at));
        assert!(!photo.upload_expired(at + UPLOAD_KEPT_SECONDS - 1));
        assert!(photo.upload_expired(at + UPLOAD_KEPT_SECONDS));
        // Anything else is not an upload of the engine's.
        assert!(!link("https://a.example/x.jpg").upload_expired(i64::MAX));
    }
}
