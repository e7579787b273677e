//! The report screen (`R`) and the first-response target's mark in the list: what is asked of
//! the engine, answers for another period dropped, and the screen at 80x24 in both languages.

use crate::protocol::report::{DurationView, FiguresView, ReportQuery, ReportRow, ReportView};
use crate::protocol::{Request, Response};
use crate::tui::app::{App, Effect, Popup, Tag};
use crate::tui::fixtures;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| super::draw(f, app)).expect("draw");
    terminal.backend().to_string()
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn reports(effects: &[Effect]) -> Vec<(Tag, crate::protocol::report::ReportQuery)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(tag, Request::Report(q)) => Some((tag.clone(), q.clone())),
            _ => None,
        })
        .collect()
}

fn figures(opened: u64, messages_in: u64, median: Option<i64>) -> FiguresView {
    FiguresView {
        opened,
        messages_in,
        first_response: DurationView {
            count: u64::from(median.is_some()),
            median_seconds: median,
            mean_seconds: median,
            p90_seconds: median.map(|m| m * 3),
        },
        ..FiguresView::default()
    }
}

fn by_day() -> ReportView {
    let days = [3, 5, 0, 8, 2, 6, 4];
    let rows = days
        .iter()
        .enumerate()
        .map(|(i, n)| ReportRow {
            key: format!("2026-11-{:02}", 20 + i),
            figures: figures(*n, n * 4, None),
        })
        .collect();
    let mut total = figures(28, 112, Some(252));
    total.closed = 21;
    total.waiting = 4;
    total.messages_out = 97;
    total.templates_sent = 6;
    total.resolution.median_seconds = Some(7_500);
    total.sla_counted = 20;
    total.sla_missed = 3;
    total.failures = [("131047".to_string(), 2)].into();
    ReportView {
        from: "2026-11-20".into(),
        to: "2026-11-26".into(),
        zone: "America/La_Paz".into(),
        from_at: 0,
        until_at: 0,
        by: Some("day".into()),
        hours: "any".into(),
        tenant: None,
        total,
        rows,
    }
}

fn by_agent() -> ReportView {
    let rows = [("ana", 180), ("bo", 420), ("\u{1b}[31mroot", 60)]
        .into_iter()
        .map(|(who, s)| ReportRow {
            key: who.into(),
            figures: figures(5, 10, Some(s)),
        })
        .chain(std::iter::once(ReportRow {
            key: "(unassigned)".into(),
            figures: figures(2, 2, None),
        }))
        .collect();
    ReportView {
        by: Some("agent".into()),
        rows,
        ..by_day()
    }
}

fn admin_inbox(lang: &str) -> App {
    let mut app = fixtures::inbox(lang);
    app.admin = true;
    app
}

/// `R` asks for the week by day and by agent; the answers fill the screen.
fn report_shown(lang: &str) -> App {
    let mut app = admin_inbox(lang);
    let asked = reports(&press(&mut app, KeyCode::Char('R')));
    assert_eq!(asked.len(), 2, "{asked:?}");
    answer(&mut app, asked, by_day());
    app
}

/// Answers the reports asked, by day with `days`, by agent with `by_agent()`.
fn answer(app: &mut App, asked: Vec<(Tag, ReportQuery)>, days: ReportView) {
    for (tag, _) in asked {
        let Tag::Report {
            by_agent: agent, ..
        } = tag
        else {
            panic!("{tag:?}")
        };
        let view = if agent { by_agent() } else { days.clone() };
        let _ = app.on_reply(tag, Ok(Response::Report(Box::new(view))));
    }
}

#[test]
fn r_asks_for_the_last_week_by_day_and_by_agent_in_the_machines_zone() {
    let mut app = admin_inbox("en");
    let asked = reports(&press(&mut app, KeyCode::Char('R')));
    let bys: Vec<_> = asked.iter().map(|(_, q)| q.by.clone().unwrap()).collect();
    assert_eq!(bys, ["day", "agent"]);
    let (from, to) = (
        asked[0].1.from.clone().unwrap(),
        asked[0].1.to.clone().unwrap(),
    );
    let zone = crate::domain::report::system_zone_name();
    let expected = crate::domain::report::days_ending(fixtures::NOW, zone.as_deref(), 7, 0);
    assert_eq!((from, to), expected);
    // ← goes a week back; an answer for the week before is dropped.
    let old_tag = asked[0].0.clone();
    let earlier = reports(&press(&mut app, KeyCode::Left));
    assert_eq!(earlier.len(), 2);
    let week_before = crate::domain::report::days_ending(fixtures::NOW, zone.as_deref(), 7, 1);
    assert_eq!(earlier[0].1.to.clone().unwrap(), week_before.1);
    let _ = app.on_reply(old_tag, Ok(Response::Report(Box::new(by_day()))));
    let Some(Popup::Report(r)) = &app.popup else {
        panic!("the report screen is open")
    };
    assert!(
        r.by_day.is_none(),
        "an answer for another period is not shown"
    );
    // → comes back; not past today.
    assert_eq!(reports(&press(&mut app, KeyCode::Right)).len(), 2);
    assert!(reports(&press(&mut app, KeyCode::Right)).is_empty());
    // m: a month.
    let month = reports(&press(&mut app, KeyCode::Char('m')));
    let days = crate::domain::report::days_ending(fixtures::NOW, zone.as_deref(), 30, 0);
    assert_eq!(month[0].1.from.clone().unwrap(), days.0);
    press(&mut app, KeyCode::Esc);
    assert!(app.popup.is_none());
}

