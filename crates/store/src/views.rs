//! Read models for clients: conversations and messages as the CLI's `--json` and the TUI show them.

use super::{Result, StoreError};
use crate::db::{Connection, Dialect, OptionalExtension, params};
use crate::words::RowWords;
use wabox_domain::ServiceWindow;
use wabox_protocol::states::{ConversationState, MessageStatus};
pub use wabox_protocol::views::{
    BlockedView, ContactView, ConversationView, ErrorView, GroupView, LastMessageView, MessageView,
    QueueSelection, ReactionView, StateFilter, WindowView,
};

fn window_view(last_inbound_at: Option<i64>, now: i64) -> WindowView {
    let w = ServiceWindow::at(last_inbound_at, now);
    WindowView {
        open: w.is_open(),
        closes_at: w.boundary(),
    }
}

const CONVERSATION_SELECT: &str = "
    SELECT c.id, n.phone_number_id, n.display_phone, t.name, k.wa_id, k.user_id, k.name,
           c.state, c.unread, c.last_inbound_at, c.referral_at, c.last_message_text,
           c.last_message_at, c.snoozed_until, q.name, c.assignee, k.username, g.group_id, g.subject,
           c.queue_id, c.blocked_at, c.blocked_by,
           CASE WHEN q.sla_minutes IS NULL OR c.state = 'closed' THEN NULL
                ELSE q.sla_minutes * 60 + (SELECT i.at FROM messages i
                     WHERE i.conversation_id = c.id AND i.direction = 'in'
                       AND i.origin = 'customer'
                       AND i.at > COALESCE((SELECT o.at FROM messages o
                           WHERE o.conversation_id = c.id AND o.direction = 'out'
                             AND o.origin IN ('agent', 'phone_app')
                             AND (o.status IS NULL OR o.status <> 'failed')
                           ORDER BY o.at DESC, o.id DESC LIMIT 1), -1)
                     ORDER BY i.at, i.id LIMIT 1) END
    FROM conversations c
    JOIN numbers n ON n.id = c.number_id
    JOIN tenants t ON t.id = n.tenant_id
    JOIN contacts k ON k.id = c.contact_id
    LEFT JOIN queues q ON q.id = c.queue_id
    LEFT JOIN whatsapp_groups g ON g.contact_id = c.contact_id";

fn conversation_row(r: &crate::db::Row<'_>, now: i64) -> crate::db::Result<ConversationView> {
    let last_inbound_at: Option<i64> = r.get(9)?;
    let text: Option<String> = r.get(11)?;
    let at: Option<i64> = r.get(12)?;
    let snoozed_until: Option<i64> = r.get(13)?;
    let mut state: ConversationState = r.word(7)?;
    let group = r
        .get::<_, Option<String>>(17)?
        .map(|group_id| -> crate::db::Result<GroupView> {
            Ok(GroupView {
                group_id,
                subject: r.get(18)?,
            })
        })
        .transpose()?;
    // A group's contact row only holds the group's key: the group is shown as itself.
    let contact = match &group {
        Some(g) => ContactView {
            wa_id: None,
            user_id: None,
            name: g.subject.clone(),
            username: None,
        },
        None => ContactView {
            wa_id: r.get(4)?,
            user_id: r.get(5)?,
            name: r.get(6)?,
            username: r.get(16)?,
        },
    };
    // A snooze ends by itself when its time comes.
    if state == ConversationState::Snoozed && snoozed_until.is_some_and(|t| t <= now) {
        state = ConversationState::Open;
    }
    Ok(ConversationView {
        id: r.get(0)?,
        phone_number_id: r.get(1)?,
        display_phone: r.get(2)?,
        tenant: r.get(3)?,
        contact,
        snoozed_until: snoozed_until.filter(|_| state == ConversationState::Snoozed),
        state,
        queue: r.get(14)?,
        assignee: r.get(15)?,
        unread: r.get(8)?,
        last_inbound_at,
        window: window_view(last_inbound_at, now),
        from_ad: r.get::<_, Option<i64>>(10)?.is_some(),
        last_message: match (text, at) {
            (Some(text), Some(at)) => Some(LastMessageView { text, at }),
            _ => None,
        },
        group,
        queue_id: r.get(19)?,
        last_activity: at,
        blocked: match (
            r.get::<_, Option<i64>>(20)?,
            r.get::<_, Option<String>>(21)?,
        ) {
            (Some(at), by) => Some(BlockedView {
                at,
                by: by.unwrap_or_default(),
            }),
            (None, _) => None,
        },
        sla_due_at: r.get(22)?,
    })
}

/// Restricts `conversations c` to the state named by `:state` (all when NULL); `:now` decides
/// whether a snooze has ended, as `conversation_row` shows it.
pub(super) const STATE_SQL: &str = "(CAST(:state AS TEXT) IS NULL
    OR (:state = 'open' AND (c.state IN ('open', 'pending')
                             OR (c.state = 'snoozed' AND c.snoozed_until <= :now)))
    OR (:state = 'snoozed' AND c.state = 'snoozed'
        AND (c.snoozed_until IS NULL OR c.snoozed_until > :now))
    OR (:state = 'closed' AND c.state = 'closed'))";

