//! The admin's `:` commands read into requests. A queue of one tenant is named `Sales@Acme`;
//! a tenant whose name has spaces goes last after an `@`: `:agent-add alice Sales @Tacos Lupita`.
//! Without a tenant the engine finds the one tenant that has the queue, and says which tenants
//! do when several have it.

use crate::protocol::Request;

/// `Sales@Acme` → ("Sales", Some("Acme")); a name without `@` has no tenant.
fn split_tenant(word: &str) -> (String, Option<String>) {
    match word.rsplit_once('@') {
        Some((queue, tenant)) if !queue.trim().is_empty() && !tenant.trim().is_empty() => {
            (queue.trim().to_string(), Some(tenant.trim().to_string()))
        }
        _ => (word.trim().to_string(), None),
    }
}

/// Words, and a tenant given as a last `@Name with spaces` part.
fn words_and_tenant(arg: &str) -> (Vec<String>, Option<String>) {
    match arg.split_once(" @") {
        Some((rest, tenant)) if !tenant.trim().is_empty() => (
            rest.split_whitespace().map(str::to_string).collect(),
            Some(tenant.trim().to_string()),
        ),
        _ => (arg.split_whitespace().map(str::to_string).collect(), None),
    }
}

/// One queue named by the rest of the line (spaces allowed), with its tenant if named.
fn one_queue(arg: &str) -> (String, Option<String>) {
    let (words, tenant) = words_and_tenant(arg);
    let name = words.join(" ");
    match tenant {
        Some(t) => (name, Some(t)),
        None => split_tenant(&name),
    }
}

/// Why a command could not be read, for the status line.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminArgsError {
    /// Not a command this reads, or its arguments are missing.
    Unknown,
    /// `Sales@Acme Support@Globex`: an agent's queues are of one tenant.
    TwoTenants(String, String),
}

/// The request for `:name arg`.
pub fn admin_request(name: &str, arg: &str) -> Result<Request, AdminArgsError> {
    let (words, last_tenant) = words_and_tenant(arg);
    Ok(match (name, words.as_slice()) {
        ("queue-add", [_, ..]) => {
            let (name, tenant) = one_queue(arg);
            Request::AddQueue {
                tenant,
                name,
                auto_assign: false,
            }
        }
        ("queue-rename", [from, to]) => {
            let (from, tenant) = split_tenant(from);
            Request::RenameQueue {
                tenant: tenant.or(last_tenant),
                from,
                to: to.clone(),
            }
        }
        ("queue-remove", [_, ..]) => {
            let (name, tenant) = one_queue(arg);
            Request::RemoveQueue { tenant, name }
        }
        ("assign-number", [number, queue @ ..]) if !queue.is_empty() => {
            // The number says the tenant; a `@Tenant` on the queue is only what the admin meant.
            let (queue, _) = split_tenant(&queue.join(" "));
            Request::AssignNumber {
                number: number.clone(),
                queue,
            }
        }
        ("agent-add", [user, queues @ ..]) => {
            let mut tenant = last_tenant;
            let mut names = Vec::new();
            for word in queues {
                let (queue, named) = split_tenant(word);
                if let Some(named) = named {
                    match &tenant {
                        Some(t) if !t.eq_ignore_ascii_case(&named) => {
                            return Err(AdminArgsError::TwoTenants(t.clone(), named));
                        }
                        _ => tenant = Some(named),
                    }
                }
                names.push(queue);
            }
            Request::AddAgent {
                user: user.clone(),
                role: crate::protocol::Role::Agent,
                tenant,
                queues: names,
            }
        }
        ("agent-admin", [user]) => Request::AddAgent {
            user: user.clone(),
            role: crate::protocol::Role::Admin,
            tenant: last_tenant,
            queues: Vec::new(),
        },
        _ => return Err(AdminArgsError::Unknown),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_names_its_tenant_after_an_at() {
        assert_eq!(
            admin_request("agent-add", "alice Sales@Acme Support"),
            Ok(Request::AddAgent {
                user: "alice".into(),
                role: crate::protocol::Role::Agent,
                tenant: Some("Acme".into()),
                queues: vec!["Sales".into(), "Support".into()],
            })
        );
        assert_eq!(
            admin_request("agent-add", "alice Sales Support @Tacos Lupita"),
            Ok(Request::AddAgent {
                user: "alice".into(),
                role: crate::protocol::Role::Agent,
                tenant: Some("Tacos Lupita".into()),
                queues: vec!["Sales".into(), "Support".into()],
            })
        );
        assert_eq!(
            admin_request("queue-add", "Night shift@Tacos Lupita"),
            Ok(Request::AddQueue {
                tenant: Some("Tacos Lupita".into()),
                name: "Night shift".into(),
                auto_assign: false,
            })
        );
        assert_eq!(
            admin_request("agent-add", "alice Sales@Acme Sales@Globex"),
            Err(AdminArgsError::TwoTenants("Acme".into(), "Globex".into()))
        );
        assert_eq!(
            admin_request("queue-rename", "Sales@Acme Ventas"),
            Ok(Request::RenameQueue {
                tenant: Some("Acme".into()),
                from: "Sales".into(),
                to: "Ventas".into(),
            })
        );
        assert_eq!(admin_request("agent-add", ""), Err(AdminArgsError::Unknown));
    }
}
