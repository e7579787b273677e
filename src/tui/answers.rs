//! Answering the selected message from the inbox: a reply that quotes it (the composer shows
//! what it answers until it is sent or Esc cancels it), and our reaction to it, chosen in a small
//! emoji popup (a few common ones, or any emoji typed), or removed.

use super::app::{App, Effect, Focus, MessageRow, Popup, Tag};
use crate::domain::reply::{EmojiRefusal, Target, one_emoji, quotable, reactable};
use crate::protocol::Request;
use crate::protocol::views::MessageRef;
use crate::protocol::views::MessageView;

/// The emoji offered first, as WhatsApp does.
pub const COMMON_EMOJI: [&str; 6] = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

/// The message the composer's text will answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyDraft {
    pub conversation_id: i64,
    pub message_id: i64,
    /// Who wrote it: the contact's name, or "you".
    pub who: String,
    /// What it said (raw: the view makes it visible and short).
    pub text: String,
}

/// The emoji popup over a selected message.
#[derive(Debug, Clone, PartialEq)]
pub struct ReactionChoice {
    pub message_id: i64,
    /// Which of `COMMON_EMOJI` is under the cursor (when nothing is typed).
    pub selected: usize,
    /// Any emoji typed (or pasted): it wins over the common ones.
    pub typed: String,
}

impl ReactionChoice {
    pub fn new(message_id: i64) -> Self {
        ReactionChoice {
            message_id,
            selected: 0,
            typed: String::new(),
        }
    }

    /// The emoji Enter sends: the one typed if any, else the one under the cursor.
    pub fn chosen(&self) -> Result<&'static str, EmojiRefusal> {
        if self.typed.is_empty() {
            one_emoji(COMMON_EMOJI[self.selected.min(COMMON_EMOJI.len() - 1)])
        } else {
            one_emoji(&self.typed)
        }
    }
}

/// The rules' view of a message on screen.
fn rules(m: &MessageView, at: i64) -> Target<'_> {
    Target {
        id: m.id,
        conversation_id: m.conversation_id,
        wamid: &m.wamid,
        direction: m.direction.as_str(),
        kind: &m.kind,
        status: m.status.map(crate::protocol::MessageStatus::as_str),
        revoked: m.revoked,
        at,
    }
}

impl App {
    fn answered_message(&mut self) -> Option<MessageRow> {
        let selected = self
            .open
            .as_ref()
            .and_then(|o| o.selected_message())
            .cloned();
        if selected.is_none() {
            self.error(self.t.select_a_message.to_string());
        }
        selected
    }

    /// Starts a reply to the selected message: the composer opens showing what it answers.
    pub(super) fn start_reply(&mut self) -> Vec<Effect> {
        let Some(m) = self.answered_message() else {
            return Vec::new();
        };
        if let Err(e) = quotable(&rules(&m.view, m.at), m.view.conversation_id) {
            self.error(e.to_string());
            return Vec::new();
        }
        let who = match (&self.open, m.view.direction.as_str()) {
            (Some(open), "in") => open.row.title(),
            _ => self.sender_of(&m.view),
        };
        self.composer.reply_to = Some(ReplyDraft {
            conversation_id: m.view.conversation_id,
            message_id: m.view.id,
            who,
            text: m.view.text.clone(),
        });
        self.focus = Focus::Composer;
        self.guard_closed_window()
    }

    /// The reply draft of the open conversation, if any (a draft left in another one is not).
    pub fn reply_draft(&self) -> Option<&ReplyDraft> {
        let open = self.open.as_ref()?.row.view.id;
        self.composer
            .reply_to
            .as_ref()
            .filter(|d| d.conversation_id == open)
    }

    /// What a send from the composer quotes; the draft is used up (and given back if the
    /// engine refuses the send: see `App::on_reply`).
    pub(super) fn take_reply(&mut self, conversation_id: i64) -> Option<ReplyDraft> {
        self.composer
            .reply_to
            .take()
            .filter(|draft| draft.conversation_id == conversation_id)
    }

