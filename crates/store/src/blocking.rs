//! Customers the business blocked on a number (Meta's Block Users API), kept on their
//! conversation: Meta is asked first, and the store says so only once Meta has.

use super::{Result, StoreEvent};
use crate::db::{Connection, OptionalExtension};

/// Marks the conversation's customer blocked (`Some((at, by))`) or no longer (`None`).
pub fn set(
    conn: &Connection,
    conversation_id: i64,
    blocked: Option<(i64, &str)>,
    events: &mut Vec<StoreEvent>,
) -> Result<()> {
    let (at, by) = match blocked {
        Some((at, by)) => (Some(at), Some(by)),
        None => (None, None),
    };
    let changed = conn
        .prepare_cached("UPDATE conversations SET blocked_at = ?2, blocked_by = ?3 WHERE id = ?1")?
        .execute(crate::db::params![conversation_id, at, by])?;
    if changed == 0 {
        return Err(crate::views::no_conversation(conversation_id));
    }
    events.push(StoreEvent::ConversationChanged { conversation_id });
    Ok(())
}

/// Whether the conversation's customer is blocked (a conversation that does not exist is not).
pub fn is_blocked(conn: &Connection, conversation_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT blocked_at IS NOT NULL FROM conversations WHERE id = ?1")?
        .query_row([conversation_id], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreError;
    use crate::test_fixtures as fx;
    use crate::testing::store;

    #[crate::testing::both_stores]
    fn a_block_is_kept_with_who_and_when_shown_on_the_row_and_lifted() {
        let (_d, conn) = store();
        let id = fx::number_and_conversation(&conn).unwrap();
        assert!(!is_blocked(&conn, id).unwrap());
        let mut events = Vec::new();
        set(&conn, id, Some((1_700_000_000, "ana")), &mut events).unwrap();
        assert!(is_blocked(&conn, id).unwrap());
        assert_eq!(
            events,
            [StoreEvent::ConversationChanged {
                conversation_id: id
            }]
        );
        let row = crate::views::conversation(&conn, id, 1_700_000_001).unwrap();
        let blocked = row.blocked.expect("shown as blocked");
        assert_eq!((blocked.at, blocked.by.as_str()), (1_700_000_000, "ana"));
        set(&conn, id, None, &mut events).unwrap();
        assert!(!is_blocked(&conn, id).unwrap());
        assert!(
            crate::views::conversation(&conn, id, 1)
                .unwrap()
                .blocked
                .is_none()
        );
        let missing = set(&conn, id + 99, None, &mut events).unwrap_err();
        assert!(matches!(missing, StoreError::NotFound(_)), "{missing:?}");
        assert!(!is_blocked(&conn, id + 99).unwrap());
    }
}
