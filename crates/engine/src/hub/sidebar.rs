//! Reading the sidebars of the views that are due, once per kind of view rather than once per
//! view.
//!
//! A view's sidebar (numbers, queues, counts, deliveries waiting) depends on its scope, and on
//! its user only for "mine". Fifty agents serving the same queues see the same numbers, queues
//! and counts; reading them fifty times, each with its own access check, was most of what a team
//! cost the engine (`bench fanout --agents`). So the due views are put together by what their
//! sidebar depends on (`ViewKey`), the shared part is read once as any one of them, and each
//! reads only its own "mine" (`view_counts::mine`, through the assignee's index).

use super::GroupKey;
use super::view_key::ViewKey;
use crate::Engine;
use crate::api::Caller;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;
use wabox_domain::time::now_unix;
use wabox_protocol::push::{Attention, Sidebar};
use wabox_protocol::{Request, Response};
use wabox_store::scope::Scope;

/// One view whose sidebar is due.
pub struct Member {
    pub group: GroupKey,
    pub caller: Caller,
    pub act_as: Option<String>,
    pub scope: Scope,
    /// Whose "mine" it shows.
    pub user: String,
    /// The hub knows `user` holds no conversation: "mine" is 0 without asking the store.
    pub holds_nothing: bool,
}

/// Each read sidebar (none when it could not be read) goes back through `done`.
pub type Done = mpsc::UnboundedSender<(GroupKey, Option<Arc<Sidebar>>)>;

/// Reads the sidebars of `due`, each key's shared part once, on tasks of their own.
pub fn read(engine: &Arc<Engine>, due: Vec<(ViewKey, Member)>, done: &Done) {
    let mut by_key: HashMap<ViewKey, Vec<Member>> = HashMap::new();
    for (key, member) in due {
        by_key.entry(key).or_default().push(member);
    }
    for members in by_key.into_values() {
        tokio::spawn(read_together(engine.clone(), members, done.clone()));
    }
}

async fn read_together(engine: Arc<Engine>, members: Vec<Member>, done: Done) {
    let Some(first) = members.first() else { return };
    let shared = shared_part(&engine, first).await;
    // The others' own counts, in one read: the first's is in the shared part. Most agents of
    // a team hold nothing at a given moment: theirs is 0 without a look.
    let others: Vec<Option<(Scope, String)>> = members[1..]
        .iter()
        .map(|m| (!m.holds_nothing).then(|| (m.scope.clone(), m.user.clone())))
        .collect();
    let mines = match (&shared, others.iter().any(Option::is_some)) {
        (Some(_), true) => {
            let now = now_unix();
            let read = engine
                .read(move |c| {
                    others
                        .iter()
                        .map(|who| match who {
                            Some((scope, user)) => {
                                wabox_store::view_counts::mine(c, scope, user, now)
                            }
                            None => Ok(0),
                        })
                        .collect::<wabox_store::Result<Vec<i64>>>()
                })
                .await;
            read.map_err(|e| {
                tracing::warn!(error = %e, "the event hub could not count the views' own");
            })
            .ok()
        }
        (Some(_), false) => Some(vec![0; others.len()]),
        (None, _) => None,
    };
    // Views whose "mine" is the same share one sidebar (most of a team: nothing of their own),
    // so the hub neither copies it per view nor compares the copies to share their bytes.
    let shared = shared.map(Arc::new);
    let mut made: Vec<Arc<Sidebar>> = shared.iter().cloned().collect();
    for (i, member) in members.iter().enumerate() {
        let mine = match (&shared, &mines) {
            (Some(shared), _) if i == 0 => Some(shared.counts.mine),
            (Some(_), Some(mines)) => mines.get(i - 1).copied(),
            _ => None,
        };
        let sidebar = shared.as_ref().zip(mine).map(|(shared, mine)| {
            match made.iter().find(|s| s.counts.mine == mine) {
                Some(same) => same.clone(),
                None => {
                    let mut own = Sidebar::clone(shared);
                    own.counts.mine = mine;
                    let own = Arc::new(own);
                    made.push(own.clone());
                    own
                }
            }
        });
        let _ = done.send((member.group.clone(), sidebar));
    }
}

/// The sidebar as `member` is answered it, through the requests' own rules.
async fn shared_part(engine: &Arc<Engine>, member: &Member) -> Option<Sidebar> {
    let ask = |request| {
        let (engine, caller, act_as) = (engine.clone(), member.caller.clone(), &member.act_as);
        async move {
            engine
                .answer_unaudited(&caller, act_as.as_deref(), request)
                .await
        }
    };
    let Ok(Response::Numbers(numbers)) = ask(Request::ListNumbers).await else {
        return None;
    };
    let Ok(Response::Queues(queues)) = ask(Request::ListQueues).await else {
        return None;
    };
    let Ok(Response::ConversationCounts(counts)) = ask(Request::ConversationCounts).await else {
        return None;
    };
    let attention = match ask(Request::Attention).await {
        Ok(Response::Attention { unrouted, invalid }) => Some(Attention { unrouted, invalid }),
        _ => None,
    };
    Some(Sidebar {
        numbers,
        queues,
        counts,
        attention,
    })
}
