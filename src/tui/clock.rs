//! Times as an agent reads them: local clock time, day separators, the window countdown.
//! The offset is read once at start (reading it later is unsound once threads run), so tests
//! pass their own.

use crate::domain::ServiceWindow;
use crate::domain::time::short_duration;
use crate::i18n::{Strings, fill};
use time::{OffsetDateTime, UtcOffset};

/// The local offset, read while the process has one thread (before the runtime starts).
pub fn local_offset() -> UtcOffset {
    UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC)
}

fn local(unix: i64, offset: UtcOffset) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

/// `14:02`.
pub fn clock_time(unix: i64, offset: UtcOffset) -> String {
    let t = local(unix, offset);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The local calendar day, to tell when a separator is due.
pub fn day_number(unix: i64, offset: UtcOffset) -> i32 {
    local(unix, offset).date().to_julian_day()
}

/// `Today`, `Yesterday`, `Thursday 26 November` (`jueves 26 de noviembre`), with the year when
/// it is not this year's.
pub fn day_label(unix: i64, now: i64, offset: UtcOffset, t: &Strings) -> String {
    let day = day_number(unix, offset);
    let today = day_number(now, offset);
    if day == today {
        return t.today.to_string();
    }
    if day == today - 1 {
        return t.yesterday.to_string();
    }
    let d = local(unix, offset);
    let weekday = t.weekdays[d.weekday().number_days_from_monday() as usize];
    let month = t.months[d.month() as usize - 1];
    let year = if d.year() == local(now, offset).year() {
        String::new()
    } else {
        format!(" {}", d.year())
    };
    match t.lang {
        crate::i18n::Lang::Es => format!("{weekday} {} de {month}{year}", d.day()),
        crate::i18n::Lang::En => format!("{weekday} {} {month}{year}", d.day()),
    }
}

/// The conversation list's time: clock time today, else the day.
pub fn list_time(unix: i64, now: i64, offset: UtcOffset, t: &Strings) -> String {
    let day = day_number(unix, offset);
    let today = day_number(now, offset);
    if day == today {
        return clock_time(unix, offset);
    }
    if day == today - 1 {
        return t.yesterday.to_string();
    }
    let d = local(unix, offset);
    if today - day < 7 {
        let w = t.weekdays[d.weekday().number_days_from_monday() as usize];
        return w.chars().take(3).collect();
    }
    let m: String = t.months[d.month() as usize - 1].chars().take(3).collect();
    format!("{} {m}", d.day())
}

/// A time ahead (a snooze's end): the clock time today, else the weekday, date and clock time,
/// so "until Fri" never leaves the agent guessing the hour.
pub fn future_time(unix: i64, now: i64, offset: UtcOffset, t: &Strings) -> String {
    if day_number(unix, offset) == day_number(now, offset) {
        return clock_time(unix, offset);
    }
    let d = local(unix, offset);
    let w: String = t.weekdays[d.weekday().number_days_from_monday() as usize]
        .chars()
        .take(3)
        .collect();
    let m: String = t.months[d.month() as usize - 1].chars().take(3).collect();
    format!("{w} {} {m} {}", d.day(), clock_time(unix, offset))
}

/// How the window is drawn: its tone carries meaning besides colour through its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowTone {
    Open,
    Closing,
    Closed,
}

/// `23h 12m`, `closes in 9m`, `closed 3d ago`, `no window`.
pub fn window_label(last_inbound: Option<i64>, now: i64, t: &Strings) -> (String, WindowTone) {
    let w = ServiceWindow::at(last_inbound, now);
    match w {
        ServiceWindow::NeverOpened => (t.window_never.to_string(), WindowTone::Closed),
        ServiceWindow::Open { closes_at } if w.closing_soon(now) => (
            fill(t.window_closes_in, &[&short_duration(closes_at - now)]),
            WindowTone::Closing,
        ),
        ServiceWindow::Open { closes_at } => (short_duration(closes_at - now), WindowTone::Open),
        ServiceWindow::Closed { closed_at } => (
            fill(t.window_closed_ago, &[&short_duration(now - closed_at)]),
            WindowTone::Closed,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ES};

    // Thursday 26 November 2026, 16:00 UTC.
    const NOW: i64 = 1_795_708_800;

    #[test]
    fn a_time_ahead_always_carries_its_hour() {
        let utc = UtcOffset::UTC;
        assert_eq!(future_time(NOW + 3600, NOW, utc, &EN), "17:00");
        assert_eq!(future_time(NOW + 86_400, NOW, utc, &EN), "Fri 27 Nov 16:00");
    }

    #[test]
    fn the_countdown_reads_in_each_language() {
        let inbound = NOW - 48 * 60; // 23h 12m left
        assert_eq!(
            window_label(Some(inbound), NOW, &EN),
            ("23h 12m".into(), WindowTone::Open)
        );
        let late = NOW - (24 * 3600 - 9 * 60);
        assert_eq!(
            window_label(Some(late), NOW, &EN),
            ("closes in 9m".into(), WindowTone::Closing)
        );
        assert_eq!(
            window_label(Some(late), NOW, &ES),
            ("cierra en 9m".into(), WindowTone::Closing)
        );
        assert_eq!(
            window_label(Some(NOW - 4 * 86_400), NOW, &EN),
            ("closed 3d ago".into(), WindowTone::Closed)
        );
        assert_eq!(window_label(None, NOW, &EN).1, WindowTone::Closed);
    }

    #[test]
    fn days_are_named_relative_to_today_in_local_time() {
        let utc = UtcOffset::UTC;
        assert_eq!(day_label(NOW - 3600, NOW, utc, &EN), "Today");
        assert_eq!(day_label(NOW - 86_400, NOW, utc, &EN), "Yesterday");
        assert_eq!(
            day_label(NOW - 3 * 86_400, NOW, utc, &EN),
            "Monday 23 November"
        );
        assert_eq!(
            day_label(NOW - 3 * 86_400, NOW, utc, &ES),
            "lunes 23 de noviembre"
        );
        assert_eq!(
            day_label(NOW - 400 * 86_400, NOW, utc, &EN),
            "Wednesday 22 October 2025"
        );
        // 16:00 UTC is already tomorrow in UTC+9 — and NOW+9h is still that day there.
        let tokyo = UtcOffset::from_hms(9, 0, 0).unwrap();
        assert_eq!(clock_time(NOW, tokyo), "01:00");
        assert_eq!(day_label(NOW - 3600, NOW, tokyo, &EN), "Today");
    }

    #[test]
    fn list_times_shorten_with_age() {
        let utc = UtcOffset::UTC;
        assert_eq!(list_time(NOW - 60, NOW, utc, &EN), "15:59");
        assert_eq!(list_time(NOW - 86_400, NOW, utc, &EN), "Yesterday");
        assert_eq!(list_time(NOW - 3 * 86_400, NOW, utc, &EN), "Mon");
        assert_eq!(list_time(NOW - 30 * 86_400, NOW, utc, &EN), "27 Oct");
    }
}
