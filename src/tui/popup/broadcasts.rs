//! The broadcasts the user may see (`:broadcasts`), each with its progress: start a draft,
//! pause or resume one, cancel one. The engine refuses an agent's changes, as the CLI's.

use super::{Component, Context, PopupEvent};
use crate::protocol::Request;
use crate::protocol::broadcasts::{BroadcastControl, BroadcastView};
use crate::tui::app::Tag;
use crate::tui::keymap::{PopupAction, PopupKind};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BroadcastsPopup {
    /// Newest first, once loaded.
    pub list: Option<Vec<BroadcastView>>,
    pub selected: usize,
    /// A start or a cancel asked once: the same key again does it, any other key does not. A
    /// marketing template went to every recipient on one Enter.
    pub confirming: Option<(i64, BroadcastControl)>,
    /// A fresh list was asked for and has not come yet.
    pub asking: bool,
}

impl BroadcastsPopup {
    /// A broadcast changed (an answer to a key here): its row shows it.
    pub fn changed(&mut self, view: BroadcastView) {
        if let Some(row) = self
            .list
            .as_mut()
            .and_then(|l| l.iter_mut().find(|b| b.id == view.id))
        {
            *row = view;
        }
    }
}

impl crate::tui::app::App {
    /// Each second while the popup shows, its list is asked again (one at a time), so the
    /// gauges move as the engine sends: broadcasts have no push of their own.
    pub fn broadcasts_tick(&mut self) -> Vec<crate::tui::app::Effect> {
        match &mut self.popup {
            Some(crate::tui::app::Popup::Broadcasts(p)) if p.list.is_some() && !p.asking => {
                p.asking = true;
                vec![crate::tui::app::Effect::Call(
                    Tag::Broadcasts,
                    Request::ListBroadcasts,
                )]
            }
            _ => Vec::new(),
        }
    }
}

fn control(id: i64, control: BroadcastControl) -> Vec<PopupEvent> {
    vec![PopupEvent::Call(
        Tag::BroadcastChange,
        Request::ControlBroadcast { id, control },
    )]
}

impl Component for BroadcastsPopup {
    fn kind(&self) -> PopupKind {
        PopupKind::Broadcasts
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        let action = cx.keymap.popup_action(self.kind(), key);
        let list = self.list.as_deref().unwrap_or_default();
        let chosen = list.get(self.selected);
        let asked = self.confirming.take();
        // The second press of the same key on the same broadcast does what the first asked.
        let mut confirm = |id: i64, what: BroadcastControl| {
            if asked == Some((id, what)) {
                return control(id, what);
            }
            self.confirming = Some((id, what));
            Vec::new()
        };
        match action {
            Some(PopupAction::Close) => return vec![PopupEvent::Close],
            Some(PopupAction::Down) => {
                self.selected = (self.selected + 1).min(list.len().saturating_sub(1))
            }
            Some(PopupAction::Up) => self.selected = self.selected.saturating_sub(1),
            Some(PopupAction::Choose) => {
                if let Some(b) = chosen.filter(|b| b.state == "draft") {
                    return confirm(b.id, BroadcastControl::Start);
                }
            }
            Some(PopupAction::PauseResume) => match chosen.map(|b| (b.id, b.state.as_str())) {
                Some((id, "running")) => return control(id, BroadcastControl::Pause),
                Some((id, "paused" | "stopped")) => return control(id, BroadcastControl::Resume),
                _ => {}
            },
            Some(PopupAction::Stop) => {
                if let Some(b) = chosen {
                    return confirm(b.id, BroadcastControl::Cancel);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn commands(&self) -> &'static [PopupAction] {
        &[
            PopupAction::Choose,
            PopupAction::PauseResume,
            PopupAction::Stop,
            PopupAction::Close,
        ]
    }
}
