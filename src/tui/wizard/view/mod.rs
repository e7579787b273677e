//! The wizard drawn: a pure function of its state, like the inbox. One frame for every screen
//! (a header with the choices made so far, the step in a box, the footer's keys from the same
//! table the input handler reads), and each screen's content from the modules below.

mod by_hand;
mod link;
mod other;
mod start;

use super::keys::{Act, Scope, key_of};
use super::state::*;
use super::{Notice, Wizard};
use crate::tui::view::text::{truncate, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, w: &Wizard) {
    let area = frame.area();
    frame.render_widget(Clear, area);
    let [top, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, w, top);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .title(Span::styled(
            format!(" {} ", step_title(w)),
            Style::default().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let content = match &w.notice {
        Some(notice) if inner.height > 2 => {
            let [content, line] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            draw_notice(frame, notice, line);
            content
        }
        _ => inner,
    };
    // A column of air inside the box, except beside a QR code (the link needs the width).
    let content = match &w.screen {
        Screen::Link(_) => content,
        _ => Rect {
            x: content.x + 1,
            width: content.width.saturating_sub(2),
            ..content
        },
    };
    match &w.screen {
        Screen::Tenant(s) => start::tenant(frame, w, s, content),
        Screen::Path(s) => start::path(frame, w, s, content),
        Screen::Queue(s) => start::queue(frame, w, s, content),
        Screen::Kapso(s) => start::kapso(frame, w, s, content),
        Screen::Link(s) => link::link(frame, w, s, content),
        Screen::Choose(s) => link::choose(frame, w, s, content),
        Screen::Pin(s) => link::pin(frame, w, s, content),
        Screen::Manual(s) => by_hand::manual(frame, w, s, content),
        Screen::Coexistence(s) => by_hand::coexistence(frame, w, s, content),
        Screen::History(s) => by_hand::history(frame, w, s, content),
        Screen::Import(s) => other::import(frame, w, s, content),
        Screen::Dashboard(s) => other::dashboard(frame, w, s, content),
        Screen::Summary(s) => other::summary(frame, w, s, content),
    }
    draw_footer(frame, w, footer);
    if w.confirm_quit {
        draw_confirm(frame, w);
    }
}

fn step_title(w: &Wizard) -> &'static str {
    let t = w.t;
    match &w.screen {
        Screen::Tenant(_) => t.title_tenant,
        Screen::Path(_) => t.title_path,
        Screen::Queue(_) => t.title_queue,
        Screen::Kapso(_) => t.title_kapso,
        Screen::Link(l) if l.kapso() => t.title_kapso_link,
        Screen::Link(_) => t.title_meta_link,
        Screen::Choose(_) => t.title_choose,
        Screen::Pin(_) => t.title_pin,
        Screen::Manual(m) if m.coexistence => t.title_coexistence,
        Screen::Manual(_) => t.title_manual,
        Screen::Coexistence(_) => t.title_coexistence,
        Screen::History(_) => t.title_history,
        Screen::Import(_) => t.title_import,
        Screen::Dashboard(_) => t.title_dashboard,
        Screen::Summary(_) => t.title_summary,
    }
}

/// The short name of a path, for the header and the link screen.
pub(super) fn path_name(w: &Wizard, p: PathChoice) -> &'static str {
    let t = w.t;
    match p {
        PathChoice::MetaCoexistence => t.path_meta_coexistence,
        PathChoice::MetaDedicated => t.path_meta_dedicated,
        PathChoice::Kapso => t.path_kapso,
        PathChoice::CoexistenceByHand => t.path_coexistence,
        PathChoice::Manual => t.path_manual,
        PathChoice::Import => t.path_import,
        PathChoice::Dashboard => t.path_dashboard,
    }
}

