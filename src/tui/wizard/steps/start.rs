//! The first screens: which tenant, which way, which queue.

use super::{moved, unexpected};
use crate::protocol::{KapsoLinkOptions, Response, SignupPath};
use crate::tui::wizard::field::Field;
use crate::tui::wizard::keys::Act;
use crate::tui::wizard::state::*;
use crate::tui::wizard::{Ask, Effect, Wizard};
use crossterm::event::{KeyCode, KeyEvent};

impl Wizard {
    pub(in crate::tui::wizard) fn tenant_key(
        &mut self,
        act: Option<Act>,
        key: &KeyEvent,
    ) -> Vec<Effect> {
        let Screen::Tenant(s) = &mut self.screen else {
            return Vec::new();
        };
        let rows = s.tenants.as_ref().map_or(0, Vec::len) + 1;
        match act {
            Some(Act::Up) => s.selected = moved(s.selected, -1, rows),
            Some(Act::Down | Act::NextField) => s.selected = moved(s.selected, 1, rows),
            Some(Act::PrevField) => s.selected = moved(s.selected, -1, rows),
            Some(Act::Choose) => return self.choose_tenant(),
            // From a tenant's row, Tab goes straight to the new name.
            _ if key.code == KeyCode::Tab => s.selected = rows - 1,
            // Letters are text only on the name's row (elsewhere they move or do nothing).
            _ if s.on_new_row() => {
                self.type_key(key);
            }
            _ => {}
        }
        Vec::new()
    }

    fn choose_tenant(&mut self) -> Vec<Effect> {
        let Screen::Tenant(s) = &mut self.screen else {
            return Vec::new();
        };
        let tenants = s.tenants.clone().unwrap_or_default();
        let (name, new) = match tenants.get(s.selected) {
            Some(t) => (t.name.clone(), false),
            None if s.new_name.is_empty() => {
                s.error = Some(self.t.tenant_name_needed.to_string());
                return Vec::new();
            }
            None => {
                let typed = s.new_name.value().to_string();
                // A name that is already a tenant's is that tenant.
                match tenants.iter().find(|t| t.name.eq_ignore_ascii_case(&typed)) {
                    Some(t) => (t.name.clone(), false),
                    // Not made here: with the number, once the admin confirms (a typo on
                    // this screen is corrected by going back, and leaves nothing behind).
                    None => (typed, true),
                }
            }
        };
        s.error = None;
        self.tenant = Some(name);
        self.new_tenant = new;
        self.go(Screen::Path(PathStep::default()))
    }

    pub(in crate::tui::wizard) fn tenant_reply(
        &mut self,
        ask: Ask,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        let Screen::Tenant(s) = &mut self.screen else {
            return Vec::new();
        };
        match (ask, result) {
            (Ask::Tenants, Ok(Response::Tenants(list))) => {
                // With no tenant yet, the cursor starts on the new name.
                s.selected = s.selected.min(list.len());
                if list.is_empty() {
                    s.selected = 0;
                }
                s.tenants = Some(list);
            }
            (_, Ok(other)) => s.error = Some(unexpected(&other)),
            (ask, Err(e)) => {
                if ask == Ask::Tenants {
                    s.tenants = Some(Vec::new());
                }
                s.error = Some(e.message);
            }
        }
        Vec::new()
    }

    pub(in crate::tui::wizard) fn path_key(&mut self, act: Option<Act>) -> Vec<Effect> {
        let Screen::Path(s) = &mut self.screen else {
            return Vec::new();
        };
        match act {
            Some(Act::Up) => s.selected = moved(s.selected, -1, PathChoice::ALL.len()),
            Some(Act::Down) => s.selected = moved(s.selected, 1, PathChoice::ALL.len()),
            Some(Act::Choose) => {
                let choice = PathChoice::ALL[s.selected.min(PathChoice::ALL.len() - 1)];
                if choice.needs_listener() && self.listening == Some(false) {
                    s.error = Some(self.t.needs_listener.to_string());
                    return Vec::new();
                }
                s.error = None;
                self.path = Some(choice);
                return match choice {
                    // The imported numbers' queue is asked first, with "none" offered.
                    PathChoice::Import => self.go(Screen::Queue(QueueStep {
                        offer_none: true,
                        ..QueueStep::default()
                    })),
                    PathChoice::Dashboard => self.go(Screen::Dashboard(DashboardStep::default())),
                    _ => self.go(Screen::Queue(QueueStep::default())),
                };
            }
            _ => {}
        }
        Vec::new()
    }

    pub(in crate::tui::wizard) fn queue_key(
        &mut self,
        act: Option<Act>,
        key: &KeyEvent,
    ) -> Vec<Effect> {
        let tenant = self.tenant.clone().unwrap_or_default();
        let Screen::Queue(s) = &mut self.screen else {
            return Vec::new();
        };
        let rows = s.rows();
        match act {
            Some(Act::Up | Act::PrevField) => s.selected = moved(s.selected, -1, rows),
            Some(Act::Down | Act::NextField) => s.selected = moved(s.selected, 1, rows),
            Some(Act::Choose) if s.on_none_row() => {
                self.queue = None;
                return self.after_queue();
            }
            Some(Act::Choose) => {
                let name = match s.queues.as_ref().and_then(|q| q.get(s.selected)) {
                    Some(q) => q.clone(),
                    // Nothing typed: a new queue named after the tenant.
                    None if s.new_name.is_empty() && tenant.trim().is_empty() => {
                        s.error = Some(self.t.queue_name_needed.to_string());
                        return Vec::new();
                    }
                    None if s.new_name.is_empty() => tenant.trim().to_string(),
                    None => s.new_name.value().to_string(),
                };
                self.queue = Some(name);
                return self.after_queue();
            }
            _ if key.code == KeyCode::Tab => s.selected = rows - 1,
            _ if s.on_new_row() => {
                self.type_key(key);
            }
            _ => {}
        }
        Vec::new()
    }