    /// Esc in the composer cancels a reply first; true if there was one.
    pub(super) fn cancel_reply(&mut self) -> bool {
        let had = self.reply_draft().is_some();
        if had {
            self.composer.reply_to = None;
        }
        had
    }

    /// Opens the emoji choice on the selected message, if it can take our reaction.
    pub(super) fn open_reaction_choice(&mut self) -> Vec<Effect> {
        let Some(m) = self.answered_message() else {
            return Vec::new();
        };
        if let Err(e) = reactable(&rules(&m.view, m.at), self.now) {
            self.error(e.to_string());
            return Vec::new();
        }
        self.popup = Some(Popup::React(ReactionChoice::new(m.view.id)));
        Vec::new()
    }

    /// Removes our reaction from the selected message.
    pub(super) fn remove_reaction(&mut self) -> Vec<Effect> {
        let Some(m) = self.answered_message() else {
            return Vec::new();
        };
        if !m
            .view
            .reactions
            .iter()
            .any(|r| r.by == crate::protocol::Reactor::Business)
        {
            self.error(self.t.no_reaction_of_ours.to_string());
            return Vec::new();
        }
        vec![react(m.view.id, "")]
    }

    /// Pasted text in the emoji choice is typed.
    pub(super) fn reaction_paste(&mut self, text: &str) -> bool {
        match self.popup.as_mut() {
            Some(Popup::React(choice)) => {
                choice.typed.push_str(text.trim());
                true
            }
            _ => false,
        }
    }
}

fn react(message_id: i64, emoji: &str) -> Effect {
    Effect::Call(Tag::React, react_request(message_id, emoji))
}

