//! A queue's business hours: a weekly schedule in the queue's own time zone, and holidays.
//! Pure functions of an instant: whether the queue is open, when it next opens (or closes),
//! and which closed period an instant falls in (an away reply goes once per period).
//!
//! Everything is decided in the queue's local civil time, so a daylight-saving change moves
//! nothing: "09:00" is nine on the wall clock on both sides of it. A range may cross midnight
//! (`fri 22:00-02:00` holds Saturday's first two hours); a holiday closes its whole local date,
//! whatever range would hold it.

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use std::collections::BTreeSet;

/// The days a week spec names, Monday first.
const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

/// How far ahead an opening is looked for: a year of holidays and closed weeks.
const LOOK_AHEAD_DAYS: i32 = 400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("no time zone {0}: use an IANA name such as America/La_Paz or Europe/Madrid")]
    UnknownZone(String),
    #[error("cannot read {0:?}: write days and hours as \"mon-fri 09:00-18:00, sat 09:00-13:00\"")]
    BadWeek(String),
    #[error("no day {0:?}: days are mon, tue, wed, thu, fri, sat, sun")]
    BadDay(String),
    #[error("no time {0:?}: times are HH:MM, 00:00 to 24:00")]
    BadTime(String),
    #[error("{0} opens and closes at the same time: an empty range")]
    EmptyRange(String),
    #[error("no date {0:?}: dates are YYYY-MM-DD")]
    BadDate(String),
}

/// Minutes since local midnight, a range's start and end; an end at or before the start runs
/// past midnight into the next day (24:00 is the day's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: u16,
    pub end: u16,
}

impl Range {
    fn crosses_midnight(self) -> bool {
        self.end <= self.start
    }
}

/// Per weekday (Monday first), the ranges that start on that day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Week {
    pub days: [Vec<Range>; 7],
}

impl Week {
    /// `mon-fri 09:00-18:00, sat 09:00-13:00`; a day may be named alone or in a range (which
    /// may wrap: `fri-mon`), several days by commas inside one item (`mon,wed 10:00-12:00`),
    /// and a day's several ranges by repeating it.
    pub fn parse(spec: &str) -> Result<Week, HoursError> {
        let mut week = Week::default();
        for item in spec
            .split([',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let mut words = item.split_whitespace();
            let (Some(days), Some(hours), None) = (words.next(), words.next(), words.next()) else {
                // `mon,wed 10:00-12:00` was split at its comma: the day joins the next item.
                if !item.contains(' ') && day_index(item).is_ok() {
                    return Err(HoursError::BadWeek(format!(
                        "{item}: write several days as a range (mon-wed) or each with its hours"
                    )));
                }
                return Err(HoursError::BadWeek(item.to_string()));
            };
            let days = day_span(days)?;
            let range = parse_range(hours)?;
            for day in days {
                week.days[day].push(range);
            }
        }
        if week.days.iter().all(Vec::is_empty) {
            return Err(HoursError::BadWeek(spec.to_string()));
        }
        Ok(week)
    }

    /// The spec again in the form `parse` reads, days with the same range run together:
    /// `mon-fri 09:00-18:00, sat 09:00-13:00`.
    pub fn spec(&self) -> String {
        // Each distinct range, with the days it is on, in the order first met (Monday first).
        let mut ranges: Vec<(Range, [bool; 7])> = Vec::new();
        for (day, list) in self.days.iter().enumerate() {
            for r in list {
                match ranges.iter_mut().find(|(known, _)| known == r) {
                    Some((_, days)) => days[day] = true,
                    None => {
                        let mut days = [false; 7];
                        days[day] = true;
                        ranges.push((*r, days));
                    }
                }
            }
        }
        let mut items: Vec<(usize, u16, String)> = Vec::new();
        for (r, days) in ranges {
            let mut day = 0;
            while day < 7 {
                if !days[day] {
                    day += 1;
                    continue;
                }
                let first = day;
                while day + 1 < 7 && days[day + 1] {
                    day += 1;
                }
                let run = match first == day {
                    true => DAYS[first].0.to_string(),
                    false => format!("{}-{}", DAYS[first].0, DAYS[day].0),
                };
                let item = format!("{run} {}-{}", clock(r.start), clock(r.end));
                items.push((first, r.start, item));
                day += 1;
            }
        }
        items.sort();
        let items: Vec<String> = items.into_iter().map(|(_, _, item)| item).collect();
        items.join(", ")
    }
}

/// Spanish abbreviations too (`lun-vie`), accents optional.
const DIAS: [&str; 7] = ["lun", "mar", "mie", "jue", "vie", "sab", "dom"];

fn day_index(word: &str) -> Result<usize, HoursError> {
    let w = crate::keywords::fold(word);
    DAYS.iter()
        .position(|(name, _)| w == *name || (w.len() > 3 && full_name(name).starts_with(&w)))
        .or_else(|| DIAS.iter().position(|d| w == *d))
        .ok_or_else(|| HoursError::BadDay(word.to_string()))
}

fn full_name(short: &str) -> &'static str {
    match short {
        "mon" => "monday",
        "tue" => "tuesday",
        "wed" => "wednesday",
        "thu" => "thursday",
        "fri" => "friday",
        "sat" => "saturday",
        _ => "sunday",
    }
}

