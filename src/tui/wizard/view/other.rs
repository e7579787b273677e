//! The import, the App Dashboard's settings, and the summary.

use super::*;
use crate::i18n::fill;
use crate::protocol::admin::SyncReport;

pub fn import(frame: &mut Frame, w: &Wizard, s: &ImportStep, area: Rect) {
    let t = w.t;
    let tenant = w.tenant.as_deref().unwrap_or_default();
    let mut lines = para(
        &fill(t.import_intro, &[tenant]),
        area.width,
        Style::default(),
    );
    lines.push(Line::raw(""));
    lines.push(field_line(
        t.import_file,
        0,
        s.path.shown(),
        s.result.is_none() && !s.working,
        None,
    ));
    lines.push(Line::raw(""));
    if s.working {
        lines.push(Line::styled(
            t.import_reading,
            Style::default().fg(Color::Yellow),
        ));
    }
    if let Some(r) = &s.result {
        lines.push(Line::styled(format!("✓ {}", t.import_done), ok_style()));
        lines.push(Line::raw(""));
        report_lines(w, r, area.width, &mut lines);
    } else if let Some(r) = &s.preview {
        lines.push(Line::styled(t.import_would, bold()));
        lines.push(Line::raw(""));
        report_lines(w, r, area.width, &mut lines);
        lines.push(Line::raw(""));
        lines.extend(para(t.import_apply_hint, area.width, dim()));
    }
    if let Some(e) = &s.error {
        lines.extend(para(e, area.width, error_style()));
    }
    render(frame, lines, area);
}

/// What an import adds, updates and refuses: each number under a label, the labels aligned.
fn report_lines(w: &Wizard, r: &SyncReport, width: u16, lines: &mut Vec<Line<'static>>) {
    let t = w.t;
    let done = !r.dry_run;
    let pick = |would: &'static str, did: &'static str| if done { did } else { would };
    let queue = r
        .queue
        .as_deref()
        .map(|q| fill(pick(t.import_to_queue, t.import_to_queue_done), &[q]));
    let no_queue = Vec::new();
    let groups: [(&str, &Vec<String>); 5] = [
        (pick(t.import_added, t.import_added_done), &r.added),
        (pick(t.import_updated, t.import_updated_done), &r.updated),
        (
            pick(t.import_corrected, t.import_corrected_done),
            &r.corrected,
        ),
        (t.import_inactive, &r.inactive),
        match &queue {
            Some(q) => (q.as_str(), &r.assigned),
            None => ("", &no_queue),
        },
    ];
    let rows: Vec<(&str, &String)> = groups
        .iter()
        .flat_map(|(label, items)| items.iter().map(move |i| (*label, i)))
        .collect();
    let label_width = rows
        .iter()
        .map(|(l, _)| crate::tui::view::text::width(l))
        .max()
        .unwrap_or(0);
    for (label, item) in &rows {
        let pad = label_width - crate::tui::view::text::width(label);
        let text = format!("{label}{}  {item}", " ".repeat(pad));
        lines.extend(indented(&text, 2, width, Style::default()));
    }
    if r.unchanged > 0 {
        lines.extend(indented(
            &fill(t.import_unchanged, &[&r.unchanged.to_string()]),
            2,
            width,
            Style::default(),
        ));
    }
    let warn = Style::default().fg(Color::Yellow);
    for warning in &r.warnings {
        lines.extend(indented(&format!("⚠ {warning}"), 2, width, warn));
    }
    for o in &r.without_queue {
        let text = fill(
            t.import_without_queue,
            &[&o.display_phone, &o.phone_number_id],
        );
        lines.extend(indented(&text, 2, width, warn));
    }
}

