//! A conversation's messages, drawn bottom-up from the newest (or from the cursor when the
//! agent scrolls back), with day separators. Incoming and outgoing differ by arrow, name and
//! indent, so colour is never the only sign.

use super::pane_block;
use super::text::{truncate, width as text_width, wrap};
use crate::i18n::fill;
use crate::protocol::{Direction, EnrollmentState, MediaState, MessageStatus, Origin};
use crate::tui::app::{App, Focus, MessageRow, OpenConversation};
use crate::tui::clock::{clock_time, day_label, day_number};
use crate::tui::keymap::{Action, Scope};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let title = match &app.open {
        Some(open) => {
            let who = open.row.title();
            let via = format!("+{}", open.row.view.display_phone);
            match open.row.view.blocked {
                Some(_) => format!("{who} → {via} · {}", app.t.blocked_mark),
                None => format!("{who} → {via}"),
            }
        }
        None => app.t.messages.to_string(),
    };
    let block = pane_block(title, app.focus == Focus::Messages);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    // The sequence running here, on a line of its own above the messages.
    if let Some(line) = app.open.as_ref().and_then(|o| automation_line(app, o))
        && inner.height > 2
    {
        let top = Rect { height: 1, ..inner };
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(&line, inner.width as usize),
                Style::default().fg(Color::Magenta),
            )),
            top,
        );
        inner.y += 1;
        inner.height -= 1;
    }
    let dim = Style::default().add_modifier(Modifier::DIM);
    // What stands in for messages is wrapped, never cut: it tells the agent what to do.
    let placeholder = |frame: &mut Frame, text: &str| {
        let lines: Vec<Line> = wrap(text, inner.width as usize)
            .into_iter()
            .map(|l| Line::styled(l, dim))
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
    };
    let Some(open) = &app.open else {
        placeholder(frame, app.t.no_conversation_open);
        return;
    };
    if open.messages.is_empty() {
        let text = if open.loading {
            app.t.loading
        } else {
            app.t.no_messages
        };
        placeholder(frame, text);
        return;
    }
    let lines = visible_lines(app, open, inner.width as usize, inner.height as usize);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `⚙ Welcome · question (3/8) · next in 2h`, for the first sequence running or paused here.
pub fn automation_line(app: &App, open: &OpenConversation) -> Option<String> {
    let e = open.automation.iter().find(|e| e.live())?;
    let status = automation_status(app, e);
    let icon = if e.state == EnrollmentState::Paused {
        "⏸"
    } else {
        "⚙"
    };
    let mut line = format!(
        "{icon} {} · {} ({}/{})",
        e.sequence_name,
        crate::i18n::engine::localize(app.t.lang, &e.step_name),
        (e.step + 1).min(e.steps.max(1)),
        e.steps
    );
    if !status.is_empty() {
        line.push_str(" · ");
        line.push_str(&status);
    }
    let more = open.automation.iter().filter(|e| e.live()).count() - 1;
    if more > 0 {
        line.push_str(&format!(" (+{more})"));
    }
    Some(line)
}

/// Where an enrollment stands, in words: paused and why, waiting for a reply, or when it runs.
pub fn automation_status(app: &App, e: &crate::protocol::EnrollmentView) -> String {
    let t = app.t;
    match e.state {
        EnrollmentState::Paused => format!(
            "{}: {}",
            t.automation_paused,
            crate::i18n::engine::localize(t.lang, e.reason.as_deref().unwrap_or(""))
        ),
        EnrollmentState::WaitingReply => t.automation_waiting_reply.to_string(),
        _ => match e.due_at {
            Some(at) if at > app.now => fill(
                t.automation_next_in,
                &[&crate::domain::time::short_duration(at - app.now)],
            ),
            _ => String::new(),
        },
    }
}

