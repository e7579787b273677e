//! A one-line text field, and its hidden kind for tokens and PINs: what is typed into a hidden
//! field is never drawn (dots stand in for it), never formatted by `Debug`, and leaves the field
//! only as a `Secret`.

use crate::secret::Secret;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// The most dots a hidden field shows: its length is not worth telling beyond that.
const MAX_DOTS: usize = 24;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Field {
    text: String,
    hidden: bool,
    /// Only digits are taken (a PIN).
    digits_only: bool,
    /// At most this many characters (a PIN's six); 0: no limit.
    max: usize,
}

impl Field {
    pub fn new() -> Field {
        Field::default()
    }

    pub fn with(text: &str) -> Field {
        Field {
            text: text.to_string(),
            ..Field::default()
        }
    }

    /// A field whose text is never shown.
    pub fn hidden() -> Field {
        Field {
            hidden: true,
            ..Field::default()
        }
    }

    /// A hidden field of `max` digits (a two-step verification PIN).
    pub fn pin(max: usize) -> Field {
        Field {
            hidden: true,
            digits_only: true,
            max,
            ..Field::default()
        }
    }

    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// Typing, Backspace, and Ctrl+U (clear). Whether the key was the field's.
    pub fn input(&mut self, key: &KeyEvent) -> bool {
        let control = key.modifiers.contains(KeyModifiers::CONTROL)
            || key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Backspace => {
                self.text.pop();
                true
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.clear();
                true
            }
            KeyCode::Char(c) if !control => {
                self.push(c);
                true
            }
            _ => false,
        }
    }

    /// Pasted text: tokens are usually pasted. Line breaks and surrounding blanks are dropped.
    pub fn paste(&mut self, text: &str) {
        for c in text.trim().chars().filter(|c| !c.is_control()) {
            self.push(c);
        }
    }

    fn push(&mut self, c: char) {
        if c.is_control() || (self.digits_only && !c.is_ascii_digit()) {
            return;
        }
        if self.max > 0 && self.text.chars().count() >= self.max {
            return;
        }
        self.text.push(c);
    }

    pub fn clear(&mut self) {
        self.text.clear();
    }

    /// The text of a visible field (a hidden one answers nothing: use `secret`).
    pub fn value(&self) -> &str {
        if self.hidden { "" } else { self.text.trim() }
    }

    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    pub fn len(&self) -> usize {
        self.text.trim().chars().count()
    }

    /// What a hidden field holds, as a secret that cannot be printed by accident.
    pub fn secret(&self) -> Secret {
        Secret::new(self.text.trim())
    }

    /// What the screen shows: the text, or dots for a hidden field.
    pub fn shown(&self) -> String {
        if self.hidden {
            "•".repeat(self.text.chars().count().min(MAX_DOTS))
        } else {
            self.text.clone()
        }
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hidden {
            write!(f, "Field([hidden, {} chars])", self.text.chars().count())
        } else {
            write!(f, "Field({:?})", self.text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn a_hidden_field_shows_dots_and_never_formats_its_text() {
        let mut f = Field::hidden();
        for c in "EAAsecret".chars() {
            assert!(f.input(&key(c)));
        }
        assert_eq!(f.shown(), "•••••••••");
        assert_eq!(f.value(), "");
        assert!(!format!("{f:?}").contains("EAA"));
        assert_eq!(f.secret().expose(), "EAAsecret");
        f.paste(&"x".repeat(100));
        assert_eq!(f.shown().chars().count(), MAX_DOTS);
    }

    #[test]
    fn a_pin_takes_six_digits_only() {
        let mut f = Field::pin(6);
        f.paste("12a34 5678");
        assert_eq!(f.secret().expose(), "123456");
        assert!(f.input(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)));
        assert_eq!(f.len(), 5);
    }

    #[test]
    fn control_keys_are_not_text() {
        let mut f = Field::with("abc");
        assert!(!f.input(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
        assert!(f.input(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
        assert!(f.is_empty());
        f.paste("  106540352242922\n");
        assert_eq!(f.value(), "106540352242922");
    }
}
