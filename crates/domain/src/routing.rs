//! Who gets a new conversation in a queue that assigns automatically: the next agent, in name
//! order, after the one who got the last, among those with an inbox open. Pure, so the rule is
//! tested without an engine.

/// The agent after `last` among `available` (any order; ties broken by name), wrapping around.
/// None when nobody is available: the conversation waits unassigned in the queue.
pub fn next_agent<'a>(available: &[&'a str], last: Option<&str>) -> Option<&'a str> {
    let mut sorted: Vec<&'a str> = available.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let first = *sorted.first()?;
    Some(match last {
        Some(last) => sorted.iter().copied().find(|a| *a > last).unwrap_or(first),
        None => first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_go_round_in_name_order() {
        let online = ["carol", "alice", "bob"];
        assert_eq!(next_agent(&online, None), Some("alice"));
        assert_eq!(next_agent(&online, Some("alice")), Some("bob"));
        assert_eq!(next_agent(&online, Some("bob")), Some("carol"));
        assert_eq!(next_agent(&online, Some("carol")), Some("alice"));
    }

    #[test]
    fn someone_away_is_skipped_and_nobody_means_unassigned() {
        // bob got the last one and has since closed his inbox: carol is next.
        assert_eq!(next_agent(&["alice", "carol"], Some("bob")), Some("carol"));
        assert_eq!(next_agent(&[], Some("bob")), None);
    }
}
