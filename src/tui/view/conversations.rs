//! The conversation list: two lines each (who and when; what was said and the window).

use super::pane_block;
use super::text::{truncate, width};
use crate::i18n::fill;
use crate::tui::app::{App, ConversationRow, Focus};
use crate::tui::clock::{WindowTone, list_time, window_label};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn window_style(tone: WindowTone) -> Style {
    match tone {
        WindowTone::Open => Style::default().fg(Color::Green),
        WindowTone::Closing => Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD),
        WindowTone::Closed => Style::default()
            .fg(Color::DarkGray)
            .add_modifier(Modifier::ITALIC),
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let mut title = app.t.conversations.to_string();
    if app.filter_editing || !app.filter.is_empty() {
        let cursor = if app.filter_editing { "▏" } else { "" };
        let full = format!("{title} · {}: {}{cursor}", app.t.filter, app.filter);
        // What is typed stays visible: in a narrow pane the pane's name gives way, then the
        // start of the filter (its end is where the agent types).
        let room = (area.width as usize).saturating_sub(6);
        title = if width(&full) <= room {
            full
        } else {
            tail(&format!("/{}{cursor}", app.filter), room)
        };
    }
    let block = pane_block(title, app.focus == Focus::Conversations);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let per_screen = (inner.height as usize / 2).max(1);
    if app.conversations.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(app.t.no_conversations, w),
                Style::default().add_modifier(Modifier::DIM),
            )),
            inner,
        );
        return;
    }
    let start = app
        .conversation_selected
        .saturating_sub(per_screen.saturating_sub(1));
    let mut lines = Vec::with_capacity(per_screen * 2);
    for (i, row) in app
        .conversations
        .iter()
        .enumerate()
        .skip(start)
        .take(per_screen)
    {
        let selected = i == app.conversation_selected;
        let open = app.open.as_ref().map(|o| o.id()) == Some(row.view.id);
        lines.extend(row_lines(app, row, selected, open, w));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The last `max` columns of `s`, starting with `…` when cut.
fn tail(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1; // the `…`
    for c in s.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max {
            break;
        }
        used += w;
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

fn row_lines<'a>(
    app: &App,
    row: &ConversationRow,
    selected: bool,
    open: bool,
    w: usize,
) -> [Line<'a>; 2] {
    let base = if selected {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
    };
    let marker = match (selected, open) {
        (true, _) => "›",
        (false, true) => "•",
        _ => " ",
    };
    // Line 1: who, unread count, when.
    let when = row
        .last_at
        .map(|t| list_time(t, app.now, app.offset, app.t))
        .unwrap_or_default();
    let mut unread = if row.view.unread > 0 {
        format!(" ({})", row.view.unread)
    } else {
        String::new()
    };
    if let Some(who) = &row.view.assignee {
        unread.push_str(&format!(" @{who}"));
    }
    // Closed and snoozed say so in words (and dimmed).
    match row.view.state.as_str() {
        "closed" => unread.push_str(&format!(" [{}]", app.t.state_closed)),
        "snoozed" => unread.push_str(&format!(" [{}]", app.t.state_snoozed)),
        _ => {}
    }
    let name_room = w.saturating_sub(width(&when) + width(&unread) + 2);
    let name = truncate(&row.title(), name_room);
    let pad = w.saturating_sub(1 + width(&name) + width(&unread) + width(&when));
    let name_style = if row.view.unread > 0 {
        base.add_modifier(Modifier::BOLD)
    } else {
        base
    };
    let first = Line::from(vec![
        Span::styled(marker.to_string(), base),
        Span::styled(name, name_style),
        Span::styled(unread, base.add_modifier(Modifier::BOLD)),
        Span::styled(" ".repeat(pad), base),
        Span::styled(when, base.add_modifier(Modifier::DIM)),
    ]);
    // Line 2: what was said last, the ad marker, the window.
    let (window, tone) = window_label(row.last_inbound, app.now, app.t);
    let window = if tone == WindowTone::Closed && row.last_inbound.is_some() {
        app.t.window_closed.to_string()
    } else {
        window
    };
    let ad = if row.view.from_ad {
        format!("{} ", app.t.from_ad)
    } else {
        String::new()
    };
    let preview = row
        .view
        .last_message
        .as_ref()
        .map(|m| m.text.replace('\n', " "))
        .unwrap_or_default();
    let room = w.saturating_sub(width(&window) + width(&ad) + 3);
    let preview = truncate(&preview, room);
    let pad = w.saturating_sub(2 + width(&preview) + width(&ad) + width(&window));
    let second = Line::from(vec![
        Span::styled("  ", base),
        Span::styled(preview, base.add_modifier(Modifier::DIM)),
        Span::styled(" ".repeat(pad), base),
        Span::styled(ad, base.fg(Color::Magenta).add_modifier(Modifier::BOLD)),
        Span::styled(window, window_style(tone).patch(base)),
    ]);
    [first, second]
}

/// `closes in 9m` etc. for the composer's title.
pub fn composer_window_text(app: &App, last_inbound: Option<i64>) -> (String, WindowTone) {
    let (label, tone) = window_label(last_inbound, app.now, app.t);
    let text = match tone {
        WindowTone::Open => fill(app.t.composer_open, &[&label]),
        WindowTone::Closing => fill(
            app.t.composer_closing,
            &[label.trim_start_matches(|c: char| !c.is_ascii_digit())],
        ),
        WindowTone::Closed => {
            let key = app.keymap.key_of(
                crate::tui::keymap::Scope::Composer,
                crate::tui::keymap::Action::Templates,
            );
            fill(app.t.composer_closed, &[&key])
        }
    };
    (text, tone)
}
