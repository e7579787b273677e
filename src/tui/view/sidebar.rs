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

/// Which lines of a list of `len` fit in `height` with the cursor on `selected` visible: the
/// first shown, how many, and whether "↑ more" / "↓ more" take a line above or below them.
pub fn scroll_window(len: usize, selected: usize, height: usize) -> (usize, usize, bool, bool) {
    if len <= height {
        return (0, len, false, false);
    }
    if height < 3 {
        // No room for hints: the cursor's own line.
        let start = selected
            .min(len - 1)
            .saturating_sub(height.saturating_sub(1));
        return (start, height.min(len - start), false, false);
    }
    if selected + 1 < height {
        return (0, height - 1, false, true);
    }
    if selected + 1 >= len {
        let rows = height - 1;
        return (len - rows, rows, true, false);
    }
    // The cursor on the last row between the two hints.
    let rows = height - 2;
    (selected + 1 - rows, rows, true, true)
}

/// The view the list shows, in words (its title names it while the sidebar is hidden).
pub fn view_name(app: &App) -> Option<String> {
    let v = crate::i18n::views::for_lang(app.t.lang);
    Some(match app.sidebar.items().get(app.sidebar.selected)? {
        SidebarItem::All => v.all_open.to_string(),
        SidebarItem::Mine => app.t.mine.to_string(),
        SidebarItem::Unassigned => app.t.unassigned.to_string(),
        SidebarItem::Snoozed => v.snoozed.to_string(),
        SidebarItem::Closed => v.closed.to_string(),
        SidebarItem::Tenant(name) => name.clone(),
        SidebarItem::Queue(q) => q.name.clone(),
        SidebarItem::NoQueue(_) => app.t.no_queue.to_string(),
        SidebarItem::Number(n) => format!("+{}", n.display_phone),
    })
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane_block(app.t.numbers.to_string(), app.focus == Focus::Sidebar);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let items = app.sidebar.items();
    let v = crate::i18n::views::for_lang(app.t.lang);
    let counts = app.sidebar.counts.unwrap_or_default();
    let warnings = warning_lines(app, width);
    // The warnings keep their place at the bottom, but leave the views at least half.
    let height = inner.height as usize;
    let shown_warnings = warnings.len().min(height / 2);
    let rows_height = height - shown_warnings;
    let (start, count, above, below) =
        scroll_window(items.len(), app.sidebar.selected, rows_height);
    let hint = |text: &str| {
        Line::styled(
            format!(" {text}"),
            Style::default().add_modifier(Modifier::DIM),
        )
    };
    let mut lines = Vec::new();
    if above {
        lines.push(hint(v.more_above));
    }
    for (i, item) in items.iter().enumerate().skip(start).take(count) {
        let selected = i == app.sidebar.selected;
        let marker = if selected { "›" } else { " " };
        let style = if selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        let line = match item {
            // The views count what they list; queues and numbers, the customers waiting.
            SidebarItem::All => listed(marker, v.all_open, counts.open, width, style),
            SidebarItem::Mine => listed(marker, app.t.mine, counts.mine, width, style),
            SidebarItem::Unassigned => {
                listed(marker, app.t.unassigned, counts.unassigned, width, style)
            }
            SidebarItem::Snoozed => listed(marker, v.snoozed, counts.snoozed, width, style),
            SidebarItem::Closed => listed(marker, v.closed, counts.closed, width, style),
            SidebarItem::Tenant(name) => Line::styled(
                truncate(name, width),
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ),
            // Outside its hours: when it opens, after a moon (the composer says it in words).
            SidebarItem::Queue(q) => {
                let label = match super::hours::closed_until(app, q) {
                    // When it opens, where there is room for it whole; else the moon alone.
                    Some(opens) => {
                        let whole = format!(" {} ☾{opens}", q.name);
                        let room = width.saturating_sub(q.waiting.to_string().len() + 2);
                        match super::text::width(&whole) <= room {
                            true => whole,
                            false => format!(" {} ☾", q.name),
                        }
                    }
                    None => format!(" {}", q.name),
                };
                counted(marker, &label, q.waiting, width, style)
            }
            SidebarItem::NoQueue(tenant) => {
                let waiting: i64 = app
                    .sidebar
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
    if below {
        lines.push(hint(v.more_below));
    }
    lines.extend(warnings.into_iter().take(shown_warnings));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Unrouted deliveries, tokens about to lapse, no numbers yet: below the views.
fn warning_lines<'a>(app: &App, width: usize) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    // Messages that reach no queue are the one thing an admin must not miss.
    let alarm = Style::default()
        .fg(ratatui::style::Color::Red)
        .add_modifier(Modifier::BOLD);
    for (count, text) in [
        (app.sidebar.unrouted, app.t.unrouted_warning),
        (app.sidebar.invalid, app.t.invalid_warning),
    ] {
        if count > 0 {
            lines.push(Line::raw(""));
            for l in super::text::wrap(&crate::i18n::fill(text, &[&count.to_string()]), width) {
                lines.push(Line::styled(l, alarm));
            }
        }
    }
    // A token that lapses silently stops every reply: warn a week ahead (doctor's rule).
    for n in &app.sidebar.numbers {
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
    if app.sidebar.numbers.is_empty() {
        lines.push(Line::raw(""));
        // The wizard is an admin's (`C`), as its key is bound; `wabox numbers add` is a script's.
        let hint = if app.admin {
            let key = app.keymap.key_of(
                crate::tui::keymap::Scope::Lists,
                crate::tui::keymap::Action::Connect,
            );
            crate::i18n::fill(app.t.no_numbers_admin, &[&key])
        } else {
            app.t.no_numbers.to_string()
        };
        for l in super::text::wrap(&hint, width) {
            lines.push(Line::styled(
                l,
                Style::default().add_modifier(Modifier::DIM),
            ));
        }
    }
    lines
}

/// `› label     12` — how many conversations a view lists, plain (not a call to act).
fn listed<'a>(marker: &str, label: &str, n: i64, width: usize, style: Style) -> Line<'a> {
    let count = if n > 0 { n.to_string() } else { String::new() };
    let room = width.saturating_sub(count.len() + 2);
    let label = truncate(label, room);
    let pad = width.saturating_sub(super::text::width(&label) + count.len() + 1);
    Line::from(vec![Span::styled(
        format!("{marker}{label}{}{count}", " ".repeat(pad)),
        style,
    )])
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
