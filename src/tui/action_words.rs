//! The names of the keymap's actions, in English and Spanish: beside the keymap, so the words
//! (`i18n`, below the inbox) need not know the inbox's actions.

use crate::i18n::Lang;
use crate::tui::keymap::Action;
use crate::tui::keymap::PopupAction;

/// The name of a key's action in the footer and the help, in the inbox's language.
pub fn action_word(lang: Lang, a: Action) -> &'static str {
    match lang {
        Lang::En => actions_en(a),
        Lang::Es => actions_es(a),
    }
}

fn actions_en(a: Action) -> &'static str {
    match a {
        Action::Quit => "quit",
        Action::NextPane => "next pane",
        Action::PrevPane => "previous pane",
        Action::Up => "up",
        Action::Down => "down",
        Action::PageUp => "page up",
        Action::PageDown => "page down",
        Action::Top => "first",
        Action::Bottom => "last",
        Action::Open => "open",
        Action::Back => "back",
        Action::Compose => "reply",
        Action::Send => "send",
        Action::Newline => "new line",
        Action::Templates => "templates",
        Action::Filter => "filter",
        Action::NextUnread => "next unread",
        Action::Retry => "retry message",
        Action::Reply => "reply to message",
        Action::Report => "report",
        Action::React => "react",
        Action::Unreact => "remove reaction",
        Action::MarkUnread => "mark unread",
        Action::OpenMedia => "open file",
        Action::SaveMedia => "save file",
        Action::Help => "help",
        Action::CommandLine => "command",
        Action::Editor => "$EDITOR",
        Action::Search => "search messages",
        Action::ContactPanel => "contact panel",
        Action::CloseConversation => "close / reopen",
        Action::Snooze => "snooze",
        Action::Claim => "claim",
        Action::Admin => "queues and agents",
        Action::Automation => "sequences",
        Action::Connect => "connect a number",
        Action::Messages => "messages log",
    }
}

fn actions_es(a: Action) -> &'static str {
    match a {
        Action::Quit => "salir",
        Action::NextPane => "panel siguiente",
        Action::PrevPane => "panel anterior",
        Action::Up => "arriba",
        Action::Down => "abajo",
        Action::PageUp => "página arriba",
        Action::PageDown => "página abajo",
        Action::Top => "primero",
        Action::Bottom => "último",
        Action::Open => "abrir",
        Action::Back => "volver",
        Action::Compose => "responder",
        Action::Send => "enviar",
        Action::Newline => "nueva línea",
        Action::Templates => "plantillas",
        Action::Filter => "filtrar",
        Action::NextUnread => "siguiente sin leer",
        Action::Retry => "reintentar mensaje",
        Action::Reply => "responder al mensaje",
        Action::Report => "informe",
        Action::React => "reaccionar",
        Action::Unreact => "quitar reacción",
        Action::MarkUnread => "marcar sin leer",
        Action::OpenMedia => "abrir archivo",
        Action::SaveMedia => "guardar archivo",
        Action::Help => "ayuda",
        Action::CommandLine => "comando",
        Action::Editor => "$EDITOR",
        Action::Search => "buscar mensajes",
        Action::ContactPanel => "panel de contacto",
        Action::CloseConversation => "cerrar / reabrir",
        Action::Snooze => "posponer",
        Action::Claim => "tomar",
        Action::Admin => "colas y agentes",
        Action::Automation => "secuencias",
        Action::Connect => "conectar un número",
        Action::Messages => "registro de mensajes",
    }
}

/// The name of a popup key's action in the help, in the inbox's language (its `[keys.<popup>]`
/// name stays the config's: the help said `pause_resume` and `complete_back`, in English in
/// the Spanish inbox too). One word serves every popup: `x` stops a sequence and cancels a
/// broadcast, Enter chooses a row and `m` switches the report's period.
pub fn popup_action_word(lang: Lang, a: PopupAction) -> &'static str {
    match lang {
        Lang::En => match a {
            PopupAction::Close => "close",
            PopupAction::Back => "back",
            PopupAction::Up => "up",
            PopupAction::Down => "down",
            PopupAction::PageUp => "page up",
            PopupAction::PageDown => "page down",
            PopupAction::Top => "first",
            PopupAction::Bottom => "last",
            PopupAction::Left => "left",
            PopupAction::Right => "right",
            PopupAction::Choose => "choose or switch",
            PopupAction::PauseResume => "pause or resume",
            PopupAction::Stop => "stop or cancel",
            PopupAction::CommandLine => "command line",
            PopupAction::Complete => "complete",
            PopupAction::CompleteBack => "complete backwards",
            PopupAction::Older => "older",
            PopupAction::Newer => "newer",
            PopupAction::Hours => "business hours",
        },
        Lang::Es => match a {
            PopupAction::Close => "cerrar",
            PopupAction::Back => "atrás",
            PopupAction::Up => "arriba",
            PopupAction::Down => "abajo",
            PopupAction::PageUp => "página arriba",
            PopupAction::PageDown => "página abajo",
            PopupAction::Top => "primero",
            PopupAction::Bottom => "último",
            PopupAction::Left => "izquierda",
            PopupAction::Right => "derecha",
            PopupAction::Choose => "elegir o cambiar",
            PopupAction::PauseResume => "pausar o reanudar",
            PopupAction::Stop => "detener o cancelar",
            PopupAction::CommandLine => "línea de órdenes",
            PopupAction::Complete => "completar",
            PopupAction::CompleteBack => "completar hacia atrás",
            PopupAction::Older => "más antiguo",
            PopupAction::Newer => "más reciente",
            PopupAction::Hours => "horario",
        },
    }
}
