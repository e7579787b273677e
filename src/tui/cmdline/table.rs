//! Every `:` command with its arguments, in one table: the dispatcher checks a line against it,
//! the help lists it, and Tab completes from it, so the three cannot drift apart. Actions with a
//! key (`:next_unread`, `:close`…) come from the keymap and are listed beside their keys.

use crate::i18n::Lang;

/// What an argument is, for completion and for the help's placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Free text (a note, a filter, search words): nothing to complete.
    Text,
    /// A conversation's number in the list.
    Conversation,
    /// `30m`, `2h`, `1d`.
    Duration,
    Queue,
    Agent,
    Label,
    Tenant,
    /// A file, relative to the working directory or `~`.
    Path,
    /// A business phone number.
    Number,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    pub kind: ArgKind,
    /// The placeholder in the help, in each language: `LABEL`, `ETIQUETA`.
    pub en: &'static str,
    pub es: &'static str,
    pub optional: bool,
    /// Takes the rest of the line (several words, or a repeated value).
    pub rest: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    pub name: &'static str,
    pub args: &'static [Arg],
    pub en: &'static str,
    pub es: &'static str,
    /// Changes what only admins may change (the engine refuses the others; help says so).
    pub admin: bool,
}

const fn arg(kind: ArgKind, en: &'static str, es: &'static str) -> Arg {
    Arg {
        kind,
        en,
        es,
        optional: false,
        rest: false,
    }
}

const fn rest(kind: ArgKind, en: &'static str, es: &'static str) -> Arg {
    Arg {
        kind,
        en,
        es,
        optional: false,
        rest: true,
    }
}

const fn optional_rest(kind: ArgKind, en: &'static str, es: &'static str) -> Arg {
    Arg {
        kind,
        en,
        es,
        optional: true,
        rest: true,
    }
}

const TEXT: Arg = rest(ArgKind::Text, "TEXT", "TEXTO");
const NOTE: Arg = optional_rest(ArgKind::Text, "NOTE", "NOTA");
const QUEUE: Arg = arg(ArgKind::Queue, "QUEUE", "COLA");
const LABEL: Arg = rest(ArgKind::Label, "LABEL", "ETIQUETA");