/// `mon`, `mon-fri`, `fri-mon` (wrapping) as weekday indexes.
fn day_span(days: &str) -> Result<Vec<usize>, HoursError> {
    match days.split_once('-') {
        None => Ok(vec![day_index(days)?]),
        Some((from, to)) => {
            let (from, to) = (day_index(from)?, day_index(to)?);
            let mut out = vec![from];
            let mut d = from;
            while d != to {
                d = (d + 1) % 7;
                out.push(d);
            }
            Ok(out)
        }
    }
}

fn parse_range(hours: &str) -> Result<Range, HoursError> {
    let (start, end) = hours
        .split_once('-')
        .ok_or_else(|| HoursError::BadWeek(hours.to_string()))?;
    let (start, end) = (minutes(start)?, minutes(end)?);
    if start == end {
        return Err(HoursError::EmptyRange(hours.to_string()));
    }
    if start == 24 * 60 {
        return Err(HoursError::BadTime(
            "24:00 ends a range; it cannot start one".into(),
        ));
    }
    Ok(Range { start, end })
}

fn minutes(hhmm: &str) -> Result<u16, HoursError> {
    let bad = || HoursError::BadTime(hhmm.to_string());
    let (h, m) = hhmm.split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) || hhmm.len() != 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A queue's hours: its zone, its week and its holidays.
#[derive(Debug, Clone)]
pub struct Hours {
    zone_name: String,
    zone: TimeZone,
    pub week: Week,
    pub holidays: BTreeSet<Date>,
}

/// An opening or a closing, at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub at: i64,
    pub opens: bool,
}