/// What to list: one number, a text filter, one queue view, one state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationFilter {
    pub phone_number_id: Option<String>,
    pub text: Option<String>,
    pub queue: Option<QueueSelection>,
    pub state: Option<StateFilter>,
    /// Keyset paging: only conversations after this one in the list's order.
    pub before: Option<i64>,
}

/// Conversations the scope may see, by last activity, newest first.
pub fn conversations(
    conn: &Connection,
    scope: &super::scope::Scope,
    user: &str,
    filter: &ConversationFilter,
    limit: usize,
    now: i64,
) -> Result<Vec<ConversationView>> {
    // The number as its id or its display number, as the tables show it; another tenant's is
    // as unknown as none.
    let phone_number_id = match filter.phone_number_id.as_deref() {
        Some(p) => Some(
            super::queues::number_named(conn, p, scope.tenant())?
                .ok_or_else(|| {
                    StoreError::NotFound(wabox_protocol::ErrorCode::NoNumberListed {
                        number: p.to_string(),
                    })
                })?
                .phone_number_id,
        ),
        None => None,
    };
    // SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's is exact, its ILIKE is not.
    let like = match conn.dialect() {
        Dialect::Sqlite => "LIKE",
        Dialect::Postgres => "ILIKE",
    };
    // Conversations without a message last (SQLite's order for NULLs in a descending sort,
    // PostgreSQL's the other way round unless told).
    let sql = format!(
        "{CONVERSATION_SELECT}
         WHERE (CAST(:pnid AS TEXT) IS NULL OR n.phone_number_id = :pnid)
           AND (CAST(:pattern AS TEXT) IS NULL OR k.name {like} :pattern ESCAPE '\\'
                OR k.wa_id {like} :pattern ESCAPE '\\' OR k.user_id {like} :pattern ESCAPE '\\'
                OR c.last_message_text {like} :pattern ESCAPE '\\')
           AND (CAST(:queue AS BIGINT) IS NULL OR c.queue_id = :queue)
           AND (:no_queue = 0 OR c.queue_id IS NULL)
           AND (CAST(:mine AS TEXT) IS NULL OR c.assignee = :mine)
           AND (:unassigned = 0 OR c.assignee IS NULL)
           AND (CAST(:before AS BIGINT) IS NULL OR (c.last_message_at, c.id)
                < (SELECT last_message_at, id FROM conversations WHERE id = :before))
           AND {STATE_SQL}
           AND {}
         ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC LIMIT :limit",
        super::scope::SCOPE_SQL
    );
    let pattern = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| format!("%{}%", like_escape(f)));
    let queue = match filter.queue {
        Some(QueueSelection::Queue(q)) => Some(q),
        _ => None,
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        crate::named_params! {
            ":pnid": phone_number_id,
            ":pattern": pattern,
            ":queue": queue,
            ":no_queue": filter.queue == Some(QueueSelection::NoQueue),
            ":mine": (filter.queue == Some(QueueSelection::Mine)).then_some(user),
            ":unassigned": filter.queue == Some(QueueSelection::Unassigned),
            ":scope_tenant": scope.tenant(),
            ":scope_agent": scope.agent(),
            ":before": filter.before,
            ":state": filter.state.map(StateFilter::as_str),
            ":now": now,
            ":limit": limit as i64,
        },
        |r| conversation_row(r, now),
    )?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// `%`, `_` and the escape itself match literally in a LIKE pattern.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn conversation(conn: &Connection, id: i64, now: i64) -> Result<ConversationView> {
    let sql = format!("{CONVERSATION_SELECT} WHERE c.id = ?1");
    conn.prepare_cached(&sql)?
        .query_row([id], |r| conversation_row(r, now))
        .optional()?
        .ok_or_else(|| no_conversation(id))
}

/// `no conversation N`, as every lookup of one says it.
pub(crate) fn no_conversation(id: i64) -> StoreError {
    StoreError::NotFound(wabox_protocol::ErrorCode::NoConversationListed { conversation: id })
}

const MESSAGE_SELECT: &str = "
    SELECT m.id, m.wamid, m.direction, m.origin, m.type, m.text, m.at, m.status,
           m.error_code, m.error_title, m.reply_to, m.forwarded, m.edited, m.revoked,
           m.conversation_id, md.state, md.mime_type, md.bytes, md.error, md.path,
           m.payload, a.wa_id, a.user_id, a.name,
           md.state = 'failed' AND md.downloaded_at IS NOT NULL,
           CASE WHEN m.origin = 'agent'
                THEN (SELECT o.requested_by FROM outbox o WHERE o.message_id = m.id) END
    FROM messages m LEFT JOIN media md ON md.message_id = m.id
    LEFT JOIN contacts a ON a.id = m.author_contact_id";

