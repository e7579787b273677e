//! Whether a signup callback's `state` may attach a number: it must be one we handed out, not
//! used before, not revoked, and not past its time. The callback is the only door a stranger can
//! knock on, so each refusal is named (and logged) and none of them attaches anything.

/// How long a Meta login dialog's state stays good: long enough to log in and pick a number on a
/// phone, short enough that a leaked link is soon worthless.
pub const META_STATE_SECONDS: i64 = 30 * 60;

/// Kapso's setup links last 30 days.
pub const KAPSO_LINK_SECONDS: i64 = 30 * 24 * 3600;

/// What the store knows of the signup a state names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRecord {
    pub used_at: Option<i64>,
    pub expires_at: i64,
    pub revoked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateRefusal {
    /// No signup has this state: forged, mistyped, or from another installation.
    Unknown,
    /// Already came back once: a replayed or shared callback.
    Used,
    Revoked,
    Expired,
}

impl StateRefusal {
    pub fn explain(self) -> &'static str {
        match self {
            StateRefusal::Unknown => {
                "this link was not started here (its state is unknown): start the connection again from wabox"
            }
            StateRefusal::Used => {
                "this link was already used once: start a new connection from wabox"
            }
            StateRefusal::Revoked => {
                "this link was cancelled in wabox: ask the admin for a new one"
            }
            StateRefusal::Expired => "this link has expired: start the connection again from wabox",
        }
    }
}

/// The rule: `Ok` only for a known, unused, live state before its time.
pub fn admit(record: Option<StateRecord>, now: i64) -> Result<(), StateRefusal> {
    let r = record.ok_or(StateRefusal::Unknown)?;
    if r.used_at.is_some() {
        return Err(StateRefusal::Used);
    }
    if r.revoked {
        return Err(StateRefusal::Revoked);
    }
    if now >= r.expires_at {
        return Err(StateRefusal::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> StateRecord {
        StateRecord {
            used_at: None,
            expires_at: 1_000,
            revoked: false,
        }
    }

    #[test]
    fn a_known_unused_state_before_its_time_is_admitted() {
        assert_eq!(admit(Some(live()), 999), Ok(()));
    }

    #[test]
    fn an_unknown_state_is_refused() {
        assert_eq!(admit(None, 0), Err(StateRefusal::Unknown));
    }

    #[test]
    fn a_state_is_good_once() {
        let used = StateRecord {
            used_at: Some(5),
            ..live()
        };
        assert_eq!(admit(Some(used), 10), Err(StateRefusal::Used));
    }

    #[test]
    fn a_state_expires_at_its_second() {
        assert_eq!(admit(Some(live()), 1_000), Err(StateRefusal::Expired));
    }

    #[test]
    fn a_revoked_state_is_refused_even_in_time() {
        let r = StateRecord {
            revoked: true,
            ..live()
        };
        assert_eq!(admit(Some(r), 1), Err(StateRefusal::Revoked));
    }

    #[test]
    fn a_used_state_says_used_even_after_it_expired() {
        let r = StateRecord {
            used_at: Some(1),
            ..live()
        };
        assert_eq!(admit(Some(r), 5_000), Err(StateRefusal::Used));
    }
}
