//! The admin screen: queues with their numbers and agents, the agents, and the numbers no queue
//! receives; changed through `:` commands shown at its foot.

use super::centered;
use super::text::{truncate, wrap};
use crate::protocol::directory::AgentView;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, app: &App, agents: Option<&[AgentView]>, scroll: usize) {
    let area = centered(frame.area(), 90, 90);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(format!(" {} ", app.t.admin_title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let heading = Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    let dim = Style::default().add_modifier(Modifier::DIM);
    let mut lines = vec![Line::styled(app.t.admin_queues.to_string(), heading)];
    for q in &app.sidebar.queues {
        let numbers: Vec<String> = q.numbers.iter().map(|n| format!("+{n}")).collect();
        lines.push(Line::raw(truncate(
            &format!(
                "  {:<16} {:<4} {:<28} {}",
                q.name,
                q.waiting,
                numbers.join(" "),
                q.agents.join(" ")
            ),
            w,
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(app.t.admin_agents.to_string(), heading));
    match agents {
        None => lines.push(Line::styled(format!("  {}", app.t.loading), dim)),
        Some(list) => {
            for a in list {
                lines.push(Line::raw(truncate(
                    &format!("  {:<16} {:<6} {}", a.user, a.role, a.queues.join(", ")),
                    w,
                )));
            }
        }
    }
    let orphans: Vec<String> = app
        .sidebar
        .numbers
        .iter()
        .filter(|n| n.queue.is_none())
        .map(|n| format!("  +{} ({})", n.display_phone, n.phone_number_id))
        .collect();
    if !orphans.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            app.t.admin_orphans.to_string(),
            heading.fg(Color::Red),
        ));
        lines.extend(
            orphans
                .into_iter()
                .map(|o| Line::styled(o, Style::default().fg(Color::Red))),
        );
    }
    lines.push(Line::raw(""));
    for l in wrap(app.t.admin_hint, w) {
        lines.push(Line::styled(l, dim));
    }
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        inner,
    );
}
