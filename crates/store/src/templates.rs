//! Synced message templates, per WABA.

use super::Result;
use crate::db::{Connection, OptionalExtension, params};
use wabox_domain::template::{Slot, TemplateSpec};
pub use wabox_protocol::admin::TemplateView;

/// Replaces what is known of a WABA's templates with a fresh listing (one per name + language).
pub fn upsert(
    conn: &Connection,
    tenant_id: i64,
    waba_id: &str,
    templates: &[(String, TemplateSpec)],
    now: i64,
) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO templates (tenant_id, waba_id, template_id, name, language, status, category,
                                updated_at, spec)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (waba_id, template_id) DO UPDATE SET
            name = excluded.name, language = excluded.language, status = excluded.status,
            category = excluded.category, updated_at = excluded.updated_at, spec = excluded.spec",
    )?;
    for (id, spec) in templates {
        stmt.execute(params![
            tenant_id,
            waba_id,
            id,
            spec.name,
            spec.language,
            spec.status,
            spec.category,
            now,
            serde_json::to_string(spec).unwrap_or_default()
        ])?;
    }
    Ok(templates.len())
}

fn spec_of(json: Option<String>) -> Option<TemplateSpec> {
    json.and_then(|j| serde_json::from_str(&j).ok())
}

/// The synced template of that name and language, with its status as last reported (a status
/// webhook may have changed it since the sync).
pub fn find(
    conn: &Connection,
    waba_id: &str,
    name: &str,
    language: &str,
) -> Result<Option<TemplateSpec>> {
    let row: Option<(Option<String>, String)> = conn
        .prepare_cached(
            "SELECT spec, status FROM templates WHERE waba_id = ?1 AND name = ?2 AND language = ?3",
        )?
        .query_row(params![waba_id, name, language], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(row.and_then(|(spec, status)| {
        spec_of(spec).map(|mut s| {
            s.status = status;
            s
        })
    }))
}

pub fn list(conn: &Connection, waba_id: Option<&str>) -> Result<Vec<TemplateView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT waba_id, name, language, status, category, spec FROM templates
         WHERE (CAST(?1 AS TEXT) IS NULL OR waba_id = ?1) AND spec IS NOT NULL ORDER BY name, language",
    )?;
    let rows = stmt.query_map(params![waba_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (waba_id, name, language, status, category, spec) = row?;
        let Some(spec) = spec_of(spec) else { continue };
        out.push(TemplateView {
            waba_id,
            name,
            language,
            status,
            category: category.unwrap_or_default(),
            parameter_format: format!("{:?}", spec.parameter_format).to_uppercase(),
            parameters: spec.slots().iter().map(Slot::label).collect(),
            body: spec.body.clone(),
            spec,
        });
    }
    Ok(out)
}

/// `name (language)` of every approved template of a WABA, for "send one of these instead".
pub fn approved_names(conn: &Connection, waba_id: &str) -> Result<Vec<String>> {
    Ok(list(conn, Some(waba_id))?
        .into_iter()
        .filter(|t| t.status.eq_ignore_ascii_case("APPROVED"))
        .map(|t| format!("{} ({})", t.name, t.language))
        .collect())
}