#[test]
fn o_cycles_the_hours_filter_and_the_title_says_which() {
    for (lang, inside, outside) in [
        ("en", "in business hours", "outside business hours"),
        ("es", "en horario", "fuera de horario"),
    ] {
        let mut app = admin_inbox(lang);
        let first = reports(&press(&mut app, KeyCode::Char('R')));
        assert!(first.iter().all(|(_, q)| q.hours.is_none()), "{first:?}");
        let shown = |app: &mut App, key| {
            let asked = reports(&press(app, key));
            assert_eq!(asked.len(), 2, "{asked:?}");
            // Both questions carry the same filter.
            assert_eq!(asked[0].1.hours, asked[1].1.hours);
            (asked[0].1.hours.clone(), screen(app, 80, 24))
        };
        let (hours, text) = shown(&mut app, KeyCode::Char('o'));
        assert_eq!(hours.as_deref(), Some("in"));
        let Some(Popup::Report(r)) = &app.popup else {
            panic!("the report screen is open")
        };
        assert_eq!(
            r.period.1,
            first[0].1.to.clone().unwrap(),
            "the same period"
        );
        let title = |text: &str| text.lines().next().unwrap_or_default().to_string();
        assert!(title(&text).contains(inside), "{lang}:\n{text}");
        let (hours, text) = shown(&mut app, KeyCode::Char('o'));
        assert_eq!(hours.as_deref(), Some("out"));
        assert!(title(&text).contains(outside), "{lang}:\n{text}");
        // The filter stays while the period moves.
        let (hours, _) = shown(&mut app, KeyCode::Left);
        assert_eq!(hours.as_deref(), Some("out"));
        let (hours, text) = shown(&mut app, KeyCode::Char('o'));
        assert_eq!(hours, None);
        // The hint names the filter too: the title (the box's top line) is what says it.
        let top = title(&text);
        assert!(!top.contains(inside) && !top.contains(outside), "{text}");
    }
}

#[test]
fn an_agent_is_told_the_report_is_for_admins_and_nothing_is_asked() {
    for (lang, words) in [("en", "for admins"), ("es", "para administradores")] {
        let mut app = fixtures::inbox(lang);
        app.admin = false;
        assert!(reports(&press(&mut app, KeyCode::Char('R'))).is_empty());
        assert!(app.popup.is_none());
        let notice = app
            .notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default();
        assert!(notice.contains(words), "{notice}");
    }
}

#[test]
fn the_report_screen_at_80x24_in_both_languages() {
    for (lang, messages, heading, first) in [
        (
            "en",
            "Messages in per day",
            "Conversations opened per day",
            "first response: median 4m, p90 12m",
        ),
        (
            "es",
            "Mensajes recibidos por día",
            "Conversaciones abiertas por día",
            "primera respuesta: mediana 4m, p90 12m",
        ),
    ] {
        let app = report_shown(lang);
        let text = screen(&app, 80, 24);
        assert!(text.contains(heading), "{lang}:\n{text}");
        // The customers' messages a day are counted, not only drawn: 11-23 had 32.
        assert!(text.contains(messages), "{lang}:\n{text}");
        assert!(text.contains("32"), "{lang}:\n{text}");
        assert!(text.contains(first), "{lang}:\n{text}");
        assert!(text.contains("11-23"), "days labelled:\n{text}");
        assert!(text.contains("7m"), "bo's median first response:\n{text}");
        assert!(
            !text.contains('\u{1b}'),
            "a name's escape is shown, not run:\n{text}"
        );
        insta::assert_snapshot!(format!("report_screen_{lang}"), text);
    }
}

/// A month's bars are too narrow for their days: the days are named every few bars instead.
#[test]
fn a_months_report_names_its_days_under_the_bars() {
    let mut app = report_shown("en");
    let asked = reports(&press(&mut app, KeyCode::Char('m')));
    assert!(!asked.is_empty(), "m asks for the month");
    let days = (28..=31)
        .map(|d| format!("2026-10-{d}"))
        .chain((1..=26).map(|d| format!("2026-11-{d:02}")));
    let rows = days
        .zip(0u64..)
        .map(|(key, i)| ReportRow {
            key,
            figures: figures(i % 5, i % 7, None),
        })
        .collect();
    let month = ReportView {
        from: "2026-10-28".into(),
        to: "2026-11-26".into(),
        rows,
        ..by_day()
    };
    answer(&mut app, asked, month);
    let text = screen(&app, 80, 24);
    assert!(text.contains("Report 2026-10-28 to 2026-11-26"), "{text}");
    assert!(text.contains("10-28"), "the first day is named:\n{text}");
    assert!(text.contains("11-"), "and later ones:\n{text}");
    insta::assert_snapshot!("report_screen_month", text);
}

