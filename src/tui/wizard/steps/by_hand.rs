//! Numbers typed by hand: ids and a hidden token checked by the engine against Meta; a number on
//! the WhatsApp Business app watched until the phone confirms; then its history imported.

use super::{moved, unexpected};
use crate::domain::connections::is_meta_id;
use crate::domain::onboarding::{Onboarding, WaitingFor, assess};
use crate::protocol::{ErrorKind, Request, Response};
use crate::tui::wizard::keys::Act;
use crate::tui::wizard::state::*;
use crate::tui::wizard::{Ask, COEXISTENCE_LIMIT, COEXISTENCE_POLL, Effect, HISTORY_POLL, Wizard};
use crossterm::event::KeyEvent;

impl Wizard {
    pub(in crate::tui::wizard) fn manual_key(
        &mut self,
        act: Option<Act>,
        key: &KeyEvent,
    ) -> Vec<Effect> {
        let Screen::Manual(m) = &mut self.screen else {
            return Vec::new();
        };
        if m.checking {
            return Vec::new();
        }
        let rows = ManualRow::ALL.len();
        match act {
            Some(Act::Up | Act::PrevField) => m.focus = moved(m.focus, -1, rows),
            Some(Act::Down | Act::NextField) => m.focus = moved(m.focus, 1, rows),
            // Enter goes to the next field, and from the last one sends.
            Some(Act::Choose) if m.focus + 1 < rows => m.focus += 1,
            Some(Act::Choose) => return self.manual_submit(),
            _ => {
                self.type_key(key);
            }
        }
        Vec::new()
    }

    fn manual_submit(&mut self) -> Vec<Effect> {
        let (tenant, queue) = (self.tenant.clone().unwrap_or_default(), self.queue.clone());
        let now = self.now;
        let Screen::Manual(m) = &mut self.screen else {
            return Vec::new();
        };
        let (pnid, waba) = (
            m.phone_number_id.value().to_string(),
            m.waba_id.value().to_string(),
        );
        if !is_meta_id(&pnid) {
            m.focus = 0;
            m.error = Some(self.t.bad_phone_number_id.to_string());
            return Vec::new();
        }
        if !is_meta_id(&waba) {
            m.focus = 1;
            m.error = Some(self.t.bad_waba_id.to_string());
            return Vec::new();
        }
        if m.token.is_empty() {
            m.focus = 2;
            m.error = Some(self.t.token_needed.to_string());
            return Vec::new();
        }
        let token = m.token.secret();
        m.error = None;
        if m.coexistence {
            return self.go(Screen::Coexistence(CoexistenceStep {
                phone_number_id: pnid,
                waba_id: waba,
                token,
                started: now,
                deadline: now + COEXISTENCE_LIMIT,
                next_check: now,
                checking: false,
                checks: 0,
                last: None,
                phase: CoexistencePhase::Polling,
                error: None,
            }));
        }
        m.checking = true;
        vec![self.call(
            Ask::Connect,
            Request::ConnectManual {
                tenant,
                phone_number_id: pnid,
                waba_id: waba,
                access_token: token,
                queue,
                business_id: None,
                create_tenant: self.new_tenant,
            },
        )]
    }

    pub(in crate::tui::wizard) fn manual_reply(
        &mut self,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        let Screen::Manual(m) = &mut self.screen else {
            return Vec::new();
        };
        m.checking = false;
        match result {
            Ok(Response::Connected(report)) => self.connected(*report),
            Ok(other) => {
                m.error = Some(unexpected(&other));
                Vec::new()
            }
            Err(e) => {
                // A refused token is the field to correct.
                if e.kind == ErrorKind::TokenRefused {
                    m.focus = ManualRow::ALL.len() - 1;
                }
                m.error = Some(e.message);
                Vec::new()
            }
        }
    }

    pub(in crate::tui::wizard) fn coexistence_key(&mut self, act: Option<Act>) -> Vec<Effect> {
        let now = self.now;
        let Screen::Coexistence(c) = &mut self.screen else {
            return Vec::new();
        };
        // After the time limit, `r` watches the number for another while.
        if act == Some(Act::Again) && matches!(c.phase, CoexistencePhase::TimedOut(_)) {
            c.phase = CoexistencePhase::Polling;
            c.started = now;
            c.deadline = now + COEXISTENCE_LIMIT;
            c.next_check = now;
            c.error = None;
            return self.coexistence_tick();
        }
        Vec::new()
    }

