//! Where to save the selected message's file (`s`): a path typed in the footer.

use super::{Component, Context, PopupEvent};
use crate::i18n::fill;
use crate::protocol::Request;
use crate::tui::app::Tag;
use crate::tui::keymap::{PopupAction, PopupKind};
use crate::tui::save::{SavePrompt, exists, resolve};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl SavePrompt {
    fn save(&self, cx: &Context) -> Vec<PopupEvent> {
        if self.path.trim().is_empty() {
            return Vec::new();
        }
        let home = directories::UserDirs::new().map(|u| u.home_dir().to_path_buf());
        let path = resolve(
            &self.path,
            home.as_deref(),
            self.message_id,
            self.mime_type.as_deref(),
        );
        if exists(&path) {
            // The prompt stays, so the agent changes the name rather than retyping it.
            let v = crate::i18n::views::for_lang(cx.t.lang);
            return vec![PopupEvent::Error(fill(
                v.save_exists,
                &[&path.display().to_string()],
            ))];
        }
        vec![
            PopupEvent::Close,
            PopupEvent::Call(
                Tag::SaveAs { path },
                // Offset 0: the link fetches every chunk into one answer.
                Request::GetMedia {
                    message_id: self.message_id,
                    offset: 0,
                    len: None,
                },
            ),
        ]
    }
}

impl Component for SavePrompt {
    fn kind(&self) -> PopupKind {
        PopupKind::SaveAs
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match cx.keymap.popup_action(self.kind(), key) {
            Some(PopupAction::Close) => return vec![PopupEvent::Close],
            Some(PopupAction::Choose) => return self.save(cx),
            Some(_) => {}
            // Editing the path, as readline does.
            None => match key.code {
                KeyCode::Backspace => {
                    self.path.pop();
                }
                KeyCode::Char('u') if control => self.path.clear(),
                KeyCode::Char(c) if !control => self.path.push(c),
                _ => {}
            },
        }
        Vec::new()
    }

    fn commands(&self) -> &'static [PopupAction] {
        &[PopupAction::Choose, PopupAction::Close]
    }
}
