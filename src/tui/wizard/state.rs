//! What each screen of the wizard holds. Every screen is a plain value: going back restores the
//! one before exactly as it was left.

use super::field::Field;
use crate::domain::onboarding::{NumberState, WaitingFor};
use crate::protocol::admin::SyncReport;
use crate::protocol::directory::TenantView;
use crate::protocol::{
    ConnectReport, DashboardView, HistoryProgressView, SignupCandidate, SignupPath, SignupView,
};
use crate::secret::Secret;

/// How the number is connected, chosen on the second screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathChoice {
    /// Meta's Embedded Signup; the number stays on the WhatsApp Business app.
    MetaCoexistence,
    /// Meta's Embedded Signup; an API-only number registered with its PIN.
    MetaDedicated,
    Kapso,
    /// A number already on the Business app, by its ids and a token: wait for the phone.
    CoexistenceByHand,
    Manual,
    Import,
    Dashboard,
}

impl PathChoice {
    pub const ALL: [PathChoice; 7] = [
        PathChoice::MetaCoexistence,
        PathChoice::MetaDedicated,
        PathChoice::Kapso,
        PathChoice::CoexistenceByHand,
        PathChoice::Manual,
        PathChoice::Import,
        PathChoice::Dashboard,
    ];

    /// The business comes back through a link to the engine's HTTP listener.
    pub fn needs_listener(self) -> bool {
        matches!(
            self,
            PathChoice::MetaCoexistence | PathChoice::MetaDedicated | PathChoice::Kapso
        )
    }
}

/// Kapso's connection-type choices, in the order the option cycles through them.
pub const KAPSO_TYPES: [&[&str]; 3] = [
    &["coexistence", "dedicated"],
    &["coexistence"],
    &["dedicated"],
];

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Tenant(TenantStep),
    Path(PathStep),
    Queue(QueueStep),
    Kapso(KapsoStep),
    Link(LinkStep),
    Choose(ChooseStep),
    Pin(PinStep),
    Manual(ManualStep),
    Coexistence(CoexistenceStep),
    History(HistoryStep),
    Import(ImportStep),
    Dashboard(DashboardStep),
    Summary(SummaryStep),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TenantStep {
    /// None while the engine is asked.
    pub tenants: Option<Vec<TenantView>>,
    /// A tenant's row, or `tenants.len()`: the new tenant's name.
    pub selected: usize,
    pub new_name: Field,
    pub error: Option<String>,
}

impl TenantStep {
    pub fn on_new_row(&self) -> bool {
        self.selected >= self.tenants.as_ref().map_or(0, Vec::len)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PathStep {
    pub selected: usize,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueStep {
    /// The tenant's queues; None while the engine is asked.
    pub queues: Option<Vec<String>>,
    /// A queue's row; then "no queue" when offered; then the new queue's name.
    pub selected: usize,
    pub new_name: Field,
    /// "No queue for now" is a choice (the import: numbers may stay without one).
    pub offer_none: bool,
    pub error: Option<String>,
}

impl QueueStep {
    fn listed(&self) -> usize {
        self.queues.as_ref().map_or(0, Vec::len)
    }

    pub fn rows(&self) -> usize {
        self.listed() + usize::from(self.offer_none) + 1
    }

    pub fn on_none_row(&self) -> bool {
        self.offer_none && self.selected == self.listed()
    }

    pub fn on_new_row(&self) -> bool {
        self.selected >= self.rows() - 1
    }
}

/// The rows of the Kapso options form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KapsoRow {
    Types,
    Provision,
    Country,
    Language,
    Colour,
    /// A Kapso number whose connection broke: the link refreshes that number instead of adding one.
    Reconnect,
}

impl KapsoRow {
    pub const ALL: [KapsoRow; 6] = [
        KapsoRow::Types,
        KapsoRow::Provision,
        KapsoRow::Country,
        KapsoRow::Language,
        KapsoRow::Colour,
        KapsoRow::Reconnect,
    ];
}

#[derive(Debug, Clone, PartialEq)]
pub struct KapsoStep {
    pub focus: usize,
    /// Index into `KAPSO_TYPES`.
    pub types: usize,
    pub provision: bool,
    pub country: Field,
    /// `en` or `es`: the setup page's language.
    pub language: &'static str,
    pub colour: Field,
    /// Empty for a new connection.
    pub reconnect: Field,
    pub error: Option<String>,
}

/// A Meta or Kapso link handed to the business, and the engine asked how it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkStep {
    pub path: SignupPath,
    pub signup: Option<SignupView>,
    /// A request about the link is out (begin, regenerate, revoke).
    pub working: bool,
    pub polling: bool,
    pub next_poll: i64,
    /// The engine refused to make the link (or to change it).
    pub error: Option<String>,
}

impl LinkStep {
    pub fn kapso(&self) -> bool {
        matches!(self.path, SignupPath::Kapso(_))
    }

