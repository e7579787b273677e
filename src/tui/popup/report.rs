//! The report screen (`R`, admins): the team's figures over a week or a month, with charts.
//! It asks the engine twice, split by day (the totals and the per-day chart) and by agent
//! (first response per agent); an answer for a period no longer shown is dropped.

use super::{Component, Context, PopupEvent};
use crate::protocol::Request;
use crate::protocol::report::{ReportQuery, ReportView};
use crate::tui::app::Tag;
use crate::tui::keymap::{PopupAction, PopupKind};
use crossterm::event::KeyEvent;

/// A week, or with the span key a month (30 days).
const WEEK: i64 = 7;
const MONTH: i64 = 30;

#[derive(Debug, Clone, PartialEq)]
pub struct ReportScreen {
    /// Days shown: 7 or 30.
    pub span: i64,
    /// How many spans before the one ending today.
    pub back: i64,
    /// Names the period asked for: answers carry it back.
    pub generation: u64,
    /// The period asked for: first and last day, and the zone they are days in.
    pub period: (String, String, String),
    /// Only what happened inside (`in`) or outside (`out`) the queues' business hours; none
    /// for both.
    pub hours: Option<&'static str>,
    pub by_day: Option<ReportView>,
    pub by_agent: Option<ReportView>,
    pub error: Option<String>,
}

impl Default for ReportScreen {
    fn default() -> Self {
        ReportScreen {
            span: WEEK,
            back: 0,
            generation: 0,
            period: Default::default(),
            hours: None,
            by_day: None,
            by_agent: None,
            error: None,
        }
    }
}

impl ReportScreen {
    /// Asks for the period shown: by day and by agent, in this machine's time zone.
    pub fn ask(&mut self, now: i64) -> Vec<PopupEvent> {
        self.generation += 1;
        self.by_day = None;
        self.by_agent = None;
        self.error = None;
        let zone = crate::domain::report::system_zone_name();
        let (from, to) =
            crate::domain::report::days_ending(now, zone.as_deref(), self.span, self.back);
        self.period = (
            from.clone(),
            to.clone(),
            zone.clone().unwrap_or_else(|| "UTC".into()),
        );
        ["day", "agent"]
            .into_iter()
            .map(|by| {
                let query = ReportQuery {
                    from: Some(from.clone()),
                    to: Some(to.clone()),
                    by: Some(by.to_string()),
                    zone: zone.clone(),
                    hours: self.hours.map(str::to_string),
                    ..ReportQuery::default()
                };
                let tag = Tag::Report {
                    generation: self.generation,
                    by_agent: by == "agent",
                };
                PopupEvent::Call(tag, Request::Report(query))
            })
            .collect()
    }

    /// An answer: kept when it is for the period shown.
    pub fn answered(&mut self, generation: u64, by_agent: bool, report: ReportView) {
        if generation != self.generation {
            return;
        }
        if by_agent {
            self.by_agent = Some(report);
        } else {
            self.by_day = Some(report);
        }
    }
}

impl Component for ReportScreen {
    fn kind(&self) -> PopupKind {
        PopupKind::Report
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &Context) -> Vec<PopupEvent> {
        match cx.keymap.popup_action(self.kind(), key) {
            Some(PopupAction::Older) => self.back += 1,
            Some(PopupAction::Newer) if self.back > 0 => self.back -= 1,
            Some(PopupAction::Newer) => return Vec::new(),
            Some(PopupAction::Choose) => {
                self.span = if self.span == WEEK { MONTH } else { WEEK };
                self.back = 0;
            }
            Some(PopupAction::Hours) => {
                self.hours = match self.hours {
                    None => Some("in"),
                    Some("in") => Some("out"),
                    Some(_) => None,
                }
            }
            Some(PopupAction::Close) => return vec![PopupEvent::Close],
            _ => return Vec::new(),
        }
        self.ask(cx.now)
    }

    fn commands(&self) -> &'static [PopupAction] {
        &[
            PopupAction::Older,
            PopupAction::Newer,
            PopupAction::Choose,
            PopupAction::Hours,
            PopupAction::Close,
        ]
    }
}
