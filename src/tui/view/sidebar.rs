//! Numbers, by tenant, each with its waiting conversations and unread messages.

use super::pane_block;
use super::text::truncate;
use crate::domain::ConnectionKind;
use crate::tui::app::{App, Focus, SidebarItem};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane_block(app.t.numbers.to_string(), app.focus == Focus::Sidebar);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let items = app.sidebar_items();
    let height = inner.height as usize;
    let start = app
        .sidebar_selected
        .saturating_sub(height.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, item) in items.iter().enumerate().skip(start).take(height) {
        let selected = i == app.sidebar_selected;
        let marker = if selected { "›" } else { " " };
        let style = if selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        let line = match item {
            SidebarItem::All => {
                let waiting: i64 = app.numbers.iter().map(|n| n.waiting).sum();
                counted(marker, app.t.all_conversations, waiting, width, style)
            }
            SidebarItem::Mine => counted(marker, app.t.mine, 0, width, style),
            SidebarItem::Unassigned => counted(marker, app.t.unassigned, 0, width, style),
            SidebarItem::Tenant(name) => Line::styled(
                truncate(name, width),
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ),
            SidebarItem::Queue(q) => {
                counted(marker, &format!(" {}", q.name), q.waiting, width, style)
            }
            SidebarItem::NoQueue(tenant) => {
                let waiting: i64 = app
                    .numbers
                    .iter()
                    .filter(|n| &n.tenant == tenant && n.queue.is_none())
                    .map(|n| n.waiting)
                    .sum();
                let alarm = style
                    .fg(ratatui::style::Color::Red)
                    .add_modifier(Modifier::BOLD);
                counted(
                    marker,
                    &format!(" {}", app.t.no_queue),
                    waiting,
                    width,
                    alarm,
                )
            }
            SidebarItem::Number(n) => {
                let coex = if n.connection == ConnectionKind::Coexistence {
                    "≈"
                } else {
                    " "
                };
                let label = format!("  {coex}+{}", n.display_phone);
                counted(marker, &label, n.waiting, width, style)
            }
        };
        lines.push(line);
    }
    // Messages that reach no queue are the one thing an admin must not miss.
    let alarm = Style::default()
        .fg(ratatui::style::Color::Red)
        .add_modifier(Modifier::BOLD);
    for (count, text) in [
        (app.unrouted, app.t.unrouted_warning),
        (app.invalid, app.t.invalid_warning),
    ] {
        if count > 0 {
            lines.push(Line::raw(""));
            for l in super::text::wrap(&crate::i18n::fill(text, &[&count.to_string()]), width) {
                lines.push(Line::styled(l, alarm));
            }
        }
    }
    // A token that lapses silently stops every reply: warn a week ahead (doctor's rule).
    for n in &app.numbers {
        let Some(at) = n.token_expires_at.filter(|at| *at != 0) else {
            continue;
        };
        let left = at - app.now;
        if left > crate::domain::health::TOKEN_WARN_SECONDS {
            continue;
        }
        let text = if left <= 0 {
            crate::i18n::fill(app.t.token_expired, &[&n.display_phone])
        } else {
            crate::i18n::fill(
                app.t.token_expiring,
                &[&n.display_phone, &crate::domain::time::short_duration(left)],
            )
        };
        let style = if left <= 0 {
            alarm
        } else {
            Style::default().fg(ratatui::style::Color::Yellow)
        };
        lines.push(Line::raw(""));
        for l in super::text::wrap(&text, width) {
            lines.push(Line::styled(l, style));
        }
    }
    if app.numbers.is_empty() && height > 2 {
        lines.push(Line::raw(""));
        for l in super::text::wrap(app.t.no_numbers, width) {
            lines.push(Line::styled(
                l,
                Style::default().add_modifier(Modifier::DIM),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `› label     3` — the count of customers waiting, right-aligned and bold when any.
fn counted<'a>(marker: &str, label: &str, waiting: i64, width: usize, style: Style) -> Line<'a> {
    let count = if waiting > 0 {
        waiting.to_string()
    } else {
        String::new()
    };
    let room = width.saturating_sub(count.len() + 2);
    let label = truncate(label, room);
    let pad = width.saturating_sub(super::text::width(&label) + count.len() + 1);
    Line::from(vec![
        Span::styled(format!("{marker}{label}{}", " ".repeat(pad)), style),
        Span::styled(count, style.add_modifier(Modifier::BOLD)),
    ])
}
