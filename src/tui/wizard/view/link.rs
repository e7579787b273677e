//! The link for the business (with its QR code), the number picked, a dedicated number's PIN.

use super::*;
use crate::i18n::fill;
use crate::protocol::{SignupStatus, SignupView};

pub fn link(frame: &mut Frame, w: &Wizard, s: &LinkStep, area: Rect) {
    let t = w.t;
    // Without a QR code beside it, the text keeps a column of air like the other screens.
    let padded = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    };
    let Some(view) = &s.signup else {
        let area = padded;
        let mut lines = Vec::new();
        match &s.error {
            Some(e) => {
                lines.extend(para(t.link_not_made, area.width, bold()));
                lines.push(Line::raw(""));
                lines.extend(para(e, area.width, error_style()));
                lines.push(Line::raw(""));
                lines.extend(para(t.link_retry_hint, area.width, dim()));
            }
            None => lines.push(Line::styled(t.link_making, dim())),
        }
        render(frame, lines, area);
        return;
    };
    if view.status.finished() {
        render(frame, link_ended(w, view, padded.width), padded);
        return;
    }
    let short = w.short_link(view);
    let qr = crate::qr::lines(&short).unwrap_or_default();
    let qr_width = qr.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u16;
    let qr_height = qr.len() as u16;
    let fits = !qr.is_empty() && area.width >= qr_width + 30 && area.height >= qr_height;
    let (text_area, note) = if fits {
        let [code, _, text] = Layout::horizontal([
            Constraint::Length(qr_width),
            Constraint::Length(1),
            Constraint::Min(20),
        ])
        .areas(area);
        // Light modules on black, whatever the terminal's colours: scanners need the contrast.
        let style = Style::default().fg(Color::White).bg(Color::Black);
        frame.render_widget(
            Paragraph::new(qr.into_iter().map(Line::raw).collect::<Vec<_>>()).style(style),
            Rect {
                height: qr_height,
                ..code
            },
        );
        (text, None)
    } else {
        (padded, Some(t.qr_too_small))
    };
    // The link may take the last column; words leave it free.
    let link_width = text_area.width;
    let width = text_area.width.saturating_sub(1);
    // Kapso's page is not Meta's login: the business is told what it will really see.
    let open_this = if s.kapso() {
        t.link_kapso_open_this
    } else {
        t.link_open_this
    };
    let mut lines = para(open_this, width, Style::default());
    lines.push(Line::raw(""));
    lines.extend(para(
        &short,
        link_width,
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
    ));
    lines.push(Line::raw(""));
    lines.push(Line::raw(fill(
        t.link_signup,
        &[&view.id.to_string(), &view.tenant],
    )));
    lines.push(Line::styled(
        fill(t.link_waiting, &[&clock(w.now - view.created_at)]),
        Style::default().fg(Color::Yellow),
    ));
    lines.extend(para(
        &fill(t.link_expires, &[&clock(view.expires_at - w.now)]),
        width,
        Style::default(),
    ));
    lines.push(Line::raw(""));
    let next = if s.kapso() {
        t.link_kapso_next
    } else if s.coexistence() {
        t.link_coexistence_steps
    } else {
        t.link_dedicated_next
    };
    lines.extend(para(next, width, dim()));
    if let Some(note) = note {
        lines.push(Line::raw(""));
        lines.extend(para(note, width, dim()));
    }
    render(frame, lines, text_area);
}

/// A link that will not connect anything any more: why, in the admin's language, and what next.
fn link_ended(w: &Wizard, view: &SignupView, width: u16) -> Vec<Line<'static>> {
    let t = w.t;
    let title = match view.status {
        SignupStatus::Expired => t.link_expired,
        SignupStatus::Revoked => t.link_revoked,
        _ => t.link_failed,
    };
    let mut lines = vec![Line::styled(format!("✗ {title}"), error_style())];
    lines.push(Line::raw(""));
    let code = view.error_code.as_deref();
    let why = match (view.path, code) {
        (crate::protocol::SignupVia::Kapso, Some(code)) => {
            Some(crate::i18n::kapso_failure(code, t.lang))
        }
        (_, Some("user_denied")) => Some(t.meta_user_denied.to_string()),
        (_, Some("no_whatsapp_business_account")) => Some(t.meta_no_waba.to_string()),
        _ => view.error.clone(),
    };
    if let Some(why) = why {
        // Kapso's words name the CLI's command; the signup's id makes it one to copy.
        let why = why.replace("regenerate ID", &format!("regenerate {}", view.id));
        lines.extend(para(&why, width, Style::default()));
        lines.push(Line::raw(""));
    }
    if let Some(code) = code {
        lines.push(Line::styled(fill(t.failure_code, &[code]), dim()));
        lines.push(Line::raw(""));
    }
    lines.extend(para(t.link_again_hint, width, dim()));
    lines
}

fn candidate_row(w: &Wizard, c: &crate::protocol::SignupCandidate) -> String {
    let t = w.t;
    let name = truncate(c.verified_name.as_deref().unwrap_or(""), 16);
    let kind = if c.coexistence {
        t.on_business_app
    } else {
        t.dedicated_pin
    };
    let state: Vec<&str> = [c.status.as_deref(), c.quality_rating.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    format!(
        "{:<16} {:<16} {:<20} {}",
        format!("+{}", c.display_phone),
        name,
        kind,
        state.join(" · ")
    )
}

pub fn choose(frame: &mut Frame, w: &Wizard, s: &ChooseStep, area: Rect) {
    let t = w.t;
    let tenant = s.signup.tenant.as_str();
    let mut lines = para(
        &fill(t.choose_intro, &[tenant]),
        area.width,
        Style::default(),
    );
    lines.push(Line::raw(""));
    let room = (area.height as usize).saturating_sub(8).max(1);
    for i in window(s.selected, s.signup.candidates.len(), room) {
        let row = candidate_row(w, &s.signup.candidates[i]);
        lines.push(choice(
            s.selected == i,
            truncate(&row, area.width as usize - 2),
        ));
    }
    lines.push(Line::raw(""));
    lines.extend(para(t.choose_note, area.width, dim()));
    if s.finishing {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            t.connecting,
            Style::default().fg(Color::Yellow),
        ));
    }
    if let Some(e) = &s.error {
        lines.push(Line::raw(""));
        lines.extend(para(e, area.width, error_style()));
    }
    render(frame, lines, area);
}

pub fn pin(frame: &mut Frame, w: &Wizard, s: &PinStep, area: Rect) {
    let t = w.t;
    let c = &s.candidate;
    let number = match &c.verified_name {
        Some(n) => format!("+{} ({n})", c.display_phone),
        None => format!("+{}", c.display_phone),
    };
    let mut lines = para(&fill(t.pin_intro, &[&number]), area.width, Style::default());
    lines.push(Line::raw(""));
    lines.push(field_line(
        t.pin_label,
        0,
        s.pin.shown(),
        !s.finishing,
        None,
    ));
    lines.push(Line::raw(""));
    lines.extend(para(t.pin_note, area.width, dim()));
    if s.finishing {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            t.registering,
            Style::default().fg(Color::Yellow),
        ));
    }
    if let Some(e) = &s.error {
        lines.push(Line::raw(""));
        lines.extend(para(e, area.width, error_style()));
        if s.tries > 0 {
            lines.extend(para(t.pin_retry, area.width, Style::default()));
        }
    }
    render(frame, lines, area);
}