    pub fn coexistence(&self) -> bool {
        match &self.path {
            SignupPath::Meta { coexistence } => *coexistence,
            SignupPath::Kapso(o) => o.connection_types.iter().any(|t| {
                crate::domain::ConnectionKind::parse(t)
                    == Some(crate::domain::ConnectionKind::Coexistence)
            }),
        }
    }

    /// Someone may still come back through the link.
    pub fn open(&self) -> bool {
        self.signup.as_ref().is_some_and(|s| !s.status.finished())
    }
}

/// Meta shared several numbers: the admin picks one.
#[derive(Debug, Clone, PartialEq)]
pub struct ChooseStep {
    pub signup: SignupView,
    pub selected: usize,
    pub finishing: bool,
    pub error: Option<String>,
}

/// A dedicated number's two-step verification PIN, typed hidden.
#[derive(Debug, Clone, PartialEq)]
pub struct PinStep {
    pub signup: SignupView,
    pub candidate: SignupCandidate,
    pub pin: Field,
    pub finishing: bool,
    /// Meta refused the last PIN (or something else failed): why.
    pub error: Option<String>,
    pub tries: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManualRow {
    PhoneNumberId,
    WabaId,
    Token,
}

impl ManualRow {
    pub const ALL: [ManualRow; 3] = [
        ManualRow::PhoneNumberId,
        ManualRow::WabaId,
        ManualRow::Token,
    ];
}

/// Ids and a token typed by hand (the token hidden).
#[derive(Debug, Clone, PartialEq)]
pub struct ManualStep {
    /// The number is on the WhatsApp Business app: wait for the phone before connecting.
    pub coexistence: bool,
    pub focus: usize,
    pub phone_number_id: Field,
    pub waba_id: Field,
    pub token: Field,
    pub checking: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoexistencePhase {
    /// Looking at the number every few seconds.
    Polling,
    /// Meta says it is on the app and the Cloud API: the engine connects it.
    Connecting,
    /// The time is up: what was still missing.
    TimedOut(WaitingFor),
    /// Meta refused the token: watching stopped (the same token cannot work later either).
    TokenRefused,
}

impl CoexistencePhase {
    /// Still watching or connecting: leaving now leaves that unfinished.
    pub fn watching(self) -> bool {
        matches!(
            self,
            CoexistencePhase::Polling | CoexistencePhase::Connecting
        )
    }
}

/// A number on the Business app, watched until the phone has confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct CoexistenceStep {
    pub phone_number_id: String,
    pub waba_id: String,
    /// Held for the checks and the connection; never drawn.
    pub token: Secret,
    pub started: i64,
    pub deadline: i64,
    pub next_check: i64,
    pub checking: bool,
    pub checks: u32,
    pub last: Option<NumberState>,
    pub phase: CoexistencePhase,
    /// The last check or the connection failed: why.
    pub error: Option<String>,
}

/// What Meta answered to the contacts and history sync: per kind, its request id or why not.
pub type SyncAnswers = Vec<(crate::protocol::SmbData, Result<String, String>)>;

/// A coexistence number connected: its contacts and history asked for, the import's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryStep {
    pub report: ConnectReport,
    /// The contacts and history were asked for (Meta allows it once).
    pub asked: bool,
    /// None until the engine answers; Err: the request itself failed.
    pub sync: Option<Result<SyncAnswers, String>>,
    pub progress: Option<HistoryProgressView>,
    pub polling: bool,
    pub next_poll: i64,
}

impl HistoryStep {
    pub fn done(&self) -> bool {
        self.progress
            .as_ref()
            .is_some_and(HistoryProgressView::done)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportStep {
    pub path: Field,
    /// The file read, with the path it was read from.
    pub content: Option<(String, String)>,
    pub working: bool,
    /// What applying it would change (a dry run).
    pub preview: Option<SyncReport>,
    /// What applying it changed.
    pub result: Option<SyncReport>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DashboardStep {
    pub view: Option<DashboardView>,
    pub revealed: bool,
    pub working: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SummaryStep {
    pub report: ConnectReport,
}
