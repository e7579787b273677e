//! Running an enrollment: the pure rule that takes its steps from where it stands.

use super::{
    ContactFields, LateRule, MAX_STEPS_PER_RUN, Sequence, StepKind, Target, TemplateRef, fill,
};

/// Where an enrollment stands between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// The step to run.
    pub step: usize,
    /// When the current step began waiting (a wait or a wait for a reply), if it has.
    pub waiting_since: Option<i64>,
    /// The customer's reply is what they wrote after this message id.
    pub reply_after: Option<i64>,
}

/// What a run knows about the conversation.
#[derive(Debug, Clone)]
pub struct RunContext<'a> {
    pub now: i64,
    /// When this run was due: the enrollment was made, or the wait before it ended. A wait the
    /// run comes to before doing anything counts from then, not from when the engine got to it,
    /// so a scheduler behind by some seconds (a busy store, a backlog after a restart) does not
    /// stretch the wait by as much. After a message the run sends, a wait counts from the send.
    pub due: i64,
    /// The customer's window stays open at least `WINDOW_MARGIN_SECONDS` more.
    pub window_open: bool,
    /// What the customer wrote after `reply_after` (none: nothing yet), or with no reply wait,
    /// their last message.
    pub reply: Option<&'a str>,
    /// The newest message id in the conversation: a reply wait starting now waits for later ones.
    pub last_message_id: i64,
    /// This run is later than the sequence's `late_after` (the engine was down).
    pub late: bool,
    pub contact: &'a ContactFields,
}

/// Something a run does to the conversation, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    SendText {
        body: String,
    },
    SendTemplate {
        name: String,
        language: String,
        params: Vec<String>,
    },
    Assign {
        queue: Option<String>,
        agent: Option<String>,
    },
    Close,
    /// A late message not sent, by the sequence's `late = "skip"`.
    Skipped {
        why: String,
    },
}

/// What happens after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    /// Run again at this time (a wait).
    RunAt(i64),
    /// Waiting for the customer; run again at the deadline, if any, or when they write.
    AwaitReply { deadline: Option<i64> },
    /// Stopped until someone resumes it: why.
    Paused(String),
    /// Nothing more to do: `completed` or why it stopped.
    Finished(String),
}

/// One run's outcome: the actions (with the step that took each), where it stands, what next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub actions: Vec<(usize, Action)>,
    pub position: Position,
    pub after: After,
}

/// Runs an enrollment from `position` until it must wait, pauses or finishes.
/// Runs an enrollment from `position` until it must wait, pauses or finishes.
pub fn run(seq: &Sequence, position: Position, ctx: &RunContext<'_>) -> Run {
    let mut pos = position;
    let mut actions = Vec::new();
    // When the step now reached began: the run's due time, until the run does something.
    let mut reached = ctx.due.min(ctx.now);
    for _ in 0..MAX_STEPS_PER_RUN {
        let index = pos.step;
        let Some(step) = seq.steps.get(index) else {
            return Run {
                actions,
                position: pos,
                after: After::Finished("completed".into()),
            };
        };
        let done = actions.len();
        let flow = take_step(seq, &step.kind, index, &mut pos, &mut actions, reached, ctx);
        if actions.len() > done {
            reached = ctx.now;
        }
        let after = match flow {
            Flow::Go(target) => jump(seq, &mut pos, target, index),
            Flow::Halt(after) => Some(after),
        };
        if let Some(after) = after {
            return Run {
                actions,
                position: pos,
                after,
            };
        }
    }
    Run {
        actions,
        position: pos,
        after: After::Paused(
            crate::engine_text::PAUSED_GOTO_LOOP.en(&[&MAX_STEPS_PER_RUN.to_string()]),
        ),
    }
}

/// What a step leaves the run to do.
enum Flow {
    /// Go on to this step.
    Go(Target),
    /// The run ends here, for now or for good.
    Halt(After),
}

