//! Who reads an answer, and when: what the engine's rows leave to each client (a window's
//! words at the engine's now, a failure's advice for the reader's role) is worded here, for the
//! CLI's human lines and for `--json`, which keeps the words it always had.

use crate::client::Client;
use crate::protocol::views::{ConversationView, ErrorView, MessageView};
use crate::protocol::{EngineInfo, Request, Response, Role};
use serde_json::{Value, json};

/// Makes a request (every page of a list) and learns its reader when the answer needs one.
pub async fn call(client: &mut Client, request: Request) -> anyhow::Result<(Response, Reader)> {
    let response = super::paging::call(client, request).await?;
    let reader = if Reader::needed(&response) {
        Reader::ask(client).await?
    } else {
        Reader::unused()
    };
    Ok((response, reader))
}

/// The reader of an answer: an admin or not, and the engine's now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    pub admin: bool,
    /// The engine's now, in unix seconds (its clock may have been moved: tests, the demo).
    pub now: i64,
}

impl Reader {
    /// As the engine said in its `Hello`.
    pub fn from_info(info: &EngineInfo) -> Reader {
        Reader {
            admin: info.role == Some(Role::Admin),
            now: crate::domain::time::system_now_unix() + info.clock_offset_seconds,
        }
    }

    /// Asks the engine who the user is and what its clock says.
    pub async fn ask(client: &mut Client) -> anyhow::Result<Reader> {
        match client.call(Request::Hello).await? {
            Response::Hello(info) => Ok(Reader::from_info(&info)),
            _ => anyhow::bail!("the engine answered a hello with something else"),
        }
    }

    /// Whether printing this answer depends on the reader (rows with windows or failures).
    pub fn needed(response: &Response) -> bool {
        matches!(
            response,
            Response::Conversations(_)
                | Response::Conversation(_)
                | Response::Messages(_)
                | Response::Message(_)
        )
    }

    /// For answers that hold no row depending on the reader.
    pub fn unused() -> Reader {
        Reader {
            admin: false,
            now: crate::domain::time::now_unix(),
        }
    }

    /// What a failure's code means and what to do, for this reader (none for wabox's own
    /// failures, code 0, and for codes wabox does not know: the title says it then).
    pub fn explanation(&self, e: &ErrorView) -> Option<&'static str> {
        use crate::i18n::failures::{Audience, explain};
        match (e.code, self.admin) {
            (0, _) => None,
            // Admins get the command to run; agents are told an admin must act.
            (code, true) => explain(code, crate::i18n::Lang::En, Audience::Admin),
            (code, false) => crate::cloud::explain(code, crate::cloud::Lang::En),
        }
    }

    /// The engine's `Hello` as `--json` has always shown it: what the engine tells clients for
    /// their own wording (role, clock) is theirs, not the script's.
    pub fn hello_json(info: &EngineInfo) -> serde_json::Result<Value> {
        let mut value = serde_json::to_value(info)?;
        if let Some(o) = value.as_object_mut() {
            o.remove("role");
            o.remove("clock_offset_seconds");
            o.remove("protocol");
            // Said only to a caller with a token that expires.
            if o.get("token_expires_at").is_some_and(Value::is_null) {
                o.remove("token_expires_at");
            }
        }
        Ok(value)
    }

    /// A message as `--json` shows it: its failure explained for this reader.
    pub fn message_json(&self, m: &MessageView) -> serde_json::Result<Value> {
        let mut value = serde_json::to_value(m)?;
        if let (Some(e), Some(Value::Object(error))) = (&m.error, value.get_mut("error")) {
            error.insert("explanation".into(), json!(self.explanation(e)));
            if self.admin {
                error.insert("for_admin".into(), json!(true));
            }
        }
        Ok(value)
    }

    /// A conversation as `--json` shows it: its window worded at the engine's now.
    pub fn conversation_json(&self, c: &ConversationView) -> serde_json::Result<Value> {
        let mut value = serde_json::to_value(c)?;
        if let Some(Value::Object(window)) = value.get_mut("window") {
            window.insert("label".into(), json!(c.window.label(self.now)));
        }
        Ok(value)
    }

    pub fn messages_json(&self, ms: &[MessageView]) -> serde_json::Result<Value> {
        ms.iter()
            .map(|m| self.message_json(m))
            .collect::<serde_json::Result<Vec<_>>>()
            .map(Value::Array)
    }

    pub fn conversations_json(&self, cs: &[ConversationView]) -> serde_json::Result<Value> {
        cs.iter()
            .map(|c| self.conversation_json(c))
            .collect::<serde_json::Result<Vec<_>>>()
            .map(Value::Array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::views::WindowView;

    const NOW: i64 = 1_795_708_800;

    fn failed(code: i64) -> MessageView {
        let json = json!({
            "id": 5, "conversation_id": 1, "wamid": "wamid.5", "direction": "out",
            "origin": "agent", "type": "text", "text": "hi", "at": NOW, "status": "failed",
            "error": {"code": code, "title": "Error validating access token"},
            "reply_to": null, "forwarded": false, "reactions": [], "edited": false,
            "revoked": false, "previous_texts": [], "media": null
        });
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn json_explains_a_failure_for_its_reader_as_the_engine_used_to() {
        let agent = Reader {
            admin: false,
            now: NOW,
        };
        let v = agent.message_json(&failed(190)).unwrap();
        assert_eq!(
            v["error"],
            json!({"code": 190, "title": "Error validating access token",
                   "explanation": crate::cloud::explain(190, crate::cloud::Lang::En)})
        );
        let admin = Reader {
            admin: true,
            ..agent
        };
        let v = admin.message_json(&failed(190)).unwrap();
        let why = v["error"]["explanation"].as_str().unwrap();
        assert!(why.contains("renew it with `wabox connect`"), "{why}");
        assert_eq!(v["error"]["for_admin"], true);
        // wabox's own failure (code 0): its title says it all.
        let v = agent.message_json(&failed(0)).unwrap();
        assert_eq!(v["error"]["explanation"], Value::Null);
        assert_eq!(v["error"].get("for_admin"), None);
        // Shaped for scripts, the time reads as it always did.
        assert_eq!(super::super::json::shape(v)["at"], "2026-11-26T16:00:00Z");
    }

    #[test]
    fn a_window_is_worded_at_the_engines_now_not_the_readers_clock() {
        let window = WindowView {
            open: true,
            closes_at: Some(NOW + 9 * 60),
        };
        assert_eq!(window.label(NOW), "closes in 9m");
        assert_eq!(window.label(NOW + 9 * 60 + 3 * 86_400), "closed 3d ago");
        let never = WindowView {
            open: false,
            closes_at: None,
        };
        assert_eq!(never.label(NOW), "no window");
        let info = EngineInfo {
            version: "0".into(),
            mode: crate::protocol::EngineMode::Engine,
            data_dir: String::new(),
            user: "ana".into(),
            role: Some(Role::Agent),
            clock_offset_seconds: 86_400,
            protocol: crate::protocol::PROTOCOL_VERSION,
            token_expires_at: None,
        };
        let reader = Reader::from_info(&info);
        let system = crate::domain::time::system_now_unix();
        assert!((reader.now - system - 86_400).abs() <= 1);
        assert!(!reader.admin);
        let hello = Reader::hello_json(&info).unwrap();
        let keys: Vec<&str> = hello
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["version", "mode", "data_dir", "user"]);
    }
}
