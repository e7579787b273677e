//! The admin screen (`A`): queues, agents and unrouted numbers, changed through `:` commands
//! typed over it.

use super::{Component, Context, PopupEvent};
use crate::protocol::directory::AgentView;
use crate::tui::keymap::{PopupAction, PopupKind};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AdminScreen {
    /// Once the engine has listed them.
    pub agents: Option<Vec<AgentView>>,
    pub scroll: usize,
}

impl Component for AdminScreen {
    fn kind(&self) -> PopupKind {
        PopupKind::Admin
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        match cx.keymap.popup_action(self.kind(), key) {
            Some(PopupAction::Down) => self.scroll += 1,
            Some(PopupAction::Up) => self.scroll = self.scroll.saturating_sub(1),
            // The command line works over the admin screen: its changes show at once.
            Some(PopupAction::CommandLine) => {
                return vec![PopupEvent::CommandLineOverAdmin(self.agents.take())];
            }
            // A screen to read: any other key closes it.
            _ => return vec![PopupEvent::Close],
        }
        Vec::new()
    }

    fn commands(&self) -> &'static [PopupAction] {
        &[PopupAction::Up, PopupAction::Down, PopupAction::CommandLine]
    }
}
