//! Ids and a hidden token; a Business app number watched until the phone confirms; its history.

use super::*;
use crate::i18n::fill;

pub fn manual(frame: &mut Frame, w: &Wizard, s: &ManualStep, area: Rect) {
    let t = w.t;
    let mut lines = para(t.manual_intro, area.width, Style::default());
    lines.push(Line::raw(""));
    let labels = [t.phone_number_id, t.waba_id, t.access_token];
    let width = labels
        .iter()
        .map(|l| crate::tui::view::text::width(l))
        .max()
        .unwrap_or(0);
    for (i, row) in ManualRow::ALL.iter().enumerate() {
        let (field, note) = match row {
            ManualRow::PhoneNumberId => (&s.phone_number_id, None),
            ManualRow::WabaId => (&s.waba_id, None),
            ManualRow::Token => (&s.token, Some(t.token_hidden_note)),
        };
        lines.push(field_line(
            labels[i],
            width,
            field.shown(),
            s.focus == i && !s.checking,
            note,
        ));
    }
    lines.push(Line::raw(""));
    let about = if s.coexistence {
        t.manual_coexistence_note
    } else {
        t.manual_note
    };
    lines.extend(para(about, area.width, dim()));
    if s.checking {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            t.checking_with_meta,
            Style::default().fg(Color::Yellow),
        ));
    }
    if let Some(e) = &s.error {
        lines.push(Line::raw(""));
        lines.extend(para(e, area.width, error_style()));
    }
    lines.extend(demo_numbers(w, s.coexistence, area.width));
    render(frame, lines, area);
}

/// In the demo: the simulated numbers of this path's kind, with the ids to type and the token
/// the simulator accepts. Drawing a token is safe here only because it is the loopback
/// simulator's, worth nothing anywhere else (docs/SECURITY.md); a typed token is never drawn.
fn demo_numbers(w: &Wizard, coexistence: bool, width: u16) -> Vec<Line<'static>> {
    let numbers: Vec<_> = w
        .demo
        .iter()
        .flatten()
        .filter(|n| n.coexistence == coexistence)
        .collect();
    if numbers.is_empty() {
        return Vec::new();
    }
    let d = crate::i18n::demo::DemoStrings::for_lang(w.t.lang);
    let mut lines = vec![Line::raw("")];
    lines.extend(para(
        d.simulator_accepts,
        width,
        Style::default().fg(Color::Cyan),
    ));
    for n in numbers {
        lines.extend(para(
            &fill(
                d.simulator_number,
                &[&n.name, &n.phone_number_id, &n.waba_id],
            ),
            width,
            Style::default(),
        ));
        lines.push(Line::raw(fill(d.simulator_token, &[n.token.expose()])));
    }
    lines
}

/// `status PENDING · platform NOT_APPLICABLE · code NOT_VERIFIED · on the Business app: no`.
fn seen(w: &Wizard, s: &crate::domain::onboarding::NumberState) -> String {
    let q = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
    fill(
        w.t.coexistence_seen,
        &[
            &q(&s.status),
            &q(&s.platform_type),
            &q(&s.code_verification_status),
            if s.is_on_biz_app { w.t.yes } else { w.t.no },
        ],
    )
}

pub fn coexistence(frame: &mut Frame, w: &Wizard, s: &CoexistenceStep, area: Rect) {
    let t = w.t;
    let mut lines = steps(t.coexistence_steps, area.width);
    lines.push(Line::raw(""));
    let heading = match s.phase {
        CoexistencePhase::TokenRefused => {
            crate::i18n::demo::DemoStrings::for_lang(t.lang).stopped_watching
        }
        _ => t.coexistence_watching,
    };
    lines.push(Line::styled(fill(heading, &[&s.phone_number_id]), bold()));
    match s.phase {
        CoexistencePhase::Polling => {
            let next = if s.checking {
                t.coexistence_looking.to_string()
            } else {
                fill(
                    t.coexistence_next,
                    &[&(s.next_check - w.now).max(0).to_string()],
                )
            };
            lines.push(Line::styled(
                fill(
                    t.coexistence_countdown,
                    &[&next, &s.checks.to_string(), &clock(s.deadline - w.now)],
                ),
                Style::default().fg(Color::Yellow),
            ));
        }
        CoexistencePhase::Connecting => {
            lines.push(Line::styled(t.coexistence_confirmed, ok_style()));
        }
        CoexistencePhase::TokenRefused => {
            let d = crate::i18n::demo::DemoStrings::for_lang(t.lang);
            lines.extend(para(d.token_refused, area.width, error_style()));
        }
        CoexistencePhase::TimedOut(missing) => {
            let limit = crate::domain::time::short_duration(s.deadline - s.started);
            lines.extend(para(
                &fill(t.coexistence_timed_out, &[&limit, (t.waiting_for)(missing)]),
                area.width,
                error_style(),
            ));
        }
    }
    match &s.last {
        Some(state) => {
            lines.extend(para(
                &format!("{} {}", t.coexistence_last_seen, seen(w, state)),
                area.width,
                Style::default(),
            ));
            if s.phase == CoexistencePhase::Polling
                && let crate::domain::onboarding::Onboarding::Waiting(why) =
                    crate::domain::onboarding::assess(state)
            {
                lines.extend(para(
                    &format!("→ {}", (t.waiting_for)(why)),
                    area.width,
                    dim(),
                ));
            }
        }
        None if s.phase == CoexistencePhase::Polling => {
            lines.push(Line::styled(t.coexistence_nothing_yet, dim()));
        }
        None => {}
    }
    if let Some(e) = &s.error {
        lines.extend(para(e, area.width, error_style()));
    }
    render(frame, lines, area);
}

