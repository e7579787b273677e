//! Coexistence history: the chunks Meta posts of what the phone app held before, and their
//! messages, each stored once in its customer's conversation.

use super::*;

impl Ctx<'_> {
    pub(super) fn history_chunk(
        &self,
        number: &RoutedNumber,
        business: &str,
        chunk: &HistoryChunk,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO history_progress (number_id, phase, chunk_order, progress, error_code,
                                               error_title, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (number_id, phase, chunk_order) DO UPDATE SET
                    progress = CASE
                        WHEN coalesce(history_progress.progress, 0) > coalesce(excluded.progress, 0)
                        THEN coalesce(history_progress.progress, 0)
                        ELSE coalesce(excluded.progress, 0) END,
                    error_code = coalesce(excluded.error_code, history_progress.error_code),
                    error_title = coalesce(excluded.error_title, history_progress.error_title)",
            )?
            .execute(params![
                number.id,
                chunk.phase,
                chunk.chunk_order,
                chunk.progress,
                chunk.error.as_ref().map(|e| e.code),
                chunk.error.as_ref().map(|e| e.title.as_str()),
                self.now
            ])?;
        for thread in &chunk.threads {
            for m in &thread.messages {
                self.history_message(number, &thread.customer, business, m, events)?;
            }
        }
        Ok(())
    }

    /// History is imported silently: no unread count, and the window of today is not touched.
    pub(super) fn history_message(
        &self,
        number: &RoutedNumber,
        customer: &CustomerKey,
        business: &str,
        m: &HistoryMessage,
        events: &mut Vec<StoreEvent>,
    ) -> Result<()> {
        let outgoing = m.from.as_deref().is_some_and(|f| same_phone(f, business));
        let reactor = if outgoing { "business" } else { "customer" };
        if self.modifies_another(&m.wamid, &m.content, reactor, m.at, events)? {
            return Ok(());
        }
        let contact = self.contact(number.id, customer, None, m.at, events)?;
        let conversation = self.conversation_for_message(number.id, contact)?;
        let status = if outgoing {
            m.status
                .as_deref()
                .and_then(DeliveryStatus::parse)
                .map(|s| s.as_str())
        } else {
            None
        };
        let inserted = self.insert_message(
            &NewMessage {
                conversation,
                wamid: &m.wamid,
                direction: if outgoing { "out" } else { "in" },
                origin: Origin::History,
                content: &m.content,
                at: m.at,
                status,
                context: m.context.as_ref(),
                referral: None,
                payload: &m.payload,
                author: None,
                from_customer: None,
            },
            events,
        )?;
        history_media::stored(self.conn, inserted, number.id, m, events)
    }
}

/// The customer of a loose history message: whoever of `from` and `to` is not the business.
pub(super) fn history_customer(m: &HistoryMessage, business: &str) -> CustomerKey {
    let other = match (&m.from, &m.to) {
        (Some(f), to) if same_phone(f, business) => to.clone().unwrap_or_default(),
        (Some(f), _) => f.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => String::new(),
    };
    customer_key_from_id(&other)
}

/// Compares phone numbers by their digits (`+52 155…` and `52155…` are the same number).
pub(super) fn same_phone(a: &str, b: &str) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    !a.is_empty() && digits(a) == digits(b)
}
