//! Which pushed events a subscriber receives: only those its scope may see, so an agent or a
//! tenant's admin never learns another tenant's conversation, journal or WABA ids. One rule for
//! the socket's subscribers and the in-process client.
//!
//! Events come by the thousand, so the answer for a conversation is cached per subscriber and
//! asked again only when that conversation changes (its queue or assignee may have moved); an
//! installation admin sees everything and asks nothing.

use super::Engine;
use super::api::Caller;
use std::collections::HashMap;
use std::sync::Arc;
use wabox_protocol::ApiError;
use wabox_store::StoreEvent;
use wabox_store::scope::{NUMBER_SCOPE_SQL, Scope};

/// What deciding on one event takes.
#[derive(Debug, PartialEq, Eq)]
enum Question {
    Pass,
    Deny,
    /// Whether the scope sees this conversation; `changed` when its assignment or queue may
    /// have moved, so a cached answer is stale.
    Conversation {
        id: i64,
        changed: bool,
    },
    /// Whether the scope sees a number of this WABA.
    Waba(String),
    /// What the subscriber may see may have changed (agents, queues, numbers), or changes
    /// were missed (lagged): forget what was cached, ask again, and pass it on.
    Refresh,
}

/// The rule, without the lookups it leads to.
fn question(scope: Option<&Scope>, event: &StoreEvent) -> Question {
    match (event, scope) {
        // These carry no ids: everyone may know something changed.
        (StoreEvent::Lagged { .. } | StoreEvent::DirectoryChanged, _) => Question::Refresh,
        // The engine's clock is everyone's.
        (StoreEvent::ClockMoved { .. }, _) => Question::Pass,
        // A subscriber who is no longer a wabox user hears nothing else.
        (_, None) => Question::Deny,
        (_, Some(Scope::Everything)) => Question::Pass,
        // The journal is not divided by tenant (an unrouted delivery has none): installation
        // admins only.
        (StoreEvent::JournalChanged { .. }, Some(_)) => Question::Deny,
        (
            StoreEvent::MessageAdded {
                conversation_id, ..
            }
            | StoreEvent::MessageChanged {
                conversation_id, ..
            },
            Some(_),
        ) => Question::Conversation {
            id: *conversation_id,
            changed: false,
        },
        (StoreEvent::ConversationChanged { conversation_id }, Some(_)) => Question::Conversation {
            id: *conversation_id,
            changed: true,
        },
        (StoreEvent::TemplateStatusChanged { waba_id }, Some(_)) => Question::Waba(waba_id.clone()),
    }
}

/// Where a conversation stands for a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    Sees,
    /// Seen before, not any more: the subscriber is told once, to drop it.
    Gone,
    Never,
}

/// One subscriber's filter: who subscribed and what they were seen to see.
pub struct EventFilter {
    caller: Caller,
    act_as: Option<String>,
    /// None once the subscriber is no longer a wabox user.
    scope: Option<Scope>,
    conversations: HashMap<i64, bool>,
    wabas: HashMap<String, bool>,
}

impl EventFilter {
    /// The filter of a subscriber whose access was already granted (and audited).
    pub async fn new(
        engine: &Arc<Engine>,
        caller: &Caller,
        act_as: Option<&str>,
    ) -> Result<EventFilter, ApiError> {
        let access = engine.access_unaudited(caller, act_as).await?;
        Ok(EventFilter {
            caller: caller.clone(),
            act_as: act_as.map(str::to_string),
            scope: Some(access.scope),
            conversations: HashMap::new(),
            wabas: HashMap::new(),
        })
    }

    /// Whether the subscriber sees a conversation now, and whether it did before (as far as this
    /// filter was told). `changed`: its queue or assignee may have moved since it was last asked.
    pub async fn sight(&mut self, engine: &Arc<Engine>, id: i64, changed: bool) -> Sight {
        let before = if changed {
            self.conversations.remove(&id)
        } else if let Some(seen) = self.conversations.get(&id) {
            return if *seen { Sight::Sees } else { Sight::Never };
        } else {
            None
        };
        let Some(scope) = self.scope.clone() else {
            return Sight::Never;
        };
        let now = lookup(engine, move |c| scope.sees_conversation(c, id)).await;
        if let Some(now) = now {
            self.conversations.insert(id, now);
        }
        match (before, now) {
            (_, Some(true)) => Sight::Sees,
            // One handed away is still told about once, so its holder's list drops it.
            (Some(true), _) => Sight::Gone,
            _ => Sight::Never,
        }
    }

    /// What the subscriber may see; none once they are no longer a wabox user.
    pub fn scope(&self) -> Option<&Scope> {
        self.scope.as_ref()
    }

    /// Whose view this is: the `--as` user, or the caller.
    pub fn user(&self) -> &str {
        self.act_as.as_deref().unwrap_or(&self.caller.user)
    }

    /// Whether the subscriber is an admin (of everything or of a tenant): the wording of a
    /// failure's advice depends on it.
    pub fn is_admin(&self) -> bool {
        self.scope.as_ref().is_some_and(Scope::is_admin)
    }

    /// Whether the subscriber may see the journal (installation admins only).
    pub fn sees_journal(&self) -> bool {
        self.scope == Some(Scope::Everything)
    }