/// The lines that fill the pane: the newest messages, unless the cursor is further back, in
/// which case the cursor's message sits at the bottom; or, when too few come before it to fill
/// the pane (a search jump to a conversation's first message), the conversation from its start,
/// the messages after the cursor filling the rest as a pager's would.
fn visible_lines<'a>(
    app: &App,
    open: &OpenConversation,
    width: usize,
    height: usize,
) -> Vec<Line<'a>> {
    let last = open.messages.len() - 1;
    let (mut lines, first_whole) = fill_upwards(app, open, last, width, height);
    if open.selected < first_whole {
        lines = fill_upwards(app, open, open.selected, width, height).0;
        if lines.len() < height {
            lines = fill_from_start(app, open, width, height);
        }
    }
    lines
}

/// The conversation's first lines (the hint of older ones first, if any), down to `height`.
fn fill_from_start<'a>(
    app: &App,
    open: &OpenConversation,
    width: usize,
    height: usize,
) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Some(hint) = older_hint(app, open) {
        lines.push(hint);
    }
    for (i, m) in open.messages.iter().enumerate() {
        if lines.len() >= height {
            break;
        }
        let prev = i.checked_sub(1).map(|p| &open.messages[p]);
        lines.extend(message_lines(app, open, m, prev, i == open.selected, width));
    }
    lines.truncate(height);
    lines
}

/// "Loading…" or how to read older messages, above the first one loaded, when there are some.
fn older_hint<'a>(app: &App, open: &OpenConversation) -> Option<Line<'a>> {
    if !(open.has_older || open.loading) {
        return None;
    }
    let hint = if open.loading {
        app.t.loading
    } else {
        app.t.older_messages_hint
    };
    Some(Line::styled(
        hint.to_string(),
        Style::default().add_modifier(Modifier::DIM),
    ))
}

/// The messages up to `bottom`, newest at the bottom, as many as fill `height`; and the index
/// of the first one shown whole.
fn fill_upwards<'a>(
    app: &App,
    open: &OpenConversation,
    bottom: usize,
    width: usize,
    height: usize,
) -> (Vec<Line<'a>>, usize) {
    let mut blocks: Vec<Vec<Line<'a>>> = Vec::new();
    let mut used = 0;
    let mut first = bottom;
    for i in (0..=bottom).rev() {
        let prev = i.checked_sub(1).map(|p| &open.messages[p]);
        let block = message_lines(
            app,
            open,
            &open.messages[i],
            prev,
            i == open.selected,
            width,
        );
        used += block.len();
        blocks.push(block);
        first = i;
        if used >= height {
            break;
        }
    }
    if first == 0
        && used < height
        && let Some(hint) = older_hint(app, open)
    {
        blocks.push(vec![hint]);
    }
    let mut lines: Vec<Line<'a>> = blocks.into_iter().rev().flatten().collect();
    if lines.len() > height {
        // The top message lost its first lines (its sender and time): it is not shown whole.
        lines.drain(..lines.len() - height);
        first += 1;
    }
    (lines, first)
}

/// `([image 240 KB] caption, downloading…)`: the size goes inside the bracket.
fn media_text(app: &App, m: &MessageRow) -> String {
    let text = m.view.text.clone();
    let Some(media) = &m.view.media else {
        return text;
    };
    let mut text = match (media.bytes, text.find(']')) {
        // Our own files already say their size (`[document 1.5 MB] a.pdf`): once is enough.
        (Some(bytes), Some(end)) if text.starts_with('[') && !text[..end].contains(' ') => {
            format!("{} {}{}", &text[..end], human_bytes(bytes), &text[end..])
        }
        _ => text,
    };
    match media.state {
        MediaState::Pending => text.push_str(&format!(" ({})", app.t.downloading)),
        // A file deleted after `[media] keep_days` did not fail to download: the reason alone.
        MediaState::Failed if media.expired => {
            text.push_str(&format!(" ({})", media.error.clone().unwrap_or_default()))
        }
        MediaState::Failed => text.push_str(&format!(
            " ({}: {})",
            app.t.download_failed,
            media.error.clone().unwrap_or_default()
        )),
        MediaState::Downloaded => {}
    }
    text
}

/// In the units our own files are summarized in (and Meta's limits given): decimal.
pub fn human_bytes(bytes: i64) -> String {
    crate::domain::media::size_label(bytes.max(0) as u64)
}

