//! Queuing a send: refused up front whatever Meta would refuse (the window, the templates, the
//! media rules), a file stored durably in the data dir, then one row in the outbox.

use super::Engine;
use super::answers::with_warning;
use super::api::Caller;
use super::uploads::StagedFile;
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use wabox_domain::ServiceWindow;
use wabox_domain::media::{self, MediaKind, essence};
use wabox_domain::template::{TemplateParam, fill};
use wabox_domain::template_header::{self, HeaderValue};
use wabox_protocol::{ApiError, Response, SendContent};
use wabox_store::answers::MessageRef;
use wabox_store::media::OutboundFile;
use wabox_store::outbox::SendTarget;
use wabox_store::{outbox, templates};

/// Where outgoing files wait, named by their SHA-256, relative to the data dir.
pub(super) const OUTBOX_MEDIA_DIR: &str = "outbox-media";

impl Engine {
    /// Checks a send against the window and the synced templates, then queues it.
    pub(super) async fn send(
        self: &Arc<Self>,
        caller: &Caller,
        conversation_id: i64,
        content: SendContent,
        reply_to: Option<MessageRef>,
        now: i64,
    ) -> Result<Response, ApiError> {
        let (target, blocked) = self
            .read(move |c| {
                let blocked = wabox_store::blocking::is_blocked(c, conversation_id)?;
                Ok((outbox::send_target(c, conversation_id)?, blocked))
            })
            .await?;
        // Meta would accept it and fail it: said now, before anything is queued.
        if blocked {
            return Err(ApiError::from(wabox_protocol::ErrorCode::CustomerBlocked {
                conversation: conversation_id,
            }));
        }
        let mut request = addressed(&target).map_err(ApiError::invalid)?;
        let warning = match reply_to {
            Some(quoted) => {
                self.quote(&mut request, conversation_id, quoted, now)
                    .await?
            }
            None => None,
        };
        let sent = self
            .send_content(caller, &target, request, content, now)
            .await?;
        Ok(with_warning(sent, warning))
    }