/// Takes step `index`: its actions go to `actions`, waits mark `pos`.
fn take_step(
    seq: &Sequence,
    kind: &StepKind,
    index: usize,
    pos: &mut Position,
    actions: &mut Vec<(usize, Action)>,
    reached: i64,
    ctx: &RunContext<'_>,
) -> Flow {
    match kind {
        StepKind::Text { body, fallback } => {
            let action = if ctx.window_open {
                Action::SendText {
                    body: fill(body, ctx.contact),
                }
            } else if let Some(t) = fallback {
                send_template(t, ctx.contact)
            } else {
                return Flow::Halt(After::Paused(
                    crate::engine_text::PAUSED_WINDOW_CLOSED.en(&[&seq.step_name(index)]),
                ));
            };
            actions.push((index, late_or(action, ctx, seq)));
            Flow::Go(Target::Next)
        }
        StepKind::Template(t) => {
            actions.push((index, late_or(send_template(t, ctx.contact), ctx, seq)));
            Flow::Go(Target::Next)
        }
        StepKind::Wait { seconds } => wait(pos, *seconds, reached, ctx),
        StepKind::WaitReply {
            timeout,
            on_timeout,
        } => wait_reply(pos, *timeout, *on_timeout, ctx),
        StepKind::Branch { arms, otherwise } => {
            let reply = ctx.reply.unwrap_or("");
            Flow::Go(
                arms.iter()
                    .find(|(rule, _)| rule.matches(reply))
                    .map(|(_, t)| *t)
                    .unwrap_or(*otherwise),
            )
        }
        StepKind::Goto(t) => Flow::Go(*t),
        StepKind::Assign { queue, agent } => {
            actions.push((
                index,
                Action::Assign {
                    queue: queue.clone(),
                    agent: agent.clone(),
                },
            ));
            Flow::Go(Target::Next)
        }
        StepKind::Close => {
            actions.push((index, Action::Close));
            Flow::Go(Target::Next)
        }
        // A stop finishes the run "stopped at" this step, as a jump to stop does.
        StepKind::Stop => Flow::Go(Target::Stop),
    }
}

/// A wait: it begins when the step was reached, goes on until its time, or is over.
fn wait(pos: &mut Position, seconds: i64, reached: i64, ctx: &RunContext<'_>) -> Flow {
    match pos.waiting_since {
        Some(since) if ctx.now >= since + seconds => Flow::Go(Target::Next),
        Some(since) => Flow::Halt(After::RunAt(since + seconds)),
        // A new wait ends the run even when its time has passed already: its start is saved,
        // and the next run (at once) goes on from it.
        None => {
            pos.waiting_since = Some(reached);
            Flow::Halt(After::RunAt(reached + seconds))
        }
    }
}

/// A wait for the customer: it begins now, goes on, ends with their reply or times out.
fn wait_reply(
    pos: &mut Position,
    timeout: Option<i64>,
    on_timeout: Target,
    ctx: &RunContext<'_>,
) -> Flow {
    match pos.waiting_since {
        None => {
            pos.waiting_since = Some(ctx.now);
            pos.reply_after = Some(ctx.last_message_id);
            Flow::Halt(After::AwaitReply {
                deadline: timeout.map(|t| ctx.now + t),
            })
        }
        Some(since) => {
            if ctx.reply.is_some() {
                // Replied: go on; a branch next reads the reply.
                Flow::Go(Target::Next)
            } else if timeout.is_some_and(|t| ctx.now >= since + t) {
                Flow::Go(on_timeout)
            } else {
                Flow::Halt(After::AwaitReply {
                    deadline: timeout.map(|t| since + t),
                })
            }
        }
    }
}

/// Moves `pos` from step `from` to `target`; a stop finishes the run.
fn jump(seq: &Sequence, pos: &mut Position, target: Target, from: usize) -> Option<After> {
    pos.waiting_since = None;
    match target {
        Target::Next => pos.step = from + 1,
        Target::Step(i) => pos.step = i,
        Target::Stop => {
            return Some(After::Finished(format!(
                "stopped at {}",
                seq.step_name(from)
            )));
        }
    }
    None
}

fn send_template(t: &TemplateRef, contact: &ContactFields) -> Action {
    Action::SendTemplate {
        name: t.name.clone(),
        language: t.language.clone(),
        params: t.params.iter().map(|p| fill(p, contact)).collect(),
    }
}

/// A message a late run reaches is skipped when the sequence says so.
fn late_or(action: Action, ctx: &RunContext<'_>, seq: &Sequence) -> Action {
    if ctx.late && seq.late == LateRule::Skip {
        let what = match &action {
            Action::SendText { .. } => "text",
            _ => "template",
        };
        Action::Skipped {
            why: format!(
                "a late {what} (the engine was down when it was due; this sequence skips late messages)"
            ),
        }
    } else {
        action
    }
}
