//! The inbox words windows, countdowns and failures itself, at the engine's now and for the
//! user's role, both of which the engine tells on each connect (`Hello`) and when its clock
//! is moved (a test or demo engine).

use super::App;
use crate::protocol::{ApiError, Response, Role};

impl App {
    pub(super) fn hello_reply(&mut self, result: Result<Response, ApiError>) {
        // An engine that cannot say leaves the inbox as it was: the agent's own clock and
        // role, which only change the words of advice and countdowns.
        if let Ok(Response::Hello(info)) = result {
            self.admin = info.role == Some(Role::Admin);
            self.clock_moved(info.clock_offset_seconds);
        }
    }

    pub(super) fn clock_moved(&mut self, offset_seconds: i64) {
        if offset_seconds != self.clock_offset {
            let system_now = self.now - self.clock_offset;
            self.clock_offset = offset_seconds;
            self.on_tick(system_now);
            self.dirty = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::protocol::{EngineInfo, EngineMode, Response, Role};
    use crate::tui::app::Tag;

    fn hello(role: Option<Role>, clock_offset_seconds: i64) -> Response {
        Response::Hello(EngineInfo {
            version: "0".into(),
            mode: EngineMode::Engine,
            data_dir: "/tmp".into(),
            user: "ana".into(),
            role,
            clock_offset_seconds,
            protocol: crate::protocol::PROTOCOL_VERSION,
            token_expires_at: None,
        })
    }

    #[test]
    fn the_inbox_takes_the_engines_now_and_the_users_role_from_hello() {
        let mut app = crate::tui::fixtures::inbox("en");
        let before = app.now;
        app.on_reply(Tag::Hello, Ok(hello(Some(Role::Admin), 3 * 86_400)));
        assert!(app.admin);
        assert_eq!(app.now, before + 3 * 86_400);
        // The tick keeps the offset: the system's clock plus the engine's.
        app.on_tick(before + 60);
        assert_eq!(app.now, before + 60 + 3 * 86_400);
        app.on_reply(Tag::Hello, Ok(hello(Some(Role::Agent), 3 * 86_400)));
        assert!(!app.admin);
    }

    #[test]
    fn a_moved_engine_clock_moves_the_inboxs_now() {
        let mut app = crate::tui::fixtures::inbox("en");
        let before = app.now;
        app.on_push(crate::protocol::push::Push {
            clock_offset_seconds: Some(7_200),
            ..Default::default()
        });
        assert_eq!(app.now, before + 7_200);
        app.on_push(crate::protocol::push::Push {
            clock_offset_seconds: Some(9_000),
            ..Default::default()
        });
        assert_eq!(app.now, before + 9_000);
    }
}
