//! The answers to what the agent does: the notice in the top bar (cut with a pointer to the
//! log when too long), the `:` line with Tab's candidates above it, and the log of answers.

use super::text;
use crate::i18n::fill;
use crate::tui::app::App;
use crate::tui::pager::Pager;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The notice after what the top bar already holds (`used` columns of `width`).
pub fn notice_spans(app: &App, used: usize, width: usize) -> Vec<Span<'static>> {
    let Some(n) = &app.notice else {
        return Vec::new();
    };
    let style = if n.error {
        Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(Color::Green)
    };
    let room = width.saturating_sub(used + 3);
    let shown = text::shown(&n.text);
    let mut spans = vec![Span::raw(" · ")];
    if text::width(&shown) <= room {
        spans.push(Span::styled(shown, style));
        return spans;
    }
    // Cut: say where the whole of it can be read.
    let more = fill(app.cmdline_words().status_more, &[&app.messages_key()]);
    let keep = room.saturating_sub(text::width(&more));
    let cut = text::truncate(&shown, keep + 1);
    spans.push(Span::styled(cut.trim_end_matches('…').to_string(), style));
    spans.push(Span::styled(
        more,
        Style::default().add_modifier(Modifier::DIM),
    ));
    spans
}

/// The `:` line in the footer; while Tab cycles, its candidates in the line above.
pub fn draw_command_line(frame: &mut Frame, app: &App, line: &str, area: Rect) {
    let prompt = app.t.command_prompt;
    // A long line shows its end, where the typing is.
    let room = (area.width as usize).saturating_sub(text::width(prompt) + 2);
    let shown = text::shown(line);
    let shown = if text::width(&shown) > room {
        let chars: Vec<char> = shown.chars().collect();
        let mut tail = String::new();
        for c in chars.iter().rev() {
            if text::width(&tail) + 2 > room {
                break;
            }
            tail.insert(0, *c);
        }
        format!("…{tail}")
    } else {
        shown
    };
    let text = Line::from(vec![
        Span::styled(prompt, Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(shown),
        Span::styled("▏", Style::default().add_modifier(Modifier::SLOW_BLINK)),
    ]);
    frame.render_widget(Paragraph::new(text), area);
    if let Some(cycle) = &app.cmdline.cycle
        && area.y > 0
    {
        let above = Rect {
            y: area.y - 1,
            height: 1,
            ..area
        };
        frame.render_widget(Clear, above);
        frame.render_widget(
            Paragraph::new(candidates_line(
                &cycle.candidates,
                cycle.index,
                above.width as usize,
            ))
            .style(Style::default().bg(Color::DarkGray)),
            above,
        );
    }
}

/// The candidates side by side, the chosen one reversed; a window around it when they do not
/// all fit, with `<` and `>` where more are hidden.
fn candidates_line(candidates: &[String], index: Option<usize>, width: usize) -> Line<'static> {
    let names: Vec<String> = candidates.iter().map(|c| text::shown(c)).collect();
    let chosen = index.unwrap_or(0);
    let mut first = 0;
    // Move the window right until the chosen one fits.
    while first < chosen
        && names[first..=chosen]
            .iter()
            .map(|n| text::width(n) + 2)
            .sum::<usize>()
            + 4
            > width
    {
        first += 1;
    }
    let mut spans = vec![Span::raw(if first > 0 { "< " } else { "  " })];
    let mut used = 2;
    for (i, name) in names.iter().enumerate().skip(first) {
        let w = text::width(name) + 2;
        if used + w + 2 > width && i > chosen {
            spans.push(Span::raw(">"));
            break;
        }
        let style = if index == Some(i) {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
        };
        spans.push(Span::styled(name.clone(), style));
        spans.push(Span::raw("  "));
        used += w;
    }
    Line::from(spans)
}

/// The log of answers, oldest first, each with its time, whole (wrapped).
pub fn draw_messages(frame: &mut Frame, app: &App, pager: &Pager) {
    let words = app.cmdline_words();
    let area = super::centered(frame.area(), 80, 70);
    frame.render_widget(Clear, area);
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    if app.cmdline.log.is_empty() {
        lines.push(Line::raw(words.messages_empty));
    }
    for entry in &app.cmdline.log {
        let at = crate::tui::clock::clock_time(entry.at, app.offset);
        let (mark, style) = if entry.error {
            ("✗", Style::default().fg(Color::Red))
        } else {
            ("✓", Style::default().fg(Color::Green))
        };
        let indent = text::width(&at) + 3;
        for (i, part) in text::wrap(&entry.text, width.saturating_sub(indent))
            .into_iter()
            .enumerate()
        {
            lines.push(if i == 0 {
                Line::from(vec![
                    Span::styled(at.clone(), Style::default().add_modifier(Modifier::DIM)),
                    Span::styled(format!(" {mark} "), style),
                    Span::raw(part),
                ])
            } else {
                Line::raw(format!("{}{part}", " ".repeat(indent)))
            });
        }
    }
    super::help::draw_pager(frame, app, pager, words.messages_title, lines, area);
}
