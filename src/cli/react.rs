//! `wabox react MESSAGE EMOJI` and `wabox react MESSAGE --remove`: our reaction to a customer's
//! message, queued in the outbox like any send.

use crate::protocol::Request;
use crate::protocol::views::MessageRef;
use clap::Args;

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["emoji", "remove"])))]
// clap puts a required group first in the usage line; the arguments go message first.
#[command(override_usage = "wabox react [OPTIONS] <MESSAGE_ID> <EMOJI|--remove>")]
pub struct ReactArgs {
    /// The customer's message: wabox's id (as `messages --json` shows it) or its wamid.
    #[arg(value_name = "MESSAGE_ID")]
    pub message: String,
    /// One emoji, such as 👍 (only while the customer's 24-hour window is open).
    #[arg(value_parser = an_emoji)]
    pub emoji: Option<String>,
    /// Remove our reaction instead.
    #[arg(long)]
    pub remove: bool,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

/// An empty one would be Meta's way of removing the reaction: that is `--remove`, said.
fn an_emoji(text: &str) -> Result<String, String> {
    match text.trim() {
        "" => Err("an empty reaction: give an emoji, or --remove to take ours back".into()),
        emoji => Ok(emoji.to_owned()),
    }
}

impl ReactArgs {
    pub fn request(self) -> (Request, bool) {
        let emoji = if self.remove {
            String::new()
        } else {
            self.emoji.unwrap_or_default()
        };
        (
            Request::React {
                message: MessageRef::parse(&self.message),
                emoji,
            },
            self.json,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(message: &str, emoji: Option<&str>, remove: bool) -> ReactArgs {
        ReactArgs {
            message: message.into(),
            emoji: emoji.map(str::to_string),
            remove,
            json: false,
        }
    }

    #[test]
    fn a_number_is_wabox_id_and_anything_else_a_wamid() {
        let (r, _) = args("42", Some("👍"), false).request();
        assert_eq!(
            r,
            Request::React {
                message: MessageRef::Id(42),
                emoji: "👍".into()
            }
        );
        let (r, _) = args("wamid.HBgX", None, true).request();
        assert_eq!(
            r,
            Request::React {
                message: MessageRef::Wamid("wamid.HBgX".into()),
                emoji: String::new()
            }
        );
    }

    #[test]
    fn an_empty_reaction_is_refused_and_the_usage_names_the_message_first() {
        assert!(an_emoji(" ").is_err());
        assert_eq!(an_emoji("👍").unwrap(), "👍");
        use clap::CommandFactory;
        let mut cli = crate::cli::Cli::command();
        let react = cli.find_subcommand_mut("react").unwrap();
        let usage = react.render_usage().to_string();
        assert!(usage.contains("<MESSAGE_ID> <EMOJI|--remove>"), "{usage}");
    }
}
