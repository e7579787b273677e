//! The template picker popup: search and choose, then fill each placeholder with a live preview.

use super::centered;
use super::text::{truncate, wrap};
use crate::tui::app::App;
use crate::tui::picker::{Stage, TemplatePicker};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, app: &App, picker: &TemplatePicker) {
    let area = centered(frame.area(), 90, 85);
    frame.render_widget(Clear, area);
    let title = match &picker.stage {
        Stage::Choose => format!(" {} ", app.t.templates),
        Stage::Fill { template, .. } => super::text::shown(&format!(
            " {} · {} ({}) ",
            if picker.reviewing() {
                crate::i18n::composer::strings(app.t.lang).template_review
            } else {
                app.t.template_fill
            },
            template.name,
            template.language
        )),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let dim = Style::default().add_modifier(Modifier::DIM);
    match &picker.stage {
        Stage::Choose => {
            let [search, list, hint] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Min(1),
                Constraint::Length(1),
            ])
            .areas(inner);
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(format!("{}: ", app.t.template_search), bold),
                    Span::raw(picker.query.clone()),
                    Span::raw("▏"),
                ])),
                search,
            );
            let lines: Vec<Line> = match &picker.templates {
                None => vec![Line::styled(app.t.loading, dim)],
                Some(all) => {
                    let visible = picker.visible();
                    if visible.is_empty() {
                        // None approved, or only none matching what was typed: each says what
                        // to do about it.
                        let why = if all.is_empty() || picker.query.is_empty() {
                            app.t.templates_none
                        } else {
                            app.t.templates_no_match
                        };
                        wrap(why, w)
                            .into_iter()
                            .map(|l| Line::styled(l, dim))
                            .collect()
                    } else {
                        let per = (list.height as usize / 2).max(1);
                        let start = picker.selected.saturating_sub(per - 1);
                        visible
                            .iter()
                            .enumerate()
                            .skip(start)
                            .take(per)
                            .flat_map(|(i, t)| {
                                let sel = i == picker.selected;
                                let style = if sel {
                                    Style::default().add_modifier(Modifier::REVERSED)
                                } else {
                                    Style::default()
                                };
                                let marker = if sel { "›" } else { " " };
                                [
                                    Line::styled(
                                        truncate(
                                            &format!(
                                                "{marker}{} ({}) · {}{}",
                                                t.name,
                                                t.language,
                                                t.category,
                                                // Named up front: it asks for a file or a place.
                                                t.spec
                                                    .header_media
                                                    .map(|h| format!(" · {} header", h.as_str()))
                                                    .unwrap_or_default()
                                            ),
                                            w,
                                        ),
                                        style.add_modifier(Modifier::BOLD),
                                    ),
                                    Line::styled(
                                        truncate(&format!("  {}", t.body.replace('\n', " ")), w),
                                        dim,
                                    ),
                                ]
                            })
                            .collect()
                    }
                }
            };
            frame.render_widget(Paragraph::new(lines), list);
            frame.render_widget(
                Paragraph::new(Line::styled(
                    super::hint(app, picker, app.t.template_choose_hint),
                    dim,
                )),
                hint,
            );
        }
        Stage::Fill { review: true, .. } => draw_review(frame, app, picker, inner),
        Stage::Fill {
            header,
            fields,
            focus,
            ..
        } => {
            let field_rows = (fields.len() + usize::from(header.is_some())).max(1) as u16;
            let [form, preview, hint] = Layout::vertical([
                Constraint::Length(field_rows),
                Constraint::Min(3),
                Constraint::Length(1),
            ])
            .areas(inner);
            // The header's field comes first, labelled with its kind.
            let labelled = header
                .iter()
                .map(|h| (format!("header ({})", h.format.as_str()), &h.value))
                .chain(fields.iter().map(|f| (f.slot.label(), &f.value)));
            let lines: Vec<Line> = labelled
                .enumerate()
                .map(|(i, (label, value))| {
                    let here = i == *focus;
                    let label = format!("{}{label}: ", if here { "›" } else { " " });
                    let cursor = if here { "▏" } else { "" };
                    Line::from(vec![
                        Span::styled(label, if here { bold } else { Style::default() }),
                        Span::raw(format!("{value}{cursor}")),
                    ])
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), form);
            let mut lines = vec![Line::styled(
                format!("{}:", app.t.template_preview),
                bold.add_modifier(Modifier::UNDERLINED),
            )];
            for l in wrap(&picker.preview().unwrap_or_default(), w.saturating_sub(2)) {
                lines.push(Line::raw(format!("  {l}")));
            }
            frame.render_widget(Paragraph::new(lines), preview);
            frame.render_widget(
                Paragraph::new(Line::styled(
                    super::hint(app, picker, app.t.template_send_hint),
                    dim,
                )),
                hint,
            );
        }
    }
}

/// The last look before a template goes: the exact text, and Enter to send it.
fn draw_review(frame: &mut Frame, app: &App, picker: &TemplatePicker, area: Rect) {
    let words = crate::i18n::composer::strings(app.t.lang);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let [body, hint] = Layout::vertical([Constraint::Min(2), Constraint::Length(1)]).areas(area);
    let who = app.open.as_ref().map(|o| o.row.title()).unwrap_or_default();
    let w = body.width as usize;
    let mut lines = vec![Line::styled(
        truncate(&crate::i18n::fill(words.template_review_intro, &[&who]), w),
        bold.add_modifier(Modifier::UNDERLINED),
    )];
    for l in wrap(&picker.preview().unwrap_or_default(), w.saturating_sub(2)) {
        lines.push(Line::raw(format!("  {l}")));
    }
    frame.render_widget(Paragraph::new(lines), body);
    frame.render_widget(
        Paragraph::new(Line::styled(
            super::hint(app, picker, words.template_review_hint),
            bold.fg(ratatui::style::Color::Cyan),
        )),
        hint,
    );
}
