//! What trying a whole day at the inbox showed, after the items of issue 15 were in.

use super::app::Tag;
use super::fixtures;
use crate::api::Response;

/// The list as the engine sends it, with one new conversation on top.
fn with_a_newcomer_on_top(app: &super::app::App) -> Vec<crate::store::views::ConversationView> {
    let mut list: Vec<_> = app.conversations.iter().map(|c| c.view.clone()).collect();
    let newcomer =
        fixtures::conversation(77, Some("Newcomer"), Some("5491100"), Some(0), 1, "hola", 0);
    list.insert(0, newcomer.view);
    list
}

#[test]
fn a_conversation_arriving_above_the_cursor_does_not_slide_another_under_it() {
    let mut app = fixtures::inbox("en");
    assert_eq!(app.conversation_selected, 0);
    let under = app.conversations[0].view.id;
    // The agent has not moved the cursor yet; a customer writes in a new conversation.
    let list = with_a_newcomer_on_top(&app);
    app.on_reply(
        Tag::Conversations {
            generation: app.generation,
        },
        Ok(Response::Conversations(list)),
    );
    assert_eq!(app.conversations[0].view.id, 77);
    assert_eq!(
        app.conversations[app.conversation_selected].view.id, under,
        "Enter or z now would act on the conversation the agent was looking at"
    );
}