fn draw_header(frame: &mut Frame, w: &Wizard, area: Rect) {
    // The box's title names the step; the header keeps what was chosen before it.
    let mut crumbs = vec![w.t.title.to_string()];
    crumbs.extend(w.tenant.as_deref().map(|name| {
        if w.new_tenant {
            crate::i18n::fill(w.t.new_tenant_crumb, &[name])
        } else {
            name.to_string()
        }
    }));
    if let Some(q) = &w.queue {
        crumbs.push(crate::i18n::fill(w.t.queue_crumb, &[q]));
    }
    let text = truncate(&crumbs.join(" › "), (area.width as usize).saturating_sub(9));
    let line = Line::from(vec![
        Span::styled(" wabox ", Style::default().add_modifier(Modifier::BOLD)),
        Span::raw("· "),
        Span::styled(text, Style::default().fg(Color::Cyan)),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_notice(frame: &mut Frame, notice: &Notice, area: Rect) {
    let style = if notice.error {
        error_style()
    } else {
        ok_style()
    };
    let text = truncate(&notice.text, (area.width as usize).saturating_sub(2));
    frame.render_widget(
        Paragraph::new(Line::styled(format!(" {text}"), style)),
        area,
    );
}

/// The keys that do something on this screen, labelled for it.
fn hints(w: &Wizard) -> Vec<(Act, &'static str)> {
    let t = w.t;
    let leave = if w.in_inbox {
        t.hint_inbox
    } else {
        t.hint_quit
    };
    let mut out = match &w.screen {
        Screen::Tenant(_) | Screen::Queue(_) => {
            vec![(Act::Up, t.hint_move), (Act::Choose, t.hint_choose)]
        }
        Screen::Path(_) | Screen::Choose(_) => {
            vec![(Act::Up, t.hint_move), (Act::Choose, t.hint_choose)]
        }
        Screen::Kapso(_) => vec![
            (Act::NextField, t.hint_next_field),
            (Act::Cycle, t.hint_change),
            (Act::Choose, t.hint_create_link),
        ],
        Screen::Link(l) if l.open() => vec![
            (Act::Copy, t.hint_copy),
            (Act::Again, t.hint_new_link),
            (Act::Revoke, t.hint_revoke),
        ],
        Screen::Link(_) => vec![(Act::Again, t.hint_new_link)],
        Screen::Pin(_) => vec![(Act::Choose, t.hint_register)],
        Screen::Manual(m) if m.focus + 1 < ManualRow::ALL.len() => vec![
            (Act::NextField, t.hint_next_field),
            (Act::Choose, t.hint_next_field),
        ],
        Screen::Manual(_) => vec![(Act::Choose, t.hint_check)],
        Screen::Coexistence(c) if matches!(c.phase, CoexistencePhase::TimedOut(_)) => {
            vec![(Act::Again, t.hint_watch_again)]
        }
        Screen::Coexistence(_) => Vec::new(),
        Screen::History(_) => vec![(Act::Choose, t.hint_summary)],
        Screen::Import(i) if i.result.is_some() => vec![(Act::Choose, t.hint_another)],
        Screen::Import(i) if i.preview.is_some() => vec![(Act::Choose, t.hint_apply)],
        Screen::Import(_) => vec![(Act::Choose, t.hint_preview)],
        Screen::Dashboard(_) => vec![(Act::Test, t.hint_test), (Act::Reveal, t.hint_reveal)],
        Screen::Summary(_) => vec![(Act::Choose, t.hint_another)],
    };
    // Esc on the first screen leaves, which the quit key says already.
    if !matches!(w.screen, Screen::Summary(_) | Screen::History(_)) && !w.back.is_empty() {
        out.push((Act::Back, t.hint_back));
    }
    out.push((Act::Quit, leave));
    out
}

fn draw_footer(frame: &mut Frame, w: &Wizard, area: Rect) {
    let scope = w.scope();
    let pairs: Vec<(String, &str)> = if w.confirm_quit {
        vec![
            (super::keys::yes_key(w.t.lang), w.t.hint_leave_yes),
            (key_of(Scope::Confirm, Act::No), w.t.hint_leave_no),
        ]
    } else {
        hints(w)
            .into_iter()
            .map(|(act, label)| {
                let key = match act {
                    Act::Up => format!("{}{}", key_of(scope, Act::Up), key_of(scope, Act::Down)),
                    Act::Cycle => "←→".to_string(),
                    _ => key_of(scope, act),
                };
                (key, label)
            })
            .collect()
    };
    let mut spans = vec![Span::raw(" ")];
    for (key, label) in pairs {
        if spans.len() > 1 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(
            key,
            Style::default().add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(" {label}")));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::default().add_modifier(Modifier::DIM)),
        area,
    );
}

fn draw_confirm(frame: &mut Frame, w: &Wizard) {
    let area = frame.area();
    let width = area.width.clamp(20, 60);
    let text_width = width.saturating_sub(4) as usize;
    let mut lines = vec![Line::styled(
        if w.in_inbox {
            w.t.leave_question_inbox
        } else {
            w.t.leave_question
        },
        Style::default().add_modifier(Modifier::BOLD),
    )];
    lines.push(Line::raw(""));
    if let Some(what) = w.under_way() {
        lines.extend(wrap(&what, text_width).into_iter().map(Line::raw));
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(Style::default().fg(Color::Yellow));
    frame.render_widget(
        Paragraph::new(lines).block(block.padding(ratatui::widgets::Padding::horizontal(1))),
        rect,
    );
}

// ----- pieces the screens share -----

pub(super) fn error_style() -> Style {
    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub(super) fn ok_style() -> Style {
    Style::default().fg(Color::Green)
}

pub(super) fn dim() -> Style {
    Style::default().add_modifier(Modifier::DIM)
}

pub(super) fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// Text wrapped to the width, one style.
pub(super) fn para(text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    wrap(text, width as usize)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// Text wrapped to the width after an indent, every line indented.
pub(super) fn indented(text: &str, indent: usize, width: u16, style: Style) -> Vec<Line<'static>> {
    let pad = " ".repeat(indent);
    wrap(text, (width as usize).saturating_sub(indent))
        .into_iter()
        .map(|l| Line::styled(format!("{pad}{l}"), style))
        .collect()
}

/// Numbered steps (`1. …` lines) with a hanging indent; other lines wrapped as they are.
pub(super) fn steps(text: &str, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let numbered =
            line.len() > 3 && line.as_bytes()[0].is_ascii_digit() && line[1..].starts_with(". ");
        if numbered {
            let body = wrap(&line[3..], (width as usize).saturating_sub(3));
            for (i, l) in body.into_iter().enumerate() {
                let lead = if i == 0 { &line[..3] } else { "   " };
                out.push(Line::raw(format!("{lead}{l}")));
            }
        } else {
            out.extend(para(line, width, Style::default()));
        }
    }
    out
}

/// A row of a list: the chosen one is marked by `›` and reversed.
pub(super) fn choice(selected: bool, text: String) -> Line<'static> {
    if selected {
        Line::styled(
            format!("› {text}"),
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    } else {
        Line::raw(format!("  {text}"))
    }
}

/// `Label        value▏`; a hidden field shows dots, never its text. `typing`: the focused row
/// takes text (a choice row shows no cursor).
pub(super) fn field_line(
    label: &str,
    label_width: usize,
    shown: String,
    focused: bool,
    note: Option<&str>,
) -> Line<'static> {
    row_line(label, label_width, shown, focused, focused, note)
}

pub(super) fn row_line(
    label: &str,
    label_width: usize,
    shown: String,
    focused: bool,
    typing: bool,
    note: Option<&str>,
) -> Line<'static> {
    let pad = label_width.saturating_sub(crate::tui::view::text::width(label));
    let marker = if focused { "› " } else { "  " };
    let mut spans = vec![
        Span::styled(
            format!("{marker}{label}{}  ", " ".repeat(pad)),
            if focused { bold() } else { Style::default() },
        ),
        Span::styled(
            shown,
            if focused {
                Style::default().add_modifier(Modifier::UNDERLINED)
            } else {
                Style::default()
            },
        ),
    ];
    if typing {
        spans.push(Span::raw("▏"));
    }
    if let Some(note) = note {
        spans.push(Span::styled(format!("  {note}"), dim()));
    }
    Line::from(spans)
}

/// `m:ss` under an hour, else `2h 5m`, `3d`.
pub(super) fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    if s < 3_600 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        crate::domain::time::short_duration(s)
    }
}

/// The rows of a list that fit `height`, keeping `selected` in view.
pub(super) fn window(selected: usize, len: usize, height: usize) -> std::ops::Range<usize> {
    if len <= height || height == 0 {
        return 0..len;
    }
    let start = selected.saturating_sub(height - 1).min(len - height);
    start..start + height
}

pub(super) fn render(frame: &mut Frame, lines: Vec<Line<'static>>, area: Rect) {
    frame.render_widget(Paragraph::new(lines), area);
}
