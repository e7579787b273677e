//! What a client asks the engine: every request, and what a send carries.

use crate::admin::JournalFilter;
use crate::views::{MessageRef, QueueSelection};
use crate::{ConversationState, EnrollmentControl, Role, SignupPath};
use serde::{Deserialize, Serialize};
use wabox_domain::{ConnectionKind, MediaKind};
use wabox_secret::Secret;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Hello,
    ListTenants,
    AddTenant {
        name: String,
    },
    /// Give a tenant another name (a typo fixed); everything it holds stays.
    RenameTenant {
        from: String,
        to: String,
    },
    /// Remove a tenant. Refused while it has numbers, naming them and all that would go; with
    /// `force`, everything it holds is removed with it (numbers, queues, conversations…).
    RemoveTenant {
        name: String,
        #[serde(default)]
        force: bool,
    },
    ListNumbers,
    AddNumber {
        tenant: String,
        phone_number_id: String,
        waba_id: String,
        display_phone: String,
        connection: ConnectionKind,
        /// Sealed by the engine as soon as it arrives; never stored or logged in the clear.
        access_token: Option<Secret>,
        /// The Meta business owning the WABA, if known: business-level webhooks route by it.
        #[serde(default)]
        business_id: Option<String>,
    },
    ListConversations {
        phone_number_id: Option<String>,
        limit: Option<usize>,
        /// Only conversations whose contact name, number or last message contains this text.
        #[serde(default)]
        filter: Option<String>,
        /// One queue, the conversations of no queue, mine, or unassigned ones.
        #[serde(default)]
        queue: Option<QueueSelection>,
        /// The next page: conversations listed after this one (by last activity).
        #[serde(default)]
        before: Option<i64>,
        /// Only open, snoozed or closed ones; every state when absent.
        #[serde(default)]
        state: Option<crate::views::StateFilter>,
        /// One queue by its name, for a client that knows names and not ids (`wabox
        /// conversations --queue`): found among the queues the caller sees. Not with `queue`.
        #[serde(default)]
        queue_name: Option<crate::views::QueueName>,
    },
    /// How many conversations the inbox's own views list (open, mine, unassigned, snoozed,
    /// closed), for the user asking.
    ConversationCounts,
    ListQueues,
    AddQueue {
        tenant: Option<String>,
        name: String,
        #[serde(default)]
        auto_assign: bool,
    },
    RenameQueue {
        tenant: Option<String>,
        from: String,
        to: String,
    },
    RemoveQueue {
        tenant: Option<String>,
        name: String,
    },
    /// Round-robin assignment of new conversations in a queue, on or off.
    SetAutoAssign {
        tenant: Option<String>,
        name: String,
        on: bool,
    },
    /// A queue's business hours: its IANA zone, its week (`mon-fri 09:00-18:00, sat
    /// 09:00-13:00`) and the away reply sent once a closed period (none: no reply).
    SetHours {
        tenant: Option<String>,
        queue: String,
        zone: String,
        week: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        away: Option<String>,
    },
    /// A holiday (`YYYY-MM-DD`, the queue's local date) closes the queue all day; `remove`
    /// takes one back.
    Holiday {
        tenant: Option<String>,
        queue: String,
        date: String,
        #[serde(default)]
        remove: bool,
    },
    /// The hours of the queues the caller may see, open or not now.
    ListHours,
    /// A queue's first-response target in minutes (its SLA); none clears it.
    SetSla {
        tenant: Option<String>,
        queue: String,
        minutes: Option<u32>,
    },
    /// The team's figures over a period (admins: every tenant or one; a tenant's admin: theirs).
    Report(crate::report::ReportQuery),
    /// Route a number (Meta's id or its display number) to a queue.
    AssignNumber {
        number: String,
        queue: String,
    },
    AddAgent {
        user: String,
        role: Role,
        tenant: Option<String>,
        #[serde(default)]
        queues: Vec<String>,
    },
    ListAgents,
    /// Make a token for `user` to reach the engine from elsewhere (`wabox login`). Its secret
    /// is in the answer, and nowhere else ever again.
    CreateToken {
        user: String,
        name: Option<String>,
        /// Seconds from now; none: until revoked.
        expires_in: Option<i64>,
    },
    /// The tokens the caller may see: all for an installation admin, their tenant's users'
    /// for a tenant's admin, their own for an agent.
    ListTokens,
    /// Revoke a token; its open sessions are closed.
    RevokeToken {
        id: i64,
    },
    /// Take an unassigned conversation (of two at once, one wins).
    Claim {
        conversation_id: i64,
    },
    /// Hand a conversation to another queue and/or agent, with a note for them.
    Transfer {
        conversation_id: i64,
        queue: Option<String>,
        agent: Option<String>,
        note: Option<String>,
    },
    /// Who claimed and moved a conversation.
    History {
        conversation_id: i64,
    },
    Audit {
        limit: Option<usize>,
    },
    /// What needs an admin: numbers without a queue, deliveries nobody can see.
    Doctor {
        /// Only what the store knows; Meta is not asked.
        #[serde(default)]
        offline: bool,
    },
    /// Connect a number by hand: checked with Meta (`GET /{phone-number-id}`) before it is
    /// stored; the app is subscribed to its WABA, templates synced, the queue chosen or created.
    ConnectManual {
        tenant: String,
        phone_number_id: String,
        waba_id: String,
        /// Sealed by the engine as soon as Meta has accepted it; never stored in the clear.
        access_token: Secret,
        queue: Option<String>,
        /// The Meta business owning the WABA; else asked of Meta (`owner_business_info`).
        #[serde(default)]
        business_id: Option<String>,
        /// A tenant not there yet is made, with the number and only if it connects (the wizard
        /// creates nothing before the admin confirms). Installation admins only.
        #[serde(default)]
        create_tenant: bool,
    },
    /// A number's onboarding state as Meta reports it, with a token not stored yet.
    CheckNumber {
        phone_number_id: String,
        access_token: Secret,
    },
    /// Ask Meta, once each, for a coexistence number's contacts and history (`smb_app_data`).
    RequestHistorySync {
        phone_number_id: String,
    },
    /// Start a browser signup (Meta Embedded Signup or a Kapso setup link) for a tenant: the
    /// answer carries the URL to open; the engine's callback completes it.
    BeginSignup {
        tenant: String,
        path: SignupPath,
        queue: Option<String>,
    },
    /// One signup, as it stands now.
    GetSignup {
        id: i64,
    },
    /// The signups the caller may see, newest first.
    ListSignups {
        tenant: Option<String>,
    },
    /// After Meta's callback: connect the chosen number (the only one when there is one), with
    /// the two-step verification PIN that registers a dedicated number.
    FinishSignup {
        id: i64,
        phone_number_id: Option<String>,
        pin: Option<Secret>,
    },
    /// Nobody may come back through this signup's link any more (Kapso's link is revoked too).
    RevokeSignup {
        id: i64,
    },
    /// A fresh link for the same tenant and choices; the old one is revoked.
    RegenerateSignup {
        id: i64,
    },
    /// What to enter in Meta's App Dashboard, with the public URL's handshake tried when asked.
    Dashboard {
        #[serde(default)]
        test: bool,
        #[serde(default)]
        reveal: bool,
    },
    /// How far a coexistence number's history import has come (from the `history` webhooks).
    HistoryProgress {
        phone_number_id: String,
    },
    /// Apply a `whatsapp-connections.json` (its text travels in the request).
    Sync {
        file_name: String,
        content: String,
        tenant: Option<String>,
        #[serde(default)]
        dry_run: bool,
        /// The named tenant is made if it is not there yet, with the numbers (a dry run leaves
        /// it unmade). Installation admins only.
        #[serde(default)]
        create_tenant: bool,
        /// The file's numbers that no queue receives yet go to this queue (made if new).
        #[serde(default)]
        queue: Option<String>,
    },
    /// Mark a conversation unread again (for later, or for a colleague).
    MarkUnread {
        conversation_id: i64,
    },
    GetConversation {
        conversation_id: i64,
    },
    /// How many deliveries wait for an admin: unrouted (an unknown number) and invalid.
    Attention,
    /// Every message whose text has all these words (as prefixes, accents folded), newest first.
    Search {
        query: String,
        limit: Option<usize>,
        /// The next page: hits older than this message id.
        #[serde(default)]
        before: Option<i64>,
    },
    /// The contact of a conversation: ids, labels and private notes.
    GetContact {
        conversation_id: i64,
    },
    ChangeLabels {
        conversation_id: i64,
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
    /// A private note on the contact: stored, never sent.
    AddNote {
        conversation_id: i64,
        text: String,
    },
    /// Open, closed, or snoozed until `snoozed_until` (unix seconds).
    SetConversationState {
        conversation_id: i64,
        state: ConversationState,
        snoozed_until: Option<i64>,
    },
    ListMessages {
        conversation_id: i64,
        before: Option<i64>,
        limit: Option<usize>,
    },
    ListJournal {
        filter: JournalFilter,
        limit: Option<usize>,
        /// The next page: entries older than this journal id.
        #[serde(default)]
        before: Option<i64>,
    },
    ReplayJournal {
        target: ReplayTarget,
    },
    /// Blocks the conversation's customer on its number (Meta's Block Users API): they can no
    /// longer write to it, nor it to them. Meta can block only a customer who wrote in the
    /// last 24 hours.
    Block {
        conversation_id: i64,
    },
    /// Lifts that block.
    Unblock {
        conversation_id: i64,
    },
    /// Opts the conversation's customer out of marketing (broadcasts skip them), or back in.
    SetOptOut {
        conversation_id: i64,
        opted_out: bool,
    },
    /// From now on, pushed events arrive on this connection. With `since` (the cursor of the
    /// last push a lost connection received), the changes made meanwhile come as one push
    /// instead of a reload, when this engine still remembers them (`Subscription::resumed`).
    Subscribe {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<crate::push::PushCursor>,
    },
    /// Pushes on this connection carry the messages of this conversation only (none when
    /// `None`): an inbox shows one conversation's messages, and every other conversation's
    /// change reaches it as its row. A connection that never asks gets the messages of every
    /// conversation it may see (a script following everything).
    Focus {
        conversation_id: Option<i64>,
    },
    /// Queue a message in a conversation; refused up front if Meta would refuse it.
    Send {
        conversation_id: i64,
        content: SendContent,
        /// A message of the conversation that this one answers (quoted above it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<MessageRef>,
    },
    /// Queue our reaction to a customer's message; an empty emoji removes ours.
    React {
        message: MessageRef,
        emoji: String,
    },
    GetMessage {
        message_id: i64,
    },
    /// Send a failed or uncertain message again (an agent's decision).
    RetryMessage {
        message_id: i64,
    },
    ListTemplates {
        phone_number_id: Option<String>,
    },
    SyncTemplates {
        phone_number_id: Option<String>,
    },
    /// Mark the customer's last message read (on opening a conversation) and clear unread.
    MarkRead {
        conversation_id: i64,
    },
    /// Up to `len` bytes (at most `FILE_CHUNK_BYTES`, the default) of a media message's
    /// downloaded file from `offset`: a file travels in as many answers as it takes.
    GetMedia {
        message_id: i64,
        #[serde(default)]
        offset: u64,
        #[serde(default)]
        len: Option<u64>,
    },
    /// Starts sending a file of `bytes` bytes to the engine in chunks; the answer names the
    /// upload, which a `Send` of media then uses.
    BeginUpload {
        bytes: u64,
    },
    /// The next chunk of an upload (at most `FILE_CHUNK_BYTES`), starting at `offset`.
    UploadChunk {
        upload_id: String,
        offset: u64,
        data_base64: String,
    },
    /// Download a failed media file again.
    RetryMedia {
        message_id: i64,
    },
    /// The sequences (the files are read again first) and the files refused.
    ListSequences,
    /// Enrolls a conversation in a sequence by hand.
    Enroll {
        sequence: String,
        conversation_id: i64,
    },
    /// Enrollments of a conversation, or every live one the caller may see.
    ListEnrollments {
        conversation_id: Option<i64>,
        /// Ended ones too.
        #[serde(default)]
        all: bool,
    },
    /// One enrollment with what it did.
    GetEnrollment {
        id: i64,
    },
    ControlEnrollment {
        id: i64,
        control: EnrollmentControl,
    },
    /// A broadcast of an approved template to a segment (`label:NAME`, `queue:NAME`,
    /// `wrote:YYYY-MM-DD..YYYY-MM-DD`, `csv:PATH` with the file's rows in `csv`), from one
    /// number; its recipients are resolved now, once. With `dry_run` nothing is stored.
    CreateBroadcast {
        template: String,
        language: String,
        segment: String,
        /// The sending number (Meta's id or its display number); none: the only one visible.
        #[serde(default)]
        from: Option<String>,
        /// `KEY=SOURCE`: `1=contact.name`, `first_name=csv.first_name`, `2=literal text`.
        #[serde(default)]
        params: Vec<String>,
        /// A CSV segment's rows, read by the client (the engine may be on another host).
        #[serde(default)]
        csv: Option<Box<wabox_domain::broadcast::CsvRows>>,
        /// Or the CSV file itself, uploaded before in chunks (`BeginUpload`, `UploadChunk`): a
        /// list of any size, where `csv` must fit in one request.
        #[serde(default)]
        csv_upload: Option<String>,
        /// What every send carries for the template's media header: a link, a media id already
        /// uploaded to Meta, or a place (a file would be uploaded once per customer: refused).
        #[serde(default)]
        header: Option<Box<wabox_domain::template_header::HeaderValue>>,
        #[serde(default)]
        dry_run: bool,
    },
    ControlBroadcast {
        id: i64,
        control: crate::broadcasts::BroadcastControl,
    },
    GetBroadcast {
        id: i64,
    },
    ListBroadcasts,
    /// Moves the engine's clock ahead (only an engine started with WABOX_MOVABLE_CLOCK=1: the
    /// tests and the demo), so that waits and windows pass in moments.
    AdvanceClock {
        seconds: i64,
    },
    /// The demo's simulated numbers and the tokens its simulator accepts (empty outside the
    /// demo), for the wizard's by-hand paths.
    DemoNumbers,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SendContent {
    Text {
        body: String,
    },
    Template {
        name: String,
        language: String,
        /// `value` (positional) or `name=value` (named placeholders).
        params: Vec<String>,
        /// What an IMAGE, VIDEO, DOCUMENT or LOCATION header shows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<wabox_domain::template_header::HeaderValue>,
    },
    /// A file, uploaded before in chunks (`BeginUpload`, `UploadChunk`): clients never share
    /// the engine's filesystem.
    Media {
        kind: MediaKind,
        /// The file's name (documents show it to the customer).
        filename: String,
        mime: String,
        upload_id: String,
        /// Not allowed on audio and stickers.
        caption: Option<String>,
    },
    /// A file on the client's side (the inbox's `:attach`). A client uploads it and sends
    /// `Media` instead: the engine never reads a client's filesystem, and refuses this.
    LocalFile {
        path: std::path::PathBuf,
        kind: MediaKind,
        filename: String,
        mime: String,
        caption: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayTarget {
    One(i64),
    AllUnrouted,
}
