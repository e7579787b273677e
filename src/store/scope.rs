//! What a caller may see: everything (an installation admin), one tenant (a tenant's admin), or
//! the conversations of an agent's queues plus those assigned to them. Queries take the scope as
//! two named parameters, `:scope_tenant` and `:scope_agent`, and filter with `SCOPE_SQL`.

use super::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Everything,
    Tenant(i64),
    Agent(String),
}

/// Restricts a query over `conversations c JOIN numbers n` to the scope.
pub const SCOPE_SQL: &str = "(:scope_tenant IS NULL OR n.tenant_id = :scope_tenant)
    AND (:scope_agent IS NULL OR c.assignee = :scope_agent
         OR c.queue_id IN (SELECT queue_id FROM agent_queues WHERE user = :scope_agent))";

/// Restricts a query over `numbers n` to the numbers whose conversations the scope may see.
pub const NUMBER_SCOPE_SQL: &str = "(:scope_tenant IS NULL OR n.tenant_id = :scope_tenant)
    AND (:scope_agent IS NULL
         OR n.queue_id IN (SELECT queue_id FROM agent_queues WHERE user = :scope_agent))";

impl Scope {
    pub fn tenant(&self) -> Option<i64> {
        match self {
            Scope::Tenant(t) => Some(*t),
            _ => None,
        }
    }

    pub fn agent(&self) -> Option<&str> {
        match self {
            Scope::Agent(a) => Some(a),
            _ => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        !matches!(self, Scope::Agent(_))
    }

    /// Whether the scope may see the conversation; an unseen one is "not found", so its
    /// existence is not revealed either.
    pub fn check_conversation(&self, conn: &Connection, conversation_id: i64) -> Result<()> {
        let sql = format!(
            "SELECT 1 FROM conversations c JOIN numbers n ON n.id = c.number_id
             WHERE c.id = :id AND {SCOPE_SQL}"
        );
        let seen: Option<i64> = conn
            .prepare_cached(&sql)?
            .query_row(
                rusqlite::named_params! {
                    ":id": conversation_id,
                    ":scope_tenant": self.tenant(),
                    ":scope_agent": self.agent(),
                },
                |r| r.get(0),
            )
            .optional()?;
        seen.map(|_| ()).ok_or_else(|| {
            StoreError::NotFound(format!(
                "no conversation {conversation_id}: `wabox conversations` lists them"
            ))
        })
    }

    /// As `check_conversation`, for the conversation a message belongs to.
    pub fn check_message(&self, conn: &Connection, message_id: i64) -> Result<i64> {
        let conversation: Option<i64> = conn
            .query_row(
                "SELECT conversation_id FROM messages WHERE id = ?1",
                [message_id],
                |r| r.get(0),
            )
            .optional()?;
        let not_found = || StoreError::NotFound(format!("no message {message_id}"));
        let conversation = conversation.ok_or_else(not_found)?;
        self.check_conversation(conn, conversation)
            .map_err(|_| not_found())?;
        Ok(conversation)
    }
}