    /// The content part of `send`, once the request is addressed (and quotes what it answers).
    async fn send_content(
        self: &Arc<Self>,
        caller: &Caller,
        target: &SendTarget,
        mut request: serde_json::Value,
        content: SendContent,
        now: i64,
    ) -> Result<Response, ApiError> {
        let conversation_id = target.conversation_id;
        let target = target.clone();
        if !target.has_token {
            return Err(ApiError::from(wabox_protocol::ErrorCode::NoTokenToSend {
                phone_number_id: target.phone_number_id.clone(),
            }));
        }
        let mut file = None;
        let (kind, rendered) = match content {
            SendContent::Text { body } => {
                let body = text_content(&mut request, &body).map_err(ApiError::invalid)?;
                self.refuse_outside_window(&target, now).await?;
                ("text", body)
            }
            SendContent::Template {
                name,
                language,
                params,
                header,
            } => {
                return self
                    .send_template(caller, &target, request, name, language, params, header)
                    .await;
            }
            SendContent::LocalFile { path, .. } => {
                return Err(ApiError::from(wabox_protocol::ErrorCode::ClientSideFile {
                    path: path.display().to_string(),
                }));
            }
            SendContent::Media {
                kind,
                filename,
                mime,
                upload_id,
                caption,
            } => {
                // Taken out of the uploads here: whatever happens next, its file is moved into
                // the outbox or removed, never left behind.
                let staged = self.uploads.take(&caller.owner_key(), &upload_id)?;
                let checked = self
                    .check_staged(&staged, kind, &mime, &filename, caption)
                    .await;
                let checked = match checked {
                    Ok(c) => self.refuse_outside_window(&target, now).await.map(|_| c),
                    Err(e) => Err(e),
                };
                let (caption, head_size) = match checked {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tokio::fs::remove_file(&staged.path).await;
                        return Err(e);
                    }
                };
                // Meta's message carries only the media id, added once the file is uploaded.
                let mut object = json!({});
                if let Some(c) = &caption {
                    object["caption"] = json!(c);
                }
                if kind == MediaKind::Document {
                    object["filename"] = json!(filename);
                }
                request["type"] = json!(kind.as_str());
                request[kind.as_str()] = object;
                let shown_name = (kind == MediaKind::Document).then_some(filename.as_str());
                let rendered = media::summary(kind, head_size, shown_name, caption.as_deref());
                let data_dir = self.config.data_dir.clone();
                let mime = essence(&mime);
                let staged_path = staged.path.clone();
                let stored = tokio::task::spawn_blocking(move || {
                    store_file(&data_dir, &staged.path, mime, filename)
                })
                .await
                .map_err(|e| {
                    ApiError::from(wabox_protocol::ErrorCode::FileNotStored {
                        detail: e.to_string(),
                    })
                })
                .and_then(|r| {
                    r.map_err(|e| {
                        ApiError::from(wabox_protocol::ErrorCode::FileNotStoredInDataDir {
                            detail: e.to_string(),
                        })
                    })
                });
                let stored = match stored {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = tokio::fs::remove_file(&staged_path).await;
                        return Err(e);
                    }
                };
                file = Some(stored);
                (kind.as_str(), rendered)
            }
        };
        self.queue_send(caller, conversation_id, kind, request, rendered, file)
            .await
    }

    /// Checks an uploaded file against WhatsApp's rules for `kind` and the window, reading only
    /// its first bytes; the trimmed caption and the file's size.
    pub(super) async fn check_staged(
        self: &Arc<Self>,
        staged: &StagedFile,
        kind: MediaKind,
        mime: &str,
        filename: &str,
        caption: Option<String>,
    ) -> Result<(Option<String>, u64), ApiError> {
        let caption = caption
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        let head = read_head(&staged.path).await.map_err(|e| {
            ApiError::from(wabox_protocol::ErrorCode::UploadUnreadable {
                filename: filename.to_string(),
                detail: e.to_string(),
            })
        })?;
        media::check_file(kind, mime, staged.bytes, &head, caption.as_deref()).map_err(|e| {
            ApiError::from(wabox_protocol::ErrorCode::FileRefused {
                filename: filename.to_string(),
                detail: e.to_string(),
            })
        })?;
        // The bytes, not the name, say what a file is (a text file called `fake.jpg`).
        wabox_domain::media_content::check_content(kind, mime, &head).map_err(|e| {
            let hint = match kind {
                MediaKind::Document => "",
                _ => ": to send it as it is, send it as a document (`--kind document`)",
            };
            ApiError::from(wabox_protocol::ErrorCode::FileRefused {
                filename: filename.to_string(),
                detail: format!("{e}{hint}"),
            })
        })?;
        Ok((caption, staged.bytes))
    }

    /// Queues a checked send with its message row (and its file) in one transaction.
    pub(super) async fn queue_send(
        self: &Arc<Self>,
        caller: &Caller,
        conversation_id: i64,
        kind: &'static str,
        request: serde_json::Value,
        rendered: String,
        file: Option<OutboundFile>,
    ) -> Result<Response, ApiError> {
        let by = caller.user.clone();
        let queued = self
            .write(move |ctx| {
                // The writer's savepoint around each job already keeps nothing of one that
                // fails: one of its own would cost two more round trips on PostgreSQL.
                let conn = &ctx.conn;
                let target = outbox::send_target(conn, conversation_id)?;
                let reply_to = request
                    .pointer("/context/message_id")
                    .and_then(serde_json::Value::as_str);
                let q = outbox::queue(
                    conn,
                    &target,
                    &outbox::NewSend {
                        kind,
                        request: &request,
                        rendered: &rendered,
                        requested_by: &by,
                        origin: "agent",
                        reply_to,
                    },
                    super::outbox::now_ms(),
                    &mut ctx.events,
                )?;
                if let Some(file) = &file {
                    wabox_store::media::add_outbound(conn, q.message_id, target.number_id, file)?;
                }
                Ok(q)
            })
            .await?;
        self.outbox_wake.notify_one();
        tracing::info!(conversation_id, message_id = queued.message_id, kind, by = %caller.user, "message queued");
        Ok(Response::Queued(queued))
    }

    /// Free-form messages go only while the customer's window is open; the refusal names the
    /// templates that may go instead.
    pub(super) async fn refuse_outside_window(
        self: &Arc<Self>,
        target: &SendTarget,
        now: i64,
    ) -> Result<(), ApiError> {
        let window = ServiceWindow::at(target.last_inbound_at, now);
        if window.is_open() {
            return Ok(());
        }
        let waba = target.waba_id.clone();
        let names = self
            .read(move |c| templates::approved_names(c, &waba))
            .await?;
        let conversation = target.conversation_id;
        Err(ApiError::from(match window {
            ServiceWindow::Closed { .. } => wabox_protocol::ErrorCode::WindowClosed {
                closed: window.label(now),
                templates: names,
                conversation,
            },
            _ => wabox_protocol::ErrorCode::NoWindow {
                templates: names,
                conversation,
            },
        }))
    }
}

/// Fills a free-form text into `request` (addressed already); the body as the customer reads it.
pub(crate) fn text_content(request: &mut serde_json::Value, body: &str) -> Result<String, String> {
    let body = body.trim_end().to_string();
    if body.trim().is_empty() {
        return Err("the message is empty".into());
    }
    let chars = body.chars().count();
    if chars > 4096 {
        return Err(format!(
            "the message is {chars} characters long; WhatsApp allows 4096"
        ));
    }
    let preview = body.contains("http://") || body.contains("https://");
    request["type"] = json!("text");
    request["text"] = json!({"body": body, "preview_url": preview});
    Ok(body)
}