fn message_row(r: &crate::db::Row<'_>) -> crate::db::Result<MessageView> {
    let code: Option<i64> = r.get(8)?;
    let title: Option<String> = r.get(9)?;
    let status: Option<MessageStatus> = r.word_opt(7)?;
    let kind: String = r.get(4)?;
    // A Flow's answers are read from the stored reply (the `interactive` object) as shown.
    let form = match (kind.as_str(), r.get::<_, Option<String>>(20)?) {
        ("interactive", Some(payload)) => serde_json::from_str(&payload)
            .ok()
            .and_then(|p| wabox_domain::forms::fields_of_interactive(&p)),
        _ => None,
    };
    let author_ids: (Option<String>, Option<String>) = (r.get(21)?, r.get(22)?);
    let author = match author_ids {
        (None, None) => None,
        (wa_id, user_id) => Some(ContactView {
            wa_id,
            user_id,
            name: r.get(23)?,
            username: None,
        }),
    };
    let error = match code {
        Some(code) => Some(ErrorView {
            code,
            title: title.unwrap_or_default(),
        }),
        // An uncertain send has no code, only the reason.
        None if status == Some(MessageStatus::Uncertain) => {
            title.map(|t| ErrorView { code: 0, title: t })
        }
        None => None,
    };
    Ok(MessageView {
        id: r.get(0)?,
        conversation_id: r.get(14)?,
        wamid: r.get(1)?,
        direction: r.word(2)?,
        origin: r.word(3)?,
        kind,
        text: r.get(5)?,
        at: r.get(6)?,
        status,
        error,
        reply_to: r.get(10)?,
        forwarded: r.get(11)?,
        edited: r.get(12)?,
        revoked: r.get(13)?,
        reactions: Vec::new(),
        previous_texts: Vec::new(),
        media: match r.word_opt::<wabox_protocol::states::MediaState>(15)? {
            Some(state) => Some(super::media::MediaView {
                state,
                mime_type: r.get(16)?,
                bytes: r.get(17)?,
                error: r.get(18)?,
                path: r.get(19)?,
                expired: r.get::<_, Option<bool>>(24)?.unwrap_or(false),
            }),
            None => None,
        },
        author,
        form,
        sent_by: r.get(25)?,
    })
}

/// Adds reactions and earlier texts to messages read by `message_row`.
fn decorate(conn: &Connection, messages: &mut [MessageView]) -> Result<()> {
    let mut reactions = conn.prepare_cached(
        "SELECT emoji, reactor FROM reactions WHERE message_wamid = ?1 AND emoji != ''
         ORDER BY at, reactor",
    )?;
    let mut revisions = conn.prepare_cached(
        "SELECT previous_text FROM message_revisions WHERE message_id = ?1 ORDER BY at, id",
    )?;
    for m in messages {
        m.reactions = reactions
            .query_map([&m.wamid], |r| {
                Ok(ReactionView {
                    emoji: r.get(0)?,
                    by: r.word(1)?,
                })
            })?
            .collect::<crate::db::Result<_>>()?;
        if m.edited || m.revoked {
            m.previous_texts = revisions
                .query_map([m.id], |r| r.get::<_, Option<String>>(0))?
                .filter_map(|t| t.transpose())
                .collect::<crate::db::Result<_>>()?;
        }
    }
    Ok(())
}

/// A conversation's messages, oldest first: the newest `limit`, or those before message `before`.
pub fn messages(
    conn: &Connection,
    conversation_id: i64,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<MessageView>> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT id FROM conversations WHERE id = ?1",
            [conversation_id],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Err(no_conversation(conversation_id));
    }
    // Keyset paging on (at, id): the newest page first, then reversed to read oldest first.
    let sql = format!(
        "{MESSAGE_SELECT}
         WHERE m.conversation_id = ?1
           AND (m.type != 'reaction' OR m.status IN ('failed', 'uncertain'))
           AND (CAST(?2 AS BIGINT) IS NULL
                OR (m.at, m.id) < (SELECT at, id FROM messages WHERE id = ?2))
         ORDER BY m.at DESC, m.id DESC LIMIT ?3"
    );
    let mut out: Vec<MessageView> = conn
        .prepare_cached(&sql)?
        .query_map(params![conversation_id, before, limit as i64], message_row)?
        .collect::<crate::db::Result<_>>()?;
    out.reverse();
    decorate(conn, &mut out)?;
    Ok(out)
}

/// One message by id.
pub fn message(conn: &Connection, id: i64) -> Result<MessageView> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.id = ?1");
    let mut found: Vec<MessageView> = conn
        .prepare_cached(&sql)?
        .query_map([id], message_row)?
        .collect::<crate::db::Result<_>>()?;
    if found.is_empty() {
        return Err(StoreError::NotFound(wabox_protocol::ErrorCode::NoMessage {
            message: id,
        }));
    }
    decorate(conn, &mut found)?;
    Ok(found.remove(0))
}
