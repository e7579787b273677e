//! The words of the inbox's `:` command line, its answers, the help's command list and the
//! messages log, in English and Spanish. Fields with `{}` are filled with `fill`. The commands'
//! own descriptions live beside them in `tui::cmdline::table`.

use super::Lang;

#[derive(Debug)]
pub struct CmdlineStrings {
    /// The help's heading over the `:` commands.
    pub help_commands: &'static str,
    pub help_admin_commands: &'static str,
    /// Under the commands: how the command line helps.
    pub help_command_line: &'static str,
    /// `{}` the messages log's key.
    pub help_answers: &'static str,
    /// A pager's bottom edge when there is more to read.
    pub more_below: &'static str,
    pub pager_keys: &'static str,
    /// A status cut at the edge: `{}` the key that shows it whole.
    pub status_more: &'static str,
    pub messages_title: &'static str,
    pub messages_empty: &'static str,
    /// `{}` the command, `{}` its usage.
    pub needs_args: &'static str,
    /// `{}` what was typed.
    pub unknown: &'static str,
    /// `{}` what was typed, `{}` the likely command.
    pub did_you_mean: &'static str,
    pub no_conversation: &'static str,
    /// `{}` the command line, `{}` why it failed.
    pub failed: &'static str,
    pub label_added: &'static str,
    pub label_removed: &'static str,
    pub note_added: &'static str,
    pub moved_to_queue: &'static str,
    pub blocked: &'static str,
    pub unblocked: &'static str,
    pub assigned_to: &'static str,
    pub queue_added: &'static str,
    pub queue_renamed: &'static str,
    pub queue_removed: &'static str,
    pub number_assigned: &'static str,
    pub agent_added: &'static str,
    pub admin_added: &'static str,
    pub filter_set: &'static str,
    pub filter_cleared: &'static str,
    /// `{}` why the history file could not be written.
    pub history_not_saved: &'static str,
}

pub fn strings(lang: Lang) -> &'static CmdlineStrings {
    match lang {
        Lang::Es => &ES,
        _ => &EN,
    }
}

pub static EN: CmdlineStrings = CmdlineStrings {
    help_commands: "Commands (type : then the command)",
    help_admin_commands: "Admin commands",
    help_command_line: "Tab completes names and arguments; ↑ ↓ recall earlier commands",
    help_answers: "Every answer stays in the messages log: {} or :messages",
    more_below: "↓ more below",
    pager_keys: "{} {} {} {} {} {} · {}",
    status_more: "… {} reads it all",
    messages_title: "Messages of this session",
    messages_empty: "No messages yet: commands answer here and in the top bar.",
    needs_args: ":{} needs more: {}",
    unknown: "unknown command {}: Tab completes names, :help lists them",
    did_you_mean: "unknown command {}: did you mean :{}?",
    no_conversation: "No conversation under the cursor: choose one first",
    failed: "{}: {}",
    label_added: "Label {} added",
    label_removed: "Label {} removed",
    note_added: "Note added",
    moved_to_queue: "Moved to queue {}",
    blocked: "Blocked: they can no longer write to this number, nor it to them",
    unblocked: "Unblocked: you can write to each other again",
    assigned_to: "Assigned to {}",
    queue_added: "Queue {} added",
    queue_renamed: "Queue {} renamed to {}",
    queue_removed: "Queue {} removed",
    number_assigned: "{} now lands in queue {}",
    agent_added: "Agent {} saved",
    admin_added: "{} is now an admin",
    filter_set: "Showing conversations matching \"{}\"",
    filter_cleared: "Filter cleared: showing every conversation",
    history_not_saved: "command history not saved: {}",
};

pub static ES: CmdlineStrings = CmdlineStrings {
    help_commands: "Comandos (escribe : y el comando)",
    help_admin_commands: "Comandos de admin",
    help_command_line: "Tab completa nombres y argumentos; ↑ ↓ recuperan comandos anteriores",
    help_answers: "Cada respuesta queda en el registro de mensajes: {} o :messages",
    more_below: "↓ hay más abajo",
    pager_keys: "{} {} {} {} {} {} · {}",
    status_more: "… {} lo muestra entero",
    messages_title: "Mensajes de esta sesión",
    messages_empty: "Aún no hay mensajes: los comandos responden aquí y en la barra de arriba.",
    needs_args: ":{} necesita más: {}",
    unknown: "comando desconocido {}: Tab completa nombres, :help los lista",
    did_you_mean: "comando desconocido {}: ¿quisiste decir :{}?",
    no_conversation: "No hay conversación bajo el cursor: elige una primero",
    failed: "{}: {}",
    label_added: "Etiqueta {} añadida",
    label_removed: "Etiqueta {} quitada",
    note_added: "Nota añadida",
    moved_to_queue: "Pasada a la cola {}",
    blocked: "Bloqueado: ya no puede escribir a este número, ni este a él",
    unblocked: "Desbloqueado: pueden volver a escribirse",
    assigned_to: "Asignada a {}",
    queue_added: "Cola {} añadida",
    queue_renamed: "Cola {} renombrada a {}",
    queue_removed: "Cola {} eliminada",
    number_assigned: "{} ahora llega a la cola {}",
    agent_added: "Agente {} guardado",
    admin_added: "{} ahora es admin",
    filter_set: "Mostrando conversaciones que coinciden con \"{}\"",
    filter_cleared: "Filtro quitado: se ven todas las conversaciones",
    history_not_saved: "no se guardó el historial de comandos: {}",
};
