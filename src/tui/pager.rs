//! Scrolling a read-only popup (the help, the messages log) the way a pager does (the keys are
//! `[keys.pager]`'s: j/k, PgUp/PgDn, g/G), never past the end. How much fits is known only when drawing, so the view writes the
//! page height and the last scroll position back here (a `Cell`: drawing takes `&App`).

use super::keymap::PopupAction;
use std::cell::Cell;

#[derive(Debug, Clone, PartialEq)]
pub struct Pager {
    /// The first line shown.
    pub scroll: usize,
    /// Lines that fit, as last drawn.
    page: Cell<usize>,
    /// The last useful `scroll` (the end of the text at the bottom), as last drawn.
    max: Cell<usize>,
}

/// What a key did to a pager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagerKey {
    Moved,
    Close,
    /// Not a pager key: the popup stays as it is.
    Ignored,
}

impl Pager {
    /// At a line (`usize::MAX`: at the end, as the messages log opens).
    pub fn at(scroll: usize) -> Pager {
        Pager {
            scroll,
            page: Cell::new(10),
            max: Cell::new(usize::MAX),
        }
    }

    /// Moves as the action says, never past the end; Close is the popup's to answer.
    pub fn act(&mut self, action: PopupAction) -> PagerKey {
        let page = self.page.get().max(1);
        let max = self.max.get();
        let at = self.scroll.min(max);
        self.scroll = match action {
            PopupAction::Close => return PagerKey::Close,
            PopupAction::Down => at.saturating_add(1),
            PopupAction::Up => at.saturating_sub(1),
            PopupAction::PageDown => at.saturating_add(page),
            PopupAction::PageUp => at.saturating_sub(page),
            PopupAction::Top => 0,
            PopupAction::Bottom => max,
            _ => return PagerKey::Ignored,
        }
        .min(max);
        PagerKey::Moved
    }

    /// For the view: `total` lines in a box `page` high. Remembers both and answers the first
    /// line to draw.
    pub fn fit(&self, total: usize, page: usize) -> usize {
        let max = total.saturating_sub(page);
        self.page.set(page);
        self.max.set(max);
        self.scroll.min(max)
    }

    /// Whether lines are hidden below what was last drawn.
    pub fn more_below(&self) -> bool {
        self.scroll < self.max.get()
    }
}
