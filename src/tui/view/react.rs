//! The emoji choice over a selected message: the common emoji in a row, the one under the
//! cursor reversed, and whatever emoji the agent types instead.

use super::text;
use crate::tui::answers::{COMMON_EMOJI, ReactionChoice};
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, app: &App, choice: &ReactionChoice) {
    let full = frame.area();
    let width = full.width.min(46);
    let height = full.height.min(7);
    let area = Rect {
        x: full.x + (full.width - width) / 2,
        y: full.y + (full.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(format!(" {} ", app.t.react_title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [row, typed, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    let typing = !choice.typed.is_empty();
    let mut spans = Vec::new();
    for (i, e) in COMMON_EMOJI.iter().enumerate() {
        let style = if i == choice.selected && !typing {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
        };
        let chosen = i == choice.selected && !typing;
        let (open, close) = if chosen { ("[", "]") } else { (" ", " ") };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("{open}{e}{close}"), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), row);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" › ", bold),
            Span::styled(text::shown(&choice.typed), bold),
            Span::raw("▏"),
        ])),
        typed,
    );
    frame.render_widget(
        Paragraph::new(super::hint(app, choice, app.t.react_hint))
            .style(Style::default().add_modifier(Modifier::DIM))
            .wrap(Wrap { trim: true }),
        hint,
    );
}
