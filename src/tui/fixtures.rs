//! A realistic inbox for the TUI's tests: two numbers, conversations in every window state, and
//! an open conversation with every kind of message an agent meets. Fixed clock, UTC.

use super::app::{App, ConversationRow, MessageRow, OpenConversation, Tag};
use super::keymap::Keymap;
use crate::domain::ConnectionKind;
use crate::domain::template::{ParameterFormat, TemplateSpec};
use crate::i18n::Strings;
use crate::protocol::Response;
use crate::protocol::admin::TemplateView;
use crate::protocol::directory::NumberView;
use crate::protocol::views::MediaView;
use crate::protocol::views::{
    ContactView, ConversationView, ErrorView, LastMessageView, MessageView, ReactionView,
    WindowView,
};
use crate::protocol::{
    ConnectedVia, ConversationState, Direction, MediaState, MessageStatus, Origin, Reactor,
};
use time::UtcOffset;

/// Thursday 26 November 2026, 16:00 UTC.
pub const NOW: i64 = 1_795_708_800;

pub fn number(id: i64, pnid: &str, phone: &str, kind: ConnectionKind, waiting: i64) -> NumberView {
    NumberView {
        id,
        tenant: "Demo Shop".into(),
        phone_number_id: pnid.into(),
        waba_id: format!("waba-{pnid}"),
        display_phone: phone.into(),
        connection: kind,
        has_token: true,
        conversations: 3,
        unread: waiting,
        waiting,
        queue: Some(
            if kind == ConnectionKind::Dedicated {
                "Sales"
            } else {
                "Support"
            }
            .into(),
        ),
        active: true,
        status: crate::domain::number::NumberStatus::Active,
        alias: None,
        created_at: NOW - 86_400,
        token_expires_at: Some(0),
        connected_via: Some(ConnectedVia::Manual),
        business_id: None,
    }
}

pub fn conversation(
    id: i64,
    name: Option<&str>,
    wa_id: Option<&str>,
    last_inbound_ago: Option<i64>,
    unread: i64,
    last_text: &str,
    last_ago: i64,
) -> ConversationRow {
    ConversationRow::new(ConversationView {
        id,
        phone_number_id: "106540352242922".into(),
        display_phone: "15550783881".into(),
        tenant: "Demo Shop".into(),
        contact: ContactView {
            wa_id: wa_id.map(str::to_string),
            user_id: if wa_id.is_none() {
                Some("US.99887766554433221100".into())
            } else {
                None
            },
            name: name.map(str::to_string),
            username: None,
        },
        state: ConversationState::Open,
        snoozed_until: None,
        queue: Some("Sales".into()),
        assignee: None,
        unread,
        last_inbound_at: last_inbound_ago.map(|a| NOW - a),
        window: WindowView {
            open: false,
            closes_at: None,
        },
        from_ad: false,
        last_message: Some(LastMessageView {
            text: last_text.into(),
            at: NOW - last_ago,
        }),
        group: None,
        queue_id: Some(1),
        last_activity: Some(NOW - last_ago),
        blocked: None,
        sla_due_at: None,
    })
}

pub fn message(id: i64, direction: &str, origin: &str, text: &str, ago: i64) -> MessageRow {
    MessageRow::new(MessageView {
        id,
        conversation_id: 1,
        wamid: format!("wamid.{id}"),
        direction: Direction::parse(direction).expect("a direction"),
        origin: Origin::parse(origin).expect("an origin"),
        kind: "text".into(),
        text: text.into(),
        at: NOW - ago,
        status: None,
        error: None,
        reply_to: None,
        forwarded: false,
        reactions: Vec::new(),
        edited: false,
        revoked: false,
        previous_texts: Vec::new(),
        media: None,
        author: None,
        form: None,
        sent_by: None,
    })
}

pub fn conversations() -> Vec<ConversationRow> {
    let mut ad = conversation(
        3,
        Some("Priya"),
        Some("447700900789"),
        Some(3 * 60),
        1,
        "Hi, I'd like to know more about the offer",
        3 * 60,
    );
    ad.view.from_ad = true;
    vec![
        conversation(
            1,
            Some("Sheena Nelson"),
            Some("16505551234"),
            Some(48 * 60),
            0,
            "Also, can I change the delivery address?",
            60,
        ),
        ad,
        conversation(
            2,
            None,
            None,
            Some(24 * 3600 - 9 * 60),
            2,
            "I use a username, no phone shown",
            24 * 3600 - 9 * 60,
        ),
        conversation(
            4,
            Some("Carlos Mamani"),
            Some("59170012345"),
            Some(2 * 86_400 + 600),
            1,
            "Hola, ¿hacen envíos a Cochabamba?",
            2 * 86_400 + 600,
        ),
    ]
}