pub fn dashboard(frame: &mut Frame, w: &Wizard, s: &DashboardStep, area: Rect) {
    let t = w.t;
    let mut lines = para(t.dashboard_intro, area.width, Style::default());
    lines.push(Line::raw(""));
    let Some(v) = &s.view else {
        lines.push(Line::styled(t.loading, dim()));
        if let Some(e) = &s.error {
            lines.extend(para(e, area.width, error_style()));
        }
        render(frame, lines, area);
        return;
    };
    let unset = || t.not_set.to_string();
    let entry = |label: &str, value: String| {
        Line::from(vec![
            Span::raw(format!("  {label:<17}")),
            Span::styled(value, bold()),
        ])
    };
    lines.push(Line::styled(t.dashboard_webhooks, dim()));
    lines.push(entry(
        t.callback_url,
        v.callback_url.clone().unwrap_or_else(unset),
    ));
    let verify = match (&v.verify_token, v.verify_token_set) {
        // Shown only when asked for (v), and forgotten when hidden again.
        (Some(token), _) if s.revealed => token.expose().to_string(),
        (_, true) => format!("•••••••• {}", t.reveal_hint),
        (_, false) => t.verify_token_unset.to_string(),
    };
    lines.push(entry(t.verify_token, verify));
    lines.push(Line::styled(t.dashboard_login, dim()));
    lines.push(entry(
        t.redirect_uri,
        v.oauth_redirect_uri.clone().unwrap_or_else(unset),
    ));
    lines.push(entry(t.app_id, v.app_id.clone().unwrap_or_else(unset)));
    lines.push(entry(
        t.config_id,
        v.config_id.clone().unwrap_or_else(unset),
    ));
    if v.kapso_configured {
        lines.push(Line::styled(t.dashboard_kapso, dim()));
        lines.push(entry(
            t.kapso_success,
            v.kapso_success_url.clone().unwrap_or_else(unset),
        ));
        lines.push(entry(
            t.kapso_failure,
            v.kapso_failure_url.clone().unwrap_or_else(unset),
        ));
    }
    lines.push(Line::raw(""));
    if v.public_url.is_none() {
        lines.extend(para(t.no_public_url, area.width, error_style()));
    } else if v.public_url_is_loopback {
        lines.extend(para(
            t.loopback_warning,
            area.width,
            Style::default().fg(Color::Yellow),
        ));
    }
    match (&v.handshake, s.working) {
        (_, true) => lines.push(Line::styled(t.handshake_testing, dim())),
        (Some(Ok(what)), _) => lines.extend(para(&format!("✓ {what}"), area.width, ok_style())),
        (Some(Err(why)), _) => lines.extend(para(&format!("✗ {why}"), area.width, error_style())),
        (None, _) => lines.extend(para(t.handshake_hint, area.width, dim())),
    }
    if let Some(e) = &s.error {
        lines.extend(para(e, area.width, error_style()));
    }
    render(frame, lines, area);
}

pub fn summary(frame: &mut Frame, w: &Wizard, s: &SummaryStep, area: Rect) {
    let t = w.t;
    let r = &s.report;
    let n = &r.number;
    let mut lines = vec![Line::styled(
        format!(
            "✓ {}",
            fill(t.summary_title, &[&n.display_phone, &n.tenant])
        ),
        ok_style().add_modifier(Modifier::BOLD),
    )];
    if r.renewed {
        lines.extend(para(t.summary_renewed, area.width, Style::default()));
    }
    lines.push(Line::raw(""));
    let row = |label: &str, value: String, style: Style| {
        Line::from(vec![
            Span::raw(format!("  {label:<17}")),
            Span::styled(value, style),
        ])
    };
    let plain = Style::default();
    let name = r.verified_name.clone().unwrap_or_default();
    lines.push(row(
        t.summary_number,
        format!("+{}  {name}", n.display_phone)
            .trim_end()
            .to_string(),
        bold(),
    ));
    lines.push(row(t.summary_tenant, n.tenant.clone(), plain));
    lines.push(row(
        t.phone_number_id,
        format!("{} · WABA {}", n.phone_number_id, n.waba_id),
        plain,
    ));
    lines.push(row(
        t.summary_connection,
        match n.connection {
            crate::domain::ConnectionKind::Coexistence => t.summary_coexistence.to_string(),
            crate::domain::ConnectionKind::Dedicated => t.summary_dedicated.to_string(),
        },
        plain,
    ));
    let token = match n.token_expires_at {
        // A Kapso number holds no token of ours: saying "sealed" would be wrong.
        _ if n.connected_via == Some(crate::protocol::ConnectedVia::Kapso) => {
            (t.summary_token_kapso.to_string(), plain)
        }
        _ if !n.has_token => (t.summary_no_token.to_string(), error_style()),
        Some(0) => (t.summary_token_forever.to_string(), plain),
        Some(at) => (
            fill(
                t.summary_token_expires,
                &[&crate::domain::time::short_duration(at - w.now)],
            ),
            plain,
        ),
        None => (t.summary_token_sealed.to_string(), plain),
    };
    lines.push(row(t.summary_token, token.0, token.1));
    lines.push(if r.subscribed {
        row(
            t.summary_webhooks,
            format!("✓ {}", t.summary_subscribed),
            ok_style(),
        )
    } else {
        row(
            t.summary_webhooks,
            format!("✗ {}", t.summary_not_subscribed),
            error_style(),
        )
    });
    lines.push(match &r.template_error {
        Some(e) => row(
            t.summary_templates,
            format!("✗ {}", fill(t.summary_templates_failed, &[e])),
            error_style(),
        ),
        None => row(
            t.summary_templates,
            format!(
                "✓ {}",
                fill(t.summary_templates_synced, &[&r.templates.to_string()])
            ),
            ok_style(),
        ),
    });
    lines.push(match &r.queue {
        Some(q) => row(t.summary_queue, fill(t.summary_queue_is, &[q]), plain),
        None => row(
            t.summary_queue,
            t.summary_no_queue.to_string(),
            error_style(),
        ),
    });
    let state: Vec<String> = [
        r.status.clone(),
        r.quality_rating
            .as_ref()
            .map(|q| fill(t.summary_quality, &[q])),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !state.is_empty() {
        lines.push(row(t.summary_meta, state.join(" · "), plain));
    }
    lines.push(Line::raw(""));
    lines.extend(para(t.summary_next, area.width, dim()));
    render(frame, lines, area);
}