    /// What the subscriber may see may have changed (tenants, queues, agents): forget the cached
    /// answers and ask for the scope again.
    pub async fn refresh(&mut self, engine: &Arc<Engine>) {
        self.conversations.clear();
        self.wabas.clear();
        self.scope = engine
            .access_unaudited(&self.caller, self.act_as.as_deref())
            .await
            .ok()
            .map(|a| a.scope);
    }

    /// Whether the subscriber sees a number of this WABA (a template change concerns them).
    pub async fn sees_waba(&mut self, engine: &Arc<Engine>, waba: &str) -> bool {
        self.allows(
            engine,
            &StoreEvent::TemplateStatusChanged {
                waba_id: waba.to_string(),
            },
        )
        .await
    }

    /// Whether the subscriber may receive this event. A lookup that fails denies (and is not
    /// remembered).
    pub async fn allows(&mut self, engine: &Arc<Engine>, event: &StoreEvent) -> bool {
        match question(self.scope.as_ref(), event) {
            Question::Pass => true,
            Question::Deny => false,
            Question::Refresh => {
                self.conversations.clear();
                self.wabas.clear();
                self.scope = engine
                    .access_unaudited(&self.caller, self.act_as.as_deref())
                    .await
                    .ok()
                    .map(|a| a.scope);
                true
            }
            Question::Conversation { id, changed } => {
                let before = if changed {
                    self.conversations.remove(&id)
                } else if let Some(seen) = self.conversations.get(&id) {
                    return *seen;
                } else {
                    None
                };
                let Some(scope) = self.scope.clone() else {
                    return false;
                };
                let now = lookup(engine, move |c| scope.sees_conversation(c, id)).await;
                if let Some(now) = now {
                    self.conversations.insert(id, now);
                }
                // One handed away is still told about once, so its holder's list drops it.
                before == Some(true) || now == Some(true)
            }
            Question::Waba(waba) => {
                if let Some(seen) = self.wabas.get(&waba) {
                    return *seen;
                }
                let Some(scope) = self.scope.clone() else {
                    return false;
                };
                let key = waba.clone();
                let seen = lookup(engine, move |c| sees_waba(c, &scope, &waba)).await;
                if let Some(seen) = seen {
                    self.wabas.insert(key, seen);
                }
                seen == Some(true)
            }
        }
    }
}

async fn lookup(
    engine: &Arc<Engine>,
    f: impl FnOnce(&wabox_store::db::Connection) -> wabox_store::Result<bool> + Send + 'static,
) -> Option<bool> {
    let engine = engine.clone();
    match tokio::task::spawn_blocking(move || engine.readers.with(f)).await {
        Ok(Ok(seen)) => Some(seen),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not tell whether a subscriber may see an event");
            None
        }
        Err(_) => None,
    }
}

fn sees_waba(
    conn: &wabox_store::db::Connection,
    scope: &Scope,
    waba: &str,
) -> wabox_store::Result<bool> {
    use wabox_store::db::OptionalExtension;
    let sql = format!("SELECT 1 FROM numbers n WHERE n.waba_id = :waba AND {NUMBER_SCOPE_SQL}");
    let seen: Option<i64> = conn
        .prepare_cached(&sql)?
        .query_row(
            wabox_store::named_params! {
                ":waba": waba,
                ":scope_tenant": scope.tenant(),
                ":scope_agent": scope.agent(),
            },
            |r| r.get(0),
        )
        .optional()?;
    Ok(seen.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_kinds() -> Vec<StoreEvent> {
        vec![
            StoreEvent::MessageAdded {
                conversation_id: 7,
                message_id: 70,
            },
            StoreEvent::MessageChanged {
                conversation_id: 7,
                message_id: 70,
            },
            StoreEvent::ConversationChanged { conversation_id: 7 },
            StoreEvent::JournalChanged {
                journal_id: 3,
                state: wabox_protocol::admin::JournalState::Unrouted,
            },
            StoreEvent::TemplateStatusChanged {
                waba_id: "104829357711032".into(),
            },
            StoreEvent::DirectoryChanged,
            StoreEvent::Lagged { missed: 2 },
        ]
    }

    #[test]
    fn an_installation_admin_receives_everything_without_asking_about_it() {
        for event in all_kinds() {
            let q = question(Some(&Scope::Everything), &event);
            assert!(matches!(q, Question::Pass | Question::Refresh), "{event:?}");
        }
    }

    #[test]
    fn others_are_asked_about_the_conversation_and_never_get_journal_ids() {
        for scope in [Scope::Tenant(1), Scope::Agent("alice".into())] {
            let asked: Vec<Question> = all_kinds()
                .iter()
                .map(|e| question(Some(&scope), e))
                .collect();
            assert_eq!(
                asked,
                [
                    Question::Conversation {
                        id: 7,
                        changed: false
                    },
                    Question::Conversation {
                        id: 7,
                        changed: false
                    },
                    Question::Conversation {
                        id: 7,
                        changed: true
                    },
                    Question::Deny,
                    Question::Waba("104829357711032".into()),
                    Question::Refresh,
                    Question::Refresh,
                ]
            );
        }
    }

    #[test]
    fn a_subscriber_no_longer_a_user_hears_only_what_carries_no_ids() {
        for event in all_kinds() {
            let q = question(None, &event);
            let expected = match event {
                StoreEvent::DirectoryChanged | StoreEvent::Lagged { .. } => Question::Refresh,
                _ => Question::Deny,
            };
            assert_eq!(q, expected, "{event:?}");
        }
    }
}
