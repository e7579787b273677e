//! The broadcasts popup: one row each (state, template and its header's file, segment) with a
//! gauge of its progress (recipients sent or failed over all), and why a stopped one stopped.

use super::centered;
use super::text::truncate;
use crate::tui::app::App;
use crate::tui::popup::broadcasts::BroadcastsPopup;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, LineGauge, Paragraph};

pub fn draw(frame: &mut Frame, app: &App, popup: &BroadcastsPopup) {
    let t = app.t;
    let area = centered(frame.area(), 80, 70);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(format!(" {} ", t.broadcasts_title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let dim = Style::default().add_modifier(Modifier::DIM);
    // A start or cancel asked once says what it will do, in place of the keys.
    let asked = popup.confirming.and_then(|(id, what)| {
        let b = popup.list.as_deref()?.iter().find(|b| b.id == id)?;
        let words = match what {
            crate::protocol::broadcasts::BroadcastControl::Start => t.broadcast_confirm_start,
            _ => t.broadcast_confirm_cancel,
        };
        let remaining = b.recipients.saturating_sub(b.done());
        Some(crate::i18n::fill(
            words,
            &[&id.to_string(), &b.template, &remaining.to_string()],
        ))
    });
    let hint = match asked {
        Some(question) => Line::styled(
            truncate(&question, w),
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ),
        None => Line::styled(
            truncate(&super::hint(app, popup, t.broadcasts_hint), w),
            dim,
        ),
    };
    let bottom = Rect {
        y: inner.y + inner.height.saturating_sub(1),
        height: 1.min(inner.height),
        ..inner
    };
    frame.render_widget(Paragraph::new(hint), bottom);
    let list = match popup.list.as_deref() {
        None => {
            frame.render_widget(Paragraph::new(Line::styled(t.loading, dim)), inner);
            return;
        }
        Some([]) => {
            frame.render_widget(Paragraph::new(Line::styled(t.broadcasts_none, dim)), inner);
            return;
        }
        Some(list) => list,
    };
    // Two lines a broadcast (its words, its gauge), above the hint.
    let room = (inner.height.saturating_sub(2) / 2) as usize;
    let first = popup.selected.saturating_sub(room.saturating_sub(1));
    for (row, (i, b)) in list.iter().enumerate().skip(first).take(room).enumerate() {
        let y = inner.y + (row as u16) * 2;
        let selected = i == popup.selected;
        let cursor = if selected { "▶ " } else { "  " };
        let state = crate::i18n::broadcast_state(t.lang, &b.state);
        let mut text = format!(
            "{cursor}#{} {state} · {} ({})",
            b.id, b.template, b.language
        );
        // The media header's file, link or place, when the template has one.
        if let Some(header) = &b.header_name {
            text.push_str(&format!(" + {header}"));
        }
        text.push_str(&format!(" · {}", b.segment));
        if let Some(why) = &b.stop_reason {
            text.push_str(&format!(" · {why}"));
        }
        let style = if selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        let words = Line::styled(truncate(&super::text::shown(&text), w), style);
        frame.render_widget(
            Paragraph::new(words),
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
        let done = b.done();
        let ratio = if b.recipients == 0 {
            1.0
        } else {
            (done as f64 / b.recipients as f64).clamp(0.0, 1.0)
        };
        let colour = match b.state.as_str() {
            "stopped" | "cancelled" => Color::Red,
            "paused" => Color::Yellow,
            _ => Color::Green,
        };
        let gauge = LineGauge::default()
            .ratio(ratio)
            .label(format!("  {done}/{}", b.recipients))
            .filled_style(Style::default().fg(colour))
            .unfilled_style(dim);
        if inner.y + (row as u16) * 2 + 1 < bottom.y {
            frame.render_widget(
                gauge,
                Rect {
                    y: y + 1,
                    height: 1,
                    ..inner
                },
            );
        }
    }
}
