//! Answering a given message: quoting it in a reply (`context.message_id`) or reacting to it
//! with an emoji. What may be quoted or reacted to, and what counts as one emoji.

/// The wamid of a queued message before Meta gives it its own: such a message cannot be quoted.
pub const PLACEHOLDER_PREFIX: &str = "wabox.outbox.";

/// Meta keeps a message quotable and reactable for 30 days; after that a reply shows without its
/// quote and a reaction fails (131009).
pub const ANSWERABLE_SECONDS: i64 = 30 * 24 * 3600;

/// A stored message someone wants to quote or react to.
#[derive(Debug, Clone, PartialEq)]
pub struct Target<'a> {
    pub id: i64,
    pub conversation_id: i64,
    pub wamid: &'a str,
    /// `in` (the customer's) or `out` (ours).
    pub direction: &'a str,
    /// The stored type: `reaction` is one of our own reactions (not a message of the timeline).
    pub kind: &'a str,
    pub status: Option<&'a str>,
    pub revoked: bool,
    /// Unix seconds.
    pub at: i64,
}

/// Why a message cannot be quoted or reacted to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "message {message} belongs to conversation {theirs}, not to conversation {asked}: answer it in its own conversation"
    )]
    OtherConversation {
        message: i64,
        theirs: i64,
        asked: i64,
    },
    #[error(
        "message {0} has not reached WhatsApp yet ({1}), so it has no WhatsApp id to point at: wait until it is sent"
    )]
    NotSent(i64, String),
    #[error("message {0} is a reaction: a reaction cannot be quoted or reacted to")]
    Reaction(i64),
    #[error("message {0} is a call, not a message: a call cannot be quoted or reacted to")]
    Call(i64),
    #[error("message {0} was deleted by the customer: WhatsApp no longer shows it")]
    Deleted(i64),
    #[error("message {0} is ours: WhatsApp lets a business react only to the customer's messages")]
    Ours(i64),
    #[error("message {0} is more than 30 days old: WhatsApp no longer accepts a reaction to it")]
    TooOld(i64),
}

/// The wamid a reply in `conversation_id` may quote, or why it may not. A quoted message older
/// than 30 days is still allowed (Meta then shows the reply without its quote): see
/// `quote_warning`.
pub fn quotable<'a>(target: &Target<'a>, conversation_id: i64) -> Result<&'a str, Refusal> {
    if target.conversation_id != conversation_id {
        return Err(Refusal::OtherConversation {
            message: target.id,
            theirs: target.conversation_id,
            asked: conversation_id,
        });
    }
    if target.kind == "reaction" {
        return Err(Refusal::Reaction(target.id));
    }
    // A call's line is keyed by its call id (`wacid.…`), which Meta does not take as a message.
    if target.kind == "call" {
        return Err(Refusal::Call(target.id));
    }
    if target.wamid.starts_with(PLACEHOLDER_PREFIX) {
        let state = target.status.unwrap_or("queued").to_string();
        return Err(Refusal::NotSent(target.id, state));
    }
    if target.revoked {
        return Err(Refusal::Deleted(target.id));
    }
    Ok(target.wamid)
}

/// What to tell the agent about a quote WhatsApp will not show, if anything.
pub fn quote_warning(target: &Target<'_>, now: i64) -> Option<String> {
    (now - target.at > ANSWERABLE_SECONDS).then(|| {
        format!(
            "message {} is more than 30 days old: WhatsApp delivers the reply but may show it without the quote",
            target.id
        )
    })
}

/// The wamid a reaction may point at, or why not: a customer's message of the last 30 days,
/// not deleted (Meta fails any other with 131009).
pub fn reactable<'a>(target: &Target<'a>, now: i64) -> Result<&'a str, Refusal> {
    let wamid = quotable(target, target.conversation_id)?;
    if target.direction != "in" {
        return Err(Refusal::Ours(target.id));
    }
    if now - target.at > ANSWERABLE_SECONDS {
        return Err(Refusal::TooOld(target.id));
    }
    Ok(wamid)
}

/// Why a reaction's emoji was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmojiRefusal {
    #[error("no emoji given: give one (such as 👍) or remove the reaction")]
    Empty,
    #[error("{0:?} is not one emoji: a reaction is a single emoji, such as 👍 or ❤️")]
    NotOneEmoji(String),
}

