//! What the inbox asks of the world outside it (`Effect`), and what each request was for
//! (`Tag`), so its answer lands in the right place or, if stale, nowhere.

use crate::protocol::{MediaFile, Request};

/// What a request was for, so its answer lands in the right place (or nowhere, if stale).
#[derive(Debug, Clone, PartialEq)]
pub enum Tag {
    /// Who the user is and the engine's clock, asked on each connect.
    Hello,
    Numbers,
    Conversations {
        generation: u64,
    },
    Messages {
        conversation_id: i64,
        older: bool,
    },
    Message {
        conversation_id: i64,
    },
    Templates {
        waba_id: String,
    },
    Send {
        conversation_id: i64,
        text: Option<String>,
        /// The message the send quotes, restored to the composer if the send is refused.
        reply: Option<Box<crate::tui::answers::ReplyDraft>>,
    },
    Retry,
    /// Our reaction queued (or removed).
    React,
    MarkRead,
    MarkUnread,
    /// The engine was told which conversation this inbox shows.
    Focus,
    Media {
        message_id: i64,
        open: bool,
    },
    Search {
        generation: u64,
    },
    /// The report screen's period, split by day or by agent.
    Report {
        generation: u64,
        by_agent: bool,
    },
    /// Open this conversation at this message (from a search result).
    Jump {
        message_id: i64,
    },
    /// Open this conversation, which the list does not show (`:open ID`).
    OpenById,
    /// How many conversations the sidebar's own views list.
    Counts,
    /// A file to write where the agent said (`s`, then the path).
    SaveAs {
        path: std::path::PathBuf,
    },
    /// The contact panel's details (also the answer to a note or a label change).
    Contact {
        conversation_id: i64,
    },
    /// Who claimed and moved the open conversation, for the contact panel.
    History {
        conversation_id: i64,
    },
    ConversationState,
    Attention,
    Queues,
    Claim,
    Transfer,
    Agents,
    /// An admin command from the `:` line; answers with queues or agents.
    AdminChange,
    Enrollments {
        conversation_id: i64,
    },
    Sequences,
    /// Started, paused, resumed or stopped a sequence.
    EnrollmentChange,
    /// The broadcasts for their popup.
    Broadcasts,
    /// Started, paused, resumed or cancelled a broadcast.
    BroadcastChange,
    /// For the connect wizard, which handles its own answers.
    Wizard(crate::tui::wizard::Tag),
    /// For a `:` command that answers in its own words, and for Tab's look-ups.
    Cmdline(crate::tui::cmdline::CmdTag),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Call(Tag, Request),
    Bell,
    Quit,
    /// Hand the composer's text to `$EDITOR` and take back what it saved.
    Editor,
    /// Write a downloaded file out, and open it if asked.
    SaveFile {
        file: MediaFile,
        open: bool,
    },
    /// Write a downloaded file where the agent chose.
    SaveFileAs {
        file: MediaFile,
        path: std::path::PathBuf,
    },
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Read a file for the wizard; its text goes back to `wizard_file`.
    ReadFile(crate::tui::wizard::Tag, String),
}
