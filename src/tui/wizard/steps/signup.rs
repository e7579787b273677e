//! Browser signups: the link handed to the business (Meta's Embedded Signup or a Kapso setup
//! link), the engine asked how it stands, then the number picked and a dedicated one's PIN.

use super::unexpected;
use crate::protocol::{Request, Response, SignupStatus, SignupView};
use crate::tui::wizard::field::Field;
use crate::tui::wizard::keys::Act;
use crate::tui::wizard::state::*;
use crate::tui::wizard::{Ask, Effect, SIGNUP_POLL, Wizard};
use crossterm::event::KeyEvent;

impl Wizard {
    /// The link asked for (and the public URL its short form lives on).
    pub(in crate::tui::wizard) fn begin_signup(&mut self) -> Vec<Effect> {
        let (tenant, queue) = (self.tenant.clone().unwrap_or_default(), self.queue.clone());
        let Screen::Link(l) = &mut self.screen else {
            return Vec::new();
        };
        l.working = true;
        l.error = None;
        let path = l.path.clone();
        let mut out = vec![self.call(
            Ask::Begin,
            Request::BeginSignup {
                tenant,
                path,
                queue,
            },
        )];
        if self.public_url.is_none() {
            out.push(self.call(
                Ask::PublicUrl,
                Request::Dashboard {
                    test: false,
                    reveal: false,
                },
            ));
        }
        out
    }

    /// What the QR code holds: `{public_url}/c/{code}`, else the full URL.
    pub fn short_link(&self, view: &SignupView) -> String {
        match &self.public_url {
            Some(p) => format!("{}/c/{}", p.trim_end_matches('/'), view.short_code),
            None => view.url.clone(),
        }
    }

    pub(in crate::tui::wizard) fn link_key(&mut self, act: Option<Act>) -> Vec<Effect> {
        let Screen::Link(l) = &self.screen else {
            return Vec::new();
        };
        if l.working {
            return Vec::new();
        }
        let (view, open) = (l.signup.clone(), l.open());
        match (act, view) {
            (Some(Act::Copy), Some(view)) if open => {
                // Where it went is said when the copy is done (`on_copied`).
                vec![Effect::Copy(self.short_link(&view))]
            }
            (Some(Act::Again), None) => self.begin_signup(),
            (Some(Act::Again), Some(view)) => {
                self.set_link_working();
                vec![self.call(Ask::Regenerate, Request::RegenerateSignup { id: view.id })]
            }
            (Some(Act::Revoke), Some(view)) if open => {
                self.set_link_working();
                vec![self.call(Ask::Revoke, Request::RevokeSignup { id: view.id })]
            }
            _ => Vec::new(),
        }
    }

    fn set_link_working(&mut self) {
        if let Screen::Link(l) = &mut self.screen {
            l.working = true;
        }
    }

