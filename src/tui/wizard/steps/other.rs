//! A connections file imported, what Meta's App Dashboard needs, and the summary.

use super::unexpected;
use crate::protocol::{Request, Response};
use crate::tui::wizard::keys::Act;
use crate::tui::wizard::state::*;
use crate::tui::wizard::{Ask, Effect, Wizard};
use crossterm::event::KeyEvent;

impl Wizard {
    pub(in crate::tui::wizard) fn import_key(
        &mut self,
        act: Option<Act>,
        key: &KeyEvent,
    ) -> Vec<Effect> {
        let (tenant, create_tenant, queue) =
            (self.tenant.clone(), self.new_tenant, self.queue.clone());
        let Screen::Import(s) = &mut self.screen else {
            return Vec::new();
        };
        if s.working {
            return Vec::new();
        }
        if s.result.is_some() {
            // Done: Enter connects another number.
            return match act {
                Some(Act::Choose) => self.restart(),
                _ => Vec::new(),
            };
        }
        if act != Some(Act::Choose) {
            self.type_key(key);
            return Vec::new();
        }
        match (&s.content, &s.preview) {
            // Previewed: Enter applies it.
            (Some((file_name, content)), Some(_)) => {
                let request = Request::Sync {
                    file_name: file_name.clone(),
                    content: content.clone(),
                    tenant,
                    dry_run: false,
                    create_tenant,
                    queue,
                };
                s.working = true;
                vec![self.call(Ask::ImportApply, request)]
            }
            _ if s.path.is_empty() => {
                s.error = Some(self.t.import_path_needed.to_string());
                Vec::new()
            }
            _ => {
                s.working = true;
                s.error = None;
                let path = s.path.value().to_string();
                let tag = self.tag(Ask::ReadImport);
                vec![Effect::ReadFile(tag, path)]
            }
        }
    }

    /// The file's text: what applying it would change is asked first (a dry run).
    pub(in crate::tui::wizard) fn import_file(
        &mut self,
        result: Result<String, String>,
    ) -> Vec<Effect> {
        let (tenant, create_tenant, queue) =
            (self.tenant.clone(), self.new_tenant, self.queue.clone());
        let Screen::Import(s) = &mut self.screen else {
            return Vec::new();
        };
        match result {
            Ok(content) => {
                let file_name = s.path.value().to_string();
                s.content = Some((file_name.clone(), content.clone()));
                vec![self.call(
                    Ask::ImportPreview,
                    Request::Sync {
                        file_name,
                        content,
                        tenant,
                        dry_run: true,
                        create_tenant,
                        queue,
                    },
                )]
            }
            Err(why) => {
                s.working = false;
                s.error = Some(why);
                Vec::new()
            }
        }
    }

    pub(in crate::tui::wizard) fn import_reply(
        &mut self,
        ask: Ask,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        let Screen::Import(s) = &mut self.screen else {
            return Vec::new();
        };
        s.working = false;
        match (ask, result) {
            (Ask::ImportPreview, Ok(Response::Synced(report))) => s.preview = Some(*report),
            (Ask::ImportApply, Ok(Response::Synced(report))) => s.result = Some(*report),
            (_, Ok(other)) => s.error = Some(unexpected(&other)),
            (_, Err(e)) => s.error = Some(e.message),
        }
        Vec::new()
    }

    pub(in crate::tui::wizard) fn dashboard_request(
        &mut self,
        test: bool,
        reveal: bool,
    ) -> Vec<Effect> {
        if let Screen::Dashboard(d) = &mut self.screen {
            d.working = true;
        }
        vec![self.call(Ask::Dashboard, Request::Dashboard { test, reveal })]
    }

    pub(in crate::tui::wizard) fn dashboard_key(&mut self, act: Option<Act>) -> Vec<Effect> {
        let Screen::Dashboard(d) = &mut self.screen else {
            return Vec::new();
        };
        if d.working {
            return Vec::new();
        }
        match act {
            Some(Act::Reveal) if d.revealed => {
                // Hidden again, and forgotten: only the engine keeps it.
                d.revealed = false;
                if let Some(v) = &mut d.view {
                    v.verify_token = None;
                }
                Vec::new()
            }
            Some(Act::Reveal) => {
                d.revealed = true;
                self.dashboard_request(false, true)
            }
            Some(Act::Test) => {
                let reveal = d.revealed;
                self.dashboard_request(true, reveal)
            }
            _ => Vec::new(),
        }
    }

    pub(in crate::tui::wizard) fn dashboard_reply(
        &mut self,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        let Screen::Dashboard(d) = &mut self.screen else {
            return Vec::new();
        };
        d.working = false;
        match result {
            Ok(Response::Dashboard(mut view)) => {
                if !d.revealed {
                    view.verify_token = None;
                }
                d.error = None;
                d.view = Some(*view);
            }
            Ok(other) => d.error = Some(unexpected(&other)),
            Err(e) => d.error = Some(e.message),
        }
        Vec::new()
    }

    pub(in crate::tui::wizard) fn summary_key(&mut self, act: Option<Act>) -> Vec<Effect> {
        match act {
            Some(Act::Choose) => self.restart(),
            _ => Vec::new(),
        }
    }
}
