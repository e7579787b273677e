//! The ranges numeric settings must lie in.

use super::file::ConfigFile;

/// `[journal] keep_days`, unless 0 (keep every delivery).
const MIN_KEEP_DAYS: u32 = 7;
const MAX_KEEP_DAYS: u32 = 36_500;

/// A numeric setting's allowed range, with its unit for the error message.
struct Range {
    key: &'static str,
    value: f64,
    min: f64,
    max: f64,
    unit: &'static str,
}

impl Range {
    /// `None` when the value lies in the range (NaN and infinities never do).
    fn refusal(&self) -> Option<String> {
        let Range {
            key,
            value,
            min,
            max,
            unit,
        } = self;
        (!(value >= min && value <= max)).then(|| {
            format!("{key} = {value} is out of range: it must be from {min} to {max} {unit}")
        })
    }
}

impl ConfigFile {
    /// Every numeric setting has a range, checked here so that nothing downstream meets a rate of
    /// zero (a send that would wait for ever) or a timeout of a million years.
    pub(crate) fn check_ranges(&self) -> Result<(), String> {
        let o = &self.outbox;
        let ranges = [
            Range {
                key: "[outbox] rate_per_second",
                value: o.rate_per_second,
                min: 0.1,
                max: 1000.0,
                unit: "messages per second",
            },
            Range {
                key: "[outbox] coexistence_rate_per_second",
                value: o.coexistence_rate_per_second,
                min: 0.1,
                max: 1000.0,
                unit: "messages per second",
            },
            Range {
                key: "[outbox] customer_burst",
                value: f64::from(o.customer_burst),
                min: 1.0,
                max: 100.0,
                unit: "messages",
            },
            Range {
                key: "[outbox] customer_interval_seconds",
                value: o.customer_interval_seconds,
                min: 0.0,
                max: 3600.0,
                unit: "seconds",
            },
            Range {
                key: "[outbox] request_timeout_seconds",
                value: o.request_timeout_seconds as f64,
                min: 1.0,
                max: 600.0,
                unit: "seconds",
            },
            Range {
                key: "[media] keep_days",
                value: f64::from(self.media.keep_days),
                min: 0.0,
                max: f64::from(MAX_KEEP_DAYS),
                unit: "days (0 keeps every file)",
            },
            Range {
                key: "[media] max_bytes",
                value: self.media.max_bytes as f64,
                min: 1024.0,
                max: 2_147_483_648.0,
                unit: "bytes",
            },
        ];
        if let Some(message) = ranges.iter().find_map(Range::refusal) {
            return Err(message);
        }
        // Meta retries a delivery for up to seven days, and the journal knows a retry by its
        // body: kept for less, a retry of a pruned delivery would be journaled again.
        let keep = self.journal.keep_days;
        if keep != 0 && !(MIN_KEEP_DAYS..=MAX_KEEP_DAYS).contains(&keep) {
            return Err(format!(
                "[journal] keep_days = {keep} is out of range: it must be from {MIN_KEEP_DAYS} to \
                 {MAX_KEEP_DAYS} days (Meta retries a delivery for up to 7), or 0 to keep every one"
            ));
        }
        Ok(())
    }
}