    pub(in crate::tui::wizard) fn coexistence_tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Screen::Coexistence(c) = &mut self.screen else {
            return Vec::new();
        };
        if c.phase != CoexistencePhase::Polling || c.checking || now < c.next_check {
            return Vec::new();
        }
        if now >= c.deadline {
            let missing = match c.last.as_ref().map(assess) {
                Some(Onboarding::Waiting(w)) => w,
                _ => WaitingFor::CodeConfirmation,
            };
            c.phase = CoexistencePhase::TimedOut(missing);
            self.dirty = true;
            return Vec::new();
        }
        c.checking = true;
        let request = Request::CheckNumber {
            phone_number_id: c.phone_number_id.clone(),
            access_token: c.token.clone(),
        };
        vec![self.call(Ask::Check, request)]
    }

    pub(in crate::tui::wizard) fn coexistence_reply(
        &mut self,
        ask: Ask,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        let (tenant, queue, now) = (
            self.tenant.clone().unwrap_or_default(),
            self.queue.clone(),
            self.now,
        );
        let Screen::Coexistence(c) = &mut self.screen else {
            return Vec::new();
        };
        if ask == Ask::Connect {
            return match result {
                Ok(Response::Connected(report)) => self.connected(*report),
                Ok(other) => {
                    c.phase = CoexistencePhase::TimedOut(WaitingFor::Meta);
                    c.error = Some(unexpected(&other));
                    Vec::new()
                }
                Err(e) if e.kind == ErrorKind::TokenRefused => {
                    c.phase = CoexistencePhase::TokenRefused;
                    c.error = Some(e.message);
                    Vec::new()
                }
                Err(e) => {
                    // Meta says it is on the app, but connecting failed: say why, allow a retry.
                    c.phase = CoexistencePhase::TimedOut(WaitingFor::Meta);
                    c.error = Some(e.message);
                    Vec::new()
                }
            };
        }
        c.checking = false;
        c.next_check = now + COEXISTENCE_POLL;
        match result {
            Ok(Response::NumberState(state)) => {
                c.checks += 1;
                c.error = None;
                let connected = assess(&state) == Onboarding::Connected;
                c.last = Some(*state);
                if connected && c.phase == CoexistencePhase::Polling {
                    c.phase = CoexistencePhase::Connecting;
                    let request = Request::ConnectManual {
                        tenant,
                        phone_number_id: c.phone_number_id.clone(),
                        waba_id: c.waba_id.clone(),
                        access_token: c.token.clone(),
                        queue,
                        business_id: None,
                        create_tenant: self.new_tenant,
                    };
                    return vec![self.call(Ask::Connect, request)];
                }
            }
            Ok(other) => c.error = Some(unexpected(&other)),
            // Meta refused the token: asking again with it for the rest of the ten minutes
            // cannot help. Watching stops and the screen says why.
            Err(e) if e.kind == ErrorKind::TokenRefused => {
                c.checks += 1;
                c.phase = CoexistencePhase::TokenRefused;
                c.error = Some(e.message);
            }
            Err(e) => {
                c.checks += 1;
                c.error = Some(e.message);
            }
        }
        Vec::new()
    }

    /// Contacts and history, asked for once when the screen first shows.
    pub(in crate::tui::wizard) fn request_history(&mut self) -> Vec<Effect> {
        let Screen::History(h) = &mut self.screen else {
            return Vec::new();
        };
        if h.asked {
            return Vec::new();
        }
        h.asked = true;
        let pnid = h.report.number.phone_number_id.clone();
        h.polling = false;
        vec![self.call(
            Ask::HistorySync,
            Request::RequestHistorySync {
                phone_number_id: pnid,
            },
        )]
    }

    pub(in crate::tui::wizard) fn history_tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Screen::History(h) = &mut self.screen else {
            return Vec::new();
        };
        if h.sync.is_none() || h.done() || h.polling || now < h.next_poll {
            return Vec::new();
        }
        h.polling = true;
        let pnid = h.report.number.phone_number_id.clone();
        vec![self.call(
            Ask::Progress,
            Request::HistoryProgress {
                phone_number_id: pnid,
            },
        )]
    }

    pub(in crate::tui::wizard) fn history_reply(
        &mut self,
        ask: Ask,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        let now = self.now;
        let Screen::History(h) = &mut self.screen else {
            return Vec::new();
        };
        match (ask, result) {
            (Ask::HistorySync, Ok(Response::HistorySync(answers))) => {
                h.sync = Some(Ok(answers));
                h.next_poll = now;
                return self.history_tick();
            }
            (Ask::HistorySync, Ok(other)) => h.sync = Some(Err(unexpected(&other))),
            (Ask::HistorySync, Err(e)) => {
                // The progress is still worth watching: the history may have been asked before.
                h.sync = Some(Err(e.message));
                h.next_poll = now;
                return self.history_tick();
            }
            (_, Ok(Response::HistoryProgress(p))) => {
                h.polling = false;
                h.next_poll = now + HISTORY_POLL;
                h.progress = Some(*p);
            }
            (_, Ok(other)) => {
                h.polling = false;
                self.error(unexpected(&other));
            }
            (_, Err(e)) => {
                h.polling = false;
                h.next_poll = now + HISTORY_POLL;
                self.error(e.message);
            }
        }
        Vec::new()
    }

    pub(in crate::tui::wizard) fn history_key(&mut self, act: Option<Act>) -> Vec<Effect> {
        let Screen::History(h) = &self.screen else {
            return Vec::new();
        };
        if act == Some(Act::Choose) {
            let report = h.report.clone();
            return self.settle(Screen::Summary(SummaryStep { report }));
        }
        Vec::new()
    }
}
