//! The open conversation's sequences: the ones running or paused here (pause, resume, stop) and
//! the tenant's sequences it may start.

use super::centered;
use super::text::truncate;
use crate::tui::app::App;
use crate::tui::popup::automation::AutomationPopup;
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, app: &App, popup: &AutomationPopup) {
    let (sequences, selected) = (popup.sequences.as_deref(), popup.selected);
    let area = centered(frame.area(), 80, 70);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(format!(" {} ", app.t.automation_title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let t = app.t;
    let heading = Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    let dim = Style::default().add_modifier(Modifier::DIM);
    let mark = |i: usize, text: String| {
        let cursor = if i == selected { "▶ " } else { "  " };
        let style = if i == selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        Line::styled(truncate(&format!("{cursor}{text}"), w), style)
    };
    let running: &[crate::protocol::EnrollmentView] =
        app.open.as_ref().map_or(&[], |o| o.automation.as_slice());
    let mut lines = vec![Line::styled(t.automation_running.to_string(), heading)];
    if running.is_empty() {
        lines.push(Line::styled(format!("  {}", t.automation_none), dim));
    }
    for (i, e) in running.iter().enumerate() {
        let state = super::messages::automation_status(app, e);
        let line = mark(
            i,
            format!(
                "{} · {} ({}/{}) · {state}",
                e.sequence_name,
                crate::i18n::engine::localize(t.lang, &e.step_name),
                (e.step + 1).min(e.steps.max(1)),
                e.steps
            ),
        );
        lines.push(if e.state == crate::protocol::EnrollmentState::Paused {
            line.patch_style(Style::default().fg(Color::Yellow))
        } else {
            line
        });
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(t.automation_start.to_string(), heading));
    match sequences {
        None => lines.push(Line::styled(format!("  {}", t.loading), dim)),
        Some([]) => lines.push(Line::styled(
            format!("  {}", t.automation_no_sequences),
            dim,
        )),
        Some(list) => {
            for (k, s) in list.iter().enumerate() {
                lines.push(mark(
                    running.len() + k,
                    format!("{} — {} ({})", s.name, s.triggers.join(", "), s.steps.len()),
                ));
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        truncate(&super::hint(app, popup, t.automation_hint), w),
        dim,
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
