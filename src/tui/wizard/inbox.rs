//! The wizard inside the inbox: the app holds it while it is open, hands it keys, answers and
//! ticks first, and turns its effects into the inbox's (requests go over the same engine link).

use super::{Effect as WizardEffect, Tag as WizardTag, Wizard};
use crate::i18n::wizard::WizardStrings;
use crate::protocol::{ApiError, Response};
use crate::tui::app::{App, Effect, Tag};
use crossterm::event::KeyEvent;

impl App {
    /// `C` or `:connect`: the wizard over the whole screen. An agent is told it is not theirs
    /// before it opens (the engine refuses their every step anyway), as the report does.
    pub fn open_wizard(&mut self) -> Vec<Effect> {
        if !self.admin {
            self.info(self.t.connect_admins_only);
            return Vec::new();
        }
        let t = WizardStrings::for_code(&self.language);
        let (wizard, effects) = Wizard::start(t, self.now, true);
        self.wizard = Some(Box::new(wizard));
        self.dirty = true;
        self.wizard_effects(effects)
    }

    fn wizard_effects(&mut self, effects: Vec<WizardEffect>) -> Vec<Effect> {
        if let Some(w) = &mut self.wizard
            && std::mem::take(&mut w.dirty)
        {
            self.dirty = true;
        }
        let mut out = Vec::new();
        for effect in effects {
            match effect {
                WizardEffect::Call(tag, request) => {
                    out.push(Effect::Call(Tag::Wizard(tag), request))
                }
                WizardEffect::Copy(text) => out.push(Effect::Copy(text)),
                WizardEffect::ReadFile(tag, path) => out.push(Effect::ReadFile(tag, path)),
                WizardEffect::Close => {
                    self.wizard = None;
                    self.dirty = true;
                    // A number may have joined: the sidebar and the list are read again.
                    self.sidebar.stale = true;
                    self.list.stale = true;
                    out.extend(self.flush());
                }
            }
        }
        out
    }

    pub fn wizard_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let effects = match &mut self.wizard {
            Some(w) => w.on_key(key),
            None => return Vec::new(),
        };
        self.wizard_effects(effects)
    }

    pub fn wizard_paste(&mut self, text: &str) {
        if let Some(w) = &mut self.wizard {
            w.on_paste(text);
            self.dirty = true;
        }
    }

    pub fn wizard_reply(
        &mut self,
        tag: WizardTag,
        result: Result<Response, ApiError>,
    ) -> Vec<Effect> {
        let effects = match &mut self.wizard {
            Some(w) => w.on_reply(tag, result),
            None => return Vec::new(), // the wizard was closed: nobody waits for it
        };
        self.wizard_effects(effects)
    }

    pub fn wizard_file(&mut self, tag: WizardTag, result: Result<String, String>) -> Vec<Effect> {
        let effects = match &mut self.wizard {
            Some(w) => w.on_file(tag, result),
            None => return Vec::new(),
        };
        self.wizard_effects(effects)
    }

    /// Where the wizard's copied link went.
    pub fn wizard_copied(&mut self, copied: super::clipboard::Copied) {
        if let Some(w) = &mut self.wizard {
            w.on_copied(copied);
            self.dirty = true;
        }
    }

    /// The clock for the wizard's countdowns and polls (after `on_tick` set `now`).
    pub fn wizard_tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        let effects = match &mut self.wizard {
            Some(w) => w.on_tick(now),
            None => return Vec::new(),
        };
        self.wizard_effects(effects)
    }
}
