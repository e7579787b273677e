//! Who may hold a connection to the engine's socket, and how many: decided at accept from the
//! peer's credentials, before a byte is read, so that a local user who is not a wabox user (or a
//! wabox user opening connections in a loop) cannot make the engine hold memory or descriptors.

use super::Engine;
use super::api::user_name;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connections held at once, all users together: well under the descriptors the engine has.
pub const MAX_CONNECTIONS: usize = 1024;
/// Connections one user holds at once (a TUI holds one, a command one for its moment).
pub const MAX_CONNECTIONS_PER_USER: usize = 64;
/// How long a peer's answer ("a wabox user or not") is trusted before the store is asked again:
/// long enough that a flood of connections costs one lookup, short enough that an agent just
/// added (or removed) is seen at once by people.
const VERDICT_FOR: Duration = Duration::from_secs(2);

/// Why a connection is refused; the text is the one line the peer reads before it is closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{user} is not a wabox user: an admin adds them with `wabox agents add {user} --queue QUEUE`"
    )]
    NotAUser { user: String },
    #[error(
        "{user} already holds {MAX_CONNECTIONS_PER_USER} connections to the engine: close some (other wabox commands or inboxes) and try again"
    )]
    UserFull { user: String },
    #[error(
        "the engine holds {MAX_CONNECTIONS} connections already: try again in a moment, or ask an admin to look at who holds them"
    )]
    Full,
}

impl From<Refusal> for wabox_protocol::ApiError {
    fn from(refusal: Refusal) -> Self {
        use wabox_protocol::ErrorCode;
        match refusal {
            Refusal::NotAUser { user } => ErrorCode::NotAUserToConnect { user },
            Refusal::UserFull { user } => ErrorCode::UserConnectionsFull {
                user,
                max: MAX_CONNECTIONS_PER_USER as u64,
            },
            Refusal::Full => ErrorCode::EngineConnectionsFull {
                max: MAX_CONNECTIONS as u64,
            },
        }
        .into()
    }
}

/// The connections held, per uid and in all, and a short memory of who is a wabox user.
#[derive(Default)]
pub struct Admission {
    held: Mutex<Held>,
    verdicts: Mutex<HashMap<u32, (bool, Instant)>>,
}

#[derive(Default)]
struct Held {
    total: usize,
    per_uid: HashMap<u32, usize>,
}

/// A connection counted by the admission; uncounted when dropped.
pub struct Ticket {
    admission: Arc<Admission>,
    uid: u32,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut held = lock(&self.admission.held);
        held.total = held.total.saturating_sub(1);
        if let Some(n) = held.per_uid.get_mut(&self.uid) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.per_uid.remove(&self.uid);
            }
        }
    }
}

/// A poisoned lock only means another connection's task panicked while counting: the counts
/// themselves are whole integers, so they are used as they are.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Admission {
    /// Admits a peer by uid, or says why not. Root and the engine's own user are never refused
    /// for being unknown; every other uid must be an agent or admin in the store (or a
    /// configured admin).
    pub async fn admit(
        self: &Arc<Self>,
        engine: &Arc<Engine>,
        uid: u32,
    ) -> Result<(Ticket, String), Refusal> {
        let user = user_name(uid);
        if !self.is_wabox_user(engine, uid, &user).await {
            return Err(Refusal::NotAUser { user });
        }
        // Root and the engine's own user administer the host: only the total bounds them.
        let per_user_cap = !(uid == 0 || uid == engine.own_uid);
        let ticket = self.count(uid, per_user_cap).map_err(|full| match full {
            Full::User => Refusal::UserFull { user: user.clone() },
            Full::All => Refusal::Full,
        })?;
        Ok((ticket, user))
    }

    fn count(self: &Arc<Self>, uid: u32, per_user_cap: bool) -> Result<Ticket, Full> {
        let mut held = lock(&self.held);
        if held.total >= MAX_CONNECTIONS {
            return Err(Full::All);
        }
        let mine = held.per_uid.get(&uid).copied().unwrap_or(0);
        if per_user_cap && mine >= MAX_CONNECTIONS_PER_USER {
            return Err(Full::User);
        }
        held.total += 1;
        held.per_uid.insert(uid, mine + 1);
        Ok(Ticket {
            admission: self.clone(),
            uid,
        })
    }

    async fn is_wabox_user(self: &Arc<Self>, engine: &Arc<Engine>, uid: u32, user: &str) -> bool {
        if uid == 0 || uid == engine.own_uid || engine.config.admins.iter().any(|a| a == user) {
            return true;
        }
        if let Some((known, at)) = lock(&self.verdicts).get(&uid).copied()
            && at.elapsed() < VERDICT_FOR
        {
            return known;
        }
        let name = user.to_string();
        let known = engine
            .read(move |c| wabox_store::queues::agent_record(c, &name))
            .await
            .map(|r| r.is_some())
            // The store not answering is no reason to let a stranger in.
            .unwrap_or(false);
        let mut verdicts = lock(&self.verdicts);
        // Forget old verdicts now and then, so uids that came once do not pile up.
        if verdicts.len() > 4096 {
            verdicts.retain(|_, (_, at)| at.elapsed() < VERDICT_FOR);
        }
        verdicts.insert(uid, (known, Instant::now()));
        known
    }
}

enum Full {
    User,
    All,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_past_the_cap_is_refused_and_admitted_again_when_one_closes() {
        let admission = Arc::new(Admission::default());
        let mut tickets: Vec<Ticket> = (0..MAX_CONNECTIONS_PER_USER)
            .map(|_| admission.count(1000, true).ok().unwrap())
            .collect();
        assert!(matches!(admission.count(1000, true), Err(Full::User)));
        assert!(
            admission.count(1001, true).is_ok(),
            "another user is served"
        );
        tickets.pop();
        assert!(admission.count(1000, true).is_ok());
    }

    #[test]
    fn the_total_bounds_everyone_even_the_uncapped() {
        let admission = Arc::new(Admission::default());
        let _held: Vec<Ticket> = (0..MAX_CONNECTIONS)
            .map(|i| admission.count(i as u32, true).ok().unwrap())
            .collect();
        assert!(matches!(admission.count(0, false), Err(Full::All)));
    }
}
