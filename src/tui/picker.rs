//! The template picker: choose an approved template, fill each placeholder, and see the exact
//! text the customer will receive before it goes. Pure state; the view draws it.

use crate::domain::template::{ParameterFormat, Part, Slot, TemplateParam, TemplateSpec, fill};
use crate::domain::template_header::{HeaderValue, MediaHeader};
use crate::protocol::admin::TemplateView;

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub slot: Slot,
    pub value: String,
}

/// What a media header shows: a file path or https link, or `LAT,LONG[,NAME[,ADDRESS]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderField {
    pub format: MediaHeader,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Choose,
    Fill {
        template: Box<TemplateView>,
        /// First in the form when the template has a media header.
        header: Option<HeaderField>,
        fields: Vec<Field>,
        /// Counts the header first, then the fields.
        focus: usize,
        /// The form is complete and shown as the customer will get it: only here does Enter
        /// send, so going back to mend a field can never send a half-mended template.
        review: bool,
    },
}

/// The value under the focus of a form.
fn focused<'a>(
    header: &'a mut Option<HeaderField>,
    fields: &'a mut [Field],
    focus: usize,
) -> Option<&'a mut String> {
    match header {
        Some(h) if focus == 0 => Some(&mut h.value),
        Some(_) => fields.get_mut(focus - 1).map(|f| &mut f.value),
        None => fields.get_mut(focus).map(|f| &mut f.value),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplatePicker {
    pub conversation_id: i64,
    /// None while the engine's answer is on its way.
    pub templates: Option<Vec<TemplateView>>,
    pub query: String,
    pub selected: usize,
    pub stage: Stage,
    /// Pre-fills name placeholders.
    pub contact_name: Option<String>,
    /// Templates in the agent's language come first.
    pub language: String,
}

impl TemplatePicker {
    pub fn new(conversation_id: i64, contact_name: Option<String>, language: &str) -> Self {
        TemplatePicker {
            conversation_id,
            templates: None,
            query: String::new(),
            selected: 0,
            stage: Stage::Choose,
            contact_name,
            language: language.to_string(),
        }
    }

    /// Keeps approved templates only, the agent's language first.
    pub fn set_templates(&mut self, mut all: Vec<TemplateView>) {
        all.retain(|t| t.status.eq_ignore_ascii_case("APPROVED"));
        let lang = self.language.clone();
        all.sort_by(|a, b| {
            let ours = |t: &TemplateView| !t.language.starts_with(&lang);
            (ours(a), &a.name, &a.language).cmp(&(ours(b), &b.name, &b.language))
        });
        self.templates = Some(all);
        self.selected = 0;
    }

    /// The templates matching the search, by name or body, ignoring case.
    pub fn visible(&self) -> Vec<&TemplateView> {
        let q = self.query.to_lowercase();
        self.templates
            .iter()
            .flatten()
            .filter(|t| {
                q.is_empty()
                    || t.name.to_lowercase().contains(&q)
                    || t.body.to_lowercase().contains(&q)
            })
            .collect()
    }

    pub fn type_char(&mut self, c: char) {
        match &mut self.stage {
            Stage::Choose => {
                self.query.push(c);
                self.selected = 0;
            }
            Stage::Fill {
                header,
                fields,
                focus,
                review: false,
                ..
            } => {
                if let Some(v) = focused(header, fields, *focus) {
                    v.push(c);
                }
            }
            Stage::Fill { review: true, .. } => {}
        }
    }

    pub fn backspace(&mut self) {
        match &mut self.stage {
            Stage::Choose => {
                self.query.pop();
                self.selected = 0;
            }
            Stage::Fill {
                header,
                fields,
                focus,
                review: false,
                ..
            } => {
                if let Some(v) = focused(header, fields, *focus) {
                    v.pop();
                }
            }
            Stage::Fill { review: true, .. } => {}
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let len = match &self.stage {
            Stage::Choose => self.visible().len(),
            Stage::Fill { header, fields, .. } => fields.len() + usize::from(header.is_some()),
        };
        if len == 0 {
            return;
        }
        let step = |i: usize| (i as isize + delta).clamp(0, len as isize - 1) as usize;
        match &mut self.stage {
            Stage::Choose => self.selected = step(self.selected),
            Stage::Fill {
                focus,
                review: false,
                ..
            } => *focus = step(*focus),
            Stage::Fill { review: true, .. } => {}
        }
    }

    /// Enter: choose the selected template; in the form, move to the next field, and after the
    /// last one show the review (the first gap or a wrong header takes the focus instead); in
    /// the review, say it is ready to send with these parameters.
    pub fn enter(&mut self) -> Option<Ready> {
        match &mut self.stage {
            Stage::Choose => {
                let template = self.visible().get(self.selected).map(|t| (*t).clone())?;
                let fields = template
                    .spec
                    .slots()
                    .into_iter()
                    .map(|slot| Field {
                        value: prefill(&template.spec, &slot, self.contact_name.as_deref()),
                        slot,
                    })
                    .collect::<Vec<_>>();
                let header = template.spec.header_media.map(|format| HeaderField {
                    format,
                    value: String::new(),
                });
                let mut values = header
                    .iter()
                    .map(|h| &h.value)
                    .chain(fields.iter().map(|f| &f.value));
                let focus = values.position(|v| v.is_empty()).unwrap_or(0);
                // Nothing to fill: straight to the review, still one deliberate Enter from sending.
                let review = header.is_none() && fields.is_empty();
                self.stage = Stage::Fill {
                    template: Box::new(template),
                    header,
                    fields,
                    focus,
                    review,
                };
                None
            }
            Stage::Fill {
                template,
                header,
                fields,
                focus,
                review,
            } => {
                let count = fields.len() + usize::from(header.is_some());
                match ready(template, header.as_ref(), fields) {
                    Ok(ready) if *review => Some(ready),
                    Ok(_) if *focus + 1 < count => {
                        *focus += 1;
                        None
                    }
                    Ok(_) => {
                        *review = true;
                        None
                    }
                    Err(_) if *focus + 1 < count && !*review => {
                        *focus += 1;
                        None
                    }
                    // The preview says why; the focus goes where it is to be mended.
                    Err(mend) => {
                        *review = false;
                        *focus = mend;
                        None
                    }
                }
            }
        }
    }

    /// Whether the form is complete and shown for a last look (Enter sends).
    pub fn reviewing(&self) -> bool {
        matches!(self.stage, Stage::Fill { review: true, .. })
    }

    /// Esc: back from the review to the form, from the form to the list; from the list,
    /// close (true).
    pub fn back(&mut self) -> bool {
        match &mut self.stage {
            Stage::Fill { review, .. } if *review => {
                *review = false;
                false
            }
            Stage::Fill { .. } => {
                self.stage = Stage::Choose;
                false
            }
            Stage::Choose => true,
        }
    }

    /// The text the customer will receive with the values so far; empty fields show their
    /// placeholder so the gap is visible.
    pub fn preview(&self) -> Option<String> {
        let Stage::Fill {
            template,
            header,
            fields,
            ..
        } = &self.stage
        else {
            return None;
        };
        let shown: Vec<Field> = fields
            .iter()
            .map(|f| Field {
                slot: f.slot.clone(),
                value: if f.value.trim().is_empty() {
                    format!("{{{{{}}}}}", f.slot.key)
                } else {
                    f.value.clone()
                },
            })
            .collect();
        let params = parse_params(&template.spec, &request_params(&template.spec, &shown));
        let body = match fill(&template.spec, &params) {
            Ok(filled) => filled.rendered,
            Err(e) => e.to_string(),
        };
        Some(match header {
            Some(h) => format!("{}\n{body}", header_preview(&template.spec, h)),
            None => body,
        })
    }
}

/// What a complete form sends, or the field to mend first (a gap, else a wrong header).
fn ready(
    template: &TemplateView,
    header: Option<&HeaderField>,
    fields: &[Field],
) -> Result<Ready, usize> {
    let gap = header
        .iter()
        .map(|h| h.value.trim().is_empty())
        .chain(fields.iter().map(|f| f.value.trim().is_empty()))
        .position(|empty| empty);
    if let Some(gap) = gap {
        return Err(gap);
    }
    let header = match header {
        Some(h) => Some(header_value(&template.spec, h).map_err(|_| 0usize)?),
        None => None,
    };
    Ok(Ready {
        name: template.name.clone(),
        language: template.language.clone(),
        params: request_params(&template.spec, fields),
        header,
    })
}

/// `Header: IMAGE — ~/promo.jpg`, or why it cannot go.
fn header_preview(spec: &TemplateSpec, h: &HeaderField) -> String {
    let format = h.format.as_str();
    let what = if h.value.trim().is_empty() {
        match h.format {
            MediaHeader::Location => "missing: give LAT,LONG[,NAME[,ADDRESS]]".to_string(),
            _ => "missing: give a file path or an https link".to_string(),
        }
    } else {
        match header_value(spec, h) {
            Ok(_) => h.value.trim().to_string(),
            Err(e) => e,
        }
    };
    format!("Header: {format} — {what}")
}

/// What the form's header field sends: a location, an https link, or a local file (the link
/// to the engine uploads it), checked against the header's kind as far as can be told here.
fn header_value(spec: &TemplateSpec, h: &HeaderField) -> Result<HeaderValue, String> {
    use crate::domain::template_header::{check, parse_location};
    let raw = h.value.trim();
    let shown = format!("{} ({})", spec.name, spec.language);
    if h.format == MediaHeader::Location {
        let place = parse_location(raw).map_err(|e| e.to_string())?;
        return check(&shown, spec.header_media, Some(&place))
            .map(|_| place)
            .map_err(|e| e.to_string());
    }
    if raw.contains("://") {
        let link = HeaderValue::Link {
            url: raw.to_string(),
            filename: None,
        };
        return check(&shown, spec.header_media, Some(&link))
            .map(|_| link)
            .map_err(|e| e.to_string());
    }
    let path = match raw.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|home| std::path::PathBuf::from(home).join(rest))
            .unwrap_or_else(|| raw.into()),
        None => raw.into(),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Its type as the upload will tell it, so a wrong kind is refused before anything moves.
    let as_uploaded = HeaderValue::Upload {
        upload_id: String::new(),
        filename: name,
        mime: mime_guess::from_path(&path)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_string(),
    };
    check(&shown, spec.header_media, Some(&as_uploaded)).map_err(|e| e.to_string())?;
    Ok(HeaderValue::LocalFile {
        path,
        filename: None,
    })
}

/// What the send request carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Ready {
    pub name: String,
    pub language: String,
    pub params: Vec<String>,
    /// For a template with a media header.
    pub header: Option<HeaderValue>,
}

