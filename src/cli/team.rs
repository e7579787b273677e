//! Commands for running a team: queues, agents, claiming and transferring conversations, the
//! audit log, `doctor` and `sync`.

use crate::protocol::Request;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum TeamCommand {
    /// Queues: where each number's conversations go, and which agents see them.
    #[command(subcommand)]
    Queues(QueuesCommand),
    /// People who use wabox, by Unix user name.
    #[command(subcommand)]
    Agents(AgentsCommand),
    /// Tokens for reaching the engine from elsewhere (`wabox login`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Business hours per queue: outside them, an away reply goes once a closed period.
    #[command(subcommand)]
    Hours(HoursCommand),
    /// Take an unassigned conversation.
    Claim {
        conversation_id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Block the conversation's customer on its number (Meta's Block Users API): they can no
    /// longer write to it, nor it to them. Only a customer who wrote in the last 24 hours.
    Block {
        conversation_id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Lift a block.
    Unblock {
        conversation_id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Hand a conversation to another queue and/or agent, with an internal note.
    Transfer {
        conversation_id: i64,
        /// The queue to hand it to (without --to, nobody has it until one of its agents claims it)
        #[arg(long, value_name = "QUEUE")]
        queue: Option<String>,
        /// The agent to hand it to (a Unix user name)
        #[arg(long = "to", value_name = "USER")]
        agent: Option<String>,
        /// An internal note for whoever takes it (kept in its history, never sent)
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Who claimed and moved a conversation, and what WhatsApp changed (a new number, merged
    /// contacts).
    History {
        conversation_id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Admin actions: who connected, imported, assigned, transferred, acted as whom.
    Audit {
        /// At most this many actions (the newest)
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// What needs an admin: numbers without a queue or a token, deliveries nobody can see.
    /// Exits 3 when anything does.
    Doctor {
        /// Only what the store knows; Meta is not asked about tokens and numbers.
        #[arg(long)]
        offline: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Import or update numbers from a `whatsapp-connections.json`. Exits 3 when something
    /// needs attention (a number without a queue, a warning).
    Sync(SyncArgs),
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// The `whatsapp-connections.json` to import
    #[arg(long = "from", value_name = "FILE")]
    pub from: PathBuf,
    /// Show what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The tenant the file's numbers belong to (needed when there are several).
    #[arg(long, value_name = "NAME")]
    pub tenant: Option<String>,
    /// Route the file's numbers that have no queue yet to this queue (made if new).
    #[arg(long, value_name = "NAME")]
    pub queue: Option<String>,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum HoursCommand {
    /// A queue's time zone and week, and the away reply sent outside them.
    Set {
        queue: String,
        /// An IANA time zone: America/La_Paz, Europe/Madrid.
        #[arg(long, value_name = "ZONE")]
        tz: String,
        /// Days and hours: "mon-fri 09:00-18:00, sat 09:00-13:00" (a range may pass midnight).
        #[arg(long, value_name = "WEEK")]
        week: String,
        /// What a customer writing outside the hours is answered, once a closed period.
        #[arg(long, value_name = "TEXT")]
        away: Option<String>,
        /// The tenant (business) the queue belongs to (needed when there are several)
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// A day the queue stays closed (its local date), or, with --remove, one taken back.
    Holiday {
        queue: String,
        /// YYYY-MM-DD.
        date: String,
        /// Remove the holiday instead of adding it
        #[arg(long)]
        remove: bool,
        /// The tenant (business) the queue belongs to (needed when there are several)
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Every queue's hours: open now or not, and until when.
    Show {
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

impl HoursCommand {
    fn request(self) -> (Request, bool) {
        match self {
            HoursCommand::Set {
                queue,
                tz,
                week,
                away,
                tenant,
                json,
            } => (
                Request::SetHours {
                    tenant,
                    queue,
                    zone: tz,
                    week,
                    away,
                },
                json,
            ),
            HoursCommand::Holiday {
                queue,
                date,
                remove,
                tenant,
                json,
            } => (
                Request::Holiday {
                    tenant,
                    queue,
                    date,
                    remove,
                },
                json,
            ),
            HoursCommand::Show { json } => (Request::ListHours, json),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum QueuesCommand {
    /// Add a queue to a tenant.
    Add {
        name: String,
        /// The tenant (business) the queue belongs to (needed when there are several)
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// Assign new conversations round-robin to the queue's agents who have an inbox open.
        #[arg(long)]
        auto_assign: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// The queues you may see, with their numbers and agents.
    List {
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Give a queue a new name.
    Rename {
        from: String,
        to: String,
        /// The tenant (business) the queue belongs to (needed when there are several)
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Refused while numbers route to it.
    Remove {
        name: String,
        /// The tenant (business) the queue belongs to (needed when there are several)
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// A queue's first-response target (its SLA): a conversation waiting longer for a first
    /// answer is marked in the inbox and counted in `wabox report`. `off` removes it.
    Sla {
        name: String,
        /// Minutes (e.g. 15), or `off`.
        #[arg(value_name = "MINUTES|off")]
        minutes: String,
        /// The tenant (business) the queue belongs to (needed when there are several)
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Round-robin assignment of a queue's new conversations to its agents with an inbox open.
    AutoAssign {
        name: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
        /// The tenant (business) the queue belongs to (needed when there are several)
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Route a number (phone number id or display number) to a queue; its conversations
    /// without a queue move there.
    Assign {
        number: String,
        queue: String,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AgentsCommand {
    /// Add (or update) a user: an agent of some queues, or an admin.
    Add {
        user: String,
        /// An agent sees their queues; an admin manages a tenant (or all of them)
        #[arg(long, default_value = "agent", value_parser = ["admin", "agent"])]
        role: String,
        /// The tenant (business) of their queues, or the one an admin administers (an admin
        /// added without it administers every tenant)
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// A queue whose conversations they see (repeat for several); admins need none
        #[arg(long = "queue", value_name = "NAME")]
        queues: Vec<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// The agents and admins you may see, with their queues.
    List {
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Make a token for a user (admins); it is printed once, and only its digest is kept.
    Create {
        /// The wabox user it acts as (an agent record, or one of the config's `admins`).
        user: String,
        /// Until when, from now: 90d, 12h, 2w. Without it, until revoked.
        #[arg(long, value_name = "DURATION", value_parser = super::args::parse_duration_arg)]
        expires: Option<i64>,
        /// What it is for, to tell it apart in `token list` (a laptop's name, say).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// The tokens you may see: all for an installation admin, your tenant's users' for its
    /// admin, your own for an agent.
    List {
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: it opens nothing from now on, and its open sessions are closed.
    Revoke {
        id: i64,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

impl TokenCommand {
    fn request(self) -> (Request, bool) {
        match self {
            TokenCommand::Create {
                user,
                expires,
                name,
                json,
            } => (
                Request::CreateToken {
                    user,
                    name,
                    expires_in: expires,
                },
                json,
            ),
            TokenCommand::List { json } => (Request::ListTokens, json),
            TokenCommand::Revoke { id, json } => (Request::RevokeToken { id }, json),
        }
    }
}

impl QueuesCommand {
    fn request(self) -> anyhow::Result<(Request, bool)> {
        Ok(match self {
            QueuesCommand::Add {
                name,
                tenant,
                auto_assign,
                json,
            } => (
                Request::AddQueue {
                    tenant,
                    name,
                    auto_assign,
                },
                json,
            ),
            QueuesCommand::List { json } => (Request::ListQueues, json),
            QueuesCommand::Rename {
                from,
                to,
                tenant,
                json,
            } => (Request::RenameQueue { tenant, from, to }, json),
            QueuesCommand::Remove { name, tenant, json } => {
                (Request::RemoveQueue { tenant, name }, json)
            }
            QueuesCommand::Sla {
                name,
                minutes,
                tenant,
                json,
            } => {
                let minutes = match minutes.trim() {
                    "off" | "none" | "0" => None,
                    m => Some(m.parse::<u32>().map_err(|_| {
                        anyhow::anyhow!("{m:?} is not a number of minutes: write 15, 60, or off")
                    })?),
                };
                (
                    Request::SetSla {
                        tenant,
                        queue: name,
                        minutes,
                    },
                    json,
                )
            }
            QueuesCommand::AutoAssign {
                name,
                state,
                tenant,
                json,
            } => (
                Request::SetAutoAssign {
                    tenant,
                    name,
                    on: state == "on",
                },
                json,
            ),
            QueuesCommand::Assign {
                number,
                queue,
                json,
            } => (Request::AssignNumber { number, queue }, json),
        })
    }
}

impl AgentsCommand {
    fn request(self) -> (Request, bool) {
        match self {
            AgentsCommand::Add {
                user,
                role,
                tenant,
                queues,
                json,
            } => (
                {
                    warn_if_no_such_user(&user, json);
                    Request::AddAgent {
                        user,
                        // clap admits only these two words.
                        role: crate::protocol::Role::parse(&role)
                            .unwrap_or(crate::protocol::Role::Agent),
                        tenant,
                        queues,
                    }
                },
                json,
            ),
            AgentsCommand::List { json } => (Request::ListAgents, json),
        }
    }
}

impl TeamCommand {
    /// The request, whether `--json` was asked for, and (for sync) nothing else to read.
    pub fn request(self) -> anyhow::Result<(Request, bool)> {
        Ok(match self {
            TeamCommand::Queues(q) => q.request()?,
            TeamCommand::Hours(h) => h.request(),
            TeamCommand::Agents(a) => a.request(),
            TeamCommand::Token(t) => t.request(),
            TeamCommand::Claim {
                conversation_id,
                json,
            } => (Request::Claim { conversation_id }, json),
            TeamCommand::Block {
                conversation_id,
                json,
            } => (Request::Block { conversation_id }, json),
            TeamCommand::Unblock {
                conversation_id,
                json,
            } => (Request::Unblock { conversation_id }, json),
            TeamCommand::Transfer {
                conversation_id,
                queue,
                agent,
                note,
                json,
            } => (
                Request::Transfer {
                    conversation_id,
                    queue,
                    agent,
                    note,
                },
                json,
            ),
            TeamCommand::History {
                conversation_id,
                json,
            } => (Request::History { conversation_id }, json),
            TeamCommand::Audit { limit, json } => (Request::Audit { limit: Some(limit) }, json),
            TeamCommand::Doctor { offline, json } => (Request::Doctor { offline }, json),
            TeamCommand::Sync(args) => {
                let content = std::fs::read_to_string(&args.from)
                    .map_err(|e| anyhow::anyhow!("could not read {}: {e}", args.from.display()))?;
                (
                    Request::Sync {
                        file_name: args.from.display().to_string(),
                        content,
                        tenant: args.tenant,
                        dry_run: args.dry_run,
                        create_tenant: false,
                        queue: args.queue,
                    },
                    args.json,
                )
            }
        })
    }
}

/// Agents are Unix users; one that does not exist here yet is allowed (the account may come
/// later, or live on the host the engine runs on), but said.
fn warn_if_no_such_user(user: &str, json: bool) {
    let shaped = crate::domain::text::check_user_name(user).is_ok();
    if !json && shaped && matches!(nix::unistd::User::from_name(user), Ok(None)) {
        super::output::say_err!(
            "note: there is no Unix user {user} on this host: they open the inbox here once the account exists, or from anywhere with a token (`wabox token create {user}`, then `wabox login`)"
        );
    }
}