/// `████████░░░░ 50%`.
fn bar(percent: i64, width: usize) -> String {
    let p = percent.clamp(0, 100) as usize;
    let full = p * width / 100;
    format!("{}{} {p}%", "█".repeat(full), "░".repeat(width - full))
}

pub fn history(frame: &mut Frame, w: &Wizard, s: &HistoryStep, area: Rect) {
    let t = w.t;
    let number = &s.report.number;
    let mut lines = vec![Line::styled(
        fill(t.history_connected, &[&number.display_phone]),
        ok_style().add_modifier(Modifier::BOLD),
    )];
    lines.push(Line::raw(""));
    match &s.sync {
        None => lines.push(Line::styled(t.history_asking, dim())),
        Some(Err(e)) => lines.extend(para(
            &fill(t.history_not_asked, &[e]),
            area.width,
            error_style(),
        )),
        Some(Ok(answers)) => {
            for (kind, answer) in answers {
                let what = match kind {
                    crate::protocol::SmbData::History => t.history_kind_history,
                    crate::protocol::SmbData::SmbAppStateSync => t.history_kind_contacts,
                };
                let text = match answer {
                    Ok(id) => fill(t.history_asked_ok, &[what, id]),
                    Err(why) => fill(t.history_asked_not, &[what, why]),
                };
                let style = if answer.is_ok() {
                    Style::default()
                } else {
                    Style::default().fg(Color::Yellow)
                };
                lines.extend(para(&text, area.width, style));
            }
        }
    }
    lines.push(Line::raw(""));
    match &s.progress {
        None => lines.push(Line::styled(t.history_waiting, dim())),
        Some(p) => {
            if let Some(e) = &p.error {
                lines.extend(para(
                    &fill(t.history_declined, &[e]),
                    area.width,
                    Style::default().fg(Color::Yellow),
                ));
            } else {
                lines.push(Line::raw(format!(
                    "{}  {}",
                    t.history_import,
                    bar(p.percent(), 24)
                )));
                let phase = |i: usize| {
                    p.phases
                        .get(i)
                        .copied()
                        .flatten()
                        .map(|v| format!("{v}%"))
                        .unwrap_or_else(|| "—".into())
                };
                lines.push(Line::styled(
                    fill(t.history_phases, &[&phase(0), &phase(1), &phase(2)]),
                    dim(),
                ));
                lines.push(Line::styled(
                    fill(
                        t.history_counts,
                        &[&p.messages.to_string(), &p.chunks.to_string()],
                    ),
                    dim(),
                ));
                if p.media.total > 0 {
                    let m = &p.media;
                    lines.extend(para(
                        &fill(
                            t.history_files,
                            &[
                                &m.fetched.to_string(),
                                &m.total.to_string(),
                                &m.failed.to_string(),
                            ],
                        ),
                        area.width,
                        dim(),
                    ));
                }
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(t.afterwards_title, bold()));
    for item in t.afterwards {
        let wrapped = wrap(item, (area.width as usize).saturating_sub(3));
        for (i, l) in wrapped.into_iter().enumerate() {
            let lead = if i == 0 { " • " } else { "   " };
            lines.push(Line::raw(format!("{lead}{l}")));
        }
    }
    render(frame, lines, area);
}
