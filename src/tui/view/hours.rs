//! A queue's business hours as the inbox shows them, at the engine's now: nothing while open;
//! when it opens (`Mon 09:00`, in the reader's day names) while closed.

use crate::domain::hours::Hours;
use crate::protocol::directory::QueueView;
use crate::tui::app::App;

/// When a closed queue opens (empty: not within a year); none while open or without hours.
pub fn closed_until(app: &App, queue: &QueueView) -> Option<String> {
    let stored = queue.hours.as_ref()?;
    let hours = Hours::from_parts(&stored.zone, &stored.week, &stored.holidays)?;
    if hours.is_open(app.now) {
        return None;
    }
    Some(match hours.next_change(app.now) {
        Some(change) => hours.local_label_in(change.at, app.now, &app.t.weekdays),
        None => String::new(),
    })
}

/// `outside hours, opens Mon 09:00` for the open conversation's queue, when it is closed.
pub fn open_conversation_outside(app: &App) -> Option<String> {
    let queue_id = app.open.as_ref()?.row.view.queue_id?;
    let queue = app.sidebar.queues.iter().find(|q| q.id == queue_id)?;
    let opens = closed_until(app, queue)?;
    Some(match opens.is_empty() {
        true => app.t.outside_hours_always.to_string(),
        false => crate::i18n::fill(app.t.outside_hours, &[&opens]),
    })
}
