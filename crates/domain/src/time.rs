//! Times are unix seconds inside wabox and RFC 3339 at its edges: UTC for programs (`--json`,
//! the wire), the reader's own zone with its offset for people (tables).

use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats unix seconds as RFC 3339 in UTC (`2026-07-01T10:02:03Z`).
pub fn rfc3339(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix_seconds.to_string())
}

/// Formats unix seconds as RFC 3339 in `zone`, with its offset at that moment
/// (`2026-07-01T06:02:03-04:00`; in UTC, `…Z` as `rfc3339`): what a table shows people, who
/// read their own clock. `--json` keeps UTC, which scripts compare as text.
pub fn rfc3339_in(unix_seconds: i64, zone: &jiff::tz::TimeZone) -> String {
    let offset = jiff::Timestamp::from_second(unix_seconds)
        .map(|t| zone.to_offset(t).seconds())
        .unwrap_or(0);
    let offset = time::UtcOffset::from_whole_seconds(offset).unwrap_or(time::UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.to_offset(offset).format(&Rfc3339).ok())
        .unwrap_or_else(|| unix_seconds.to_string())
}

/// `rfc3339_in` this machine's zone (`TZ`).
pub fn rfc3339_here(unix_seconds: i64) -> String {
    rfc3339_in(unix_seconds, &jiff::tz::TimeZone::system())
}

/// Reads an RFC 3339 time (as `rfc3339` writes it) back into unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// `30m`, `2h`, `1d`, `1h30m`, `45s` in seconds; none for anything else (or zero).
pub fn parse_duration(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return None,
        };
        let n: i64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
    }
    (number.is_empty() && total > 0).then_some(total)
}

/// When `text` says, in `zone`, seen at `now` (Unix seconds): `HH:MM` is its next occurrence
/// (today, or tomorrow once past), `tomorrow` (or the Spanish inbox's `mañana`) is tomorrow
/// at 09:00, and `YYYY-MM-DD HH:MM` (or
/// `…THH:MM`) is that moment; a moment already past, or anything else, is refused with what
/// works.
pub fn parse_until(text: &str, zone: &jiff::tz::TimeZone, now: i64) -> Result<i64, String> {
    use jiff::civil::{DateTime, Time};
    let now = jiff::Timestamp::from_second(now)
        .map_err(|e| e.to_string())?
        .to_zoned(zone.clone());
    let said = text.trim();
    let next = |time: Time, days: i64| -> Result<i64, String> {
        let day = now
            .date()
            .checked_add(jiff::Span::new().days(days))
            .map_err(|e| e.to_string())?;
        let at = day
            .to_datetime(time)
            .to_zoned(zone.clone())
            .map_err(|e| e.to_string())?;
        Ok(at.timestamp().as_second())
    };
    // A date and time first: jiff reads the time of one as a `Time` too.
    let at = if ["tomorrow", "mañana", "manana"].contains(&said.to_lowercase().as_str()) {
        next(Time::constant(9, 0, 0, 0), 1)?
    } else if let Ok(moment) = said.replacen(' ', "T", 1).parse::<DateTime>() {
        moment
            .to_zoned(zone.clone())
            .map_err(|e| e.to_string())?
            .timestamp()
            .as_second()
    } else if let Ok(time) = said.parse::<Time>() {
        let today = next(time, 0)?;
        if today > now.timestamp().as_second() {
            today
        } else {
            next(time, 1)?
        }
    } else {
        return Err(format!(
            "{said:?} is not a time: try 17:30, tomorrow (09:00) or 2026-12-24 09:00"
        ));
    };
    if at <= now.timestamp().as_second() {
        return Err(format!("{said:?} has passed already"));
    }
    Ok(at)
}

/// `parse_until` in this machine's time zone (`TZ`, else the system's).
pub fn parse_until_here(text: &str, now: i64) -> Result<i64, String> {
    parse_until(text, &jiff::tz::TimeZone::system(), now)
}

/// How far the process's clock has been moved ahead of the system's, in milliseconds. Only
/// tests and the demo move it (an engine started with `WABOX_MOVABLE_CLOCK=1`), so that a
/// two-day sequence or a closing window is tested in milliseconds. Everything that asks the time
/// asks `now_unix`/`now_ms`, so the store, the window, the outbox and the scheduler agree.
static CLOCK_OFFSET_MS: AtomicI64 = AtomicI64::new(0);