    /// The screen of the chosen path, once the queue is known.
    fn after_queue(&mut self) -> Vec<Effect> {
        match self.path {
            Some(PathChoice::MetaCoexistence) => {
                self.go(link_step(SignupPath::Meta { coexistence: true }))
            }
            Some(PathChoice::MetaDedicated) => {
                self.go(link_step(SignupPath::Meta { coexistence: false }))
            }
            Some(PathChoice::Kapso) => {
                let language = if self.t.lang == crate::i18n::Lang::Es {
                    "es"
                } else {
                    "en"
                };
                self.go(Screen::Kapso(KapsoStep {
                    focus: 0,
                    types: 0,
                    provision: false,
                    country: Field::with("US"),
                    language,
                    colour: Field::new(),
                    reconnect: Field::new(),
                    error: None,
                }))
            }
            Some(PathChoice::CoexistenceByHand) => self.go(manual_step(true)),
            Some(PathChoice::Import) => self.go(Screen::Import(ImportStep::default())),
            _ => self.go(manual_step(false)),
        }
    }

    pub(in crate::tui::wizard) fn queue_reply(
        &mut self,
        result: Result<Response, crate::tui::wizard::Refusal>,
    ) -> Vec<Effect> {
        let tenant = self.tenant.clone().unwrap_or_default();
        let Screen::Queue(s) = &mut self.screen else {
            return Vec::new();
        };
        match result {
            Ok(Response::Queues(all)) => {
                let mine: Vec<String> = all
                    .into_iter()
                    .filter(|q| q.tenant == tenant)
                    .map(|q| q.name)
                    .collect();
                // The tenant's queue is the likely one; with none, a new one named after it.
                let empty = mine.is_empty();
                s.queues = Some(mine);
                s.selected = if empty {
                    s.rows() - 1
                } else {
                    s.selected.min(s.rows() - 1)
                };
            }
            Ok(other) => s.error = Some(unexpected(&other)),
            Err(e) => {
                s.queues = Some(Vec::new());
                s.error = Some(e.message);
            }
        }
        Vec::new()
    }

    pub(in crate::tui::wizard) fn kapso_key(
        &mut self,
        act: Option<Act>,
        key: &KeyEvent,
    ) -> Vec<Effect> {
        let Screen::Kapso(s) = &mut self.screen else {
            return Vec::new();
        };
        let rows = KapsoRow::ALL.len();
        let row = KapsoRow::ALL[s.focus.min(rows - 1)];
        match act {
            Some(Act::Up | Act::PrevField) => s.focus = moved(s.focus, -1, rows),
            Some(Act::Down | Act::NextField) => s.focus = moved(s.focus, 1, rows),
            Some(Act::Cycle) => cycle(s, row),
            Some(Act::Choose) => return self.kapso_options_done(),
            _ => {
                // Space changes a choice; on the text rows it is typed.
                let space = key.code == crossterm::event::KeyCode::Char(' ');
                if space
                    && !matches!(
                        row,
                        KapsoRow::Country | KapsoRow::Colour | KapsoRow::Reconnect
                    )
                {
                    cycle(s, row);
                } else {
                    self.type_key(key);
                }
            }
        }
        Vec::new()
    }

    fn kapso_options_done(&mut self) -> Vec<Effect> {
        let Screen::Kapso(s) = &mut self.screen else {
            return Vec::new();
        };
        let reconnect = Some(s.reconnect.value().trim().to_string()).filter(|r| !r.is_empty());
        // A reconnection refreshes a number the business already has: nothing to provision.
        if reconnect.is_some() {
            s.provision = false;
        }
        let country = s.country.value().to_ascii_uppercase();
        if s.provision && (country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()))
        {
            s.error = Some(self.t.kapso_bad_country.to_string());
            return Vec::new();
        }
        let colour = s.colour.value().to_string();
        let hex = colour.strip_prefix('#').unwrap_or("");
        if !colour.is_empty() && (hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit())) {
            s.error = Some(self.t.kapso_bad_colour.to_string());
            return Vec::new();
        }
        let options = KapsoLinkOptions {
            connection_types: KAPSO_TYPES[s.types % KAPSO_TYPES.len()]
                .iter()
                .map(|t| t.to_string())
                .collect(),
            provision_number: s.provision,
            countries: if s.provision {
                vec![country]
            } else {
                Vec::new()
            },
            language: s.language.to_string(),
            primary_color: Some(colour).filter(|c| !c.is_empty()),
            reconnect,
        };
        self.go(link_step(SignupPath::Kapso(options)))
    }
}

fn cycle(s: &mut KapsoStep, row: KapsoRow) {
    match row {
        KapsoRow::Types => s.types = (s.types + 1) % KAPSO_TYPES.len(),
        KapsoRow::Provision => s.provision = !s.provision,
        KapsoRow::Language => s.language = if s.language == "es" { "en" } else { "es" },
        KapsoRow::Country | KapsoRow::Colour | KapsoRow::Reconnect => {}
    }
    s.error = None;
}

pub(in crate::tui::wizard) fn link_step(path: SignupPath) -> Screen {
    Screen::Link(LinkStep {
        path,
        signup: None,
        working: false,
        polling: false,
        next_poll: 0,
        error: None,
    })
}

fn manual_step(coexistence: bool) -> Screen {
    Screen::Manual(ManualStep {
        coexistence,
        focus: 0,
        phone_number_id: Field::new(),
        waba_id: Field::new(),
        token: Field::hidden(),
        checking: false,
        error: None,
    })
}