#[test]
fn a_conversation_past_its_queues_target_is_marked_late_in_the_list() {
    let mut app = fixtures::inbox("en");
    app.list.rows[0].view.sla_due_at = Some(fixtures::NOW - 12 * 60);
    app.list.rows[1].view.sla_due_at = Some(fixtures::NOW + 60);
    let text = screen(&app, 80, 24);
    let late: Vec<&str> = text.lines().filter(|l| l.contains("late ")).collect();
    assert_eq!(late.len(), 1, "{text}");
    assert!(late[0].contains("late 12m"), "{text}");
    let mut es = fixtures::inbox("es");
    es.list.rows[0].view.sla_due_at = Some(fixtures::NOW - 3 * 3600);
    // The Spanish words are longer: at 80 columns they give way to the name (`!3h 0m`).
    assert!(screen(&es, 80, 24).contains("!3h 0m"));
    assert!(screen(&es, 120, 24).contains("tarde 3h 0m"));
}

/// At 80 columns the list is 25 wide: a late row with unread messages kept two letters of its
/// name. The name keeps twelve columns; the last message's time gives way, then the mark's
/// words.
#[test]
fn a_late_row_in_a_narrow_list_keeps_the_name_readable() {
    // (What is left of the name where 128 unread and 3h 5m late take the room.)
    for (lang, unread, late, mark, name) in [
        ("en", 8, 21 * 60, "!21m", "Cliente 1008"),
        ("en", 128, 3 * 3600 + 5 * 60, "!3h 5m", "Cliente…"),
        ("es", 8, 21 * 60, "!21m", "Cliente 1008"),
    ] {
        let mut app = fixtures::inbox(lang);
        app.list.rows[0] = fixtures::conversation(
            42,
            Some("Cliente 1008"),
            Some("59171000008"),
            Some(600),
            unread,
            "¿Aceptan QR?",
            60,
        );
        app.list.rows[0].view.sla_due_at = Some(fixtures::NOW - late);
        let text = screen(&app, 80, 24);
        let row = text
            .lines()
            .find(|l| l.contains(mark))
            .unwrap_or_else(|| panic!("{lang}: no {mark:?}:\n{text}"));
        assert!(row.contains(name), "{lang}: the name is cut: {row}");
        // A wider list keeps the words.
        if unread < 100 {
            let words = if lang == "en" {
                "late 21m"
            } else {
                "tarde 21m"
            };
            assert!(screen(&app, 140, 24).contains(words), "{lang}");
        }
    }
    // So does a claimed one's: "Clien… (1) @root 21:31" before, "Cliente 10… (1) @root" now.
    let mut app = fixtures::inbox("en");
    app.list.rows[0] = fixtures::conversation(
        42,
        Some("Cliente 1008"),
        Some("59171000008"),
        Some(600),
        1,
        "¿Aceptan QR?",
        60,
    );
    app.list.rows[0].view.assignee = Some("root".into());
    let text = screen(&app, 80, 24);
    assert!(text.contains("Cliente 10… (1) @root"), "{text}");
    // A long user name and lateness together left one letter ("E… @exa_alice !2h 33m"): the
    // agent's name gives way to its first letters.
    app.list.rows[0].view.assignee = Some("exa_alice".into());
    app.list.rows[0].view.unread = 0;
    app.list.rows[0].view.sla_due_at = Some(fixtures::NOW - 2 * 3600 - 33 * 60);
    let text = screen(&app, 80, 24);
    let row = text.lines().find(|l| l.contains("@exa…")).unwrap_or("");
    assert!(row.contains("Client") && row.contains("!2h 33m"), "{text}");
    // In the Snoozed view, "[snoozed]" on every row says nothing: it is left out there.
    let mut app = fixtures::inbox("en");
    app.list.rows[0].view.state = crate::protocol::ConversationState::Snoozed;
    assert!(screen(&app, 80, 24).contains("[snoozed]"));
    app.sidebar.selected = app
        .sidebar
        .items()
        .iter()
        .position(|i| matches!(i, crate::tui::app::SidebarItem::Snoozed))
        .unwrap();
    assert!(!screen(&app, 80, 24).contains("[snoozed]"));
}

#[test]
fn a_refused_report_says_why_on_the_screen_instead_of_counting() {
    let mut app = admin_inbox("en");
    let asked = reports(&press(&mut app, KeyCode::Char('R')));
    let refusal = crate::protocol::ApiError::from(crate::protocol::ErrorCode::BadReport {
        detail: "no time zone Mars/Base".into(),
    });
    let _ = app.on_reply(asked[0].0.clone(), Err(refusal));
    let text = screen(&app, 80, 24);
    assert!(text.contains("no time zone Mars/Base"), "{text}");
    assert!(!text.contains("counting"), "{text}");
}