/// The commands, in the order the help lists them.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "open",
        args: &[arg(ArgKind::Conversation, "ID", "ID")],
        en: "open conversation ID of the list",
        es: "abre la conversación ID de la lista",
        admin: false,
    },
    Command {
        name: "filter",
        args: &[optional_rest(ArgKind::Text, "TEXT", "TEXTO")],
        en: "list only what matches (nothing: all)",
        es: "lista solo lo que coincide (nada: todo)",
        admin: false,
    },
    Command {
        name: "search",
        args: &[rest(ArgKind::Text, "WORDS", "PALABRAS")],
        en: "search every message",
        es: "busca en todos los mensajes",
        admin: false,
    },
    Command {
        name: "note",
        args: &[TEXT],
        en: "add a private note to the contact",
        es: "añade una nota privada al contacto",
        admin: false,
    },
    Command {
        name: "label",
        args: &[LABEL],
        en: "label the contact",
        es: "etiqueta al contacto",
        admin: false,
    },
    Command {
        name: "unlabel",
        args: &[LABEL],
        en: "remove a label from the contact",
        es: "quita una etiqueta al contacto",
        admin: false,
    },
    Command {
        name: "close",
        args: &[],
        en: "close the conversation",
        es: "cierra la conversación",
        admin: false,
    },
    Command {
        name: "reopen",
        args: &[],
        en: "reopen the conversation",
        es: "reabre la conversación",
        admin: false,
    },
    Command {
        name: "snooze",
        args: &[arg(ArgKind::Duration, "TIME", "TIEMPO")],
        en: "snooze it: 30m, 2h, 1d, 1w",
        es: "posponla: 30m, 2h, 1d, 1w",
        admin: false,
    },
    Command {
        name: "transfer",
        args: &[QUEUE, NOTE],
        en: "move it to another queue",
        es: "pásala a otra cola",
        admin: false,
    },
    Command {
        name: "assign",
        args: &[arg(ArgKind::Agent, "AGENT", "AGENTE"), NOTE],
        en: "give it to an agent",
        es: "asígnala a un agente",
        admin: false,
    },
    Command {
        name: "block",
        args: &[],
        en: "block the customer on this number (they wrote in the last 24 h)",
        es: "bloquea al cliente en este número (escribió en las últimas 24 h)",
        admin: false,
    },
    Command {
        name: "unblock",
        args: &[],
        en: "lift the block",
        es: "levanta el bloqueo",
        admin: false,
    },
    Command {
        name: "attach",
        args: &[rest(ArgKind::Path, "PATH", "RUTA")],
        en: "send a file (Tab completes the path)",
        es: "envía un archivo (Tab completa la ruta)",
        admin: false,
    },
    Command {
        name: "broadcasts",
        args: &[],
        en: "broadcasts and their progress",
        es: "las difusiones y su avance",
        admin: false,
    },
    Command {
        name: "messages",
        args: &[],
        en: "this session's answers, whole",
        es: "las respuestas de esta sesión, enteras",
        admin: false,
    },
    Command {
        name: "help",
        args: &[],
        en: "this help",
        es: "esta ayuda",
        admin: false,
    },
    Command {
        name: "quit",
        args: &[],
        en: "leave the inbox",
        es: "sal de la bandeja",
        admin: false,
    },
    Command {
        name: "queue-add",
        args: &[rest(ArgKind::Text, "NAME", "NOMBRE")],
        en: "add a queue",
        es: "añade una cola",
        admin: true,
    },
    Command {
        name: "queue-rename",
        args: &[
            arg(ArgKind::Queue, "FROM", "DE"),
            arg(ArgKind::Text, "TO", "A"),
        ],
        en: "rename a queue",
        es: "renombra una cola",
        admin: true,
    },
    Command {
        name: "queue-remove",
        args: &[rest(ArgKind::Queue, "QUEUE", "COLA")],
        en: "remove an empty queue",
        es: "elimina una cola vacía",
        admin: true,
    },
    Command {
        name: "assign-number",
        args: &[
            arg(ArgKind::Number, "NUMBER", "NÚMERO"),
            rest(ArgKind::Queue, "QUEUE", "COLA"),
        ],
        en: "send a number's chats to a queue",
        es: "lleva los chats de un número a una cola",
        admin: true,
    },
    Command {
        name: "agent-add",
        args: &[
            arg(ArgKind::Agent, "USER", "USUARIO"),
            optional_rest(ArgKind::Queue, "QUEUE…", "COLA…"),
        ],
        en: "add an agent to queues (Sales@Tenant when two tenants have one)",
        es: "añade un agente a colas (Ventas@Negocio si dos negocios la tienen)",
        admin: true,
    },
    Command {
        name: "agent-admin",
        args: &[arg(ArgKind::Agent, "USER", "USUARIO")],
        en: "make a user an admin",
        es: "haz admin a un usuario",
        admin: true,
    },
];

/// The command of this name (exactly as typed: names are lower case).
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

impl Arg {
    pub fn placeholder(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Es => self.es,
            _ => self.en,
        }
    }
}

impl Command {
    pub fn description(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Es => self.es,
            _ => self.en,
        }
    }

    /// `:transfer QUEUE [NOTE]`, as the help and a refusal show it.
    pub fn usage(&self, lang: Lang) -> String {
        let mut out = format!(":{}", self.name);
        for a in self.args {
            let p = a.placeholder(lang);
            if a.optional {
                out.push_str(&format!(" [{p}]"));
            } else {
                out.push_str(&format!(" {p}"));
            }
        }
        out
    }

    /// How many words a line needs after the name.
    pub fn required(&self) -> usize {
        self.args.iter().filter(|a| !a.optional).count()
    }

    /// The argument the `index`th word (0 = the first after the name) fills.
    pub fn arg_at(&self, index: usize) -> Option<&Arg> {
        self.args
            .get(index)
            .or_else(|| self.args.last().filter(|a| a.rest))
    }
}
