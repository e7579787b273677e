//! The search popup: words typed, matching messages newest first, Enter jumps to one.

use super::centered;
use super::text::truncate;
use crate::tui::app::{App, SearchState};
use crate::tui::clock::list_time;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, app: &App, search: &SearchState) {
    let area = centered(frame.area(), 90, 85);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(format!(" {} ", app.t.search));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [input, list, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let dim = Style::default().add_modifier(Modifier::DIM);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("› ", bold),
            Span::raw(search.query.clone()),
            Span::raw("▏"),
        ])),
        input,
    );
    let w = list.width as usize;
    let lines: Vec<Line> = match &search.results {
        None => Vec::new(),
        Some(hits) if hits.is_empty() => vec![Line::styled(app.t.search_nothing, dim)],
        Some(hits) => {
            let per = (list.height as usize / 2).max(1);
            let start = search.selected.saturating_sub(per - 1);
            hits.iter()
                .enumerate()
                .skip(start)
                .take(per)
                .flat_map(|(i, h)| {
                    let selected = i == search.selected;
                    let style = if selected {
                        Style::default().add_modifier(Modifier::REVERSED)
                    } else {
                        Style::default()
                    };
                    let when = list_time(h.at, app.now, app.offset, app.t);
                    let arrow = match h.direction {
                        crate::protocol::Direction::Out => "▸",
                        crate::protocol::Direction::In => "◂",
                    };
                    let marker = if selected { "›" } else { " " };
                    [
                        Line::styled(
                            truncate(&format!("{marker}{arrow} {} · {when}", h.contact), w),
                            style.add_modifier(Modifier::BOLD),
                        ),
                        Line::raw(truncate(&format!("   {}", h.snippet.replace('\n', " ")), w)),
                    ]
                })
                .collect()
        }
    };
    frame.render_widget(Paragraph::new(lines), list);
    frame.render_widget(
        Paragraph::new(Line::styled(
            super::hint(app, search, app.t.search_hint),
            dim,
        )),
        hint,
    );
}
