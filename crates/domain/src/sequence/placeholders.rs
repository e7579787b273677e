//! Placeholders in a sequence's texts and template parameters, filled from the contact.

/// A contact's fields, for placeholders.
#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// Fills `{name}`, `{first_name}`, `{phone}` (each may carry a default: `{name|friend}`); other
/// braces are left as written.
pub fn fill(text: &str, contact: &ContactFields) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let (field, default) = match inner.split_once('|') {
            Some((f, d)) => (f.trim(), Some(d)),
            None => (inner.trim(), None),
        };
        let value = match field {
            "name" => contact.name.clone(),
            "first_name" => contact
                .name
                .as_deref()
                .and_then(|n| n.split_whitespace().next())
                .map(str::to_string),
            "phone" => contact.phone.as_ref().map(|p| format!("+{p}")),
            _ => {
                out.push('{');
                out.push_str(inner);
                out.push('}');
                rest = &after[close + 1..];
                continue;
            }
        };
        out.push_str(
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .or(default)
                .unwrap_or(""),
        );
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}
