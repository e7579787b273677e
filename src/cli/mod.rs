//! The command line: clap definitions and what each command does through the client API.

// Human output goes through `say!`, `say_err!` and `ask!` (output.rs), which show hidden
// characters visibly. These shadow the std macros in every module of the CLI, so a new print
// that would put a customer's escapes on the terminal does not compile; `--json` output, exact
// by design, says `std::println!`.
#[allow(unused_macros)] // There to be unused.
macro_rules! println {
    ($($t:tt)*) => {
        compile_error!("print with say! (src/cli/output.rs): it shows hidden characters visibly")
    };
}
#[allow(unused_macros)] // There to be unused.
macro_rules! eprintln {
    ($($t:tt)*) => {
        compile_error!(
            "print with say_err! (src/cli/output.rs): it shows hidden characters visibly"
        )
    };
}
#[allow(unused_macros)] // There to be unused.
macro_rules! print {
    ($($t:tt)*) => {
        compile_error!("print with say! (src/cli/output.rs): it shows hidden characters visibly")
    };
}
#[allow(unused_macros)] // There to be unused.
macro_rules! eprint {
    ($($t:tt)*) => {
        compile_error!("prompt with ask! (src/cli/output.rs): it shows hidden characters visibly")
    };
}

mod account_events;
pub mod connect;
mod failure;
mod file_content;
pub mod json;
mod output;
mod paging;
mod react;
mod reader;
pub mod sequences;
pub mod signup;
mod sync_report;
pub mod team;
mod template_header;
mod tenants;

