//! Message templates: their placeholders, and filling them into the exact text the customer
//! receives plus the `components` the Cloud API expects. Pure, so it is tested without a network.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::template_header::MediaHeader;

/// How a template names its placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParameterFormat {
    /// `{{1}}`, `{{2}}`…
    Positional,
    /// `{{customer_name}}`…
    Named,
}

/// A URL button whose link ends in a placeholder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlButton {
    /// Its position among the template's buttons (Meta's `index`).
    pub index: usize,
    pub text: String,
    pub url: String,
}

/// A template as synced from Meta: what can be filled in, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateSpec {
    pub name: String,
    pub language: String,
    pub status: String,
    pub category: String,
    pub parameter_format: ParameterFormat,
    pub header_text: Option<String>,
    /// A header that takes an image, video, document or location at send time. Absent from
    /// specs stored before it was read, until the next sync.
    #[serde(default)]
    pub header_media: Option<MediaHeader>,
    pub body: String,
    pub footer: Option<String>,
    /// Every button's label, for the rendered text.
    pub buttons: Vec<String>,
    pub url_buttons: Vec<UrlButton>,
}

/// Where a placeholder sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Header,
    Body,
    Button(usize),
}

/// One `{{…}}` of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub part: Part,
    /// The text between the braces: `1` or `customer_name`.
    pub key: String,
}

impl Slot {
    pub fn label(&self) -> String {
        let part = match self.part {
            Part::Header => "header".to_string(),
            Part::Body => "body".to_string(),
            Part::Button(i) => format!("button {i}"),
        };
        format!("{{{{{}}}}} ({part})", self.key)
    }
}

/// The placeholders of a text, in order of first appearance, each once.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let key = after[..end].trim().to_string();
        if !key.is_empty() && !out.contains(&key) {
            out.push(key);
        }
        rest = &after[end + 2..];
    }
    out
}

impl TemplateSpec {
    /// Every placeholder to fill: header, then body, then URL buttons.
    pub fn slots(&self) -> Vec<Slot> {
        let mut slots = Vec::new();
        if let Some(h) = &self.header_text {
            slots.extend(placeholders(h).into_iter().map(|key| Slot {
                part: Part::Header,
                key,
            }));
        }
        slots.extend(placeholders(&self.body).into_iter().map(|key| Slot {
            part: Part::Body,
            key,
        }));
        for b in &self.url_buttons {
            slots.extend(placeholders(&b.url).into_iter().map(|key| Slot {
                part: Part::Button(b.index),
                key,
            }));
        }
        slots
    }

    pub fn is_approved(&self) -> bool {
        self.status.eq_ignore_ascii_case("APPROVED")
    }
}

/// A value given for a placeholder: by position (`--param Ana`) or by name (`--param name=Ana`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplateParam {
    Positional(String),
    Named(String, String),
}

impl TemplateParam {
    /// `name=value` is named when the template uses named placeholders; otherwise positional.
    pub fn parse(raw: &str, format: ParameterFormat) -> TemplateParam {
        if format == ParameterFormat::Named
            && let Some((name, value)) = raw.split_once('=')
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return TemplateParam::Named(name.to_string(), value.to_string());
        }
        TemplateParam::Positional(raw.to_string())
    }
}

/// A template ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct FilledTemplate {
    /// What the customer will read: header, body and footer with the values in place, and buttons.
    pub rendered: String,
    /// The `template.components` of the send request.
    pub components: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FillError {
    #[error("template {name} ({language}) is {status}, not APPROVED: it cannot be sent")]
    NotApproved {
        name: String,
        language: String,
        status: String,
    },
    #[error("template {name} ({language}) takes {expected} parameter(s): {slots}; {given} given")]
    WrongCount {
        name: String,
        language: String,
        expected: usize,
        given: usize,
        slots: String,
    },
    #[error("template {name} ({language}) has no placeholder {{{{{key}}}}}; it has: {slots}")]
    UnknownName {
        name: String,
        language: String,
        key: String,
        slots: String,
    },
    #[error("template {name} ({language}): a value for {slot} is missing")]
    Missing {
        name: String,
        language: String,
        slot: String,
    },
}

fn substitute(text: &str, values: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}", key = key), value);
    }
    out
}

