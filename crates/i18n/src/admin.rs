//! The admin's words in the inbox (the `:` commands for queues and agents), in both languages.

use super::Lang;

/// `:agent-add alice Sales@Acme Support@Globex`: an agent's queues are all of one tenant.
pub fn agent_two_tenants(lang: Lang, first: &str, second: &str) -> String {
    match lang {
        Lang::Es => format!(
            "las colas de un agente son de una sola empresa, y nombraste {first} y {second}: \
             elige una (`:agent-add USUARIO Cola@Empresa`)"
        ),
        _ => format!(
            "an agent's queues are all of one tenant, and you named {first} and {second}: \
             pick one (`:agent-add USER Queue@Tenant`)"
        ),
    }
}
