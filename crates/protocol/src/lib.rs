//! The client API: the requests the TUI and the CLI make, the answers, and the pushed events.
//! The same types go over the Unix socket (newline-delimited JSON) and in-process.

pub use crate::views::QueueSelection;

pub mod admin;
pub mod broadcasts;
mod demo;
pub mod error;
pub use error::{ApiError, ErrorCode, ErrorKind, PROTOCOL_VERSION};
pub mod states;
pub use states::{
    ConnectedVia, ConversationState, Direction, EngineMode, EnrollmentState, MediaState,
    MessageStatus, Origin, Reactor, Role, SignupVia, SmbData,
};
pub mod directory;
pub mod listing;
pub mod push;
pub mod report;
pub mod template_sync;
pub mod views;
pub use demo::DemoNumber;
mod sequences;
pub use sequences::{
    EnrollmentControl, EnrollmentLogEntry, EnrollmentView, SequenceFileError, SequenceView,
    SequencesView,
};
mod signup;
pub use signup::{
    DashboardView, HistoryMediaProgress, HistoryProgressView, KapsoLinkOptions, PathCheck,
    SignupCandidate, SignupPath, SignupStatus, SignupView,
};
mod doctor;
pub use doctor::{DoctorReport, EngineStatus, JOURNAL_BEHIND_SECONDS, NumberHealth};
mod request;
pub use request::{ReplayTarget, Request, SendContent};
mod response;
pub use response::{ConnectReport, EngineInfo, MediaFile, Response, Subscription, UploadProgress};
mod wire;
pub use wire::{
    AnswerResult, FILE_CHUNK_BYTES, MAX_PAGE, MAX_REQUEST_BYTES, RequestFrame, SESSION_PING_EVERY,
    SESSION_SILENT_FOR, ServerFrame,
};
