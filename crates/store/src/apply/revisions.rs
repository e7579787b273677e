//! Reactions, edits and deletions: they change the message they point at instead of being
//! messages of their own, and wait for it if it has not arrived yet.

use super::*;

impl Ctx<'_> {
    /// Reactions, edits and deletions change the message they point at instead of being
    /// messages of their own; returns whether `content` was one of them (and is applied).
    pub(super) fn modifies_another(
        &self,
        wamid: &Wamid,
        content: &MessageContent,
        reactor: &str,
        at: i64,
        events: &mut Vec<StoreEvent>,
    ) -> Result<bool> {
        match content {
            MessageContent::Reaction { target, emoji } => {
                self.reaction(wamid, target, reactor, emoji, at, events)?
            }
            MessageContent::Edit {
                original,
                new_content,
            } => self.revision(wamid, original, "edit", Some(new_content), at, events)?,
            MessageContent::Revoke { original } => {
                self.revision(wamid, original, "revoke", None, at, events)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A reaction replaces the reactor's earlier one on that message; a late repeat of an older
    /// reaction (or of one since removed) changes nothing.
    pub(super) fn reaction(
        &self,
        reaction_wamid: &Wamid,
        target: &str,
        reactor: &str,
        emoji: &str,
        at: i64,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let changed = self
            .conn
            .prepare_cached(
                "INSERT INTO reactions (message_wamid, reactor, emoji, reaction_wamid, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (message_wamid, reactor) DO UPDATE SET
                    emoji = excluded.emoji, reaction_wamid = excluded.reaction_wamid, at = excluded.at
                 WHERE excluded.at > reactions.at
                    OR (excluded.at = reactions.at AND excluded.reaction_wamid > reactions.reaction_wamid)",
            )?
            .execute(params![target, reactor, emoji, reaction_wamid.as_str(), at])?;
        if changed > 0 {
            self.message_changed(target, events)?;
        }
        Ok(())
    }

    /// Records an edit or deletion once, and applies it to the original message if it is stored
    /// (otherwise when it arrives).
    pub(super) fn revision(
        &self,
        revision_wamid: &Wamid,
        original: &str,
        kind: &str,
        new_content: Option<&MessageContent>,
        at: i64,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO message_revisions (revision_wamid, original_wamid, kind, new_text,
                                                new_type, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (revision_wamid) DO NOTHING",
            )?
            .execute(params![
                revision_wamid.as_str(),
                original,
                kind,
                new_content.map(MessageContent::summary),
                new_content.map(|c| c.kind().to_string()),
                at
            ])?;
        if inserted == 0 {
            return Ok(());
        }
        let message: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM messages WHERE wamid = ?1")?
            .query_row([original], |r| r.get(0))
            .optional()?;
        if let Some(id) = message {
            self.apply_waiting_revisions(id, &Wamid(original.to_string()))?;
            self.message_changed(original, events)?;
        }
        Ok(())
    }

    /// Applies, in order, the edits and deletions recorded for a message but not yet applied.
    pub(super) fn apply_waiting_revisions(&self, message_id: i64, wamid: &Wamid) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, new_text, new_type FROM message_revisions
             WHERE original_wamid = ?1 AND message_id IS NULL ORDER BY at, id",
        )?;
        let waiting: Vec<(i64, String, Option<String>, Option<String>)> = stmt
            .query_map([wamid.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<crate::db::Result<_>>()?;
        for (revision_id, kind, new_text, new_type) in waiting {
            let previous: String = self.conn.query_row(
                "SELECT text FROM messages WHERE id = ?1",
                [message_id],
                |r| r.get(0),
            )?;
            self.conn.execute(
                "UPDATE message_revisions SET message_id = ?2, previous_text = ?3 WHERE id = ?1",
                params![revision_id, message_id, previous],
            )?;
            if kind == "edit" {
                self.conn.execute(
                    "UPDATE messages SET text = coalesce(?2, text), type = coalesce(?3, type),
                                         edited = 1 WHERE id = ?1",
                    params![message_id, new_text, new_type],
                )?;
            } else {
                self.conn.execute(
                    "UPDATE messages SET revoked = 1 WHERE id = ?1",
                    [message_id],
                )?;
            }
        }
        Ok(())
    }

    pub(super) fn message_changed(&self, wamid: &str, events: &mut Vec<StoreEvent>) -> Result<()> {
        let found: Option<(i64, i64)> = self
            .conn
            .prepare_cached("SELECT id, conversation_id FROM messages WHERE wamid = ?1")?
            .query_row([wamid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((message_id, conversation_id)) = found {
            events.push(StoreEvent::MessageChanged {
                conversation_id,
                message_id,
            });
        }
        Ok(())
    }
}