/// Fills a synced template with its parameters into `request` (addressed already); the request
/// and the text as the customer reads it.
pub(super) fn template_content(
    conn: &wabox_store::db::Connection,
    target: &SendTarget,
    mut request: serde_json::Value,
    name: &str,
    language: &str,
    params: &[String],
    header: Option<&HeaderValue>,
) -> Result<(serde_json::Value, String), String> {
    let spec = templates::find(conn, &target.waba_id, name, language)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "no template {name} ({language}) is synced for number {}: `wabox templates --number {}` lists them",
                target.phone_number_id, target.phone_number_id
            )
        })?;
    let params: Vec<TemplateParam> = params
        .iter()
        .map(|p| TemplateParam::parse(p, spec.parameter_format))
        .collect();
    let filled = fill(&spec, &params).map_err(|e| e.to_string())?;
    let shown = format!("{} ({})", spec.name, spec.language);
    template_header::check(&shown, spec.header_media, header).map_err(|e| e.to_string())?;
    let mut components = match filled.components {
        serde_json::Value::Array(c) => c,
        _ => Vec::new(),
    };
    let mut rendered = filled.rendered;
    if let (Some(format), Some(given)) = (spec.header_media, header) {
        // Meta reads the components in order: the header comes first.
        components.insert(0, template_header::component(format, given));
        rendered = format!("{}\n{rendered}", template_header::summary(format, given));
    }
    let mut template = json!({"name": spec.name, "language": {"code": spec.language}});
    if !components.is_empty() {
        template["components"] = json!(components);
    }
    request["type"] = json!("template");
    request["template"] = template;
    Ok((request, rendered))
}

/// A message addressed to the conversation's customer, before its content.
pub(crate) fn addressed(target: &SendTarget) -> Result<serde_json::Value, String> {
    let Some((field, address)) = target.address() else {
        return Err("this contact has neither a phone number nor a user id to send to".into());
    };
    let recipient_type = if target.group_id.is_some() {
        "group"
    } else {
        "individual"
    };
    let mut request = json!({"messaging_product": "whatsapp", "recipient_type": recipient_type});
    request[field] = json!(address);
    Ok(request)
}

/// The first `HEAD_BYTES` of a file (all of it if shorter): what the media check needs.
async fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::with_capacity(media::HEAD_BYTES);
    tokio::fs::File::open(path)
        .await?
        .take(media::HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .await?;
    Ok(head)
}

/// Moves an uploaded file to `DATA_DIR/outbox-media/<sha256>` and makes it durable (file and
/// directory synced) before the row that names it is committed: a crash right after the commit
/// must not leave a queued message without its file. The name is the content's hash, so the same
/// file sent twice is stored once. The file is hashed as it is read, a buffer at a time.
pub(super) fn store_file(
    data_dir: &Path,
    staged: &Path,
    mime_type: String,
    filename: String,
) -> std::io::Result<OutboundFile> {
    use std::io::Read;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut f = std::fs::File::open(staged)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    f.sync_all()?;
    drop(f);
    let digest = hasher.finalize();
    let name = hex::encode(digest);
    let relative = format!("{OUTBOX_MEDIA_DIR}/{name}");
    let dir = data_dir.join(OUTBOX_MEDIA_DIR);
    std::fs::create_dir_all(&dir)?;
    // Same directory tree, same filesystem: a rename, never a copy.
    std::fs::rename(staged, data_dir.join(&relative))?;
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(OutboundFile {
        path: relative,
        mime_type,
        sha256: base64::engine::general_purpose::STANDARD.encode(digest),
        bytes: bytes as i64,
        filename,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outgoing_file_is_stored_once_by_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let staged = |name: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, b"photo").unwrap();
            p
        };
        let a = store_file(
            dir.path(),
            &staged("s1"),
            "image/jpeg".into(),
            "a.jpg".into(),
        )
        .unwrap();
        let b = store_file(
            dir.path(),
            &staged("s2"),
            "image/jpeg".into(),
            "b.jpg".into(),
        )
        .unwrap();
        assert_eq!(a.path, b.path);
        assert_eq!(a.bytes, 5);
        assert!(a.path.starts_with("outbox-media/"));
        assert_eq!(std::fs::read(dir.path().join(&a.path)).unwrap(), b"photo");
        let leftovers = std::fs::read_dir(dir.path().join(OUTBOX_MEDIA_DIR))
            .unwrap()
            .count();
        assert_eq!(leftovers, 1, "one file for two sends");
        assert!(!dir.path().join("s1").exists() && !dir.path().join("s2").exists());
    }
}
