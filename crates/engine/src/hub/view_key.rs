//! What a view sees depends on its scope, not on whose it is: views with the same key are told
//! the same of every change, and their sidebars differ only in "mine". Fifty agents serving the
//! same queues are one view to the hub: it reads their sidebar and builds their push once.

use super::rows::{Placements, Read};
use std::collections::HashSet;
use std::sync::Arc;
use wabox_store::scope::Scope;

/// The queues an agent serves, as a set (what they see) and as the sorted list that keys their
/// view, made once when they are read rather than per view per tick.
#[derive(Debug, Clone, Default)]
pub struct AgentQueues {
    set: HashSet<i64>,
    sorted: Arc<[i64]>,
}

impl AgentQueues {
    pub fn new(set: HashSet<i64>) -> AgentQueues {
        let mut sorted: Vec<i64> = set.iter().copied().collect();
        sorted.sort_unstable();
        AgentQueues {
            set,
            sorted: sorted.into(),
        }
    }

    /// The queues, to ask whether one is among them (the list follows them: read-only).
    pub fn set(&self) -> &HashSet<i64> {
        &self.set
    }
}

/// What a view depends on: views with the same key see the same conversations, numbers, queues
/// and counts (but for "mine").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ViewKey {
    /// An installation admin's or a tenant admin's: their scope.
    Admin(Scope),
    /// An agent's: the queues they serve, when nothing outside them is assigned to them.
    Queues(Arc<[i64]>),
    /// An agent with a conversation of their own outside their queues: a sidebar of their own.
    Own(String),
}

impl ViewKey {
    /// The key of a view of `scope`; `queues` are an agent's. An agent's scope is their queues'
    /// conversations and those assigned to them (`SCOPE_SQL`), so two agents of the same queues
    /// see the same only while neither has one assigned outside them.
    pub fn of(scope: &Scope, queues: &AgentQueues, placements: &Placements) -> ViewKey {
        match scope {
            Scope::Agent(user) if placements.assigned_outside(user, &queues.set) => {
                ViewKey::Own(user.clone())
            }
            Scope::Agent(_) => ViewKey::Queues(queues.sorted.clone()),
            admin => ViewKey::Admin(admin.clone()),
        }
    }

    /// As `of`, for a tick that changed `read`: an agent who held a conversation outside their
    /// queues before this tick is told it is gone, which the other agents of their queues are
    /// not, so they are a view of their own this tick.
    pub fn of_tick(
        scope: &Scope,
        queues: &AgentQueues,
        placements: &Placements,
        read: &Read,
    ) -> ViewKey {
        if let Scope::Agent(user) = scope {
            let held_outside = read.conversations.iter().any(|c| {
                c.before.as_ref().is_some_and(|p| {
                    p.assignee.as_deref() == Some(user.as_str())
                        && !p.queue_id.is_some_and(|q| queues.set.contains(&q))
                })
            });
            if held_outside {
                return ViewKey::Own(user.clone());
            }
        }
        ViewKey::of(scope, queues, placements)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wabox_store::scope::Placement;

    fn placed(queue: Option<i64>, assignee: Option<&str>) -> Placement {
        Placement {
            tenant_id: 1,
            queue_id: queue,
            assignee: assignee.map(str::to_string),
        }
    }

    #[test]
    fn agents_of_the_same_queues_share_a_sidebar_until_one_holds_a_conversation_outside_them() {
        let placements = Placements::of(vec![
            (1, placed(Some(10), Some("ana"))),
            (2, placed(Some(20), Some("ben"))),
            (3, placed(None, None)),
        ]);
        let queues = |q: &[i64]| AgentQueues::new(q.iter().copied().collect());
        let agent = |name: &str| Scope::Agent(name.into());
        // Ana's own conversation is in her queue: hers is the queue's sidebar.
        let ana = ViewKey::of(&agent("ana"), &queues(&[10]), &placements);
        let cleo = ViewKey::of(&agent("cleo"), &queues(&[10]), &placements);
        assert_eq!(ana, ViewKey::Queues(Arc::from([10])));
        assert_eq!(ana, cleo);
        // Ben holds one in queue 20, which he does not serve: he sees more than queue 10's.
        assert_eq!(
            ViewKey::of(&agent("ben"), &queues(&[10]), &placements),
            ViewKey::Own("ben".into())
        );
        // The queues, not their order.
        assert_eq!(
            ViewKey::of(&agent("dan"), &queues(&[20, 10]), &placements),
            ViewKey::of(&agent("eve"), &queues(&[10, 20]), &placements)
        );
        assert_ne!(
            ViewKey::of(&agent("dan"), &queues(&[20, 10]), &placements),
            cleo
        );
        // Admins: by scope.
        assert_eq!(
            ViewKey::of(&Scope::Tenant(1), &queues(&[]), &placements),
            ViewKey::Admin(Scope::Tenant(1))
        );
        assert_ne!(
            ViewKey::of(&Scope::Tenant(1), &queues(&[]), &placements),
            ViewKey::of(&Scope::Everything, &queues(&[]), &placements)
        );
    }
}
