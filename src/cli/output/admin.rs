//! The admin's answers as people read them: templates and their syncs, the webhook journal and
//! its replays.

use super::{clip, say, table};
use crate::domain::time::rfc3339_here;
use crate::protocol::admin::{EntryOutcome, JournalEntryView, TemplateView};
use crate::protocol::template_sync::SyncReport;

pub fn templates(ts: &[TemplateView]) {
    if ts.is_empty() {
        say!("no templates synced: run `wabox templates sync`");
        return;
    }
    let (head, rows) = templates_table(ts);
    table(&head, rows)
}

/// The templates' table. A template's media header (what `--header-file` and its kin fill) has
/// a column of its own; the WhatsApp Business Account one, when the list spans several (the
/// same template name is then one per account).
fn templates_table(ts: &[TemplateView]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let several = ts.iter().any(|t| t.waba_id != ts[0].waba_id);
    let mut head = vec![
        "NAME",
        "LANGUAGE",
        "CATEGORY",
        "STATUS",
        "HEADER",
        "PARAMETERS",
        "BODY",
    ];
    if several {
        head.insert(0, "WABA");
    }
    let rows = ts
        .iter()
        .map(|t| {
            let header = t
                .spec
                .header_media
                .map(|h| h.as_str().to_string())
                .unwrap_or_default();
            let mut row = vec![
                t.name.clone(),
                t.language.clone(),
                t.category.clone(),
                t.status.clone(),
                header,
                t.parameters.join(" "),
                clip(&t.body, 60),
            ];
            if several {
                row.insert(0, t.waba_id.clone());
            }
            row
        })
        .collect();
    (head, rows)
}

pub fn templates_synced(rs: &[SyncReport]) {
    if rs.is_empty() {
        say!("no number with an access token: nothing to sync");
        return;
    }
    for r in rs {
        match &r.error {
            Some(e) => say!("WABA {}: failed: {e}", r.waba_id),
            None => say!("WABA {}: {} templates", r.waba_id, r.templates),
        }
    }
}

pub fn journal(es: &[JournalEntryView]) {
    if es.is_empty() {
        say!("no such deliveries in the journal (`--all` lists the processed ones too)");
        return;
    }
    table(
        &["ID", "RECEIVED", "STATE", "TIMES", "BYTES", "DETAIL"],
        es.iter()
            .map(|e| {
                vec![
                    e.id.to_string(),
                    rfc3339_here(e.received_at),
                    e.state.as_str().to_string(),
                    e.deliveries.to_string(),
                    e.bytes.to_string(),
                    e.detail.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    )
}

pub fn replayed(os: &[EntryOutcome]) {
    if os.is_empty() {
        say!("nothing to replay");
        return;
    }
    for o in os {
        match &o.detail {
            Some(d) => say!("journal {}: {} ({d})", o.id, o.state.as_str()),
            None => say!("journal {}: {}", o.id, o.state.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::{ParameterFormat, TemplateSpec};
    use crate::domain::template_header::MediaHeader;

    fn view(waba: &str, name: &str, header: Option<MediaHeader>) -> TemplateView {
        TemplateView {
            waba_id: waba.into(),
            name: name.into(),
            language: "en_US".into(),
            category: "MARKETING".into(),
            status: "APPROVED".into(),
            parameter_format: "POSITIONAL".into(),
            parameters: vec!["{{1}} (body)".into()],
            body: "Hi {{1}}".into(),
            spec: TemplateSpec {
                name: name.into(),
                language: "en_US".into(),
                status: "APPROVED".into(),
                category: "MARKETING".into(),
                parameter_format: ParameterFormat::Positional,
                header_text: None,
                header_media: header,
                body: "Hi {{1}}".into(),
                footer: None,
                buttons: vec![],
                url_buttons: vec![],
            },
        }
    }

    #[test]
    fn a_media_header_has_its_column_and_several_accounts_theirs() {
        let one = [
            view("111", "summer_sale", Some(MediaHeader::Image)),
            view("111", "follow_up", None),
        ];
        let (head, rows) = templates_table(&one);
        assert_eq!(head[0], "NAME");
        assert_eq!(head[4], "HEADER");
        assert_eq!(rows[0][4], "IMAGE");
        assert_eq!(rows[1][4], "");
        let two = [
            view("111", "summer_sale", Some(MediaHeader::Document)),
            view("222", "summer_sale", Some(MediaHeader::Document)),
        ];
        let (head, rows) = templates_table(&two);
        assert_eq!(head[0], "WABA");
        assert_eq!((rows[0][0].as_str(), rows[1][0].as_str()), ("111", "222"));
        assert_eq!(rows[1][5], "DOCUMENT");
    }
}
