//! A failed message's advice for whoever asks: agents are told an admin must act, admins get
//! the command (the inbox re-words it in the reader's language from the same code and flag).

use crate::i18n::Lang;
use crate::i18n::failures::{Audience, explain};
use crate::store::views::MessageView;

/// Marks the messages' failures as read by an admin, and words their English advice so.
pub(super) fn for_reader(messages: &mut [MessageView], admin: bool) {
    if !admin {
        return;
    }
    for e in messages.iter_mut().filter_map(|m| m.error.as_mut()) {
        e.for_admin = true;
        if let Some(text) = explain(e.code, Lang::En, Audience::Admin) {
            e.explanation = Some(text.to_string());
        }
    }
}
