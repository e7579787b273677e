//! WhatsApp groups (Meta's Groups API): a group is its own conversation, one per business
//! number and group id, whatever participant writes; and the rule of its service window.

/// Whose service window a customer's message opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowOpened {
    /// A one-to-one message: the window between the business and that customer.
    Customer,
    /// A message in a group: Meta opens (or refreshes) one window between the business and the
    /// whole group when any participant writes; the participant's own one-to-one window is not
    /// touched ("Groups API pricing: how customer service windows work with Groups API").
    Group,
    /// Nothing the customer wrote to us (a reaction, an edit, a notice): no window moves.
    None,
}

/// The rule: `opens` is whether the content would open a window at all
/// (`MessageContent::opens_window`), `in_group` whether the message carries a `group_id`.
pub fn window_opened(opens: bool, in_group: bool) -> WindowOpened {
    match (opens, in_group) {
        (false, _) => WindowOpened::None,
        (true, true) => WindowOpened::Group,
        (true, false) => WindowOpened::Customer,
    }
}

/// The contact row a group is filed under: contacts need a wa_id or a user id, and a group has
/// neither, so its id is kept under a prefix no wa_id (digits) or BSUID (`CC.…`) can carry.
pub fn contact_key(group_id: &str) -> String {
    format!("{GROUP_KEY_PREFIX}{group_id}")
}

pub const GROUP_KEY_PREFIX: &str = "group:";

/// A group id Meta may have sent: printable ASCII without spaces, of a sane length (Meta's are
/// base64-like, e.g. `Y2FwaV9ncm91cDox…`). Anything else is not filed as a group.
pub fn plausible_group_id(id: &str) -> bool {
    (1..=256).contains(&id.len()) && id.chars().all(|c| c.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_participant_opens_the_groups_window_not_their_own() {
        assert_eq!(window_opened(true, true), WindowOpened::Group);
        assert_eq!(window_opened(true, false), WindowOpened::Customer);
    }

    #[test]
    fn what_does_not_open_a_window_opens_none_in_a_group_either() {
        assert_eq!(window_opened(false, true), WindowOpened::None);
        assert_eq!(window_opened(false, false), WindowOpened::None);
    }

    #[test]
    fn group_keys_cannot_be_taken_for_a_customer() {
        let key = contact_key("Y2FwaV9ncm91cDox");
        assert!(key.starts_with(GROUP_KEY_PREFIX));
        assert!(!key.chars().all(|c| c.is_ascii_digit()));
        assert!(plausible_group_id(
            "HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA"
        ));
        assert!(!plausible_group_id("has space"));
        assert!(!plausible_group_id(""));
    }
}
