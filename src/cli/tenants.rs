//! `wabox tenants`: the businesses served by this installation, and how a renamed or removed
//! one is told.

use super::output::say;
use crate::protocol::Request;
use crate::protocol::directory::TenantChange;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum TenantsCommand {
    /// Add a tenant (a business with its own Meta account).
    Add {
        name: String,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// List tenants.
    List {
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Give a tenant another name; its numbers, queues and conversations stay.
    Rename {
        from: String,
        to: String,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Remove a tenant. Refused while it has numbers (they are named, with all that would go).
    Remove {
        name: String,
        /// Remove it even with numbers: its numbers, queues, contacts, conversations and
        /// messages, templates, signups and agents' records are removed too, for good.
        #[arg(long)]
        force: bool,
        /// Print the result as JSON (for scripts) instead of text
        #[arg(long)]
        json: bool,
    },
}

impl TenantsCommand {
    /// The request, and whether its answer is printed as JSON.
    pub fn request(self) -> (Request, bool) {
        match self {
            TenantsCommand::Add { name, json } => (Request::AddTenant { name }, json),
            TenantsCommand::List { json } => (Request::ListTenants, json),
            TenantsCommand::Rename { from, to, json } => (Request::RenameTenant { from, to }, json),
            TenantsCommand::Remove { name, force, json } => {
                (Request::RemoveTenant { name, force }, json)
            }
        }
    }
}

pub fn print_change(c: &TenantChange) {
    match (&c.renamed_from, &c.removed) {
        (Some(from), _) => say!("tenant {from:?} is now {:?}", c.tenant),
        (None, Some(gone)) => {
            say!("tenant {:?} removed", c.tenant);
            // Said even when empty: a removal never goes silently.
            say!("  with it went: {}", gone.describe());
        }
        (None, None) => say!("tenant {:?}", c.tenant),
    }
}
