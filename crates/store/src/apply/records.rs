//! What is kept on record rather than shown as messages: template status changes and account
//! events.

use super::*;

impl Ctx<'_> {
    pub(super) fn template_status(&self, waba_id: &str, u: &TemplateStatusUpdate) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO templates (tenant_id, waba_id, template_id, name, language, status,
                                        category, reason, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (waba_id, template_id) DO UPDATE SET
                    status = excluded.status, reason = excluded.reason,
                    name = coalesce(excluded.name, templates.name),
                    language = coalesce(excluded.language, templates.language),
                    category = coalesce(excluded.category, templates.category),
                    updated_at = excluded.updated_at",
            )?
            .execute(params![
                self.tenant_id,
                waba_id,
                u.template_id,
                u.name,
                u.language,
                u.event,
                u.category,
                u.reason,
                self.now
            ])?;
        Ok(())
    }

    pub(super) fn record(
        &self,
        change: &Change,
        event: Option<&str>,
        payload: &Value,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO account_events (journal_id, change_index, tenant_id, waba_id,
                                             phone_number_id, field, event, payload, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (journal_id, change_index) DO NOTHING",
            )?
            .execute(params![
                self.journal_id,
                change.index as i64,
                self.tenant_id,
                change.waba_id.as_str(),
                change.phone_number_id.as_ref().map(|p| p.as_str()),
                change.field,
                event,
                payload.to_string(),
                self.now
            ])?;
        Ok(())
    }
}
