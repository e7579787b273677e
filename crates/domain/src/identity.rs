//! Who a customer is. Meta names a customer by phone number (`wa_id`), by business-scoped user id
//! (BSUID, `US.1349…`), or both; either can change (`user_changed_number`,
//! `user_changed_user_id`). These rules keep one person one contact: they pair the two ids when
//! Meta gives them together, fold two contacts into one when a pairing shows they are the same
//! person, and move a contact to its new id when it changes.

use super::{Bsuid, WaId};
use serde_json::Value;

/// The two ids a contact may be known by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    pub wa_id: Option<WaId>,
    pub user_id: Option<Bsuid>,
}

impl Ids {
    /// `+591…` when the phone number is known, else the BSUID, else nothing.
    pub fn shown(&self) -> String {
        match (&self.wa_id, &self.user_id) {
            (Some(w), _) => format!("+{w}"),
            (None, Some(u)) => u.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// A contact found by one of the ids a message or status names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub id: i64,
    pub ids: Ids,
    /// Found by an id it had before a change (a late message from the old number): it is the
    /// right contact for that message, but that old id must not be paired with it again.
    pub former: bool,
}

/// What a sighting of the customer (a message, an echo, a status) means for the contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pairing {
    /// No contact here holds either id.
    Unknown,
    /// This contact; `fill` holds the ids it lacks that the sighting gives.
    Contact { id: i64, fill: Ids },
    /// The sighting pairs the phone number of one contact with the BSUID of another: they are
    /// one person. `loser` is folded into `survivor` (the older contact), which then holds `ids`.
    Merge { survivor: i64, loser: i64, ids: Ids },
}

/// Decides who a sighting naming `seen` is, given the contact holding its `wa_id` and the one
/// holding its BSUID. An id a contact already holds is never overwritten here (only a change
/// message does that): a mismatch keeps the contacts apart, and the BSUID match wins, as it is
/// the id Meta keys users by.
pub fn pair(seen: &Ids, by_wa: Option<&Known>, by_user: Option<&Known>) -> Pairing {
    match (by_wa, by_user) {
        (None, None) => Pairing::Unknown,
        (Some(a), Some(b)) if a.id == b.id => Pairing::Contact {
            id: a.id,
            fill: Ids::default(),
        },
        (Some(a), Some(b)) => {
            let compatible = !a.former
                && !b.former
                && (a.ids.user_id.is_none() || a.ids.user_id == seen.user_id)
                && (b.ids.wa_id.is_none() || b.ids.wa_id == seen.wa_id);
            if compatible {
                let (survivor, loser) = (a.id.min(b.id), a.id.max(b.id));
                Pairing::Merge {
                    survivor,
                    loser,
                    ids: seen.clone(),
                }
            } else {
                Pairing::Contact {
                    id: b.id,
                    fill: Ids::default(),
                }
            }
        }
        (Some(k), None) | (None, Some(k)) => {
            let fill = if k.former {
                Ids::default()
            } else {
                Ids {
                    wa_id: seen.wa_id.clone().filter(|_| k.ids.wa_id.is_none()),
                    user_id: seen.user_id.clone().filter(|_| k.ids.user_id.is_none()),
                }
            };
            Pairing::Contact { id: k.id, fill }
        }
    }
}

/// Which id a `system` message says changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// `user_changed_number`: a new phone number (and with it a new BSUID).
    Number,
    /// `user_changed_user_id`: a new BSUID, the phone number unchanged or hidden.
    UserId,
}

/// A customer's change of id, as a `system` message reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityChange {
    pub kind: ChangeKind,
    pub new_wa_id: Option<WaId>,
    pub new_user_id: Option<Bsuid>,
    /// The BSUID before the change, when Meta names it: the contact that holds it is the one
    /// that changes, whoever the message seems to come from.
    pub previous_user_id: Option<Bsuid>,
}

