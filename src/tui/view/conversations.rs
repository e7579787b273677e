//! The conversation list: two lines each (who and when; what was said and the window).

use super::pane_block;
use super::text::{tail, truncate, width, wrap};
use crate::domain::time::short_duration;
use crate::i18n::fill;
use crate::protocol::ConversationState;
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
    // With the sidebar hidden (a narrow terminal), the title says which view this is.
    let sidebar_hidden =
        super::layout::pane_widths(frame.area().width, app.focus == Focus::Sidebar)[0] == 0;
    if sidebar_hidden && let Some(view) = super::sidebar::view_name(app) {
        title = view;
    }
    if app.list.filter_editing || !app.list.filter.is_empty() {
        let cursor = if app.list.filter_editing { "▏" } else { "" };
        let full = format!("{title} · {}: {}{cursor}", app.t.filter, app.list.filter);
        // What is typed stays visible: in a narrow pane the pane's name gives way, then the
        // start of the filter (its end is where the agent types).
        let room = (area.width as usize).saturating_sub(6);
        title = if width(&full) <= room {
            full
        } else {
            tail(&format!("/{}{cursor}", app.list.filter), room)
        };
    }
    let block = pane_block(title, app.focus == Focus::Conversations);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    // The open conversation is not among the rows: said above them, and under the cursor while
    // the list's actions act on it.
    if let Some(open) = &app.open
        && !app.list.rows.iter().any(|c| c.view.id == open.id())
    {
        lines.extend(outside_lines(app, open, w));
    }
    let per_screen = ((inner.height as usize).saturating_sub(lines.len()) / 2).max(1);
    if app.list.rows.is_empty() {
        let dim = Style::default().add_modifier(Modifier::DIM);
        for l in wrap(app.t.no_conversations, w) {
            lines.push(Line::styled(l, dim));
        }
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let start = app
        .list
        .selected
        .saturating_sub(per_screen.saturating_sub(1));
    // Names shown more than once in the list: such rows must say which is which even where
    // the first line has no room for it.
    let mut names: std::collections::HashMap<String, Vec<&str>> = std::collections::HashMap::new();
    for row in &app.list.rows {
        names
            .entry(row.title())
            .or_default()
            .push(&row.view.display_phone);
    }
    for (i, row) in app
        .list
        .rows
        .iter()
        .enumerate()
        .skip(start)
        .take(per_screen)
    {
        let selected = i == app.list.selected && !app.list.outside_list;
        let open = app.open.as_ref().map(|o| o.id()) == Some(row.view.id);
        let twin = names
            .get(&row.title())
            .filter(|phones| phones.len() > 1)
            .map(|phones| twin_mark(row, phones));
        lines.extend(row_lines(app, row, selected, open, twin, w));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `› Carlos Mamani #4` over `  not in this view`: the open conversation, outside the rows.
fn outside_lines<'a>(
    app: &App,
    open: &crate::tui::app::OpenConversation,
    w: usize,
) -> [Line<'a>; 2] {
    let v = crate::i18n::views::for_lang(app.t.lang);
    let (marker, style) = if app.list.outside_list {
        ("›", Style::default().add_modifier(Modifier::REVERSED))
    } else {
        ("•", Style::default().add_modifier(Modifier::DIM))
    };
    let id = format!(" #{}", open.id());
    let name = truncate(&open.row.title(), w.saturating_sub(1 + width(&id)));
    let pad = w.saturating_sub(1 + width(&name) + width(&id));
    let note = truncate(v.outside_view, w.saturating_sub(2));
    let note_pad = w.saturating_sub(2 + width(&note));
    [
        Line::from(vec![
            Span::styled(marker.to_string(), style),
            Span::styled(name, style.add_modifier(Modifier::BOLD)),
            Span::styled(id, style),
            Span::styled(" ".repeat(pad), style),
        ]),
        Line::from(vec![
            Span::styled("  ", style),
            Span::styled(note, style.add_modifier(Modifier::ITALIC)),
            Span::styled(" ".repeat(note_pad), style),
        ]),
    ]
}

/// `#12 +15550783881`, or less of it, to tell apart two rows of the same name: as much as fits
/// in `room` (the phone only when there is more than one number to tell apart).
fn row_identity(app: &App, row: &ConversationRow, room: usize) -> String {
    let id = format!(" #{}", row.view.id);
    let phone = &row.view.display_phone;
    let mut candidates = Vec::new();
    if app.sidebar.numbers.len() > 1 {
        candidates.push(format!("{id} +{phone}"));
        let digits: String = phone
            .chars()
            .skip(phone.chars().count().saturating_sub(4))
            .collect();
        candidates.push(format!("{id} …{digits}"));
    }
    candidates.push(id);
    candidates
        .into_iter()
        .find(|c| width(c) <= room)
        .unwrap_or_default()
}

/// What tells rows of the same name apart in the least room: the number's last digits when
/// each of them is on another number, else the conversation's id.
fn twin_mark(row: &ConversationRow, phones: &[&str]) -> String {
    let phone = &row.view.display_phone;
    let distinct: std::collections::HashSet<&&str> = phones.iter().collect();
    if distinct.len() == phones.len() {
        let digits: String = phone
            .chars()
            .skip(phone.chars().count().saturating_sub(4))
            .collect();
        format!("…{digits}")
    } else {
        format!("#{}", row.view.id)
    }
}

/// The columns a contact's name keeps before the list's other marks give way: "Cliente 1033"
/// whole, where eight left every demo customer "Cliente…".
const MIN_NAME: usize = 12;

fn row_lines<'a>(
    app: &App,
    row: &ConversationRow,
    selected: bool,
    open: bool,
    twin: Option<String>,
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
    // Closed and snoozed say so in words (and dimmed), except in the view that lists only
    // those: "[snoozed]" on every row of Snoozed took the names' room and said nothing.
    let viewing = app.sidebar.chosen_view().2;
    let state_tag = match (row.view.state, viewing) {
        (ConversationState::Closed, crate::protocol::views::StateFilter::Closed)
        | (ConversationState::Snoozed, crate::protocol::views::StateFilter::Snoozed) => {
            String::new()
        }
        (ConversationState::Closed, _) => format!(" [{}]", app.t.state_closed),
        (ConversationState::Snoozed, _) => format!(" [{}]", app.t.state_snoozed),
        (ConversationState::Open | ConversationState::Pending, _) => String::new(),
    };
    let marks = |assignee: Option<String>| {
        let mut marks = if row.view.unread > 0 {
            format!(" ({})", row.view.unread)
        } else {
            String::new()
        };
        if let Some(who) = assignee {
            marks.push_str(&format!(" @{who}"));
        }
        marks.push_str(&state_tag);
        marks
    };
    let mut unread = marks(row.view.assignee.clone());
    // Past the queue's first-response target with the customer still unanswered: marked.
    let late = match row.view.sla_due_at {
        Some(due) if due <= app.now && row.view.state != ConversationState::Closed => {
            let words = crate::i18n::report::for_lang(app.t.lang);
            format!(
                " {}",
                fill(words.sla_late, &[&short_duration(app.now - due)])
            )
        }
        _ => String::new(),
    };
    // A late or assigned row in a narrow list (80 columns) left the name a few letters ("Cl…
    // (8) late 21m 21:29"): the name comes first, so the last message's time goes (the list is
    // in its order anyway), and then the late mark shrinks to its time.
    let room_for_name = |when: &str, late: &str, unread: &str| {
        w.saturating_sub(width(when) + width(unread) + width(late) + 2)
    };
    let title = row.title();
    let need = width(&super::text::shown(&title)).min(MIN_NAME);
    // Only the marks a row gains as it is worked (an agent, lateness) push the time out: a
    // plain row keeps it ("Yesterday" says more than the rest of a long id).
    let crowded = !late.is_empty() || row.view.assignee.is_some();
    let (when, late) = if !crowded || room_for_name(&when, &late, &unread) >= need {
        (when, late)
    } else if late.is_empty() || room_for_name("", &late, &unread) >= need {
        (String::new(), late)
    } else {
        let since = row.view.sla_due_at.map_or(0, |due| app.now - due);
        (String::new(), format!(" !{}", short_duration(since)))
    };
    // Still no room ("E… @exa_alice !2h 33m"): the agent's name gives way to its first letters.
    if crowded && room_for_name(&when, &late, &unread) < need {
        let short = row.view.assignee.as_deref().map(|who| {
            if who.chars().count() <= 4 {
                return who.to_owned();
            }
            format!("{}…", who.chars().take(3).collect::<String>())
        });
        unread = marks(short);
    }
    let name_room = room_for_name(&when, &late, &unread);
    // Which conversation, where there is room once the name has its own (up to 14 columns).
    let keep = width(&super::text::shown(&title)).min(14);
    let identity = row_identity(app, row, name_room.saturating_sub(keep));
    let name = truncate(&title, name_room.saturating_sub(width(&identity)));
    let identity_shown = identity.clone();
    let pad = w.saturating_sub(
        1 + width(&name) + width(&identity) + width(&unread) + width(&late) + width(&when),
    );
    let name_style = if row.view.unread > 0 {
        base.add_modifier(Modifier::BOLD)
    } else {
        base
    };
    let first = Line::from(vec![
        Span::styled(marker.to_string(), base),
        Span::styled(name, name_style),
        Span::styled(identity_shown, base.add_modifier(Modifier::DIM)),
        Span::styled(unread, base.add_modifier(Modifier::BOLD)),
        Span::styled(late, base.fg(Color::Red).add_modifier(Modifier::BOLD)),
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
    // A twin whose first line had no room to say which it is says it here, before the text.
    let which = match twin {
        Some(mark) if identity.is_empty() => format!("{mark} "),
        _ => String::new(),
    };
    let room = w.saturating_sub(width(&window) + width(&ad) + width(&which) + 3);
    let preview = truncate(&preview, room);
    let pad = w.saturating_sub(2 + width(&which) + width(&preview) + width(&ad) + width(&window));
    let second = Line::from(vec![
        Span::styled("  ", base),
        Span::styled(which, base.fg(Color::Cyan)),
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