impl Hours {
    pub fn new(zone: &str, week: Week, holidays: BTreeSet<Date>) -> Result<Hours, HoursError> {
        let tz = TimeZone::get(zone).map_err(|_| HoursError::UnknownZone(zone.to_string()))?;
        Ok(Hours {
            zone_name: zone.to_string(),
            zone: tz,
            week,
            holidays,
        })
    }

    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    fn local(&self, at: i64) -> Zoned {
        Timestamp::from_second(at)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone.clone())
    }

    /// The instant a local date and minute of the day names (a time skipped by a
    /// daylight-saving change is the moment the clocks jump past it; a time they show twice,
    /// the first).
    fn instant(&self, date: Date, minute: u16) -> Option<i64> {
        let dt: DateTime = if minute >= 24 * 60 {
            date.tomorrow().ok()?.to_datetime(Time::midnight())
        } else {
            date.to_datetime(Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()?)
        };
        let ambiguous = self.zone.to_ambiguous_timestamp(dt);
        match ambiguous.offset() {
            // Skipped by the clocks: the range starts (or ends) when the clocks jump past it,
            // the first instant whose wall time is at or after it.
            jiff::tz::AmbiguousOffset::Gap { .. } => {
                let a = ambiguous.earlier().ok()?.as_second();
                let b = ambiguous.later().ok()?.as_second();
                let (mut lo, mut hi) = (a.min(b), a.max(b));
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if self.local(mid).datetime() >= dt {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                Some(lo)
            }
            // Repeated by the clocks: the first time the wall shows it.
            _ => Some(ambiguous.earlier().ok()?.as_second()),
        }
    }

    /// Whether the queue is open at `at` (unix seconds).
    pub fn is_open(&self, at: i64) -> bool {
        let z = self.local(at);
        let date = z.date();
        if self.holidays.contains(&date) {
            return false;
        }
        let minute = (z.hour() as u16) * 60 + z.minute() as u16;
        let today = weekday_index(date.weekday());
        let yesterday = (today + 6) % 7;
        self.week.days[today].iter().any(|r| {
            if r.crosses_midnight() {
                minute >= r.start
            } else {
                minute >= r.start && minute < r.end
            }
        }) || self.week.days[yesterday]
            .iter()
            .any(|r| r.crosses_midnight() && minute < r.end)
    }

    /// The next time the queue opens (when closed at `at`) or closes (when open), within a
    /// year; none when it never does (a week without hours, or all holidays).
    pub fn next_change(&self, at: i64) -> Option<Change> {
        let open = self.is_open(at);
        let mut first = self.local(at).date().yesterday().ok()?;
        // A week of days at a time: every boundary before the last day's midnight comes from
        // these days (a range past midnight ends on the day after its own), so they are
        // checked in order before the next week is looked at.
        for _ in 0..(LOOK_AHEAD_DAYS / 7) {
            let mut candidates = Vec::new();
            let mut date = first;
            for _ in 0..8 {
                candidates.extend(self.boundaries(date));
                date = date.tomorrow().ok()?;
            }
            let last_midnight = self.instant(date.yesterday().ok()?, 0)?;
            candidates.retain(|&c| c > at && c < last_midnight);
            candidates.sort_unstable();
            candidates.dedup();
            if let Some(&flip) = candidates.iter().find(|&&c| self.is_open(c) != open) {
                return Some(Change {
                    at: flip,
                    opens: !open,
                });
            }
            first = first.checked_add(jiff::Span::new().days(7)).ok()?;
        }
        None
    }

    /// Where openness may change on a local date: its ranges' starts and ends, and its
    /// midnight (a holiday begins and ends there).
    fn boundaries(&self, date: Date) -> Vec<i64> {
        let day = weekday_index(date.weekday());
        let mut out: Vec<i64> = self.instant(date, 0).into_iter().collect();
        for r in &self.week.days[day] {
            out.extend(self.instant(date, r.start));
            let end = match r.crosses_midnight() {
                true => date.tomorrow().ok().and_then(|d| self.instant(d, r.end)),
                false => self.instant(date, r.end),
            };
            out.extend(end);
        }
        out
    }

    /// The closed period `at` falls in, named by when it ends (the next opening; `i64::MAX`
    /// when the queue never opens again); none while open. Two messages in the same night get
    /// the same name, so an away reply goes once.
    pub fn closed_period(&self, at: i64) -> Option<i64> {
        if self.is_open(at) {
            return None;
        }
        Some(self.next_change(at).map_or(i64::MAX, |c| c.at))
    }

    /// `Mon 09:00` (or `2026-12-26 09:00` beyond the coming week), in the queue's zone.
    pub fn local_label(&self, at: i64, now: i64) -> String {
        const EN: [&str; 7] = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        self.local_label_in(at, now, &EN)
    }

    /// The same with the reader's day names (`weekdays`, Monday first; their first three
    /// letters are shown).
    pub fn local_label_in(&self, at: i64, now: i64, weekdays: &[&str; 7]) -> String {
        let z = self.local(at);
        let days = (at - now) / 86_400;
        let day: String = weekdays[weekday_index(z.date().weekday())]
            .chars()
            .take(3)
            .collect();
        if days < 6 {
            format!("{day} {:02}:{:02}", z.hour(), z.minute())
        } else {
            format!("{} {:02}:{:02}", z.date(), z.hour(), z.minute())
        }
    }
}

