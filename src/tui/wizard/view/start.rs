//! Tenant, path, queue and Kapso's options.

use super::*;
use crate::i18n::fill;

pub fn tenant(frame: &mut Frame, w: &Wizard, s: &TenantStep, area: Rect) {
    let t = w.t;
    let mut lines = para(t.tenant_intro, area.width, Style::default());
    lines.push(Line::raw(""));
    match &s.tenants {
        None => lines.push(Line::styled(t.loading, dim())),
        Some(list) => {
            let room = (area.height as usize)
                .saturating_sub(lines.len() + 4)
                .max(1);
            for i in window(s.selected, list.len(), room) {
                let tn = &list[i];
                let count = match tn.numbers {
                    1 => t.tenant_one_number.to_string(),
                    n => fill(t.tenant_numbers, &[&n.to_string()]),
                };
                let name = truncate(&tn.name, 40);
                let pad = 42usize.saturating_sub(crate::tui::view::text::width(&name));
                lines.push(choice(
                    s.selected == i,
                    format!("{name}{}{count}", " ".repeat(pad)),
                ));
            }
            lines.push(field_line(
                t.new_tenant,
                0,
                s.new_name.shown(),
                s.on_new_row(),
                None,
            ));
        }
    }
    lines.push(Line::raw(""));
    lines.extend(para(t.tenant_made_later, area.width, dim()));
    if let Some(e) = &s.error {
        lines.push(Line::raw(""));
        lines.extend(para(e, area.width, error_style()));
    }
    render(frame, lines, area);
}

pub fn path(frame: &mut Frame, w: &Wizard, s: &PathStep, area: Rect) {
    let t = w.t;
    let tenant = w.tenant.as_deref().unwrap_or_default();
    let mut lines = para(&fill(t.path_intro, &[tenant]), area.width, Style::default());
    lines.push(Line::raw(""));
    for (i, p) in PathChoice::ALL.iter().enumerate() {
        let mut name = path_name(w, *p).to_string();
        if p.needs_listener() && w.listening == Some(false) {
            name.push_str(t.needs_listener_short);
        }
        lines.push(choice(s.selected == i, name));
        let about = match p {
            PathChoice::MetaCoexistence => t.about_meta_coexistence,
            PathChoice::MetaDedicated => t.about_meta_dedicated,
            PathChoice::Kapso => t.about_kapso,
            PathChoice::CoexistenceByHand => t.about_coexistence,
            PathChoice::Manual => t.about_manual,
            PathChoice::Import => t.about_import,
            PathChoice::Dashboard => t.about_dashboard,
        };
        lines.push(Line::styled(
            truncate(&format!("    {about}"), area.width as usize),
            dim(),
        ));
    }
    if let Some(e) = &s.error {
        lines.push(Line::raw(""));
        lines.extend(para(e, area.width, error_style()));
    }
    render(frame, lines, area);
}

pub fn queue(frame: &mut Frame, w: &Wizard, s: &QueueStep, area: Rect) {
    let t = w.t;
    let intro = if s.offer_none {
        t.import_queue_intro
    } else {
        t.queue_intro
    };
    let mut lines = para(intro, area.width, Style::default());
    lines.push(Line::raw(""));
    match &s.queues {
        None => lines.push(Line::styled(t.loading, dim())),
        Some(list) => {
            let room = (area.height as usize)
                .saturating_sub(lines.len() + 4)
                .max(1);
            for i in window(s.selected, list.len(), room) {
                lines.push(choice(s.selected == i, list[i].clone()));
            }
            if s.offer_none {
                lines.push(choice(s.on_none_row(), t.queue_none.to_string()));
            }
            // Left empty, the new queue is named after the tenant.
            let tenant = w.tenant.as_deref().unwrap_or_default();
            let default = fill(t.new_queue_default, &[tenant]);
            let note = s.new_name.is_empty().then_some(default.as_str());
            lines.push(field_line(
                t.new_queue,
                0,
                s.new_name.shown(),
                s.on_new_row(),
                note,
            ));
            lines.push(Line::raw(""));
            let note = if s.offer_none {
                t.import_queue_note
            } else {
                t.queue_note
            };
            lines.extend(para(note, area.width, dim()));
        }
    }
    if let Some(e) = &s.error {
        lines.push(Line::raw(""));
        lines.extend(para(e, area.width, error_style()));
    }
    render(frame, lines, area);
}

pub fn kapso(frame: &mut Frame, w: &Wizard, s: &KapsoStep, area: Rect) {
    let t = w.t;
    let mut lines = para(t.kapso_intro, area.width, Style::default());
    lines.push(Line::raw(""));
    let labels = [
        t.kapso_types,
        t.kapso_provision,
        t.kapso_country,
        t.kapso_language,
        t.kapso_colour,
        t.kapso_reconnect,
    ];
    let width = labels
        .iter()
        .map(|l| crate::tui::view::text::width(l))
        .max()
        .unwrap_or(0);
    for (i, row) in KapsoRow::ALL.iter().enumerate() {
        let focused = s.focus == i;
        let (shown, note) = match row {
            KapsoRow::Types => (
                format!(
                    "‹ {} ›",
                    match s.types {
                        1 => t.kapso_types_coexistence,
                        2 => t.kapso_types_dedicated,
                        _ => t.kapso_types_both,
                    }
                ),
                None,
            ),
            KapsoRow::Provision => (
                format!("‹ {} ›", if s.provision { t.yes } else { t.no }),
                Some(t.kapso_provision_note),
            ),
            KapsoRow::Country => (s.country.shown(), Some(t.kapso_country_note)),
            KapsoRow::Language => (
                format!(
                    "‹ {} ›",
                    if s.language == "es" {
                        t.spanish
                    } else {
                        t.english
                    }
                ),
                None,
            ),
            KapsoRow::Colour => (s.colour.shown(), Some(t.kapso_colour_note)),
            KapsoRow::Reconnect => (s.reconnect.shown(), Some(t.kapso_reconnect_note)),
        };
        // The country matters only for a new number.
        let style_dim = *row == KapsoRow::Country && !s.provision;
        let typing = matches!(
            row,
            KapsoRow::Country | KapsoRow::Colour | KapsoRow::Reconnect
        );
        let mut line = row_line(labels[i], width, shown, focused, focused && typing, note);
        if style_dim {
            line = line.style(dim());
        }
        lines.push(line);
    }
    lines.push(Line::raw(""));
    lines.extend(para(t.kapso_help, area.width, dim()));
    if let Some(e) = &s.error {
        lines.push(Line::raw(""));
        lines.extend(para(e, area.width, error_style()));
    }
    render(frame, lines, area);
}
