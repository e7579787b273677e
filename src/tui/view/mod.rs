//! Drawing: a pure function of the app's state. Only what is visible is built into widgets.

mod admin;
mod automation;
mod broadcasts;
mod composer;
mod contact;
mod conversations;
pub mod help;
mod hours;
pub mod layout;
mod messages;
mod picker;
mod react;
mod report;
mod search;
mod sidebar;
mod status;
pub mod text;

#[cfg(test)]
pub(crate) use composer::height as composer_height;

use super::app::{App, Focus, LinkState, Popup};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

pub fn draw(frame: &mut Frame, app: &App) {
    match &app.wizard {
        Some(wizard) => super::wizard::view::draw(frame, wizard),
        None => draw_inbox(frame, app),
    }
    shield(frame.buffer_mut());
}

/// The last line of defence after `text::visible`: a cell still holding a control or invisible
/// character (a string that reached a span without going through `text`) shows `�` instead.
/// ratatui drops C0 and C1 itself but passes bidi overrides and zero-width characters through.
fn shield(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(crate::domain::text::is_hidden) {
            cell.set_symbol("\u{fffd}");
        }
    }
}

fn draw_inbox(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let [top, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_top(frame, app, top);
    let [side, list, _] = layout::pane_widths(area.width, app.focus == Focus::Sidebar);
    let [left, middle, right] = Layout::horizontal([
        Constraint::Length(side),
        Constraint::Length(list),
        Constraint::Min(1),
    ])
    .areas(body);
    if side > 0 {
        sidebar::draw(frame, app, left);
    }
    conversations::draw(frame, app, middle);
    let composer_height = composer::height(app, right.width);
    let [messages_area, composer_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(composer_height)]).areas(right);
    if app.contact.shown && app.open.is_some() {
        // Beside the messages when there is room, else in their place.
        if messages_area.width >= 70 {
            let [m, panel] = Layout::horizontal([Constraint::Min(30), Constraint::Length(30)])
                .areas(messages_area);
            messages::draw(frame, app, m);
            contact::draw(frame, app, panel);
        } else {
            contact::draw(frame, app, messages_area);
        }
    } else {
        messages::draw(frame, app, messages_area);
    }
    composer::draw(frame, app, composer_area);
    draw_footer(frame, app, footer);
    // The quit question sits in the footer, over whatever popup it came over.
    let popup = match &app.popup {
        Some(Popup::ConfirmQuit { under }) => under.as_deref(),
        other => other.as_ref(),
    };
    match popup {
        Some(Popup::Help(pager)) => help::draw(frame, app, pager),
        Some(Popup::Messages(pager)) => status::draw_messages(frame, app, pager),
        Some(Popup::Templates(p)) => picker::draw(frame, app, p),
        Some(Popup::Search(s)) => search::draw(frame, app, s),
        Some(Popup::React(choice)) => react::draw(frame, app, choice),
        Some(Popup::Admin(a)) => admin::draw(frame, app, a.agents.as_deref(), a.scroll),
        Some(Popup::Automation(a)) => automation::draw(frame, app, a),
        Some(Popup::Report(r)) => report::draw(frame, app, r),
        Some(Popup::Broadcasts(b)) => broadcasts::draw(frame, app, b),
        Some(Popup::Command(_) | Popup::SaveAs(_) | Popup::ConfirmQuit { .. }) | None => {}
    }
}

/// A pane's frame: the focused one stands out by its border style and a marker in the title,
/// not by colour alone.
/// A group's conversation without a subject, named by the end of its id (ids are long and
/// start alike): `👥 …3ODEwMTQ0RgA`.
pub fn group_title(group: &crate::protocol::views::GroupView) -> String {
    if let Some(subject) = group.subject.as_ref().filter(|s| !s.trim().is_empty()) {
        return format!("👥 {subject}");
    }
    let id = &group.group_id;
    let tail: String = id
        .chars()
        .skip(id.chars().count().saturating_sub(12))
        .collect();
    format!("👥 …{tail}")
}

pub fn pane_block<'a>(title: String, focused: bool) -> Block<'a> {
    let (title, style, border) = if focused {
        (
            format!("▶ {title} "),
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            BorderType::Thick,
        )
    } else {
        (format!(" {title} "), Style::default(), BorderType::Plain)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(border)
        .border_style(style)
        .title(Span::styled(title, style))
}

fn draw_top(frame: &mut Frame, app: &App, area: Rect) {
    let (state, style) = match &app.link {
        LinkState::Connected => (
            app.t.connected.to_string(),
            Style::default().fg(Color::Green),
        ),
        LinkState::Connecting => (
            app.t.connecting.to_string(),
            Style::default().fg(Color::Yellow),
        ),
        LinkState::Lost(reason) => (
            format!("{}: {reason}", app.t.disconnected),
            Style::default()
                .fg(Color::Red)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
        LinkState::Ended(reason) => (
            format!("{}: {reason}", app.t.not_connected),
            Style::default()
                .fg(Color::Red)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
    };
    let mut spans = vec![
        Span::styled(" wabox ", Style::default().add_modifier(Modifier::BOLD)),
        Span::raw("· "),
        Span::styled(state, style),
    ];
    let used = spans.iter().map(|s| text::width(&s.content)).sum();
    spans.extend(status::notice_spans(app, used, area.width as usize));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(Popup::ConfirmQuit { .. }) = &app.popup {
        return composer::draw_quit_question(frame, app, area);
    }
    if let Some(Popup::Command(line)) = &app.popup {
        return status::draw_command_line(frame, app, line, area);
    }
    if let Some(Popup::SaveAs(prompt)) = &app.popup {
        let v = crate::i18n::views::for_lang(app.t.lang);
        let bold = Style::default().add_modifier(Modifier::BOLD);
        // The end of the path is where the agent types: it stays visible.
        let save_hint = hint(app, prompt, v.save_hint);
        let room = (area.width as usize)
            .saturating_sub(text::width(v.save_prompt) + text::width(&save_hint) + 3);
        let text = Line::from(vec![
            Span::styled(v.save_prompt, bold),
            Span::raw(text::tail(&prompt.path, room)),
            Span::styled("▏", Style::default().add_modifier(Modifier::SLOW_BLINK)),
            Span::styled(
                format!("  {save_hint}"),
                Style::default().add_modifier(Modifier::DIM),
            ),
        ]);
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    // An open popup answers the keys now and names them in its own frame: the focused pane's,
    // down here, would say Enter sends while it does what the popup says.
    if app.popup.is_some() {
        return;
    }
    let (scope, actions) = app.focused_commands();
    let mut spans = Vec::new();
    for action in actions {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(
            app.keymap.key_of(scope, *action),
            Style::default().add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(
            " {}",
            crate::tui::action_words::action_word(app.t.lang, *action)
        )));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::default().add_modifier(Modifier::DIM)),
        area,
    );
}

/// A popup's hint line, written from the keys it answers.
fn hint(app: &App, popup: &dyn crate::tui::popup::Component, template: &str) -> String {
    popup.hint(&app.keymap, app.t.lang, template)
}

/// A rectangle centred in `area`, `percent_x` wide and `percent_y` high (at least what fits).
pub fn centered(area: Rect, percent_x: u16, percent_y: u16) -> Rect {
    let w = (area.width * percent_x / 100).max(area.width.min(40));
    let h = (area.height * percent_y / 100).max(area.height.min(10));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_content;
#[cfg(test)]
mod tests_report;
#[cfg(test)]
mod tests_views;