    pub(in crate::tui::wizard) fn link_tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Screen::Link(l) = &mut self.screen else {
            return Vec::new();
        };
        let Some(id) = l.signup.as_ref().filter(|_| l.open()).map(|s| s.id) else {
            return Vec::new();
        };
        if l.polling || l.working || now < l.next_poll {
            return Vec::new();
        }
        l.polling = true;
        vec![self.call(Ask::Poll, Request::GetSignup { id })]
    }

    pub(in crate::tui::wizard) fn link_reply(
        &mut self,
        ask: Ask,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        let now = self.now;
        let Screen::Link(l) = &mut self.screen else {
            return Vec::new();
        };
        if ask == Ask::Poll {
            l.polling = false;
            l.next_poll = now + SIGNUP_POLL;
        } else {
            l.working = false;
        }
        let view = match result {
            Ok(Response::Signup(v)) => *v,
            Ok(other) => {
                l.error = Some(unexpected(&other));
                return Vec::new();
            }
            Err(e) => {
                if ask == Ask::Poll {
                    // A lost answer is asked again; the link still works.
                    self.error(e.message);
                } else if ask == Ask::Begin {
                    l.error = Some(e.message);
                } else {
                    self.error(e.message);
                }
                return Vec::new();
            }
        };
        // A regenerated link is a new signup; a stale poll of the old one is not news.
        if ask == Ask::Poll && l.signup.as_ref().is_some_and(|s| s.id != view.id) {
            return Vec::new();
        }
        l.error = None;
        if ask == Ask::Regenerate {
            l.next_poll = now + SIGNUP_POLL;
        }
        let status = view.status;
        l.signup = Some(view.clone());
        match status {
            SignupStatus::Choose => self.meta_came_back(view),
            SignupStatus::Connected => match view.report {
                Some(report) => self.connected(report),
                None => {
                    self.error(self.t.report_missing.to_string());
                    Vec::new()
                }
            },
            SignupStatus::Revoked if ask == Ask::Revoke => {
                self.info(self.t.revoked.to_string());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Meta sent the business token: pick the number (and type a dedicated one's PIN).
    fn meta_came_back(&mut self, view: SignupView) -> Vec<Effect> {
        match view.candidates.as_slice() {
            [only] if !only.coexistence => {
                let candidate = only.clone();
                self.replace(Screen::Pin(pin_step(view, candidate)))
            }
            [only] => {
                let pnid = only.phone_number_id.clone();
                let id = view.id;
                let out = self.replace(Screen::Choose(ChooseStep {
                    signup: view,
                    selected: 0,
                    finishing: true,
                    error: None,
                }));
                let mut out = out;
                out.push(self.call(
                    Ask::Finish,
                    Request::FinishSignup {
                        id,
                        phone_number_id: Some(pnid),
                        pin: None,
                    },
                ));
                out
            }
            _ => self.replace(Screen::Choose(ChooseStep {
                signup: view,
                selected: 0,
                finishing: false,
                error: None,
            })),
        }
    }

    pub(in crate::tui::wizard) fn choose_key(&mut self, act: Option<Act>) -> Vec<Effect> {
        let Screen::Choose(c) = &mut self.screen else {
            return Vec::new();
        };
        if c.finishing {
            return Vec::new();
        }
        let len = c.signup.candidates.len();
        match act {
            Some(Act::Up) => c.selected = super::moved(c.selected, -1, len),
            Some(Act::Down) => c.selected = super::moved(c.selected, 1, len),
            Some(Act::Choose) => {
                let Some(candidate) = c.signup.candidates.get(c.selected).cloned() else {
                    return Vec::new();
                };
                if !candidate.coexistence {
                    let view = c.signup.clone();
                    return self.go(Screen::Pin(pin_step(view, candidate)));
                }
                c.finishing = true;
                c.error = None;
                let id = c.signup.id;
                return vec![self.call(
                    Ask::Finish,
                    Request::FinishSignup {
                        id,
                        phone_number_id: Some(candidate.phone_number_id),
                        pin: None,
                    },
                )];
            }
            _ => {}
        }
        Vec::new()
    }

    pub(in crate::tui::wizard) fn pin_key(
        &mut self,
        act: Option<Act>,
        key: &KeyEvent,
    ) -> Vec<Effect> {
        let Screen::Pin(p) = &mut self.screen else {
            return Vec::new();
        };
        if p.finishing {
            return Vec::new();
        }
        if act != Some(Act::Choose) {
            if self.type_key(key)
                && let Screen::Pin(p) = &mut self.screen
            {
                p.error = None;
            }
            return Vec::new();
        }
        if p.pin.len() != 6 {
            p.error = Some(self.t.pin_six_digits.to_string());
            return Vec::new();
        }
        p.finishing = true;
        p.error = None;
        let (id, pnid, pin) = (
            p.signup.id,
            p.candidate.phone_number_id.clone(),
            p.pin.secret(),
        );
        vec![self.call(
            Ask::Finish,
            Request::FinishSignup {
                id,
                phone_number_id: Some(pnid),
                pin: Some(pin),
            },
        )]
    }

    /// The answer to FinishSignup, on the Choose or the PIN screen.
    pub(in crate::tui::wizard) fn finish_reply(
        &mut self,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        match result {
            Ok(Response::Connected(report)) => self.connected(*report),
            Ok(other) => {
                self.set_finish_error(unexpected(&other));
                Vec::new()
            }
            Err(e) => {
                self.set_finish_error(e.message);
                Vec::new()
            }
        }
    }

    fn set_finish_error(&mut self, why: String) {
        match &mut self.screen {
            Screen::Choose(c) => {
                c.finishing = false;
                c.error = Some(why);
            }
            Screen::Pin(p) => {
                // Meta refused the PIN (or the registration): type it again.
                p.finishing = false;
                p.tries += 1;
                p.pin.clear();
                p.error = Some(why);
            }
            _ => {}
        }
    }
}

fn pin_step(signup: SignupView, candidate: crate::protocol::SignupCandidate) -> PinStep {
    PinStep {
        signup,
        candidate,
        pin: Field::pin(6),
        finishing: false,
        error: None,
        tries: 0,
    }
}