/// The emoji of a reaction, in its fully qualified form (`❤` becomes `❤️`): exactly one emoji,
/// skin tones, flags and keycaps included; text, or two emoji, are refused.
pub fn one_emoji(text: &str) -> Result<&'static str, EmojiRefusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(EmojiRefusal::Empty);
    }
    emojis::get(text)
        .map(|e| e.as_str())
        .ok_or_else(|| EmojiRefusal::NotOneEmoji(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000;

    fn target(wamid: &str) -> Target<'_> {
        Target {
            id: 7,
            conversation_id: 3,
            wamid,
            direction: "in",
            kind: "text",
            status: None,
            revoked: false,
            at: NOW - 60,
        }
    }

    #[test]
    fn a_message_of_the_conversation_with_a_wamid_may_be_quoted() {
        assert_eq!(quotable(&target("wamid.A"), 3), Ok("wamid.A"));
        let ours = Target {
            direction: "out",
            status: Some("delivered"),
            ..target("wamid.B")
        };
        assert_eq!(
            quotable(&ours, 3),
            Ok("wamid.B"),
            "our own sent messages too"
        );
    }

    #[test]
    fn a_message_of_another_conversation_is_refused_naming_both() {
        let err = quotable(&target("wamid.A"), 4).unwrap_err();
        assert_eq!(
            err,
            Refusal::OtherConversation {
                message: 7,
                theirs: 3,
                asked: 4
            }
        );
        assert!(err.to_string().contains("conversation 3"), "{err}");
    }

    #[test]
    fn an_unsent_message_has_no_wamid_to_quote() {
        let queued = Target {
            direction: "out",
            status: Some("failed"),
            ..target("wabox.outbox.00ff")
        };
        let err = quotable(&queued, 3).unwrap_err();
        assert_eq!(err, Refusal::NotSent(7, "failed".into()));
        assert!(err.to_string().contains("wait until it is sent"), "{err}");
    }

    #[test]
    fn a_call_line_is_neither_quoted_nor_reacted_to() {
        let call = Target {
            kind: "call",
            direction: "in",
            ..target("wacid.ABC")
        };
        assert_eq!(quotable(&call, 3), Err(Refusal::Call(7)));
        assert_eq!(reactable(&call, NOW), Err(Refusal::Call(7)));
    }

    #[test]
    fn reactions_and_deleted_messages_are_not_quoted() {
        let reaction = Target {
            kind: "reaction",
            ..target("wamid.R")
        };
        assert_eq!(quotable(&reaction, 3), Err(Refusal::Reaction(7)));
        let deleted = Target {
            revoked: true,
            ..target("wamid.D")
        };
        assert_eq!(quotable(&deleted, 3), Err(Refusal::Deleted(7)));
    }

    #[test]
    fn an_old_quote_goes_with_a_warning() {
        assert_eq!(quote_warning(&target("wamid.A"), NOW), None);
        let old = Target {
            at: NOW - ANSWERABLE_SECONDS - 1,
            ..target("wamid.A")
        };
        assert!(quotable(&old, 3).is_ok());
        assert!(quote_warning(&old, NOW).unwrap().contains("30 days"));
    }

    #[test]
    fn only_a_recent_customer_message_takes_a_reaction() {
        assert_eq!(reactable(&target("wamid.A"), NOW), Ok("wamid.A"));
        let ours = Target {
            direction: "out",
            ..target("wamid.B")
        };
        assert_eq!(reactable(&ours, NOW), Err(Refusal::Ours(7)));
        let old = Target {
            at: NOW - ANSWERABLE_SECONDS - 1,
            ..target("wamid.A")
        };
        assert_eq!(reactable(&old, NOW), Err(Refusal::TooOld(7)));
        let unsent = target("wabox.outbox.1");
        assert!(matches!(reactable(&unsent, NOW), Err(Refusal::NotSent(..))));
    }

    #[test]
    fn one_emoji_is_accepted_in_its_full_form() {
        assert_eq!(one_emoji("👍"), Ok("👍"));
        assert_eq!(one_emoji(" 😂 "), Ok("😂"));
        assert_eq!(one_emoji("❤"), Ok("❤️"), "the text form is qualified");
        assert_eq!(one_emoji("👍🏽"), Ok("👍🏽"), "a skin tone");
        assert_eq!(one_emoji("🇧🇴"), Ok("🇧🇴"), "a flag");
        assert_eq!(one_emoji("👩‍💻"), Ok("👩‍💻"), "a ZWJ sequence");
    }

    #[test]
    fn text_or_two_emoji_are_not_a_reaction() {
        assert_eq!(one_emoji(""), Err(EmojiRefusal::Empty));
        assert_eq!(one_emoji("  "), Err(EmojiRefusal::Empty));
        for bad in ["ok", "👍👍", "👍 thanks", ":thumbsup:", "a", "1"] {
            assert_eq!(
                one_emoji(bad),
                Err(EmojiRefusal::NotOneEmoji(bad.to_string())),
                "{bad}"
            );
        }
    }
}