use crate::client::Client;
use crate::config::Config;
use crate::domain::{ConnectionKind, MediaKind};
use crate::protocol::admin::{JournalFilter, JournalState};
use crate::protocol::views::MessageRef;
use crate::protocol::{ConversationState, MessageStatus};
use crate::protocol::{ReplayTarget, Request, Response, SendContent};
use crate::secret::Secret;
use clap::{Args, Parser, Subcommand, ValueEnum};
use output::{say, say_err};
use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "wabox",
    version,
    about = "A terminal inbox for WhatsApp Business numbers"
)]
pub struct Cli {
    /// Config file (else WABOX_CONFIG, else ~/.config/wabox/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data dir: database, logs, keys, socket (else WABOX_DATA_DIR, else ~/.local/share/wabox).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Act as this user (admins only; recorded in the audit log): see what they see.
    #[arg(long = "as", global = true, value_name = "USER")]
    pub act_as: Option<String>,
    /// Without a command: the inbox (`wabox tui`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the engine: webhook listener, ingestion and the client socket, until stopped.
    Serve {
        /// Listen here instead of [webhook] listen (port 0 picks a free port).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Businesses served by this installation.
    #[command(subcommand)]
    Tenants(TenantsCommand),
    /// Business phone numbers.
    #[command(subcommand)]
    Numbers(NumbersCommand),
    /// Conversations, most recent first.
    Conversations {
        /// Only this number (Meta's phone number id).
        #[arg(long, value_name = "PHONE_NUMBER_ID")]
        number: Option<String>,
        /// Only conversations whose contact or last message contains this text.
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Only open (and pending), snoozed or closed ones; every state without it.
        #[arg(long, value_name = "open|snoozed|closed")]
        state: Option<crate::protocol::views::StateFilter>,
        #[arg(long, default_value_t = 200)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// A conversation's messages, oldest first.
    Messages {
        conversation_id: i64,
        /// Only messages before this message id (older pages).
        #[arg(long, value_name = "MESSAGE_ID")]
        before: Option<i64>,
        #[arg(long, default_value_t = 200)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Queue a message: free text or a file inside the 24-hour window, or an approved template.
    Send(SendArgs),
    /// Mark a conversation read: its unread count drops to 0 and, unless `[outbox]
    /// mark_read_on_open = false`, WhatsApp shows the customer their last message was read.
    Read { conversation_id: i64 },
    /// React to a customer's message with an emoji, or `--remove` our reaction.
    React(react::ReactArgs),
    /// Send a failed or uncertain message again.
    Retry {
        message_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Approved, pending and rejected templates, as last synced (`templates sync` syncs now).
    Templates(TemplatesArgs),
    /// Customers' files.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Deliveries not processed (pending, unrouted, invalid), newest first; `--all` shows every one.
    Journal(JournalArgs),
    /// The whole of wabox on a simulated Cloud API, with customers writing in.
    Demo(crate::demo::DemoArgs),
    /// The full-screen inbox (also what `wabox` alone opens).
    Tui,
    #[command(flatten)]
    Team(team::TeamCommand),
    /// Connect a business's number: alone, the full-screen wizard; with a subcommand, one of
    /// its paths without the full screen (for scripts).
    Connect(connect::ConnectArgs),
    /// Automated follow-ups (TOML files in the config dir's sequences/) and the conversations
    /// going through them.
    #[command(subcommand)]
    Sequences(sequences::SequencesCommand),
    /// Move a test or demo engine's clock (WABOX_MOVABLE_CLOCK=1).
    #[command(subcommand, hide = true)]
    Clock(sequences::ClockCommand),
    /// Every message with these words (prefixes, accents ignored), newest first.
    Search {
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// A conversation's contact: numbers and ids, labels, private notes.
    Contact {
        conversation_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Add a private note to a conversation's contact (stored, never sent).
    Note {
        conversation_id: i64,
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Label a conversation's contact.
    Label {
        conversation_id: i64,
        #[arg(long, value_name = "LABEL")]
        add: Vec<String>,
        #[arg(long, value_name = "LABEL")]
        remove: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Close a conversation (the customer's next message reopens it).
    Close {
        conversation_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Open a closed or snoozed conversation again.
    Reopen {
        conversation_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Put a conversation aside until a time passes or the customer writes.
    Snooze {
        conversation_id: i64,
        /// How long: `30m`, `2h`, `1d`, `1h30m`.
        #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration_arg)]
        duration: i64,
        #[arg(long)]
        json: bool,
    },
    /// Measure the engine (see the README's table).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("content").required(true).args(["text", "template", "file"])))]
pub struct SendArgs {
    #[arg(long, value_name = "ID")]
    pub conversation: i64,
    /// Free text (only while the customer's 24-hour window is open).
    #[arg(long)]
    pub text: Option<String>,
    /// An approved template's name.
    #[arg(long, requires = "lang")]
    pub template: Option<String>,
    /// The template's language code, e.g. en_US or es.
    #[arg(long)]
    pub lang: Option<String>,
    /// A template value, in order (`--param Ana`) or by name (`--param customer_name=Ana`).
    #[arg(long = "param", value_name = "VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub header: template_header::HeaderArgs,
    /// A file to send (only while the customer's 24-hour window is open).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Text shown under an image, video or document.
    #[arg(long, requires = "file")]
    pub caption: Option<String>,
    /// How to send the file (else guessed from its type: .jpg is an image, .webp a sticker, .pdf
    /// a document…).
    #[arg(long, value_enum, requires = "file")]
    pub kind: Option<MediaKindArg>,
    /// The file's MIME type (else guessed from its extension).
    #[arg(long, requires = "file")]
    pub mime: Option<String>,
    /// Answer this message of the conversation, quoted above ours: wabox's id (as `messages
    /// --json` shows it) or its wamid.
    #[arg(long, value_name = "MESSAGE_ID")]
    pub reply_to: Option<String>,
    /// Wait until the message is delivered, read, failed or uncertain.
    #[arg(long)]
    pub wait: bool,
    /// Seconds to wait with --wait.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum MediaKindArg {
    Image,
    Document,
    Audio,
    Video,
    Sticker,
}

impl From<MediaKindArg> for MediaKind {
    fn from(k: MediaKindArg) -> MediaKind {
        match k {
            MediaKindArg::Image => MediaKind::Image,
            MediaKindArg::Document => MediaKind::Document,
            MediaKindArg::Audio => MediaKind::Audio,
            MediaKindArg::Video => MediaKind::Video,
            MediaKindArg::Sticker => MediaKind::Sticker,
        }
    }
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TemplatesArgs {
    #[command(subcommand)]
    pub action: Option<TemplatesAction>,
    /// Only this number's templates (Meta's phone number id).
    #[arg(long, value_name = "PHONE_NUMBER_ID")]
    pub number: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum TemplatesAction {
    /// Fetch the templates from Meta now.
    Sync {
        #[arg(long, value_name = "PHONE_NUMBER_ID")]
        number: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum MediaCommand {
    /// Save a media message's file.
    Get {
        message_id: i64,
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Download a failed file again.
    Retry { message_id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum TenantsCommand {
    /// Add a tenant (a business with its own Meta account).
    Add {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List tenants.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Give a tenant another name; its numbers, queues and conversations stay.
    Rename {
        from: String,
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a tenant. Refused while it has numbers (they are named, with all that would go).
    Remove {
        name: String,
        /// Remove it even with numbers: its numbers, queues, contacts, conversations and
        /// messages, templates, signups and agents' records are removed too, for good.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum NumbersCommand {
    /// Add a number. Its access token, if any, is read from stdin or WABOX_ACCESS_TOKEN, never
    /// from the command line (where `ps` and shell history would show it).
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long, value_name = "ID")]
        phone_number_id: String,
        #[arg(long, value_name = "ID")]
        waba_id: String,
        #[arg(long, value_name = "NUMBER")]
        display_phone: String,
        #[arg(long, value_enum, default_value_t = ConnectionArg::Dedicated)]
        connection: ConnectionArg,
        /// The Meta business owning the WABA (Business settings → Business info): its
        /// partner and capability webhooks reach this tenant.
        #[arg(long, value_name = "ID")]
        business_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List numbers.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A coexistence number's history import: its progress, and its files fetched so far.
    History {
        /// Meta's phone number id.
        phone_number_id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ConnectionArg {
    Coexistence,
    Dedicated,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct JournalArgs {
    #[command(subcommand)]
    pub action: Option<JournalAction>,
    /// Only deliveries waiting to be processed.
    #[arg(long, group = "state")]
    pub pending: bool,
    /// Only deliveries for a number (or WABA) wabox does not know.
    #[arg(long, group = "state")]
    pub unrouted: bool,
    /// Only deliveries that could not be parsed.
    #[arg(long, group = "state")]
    pub invalid: bool,
    /// Every delivery, processed ones included.
    #[arg(long, group = "state")]
    pub all: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum JournalAction {
    /// Apply deliveries again (after adding the number they name, say).
    Replay {
        /// The journal entry to replay.
        #[arg(
            required_unless_present = "all_unrouted",
            conflicts_with = "all_unrouted"
        )]
        id: Option<i64>,
        /// Every unrouted delivery.
        #[arg(long)]
        all_unrouted: bool,
        #[arg(long)]
        json: bool,
    },
}

/// Reads a token from WABOX_ACCESS_TOKEN, or from stdin when it is not a terminal.
fn read_access_token() -> anyhow::Result<Option<Secret>> {
    if let Ok(t) = std::env::var("WABOX_ACCESS_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Some(Secret::new(t.trim())));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        say_err!(
            "no access token given: pipe it on stdin or set WABOX_ACCESS_TOKEN (storing the number without one)"
        );
        return Ok(None);
    }
    let mut text = String::new();
    stdin
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| anyhow::anyhow!("could not read the access token from stdin: {e}"))?;
    let t = text.trim();
    Ok((!t.is_empty()).then(|| Secret::new(t)))
}

async fn save_media(
    config: Config,
    message_id: i64,
    out: PathBuf,
    act_as: Option<String>,
) -> anyhow::Result<()> {
    let mut file = std::fs::File::create(&out)
        .map_err(|e| anyhow::anyhow!("could not write {}: {e}", out.display()))?;
    let result = async {
        let mut client = Client::connect(config).await?.acting_as(act_as);
        let saved = client.download_media(message_id, &mut file).await;
        client.close().await;
        anyhow::Ok(saved?)
    }
    .await;
    drop(file);
    match result {
        Ok(saved) => {
            say!("saved {} bytes to {}", saved.bytes, out.display());
            Ok(())
        }
        Err(e) => {
            // Half a file is worse than none: nobody mistakes it for the customer's.
            let _ = std::fs::remove_file(&out);
            Err(e)
        }
    }
}

/// Statuses after which `send --wait` stops waiting.
fn is_final(status: MessageStatus) -> bool {
    use MessageStatus::*;
    match status {
        Delivered | Read | Played | Failed | Uncertain => true,
        Queued | Accepted | Sent => false,
    }
}

/// A file to send, checked and described here; its bytes go to the engine in chunks once
/// connected (the engine never reads the client's filesystem).
struct FileToSend {
    path: PathBuf,
    kind: MediaKind,
    filename: String,
    mime: String,
    caption: Option<String>,
}

/// Works out a file's MIME type and kind, and refuses one WhatsApp takes at no size.
fn media_content(
    path: &std::path::Path,
    kind: Option<MediaKindArg>,
    mime: Option<String>,
    caption: Option<String>,
) -> anyhow::Result<FileToSend> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("could not read {shown}: {e}"))?
        .len();
    let largest = MediaKind::ALL
        .iter()
        .map(|k| k.max_bytes(true))
        .max()
        .unwrap_or(0) as u64;
    if size > largest {
        anyhow::bail!(
            "{shown} is {}; WhatsApp takes no file larger than {}",
            crate::domain::media::size_label(size),
            crate::domain::media::size_label(largest)
        );
    }
    let head = file_content::head(path)?;
    let mime = mime.unwrap_or_else(|| file_content::mime_of(path, &head));
    let kind = match kind {
        Some(k) => k.into(),
        None => MediaKind::for_mime(&mime).ok_or_else(|| {
            anyhow::anyhow!(
                "WhatsApp cannot send {shown} ({mime}): give --kind image|document|audio|video|sticker and --mime if it is one of those"
            )
        })?,
    };
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    Ok(FileToSend {
        path: path.to_path_buf(),
        kind,
        filename,
        mime,
        caption,
    })
}

impl FileToSend {
    /// Uploads the file; the content of a send that uses it.
    async fn upload(self, client: &mut Client) -> anyhow::Result<SendContent> {
        let upload_id = client.upload_file(&self.path).await?;
        Ok(SendContent::Media {
            kind: self.kind,
            filename: self.filename,
            mime: self.mime,
            upload_id,
            caption: self.caption,
        })
    }
}

enum ContentToSend {
    Ready(SendContent),
    /// Uploaded once connected.
    File(FileToSend),
}

async fn send(config: Config, args: SendArgs, act_as: Option<String>) -> anyhow::Result<()> {
    let content = match (args.text, args.template, args.file) {
        (Some(body), None, None) => ContentToSend::Ready(SendContent::Text { body }),
        (None, Some(name), None) => ContentToSend::Ready(SendContent::Template {
            name,
            language: args.lang.unwrap_or_default(),
            params: args.params,
            header: args.header.value()?,
        }),
        (None, None, Some(path)) => {
            ContentToSend::File(media_content(&path, args.kind, args.mime, args.caption)?)
        }
        _ => anyhow::bail!("give one of --text, --template or --file"),
    };
    let mut client = Client::connect(config).await?.acting_as(act_as);
    let result = async {
        let content = match content {
            ContentToSend::Ready(c) => client.with_uploaded_header(c).await?,
            ContentToSend::File(f) => f.upload(&mut client).await?,
        };
        let reply_to = args.reply_to.as_deref().map(MessageRef::parse);
        send_and_wait(
            &mut client,
            (args.conversation, reply_to),
            content,
            args.wait,
            args.timeout,
        )
        .await
    }
    .await;
    client.close().await;
    let (message, reader) = result?;
    let undelivered = args.wait && message.status.is_some_and(MessageStatus::needs_decision);
    if args.json {
        json::print(reader.message_json(&message)?)?;
    } else if !undelivered {
        // An undelivered one is said once, by the error below.
        output::human(&Response::Message(Box::new(message.clone())), &reader);
    }
    if undelivered {
        return Err(json::CodedError::error(
            "not_delivered",
            failure::undelivered(&message, &reader),
        ));
    }
    Ok(())
}

async fn send_and_wait(
    client: &mut Client,
    (conversation_id, reply_to): (i64, Option<MessageRef>),
    content: SendContent,
    wait: bool,
    timeout: u64,
) -> anyhow::Result<(crate::protocol::views::MessageView, reader::Reader)> {
    let Response::Hello(info) = client.call(Request::Hello).await? else {
        anyhow::bail!("the engine answered a hello with something else");
    };
    let in_process = info.mode == crate::protocol::EngineMode::InProcess;
    let reader = reader::Reader::from_info(&info);
    let Response::Queued(q) = client
        .call(Request::Send {
            conversation_id,
            content,
            reply_to,
        })
        .await?
    else {
        anyhow::bail!("the engine answered a send with something else");
    };
    if let Some(warning) = &q.warning {
        say_err!("warning: {warning}");
    }
    if wait && in_process {
        anyhow::bail!(
            "queued as message {}, but no engine is running: it is sent when `wabox serve` starts",
            q.message_id
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout);
    loop {
        let Response::Message(m) = client
            .call(Request::GetMessage {
                message_id: q.message_id,
            })
            .await?
        else {
            anyhow::bail!("the engine answered with something else");
        };
        if !wait || m.status.is_some_and(is_final) {
            return Ok((*m, reader));
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!(
                "message {} is still {} after {timeout} s",
                m.id,
                m.status.map_or("queued", MessageStatus::as_str)
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Runs a client command (everything but `serve` and `bench`).
pub async fn run(config: Config, command: Command, act_as: Option<String>) -> anyhow::Result<()> {
    let (request, json) = match command {
        Command::Tenants(TenantsCommand::Add { name, json }) => (Request::AddTenant { name }, json),
        Command::Tenants(TenantsCommand::List { json }) => (Request::ListTenants, json),
        Command::Tenants(TenantsCommand::Rename { from, to, json }) => {
            (Request::RenameTenant { from, to }, json)
        }
        Command::Tenants(TenantsCommand::Remove { name, force, json }) => {
            (Request::RemoveTenant { name, force }, json)
        }
        Command::Numbers(NumbersCommand::Add {
            tenant,
            phone_number_id,
            waba_id,
            display_phone,
            connection,
            business_id,
            json,
        }) => (
            Request::AddNumber {
                tenant,
                phone_number_id,
                waba_id,
                display_phone,
                connection: match connection {
                    ConnectionArg::Coexistence => ConnectionKind::Coexistence,
                    ConnectionArg::Dedicated => ConnectionKind::Dedicated,
                },
                access_token: read_access_token()?,
                business_id,
            },
            json,
        ),
        Command::Numbers(NumbersCommand::List { json }) => (Request::ListNumbers, json),
        Command::Numbers(NumbersCommand::History {
            phone_number_id,
            json,
        }) => (Request::HistoryProgress { phone_number_id }, json),
        Command::Conversations {
            number,
            filter,
            state,
            limit,
            json,
        } => (
            Request::ListConversations {
                before: None,
                phone_number_id: number,
                limit: Some(limit),
                filter,
                queue: None,
                state,
            },
            json,
        ),
        Command::Messages {
            conversation_id,
            before,
            limit,
            json,
        } => (
            Request::ListMessages {
                conversation_id,
                before,
                limit: Some(limit),
            },
            json,
        ),
        Command::Journal(JournalArgs {
            action:
                Some(JournalAction::Replay {
                    id,
                    all_unrouted,
                    json,
                }),
            ..
        }) => {
            let target = match (id, all_unrouted) {
                (Some(id), false) => ReplayTarget::One(id),
                _ => ReplayTarget::AllUnrouted,
            };
            (Request::ReplayJournal { target }, json)
        }
        Command::Journal(args) => {
            let filter = if args.all {
                JournalFilter::All
            } else if args.pending {
                JournalFilter::Only(JournalState::Pending)
            } else if args.unrouted {
                JournalFilter::Only(JournalState::Unrouted)
            } else if args.invalid {
                JournalFilter::Only(JournalState::Invalid)
            } else {
                JournalFilter::NotProcessed
            };
            (
                Request::ListJournal {
                    before: None,
                    filter,
                    limit: Some(args.limit),
                },
                args.json,
            )
        }
        Command::Send(args) => return send(config, args, act_as).await,
        Command::React(args) => args.request(),
        Command::Retry { message_id, json } => (Request::RetryMessage { message_id }, json),
        Command::Read { conversation_id } => (Request::MarkRead { conversation_id }, false),
        Command::Media(MediaCommand::Retry { message_id }) => {
            (Request::RetryMedia { message_id }, false)
        }
        Command::Media(MediaCommand::Get { message_id, out }) => {
            return save_media(config, message_id, out, act_as).await;
        }
        Command::Templates(TemplatesArgs {
            action: Some(TemplatesAction::Sync { number, json }),
            ..
        }) => (
            Request::SyncTemplates {
                phone_number_id: number,
            },
            json,
        ),
        Command::Templates(args) => (
            Request::ListTemplates {
                phone_number_id: args.number,
            },
            args.json,
        ),
        Command::Search { words, limit, json } => (
            Request::Search {
                before: None,
                query: words.join(" "),
                limit: Some(limit),
            },
            json,
        ),
        Command::Contact {
            conversation_id,
            json,
        } => (Request::GetContact { conversation_id }, json),
        Command::Note {
            conversation_id,
            text,
            json,
        } => (
            Request::AddNote {
                conversation_id,
                text,
            },
            json,
        ),
        Command::Label {
            conversation_id,
            add,
            remove,
            json,
        } => (
            Request::ChangeLabels {
                conversation_id,
                add,
                remove,
            },
            json,
        ),
        Command::Close {
            conversation_id,
            json,
        } => (
            state_request(conversation_id, ConversationState::Closed, None),
            json,
        ),
        Command::Reopen {
            conversation_id,
            json,
        } => (
            state_request(conversation_id, ConversationState::Open, None),
            json,
        ),
        Command::Snooze {
            conversation_id,
            duration,
            json,
        } => (
            state_request(
                conversation_id,
                ConversationState::Snoozed,
                Some(crate::domain::time::now_unix() + duration),
            ),
            json,
        ),
        Command::Sequences(c) => c.request(),
        Command::Clock(sequences::ClockCommand::Advance { by }) => {
            (Request::AdvanceClock { seconds: by }, false)
        }
        Command::Team(team) => team.request()?,
        Command::Connect(connect::ConnectArgs { command: None }) => {
            return connect::wizard(config, act_as).await;
        }
        Command::Connect(connect::ConnectArgs { command: Some(c) }) if c.is_conversation() => {
            return connect::converse(config, c, act_as).await;
        }
        Command::Connect(connect::ConnectArgs { command: Some(c) }) => c.request()?,
        Command::Serve { .. } | Command::Bench(_) | Command::Demo(_) | Command::Tui => {
            anyhow::bail!("serve, bench, demo and tui are started by main, not as one request")
        }
    };
    let mut client = Client::connect(config).await?.acting_as(act_as);
    let result = reader::call(&mut client, request).await;
    client.close().await;
    let (response, reader) = result?;
    if json {
        output::json(&response, &reader)?;
    } else {
        output::human(&response, &reader);
        if let Response::Doctor(d) = &response {
            print_file_checks(&d.files);
            account_events::print(&d.account_events);
        }
    }
    // Scripts (and cron) learn from the exit status that an admin must look.
    let attention = match &response {
        Response::Doctor(d) => !d.healthy(),
        Response::Synced(r) => r.needs_attention(),
        r @ Response::Sequences(_) => sequences::attention(r),
        _ => false,
    };
    if attention {
        std::process::exit(3);
    }
    if let Response::Replayed(outcomes) = &response
        && outcomes.iter().any(|o| o.state != JournalState::Processed)
    {
        anyhow::bail!("some deliveries are still not processed (see above)");
    }
    Ok(())
}

/// The data dir's checks, after the numbers': every one a failure with its fix (paths are the
/// engine's own, never a customer's text).
fn print_file_checks(checks: &[crate::domain::health::Check]) {
    for c in checks {
        output::say!("FILES: {}", c.detail);
        if let Some(fix) = &c.fix {
            output::say!("       fix: {fix}");
        }
    }
}

fn state_request(
    conversation_id: i64,
    state: ConversationState,
    snoozed_until: Option<i64>,
) -> Request {
    Request::SetConversationState {
        conversation_id,
        state,
        snoozed_until,
    }
}

/// A duration that may be nothing at all (`0s`: do not wait).
pub(crate) fn parse_wait_arg(text: &str) -> Result<i64, String> {
    if matches!(text.trim(), "0" | "0s" | "0m") {
        return Ok(0);
    }
    parse_duration_arg(text)
}

pub(crate) fn parse_duration_arg(text: &str) -> Result<i64, String> {
    crate::domain::time::parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration: try 30m, 2h, 1d or 1h30m"))
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    /// `--help` of every command says what it is for (one had none: issue 15).
    #[test]
    fn every_command_has_a_description() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in cmd.get_subcommands() {
                let here = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(here.clone());
                }
                walk(sub, &here, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "wabox", &mut missing);
        assert!(
            missing.is_empty(),
            "commands without a description: {missing:?}"
        );
    }
}
