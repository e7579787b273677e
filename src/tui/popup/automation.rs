//! The open conversation's sequences (`S`): pause, resume or stop the running ones, or start
//! one of its tenant's.

use super::{Component, Context, PopupEvent};
use crate::protocol::{EnrollmentControl, EnrollmentState, Request, SequenceView};
use crate::tui::app::Tag;
use crate::tui::keymap::{PopupAction, PopupKind};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AutomationPopup {
    /// The conversation's tenant's sequences, once loaded.
    pub sequences: Option<Vec<SequenceView>>,
    /// Over the running ones first, then the sequences.
    pub selected: usize,
}

impl AutomationPopup {
    fn sequence(&self, running: usize) -> Option<&SequenceView> {
        self.selected
            .checked_sub(running)
            .and_then(|i| self.sequences.as_ref().and_then(|s| s.get(i)))
    }
}

fn control(id: i64, control: EnrollmentControl) -> Vec<PopupEvent> {
    vec![PopupEvent::Call(
        Tag::EnrollmentChange,
        Request::ControlEnrollment { id, control },
    )]
}

impl Component for AutomationPopup {
    fn kind(&self) -> PopupKind {
        PopupKind::Automation
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        // The conversation went (closed elsewhere): nothing left to act on.
        let Some(open) = cx.open else {
            return vec![PopupEvent::Close];
        };
        let running = &open.automation;
        let total = running.len() + self.sequences.as_ref().map_or(0, Vec::len);
        let enrollment = running.get(self.selected);
        match cx.keymap.popup_action(self.kind(), key) {
            Some(PopupAction::Close) => return vec![PopupEvent::Close],
            Some(PopupAction::Down) => {
                self.selected = (self.selected + 1).min(total.saturating_sub(1))
            }
            Some(PopupAction::Up) => self.selected = self.selected.saturating_sub(1),
            Some(PopupAction::Choose) => {
                if let Some(s) = self.sequence(running.len()) {
                    return vec![
                        PopupEvent::Close,
                        PopupEvent::Call(
                            Tag::EnrollmentChange,
                            Request::Enroll {
                                sequence: s.id.clone(),
                                conversation_id: open.id(),
                            },
                        ),
                    ];
                }
            }
            Some(PopupAction::PauseResume) => {
                if let Some(e) = enrollment {
                    return control(
                        e.id,
                        if e.state == EnrollmentState::Paused {
                            EnrollmentControl::Resume
                        } else {
                            EnrollmentControl::Pause
                        },
                    );
                }
            }
            Some(PopupAction::Stop) => {
                if let Some(e) = enrollment {
                    return control(e.id, EnrollmentControl::Stop);
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
