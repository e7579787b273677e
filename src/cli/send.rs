//! `wabox send`: queue a text, a template or a file, and with `--wait` follow it until WhatsApp
//! has delivered it (or given up).

use super::output::say_err;
use super::reader::Reader;
use super::send_file::{FileToSend, MediaKindArg};
use super::{failure, json, output, template_header};
use crate::client::Client;
use crate::config::Config;
use crate::protocol::views::{MessageRef, MessageView};
use crate::protocol::{MessageStatus, Request, Response, SendContent};
use clap::Args;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("content").required(true).args(["text", "template", "file"])))]
pub struct SendArgs {
    /// The conversation to send in (`wabox conversations` shows the ids)
    #[arg(long, value_name = "ID")]
    pub conversation: i64,
    /// Free text (only while the customer's 24-hour window is open).
    #[arg(long)]
    pub text: Option<String>,
    /// An approved template's name.
    #[arg(long, requires = "lang")]
    pub template: Option<String>,
    /// The template's language code, e.g. en_US or es.
    #[arg(long, conflicts_with_all = ["text", "file"])]
    pub lang: Option<String>,
    /// A template value, in order (`--param Ana`) or by name (`--param customer_name=Ana`).
    #[arg(long = "param", value_name = "VALUE", conflicts_with_all = ["text", "file"])]
    pub params: Vec<String>,
    #[command(flatten)]
    pub header: template_header::HeaderArgs,
    /// A file to send (only while the customer's 24-hour window is open).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Text shown under an image, video or document.
    #[arg(long, requires = "file", conflicts_with_all = ["text", "template"])]
    pub caption: Option<String>,
    /// How to send the file (else guessed from its type: .jpg is an image, .webp a sticker, .pdf
    /// a document…).
    #[arg(long, value_enum, requires = "file", conflicts_with_all = ["text", "template"])]
    pub kind: Option<MediaKindArg>,
    /// The file's MIME type (else guessed from its extension).
    #[arg(long, requires = "file", conflicts_with_all = ["text", "template"])]
    pub mime: Option<String>,
    /// Answer this message of the conversation, quoted above ours: wabox's id (as `messages
    /// --json` shows it) or its wamid.
    #[arg(long, value_name = "MESSAGE_ID")]
    pub reply_to: Option<String>,
    /// Wait until the message is delivered, read, failed or uncertain.
    #[arg(long)]
    pub wait: bool,
    /// Seconds to wait with --wait.
    #[arg(long, default_value_t = 60, requires = "wait")]
    pub timeout: u64,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

enum ContentToSend {
    Ready(SendContent),
    /// Uploaded once connected.
    File(FileToSend),
}

/// What `--wait` asks for, carried from the flags to the loop that waits.
#[derive(Clone, Copy)]
struct Wait {
    wait: bool,
    timeout: u64,
}

/// The flags about where the message goes and what is printed, apart from its content.
struct Delivery {
    conversation: i64,
    reply_to: Option<MessageRef>,
    wait: Wait,
    json: bool,
}

pub async fn send(config: Config, args: SendArgs, act_as: Option<String>) -> anyhow::Result<()> {
    // A file is checked before connecting: a wrong path fails without touching the engine.
    let (content, delivery) = args.split()?;
    let Delivery {
        conversation,
        reply_to,
        wait,
        json: as_json,
    } = delivery;
    let mut client = Client::connect(config).await?.acting_as(act_as);
    let result = async {
        let content = match content {
            ContentToSend::Ready(c) => client.with_uploaded_header(c).await?,
            ContentToSend::File(f) => f.upload(&mut client).await?,
        };
        send_and_wait(&mut client, (conversation, reply_to), content, wait).await
    }
    .await;
    client.close().await;
    let (message, reader) = result?;
    report(&message, &reader, wait.wait, as_json)
}

impl SendArgs {
    /// The content (the one of --text, --template and --file clap lets through) and the rest.
    fn split(self) -> anyhow::Result<(ContentToSend, Delivery)> {
        let content = match (self.text, self.template, self.file) {
            (Some(body), None, None) => ContentToSend::Ready(SendContent::Text { body }),
            (None, Some(name), None) => ContentToSend::Ready(SendContent::Template {
                name,
                language: self.lang.unwrap_or_default(),
                params: self.params,
                header: self.header.value()?,
            }),
            (None, None, Some(path)) => ContentToSend::File(FileToSend::check(
                &path,
                self.kind,
                self.mime,
                self.caption,
            )?),
            _ => anyhow::bail!("give one of --text, --template or --file"),
        };
        let delivery = Delivery {
            conversation: self.conversation,
            reply_to: self.reply_to.as_deref().map(MessageRef::parse),
            wait: Wait {
                wait: self.wait,
                timeout: self.timeout,
            },
            json: self.json,
        };
        Ok((content, delivery))
    }
}

/// Prints the message as it stands; one that `--wait` saw fail is an error (exit status and
/// `--json` code `not_delivered`), said once.
fn report(message: &MessageView, reader: &Reader, wait: bool, as_json: bool) -> anyhow::Result<()> {
    let undelivered = wait && message.status.is_some_and(MessageStatus::needs_decision);
    if as_json {
        json::print(reader.message_json(message)?)?;
    } else if !undelivered {
        // An undelivered one is said once, by the error below.
        output::human(&Response::Message(Box::new(message.clone())), reader);
    }
    if undelivered {
        return Err(json::CodedError::error(
            "not_delivered",
            failure::undelivered(message, reader),
        ));
    }
    Ok(())
}

async fn send_and_wait(
    client: &mut Client,
    (conversation_id, reply_to): (i64, Option<MessageRef>),
    content: SendContent,
    wait: Wait,
) -> anyhow::Result<(MessageView, Reader)> {
    let Response::Hello(info) = client.call(Request::Hello).await? else {
        anyhow::bail!("the engine answered a hello with something else");
    };
    let in_process = info.mode == crate::protocol::EngineMode::InProcess;
    let reader = Reader::from_info(&info);
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
    if wait.wait && in_process {
        anyhow::bail!(
            "queued as message {}, but no engine is running: it is sent when `wabox serve` starts",
            q.message_id
        );
    }
    let message = until_final(client, q.message_id, wait).await?;
    Ok((message, reader))
}

/// The message now, or (with `--wait`) once its status is final, polled every 50 ms.
async fn until_final(
    client: &mut Client,
    message_id: i64,
    Wait { wait, timeout }: Wait,
) -> anyhow::Result<MessageView> {
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let Response::Message(m) = client.call(Request::GetMessage { message_id }).await? else {
            anyhow::bail!("the engine answered with something else");
        };
        if !wait || m.status.is_some_and(is_final) {
            return Ok(*m);
        }
        if Instant::now() > deadline {
            // Its own code: the message is queued and goes on its way, so a script that sends
            // again on `failed` would send it twice.
            return Err(json::CodedError::error(
                "still_queued",
                format!(
                    "message {} is still {} after {timeout} s; it stays in the outbox and goes \
                     when it can: do not send it again (`wabox messages` shows how it went)",
                    m.id,
                    m.status.map_or("queued", MessageStatus::as_str)
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
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

#[cfg(test)]
mod flag_tests {
    use clap::Parser;

    fn parses(args: &str) -> bool {
        let mut argv = vec!["wabox", "send", "--conversation", "2"];
        argv.extend(args.split_whitespace());
        crate::cli::Cli::try_parse_from(argv).is_ok()
    }

    /// A flag that cannot apply to what is sent is refused, not dropped (`--text hi --caption
    /// x` went without its caption, with status 0).
    #[test]
    fn flags_of_another_kind_of_message_are_refused() {
        assert!(parses("--text hi"));
        assert!(parses("--text hi --wait --timeout 5"));
        assert!(parses("--template t --lang es --param Ana"));
        assert!(parses("--file a.jpg --caption hi --kind image"));
        for refused in [
            "--text hi --caption x",
            "--text hi --kind image",
            "--text hi --lang es",
            "--text hi --param x",
            "--file a.jpg --lang es",
            "--template t --lang es --caption x",
            "--text hi --timeout 5",
        ] {
            assert!(!parses(refused), "{refused}");
        }
    }
}
