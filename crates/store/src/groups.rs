//! WhatsApp groups in the store: each group of a tenant has a contact of its own, so that its
//! conversation is one per number and group like any customer's, and replies go to the group.

use super::Result;
use super::apply::Ctx;
use super::identity::Resolved;
use crate::db::{OptionalExtension, params};
use wabox_domain::groups::contact_key;

/// The conversation of `group_id` on a number, made on the group's first message.
pub(super) fn conversation(ctx: &Ctx<'_>, number_id: i64, group_id: &str) -> Result<i64> {
    let contact = group_contact(ctx, group_id)?;
    ctx.conversation(number_id, contact)
}

fn group_contact(ctx: &Ctx<'_>, group_id: &str) -> Result<Resolved> {
    let found: Option<i64> = ctx
        .conn
        .prepare_cached(
            "SELECT contact_id FROM whatsapp_groups WHERE tenant_id = ?1 AND group_id = ?2",
        )?
        .query_row(params![ctx.tenant_id, group_id], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(Resolved {
            id,
            created: false,
            conversation: None,
        });
    }
    ctx.conn
        .prepare_cached(
            "INSERT INTO contacts (tenant_id, user_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        )?
        .execute(params![ctx.tenant_id, contact_key(group_id), ctx.now])?;
    let contact_id = ctx.conn.last_insert_rowid()?;
    ctx.conn
        .prepare_cached(
            "INSERT INTO whatsapp_groups (contact_id, tenant_id, group_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![contact_id, ctx.tenant_id, group_id])?;
    Ok(Resolved {
        id: contact_id,
        created: true,
        conversation: None,
    })
}
