//! What `wabox sync` did (or, in a dry run, would do) to the numbers, in sentences and one
//! aligned list.

use super::output::say;
use crate::protocol::admin::SyncReport;

/// "Added 1 number, updated 2 and left 3 unchanged." / "Would add 1 number …".
pub fn summary(r: &SyncReport) -> String {
    let dry = r.dry_run;
    let verb = |now: &'static str, then: &'static str| if dry { now } else { then };
    let numbers = |n: usize| format!("{n} {}", if n == 1 { "number" } else { "numbers" });
    let mut parts: Vec<String> = Vec::new();
    for (n, now, then) in [
        (r.added.len(), "add", "added"),
        (r.updated.len(), "update", "updated"),
        (
            r.corrected.len(),
            "correct the id of",
            "corrected the id of",
        ),
    ] {
        if n > 0 {
            // The noun goes once, with the first count.
            let count = if parts.is_empty() {
                numbers(n)
            } else {
                n.to_string()
            };
            parts.push(format!("{} {count}", verb(now, then)));
        }
    }
    if r.unchanged > 0 {
        let count = if parts.is_empty() {
            numbers(r.unchanged)
        } else {
            r.unchanged.to_string()
        };
        parts.push(format!("{} {count} unchanged", verb("leave", "left")));
    }
    let text = match parts.len() {
        0 => return "The file has no numbers.".into(),
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{} and {last}", parts.join(", "))
        }
    };
    if dry {
        return format!("Would {text}; nothing was changed (dry run).");
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => text,
    }
}

/// The summary, each number under what happens to it, then what needs an admin.
pub fn print(r: &SyncReport) {
    say!("{}", summary(r));
    let dry = r.dry_run;
    let queue_label = r.queue.as_ref().map(|q| {
        if dry {
            format!("to queue {q}")
        } else {
            format!("queue {q}")
        }
    });
    let mut rows: Vec<(String, &String)> = Vec::new();
    let label = |now: &str, then: &str| {
        if dry {
            now.to_string()
        } else {
            then.to_string()
        }
    };
    rows.extend(r.added.iter().map(|a| (label("to add", "added"), a)));
    rows.extend(r.updated.iter().map(|u| (label("to update", "updated"), u)));
    rows.extend(
        r.corrected
            .iter()
            .map(|c| (label("to correct", "corrected"), c)),
    );
    rows.extend(r.inactive.iter().map(|i| ("inactive".to_string(), i)));
    if let Some(q) = &queue_label {
        rows.extend(r.assigned.iter().map(|a| (q.clone(), a)));
    }
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    for (l, what) in &rows {
        say!("  {l:<width$}  {what}");
    }
    for w in &r.warnings {
        say!("warning: {w}");
    }
    for o in &r.without_queue {
        say!(
            "warning: +{} ({}) has no queue, so {} no agent: `wabox queues assign {} QUEUE`",
            o.display_phone,
            o.phone_number_id,
            match o.conversations {
                0 => "its conversations will reach".to_string(),
                1 => "its 1 conversation reaches".to_string(),
                n => format!("its {n} conversations reach"),
            },
            o.phone_number_id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(added: usize, updated: usize, unchanged: usize, dry_run: bool) -> SyncReport {
        SyncReport {
            dry_run,
            added: vec!["+1 (1)".into(); added],
            updated: vec!["+2 (2)".into(); updated],
            unchanged,
            ..SyncReport::default()
        }
    }

    #[test]
    fn the_summary_is_a_sentence() {
        assert_eq!(
            summary(&report(1, 2, 3, false)),
            "Added 1 number, updated 2 and left 3 unchanged."
        );
        assert_eq!(summary(&report(2, 0, 0, false)), "Added 2 numbers.");
        assert_eq!(
            summary(&report(0, 0, 2, false)),
            "Left 2 numbers unchanged."
        );
        assert_eq!(
            summary(&report(1, 0, 1, true)),
            "Would add 1 number and leave 1 unchanged; nothing was changed (dry run)."
        );
        assert_eq!(summary(&report(0, 0, 0, false)), "The file has no numbers.");
    }
}