/// `value` for positional placeholders, `name=value` for named ones (as `wabox send --param`).
fn request_params(spec: &TemplateSpec, fields: &[Field]) -> Vec<String> {
    fields
        .iter()
        .map(|f| match spec.parameter_format {
            ParameterFormat::Named => format!("{}={}", f.slot.key, f.value.trim()),
            ParameterFormat::Positional => f.value.trim().to_string(),
        })
        .collect()
}

fn parse_params(spec: &TemplateSpec, raw: &[String]) -> Vec<TemplateParam> {
    raw.iter()
        .map(|r| TemplateParam::parse(r, spec.parameter_format))
        .collect()
}

/// The contact's name goes where a template asks for a name: a named placeholder about a name,
/// or a body placeholder right after a greeting.
fn prefill(spec: &TemplateSpec, slot: &Slot, contact_name: Option<&str>) -> String {
    let Some(name) = contact_name.filter(|n| !n.trim().is_empty()) else {
        return String::new();
    };
    let key = slot.key.to_lowercase();
    if key.contains("name") || key.contains("nombre") {
        return name.to_string();
    }
    if slot.part == Part::Body {
        let marker = format!("{{{{{}}}}}", slot.key);
        if let Some(at) = spec.body.find(&marker) {
            let before = spec.body[..at].trim_end().to_lowercase();
            let greetings = ["hola", "hi", "hello", "dear", "hey", "estimado", "estimada"];
            if greetings.iter().any(|g| before.ends_with(g)) {
                return name.to_string();
            }
        }
    }
    String::new()
}

#[cfg(test)]
mod tests;
