//! The inbox's words for its views, list rows and the save prompt (issue 15), in English and
//! Spanish. One struct per language, as for `Strings`: a string missing in one of them is a
//! compile error. Fields with `{}` are filled with `fill`.

use super::Lang;

#[derive(Debug)]
pub struct ViewStrings {
    /// The sidebar's first view: every open conversation the agent may see.
    pub all_open: &'static str,
    pub snoozed: &'static str,
    pub closed: &'static str,
    /// Above the list when the open conversation is not among its rows.
    pub outside_view: &'static str,
    pub more_above: &'static str,
    pub more_below: &'static str,
    pub no_unread: &'static str,
    pub save_prompt: &'static str,
    pub save_hint: &'static str,
    /// `{}` the path.
    pub save_exists: &'static str,
    /// `{}` the path, `{}` why.
    pub save_failed: &'static str,
}

pub static EN: ViewStrings = ViewStrings {
    all_open: "All open",
    snoozed: "Snoozed",
    closed: "Closed",
    outside_view: "not in this view",
    more_above: "↑ more",
    more_below: "↓ more",
    no_unread: "no unread conversations here",
    save_prompt: "Save to: ",
    save_hint: "{} save · {} cancel",
    save_exists: "{} already exists: give another name",
    save_failed: "could not save to {}: {}",
};

pub static ES: ViewStrings = ViewStrings {
    all_open: "Abiertas",
    snoozed: "Pospuestas",
    closed: "Cerradas",
    outside_view: "fuera de esta vista",
    more_above: "↑ más",
    more_below: "↓ más",
    no_unread: "no hay conversaciones sin leer aquí",
    save_prompt: "Guardar en: ",
    save_hint: "{} guarda · {} cancela",
    save_exists: "{} ya existe: pon otro nombre",
    save_failed: "no se pudo guardar en {}: {}",
};

/// The words for the inbox's language.
pub fn for_lang(lang: Lang) -> &'static ViewStrings {
    match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}
