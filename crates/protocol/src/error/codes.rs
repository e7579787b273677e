//! Every code, its parameters, its kind and its English sentence. Strings that a user or a
//! customer typed (names, files) stay parameters; `detail` and `meta` hold words from below
//! (an I/O error, Meta's or Kapso's answer) as they came.

use super::ErrorKind;
use serde::{Deserialize, Serialize};

codes! {
    // --- who may do what
    AgentNotAdmin { user: String } : Forbidden =>
        format!("{user} is an agent: only an admin can do this");
    TenantAdminOnly { user: String } : Forbidden =>
        format!("{user} is the admin of one tenant: only an installation admin can do this");
    NotAUser { user: String } : Forbidden =>
        format!("{user} is not a wabox user: an admin adds them with `wabox agents add {user}`");
    NotAUserToConnect { user: String } : Forbidden =>
        format!("{user} is not a wabox user: an admin adds them with `wabox agents add {user} --queue QUEUE`");
    UserConnectionsFull { user: String, max: u64 } : Unavailable =>
        format!("{user} already holds {max} connections to the engine: close some (other wabox commands or inboxes) and try again");
    EngineConnectionsFull { max: u64 } : Unavailable =>
        format!("the engine holds {max} connections already: try again in a moment, or ask an admin to look at who holds them");
    TokenRevoked {} : Forbidden =>
        "your token was revoked: ask an admin for a new one, then `wabox login` again".to_string();
    NoToken { id: i64 } : NotFound =>
        format!("no token {id} that you may see (`wabox token list` shows them)");
    TokenForNobody { user: String } : NotFound =>
        format!("{user} is not a wabox user: an admin adds them with `wabox agents add {user}` before making them a token");
    NotYourTenantsUser { user: String } : Forbidden =>
        format!("{user} is not a user of your tenant: an installation admin can change them");
    InstallationAdminOnlyChanges { user: String } : Forbidden =>
        format!("{user} is an installation admin: only an installation admin can change them");
    AdminOfEveryTenant {} : Forbidden =>
        "only an installation admin can make an admin of every tenant: give --tenant".to_string();
    ActAsNotAdmin { user: String } : Forbidden =>
        format!("{user} is not an admin: only admins can act as another user");
    ActAsInstallationAdmin { target: String } : Forbidden =>
        format!("{target} is an installation admin: a tenant's admin cannot act as them");
    ActAsOtherTenant { target: String } : Forbidden =>
        format!("{target} is not of your tenant: you can act only as its users");
    ClockAdminOnly {} : Forbidden => "only an admin may move the clock".to_string();
    ClockFixed {} : Unavailable =>
        "this engine's clock cannot be moved (only an engine started with WABOX_MOVABLE_CLOCK=1: tests and the demo)".to_string();

    // --- things not there
    NoTenant { name: String } : NotFound => format!("no tenant named {name:?}");
    NoTenantListed { name: String } : NotFound =>
        format!("no tenant named {name:?}: `wabox tenants list` shows them");
    NoTenantAddFirst { name: String } : NotFound =>
        format!("no tenant named {name:?}: add it first with `wabox tenants add {name:?}`");
    NoTenantYet {} : Invalid => "no tenant yet: `wabox tenants add NAME` first".to_string();
    SeveralTenants {} : Invalid =>
        "there are several tenants: say which with --tenant NAME".to_string();
    QueueInSeveralTenants { queue: String, tenants: Vec<String>, shell: String, inbox: String } : Invalid =>
        format!("queue {queue:?} is in several tenants ({}): say which — `--tenant {shell}` on the command line, `{inbox}` in the inbox's : commands", tenants.join(", "));
    TenantForNewQueue { queue: String, tenants: Vec<String>, shell: String, inbox: String } : Invalid =>
        format!("there are several tenants ({}): say which gets queue {queue:?} — `--tenant {shell}` on the command line, `{inbox}` in the inbox's : commands", tenants.join(", "));
    NoQueue { name: String } : NotFound =>
        format!("no queue named {name:?}: `wabox queues list` shows them");
    NoQueueAnywhere { name: String } : NotFound =>
        format!("no queue named {name:?} in any tenant: `wabox queues list` shows them");
    QueuesOfSeveralTenants { queues: Vec<String> } : Invalid =>
        format!("no tenant has all of the queues {}: an agent's queues are of one tenant", queues.join(", "));
    NoNumber { number: String } : NotFound => format!("no number {number:?}");
    NoNumberBare { number: String } : NotFound => format!("no number {number}");
    NoNumberListed { number: String } : NotFound =>
        format!("no number {number:?}: `wabox numbers list` shows them");
    TenantHasNoNumber { number: String } : NotFound =>
        format!("the tenant has no number {number}: `wabox numbers list` shows its numbers");
    NoConversation { conversation: i64 } : NotFound => format!("no conversation {conversation}");
    NoConversationListed { conversation: i64 } : NotFound =>
        format!("no conversation {conversation}: `wabox conversations` lists them");
    NoMessage { message: i64 } : NotFound => format!("no message {message}");
    NoMessageListed { message: i64 } : NotFound =>
        format!("no message {message}: `wabox messages CONVERSATION_ID --json` shows their ids");
    /// A message named by a reference (an id, or a wamid of the conversation).
    NoMessageNamed { message: String } : NotFound => format!("no message {message}");
    NoMessageNamedListed { message: String } : NotFound =>
        format!("no message {message}: `wabox messages CONVERSATION_ID --json` shows their ids");
    NoJournalEntry { id: i64 } : NotFound =>
        format!("no journal entry {id}: `wabox journal` lists them");
    NoEnrollment { id: i64 } : NotFound => format!("no enrollment {id}");
    NoSignup { id: i64 } : NotFound => format!("no signup {id}");
    NoAgentHere { agent: String } : NotFound =>
        format!("no agent {agent:?} in this conversation's tenant: `wabox agents list` shows them");
    AgentVanished { user: String } : Internal => format!("agent {user} vanished");
    NoSequence { name: String, loaded: Vec<String> } : NotFound =>
        format!("no sequence {name:?} (loaded: {}): `wabox sequences list` shows them and any file refused",
            if loaded.is_empty() { "none".to_string() } else { loaded.join(", ") });
    NoUpload { upload: String } : NotFound =>
        format!("no upload {upload} is under way (it finished, was abandoned for 10 minutes, or the engine restarted): send the file again");
    NoMedia { message: i64 } : NotFound => format!("message {message} has no media");
    NumberJustAddedMissing {} : Internal => "the number just added is missing".to_string();
    NumberJustConnectedMissing {} : Internal => "the number just connected is missing".to_string();

    // --- names, labels, notes, states
    TenantExists { name: String } : Conflict =>
        format!("tenant {name:?} already exists (names are compared ignoring case and width)");
    QueueExists { name: String } : Conflict =>
        format!("queue {name:?} already exists (names are compared ignoring case and width)");
    QueueStillReceives { name: String, numbers: Vec<String> } : Conflict =>
        format!("queue {name:?} still receives +{}: assign those numbers to another queue first (`wabox queues assign NUMBER QUEUE`)", numbers.join(", +"));
    TenantStillHolds { name: String, numbers: Vec<String>, holds: String } : Conflict =>
        format!("tenant {name:?} still has {}. `wabox tenants remove {name:?} --force` removes it for good with everything it holds: {holds}. To keep them, rename the tenant instead (`wabox tenants rename`)",
            if numbers.len() == 1 { format!("a number, {}", numbers[0]) } else { format!("numbers: {}", numbers.join(", ")) });
    ReferencesTooDeep { table: String } : Internal =>
        format!("the references to {table} run too deep to remove safely");
    BadRole { role: String } : Invalid => format!("a role is admin or agent, not {role:?}");
    BadLabel { label: String } : Invalid =>
        format!("a label is 1 to 40 printable characters, not {:?}", wabox_domain::text::visible_line(label));
    TokenForWhom {} : Invalid => "say whom the token is for: `wabox token create USER`".to_string();
    TokenNameTooLong { max: u64 } : Invalid => format!("a token's name is at most {max} characters");
    TokenExpiryPast {} : Invalid => "a token's expiry must be in the future".to_string();
    EmptyNote {} : Invalid => "a note needs some text".to_string();
    BadConversationState { state: String } : Invalid =>
        format!("a conversation is open, closed or snoozed, not {state:?}");
    SearchAWord {} : Invalid => "search for at least one word".to_string();
    SayWhereTo {} : Invalid => "say where to: --queue NAME and/or --to USER".to_string();
    AlreadyClaimed { conversation: i64, holder: Option<String> } : Conflict =>
        format!("conversation {conversation} is already {}'s", holder.as_deref().unwrap_or("someone else"));
    NumberExists { phone_number_id: String } : Conflict =>
        format!("phone number id {phone_number_id} is already stored: `wabox numbers list` shows it");
    OtherTenantsNumber { phone_number_id: String } : Conflict =>
        format!("number {phone_number_id} belongs to another tenant: it cannot be connected here");
    SyncRowNotStored { label: String, digits: String, detail: String } : Invalid =>
        format!("{label}: +{digits} could not be stored: {detail}");
    /// A value a lower layer refused, in that layer's words (a name too long, an id not digits).
    InvalidValue { detail: String } : Invalid => detail.clone();

    // --- messages and sending
    NotRetryable { message: i64, status: String } : Conflict =>
        format!("message {message} is {status}: only failed or uncertain messages can be retried");
    NotOursToRetry { message: i64 } : NotFound =>
        format!("message {message} was not sent by wabox, so it cannot be retried");
    NoTokenToSend { phone_number_id: String } : Unavailable =>
        format!("number {phone_number_id} has no access token: an admin must connect it before it can send");
    CannotReply { detail: String } : Invalid => format!("cannot reply to it: {detail}");
    CannotReact { detail: String } : Invalid => format!("cannot react: {detail}");
    WindowClosed { closed: String, templates: Vec<String>, conversation: i64 } : Invalid =>
        format!("the 24-hour window {closed}: {}", instead(templates, *conversation));
    NoWindow { templates: Vec<String>, conversation: i64 } : Invalid =>
        format!("the customer has not written to this number, so there is no 24-hour window: {}", instead(templates, *conversation));
    ClientSideFile { path: String } : Invalid =>
        format!("{} is a file on the client's side: a client uploads it first (BeginUpload, UploadChunk) and sends the upload", wabox_domain::text::visible_line(path));
    FileNotStored { detail: String } : Internal => format!("could not store the file: {detail}");
    FileNotStoredInDataDir { detail: String } : Internal =>
        format!("could not store the file in the data dir: {detail}");
    UploadUnreadable { filename: String, detail: String } : Internal =>
        format!("{filename}: could not read the upload ({detail})");
    FileRefused { filename: String, detail: String } : Invalid => format!("{filename}: {detail}");
    HeaderFileNotUploaded {} : Invalid =>
        "the header's file must be uploaded to the engine first (the engine never reads a client's files)".to_string();
    HeaderMimeRefused { filename: String, mime: String } : Invalid =>
        format!("{filename}: WhatsApp cannot send {mime} in a template header");
    TemplateRefused { detail: String } : Invalid => detail.clone();
    MarkedReadHereOnly { meta: String } : RefusedByMeta =>
        format!("marked read here, but not on WhatsApp: {meta}");
    SayWhichNumberToSync {} : Invalid =>
        "say which number's templates to sync: --number PHONE_NUMBER_ID".to_string();

    // --- media and uploads
    MediaNotDownloaded { message: i64, detail: String } : Unavailable =>
        format!("the file of message {message} could not be downloaded ({detail}): `wabox media retry {message}`");
    StillDownloading { message: i64 } : Unavailable =>
        format!("the file of message {message} is still downloading");
    StoredFileMissing { message: i64, detail: String } : Internal =>
        format!("the stored file is missing ({detail}): `wabox media retry {message}`");
    MediaNotRefetchable { message: i64, detail: String } : Conflict =>
        format!("the media of message {message} cannot be fetched again: {detail}");
    MediaNotFailed { message: i64 } : Conflict =>
        format!("the media of message {message} has not failed: nothing to retry");
    FileTooBig { size: String, largest: String } : Invalid =>
        format!("the file is {size}; WhatsApp takes no file larger than {largest}");
    UploadsBusy { max: u64 } : Unavailable =>
        format!("{max} uploads of yours are under way already: let them finish (or wait 10 minutes) and try again");
    UploadNotStarted { detail: String } : Internal => format!("could not start the upload: {detail}");
    UploadNotStartedInDataDir { detail: String } : Internal =>
        format!("could not start the upload in the data dir: {detail}");
    ChunkNotBase64 { detail: String } : Invalid =>
        format!("a chunk of the file is not valid base64 ({detail})");
    ChunkTooBig { bytes: u64, max: u64 } : Invalid =>
        format!("a chunk of {bytes} bytes is over the {max}-byte limit");
    ChunkStillWriting {} : Conflict =>
        "the previous chunk of this upload is still being written: send chunks one after another".to_string();
    ChunkOutOfPlace { offset: u64, received: u64 } : Conflict =>
        format!("a chunk at byte {offset} of an upload that has {received} bytes: send from there");
    ChunksOverAnnounced { bytes: u64 } : Invalid =>
        format!("the chunks add up to more than the {bytes} bytes announced");
    UploadNotWritten { detail: String } : Internal =>
        format!("could not write the upload in the data dir ({detail}): send the file again");
    UploadIncomplete { received: u64, bytes: u64 } : Invalid =>
        format!("the upload has {received} of its {bytes} bytes: send the rest before the message");

    // --- sequences
    SequenceOtherTenant { sequence: String, tenant: String, conversation: i64, belongs_to: String } : Invalid =>
        format!("sequence {sequence} runs for tenant {tenant}, and conversation {conversation} belongs to {belongs_to}");
    SequenceElsewhere { sequence: String, numbers: Vec<String>, display_phone: String } : Invalid =>
        format!("sequence {sequence} runs only on {}, not on +{display_phone}", numbers.join(", "));
    InSequence { conversation: i64, sequence: String } : Conflict =>
        format!("conversation {conversation} is already in sequence {sequence} (`wabox sequences status --conversation {conversation}`)");
    EnrollmentEnded { id: i64, state: String } : Conflict =>
        format!("enrollment {id} has ended ({state}): enroll the conversation again to start over");

    // --- connecting numbers
    NotABusinessId { id: String } : Invalid =>
        format!("{id:?} is not a business id: Meta's ids are digits (Business settings → Business info)");
    NotAMetaId { id: String, what: String } : Invalid =>
        format!("{id:?} is not a {what}: Meta's ids are digits (WhatsApp Manager → Phone numbers)");
    TokenNeeded {} : Invalid => "an access token is needed to connect a number".to_string();
    KapsoMarkerTyped {} : Invalid =>
        "that is not a Meta access token: numbers reached through Kapso are connected with `wabox connect kapso`".to_string();
    TokenRefusedTyped { meta: String, code: i64 } : TokenRefused =>
        format!("Meta refused this token: check it (copied whole, from the business that owns this number, not expired) and try again (Meta: {meta}; code {code})");
    MetaDidNotConfirm { meta: String } : RefusedByMeta => format!("Meta did not confirm the number: {meta}");
    MetaDidNotConfirmToken { meta: String } : TokenRefused => format!("Meta did not confirm the number: {meta}");
    MetaDidNotAnswer { meta: String } : RefusedByMeta => format!("Meta did not answer about the number: {meta}");
    MetaDidNotAnswerToken { meta: String } : TokenRefused => format!("Meta did not answer about the number: {meta}");
    NoDisplayNumber {} : RefusedByMeta =>
        "Meta answered without the number's display number".to_string();
    BadHours { detail: String } : Invalid => detail.clone();
    BlockRefused { meta: String } : RefusedByMeta =>
        format!("Meta did not block the customer: {meta}");
    UnblockRefused { meta: String } : RefusedByMeta =>
        format!("Meta did not lift the block: {meta}");
    BroadcastRefused { detail: String } : Invalid =>
        format!("the broadcast is not created: {detail}");
    NoBroadcast { id: i64 } : NotFound =>
        format!("no broadcast {id} that you may see (`wabox broadcast list` shows them)");
    BroadcastNotNow { id: i64, state: String, action: String } : Conflict =>
        format!("broadcast {id} is {state}: it cannot {action} now (`wabox broadcast status {id}`)");
    BroadcastNeedsNumber { numbers: Vec<String> } : Invalid =>
        format!("say which number sends it: --from NUMBER (one of {})", numbers.join(", "));
    CustomerBlocked { conversation: i64 } : Invalid =>
        format!("the customer of conversation {conversation} is blocked on this number: neither of you can write to the other until `wabox unblock {conversation}`");
    NotBlockable { conversation: i64 } : Invalid =>
        format!("conversation {conversation} cannot be blocked: Meta blocks a customer by their phone number, and this one is a group or has none");
    BadReport { detail: String } : Invalid => format!("cannot make the report: {detail}");
    SubscribeFailed { waba: String, meta: String } : RefusedByMeta =>
        format!("the number is fine, but the app could not subscribe to WABA {waba}: {meta}");
    NoConnectedNumber { phone_number_id: String } : NotFound =>
        format!("no connected number {phone_number_id}: connect it first (`wabox connect coexistence`)");
    DedicatedNoHistory { phone_number_id: String } : Invalid =>
        format!("{phone_number_id} is a dedicated number: only numbers on the WhatsApp Business app have a history to import");
    NotViaKapso { display_phone: String } : Invalid =>
        format!("+{display_phone} was not connected through Kapso: reconnect it the way it was connected (`wabox connect meta` or `wabox connect manual`)");

    // --- signups and configuration
    NoPublicUrl {} : Unavailable =>
        "no public URL: set [webhook] public_url to the HTTPS address that reaches this engine's listener (`wabox connect dashboard` shows what Meta needs)".to_string();
    PublicUrlNotAUrl { detail: String } : Unavailable =>
        format!("[webhook] public_url is not a URL: {detail}");
    NoKapsoKey {} : Unavailable =>
        "no Kapso API key: set [kapso] api_key (or WABOX_KAPSO_API_KEY) and restart the engine (Kapso's dashboard → Project settings → API keys)".to_string();
    KapsoNoCustomer { tenant: String, meta: String } : RefusedByMeta =>
        format!("Kapso did not make a customer for {tenant}: {meta}");
    KapsoNoLink { meta: String } : RefusedByMeta => format!("Kapso did not make a setup link: {meta}");
    KapsoNoCustomerToRevoke {} : Conflict =>
        "the tenant has no customer on Kapso to revoke the link with".to_string();
    KapsoDidNotRevoke { meta: String } : RefusedByMeta => format!("Kapso did not revoke the link: {meta}");
    SignupRevokedKapsoNotTold { id: i64, cause: String } : RefusedByMeta =>
        format!("signup {id} is revoked in wabox (its callback is refused and attaches nothing), but Kapso was not told: {cause}");
    SignupNotRemade { id: i64, detail: String } : Internal =>
        format!("signup {id} cannot be remade: {detail}");
    NameTheTenant {} : Invalid => "name the tenant (the business) the number is for".to_string();
    NoAppId {} : Unavailable =>
        "no app id: set [meta] app_id (App Dashboard → Settings → Basic)".to_string();
    NoSignupConfig {} : Unavailable =>
        "no Embedded Signup configuration: set [meta] config_id (App Dashboard → WhatsApp → Embedded Signup → Configuration ID)".to_string();
    DialogUrlNotAUrl { detail: String } : Unavailable =>
        format!("[meta] dialog_base_url is not a URL: {detail}");
    /// A setting the engine needs is missing or refused, in the configuration's words.
    Misconfigured { detail: String } : Unavailable => detail.clone();
    NobodyCameBack {} : Conflict =>
        "nobody has come back through this link yet: open it and log in first".to_string();
    SignupFinished { id: i64, status: String } : Conflict =>
        format!("signup {id} is {status}; start a new one");
    /// Another finisher (the engine itself, or another admin's command) is connecting it.
    SignupBeingConnected { id: i64 } : Conflict =>
        format!("signup {id}'s number is being connected already: wait for it to finish");
    NotShared { phone_number_id: String, shared: String } : Invalid =>
        format!("{phone_number_id} is not among the numbers Meta shared: {shared}");
    PickOne { count: u64, shared: String } : Invalid =>
        format!("Meta shared {count} numbers; pick one: {shared}");
    PinNeeded { display_phone: String } : Invalid =>
        format!("+{display_phone} is a dedicated number: type its 6-digit two-step verification PIN to register it");
    PinRefused { display_phone: String, meta: String } : RefusedByMeta =>
        format!("Meta did not register +{display_phone} with that PIN: {meta} (Meta allows 10 tries in 72 hours)");

    // --- the engine, the socket and the protocol
    StoreFailed { detail: String } : Internal => detail.clone();
    QueryFailed { detail: String } : Internal => format!("a query failed: {detail}");
    WrongRequest { area: String, request: String } : Internal =>
        format!("not a {area} request: {request}");
    NotARequest { detail: String } : Protocol => format!("not a request: {detail}");
    RequestTooLong { max: u64 } : Protocol =>
        format!("a request over {max} bytes was refused and the connection closed: files travel in chunks (this client may be older than the engine)");
    ProtocolMismatch { ours: u32, theirs: Option<u32>, engine: String } : Protocol => match theirs {
        Some(theirs) => format!("this wabox speaks protocol {ours} but the engine at {engine} speaks {theirs}: install the same wabox version as the engine (`wabox --version`)"),
        None => format!("this wabox speaks protocol {ours} but the engine at {engine} answers in another one: install the same wabox version as the engine (`wabox --version`)"),
    };
    EncodeFailed { detail: String } : Internal => format!("could not encode the request: {detail}");
    SocketLost { detail: String } : Unavailable => format!("lost the engine's socket: {detail}");
    EngineClosed {} : Unavailable => "the engine closed the connection".to_string();
    EngineGone {} : Unavailable => "the engine went away".to_string();
    EngineLinkStopped {} : Unavailable => "the engine link stopped".to_string();
    EngineStopping {} : Unavailable => "the engine is stopping: no events can be pushed".to_string();
    NoPage {} : Internal => "the engine answered no page".to_string();
    UnexpectedAnswer {} : Protocol => "the engine answered with something else".to_string();
    UnexpectedUploadAnswer {} : Protocol =>
        "the engine answered an upload with something else".to_string();
    BrokenChunk { detail: String } : Protocol => format!("the engine sent a broken chunk: {detail}");
    LocalFileUnreadable { path: String, detail: String } : Internal =>
        format!("could not read {path}: {detail}");
    LocalFileShrank { path: String } : Conflict =>
        format!("{path} became shorter while it was sent: send it again");
    LocalFileNotWritten { detail: String } : Internal => format!("could not write the file: {detail}");
}

/// What may go instead of a free-form message outside the window.
fn instead(templates: &[String], conversation: i64) -> String {
    if templates.is_empty() {
        "no approved template is synced for this number: run `wabox templates sync`".to_string()
    } else {
        format!(
            "send a template instead ({}): `wabox send --conversation {conversation} --template NAME --lang CODE`",
            templates.join(", ")
        )
    }
}
