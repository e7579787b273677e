//! Replies and reactions as Meta checks them: the simulator remembers which wamids each chat
//! (number, customer) holds, from the customer's messages, echoes and its own sends.
//!
//! Meta documents no error for a reply quoting an unknown message: the contextual bubble is
//! simply not shown (deleted or older than 30 days), so the message is delivered without its
//! quote, and the simulator records the dropped context. A reaction to a message that is not in
//! the chat is accepted and then fails with 131009, as Meta's reaction reference says; a
//! reaction reports only `sent`, never delivered or read.

use super::Simulator;
use serde_json::Value;

/// What a send's context and reaction target came to.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Answering {
    /// The wamid quoted, when the chat has it.
    pub quoted: Option<String>,
    /// The wamid a reply asked to quote and the chat does not have: sent without the quote.
    pub dropped_context: Option<String>,
    /// A reaction (Meta then reports only `sent`).
    pub reaction: bool,
    /// A reaction to a message the chat does not have: fails later with 131009.
    pub reaction_refused: bool,
}

impl Simulator {
    /// A wamid is now part of the chat between a number and a customer (by wa_id or BSUID).
    pub fn remember_in_chat(&self, phone_number_id: &str, customer: &[&str], wamid: &str) {
        let mut s = self.lock();
        for c in customer {
            s.chat_wamids.insert((
                phone_number_id.to_string(),
                c.to_string(),
                wamid.to_string(),
            ));
        }
    }

    fn in_chat(&self, phone_number_id: &str, recipient: &str, wamid: &str) -> bool {
        self.lock().chat_wamids.contains(&(
            phone_number_id.to_string(),
            recipient.to_string(),
            wamid.to_string(),
        ))
    }

    /// Checks a send's `context.message_id` and, for a reaction, `reaction.message_id`; a
    /// refusal is (code, message) for a request Meta refuses at once.
    pub(super) fn answering(
        &self,
        phone_number_id: &str,
        recipient: &str,
        kind: &str,
        v: &Value,
    ) -> Result<Answering, (i64, String)> {
        let mut out = Answering::default();
        if let Some(context) = v.get("context") {
            if kind == "reaction" {
                return Err((
                    100,
                    "(#100) A reaction message cannot be sent as a contextual reply".into(),
                ));
            }
            let Some(quoted) = context.get("message_id").and_then(Value::as_str) else {
                return Err((
                    131008,
                    "(#131008) Required parameter is missing: context.message_id".into(),
                ));
            };
            if self.in_chat(phone_number_id, recipient, quoted) {
                out.quoted = Some(quoted.to_string());
            } else {
                out.dropped_context = Some(quoted.to_string());
            }
        }
        if kind == "reaction" {
            out.reaction = true;
            let Some(target) = v.pointer("/reaction/message_id").and_then(Value::as_str) else {
                return Err((
                    131008,
                    "(#131008) Required parameter is missing: reaction.message_id".into(),
                ));
            };
            if v.pointer("/reaction/emoji")
                .and_then(Value::as_str)
                .is_none()
            {
                return Err((
                    131008,
                    "(#131008) Required parameter is missing: reaction.emoji".into(),
                ));
            }
            out.reaction_refused = !self.in_chat(phone_number_id, recipient, target);
        }
        Ok(out)
    }
}
