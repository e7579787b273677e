//! What the engine answers: every response and the reports some carry.

use crate::admin::{EntryOutcome, JournalEntryView, QueuedView, TemplateView};
use crate::directory::{NumberView, TenantView};
use crate::template_sync::SyncReport;
use crate::views::{ConversationView, MessageView};
use crate::{
    DashboardView, DemoNumber, DoctorReport, EngineMode, EnrollmentView, HistoryProgressView, Role,
    SequencesView, SignupView, SmbData,
};
use serde::{Deserialize, Serialize};

/// A piece of a media file, in the answer itself (clients never read the engine's data dir).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFile {
    pub message_id: i64,
    pub mime_type: Option<String>,
    /// The whole file's size.
    pub bytes: usize,
    /// Where `data_base64` starts in the file.
    #[serde(default)]
    pub offset: u64,
    pub data_base64: String,
}

/// How far an upload has come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadProgress {
    pub upload_id: String,
    pub received: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Response {
    Hello(EngineInfo),
    Tenants(Vec<TenantView>),
    Tenant(TenantView),
    /// A tenant renamed or removed, and what went with it.
    TenantChanged(Box<crate::directory::TenantChange>),
    Numbers(Vec<NumberView>),
    Number(NumberView),
    Conversations(Vec<ConversationView>),
    Conversation(Box<ConversationView>),
    Queues(Vec<crate::directory::QueueView>),
    Agents(Vec<crate::directory::AgentView>),
    TokenCreated(crate::directory::TokenCreated),
    Tokens(Vec<crate::directory::TokenView>),
    TokenRevoked(crate::directory::TokenView),
    History(Vec<crate::directory::HandEvent>),
    AuditLog(Vec<crate::directory::AuditEntry>),
    Doctor(Box<DoctorReport>),
    Synced(Box<crate::admin::SyncReport>),
    Connected(Box<ConnectReport>),
    Signup(Box<SignupView>),
    HistoryProgress(Box<HistoryProgressView>),
    Signups(Vec<SignupView>),
    Dashboard(Box<DashboardView>),
    NumberState(Box<wabox_domain::onboarding::NumberState>),
    DemoNumbers(Vec<DemoNumber>),
    /// For contacts then history: the request id, or why it was not made.
    HistorySync(Vec<(SmbData, Result<String, String>)>),
    Attention {
        unrouted: i64,
        invalid: i64,
    },
    ConversationCounts(crate::directory::ConversationCounts),
    SearchResults(Vec<crate::admin::SearchHit>),
    Contact(Box<crate::admin::ContactDetails>),
    Messages(Vec<MessageView>),
    Journal(Vec<JournalEntryView>),
    Replayed(Vec<EntryOutcome>),
    Subscribed(Subscription),
    Hours(Vec<crate::directory::HoursView>),
    Report(Box<crate::report::ReportView>),
    Queued(QueuedView),
    Message(Box<MessageView>),
    Templates(Vec<TemplateView>),
    TemplatesSynced(Vec<SyncReport>),
    Media(MediaFile),
    Upload(UploadProgress),
    Sequences(Box<SequencesView>),
    Enrollment(Box<EnrollmentView>),
    Enrollments(Vec<EnrollmentView>),
    BroadcastPlan(Box<crate::broadcasts::BroadcastPlan>),
    Broadcast(Box<crate::broadcasts::BroadcastView>),
    Broadcasts(Vec<crate::broadcasts::BroadcastView>),
    /// The clock's offset from the system's, in seconds.
    Clock {
        offset_seconds: i64,
    },
    Done,
}

/// A subscription's answer: pushes follow on this connection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Subscription {
    /// Whose view the pushes are of (the `--as` user, or the caller): "mine" means theirs.
    pub user: String,
    /// Where this engine's pushes stand: what to give `Subscribe { since }` after a lost
    /// connection when no push came since (each push carries its own `seq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<crate::push::PushCursor>,
    /// The `since` asked for was remembered: the changes missed come as the next push, and
    /// nothing needs reading again. False: read what is shown again, as after `resync`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EngineInfo {
    pub version: String,
    pub mode: EngineMode,
    pub data_dir: String,
    pub user: String,
    /// The engine's `PROTOCOL_VERSION` (absent from an engine older than the handshake).
    #[serde(default)]
    pub protocol: u32,
    /// What the user asking may do; none for a user the engine does not know. Clients word
    /// what depends on it themselves (a failure's advice), so rows are the same for everyone.
    #[serde(default)]
    pub role: Option<Role>,
    /// How far the engine's clock runs ahead of the system's (a test or demo engine whose clock
    /// was moved): the engine's now, at which clients word windows and times.
    #[serde(default)]
    pub clock_offset_seconds: i64,
    /// For a caller with a token (`/api`): until when it lets them in (Unix seconds); none
    /// for a token without an expiry, or a local caller.
    #[serde(default)]
    pub token_expires_at: Option<i64>,
}

/// A number connected (or its token renewed), and what was set up around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectReport {
    pub number: NumberView,
    /// It was already this tenant's: its token was renewed, its conversations kept.
    pub renewed: bool,
    pub verified_name: Option<String>,
    pub status: Option<String>,
    pub quality_rating: Option<String>,
    /// The master app receives the WABA's webhooks.
    pub subscribed: bool,
    pub templates: usize,
    pub template_error: Option<String>,
    pub queue: Option<String>,
}