/// Reads a change of id from a message's `system` object. Ids not of the shape Meta gives are
/// refused (the message is still stored and shown, nothing moves): a contact is never moved to
/// an id that cannot be one.
pub fn identity_change(system: &Value) -> Option<IdentityChange> {
    let field = |k: &str| {
        system
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let user_id = |k: &str| field(k).filter(|u| is_user_id(u)).map(Bsuid::from);
    let new_user_id = user_id("user_id");
    let previous_user_id = user_id("previous_user_id");
    match field("type")? {
        "user_changed_number" => Some(IdentityChange {
            kind: ChangeKind::Number,
            new_wa_id: Some(WaId::from(field("wa_id").filter(|w| is_wa_id(w))?)),
            new_user_id,
            previous_user_id,
        }),
        "user_changed_user_id" => Some(IdentityChange {
            kind: ChangeKind::UserId,
            new_wa_id: None,
            new_user_id: Some(new_user_id?),
            previous_user_id,
        }),
        _ => None,
    }
}

/// The ids a contact holds after `change`. `on_new` are the ids of another contact already
/// holding the new id (the customer wrote from the new number first), folded into this one. A
/// new phone number regenerates the BSUID (Meta), so the old one is not kept beside it.
pub fn after_change(current: &Ids, on_new: Option<&Ids>, change: &IdentityChange) -> Ids {
    match change.kind {
        ChangeKind::Number => Ids {
            wa_id: change.new_wa_id.clone(),
            user_id: change
                .new_user_id
                .clone()
                .or_else(|| on_new.and_then(|n| n.user_id.clone())),
        },
        ChangeKind::UserId => Ids {
            wa_id: current
                .wa_id
                .clone()
                .or_else(|| on_new.and_then(|n| n.wa_id.clone())),
            user_id: change.new_user_id.clone(),
        },
    }
}

/// A phone number as Meta writes a `wa_id`: digits only, of a plausible length.
pub fn is_wa_id(s: &str) -> bool {
    (5..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// A BSUID: a country code, a dot, then letters and digits (`US.1349…`, `US.ENT.1181…`).
pub fn is_user_id(s: &str) -> bool {
    (4..=200).contains(&s.len())
        && s.contains('.')
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// The state of two conversations folded into one: the one that asks more of the team.
pub fn merged_state<'a>(a: &'a str, b: &'a str) -> &'a str {
    let rank = |s: &str| match s {
        "open" => 3,
        "pending" => 2,
        "snoozed" => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(wa: Option<&str>, user: Option<&str>) -> Ids {
        Ids {
            wa_id: wa.map(WaId::from),
            user_id: user.map(Bsuid::from),
        }
    }

    fn known(id: i64, wa: Option<&str>, user: Option<&str>) -> Known {
        Known {
            id,
            ids: ids(wa, user),
            former: false,
        }
    }

    #[test]
    fn a_sighting_nobody_holds_is_unknown() {
        assert_eq!(
            pair(&ids(Some("59171000001"), None), None, None),
            Pairing::Unknown
        );
    }

    #[test]
    fn a_phone_contact_learns_its_bsuid_from_a_pairing() {
        let seen = ids(Some("59171000001"), Some("BO.77"));
        let a = known(4, Some("59171000001"), None);
        assert_eq!(
            pair(&seen, Some(&a), None),
            Pairing::Contact {
                id: 4,
                fill: ids(None, Some("BO.77"))
            }
        );
    }

    #[test]
    fn a_bsuid_contact_learns_its_phone_from_a_pairing() {
        let seen = ids(Some("59171000001"), Some("BO.77"));
        let b = known(9, None, Some("BO.77"));
        assert_eq!(
            pair(&seen, None, Some(&b)),
            Pairing::Contact {
                id: 9,
                fill: ids(Some("59171000001"), None)
            }
        );
    }

    #[test]
    fn two_contacts_of_one_person_merge_into_the_older() {
        let seen = ids(Some("59171000001"), Some("BO.77"));
        let by_phone = known(12, Some("59171000001"), None);
        let by_bsuid = known(5, None, Some("BO.77"));
        assert_eq!(
            pair(&seen, Some(&by_phone), Some(&by_bsuid)),
            Pairing::Merge {
                survivor: 5,
                loser: 12,
                ids: seen.clone()
            }
        );
    }

    #[test]
    fn a_contact_found_by_both_ids_is_left_alone() {
        let seen = ids(Some("59171000001"), Some("BO.77"));
        let k = known(3, Some("59171000001"), Some("BO.77"));
        assert_eq!(
            pair(&seen, Some(&k), Some(&k)),
            Pairing::Contact {
                id: 3,
                fill: Ids::default()
            }
        );
    }

    #[test]
    fn an_id_already_held_is_never_overwritten_and_the_bsuid_wins() {
        let seen = ids(Some("59171000001"), Some("BO.77"));
        // The phone's contact has another BSUID: not the same person as far as we know.
        let by_phone = known(2, Some("59171000001"), Some("BO.11"));
        let by_bsuid = known(8, None, Some("BO.77"));
        assert_eq!(
            pair(&seen, Some(&by_phone), Some(&by_bsuid)),
            Pairing::Contact {
                id: 8,
                fill: Ids::default()
            }
        );
        assert_eq!(
            pair(&seen, Some(&by_phone), None),
            Pairing::Contact {
                id: 2,
                fill: Ids::default()
            }
        );
    }

    #[test]
    fn a_contact_found_by_a_former_id_takes_the_message_but_not_the_old_ids() {
        let seen = ids(Some("59171000001"), Some("BO.OLD"));
        let moved = Known {
            id: 7,
            ids: ids(Some("59172000002"), None),
            former: true,
        };
        assert_eq!(
            pair(&seen, Some(&moved), None),
            Pairing::Contact {
                id: 7,
                fill: Ids::default()
            }
        );
        let other = known(9, None, Some("BO.OLD"));
        assert_eq!(
            pair(&seen, Some(&moved), Some(&other)),
            Pairing::Contact {
                id: 9,
                fill: Ids::default()
            }
        );
    }

    #[test]
    fn a_changed_number_is_read_from_the_system_object() {
        let change = identity_change(&json!({
            "body": "User A changed from 59171000001 to 59172000002",
            "wa_id": "59172000002",
            "type": "user_changed_number"
        }))
        .unwrap();
        assert_eq!(change.kind, ChangeKind::Number);
        assert_eq!(change.new_wa_id, Some(WaId::from("59172000002")));
        assert_eq!(change.new_user_id, None);
    }

    #[test]
    fn a_changed_user_id_is_read_from_the_system_object() {
        let change = identity_change(&json!({
            "body": "User A changed their user id",
            "user_id": "BO.2222",
            "previous_user_id": "BO.1111",
            "type": "user_changed_user_id"
        }))
        .unwrap();
        assert_eq!(change.kind, ChangeKind::UserId);
        assert_eq!(change.new_user_id, Some(Bsuid::from("BO.2222")));
        assert_eq!(change.previous_user_id, Some(Bsuid::from("BO.1111")));
    }

    #[test]
    fn a_change_to_an_id_of_the_wrong_shape_moves_nothing() {
        for system in [
            json!({"type":"user_changed_number","wa_id":"../../x"}),
            json!({"type":"user_changed_number","wa_id":""}),
            json!({"type":"user_changed_number"}),
            json!({"type":"user_changed_user_id","user_id":"no dot here"}),
            json!({"type":"customer_identity_changed","body":"User identity changed"}),
        ] {
            assert_eq!(identity_change(&system), None, "{system}");
        }
    }

    #[test]
    fn a_new_number_drops_the_old_bsuid_unless_meta_names_the_new_one() {
        let current = ids(Some("59171000001"), Some("BO.OLD"));
        let mut change =
            identity_change(&json!({"type":"user_changed_number","wa_id":"59172000002"})).unwrap();
        assert_eq!(
            after_change(&current, None, &change),
            ids(Some("59172000002"), None)
        );
        let on_new = ids(Some("59172000002"), Some("BO.NEW"));
        assert_eq!(
            after_change(&current, Some(&on_new), &change),
            ids(Some("59172000002"), Some("BO.NEW"))
        );
        change.new_user_id = Some(Bsuid::from("BO.META"));
        assert_eq!(
            after_change(&current, Some(&on_new), &change),
            ids(Some("59172000002"), Some("BO.META"))
        );
    }

    #[test]
    fn a_new_user_id_keeps_the_phone_number() {
        let current = ids(Some("59171000001"), Some("BO.OLD"));
        let change =
            identity_change(&json!({"type":"user_changed_user_id","user_id":"BO.NEW"})).unwrap();
        assert_eq!(
            after_change(&current, None, &change),
            ids(Some("59171000001"), Some("BO.NEW"))
        );
    }

    #[test]
    fn ids_are_told_by_shape() {
        assert!(is_wa_id("59171000001"));
        assert!(!is_wa_id("+59171000001"));
        assert!(is_user_id("US.13491208655302741918"));
        assert!(is_user_id("US.ENT.40277153908164412096"));
        assert!(!is_user_id("US 1349"));
        assert!(!is_user_id("59171000001"));
    }

    #[test]
    fn a_merged_conversation_keeps_the_state_that_asks_more() {
        assert_eq!(merged_state("closed", "open"), "open");
        assert_eq!(merged_state("pending", "snoozed"), "pending");
        assert_eq!(merged_state("closed", "closed"), "closed");
    }
}
