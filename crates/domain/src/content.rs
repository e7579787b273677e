//! What a WhatsApp message carries, by type, and the one-line text wabox shows for it.

mod parse;
mod summary;

pub use parse::error_reason;

use super::calls::CallPermission;
use super::forms::FormField;

/// The content of one message, parsed from its `type` and the object of that name.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageContent {
    Text {
        body: String,
    },
    /// `image`, `video`, `audio`, `document` and `sticker` share this shape.
    Media {
        kind: String,
        media_id: Option<String>,
        mime_type: Option<String>,
        caption: Option<String>,
        filename: Option<String>,
        voice: bool,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts {
        /// `Name +phone` for each shared contact.
        cards: Vec<String>,
    },
    /// An interactive reply: `button_reply`, `list_reply` or `nfm_reply` (Flows).
    Interactive {
        reply_type: String,
        id: Option<String>,
        title: String,
    },
    /// A completed WhatsApp Flow (`nfm_reply`): what the customer filled in, `flow_token` left out.
    FlowReply {
        fields: Vec<FormField>,
        /// What WhatsApp showed the customer on sending (`Sent`).
        body: String,
    },
    /// The customer's answer to a call permission request (`call_permission_reply`).
    CallPermissionReply(CallPermission),
    /// An `interactive` message without its object: Meta sends it so, with `errors`, when the
    /// customer's reply is one it cannot deliver. Kept whole, shown with the reason Meta gives.
    UnreadableInteractive {
        reason: Option<String>,
    },
    /// A tap on a template's quick-reply button.
    Button {
        payload: Option<String>,
        text: String,
    },
    /// A reaction to another message; an empty emoji removes it.
    Reaction {
        target: String,
        emoji: String,
    },
    Order {
        item_count: usize,
        text: Option<String>,
    },
    System {
        body: String,
        system_type: Option<String>,
        new_wa_id: Option<String>,
    },
    /// Meta's own `unsupported` type (e.g. polls), with the type it names when it does.
    Unsupported {
        kind: Option<String>,
    },
    /// The customer edited an earlier message.
    Edit {
        original: String,
        new_content: Box<MessageContent>,
    },
    /// The customer deleted an earlier message.
    Revoke {
        original: String,
    },
    /// A file in a coexistence history import whose media Meta sends later, in a separate
    /// `history` post with the same wamid (only for files of the last 14 days).
    MediaPlaceholder,
    /// A type this version of wabox does not know: kept with its raw JSON, shown as unsupported.
    Unknown {
        kind: String,
    },
}

impl MessageContent {
    /// The message's `type` as Meta names it.
    pub fn kind(&self) -> &str {
        match self {
            MessageContent::Text { .. } => "text",
            MessageContent::Media { kind, .. } => kind,
            MessageContent::Location { .. } => "location",
            MessageContent::Contacts { .. } => "contacts",
            MessageContent::Interactive { .. }
            | MessageContent::FlowReply { .. }
            | MessageContent::CallPermissionReply(_)
            | MessageContent::UnreadableInteractive { .. } => "interactive",
            MessageContent::Button { .. } => "button",
            MessageContent::Reaction { .. } => "reaction",
            MessageContent::Order { .. } => "order",
            MessageContent::System { .. } => "system",
            MessageContent::Unsupported { .. } => "unsupported",
            MessageContent::Edit { .. } => "edit",
            MessageContent::Revoke { .. } => "revoke",
            MessageContent::MediaPlaceholder => "media_placeholder",
            MessageContent::Unknown { kind } => kind,
        }
    }
}

impl MessageContent {
    /// Whether this message, sent by the customer, opens (or resets) the service window. Meta
    /// says a message or a call does; reactions, edits, deletions and system notices are not
    /// messages the customer wrote to us, and counting them could let a doomed send through.
    pub fn opens_window(&self) -> bool {
        !matches!(
            self,
            MessageContent::Reaction { .. }
                | MessageContent::Edit { .. }
                | MessageContent::Revoke { .. }
                | MessageContent::System { .. }
        )
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod window_tests;

#[cfg(test)]
mod interactive_tests;