/// Fills a template. Positional values fill the slots in order (header, body, buttons); named
/// values fill the header and body slots of their name, and URL buttons take what positional
/// values remain. Every slot must be filled, and no value may be left over.
pub fn fill(spec: &TemplateSpec, params: &[TemplateParam]) -> Result<FilledTemplate, FillError> {
    if !spec.is_approved() {
        return Err(FillError::NotApproved {
            name: spec.name.clone(),
            language: spec.language.clone(),
            status: spec.status.clone(),
        });
    }
    let slots = spec.slots();
    let slot_list = || {
        if slots.is_empty() {
            "none".to_string()
        } else {
            slots.iter().map(Slot::label).collect::<Vec<_>>().join(", ")
        }
    };
    let wrong_count = || FillError::WrongCount {
        name: spec.name.clone(),
        language: spec.language.clone(),
        expected: slots.len(),
        given: params.len(),
        slots: slot_list(),
    };
    if params.len() != slots.len() {
        return Err(wrong_count());
    }
    let mut positional = params.iter().filter_map(|p| match p {
        TemplateParam::Positional(v) => Some(v.clone()),
        TemplateParam::Named(..) => None,
    });
    let named: Vec<(&String, &String)> = params
        .iter()
        .filter_map(|p| match p {
            TemplateParam::Named(k, v) => Some((k, v)),
            TemplateParam::Positional(_) => None,
        })
        .collect();
    for (key, _) in &named {
        if !slots
            .iter()
            .any(|s| &s.key == *key && !matches!(s.part, Part::Button(_)))
        {
            return Err(FillError::UnknownName {
                name: spec.name.clone(),
                language: spec.language.clone(),
                key: (*key).clone(),
                slots: slot_list(),
            });
        }
    }
    let by_name = spec.parameter_format == ParameterFormat::Named;
    let mut values: Vec<(Slot, String)> = Vec::with_capacity(slots.len());
    for slot in &slots {
        let named_value = if by_name && !matches!(slot.part, Part::Button(_)) {
            named
                .iter()
                .find(|(k, _)| **k == slot.key)
                .map(|(_, v)| (*v).clone())
        } else {
            None
        };
        let value = match named_value {
            Some(v) => v,
            None => positional.next().ok_or_else(|| FillError::Missing {
                name: spec.name.clone(),
                language: spec.language.clone(),
                slot: slot.label(),
            })?,
        };
        values.push((slot.clone(), value));
    }
    if positional.next().is_some() {
        return Err(wrong_count());
    }

    let of = |part: Part| -> Vec<(String, String)> {
        values
            .iter()
            .filter(|(s, _)| s.part == part)
            .map(|(s, v)| (s.key.clone(), v.clone()))
            .collect()
    };
    let param_json = |(key, value): &(String, String)| {
        let mut p = json!({"type": "text", "text": value});
        if by_name {
            p["parameter_name"] = json!(key);
        }
        p
    };
    let mut components = Vec::new();
    let mut rendered = Vec::new();
    if let Some(h) = &spec.header_text {
        let hv = of(Part::Header);
        if !hv.is_empty() {
            components.push(json!({"type": "header", "parameters": hv.iter().map(param_json).collect::<Vec<_>>()}));
        }
        rendered.push(substitute(h, &hv));
    }
    let bv = of(Part::Body);
    if !bv.is_empty() {
        components.push(
            json!({"type": "body", "parameters": bv.iter().map(param_json).collect::<Vec<_>>()}),
        );
    }
    rendered.push(substitute(&spec.body, &bv));
    if let Some(f) = &spec.footer {
        rendered.push(f.clone());
    }
    for b in &spec.url_buttons {
        let v = of(Part::Button(b.index));
        if !v.is_empty() {
            components.push(json!({
                "type": "button", "sub_type": "url", "index": b.index.to_string(),
                "parameters": v.iter().map(|(_, value)| json!({"type": "text", "text": value})).collect::<Vec<_>>()
            }));
        }
    }
    if !spec.buttons.is_empty() {
        rendered.push(
            spec.buttons
                .iter()
                .map(|b| format!("[{b}]"))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    Ok(FilledTemplate {
        rendered: rendered.join("\n"),
        components: Value::Array(components),
    })
}

/// Reads a template object as Meta's `message_templates` listing returns it.
pub fn spec_from_graph(t: &Value) -> Option<TemplateSpec> {
    let name = t.get("name")?.as_str()?.to_string();
    let language = t.get("language")?.as_str()?.to_string();
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let mut spec = TemplateSpec {
        name,
        language,
        status: text(t, "status").unwrap_or_else(|| "UNKNOWN".into()),
        category: text(t, "category").unwrap_or_default(),
        parameter_format: match t.get("parameter_format").and_then(Value::as_str) {
            Some("NAMED") => ParameterFormat::Named,
            _ => ParameterFormat::Positional,
        },
        header_text: None,
        header_media: None,
        body: String::new(),
        footer: None,
        buttons: Vec::new(),
        url_buttons: Vec::new(),
    };
    for c in t
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match c
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("HEADER") => {
                let format = c.get("format").and_then(Value::as_str).unwrap_or("TEXT");
                if format.eq_ignore_ascii_case("TEXT") {
                    spec.header_text = text(c, "text");
                } else {
                    spec.header_media = MediaHeader::parse(format);
                }
            }
            Some("BODY") => spec.body = text(c, "text").unwrap_or_default(),
            Some("FOOTER") => spec.footer = text(c, "text"),
            Some("BUTTONS") => {
                for (i, b) in c
                    .get("buttons")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let label = text(b, "text").unwrap_or_default();
                    if b.get("type").and_then(Value::as_str) == Some("URL")
                        && let Some(url) = text(b, "url")
                        && url.contains("{{")
                    {
                        spec.url_buttons.push(UrlButton {
                            index: i,
                            text: label.clone(),
                            url,
                        });
                    }
                    spec.buttons.push(label);
                }
            }
            _ => {}
        }
    }
    Some(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positional() -> TemplateSpec {
        spec_from_graph(&json!({
            "name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
            "parameter_format": "POSITIONAL",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
                {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships {{3}}."},
                {"type": "FOOTER", "text": "Reply STOP to opt out"},
                {"type": "BUTTONS", "buttons": [
                    {"type": "URL", "text": "Track", "url": "https://shop.example/track/{{1}}"},
                    {"type": "QUICK_REPLY", "text": "Talk to us"}]}
            ]
        }))
        .unwrap()
    }

    fn named() -> TemplateSpec {
        spec_from_graph(&json!({
            "name": "bienvenida", "language": "es", "status": "APPROVED", "category": "MARKETING",
            "parameter_format": "NAMED",
            "components": [{"type": "BODY", "text": "Hola {{customer_name}}, tu código es {{code}}. ¡Gracias {{customer_name}}!"}]
        }))
        .unwrap()
    }

    fn p(v: &str) -> TemplateParam {
        TemplateParam::Positional(v.into())
    }

    #[test]
    fn placeholders_are_listed_once_in_order() {
        assert_eq!(placeholders("{{2}} a {{1}} b {{2}}"), ["2", "1"]);
        assert_eq!(placeholders("no braces"), Vec::<String>::new());
        assert_eq!(placeholders("broken {{1"), Vec::<String>::new());
    }

    #[test]
    fn positional_values_fill_header_body_then_url_buttons() {
        let t = positional();
        let filled = fill(
            &t,
            &[p("#4471"), p("Ana"), p("#4471"), p("Tuesday"), p("4471")],
        )
        .unwrap();
        assert_eq!(
            filled.rendered,
            "Order #4471\nHi Ana, your order #4471 ships Tuesday.\nReply STOP to opt out\n[Track] [Talk to us]"
        );
        assert_eq!(
            filled.components,
            json!([
                {"type": "header", "parameters": [{"type": "text", "text": "#4471"}]},
                {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "#4471"}, {"type": "text", "text": "Tuesday"}]},
                {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "4471"}]}
            ])
        );
    }

    #[test]
    fn a_wrong_count_names_every_placeholder() {
        let e = fill(&positional(), &[p("a"), p("b")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "template order_update (en_US) takes 5 parameter(s): {{1}} (header), {{1}} (body), {{2}} (body), {{3}} (body), {{1}} (button 0); 2 given"
        );
    }

    #[test]
    fn named_values_fill_by_name_and_repeat_where_the_name_repeats() {
        let t = named();
        let params = [
            TemplateParam::parse("code=X1", ParameterFormat::Named),
            TemplateParam::parse("customer_name=Lupita", ParameterFormat::Named),
        ];
        let filled = fill(&t, &params).unwrap();
        assert_eq!(
            filled.rendered,
            "Hola Lupita, tu código es X1. ¡Gracias Lupita!"
        );
        assert_eq!(
            filled.components[0]["parameters"][0]["parameter_name"],
            "customer_name"
        );
        let e = fill(
            &t,
            &[
                TemplateParam::parse("nombre=Lupita", ParameterFormat::Named),
                TemplateParam::parse("code=1", ParameterFormat::Named),
            ],
        )
        .unwrap_err();
        assert!(e.to_string().contains("no placeholder {{nombre}}"), "{e}");
    }

    #[test]
    fn only_approved_templates_can_be_filled() {
        let mut t = named();
        t.status = "PAUSED".into();
        assert!(matches!(fill(&t, &[]), Err(FillError::NotApproved { .. })));
    }

    #[test]
    fn a_media_header_is_read_from_the_listing_and_takes_no_text_placeholder() {
        let t = spec_from_graph(&json!({
            "name": "summer_sale", "language": "en_US", "status": "APPROVED", "category": "MARKETING",
            "components": [{"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::x"]}},
                           {"type": "BODY", "text": "Hi {{1}}"}]
        }))
        .unwrap();
        assert_eq!(t.header_media, Some(MediaHeader::Image));
        assert_eq!(t.header_text, None);
        assert_eq!(t.slots().len(), 1);
        assert_eq!(positional().header_media, None);
    }

    #[test]
    fn equals_signs_stay_in_positional_values() {
        assert_eq!(
            TemplateParam::parse("a=b", ParameterFormat::Positional),
            p("a=b")
        );
    }
}