/// `✓✓ read`: a symbol and a word, so a colour-blind agent (or a 16-colour terminal) reads it.
fn status_span<'a>(app: &App, status: Option<MessageStatus>) -> Option<Span<'a>> {
    let t = app.t;
    let plain = Style::default();
    let (symbol, word, style) = match status? {
        MessageStatus::Queued => ("◷", t.status_queued, plain.fg(Color::DarkGray)),
        MessageStatus::Sent => ("✓", t.status_sent, plain),
        MessageStatus::Delivered => ("✓✓", t.status_delivered, plain),
        MessageStatus::Read => (
            "✓✓",
            t.status_read,
            plain.fg(Color::LightBlue).add_modifier(Modifier::BOLD),
        ),
        MessageStatus::Failed => (
            "✗",
            t.status_failed,
            plain.fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        MessageStatus::Uncertain => (
            "?",
            t.status_uncertain,
            plain.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        // Meta has it but has not said more: shown as Meta's word.
        other @ (MessageStatus::Accepted | MessageStatus::Played) => {
            return Some(Span::raw(other.as_str()));
        }
    };
    Some(Span::styled(format!("{symbol} {word}"), style))
}

/// Where a message's lines start: the cursor's gutter, then the indent of an outgoing message.
struct Margin {
    gutter: &'static str,
    gutter_style: Style,
    indent: &'static str,
    /// How wide the text after the margin may run.
    body_width: usize,
}

impl Margin {
    fn gutter<'a>(&self) -> Span<'a> {
        Span::styled(self.gutter.to_string(), self.gutter_style)
    }

    /// A line of the body: the margin, then `text` (already fitted) in `style`.
    fn line<'a>(&self, text: Span<'a>) -> Line<'a> {
        Line::from(vec![
            self.gutter(),
            Span::raw(format!("{}  ", self.indent)),
            text,
        ])
    }

    /// `text` wrapped to the body's width, each line after the margin.
    fn push<'a>(&self, out: &mut Vec<Line<'a>>, text: String, style: Style) {
        for l in wrap(&text, self.body_width) {
            out.push(self.line(Span::styled(l, style)));
        }
    }
}

fn message_lines<'a>(
    app: &App,
    open: &OpenConversation,
    m: &MessageRow,
    prev: Option<&MessageRow>,
    selected: bool,
    width: usize,
) -> Vec<Line<'a>> {
    let t = app.t;
    let mut out = Vec::new();
    out.extend(day_separator(app, m, prev, width));
    let v = &m.view;
    let outgoing = v.direction == Direction::Out;
    let indent = if outgoing { "    " } else { "" };
    let margin = Margin {
        gutter: if selected && app.focus == Focus::Messages {
            "▌"
        } else {
            " "
        },
        gutter_style: Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
        indent,
        body_width: width.saturating_sub(1 + indent.len() + 2).max(8),
    };
    header_lines(app, open, m, &margin, width, &mut out);

    let dim = Style::default().add_modifier(Modifier::DIM);
    if v.forwarded {
        margin.push(
            &mut out,
            format!("↪ {}", t.forwarded),
            dim.add_modifier(Modifier::ITALIC),
        );
    }
    if let Some(reply_to) = &v.reply_to {
        quote_lines(app, open, reply_to, &margin, &mut out);
    }
    body_lines(app, m, &margin, &mut out);
    if !v.reactions.is_empty() {
        let r: Vec<String> = v.reactions.iter().map(|r| r.emoji.clone()).collect();
        margin.push(&mut out, r.join(" "), Style::default());
    }
    if let Some(e) = &v.error {
        error_lines(app, m, e, &margin, &mut out);
    }
    out.push(Line::raw(""));
    out
}

