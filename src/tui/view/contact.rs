//! The contact panel: who the customer is, their labels, and the team's private notes.

use super::pane_block;
use super::text::wrap;
use crate::tui::app::App;
use crate::tui::clock::list_time;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane_block(app.t.contact.to_string(), false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let dim = Style::default().add_modifier(Modifier::DIM);
    let Some(c) = &app.contact.details else {
        frame.render_widget(Paragraph::new(Line::styled(app.t.loading, dim)), inner);
        return;
    };
    let mut lines = Vec::new();
    let mut push = |text: String, style: Style| {
        for l in wrap(&text, w) {
            lines.push(Line::styled(l, style));
        }
    };
    push(c.name.clone().unwrap_or_default(), bold);
    if let Some(wa) = &c.wa_id {
        push(format!("+{wa}"), Style::default());
    }
    match (&c.username, &c.user_id) {
        (Some(name), Some(user)) => push(format!("{name} · {user}"), dim),
        (Some(name), None) => push(name.clone(), dim),
        (None, Some(user)) => push(user.clone(), dim),
        (None, None) => {}
    }
    push(c.tenant.clone(), dim);
    if let Some(o) = &c.opted_out {
        let when = list_time(o.at, app.now, app.offset, app.t);
        push(
            crate::i18n::fill(app.t.opted_out, &[&when]),
            Style::default().fg(ratatui::style::Color::Yellow),
        );
    }
    push(String::new(), Style::default());
    push(format!("{}:", app.t.labels), bold);
    if c.labels.is_empty() {
        push(format!("  {}", app.t.none), dim);
    } else {
        push(format!("  {}", c.labels.join(" · ")), Style::default());
    }
    push(String::new(), Style::default());
    push(format!("{}:", app.t.notes), bold);
    for n in &c.notes {
        let when = list_time(n.at, app.now, app.offset, app.t);
        push(format!("{} · {when}", n.author), dim);
        push(format!("  {}", n.text), Style::default());
    }
    if !app.contact.history.is_empty() {
        push(String::new(), Style::default());
        push(format!("{}:", app.t.hands), bold);
        for e in app.contact.history.iter().rev().take(5) {
            let when = list_time(e.at, app.now, app.offset, app.t);
            // As `wabox history` words it ("root claimed", not "root claimed root").
            push(format!("{} · {when}", e.words()), dim);
            if let Some(note) = &e.note {
                push(format!("  “{note}”"), Style::default());
            }
        }
    }
    push(String::new(), Style::default());
    push(app.t.contact_hint.to_string(), dim);
    frame.render_widget(Paragraph::new(lines), inner);
}
