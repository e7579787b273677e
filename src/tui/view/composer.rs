//! The composer, with the conversation's window above what is typed.

use super::conversations::{composer_window_text, window_style};
use super::text;
use crate::i18n::fill;
use crate::tui::app::{App, Focus};
use crate::tui::clock::WindowTone;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

/// Borders plus the lines typed, between one and five, plus the message a reply answers.
pub fn height(app: &App) -> u16 {
    let quote = u16::from(app.reply_draft().is_some());
    app.composer.lines().len().clamp(1, 5) as u16 + 2 + quote
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Composer;
    let Some(open) = &app.open else {
        frame.render_widget(Block::default().borders(Borders::ALL), area);
        return;
    };
    let (title, tone) = composer_window_text(app, open.row.last_inbound);
    let mut title_style = window_style(tone);
    if tone == WindowTone::Closed {
        title_style = Style::default().fg(Color::Red).add_modifier(Modifier::BOLD);
    }
    let marker = if focused { "▶ " } else { " " };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            Style::default().fg(Color::Cyan)
        } else {
            Style::default()
        })
        .title(Span::styled(format!("{marker}{title} "), title_style));
    let canned = app.canned_matches();
    if app.reply_draft().is_some() {
        block = block.title_bottom(Span::styled(
            format!(" {} ", app.t.reply_cancel_hint),
            Style::default().add_modifier(Modifier::DIM),
        ));
    } else if !canned.is_empty() {
        block = block.title_bottom(Span::styled(
            fill(app.t.canned_hint, &[&canned.join(", ")]),
            Style::default().add_modifier(Modifier::DIM),
        ));
    }
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(draft) = app.reply_draft() {
        let [quote, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        let said = fill(
            app.t.replying_to,
            &[&draft.who, &draft.text.replace('\n', " ")],
        );
        let line = Line::styled(
            text::truncate(&said, quote.width as usize),
            Style::default().fg(Color::Cyan),
        );
        frame.render_widget(Paragraph::new(line), quote);
        inner = rest;
    }
    if focused {
        frame.render_widget(&app.composer, inner);
    } else {
        // Without the focus, the text without a cursor.
        frame.render_widget(Paragraph::new(app.composer_text()), inner);
    }
}
