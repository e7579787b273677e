//! The composer, with the conversation's window above what is typed. While it has the keys its
//! title says plainly that what is typed goes to the customer; long lines wrap as it grows.

use super::conversations::{composer_window_text, window_style};
use super::text;
use crate::i18n::fill;
use crate::tui::app::{App, Focus};
use crate::tui::clock::{WindowTone, window_label};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

/// The most rows the text takes before it scrolls.
const MAX_ROWS: usize = 5;

/// Borders plus the rows the text takes once wrapped to `width` (the composer's outer width),
/// between one and five, plus the message a reply answers.
pub fn height(app: &App, width: u16) -> u16 {
    let quote = u16::from(app.reply_draft().is_some());
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = app
        .composer
        .text
        .lines()
        .iter()
        .map(|l| text::wrap(l, inner).len().max(1))
        .sum();
    rows.clamp(1, MAX_ROWS) as u16 + 2 + quote
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Composer;
    let Some(open) = &app.open else {
        frame.render_widget(Block::default().borders(Borders::ALL), area);
        return;
    };
    let words = crate::i18n::composer::strings(app.t.lang);
    let who = open.row.title();
    let title = if focused {
        writing_title(app, open.row.last_inbound, &who, area.width)
    } else {
        let (title, tone) = composer_window_text(app, open.row.last_inbound);
        let mut style = window_style(tone);
        if tone == WindowTone::Closed {
            style = Style::default().fg(Color::Red).add_modifier(Modifier::BOLD);
        }
        Line::from(Span::styled(format!(" {title} "), style))
    };
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
        .title(title);
    let canned = app.composer.canned_matches();
    if app.reply_draft().is_some() {
        block = block.title_bottom(Span::styled(
            format!(" {} ", app.t.reply_cancel_hint),
            Style::default().add_modifier(Modifier::DIM),
        ));
    } else if !canned.is_empty() {
        block = block.title_bottom(Span::styled(
            fill(app.t.canned_hint, &[&canned.join(", ")]),
            Style::default().add_modifier(Modifier::BOLD),
        ));
    } else if let Some(outside) = super::hours::open_conversation_outside(app) {
        // The customer hears the queue's away reply; the agent may still answer.
        block = block.title_bottom(Span::styled(
            format!(" ☾ {outside} "),
            Style::default().fg(Color::Yellow),
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
    if focused && app.composer.text.is_empty() {
        // Said where the cursor is: what is typed here goes to the customer.
        let mut hinted = app.composer.text.clone();
        hinted.set_placeholder_text(words.placeholder);
        hinted.set_placeholder_style(Style::default().add_modifier(Modifier::DIM));
        frame.render_widget(&hinted, inner);
    } else if focused {
        frame.render_widget(&app.composer.text, inner);
    } else {
        // Without the focus, the text without a cursor, wrapped as it is while typing.
        frame.render_widget(
            Paragraph::new(app.composer_text()).wrap(Wrap { trim: false }),
            inner,
        );
    }
}

/// `▶ ✎ Writing to Sheena Nelson · 23h 12m left`. Narrower, the words give way before the
/// name does (`▶ ✎ Writing to Cliente 1002 · 23h 12m`, then `▶ ✎ Cliente 1002 · 23h 12m`):
/// with dozens of "Cliente 10xx" the name is what tells the agent whom they answer. Only when
/// even that does not fit is the name cut, and the window's state always stays in sight.
fn writing_title<'a>(app: &App, last_inbound: Option<i64>, who: &str, width: u16) -> Line<'a> {
    let words = crate::i18n::composer::strings(app.t.lang);
    let (label, tone) = window_label(last_inbound, app.now, app.t);
    let long_window = match tone {
        WindowTone::Open => fill(words.window_left, &[&label]),
        _ => label.clone(),
    };
    let mut window_style = window_style(tone);
    if tone == WindowTone::Closed {
        window_style = Style::default().fg(Color::Red).add_modifier(Modifier::BOLD);
    }
    let room = usize::from(width.saturating_sub(2));
    let name_only = |name: &str| format!("✎ {name}");
    // Each with the whole name: "Writing to" and the long window, the short one, the name alone.
    let forms = [
        (fill(words.writing_to, &[who]), &long_window),
        (fill(words.writing_to, &[who]), &label),
        (name_only(who), &label),
    ];
    let fits = |lead: &str, window: &str| text::width(&format!("▶ {lead} · {window} ")) <= room;
    let chosen = forms
        .into_iter()
        .find(|(lead, window)| fits(lead, window))
        .map(|(lead, window)| (lead, window.to_string()));
    let (writing, window) = match chosen {
        Some(whole) => whole,
        None => {
            let tail = format!(" · {label} ");
            let for_name =
                room.saturating_sub(text::width(&tail) + text::width(&name_only("")) + 2);
            if for_name >= 6 {
                (name_only(&text::truncate(who, for_name)), label.clone())
            } else {
                (words.writing.to_string(), label.clone())
            }
        }
    };
    let style = Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD);
    Line::from(vec![
        Span::styled(format!("▶ {writing}"), style),
        Span::styled(format!(" · {window} "), window_style),
    ])
}

/// Ctrl+C in the composer: the question, in the footer, loud enough not to be missed.
pub fn draw_quit_question(frame: &mut Frame, app: &App, area: Rect) {
    let words = crate::i18n::composer::strings(app.t.lang);
    let line = Line::from(vec![
        Span::styled(
            format!("{} ", words.quit_question),
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
        Span::styled(
            format!(" {}", words.quit_keys),
            Style::default().add_modifier(Modifier::BOLD),
        ),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}
