//! Each screen's answer to keys, the engine's replies and the clock, grouped as the admin meets
//! them: the start (tenant, path, queue), the browser signups (Meta, Kapso), numbers typed by
//! hand (manual, coexistence, history), and the rest (import, dashboard, summary).

mod by_hand;
mod other;
mod signup;
mod start;

use super::field::Field;
use super::keys::Act;
use super::state::*;
use super::{Ask, Effect, Wizard};
use crate::domain::ConnectionKind;
use crate::protocol::{ConnectReport, Response};
use crossterm::event::KeyEvent;

impl Wizard {
    pub(super) fn step_key(&mut self, act: Option<Act>, key: &KeyEvent) -> Vec<Effect> {
        match &self.screen {
            Screen::Tenant(_) => self.tenant_key(act, key),
            Screen::Path(_) => self.path_key(act),
            Screen::Queue(_) => self.queue_key(act, key),
            Screen::Kapso(_) => self.kapso_key(act, key),
            Screen::Link(_) => self.link_key(act),
            Screen::Choose(_) => self.choose_key(act),
            Screen::Pin(_) => self.pin_key(act, key),
            Screen::Manual(_) => self.manual_key(act, key),
            Screen::Coexistence(_) => self.coexistence_key(act),
            Screen::History(_) => self.history_key(act),
            Screen::Import(_) => self.import_key(act, key),
            Screen::Dashboard(_) => self.dashboard_key(act),
            Screen::Summary(_) => self.summary_key(act),
        }
    }

    /// Esc: one step back, except where there is nothing left to go back to.
    pub(super) fn back_key(&mut self) -> Vec<Effect> {
        match &self.screen {
            // The number is connected: Esc moves on, the import goes on in the engine.
            Screen::History(h) => {
                let report = h.report.clone();
                self.settle(Screen::Summary(SummaryStep { report }))
            }
            Screen::Summary(_) => self.restart(),
            _ => self.go_back(),
        }
    }

    pub(super) fn step_reply(
        &mut self,
        ask: Ask,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        match &self.screen {
            Screen::Tenant(_) => self.tenant_reply(ask, result),
            Screen::Queue(_) => self.queue_reply(result),
            Screen::Link(_) => self.link_reply(ask, result),
            Screen::Choose(_) | Screen::Pin(_) => self.finish_reply(result),
            Screen::Manual(_) => self.manual_reply(result),
            Screen::Coexistence(_) => self.coexistence_reply(ask, result),
            Screen::History(_) => self.history_reply(ask, result),
            Screen::Import(_) => self.import_reply(ask, result),
            Screen::Dashboard(_) => self.dashboard_reply(result),
            Screen::Path(_) | Screen::Kapso(_) | Screen::Summary(_) => Vec::new(),
        }
    }

    pub(super) fn step_tick(&mut self) -> Vec<Effect> {
        match &self.screen {
            Screen::Link(_) => self.link_tick(),
            Screen::Coexistence(_) => self.coexistence_tick(),
            Screen::History(_) => self.history_tick(),
            _ => Vec::new(),
        }
    }

    /// What a screen asks the engine for when it is shown (again).
    pub(super) fn enter(&mut self) -> Vec<Effect> {
        match &self.screen {
            Screen::Tenant(s) if s.tenants.is_none() => {
                vec![self.call(Ask::Tenants, crate::protocol::Request::ListTenants)]
            }
            Screen::Queue(s) if s.queues.is_none() => {
                vec![self.call(Ask::Queues, crate::protocol::Request::ListQueues)]
            }
            Screen::Link(l) if l.signup.is_none() && l.error.is_none() => self.begin_signup(),
            Screen::Manual(_) if self.demo.is_none() => {
                // Asked once; an engine that is not the demo's answers with none.
                self.demo = Some(Vec::new());
                vec![self.call(Ask::Demo, crate::protocol::Request::DemoNumbers)]
            }
            Screen::Coexistence(_) => self.coexistence_tick(),
            Screen::History(h) if !h.asked => self.request_history(),
            Screen::Dashboard(d) if d.view.is_none() => self.dashboard_request(false, false),
            _ => Vec::new(),
        }
    }

    /// The field that typing and pasting go to, if the screen has one in focus.
    pub(super) fn focused_field(&mut self) -> Option<&mut Field> {
        match &mut self.screen {
            Screen::Tenant(s) => Some(&mut s.new_name),
            Screen::Queue(s) => Some(&mut s.new_name),
            Screen::Kapso(s) => match KapsoRow::ALL.get(s.focus) {
                Some(KapsoRow::Country) => Some(&mut s.country),
                Some(KapsoRow::Colour) => Some(&mut s.colour),
                Some(KapsoRow::Reconnect) => Some(&mut s.reconnect),
                _ => None,
            },
            Screen::Pin(s) => Some(&mut s.pin),
            Screen::Manual(s) => Some(match ManualRow::ALL.get(s.focus) {
                Some(ManualRow::WabaId) => &mut s.waba_id,
                Some(ManualRow::Token) => &mut s.token,
                _ => &mut s.phone_number_id,
            }),
            Screen::Import(s) if s.result.is_none() => Some(&mut s.path),
            _ => None,
        }
    }

    /// Something was typed: a name goes on the "new" row; an old answer no longer applies.
    pub(super) fn after_typing(&mut self) {
        match &mut self.screen {
            Screen::Tenant(s) => {
                s.selected = s.tenants.as_ref().map_or(0, Vec::len);
                s.error = None;
            }
            Screen::Queue(s) => {
                s.selected = s.rows() - 1;
                s.error = None;
            }
            Screen::Import(s) => {
                s.content = None;
                s.preview = None;
                s.error = None;
            }
            Screen::Kapso(s) => s.error = None,
            Screen::Manual(s) => s.error = None,
            _ => {}
        }
    }

    /// Types into the focused field; whether the key was text.
    pub(super) fn type_key(&mut self, key: &KeyEvent) -> bool {
        let typed = self.focused_field().is_some_and(|f| f.input(key));
        if typed {
            self.after_typing();
        }
        typed
    }

    /// A number is stored: a coexistence one has its history imported first, then the summary.
    pub(super) fn connected(&mut self, report: ConnectReport) -> Vec<Effect> {
        if report.number.connection == ConnectionKind::Coexistence {
            self.settle(Screen::History(HistoryStep {
                report,
                asked: false,
                sync: None,
                progress: None,
                polling: false,
                next_poll: self.now,
            }))
        } else {
            self.settle(Screen::Summary(SummaryStep { report }))
        }
    }
}

/// `i` moved by `delta` within `0..len`.
pub(super) fn moved(i: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (i as isize + delta).clamp(0, len as isize - 1) as usize
}

/// The engine answered with something this screen did not ask for.
pub(super) fn unexpected(response: &Response) -> String {
    format!("the engine answered {response:?}")
}