impl Hours {
    /// Hours as stored or sent (`zone`, a week spec, `YYYY-MM-DD` holidays); none when they no
    /// longer read (a zone this build does not know).
    pub fn from_parts(zone: &str, week: &str, holidays: &[String]) -> Option<Hours> {
        let week = Week::parse(week).ok()?;
        let holidays = holidays.iter().filter_map(|d| parse_date(d).ok()).collect();
        Hours::new(zone, week, holidays).ok()
    }
}

/// `2026-12-25`.
pub fn parse_date(text: &str) -> Result<Date, HoursError> {
    text.trim()
        .parse::<Date>()
        .map_err(|_| HoursError::BadDate(text.to_string()))
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// La Paz: UTC-4 all year. Madrid: CET/CEST.
    fn at(zone: &str, local: &str) -> i64 {
        let dt: DateTime = local.parse().unwrap();
        dt.to_zoned(TimeZone::get(zone).unwrap())
            .unwrap()
            .timestamp()
            .as_second()
    }

    fn hours(zone: &str, week: &str, holidays: &[&str]) -> Hours {
        let holidays = holidays.iter().map(|d| parse_date(d).unwrap()).collect();
        Hours::new(zone, Week::parse(week).unwrap(), holidays).unwrap()
    }

    #[test]
    fn a_week_is_read_back_as_written_and_bad_specs_say_why() {
        let w = Week::parse("mon-fri 09:00-18:00, sat 09:00-13:00").unwrap();
        assert_eq!(
            w.days[0],
            [Range {
                start: 540,
                end: 1080
            }]
        );
        assert_eq!(
            w.days[5],
            [Range {
                start: 540,
                end: 780
            }]
        );
        assert!(w.days[6].is_empty());
        assert_eq!(Week::parse(&w.spec()).unwrap(), w);
        let wrap = Week::parse("fri-mon 10:00-14:00").unwrap();
        assert_eq!(
            wrap.days.iter().map(|d| d.len()).collect::<Vec<_>>(),
            [1, 0, 0, 0, 1, 1, 1]
        );
        assert!(Week::parse("Monday 08:00-24:00").is_ok());
        assert_eq!(
            Week::parse("lun-vie 09:00-18:00, sáb 09:00-13:00").unwrap(),
            w
        );
        let split =
            Week::parse("mon-fri 09:00-14:00, mon-thu 16:00-19:00, sat 10:00-13:00").unwrap();
        assert_eq!(
            split.spec(),
            "mon-fri 09:00-14:00, mon-thu 16:00-19:00, sat 10:00-13:00",
            "days with the same range run together"
        );
        assert_eq!(Week::parse(&split.spec()).unwrap(), split);
        for (bad, says) in [
            ("", "cannot read"),
            ("mon", "cannot read"),
            ("mon 9-18", "no time"),
            ("funday 09:00-10:00", "no day"),
            ("funday 9-10", "no day"),
            ("mon 09:00-09:00", "empty range"),
            ("mon 25:00-26:00", "no time"),
            ("mon 09:00-18:00 extra", "cannot read"),
        ] {
            let e = Week::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad:?}: {e}");
        }
        assert!(Hours::new("Mars/Olympus", w, BTreeSet::new()).is_err());
        assert!(parse_date("2026-02-30").is_err());
    }

    #[test]
    fn open_within_the_hours_closed_outside_and_on_a_holiday() {
        let h = hours("America/La_Paz", "mon-fri 09:00-18:00", &["2026-12-25"]);
        // Thursday 2026-12-24.
        assert!(!h.is_open(at("America/La_Paz", "2026-12-24T08:59")));
        assert!(h.is_open(at("America/La_Paz", "2026-12-24T09:00")));
        assert!(h.is_open(at("America/La_Paz", "2026-12-24T17:59")));
        assert!(!h.is_open(at("America/La_Paz", "2026-12-24T18:00")));
        // Christmas is a Friday, a holiday: closed all day; next open Monday 28th.
        assert!(!h.is_open(at("America/La_Paz", "2026-12-25T10:00")));
        let next = h
            .next_change(at("America/La_Paz", "2026-12-24T19:00"))
            .unwrap();
        assert_eq!(
            next,
            Change {
                at: at("America/La_Paz", "2026-12-28T09:00"),
                opens: true
            }
        );
        assert_eq!(
            h.local_label(next.at, at("America/La_Paz", "2026-12-24T19:00")),
            "Mon 09:00"
        );
        let closing = h
            .next_change(at("America/La_Paz", "2026-12-28T10:00"))
            .unwrap();
        assert_eq!(
            closing,
            Change {
                at: at("America/La_Paz", "2026-12-28T18:00"),
                opens: false
            }
        );
    }

    #[test]
    fn a_range_past_midnight_holds_the_next_mornings_hours() {
        let h = hours("America/La_Paz", "fri 22:00-02:00", &[]);
        // Friday 2027-01-01 22:30, Saturday 01:59 open; Saturday 02:00 closed.
        assert!(h.is_open(at("America/La_Paz", "2027-01-01T22:30")));
        assert!(h.is_open(at("America/La_Paz", "2027-01-02T01:59")));
        assert!(!h.is_open(at("America/La_Paz", "2027-01-02T02:00")));
        assert!(!h.is_open(at("America/La_Paz", "2027-01-01T21:59")));
        let close = h
            .next_change(at("America/La_Paz", "2027-01-01T23:00"))
            .unwrap();
        assert_eq!(
            close,
            Change {
                at: at("America/La_Paz", "2027-01-02T02:00"),
                opens: false
            }
        );
    }

    #[test]
    fn nine_on_the_wall_clock_stays_nine_across_a_daylight_saving_change() {
        // Madrid moves to summer time on Sunday 2027-03-28 at 02:00 (to 03:00).
        let h = hours("Europe/Madrid", "mon-sun 09:00-18:00", &[]);
        let before = at("Europe/Madrid", "2027-03-27T09:00");
        let after = at("Europe/Madrid", "2027-03-28T09:00");
        assert!(h.is_open(before) && h.is_open(after));
        assert_eq!(
            after - before,
            23 * 3600,
            "the day of the change is an hour short"
        );
        let next = h
            .next_change(at("Europe/Madrid", "2027-03-27T20:00"))
            .unwrap();
        assert_eq!(next.at, after);
        // A range opening inside the skipped hour opens at the moment after the gap.
        let night = hours("Europe/Madrid", "sun 02:30-05:00", &[]);
        let opens = night
            .next_change(at("Europe/Madrid", "2027-03-27T12:00"))
            .unwrap();
        assert_eq!(opens.at, at("Europe/Madrid", "2027-03-28T03:00"));
    }

    #[test]
    fn a_closed_night_is_one_period_and_the_next_night_another() {
        let h = hours("America/La_Paz", "mon-fri 09:00-18:00", &[]);
        let monday_evening = at("America/La_Paz", "2026-12-07T19:00");
        let monday_night = at("America/La_Paz", "2026-12-07T23:30");
        let tuesday_evening = at("America/La_Paz", "2026-12-08T19:00");
        assert_eq!(
            h.closed_period(monday_evening),
            h.closed_period(monday_night)
        );
        assert_ne!(
            h.closed_period(monday_evening),
            h.closed_period(tuesday_evening)
        );
        assert_eq!(
            h.closed_period(at("America/La_Paz", "2026-12-08T10:00")),
            None
        );
        let never = hours("America/La_Paz", "mon 09:00-10:00", &[]);
        let mut all_mondays = BTreeSet::new();
        let mut d = parse_date("2026-12-07").unwrap();
        for _ in 0..60 {
            all_mondays.insert(d);
            d = d.checked_add(jiff::Span::new().days(7)).unwrap();
        }
        let closed = Hours::new("America/La_Paz", never.week, all_mondays).unwrap();
        assert_eq!(closed.next_change(monday_evening), None);
        assert_eq!(closed.closed_period(monday_evening), Some(i64::MAX));
    }
}