/// `──── Today ────` above the first message of a day.
fn day_separator<'a>(
    app: &App,
    m: &MessageRow,
    prev: Option<&MessageRow>,
    width: usize,
) -> Option<Line<'a>> {
    let day = day_number(m.at, app.offset);
    if prev.is_some_and(|p| day_number(p.at, app.offset) == day) {
        return None;
    }
    let label = format!(" {} ", day_label(m.at, app.now, app.offset, app.t));
    let side = width.saturating_sub(width_of(&label)) / 2;
    Some(Line::styled(
        format!("{}{label}{}", "─".repeat(side), "─".repeat(side)),
        Style::default().add_modifier(Modifier::DIM),
    ))
}

/// Header: arrow, who, time, ticks.
fn header_lines<'a>(
    app: &App,
    open: &OpenConversation,
    m: &MessageRow,
    margin: &Margin,
    width: usize,
    out: &mut Vec<Line<'a>>,
) {
    let t = app.t;
    let v = &m.view;
    let outgoing = v.direction == Direction::Out;
    let who = match (v.direction, v.origin) {
        (Direction::Out, Origin::PhoneApp) => t.phone_app.to_string(),
        (Direction::Out, Origin::Sequence) => t.sequence_origin.to_string(),
        (Direction::Out, Origin::Away | Origin::OptOut) => t.away_origin.to_string(),
        (Direction::Out, Origin::Broadcast) => t.broadcast_origin.to_string(),
        (Direction::Out, _) => app.sender_of(v),
        // In a group, each message is its participant's.
        _ => match &v.author {
            Some(author) => super::text::shown(&author_label(author)),
            None => super::text::shown(&open.row.title()),
        },
    };
    let arrow = if outgoing { "▸ " } else { "◂ " };
    let who_style = if outgoing {
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default()
            .fg(Color::Green)
            .add_modifier(Modifier::BOLD)
    };
    let mut header = vec![
        margin.gutter(),
        Span::raw(margin.indent.to_string()),
        Span::styled(format!("{arrow}{who}"), who_style),
        Span::styled(
            format!(" · {}", clock_time(m.at, app.offset)),
            Style::default().add_modifier(Modifier::DIM),
        ),
    ];
    if v.origin == Origin::History {
        header.push(Span::styled(
            format!(" · {}", t.history),
            Style::default().add_modifier(Modifier::DIM),
        ));
    }
    let status = if outgoing {
        status_span(app, v.status)
    } else {
        None
    };
    let header_width: usize = header.iter().map(|s| text_width(&s.content)).sum();
    match status {
        // In a narrow pane the ticks get a line of their own rather than being cut off.
        Some(s) if header_width + 2 + text_width(&s.content) > width => {
            out.push(Line::from(header));
            out.push(margin.line(s));
        }
        Some(s) => {
            header.push(Span::raw("  "));
            header.push(s);
            out.push(Line::from(header));
        }
        None => out.push(Line::from(header)),
    }
}

/// The message a reply answers, quoted above it.
fn quote_lines<'a>(
    app: &App,
    open: &OpenConversation,
    reply_to: &str,
    margin: &Margin,
    out: &mut Vec<Line<'a>>,
) {
    let t = app.t;
    let dim = Style::default().add_modifier(Modifier::DIM);
    let quoted = open
        .messages
        .iter()
        .find(|x| x.view.wamid == reply_to)
        .map(|x| {
            format!(
                "{}: {}",
                t.reply_to,
                truncate(&x.view.text.replace('\n', " "), 60)
            )
        })
        .unwrap_or_else(|| t.reply_to_earlier.to_string());
    // The bar runs down every line of the quote, so its end is plain to see.
    for l in wrap(&quoted, margin.body_width.saturating_sub(2).max(1)) {
        out.push(margin.line(Span::styled(format!("│ {l}"), dim)));
    }
}

