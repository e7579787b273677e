//! The inbox's words for the report screen (`R`) and the first-response target's mark in the
//! list, in English and Spanish. Fields with `{}` are filled with `fill`.

use super::Lang;

#[derive(Debug)]
pub struct ReportStrings {
    /// `{}` first day, `{}` last day, `{}` the zone.
    pub title: &'static str,
    pub opened: &'static str,
    pub closed: &'static str,
    pub waiting: &'static str,
    pub messages_in: &'static str,
    pub messages_out: &'static str,
    pub templates: &'static str,
    /// `{}` median, `{}` 90th percentile.
    pub first_response: &'static str,
    /// `{}` median.
    pub resolution: &'static str,
    /// `{}` missed, `{}` counted.
    pub sla: &'static str,
    pub failures: &'static str,
    pub per_day: &'static str,
    pub per_agent: &'static str,
    pub messages_per_day: &'static str,
    pub nothing: &'static str,
    pub loading: &'static str,
    pub only_admins: &'static str,
    /// After the title while the hours filter is on.
    pub in_hours: &'static str,
    pub out_of_hours: &'static str,
    /// `{}` earlier, `{}` later, `{}` week/month, `{}` hours filter, `{}` close.
    pub hint: &'static str,
    /// In a list row: `{}` how long past the queue's first-response target.
    pub sla_late: &'static str,
}

pub static EN: ReportStrings = ReportStrings {
    title: "Report {} to {} ({})",
    opened: "conversations opened",
    closed: "closed",
    waiting: "waiting",
    messages_in: "messages in",
    messages_out: "out",
    templates: "templates",
    first_response: "first response: median {}, p90 {}",
    resolution: "resolution: median {}",
    sla: "late for the target: {} of {}",
    failures: "failed sends",
    per_day: "Conversations opened per day",
    per_agent: "First response per agent (median)",
    messages_per_day: "Messages in per day",
    nothing: "nothing in this period",
    loading: "counting…",
    only_admins: "the report is for admins: ask yours",
    in_hours: "in business hours",
    out_of_hours: "outside business hours",
    hint: "{} earlier · {} later · {} week/month · {} in/out of hours · {} close",
    sla_late: "late {}",
};

pub static ES: ReportStrings = ReportStrings {
    title: "Informe del {} al {} ({})",
    opened: "conversaciones abiertas",
    closed: "cerradas",
    waiting: "en espera",
    messages_in: "mensajes recibidos",
    messages_out: "enviados",
    templates: "plantillas",
    first_response: "primera respuesta: mediana {}, p90 {}",
    resolution: "resolución: mediana {}",
    sla: "fuera de objetivo: {} de {}",
    failures: "envíos fallidos",
    per_day: "Conversaciones abiertas por día",
    per_agent: "Primera respuesta por agente (mediana)",
    messages_per_day: "Mensajes recibidos por día",
    nothing: "nada en este periodo",
    loading: "contando…",
    only_admins: "el informe es para administradores: pídeselo al tuyo",
    in_hours: "en horario",
    out_of_hours: "fuera de horario",
    hint: "{} antes · {} después · {} semana/mes · {} en/fuera de horario · {} cerrar",
    sla_late: "tarde {}",
};

/// The words for the inbox's language.
pub fn for_lang(lang: Lang) -> &'static ReportStrings {
    match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}
