//! The report screen: the period's totals in words, bar charts of the customers' messages and of
//! conversations opened per day (one above the other, a day's bars in the same columns), and one
//! of first-response time per agent.
//! Agents' names are admins' words, but go through `shown` like any text on screen.

use super::centered;
use super::text::{shown, truncate};
use crate::domain::time::short_duration;
use crate::i18n::fill;
use crate::protocol::report::{FiguresView, ReportView};
use crate::tui::app::App;
use crate::tui::popup::Component;
use crate::tui::popup::report::ReportScreen;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, BorderType, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, app: &App, screen: &ReportScreen) {
    let words = crate::i18n::report::for_lang(app.t.lang);
    let area = centered(frame.area(), 96, 96);
    frame.render_widget(Clear, area);
    // The period as the engine counted it, else as asked (while counting, or refused).
    let title = match &screen.by_day {
        Some(r) => fill(words.title, &[&r.from, &r.to, &r.zone]),
        None => {
            let (from, to, zone) = &screen.period;
            fill(words.title, &[from, to, zone])
        }
    };
    let title = match screen.hours {
        Some("in") => format!("{title} · {}", words.in_hours),
        Some(_) => format!("{title} · {}", words.out_of_hours),
        None => title,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(format!(" {} ", shown(&title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let dim = Style::default().add_modifier(Modifier::DIM);
    let hint = screen.hint(&app.keymap, app.t.lang, words.hint);
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(truncate(&hint, foot.width as usize)).style(dim),
        foot,
    );
    let Some(days) = &screen.by_day else {
        let text = screen.error.as_deref().unwrap_or(words.loading);
        frame.render_widget(Paragraph::new(truncate(text, body.width as usize)), body);
        return;
    };
    let agents = agent_bars(screen.by_agent.as_ref());
    let agent_rows = (agents.len() as u16).clamp(1, 6);
    let [
        totals,
        in_title,
        in_chart,
        day_title,
        day_chart,
        agent_title,
        agent_chart,
    ] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(1),
        // The two day charts share the room; the lower one also carries the days' labels.
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(agent_rows),
    ])
    .areas(body);
    draw_totals(frame, totals, days, words);
    let heading = Style::default().add_modifier(Modifier::BOLD);
    frame.render_widget(
        Paragraph::new(words.messages_per_day).style(heading),
        in_title,
    );
    draw_days(frame, in_chart, days, Color::Green, false, |f| {
        f.messages_in
    });
    frame.render_widget(Paragraph::new(words.per_day).style(heading), day_title);
    draw_days(frame, day_chart, days, Color::Blue, true, |f| f.opened);
    frame.render_widget(Paragraph::new(words.per_agent).style(heading), agent_title);
    if agents.is_empty() {
        let text = if screen.by_agent.is_some() {
            words.nothing
        } else {
            words.loading
        };
        frame.render_widget(Paragraph::new(text).style(dim), agent_chart);
    } else {
        let chart = BarChart::horizontal(agents)
            .bar_width(1)
            .bar_gap(0)
            .bar_style(Style::default().fg(Color::Cyan))
            .value_style(Style::default().add_modifier(Modifier::BOLD));
        frame.render_widget(chart, agent_chart);
    }
}

fn draw_totals(
    frame: &mut Frame,
    area: Rect,
    r: &ReportView,
    words: &crate::i18n::report::ReportStrings,
) {
    let t = &r.total;
    let d = |s: Option<i64>| s.map(short_duration).unwrap_or_else(|| "-".into());
    let mut lines = vec![
        Line::raw(format!(
            "{} {} · {} {} · {} {}",
            words.opened, t.opened, words.closed, t.closed, words.waiting, t.waiting,
        )),
        Line::raw(format!(
            "{} {} · {} {} · {} {}",
            words.messages_in,
            t.messages_in,
            words.messages_out,
            t.messages_out,
            words.templates,
            t.templates_sent
        )),
        Line::raw(format!(
            "{} · {}",
            fill(
                words.first_response,
                &[
                    &d(t.first_response.median_seconds),
                    &d(t.first_response.p90_seconds)
                ]
            ),
            fill(words.resolution, &[&d(t.resolution.median_seconds)])
        )),
    ];
    let mut third = Vec::new();
    if t.sla_counted > 0 {
        third.push(fill(
            words.sla,
            &[&t.sla_missed.to_string(), &t.sla_counted.to_string()],
        ));
    }
    if !t.failures.is_empty() {
        let codes: Vec<String> = t
            .failures
            .iter()
            .map(|(code, n)| format!("{code}×{n}"))
            .collect();
        third.push(format!("{}: {}", words.failures, codes.join(" ")));
    }
    let late = t.sla_missed > 0 || !t.failures.is_empty();
    let style = if late {
        Style::default().fg(Color::Red)
    } else {
        Style::default()
    };
    lines.push(Line::styled(third.join(" · "), style));
    let w = area.width as usize;
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            Line::styled(truncate(&text, w), l.style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// One bar a day of `figure`, as wide as fit and a column apart, so that two charts of the same
/// days put a day in the same columns; `labelled` adds the day (MM-DD) when five columns fit it.
fn draw_days(
    frame: &mut Frame,
    area: Rect,
    r: &ReportView,
    color: Color,
    labelled: bool,
    figure: fn(&FiguresView) -> u64,
) {
    let n = r.rows.len().max(1) as u16;
    let bar_width = (area.width.saturating_sub(n) / n).clamp(1, 9);
    let day = |key: &str| key.get(5..).unwrap_or(key).to_string();
    let under_each = labelled && bar_width >= 5;
    // Bars too narrow for their day (a month): a row of their own names every few days.
    let area = if labelled && !under_each && area.height > 1 {
        let [chart, axis] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
        let keys: Vec<String> = r.rows.iter().map(|row| day(&row.key)).collect();
        frame.render_widget(
            Paragraph::new(day_axis(&keys, bar_width + 1, axis.width)),
            axis,
        );
        chart
    } else {
        area
    };
    let bars: Vec<Bar> = r
        .rows
        .iter()
        .map(|row| {
            let value = figure(&row.figures);
            let bar = Bar::new(value).text_value(value.to_string());
            if under_each {
                bar.label(Line::from(day(&row.key)))
            } else {
                bar
            }
        })
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(1)
        .bar_style(Style::default().fg(color))
        .value_style(Style::default().fg(Color::White).bg(color));
    frame.render_widget(chart, area);
}

/// Day names under bars `stride` columns apart: each at its bar's first column, as many as fit
/// a column apart, left to right.
fn day_axis(days: &[String], stride: u16, width: u16) -> String {
    let mut axis = String::new();
    for (i, day) in days.iter().enumerate() {
        let x = i * stride as usize;
        let taken = axis.chars().count();
        let free = if taken == 0 { 0 } else { taken + 1 };
        if x >= free && x + day.chars().count() <= width as usize {
            axis.extend(std::iter::repeat_n(' ', x - taken));
            axis.push_str(day);
        }
    }
    axis
}

/// One bar an agent who answered first, their median first-response time as its value.
fn agent_bars(r: Option<&ReportView>) -> Vec<Bar<'static>> {
    let Some(r) = r else {
        return Vec::new();
    };
    let mut rows: Vec<(String, i64)> = r
        .rows
        .iter()
        .filter_map(|row| Some((row.key.clone(), row.figures.first_response.median_seconds?)))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rows.into_iter()
        .take(6)
        .map(|(agent, seconds)| {
            Bar::new(seconds.max(0) as u64)
                .label(Line::from(truncate(&shown(&agent), 14)))
                .text_value(short_duration(seconds))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::day_axis;

    fn days(n: usize) -> Vec<String> {
        (1..=n).map(|d| format!("11-{d:02}")).collect()
    }

    #[test]
    fn a_months_days_are_named_every_few_bars_each_under_its_own() {
        // Bars two columns wide and one apart: a name (five columns and a space) every other day.
        let axis = day_axis(&days(30), 3, 90);
        assert!(axis.starts_with("11-01 11-03 11-05"), "{axis}");
        assert_eq!(axis.find("11-29"), Some(28 * 3), "{axis}");
        assert!(!axis.contains("11-02"), "{axis}");
        // One column a bar: every sixth day's name fits.
        assert!(day_axis(&days(30), 1, 30).starts_with("11-01 11-07 11-13"));
    }

    #[test]
    fn no_name_runs_past_the_edge() {
        let axis = day_axis(&days(30), 3, 20);
        assert_eq!(axis, "11-01 11-03 11-05");
        assert_eq!(day_axis(&days(3), 1, 4), "");
    }
}