/// Now, in unix seconds.
pub fn now_unix() -> i64 {
    now_ms().div_euclid(1000)
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    let system = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    system + CLOCK_OFFSET_MS.load(Ordering::Relaxed)
}

/// Moves this process's clock ahead (never back: times already stored must stay in the past).
/// Returns the new offset in seconds.
pub fn advance_clock(seconds: i64) -> i64 {
    let add = seconds.max(0).saturating_mul(1000);
    (CLOCK_OFFSET_MS.fetch_add(add, Ordering::Relaxed) + add) / 1000
}

/// Now by the system's clock, whatever this process's clock was moved by: a client adds the
/// engine's offset (`EngineInfo::clock_offset_seconds`) to it to have the engine's now.
pub fn system_now_unix() -> i64 {
    now_unix() - clock_offset()
}

/// How far this process's clock runs ahead of the system's, in seconds.
pub fn clock_offset() -> i64 {
    CLOCK_OFFSET_MS.load(Ordering::Relaxed) / 1000
}

/// A short human duration: `23h 12m`, `9m`, `3d`, `45s`.
pub fn short_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 2 * 86_400 {
        format!("{}d", s / 86_400)
    } else if s >= 3_600 {
        format!("{}h {}m", s / 3_600, (s % 3_600) / 60)
    } else if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snooze_until_a_time_is_its_next_occurrence_in_the_zone() {
        let zone = jiff::tz::TimeZone::get("America/La_Paz").unwrap(); // UTC-4, no DST
        let la_paz = |s: &str| {
            format!("{s}-04:00[America/La_Paz]")
                .parse::<jiff::Zoned>()
                .unwrap()
                .timestamp()
                .as_second()
        };
        let now = la_paz("2026-12-06T15:00:00");
        let at = |text: &str| parse_until(text, &zone, now);
        assert_eq!(at("17:30"), Ok(la_paz("2026-12-06T17:30:00")));
        assert_eq!(at("09:00"), Ok(la_paz("2026-12-07T09:00:00")), "past today");
        assert_eq!(at(" Tomorrow "), Ok(la_paz("2026-12-07T09:00:00")));
        assert_eq!(at("Mañana"), Ok(la_paz("2026-12-07T09:00:00")));
        assert_eq!(at("2026-12-09 08:15"), Ok(la_paz("2026-12-09T08:15:00")));
        assert_eq!(at("2026-12-31T23:59"), Ok(la_paz("2026-12-31T23:59:00")));
        assert!(at("2026-12-05 08:15").unwrap_err().contains("has passed"));
        assert!(at("soon").unwrap_err().contains("17:30, tomorrow"));
        assert!(at("25:00").is_err());
    }

    #[test]
    fn rfc3339_is_utc_with_z() {
        assert_eq!(rfc3339(1_782_900_123), "2026-07-01T10:02:03Z");
        assert_eq!(parse_rfc3339("2026-07-01T10:02:03Z"), Some(1_782_900_123));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn a_table_shows_the_readers_own_clock_with_its_offset() {
        let la_paz = jiff::tz::TimeZone::get("America/La_Paz").unwrap();
        assert_eq!(
            rfc3339_in(1_782_900_123, &la_paz),
            "2026-07-01T06:02:03-04:00"
        );
        let madrid = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
        assert_eq!(
            rfc3339_in(1_782_900_123, &madrid),
            "2026-07-01T12:02:03+02:00"
        );
        assert_eq!(
            rfc3339_in(1_798_761_600, &madrid),
            "2027-01-01T01:00:00+01:00"
        );
        assert_eq!(
            rfc3339_in(1_782_900_123, &jiff::tz::TimeZone::UTC),
            rfc3339(1_782_900_123)
        );
        let shown = rfc3339_in(1_782_900_123, &la_paz);
        assert_eq!(
            parse_rfc3339(&shown),
            Some(1_782_900_123),
            "the same moment"
        );
    }

    #[test]
    fn durations_are_read_as_people_write_them() {
        assert_eq!(parse_duration("30m"), Some(1_800));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("90"), None, "a unit is needed");
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("soon"), None);
    }

    #[test]
    fn short_durations_read_like_a_person_would_say_them() {
        assert_eq!(short_duration(23 * 3600 + 12 * 60 + 5), "23h 12m");
        assert_eq!(short_duration(9 * 60 + 59), "9m");
        assert_eq!(short_duration(3 * 86_400 + 10), "3d");
        assert_eq!(short_duration(-5), "0s");
    }
}