/// Our reaction to a message (an empty emoji removes it).
pub(in crate::tui) fn react_request(message_id: i64, emoji: &str) -> Request {
    Request::React {
        message: MessageRef::Id(message_id),
        emoji: emoji.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures::{self, NOW};
    use crate::tui::tests::requests;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// Sheena's conversation open, the cursor on message `id`.
    fn on_message(id: i64) -> App {
        let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
        app.now = NOW;
        let open = app.open.as_mut().unwrap();
        open.selected = open.messages.iter().position(|m| m.view.id == id).unwrap();
        app
    }

    fn screen(app: &App) -> String {
        let mut terminal = Terminal::new(TestBackend::new(110, 30)).expect("test terminal");
        terminal
            .draw(|f| crate::tui::view::draw(f, app))
            .expect("draw");
        terminal.backend().to_string()
    }

    #[test]
    fn a_reply_shows_what_it_answers_and_the_send_quotes_it() {
        let mut app = on_message(3);
        press(&mut app, KeyCode::Char('Q'));
        assert_eq!(app.focus, Focus::Composer);
        for c in "Yes, to any address".chars() {
            press(&mut app, KeyCode::Char(c));
        }
        insta::assert_snapshot!(screen(&app));
        let effects = press(&mut app, KeyCode::Enter);
        let [Request::Send { reply_to, .. }] = requests(&effects).as_slice() else {
            panic!("one send expected: {effects:?}");
        };
        assert_eq!(reply_to, &Some(MessageRef::Id(3)));
        assert!(app.reply_draft().is_none(), "the draft is used up");
    }

    #[test]
    fn a_refused_reply_comes_back_with_its_quote() {
        let mut app = on_message(3);
        press(&mut app, KeyCode::Char('Q'));
        for c in "Yes".chars() {
            press(&mut app, KeyCode::Char(c));
        }
        let effects = press(&mut app, KeyCode::Enter);
        let Some(Effect::Call(tag, _)) = effects.first() else {
            panic!("a send expected: {effects:?}");
        };
        assert!(app.reply_draft().is_none());
        app.on_reply(
            tag.clone(),
            Err(crate::protocol::ErrorCode::EngineGone {}.into()),
        );
        assert_eq!(app.composer_text().trim(), "Yes");
        assert_eq!(app.reply_draft().map(|d| d.message_id), Some(3));
    }

    #[test]
    fn esc_cancels_the_reply_before_it_leaves_the_composer() {
        let mut app = on_message(3);
        press(&mut app, KeyCode::Char('Q'));
        press(&mut app, KeyCode::Char('x'));
        press(&mut app, KeyCode::Esc);
        assert!(app.reply_draft().is_none());
        assert_eq!(
            app.focus,
            Focus::Composer,
            "the text stays, without the quote"
        );
        let effects = press(&mut app, KeyCode::Enter);
        assert!(matches!(
            requests(&effects).as_slice(),
            [Request::Send { reply_to: None, .. }]
        ));
        assert_eq!(app.focus, Focus::Messages, "the send gave the keys back");
    }

    #[test]
    fn a_message_without_a_wamid_cannot_be_answered() {
        let mut app = on_message(3);
        let open = app.open.as_mut().unwrap();
        let queued = open.selected;
        open.messages[queued].view.wamid =
            format!("{}abc", crate::domain::reply::PLACEHOLDER_PREFIX);
        press(&mut app, KeyCode::Char('Q'));
        assert_eq!(app.focus, Focus::Messages);
        assert!(app.reply_draft().is_none());
        let notice = app.notice.clone().unwrap();
        assert!(
            notice.error && notice.text.contains("has not reached WhatsApp"),
            "{notice:?}"
        );
    }

    #[test]
    fn the_emoji_choice_reacts_with_a_common_or_a_typed_emoji() {
        let mut app = on_message(3);
        press(&mut app, KeyCode::Char('e'));
        press(&mut app, KeyCode::Right);
        insta::assert_snapshot!(screen(&app));
        let effects = press(&mut app, KeyCode::Enter);
        assert_eq!(
            requests(&effects),
            [&Request::React {
                message: MessageRef::Id(3),
                emoji: "❤️".into()
            }]
        );
        assert!(app.popup.is_none());
        press(&mut app, KeyCode::Char('e'));
        for c in "ok".chars() {
            press(&mut app, KeyCode::Char(c));
        }
        assert!(
            requests(&press(&mut app, KeyCode::Enter)).is_empty(),
            "text is refused"
        );
        assert!(
            matches!(app.popup, Some(Popup::React(_))),
            "the choice stays open"
        );
        press(&mut app, KeyCode::Esc);
        app.on_paste("🎉");
        assert!(app.popup.is_none(), "Esc closed it");
        press(&mut app, KeyCode::Char('e'));
        app.on_paste("🎉");
        assert_eq!(
            requests(&press(&mut app, KeyCode::Enter)),
            [&Request::React {
                message: MessageRef::Id(3),
                emoji: "🎉".into()
            }]
        );
    }

    #[test]
    fn our_reaction_is_removed_only_where_there_is_one() {
        let mut app = on_message(3);
        assert!(requests(&press(&mut app, KeyCode::Char('E'))).is_empty());
        assert!(app.notice.as_ref().is_some_and(|n| n.error));
        let open = app.open.as_mut().unwrap();
        let i = open.selected;
        open.messages[i]
            .view
            .reactions
            .push(crate::protocol::views::ReactionView {
                emoji: "👍".into(),
                by: crate::protocol::Reactor::Business,
            });
        assert_eq!(
            requests(&press(&mut app, KeyCode::Char('E'))),
            [&Request::React {
                message: MessageRef::Id(3),
                emoji: String::new()
            }]
        );
        // Our own message takes no reaction.
        let mut app = on_message(4);
        press(&mut app, KeyCode::Char('e'));
        assert!(app.popup.is_none());
    }

    #[test]
    fn the_typed_emoji_wins_over_the_common_ones() {
        let mut c = ReactionChoice::new(3);
        assert_eq!(c.chosen(), Ok("👍"));
        c.selected = 1;
        assert_eq!(c.chosen(), Ok("❤️"));
        c.typed = "🎉".into();
        assert_eq!(c.chosen(), Ok("🎉"));
        c.typed = "ok".into();
        assert!(c.chosen().is_err(), "text is not a reaction");
    }

    #[test]
    fn every_common_emoji_is_one_emoji() {
        for e in COMMON_EMOJI {
            assert_eq!(one_emoji(e), Ok(e));
        }
    }
}
