//! The composer's words (what it says it is doing, drafts, the quit question, the template
//! review and `:attach`), in English and Spanish. One struct per language, as for the inbox: a
//! string missing in one of them is a compile error. Fields with `{}` are filled with `fill`.

use super::Lang;

#[derive(Debug)]
pub struct ComposerStrings {
    /// The composer's title while it has the keys: `{}` the customer.
    pub writing_to: &'static str,
    /// The same where the name does not fit.
    pub writing: &'static str,
    /// The window in the focused composer's title: `{}` the time left.
    pub window_left: &'static str,
    /// Inside an empty composer that has the keys.
    pub placeholder: &'static str,
    /// The review's title.
    pub template_review: &'static str,
    /// Above the exact text: `{}` the customer.
    pub template_review_intro: &'static str,
    pub template_review_hint: &'static str,
    /// Ctrl+C in the composer.
    pub quit_question: &'static str,
    /// The key that answers yes to a question (`y`, in Spanish `s`).
    pub yes: char,
    pub quit_keys: &'static str,
    /// `{}` why.
    pub drafts_unreadable: &'static str,
    pub drafts_unsaved: &'static str,
    /// `:attach` without a path.
    pub attach_usage: &'static str,
    pub attach_no_conversation: &'static str,
    /// `{}` the path, `{}` why.
    pub attach_unreadable: &'static str,
    pub attach_missing: &'static str,
    pub attach_forbidden: &'static str,
    /// `{}` the path.
    pub attach_not_a_file: &'static str,
    /// `{}` the path, `{}` its type.
    pub attach_unsupported: &'static str,
    /// `{}` the path, `{}` its size, `{}` the largest WhatsApp takes.
    pub attach_too_big: &'static str,
    /// `{}` the file's name.
    pub attach_uploading: &'static str,
    /// `:attach` in another agent's conversation, the first time: whose it is.
    pub attach_theirs: &'static str,
}

pub fn strings(lang: Lang) -> &'static ComposerStrings {
    match lang {
        Lang::Es => &ES,
        _ => &EN,
    }
}

pub static EN: ComposerStrings = ComposerStrings {
    writing_to: "✎ Writing to {}",
    writing: "✎ Writing",
    window_left: "{} left",
    placeholder: "Message · Enter sends · Esc back",
    template_review: "Review before sending",
    template_review_intro: "{} will receive exactly this:",
    template_review_hint: "{}: send it now   {}: back to the fields",
    quit_question: "Quit wabox? Your drafts are kept.",
    yes: 'y',
    quit_keys: "y quits · any other key stays",
    drafts_unreadable: "could not read your saved drafts ({}): starting without them",
    drafts_unsaved: "could not save your drafts ({}): they stay here until you quit",
    attach_usage: ":attach PATH sends a file in the open conversation",
    attach_no_conversation: "open a conversation first: :attach sends in the open one",
    attach_unreadable: "cannot read {}: {}",
    attach_missing: "there is no such file",
    attach_forbidden: "you may not read it",
    attach_not_a_file: "{} is a folder, not a file",
    attach_unsupported: "WhatsApp cannot send {} ({}): send an image, video, audio, PDF, text or office document",
    attach_too_big: "{} is {}; WhatsApp takes no file of its kind larger than {}",
    attach_uploading: "sending {}…",
    attach_theirs: "{} has this conversation: :attach again sends anyway",
};

pub static ES: ComposerStrings = ComposerStrings {
    writing_to: "✎ Escribiendo a {}",
    writing: "✎ Escribiendo",
    window_left: "quedan {}",
    placeholder: "Mensaje · Enter envía · Esc vuelve",
    template_review: "Revisa antes de enviar",
    template_review_intro: "{} recibirá exactamente esto:",
    template_review_hint: "{}: enviarla ahora   {}: volver a los campos",
    quit_question: "¿Salir de wabox? Tus borradores se guardan.",
    yes: 's',
    quit_keys: "s sale · otra tecla te deja aquí",
    drafts_unreadable: "no se pudieron leer tus borradores guardados ({}): empiezas sin ellos",
    drafts_unsaved: "no se pudieron guardar tus borradores ({}): siguen aquí hasta que salgas",
    attach_usage: ":attach RUTA envía un archivo en la conversación abierta",
    attach_no_conversation: "abre antes una conversación: :attach envía en la abierta",
    attach_unreadable: "no se puede leer {}: {}",
    attach_missing: "no existe",
    attach_forbidden: "no tienes permiso para leerlo",
    attach_not_a_file: "{} es una carpeta, no un archivo",
    attach_unsupported: "WhatsApp no puede enviar {} ({}): envía una imagen, un vídeo, un audio, un PDF, un texto o un documento de oficina",
    attach_too_big: "{} pesa {}; WhatsApp no acepta archivos de ese tipo de más de {}",
    attach_uploading: "enviando {}…",
    attach_theirs: "{} tiene esta conversación: :attach otra vez envía igual",
};