/// What the message says: deleted, a call, a form's answers, or its text (and what it was
/// before an edit).
fn body_lines<'a>(app: &App, m: &MessageRow, margin: &Margin, out: &mut Vec<Line<'a>>) {
    let t = app.t;
    let v = &m.view;
    let dim = Style::default().add_modifier(Modifier::DIM);
    if v.revoked {
        let was = v.previous_texts.last().cloned().unwrap_or_default();
        let text = if was.is_empty() {
            format!("⊘ {}", t.deleted)
        } else {
            format!("⊘ {} — {}: {was}", t.deleted, t.was)
        };
        margin.push(out, text, dim.add_modifier(Modifier::CROSSED_OUT));
    } else if v.kind == "call" {
        let what = v.text.strip_prefix("[call] ").unwrap_or(&v.text);
        margin.push(out, format!("☎ {what}"), Style::default().fg(Color::Yellow));
    } else if let Some(fields) = v.form.as_ref().filter(|f| !f.is_empty()) {
        // A Flow's answers, one per line, so a long form stays readable.
        margin.push(out, format!("[{}]", t.form), dim);
        for f in fields {
            margin.push(out, format!("{}: {}", f.name, f.value), Style::default());
        }
    } else {
        margin.push(out, media_text(app, m), Style::default());
        if v.edited {
            let was = v.previous_texts.last().cloned().unwrap_or_default();
            margin.push(out, format!("✎ {} — {}: {was}", t.edited, t.was), dim);
        }
    }
}

/// Why a send failed, or, when it is uncertain, how to retry it.
fn error_lines<'a>(
    app: &App,
    m: &MessageRow,
    e: &crate::protocol::views::ErrorView,
    margin: &Margin,
    out: &mut Vec<Line<'a>>,
) {
    let dim = Style::default().add_modifier(Modifier::DIM);
    let red = Style::default().fg(Color::Red);
    match m.view.status {
        Some(MessageStatus::Uncertain) => {
            let key = app.keymap.key_of(Scope::Lists, Action::Retry);
            margin.push(
                out,
                format!("? {}", e.title),
                Style::default().fg(Color::Yellow),
            );
            margin.push(out, fill(app.t.uncertain_hint, &[&key]), dim);
        }
        _ => {
            margin.push(
                out,
                crate::tui::failure_line::line(e, app.t.lang, app.admin),
                red,
            );
        }
    }
}

/// A group participant as the timeline names them: profile name, else number, else user id.
fn author_label(a: &crate::protocol::views::ContactView) -> String {
    a.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| a.wa_id.as_ref().map(|w| format!("+{w}")))
        .or_else(|| a.user_id.clone())
        .unwrap_or_default()
}

fn width_of(s: &str) -> usize {
    text_width(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::views::MediaView;
    use crate::tui::fixtures;

    fn with_file(text: &str, bytes: i64) -> MessageRow {
        let mut m = fixtures::message(1, "out", "agent", text, 0);
        m.view.media = Some(MediaView {
            state: MediaState::Downloaded,
            mime_type: Some("application/pdf".into()),
            bytes: Some(bytes),
            error: None,
            path: None,
            expired: false,
        });
        m
    }

    #[test]
    fn a_file_deleted_after_keep_days_says_so_and_not_that_its_download_failed() {
        let app = fixtures::inbox("en");
        let mut photo = with_file("[image] box", 2_000);
        let media = photo.view.media.as_mut().unwrap();
        media.state = MediaState::Failed;
        media.error = Some("deleted after 30 days ([media] keep_days)".into());
        media.expired = true;
        let shown = media_text(&app, &photo);
        assert!(
            shown.ends_with("(deleted after 30 days ([media] keep_days))"),
            "{shown}"
        );
        photo.view.media.as_mut().unwrap().expired = false;
        assert!(media_text(&app, &photo).contains("download failed: deleted"));
    }

    #[test]
    fn a_files_size_is_said_once_in_decimal_units() {
        let app = fixtures::inbox("en");
        // Ours say their size already (as sent); a customer's get it from the download.
        let ours = with_file("[document 1.5 MB] catalogue.pdf", 1_500_009);
        assert_eq!(media_text(&app, &ours), "[document 1.5 MB] catalogue.pdf");
        let theirs = with_file("[document] catalogue.pdf", 1_500_009);
        assert_eq!(media_text(&app, &theirs), "[document 1.5 MB] catalogue.pdf");
    }
}