/// Sheena's conversation: photo, reply with context, reaction, our reply read, a failed one
/// with its explanation, an uncertain one, an echo from the phone app, an edit, a deletion.
pub fn sheena_messages() -> Vec<MessageRow> {
    let mut photo = message(
        2,
        "in",
        "customer",
        "[image] The box arrived damaged",
        40 * 60,
    );
    photo.view.kind = "image".into();
    photo.view.media = Some(MediaView {
        state: MediaState::Downloaded,
        mime_type: Some("image/jpeg".into()),
        bytes: Some(245_760),
        error: None,
        path: Some("media/x".into()),
        expired: false,
    });
    let mut first = message(
        1,
        "in",
        "customer",
        "Hi! Is my order #4471 shipped yet?",
        26 * 3600,
    );
    first.view.reactions = vec![ReactionView {
        emoji: "🙏".into(),
        by: Reactor::Customer,
    }];
    let mut reply = message(
        3,
        "in",
        "customer",
        "Also, can I change the delivery address?",
        30 * 60,
    );
    reply.view.reply_to = Some("wamid.1".into());
    let mut read = message(4, "out", "agent", "It ships today!", 20 * 60);
    read.view.status = Some(MessageStatus::Read);
    let mut failed = message(5, "out", "agent", "Here is the tracking link", 15 * 60);
    failed.view.status = Some(MessageStatus::Failed);
    failed.view.error = Some(ErrorView {
        code: 131047,
        title: "Re-engagement message".into(),
    });
    let mut uncertain = message(6, "out", "agent", "Did it arrive?", 10 * 60);
    uncertain.view.status = Some(MessageStatus::Uncertain);
    uncertain.view.error = Some(ErrorView {
        code: 0,
        title: "no answer from the Cloud API within 15 s".into(),
    });
    let mut echo = message(7, "out", "phone_app", "Te llamo en 5 minutos", 8 * 60);
    echo.view.status = Some(MessageStatus::Delivered);
    let mut edited = message(8, "in", "customer", "My address is Calle 8 #12", 5 * 60);
    edited.view.edited = true;
    edited.view.previous_texts = vec!["My adress is Calle 8".into()];
    let mut deleted = message(9, "in", "customer", "", 2 * 60);
    deleted.view.revoked = true;
    deleted.view.previous_texts = vec!["oops wrong chat".into()];
    vec![
        first, photo, reply, read, failed, uncertain, echo, edited, deleted,
    ]
}

pub fn templates() -> Vec<TemplateView> {
    let make = |name: &str, language: &str, format: ParameterFormat, body: &str| {
        let spec = TemplateSpec {
            name: name.into(),
            language: language.into(),
            status: "APPROVED".into(),
            category: "UTILITY".into(),
            parameter_format: format,
            header_text: None,
            header_media: None,
            body: body.into(),
            footer: Some("Demo Shop".into()),
            buttons: vec![],
            url_buttons: vec![],
        };
        TemplateView {
            waba_id: "waba-106540352242922".into(),
            name: name.into(),
            language: language.into(),
            category: "UTILITY".into(),
            status: "APPROVED".into(),
            parameter_format: format!("{format:?}").to_uppercase(),
            parameters: spec
                .slots()
                .iter()
                .map(crate::domain::template::Slot::label)
                .collect(),
            body: body.into(),
            spec,
        }
    };
    vec![
        make(
            "order_update",
            "en_US",
            ParameterFormat::Positional,
            "Hi {{1}}, your order {{2}} ships on {{3}}.",
        ),
        make(
            "bienvenida",
            "es",
            ParameterFormat::Named,
            "¡Hola {{customer_name}}! ¿Seguimos con tu consulta?",
        ),
    ]
}

/// An app connected to an engine that answered with the fixtures above.
pub fn inbox(lang: &str) -> App {
    let mut app = App::new(
        Strings::for_code(lang),
        Keymap::defaults(),
        UtcOffset::UTC,
        NOW,
    );
    app.on_connected(false);
    let _ = app.flush();
    // Answered as the engine answers the first requests.
    let numbers = vec![
        number(
            1,
            "106540352242922",
            "15550783881",
            ConnectionKind::Dedicated,
            3,
        ),
        number(
            2,
            "223344556677889",
            "5215512345678",
            ConnectionKind::Coexistence,
            1,
        ),
    ];
    let _ = app.on_reply(Tag::Numbers, Ok(Response::Numbers(numbers)));
    let queue =
        |id: i64, name: &str, number: &str, waiting: i64| crate::protocol::directory::QueueView {
            id,
            tenant: "Demo Shop".into(),
            name: name.into(),
            auto_assign: false,
            numbers: vec![number.into()],
            agents: vec!["alice".into()],
            conversations: 3,
            waiting,
            hours: None,
            sla_minutes: None,
        };
    let queues = vec![
        queue(1, "Sales", "15550783881", 3),
        queue(2, "Support", "5215512345678", 1),
    ];
    let _ = app.on_reply(Tag::Queues, Ok(Response::Queues(queues)));
    let list = conversations().into_iter().map(|c| c.view).collect();
    let _ = app.on_reply(
        Tag::Conversations {
            generation: app.list.generation,
        },
        Ok(Response::Conversations(list)),
    );
    app
}

/// The inbox with conversation `index` open and its messages loaded.
pub fn open(mut app: App, index: usize, messages: Vec<MessageRow>) -> App {
    let row = app.list.rows[index].clone();
    app.list.selected = index;
    let selected = messages.len().saturating_sub(1);
    app.open = Some(OpenConversation {
        row,
        messages,
        selected,
        has_older: false,
        loading: false,
        seek: None,
        automation: Vec::new(),
    });
    app.focus = super::app::Focus::Messages;
    app
}
