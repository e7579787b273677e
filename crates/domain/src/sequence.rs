//! Sequences: automated follow-ups defined in TOML (`sequences/*.toml` in the config dir), and
//! the pure rule that runs an enrollment's steps from where it stands. The engine stores where
//! each enrollment is and applies what a run decides in one transaction, so a step never runs
//! twice; nothing here does IO.
//!
//! ```toml
//! name = "Welcome"
//! tenant = "Acme"
//! [trigger]
//! first_message = true
//! [[step]]
//! text = "Hi {name|there}! Thanks for writing to Acme."
//! fallback_template = { name = "hello_again", language = "en", params = ["{name|there}"] }
//! [[step]]
//! wait = "2h"
//! [[step]]
//! text = "What would you like to know: prices or shipping?"
//! [[step]]
//! wait_reply = "1d"
//! on_timeout = "stop"
//! [[step]]
//! branch = [{ any = ["precio", "price"], goto = "price" }]
//! [[step]]
//! id = "price"
//! text = "Our prices: …"
//! ```

use super::keywords::{KeywordRule, MatchMode};
use super::time::parse_duration;
use serde::Deserialize;
use std::collections::HashMap;

/// Steps one run may take without waiting before the enrollment is paused (a `goto` loop).
pub const MAX_STEPS_PER_RUN: usize = 100;
/// A text goes as free text only while the window stays open at least this long: the outbox
/// sends within moments, and a sequence must never meet Meta's 131047.
pub const WINDOW_MARGIN_SECONDS: i64 = 5 * 60;
/// A run more than this late (the engine was down) is late for the sequence's `late` rule.
pub const DEFAULT_LATE_AFTER_SECONDS: i64 = 5 * 60;

/// A sequence as its file defines it.
#[derive(Debug, Clone)]
pub struct Sequence {
    /// The file's name without `.toml`: how commands and enrollments name it.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The tenant whose conversations it may run in.
    pub tenant: String,
    /// Only these numbers (display number or phone number id); empty: all the tenant's.
    pub numbers: Vec<String>,
    pub trigger: Trigger,
    pub late: LateRule,
    pub late_after: i64,
    /// An agent's reply or claim pauses it in that conversation.
    pub pause_on_agent: bool,
    pub steps: Vec<Step>,
}

/// What enrolls a conversation by itself (by hand is always possible).
#[derive(Debug, Clone, Default)]
pub struct Trigger {
    /// The first message of a new conversation.
    pub first_message: bool,
    /// A customer's message that matches.
    pub keyword: Option<KeywordRule>,
    /// The keyword rule as written, for listings.
    pub keyword_text: Option<String>,
}

/// What a step that was due while the engine was down does when it finally runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LateRule {
    /// Sends as soon as the engine is back.
    Run,
    /// Skips the messages up to the next wait (the rest of the sequence goes on).
    Skip,
}

impl std::fmt::Display for LateRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LateRule::Run => "run",
            LateRule::Skip => "skip",
        })
    }
}

/// A step and where it is in its file.
#[derive(Debug, Clone)]
pub struct Step {
    pub id: Option<String>,
    pub line: usize,
    pub kind: StepKind,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    /// Free text; outside the window its fallback template goes instead, or the enrollment pauses.
    Text {
        body: String,
        fallback: Option<TemplateRef>,
    },
    Template(TemplateRef),
    Wait {
        seconds: i64,
    },
    /// Waits for the customer to write; on timeout goes to `on_timeout`.
    WaitReply {
        timeout: Option<i64>,
        on_timeout: Target,
    },
    /// The first arm whose rule matches the customer's reply; else `otherwise`.
    Branch {
        arms: Vec<(KeywordRule, Target)>,
        otherwise: Target,
    },
    Goto(Target),
    Assign {
        queue: Option<String>,
        agent: Option<String>,
    },
    Close,
    Stop,
}

impl StepKind {
    /// A word for listings and the TUI.
    pub fn label(&self) -> &'static str {
        match self {
            StepKind::Text { .. } => "text",
            StepKind::Template(_) => "template",
            StepKind::Wait { .. } => "wait",
            StepKind::WaitReply { .. } => "wait for reply",
            StepKind::Branch { .. } => "branch",
            StepKind::Goto(_) => "goto",
            StepKind::Assign { .. } => "assign",
            StepKind::Close => "close",
            StepKind::Stop => "stop",
        }
    }
}

/// Where a jump goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Step(usize),
    Next,
    Stop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    pub name: String,
    pub language: String,
    /// Literals or placeholders (`{name}`, `{name|friend}`, `{phone}`).
    pub params: Vec<String>,
}

/// A file refused, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSequence {
    name: Option<String>,
    description: Option<String>,
    tenant: String,
    #[serde(default)]
    numbers: Vec<String>,
    #[serde(default)]
    trigger: RawTrigger,
    late: Option<toml::Spanned<String>>,
    late_after: Option<toml::Spanned<String>>,
    pause_on_agent: Option<bool>,
    #[serde(default)]
    step: Vec<toml::Spanned<RawStep>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTrigger {
    #[serde(default)]
    first_message: bool,
    keyword: Option<toml::Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    any: Option<Vec<String>>,
    all: Option<Vec<String>>,
    regex: Option<String>,
    #[serde(rename = "match")]
    mode: Option<String>,
    goto: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: String,
    language: String,
    #[serde(default)]
    params: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssign {
    queue: Option<String>,
    agent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Option<String>,
    text: Option<String>,
    fallback_template: Option<RawTemplate>,
    template: Option<RawTemplate>,
    wait: Option<String>,
    wait_reply: Option<String>,
    on_timeout: Option<String>,
    branch: Option<Vec<RawRule>>,
    #[serde(rename = "else")]
    otherwise: Option<String>,
    goto: Option<String>,
    assign: Option<RawAssign>,
    close: Option<bool>,
    stop: Option<bool>,
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// Reads one sequence file. `id` is the file's name without `.toml`.
pub fn parse(id: &str, source: &str) -> Result<Sequence, DefinitionError> {
    let raw: RawSequence = toml::from_str(source).map_err(|e| DefinitionError {
        line: e.span().map(|s| line_of(source, s.start)).unwrap_or(1),
        message: e.message().trim().to_string(),
    })?;
    let at = |span: std::ops::Range<usize>, message: String| DefinitionError {
        line: line_of(source, span.start),
        message,
    };
    if raw.tenant.trim().is_empty() {
        return Err(DefinitionError {
            line: 1,
            message: "`tenant` names the business whose conversations it runs in".into(),
        });
    }
    if raw.step.is_empty() {
        return Err(DefinitionError {
            line: line_of(source, source.len()),
            message: "a sequence needs at least one [[step]]".into(),
        });
    }
    let late = match &raw.late {
        None => LateRule::Run,
        Some(s) => match s.get_ref().as_str() {
            "run" => LateRule::Run,
            "skip" => LateRule::Skip,
            other => {
                return Err(at(
                    s.span(),
                    format!("`late` is \"run\" or \"skip\", not {other:?}"),
                ));
            }
        },
    };
    let late_after = match &raw.late_after {
        None => DEFAULT_LATE_AFTER_SECONDS,
        Some(s) => parse_duration(s.get_ref()).ok_or_else(|| {
            at(
                s.span(),
                format!(
                    "`late_after` is a duration like 5m or 1h, not {:?}",
                    s.get_ref()
                ),
            )
        })?,
    };
    // Step ids first, so a jump may name a step further down.
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (i, s) in raw.step.iter().enumerate() {
        if let Some(id) = &s.get_ref().id {
            if matches!(id.as_str(), "next" | "stop") {
                return Err(at(
                    s.span(),
                    format!("{id:?} is a reserved word: name the step otherwise"),
                ));
            }
            if ids.insert(id.clone(), i).is_some() {
                return Err(at(s.span(), format!("two steps are named {id:?}")));
            }
        }
    }
    let target = |name: &str, span: std::ops::Range<usize>| -> Result<Target, DefinitionError> {
        match name {
            "next" => Ok(Target::Next),
            "stop" => Ok(Target::Stop),
            _ => ids.get(name).map(|i| Target::Step(*i)).ok_or_else(|| {
                let mut known: Vec<&str> = ids.keys().map(String::as_str).collect();
                known.sort();
                at(
                    span,
                    format!(
                        "no step is named {name:?} (steps named: {}; or \"next\", \"stop\")",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                )
            }),
        }
    };
    let mut steps = Vec::with_capacity(raw.step.len());
    for s in &raw.step {
        let span = s.span();
        let r = s.get_ref();
        let actions: Vec<&str> = [
            ("text", r.text.is_some()),
            ("template", r.template.is_some()),
            ("wait", r.wait.is_some()),
            ("wait_reply", r.wait_reply.is_some()),
            ("branch", r.branch.is_some()),
            ("goto", r.goto.is_some()),
            ("assign", r.assign.is_some()),
            ("close", r.close.is_some()),
            ("stop", r.stop.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        let action = match actions.as_slice() {
            [one] => *one,
            [] => {
                return Err(at(
                    span,
                    "a step does one thing: text, template, wait, wait_reply, branch, goto, assign, close or stop".into(),
                ));
            }
            many => {
                return Err(at(
                    span,
                    format!(
                        "a step does one thing, this one has {}: split it",
                        many.join(" and ")
                    ),
                ));
            }
        };
        let stray = |field: &str, present: bool, allowed: &[&str]| -> Result<(), DefinitionError> {
            if present && !allowed.contains(&action) {
                Err(at(
                    span.clone(),
                    format!("`{field}` belongs with `{}`", allowed.join("` or `")),
                ))
            } else {
                Ok(())
            }
        };
        stray(
            "fallback_template",
            r.fallback_template.is_some(),
            &["text"],
        )?;
        stray("on_timeout", r.on_timeout.is_some(), &["wait_reply"])?;
        stray("else", r.otherwise.is_some(), &["branch"])?;
        let kind = match action {
            "text" => {
                let body = r.text.clone().unwrap_or_default();
                if body.trim().is_empty() {
                    return Err(at(span, "the text is empty".into()));
                }
                if body.chars().count() > 4096 {
                    return Err(at(
                        span,
                        "the text is longer than WhatsApp's 4096 characters".into(),
                    ));
                }
                StepKind::Text {
                    body,
                    fallback: r.fallback_template.clone().map(template_ref),
                }
            }
            "template" => StepKind::Template(template_ref(
                r.template.clone().unwrap_or_else(|| unreachable!()),
            )),
            "wait" => {
                let text = r.wait.as_deref().unwrap_or_default();
                StepKind::Wait {
                    seconds: parse_duration(text).ok_or_else(|| {
                        at(
                            span.clone(),
                            format!("`wait` is a duration like 30m, 2h or 1d, not {text:?}"),
                        )
                    })?,
                }
            }
            "wait_reply" => {
                let text = r.wait_reply.as_deref().unwrap_or_default();
                let timeout = if text == "forever" {
                    None
                } else {
                    Some(parse_duration(text).ok_or_else(|| {
                        at(
                            span.clone(),
                            format!(
                                "`wait_reply` is a duration like 1d (or \"forever\"), not {text:?}"
                            ),
                        )
                    })?)
                };
                StepKind::WaitReply {
                    timeout,
                    on_timeout: match &r.on_timeout {
                        Some(t) => target(t, span.clone())?,
                        None => Target::Next,
                    },
                }
            }
            "branch" => {
                let mut arms = Vec::new();
                for arm in r.branch.as_deref().unwrap_or_default() {
                    let goto = arm.goto.as_deref().ok_or_else(|| {
                        at(
                            span.clone(),
                            "each branch arm says where to go: goto = \"step id\"".into(),
                        )
                    })?;
                    arms.push((
                        rule(arm).map_err(|m| at(span.clone(), m))?,
                        target(goto, span.clone())?,
                    ));
                }
                if arms.is_empty() {
                    return Err(at(span, "a branch needs at least one arm".into()));
                }
                StepKind::Branch {
                    arms,
                    otherwise: match &r.otherwise {
                        Some(t) => target(t, span.clone())?,
                        None => Target::Next,
                    },
                }
            }
            "goto" => StepKind::Goto(target(r.goto.as_deref().unwrap_or_default(), span.clone())?),
            "assign" => {
                let a = r.assign.as_ref().unwrap_or_else(|| unreachable!());
                if a.queue.is_none() && a.agent.is_none() {
                    return Err(at(span, "assign names a queue, an agent, or both".into()));
                }
                StepKind::Assign {
                    queue: a.queue.clone(),
                    agent: a.agent.clone(),
                }
            }
            "close" => StepKind::Close,
            _ => StepKind::Stop,
        };
        steps.push(Step {
            id: r.id.clone(),
            line: line_of(source, span.start),
            kind,
        });
    }
    let trigger = match &raw.trigger.keyword {
        None => Trigger {
            first_message: raw.trigger.first_message,
            ..Trigger::default()
        },
        Some(k) => {
            if k.get_ref().goto.is_some() {
                return Err(at(
                    k.span(),
                    "a trigger keyword has no `goto`: the sequence starts at its first step".into(),
                ));
            }
            Trigger {
                first_message: raw.trigger.first_message,
                keyword: Some(rule(k.get_ref()).map_err(|m| at(k.span(), m))?),
                keyword_text: Some(rule_text(k.get_ref())),
            }
        }
    };
    Ok(Sequence {
        id: id.to_string(),
        name: raw.name.unwrap_or_else(|| id.to_string()),
        description: raw.description,
        tenant: raw.tenant,
        numbers: raw.numbers,
        trigger,
        late,
        late_after,
        pause_on_agent: raw.pause_on_agent.unwrap_or(true),
        steps,
    })
}

fn template_ref(t: RawTemplate) -> TemplateRef {
    TemplateRef {
        name: t.name,
        language: t.language,
        params: t.params,
    }
}

fn rule(r: &RawRule) -> Result<KeywordRule, String> {
    let mode = match r.mode.as_deref() {
        None | Some("contains") => MatchMode::Contains,
        Some("exact") => MatchMode::Exact,
        Some(other) => {
            return Err(format!(
                "`match` is \"contains\" or \"exact\", not {other:?}"
            ));
        }
    };
    match (&r.any, &r.all, &r.regex) {
        (Some(words), None, None) if !words.is_empty() => Ok(KeywordRule::any(words, mode)),
        (None, Some(words), None) if !words.is_empty() => Ok(KeywordRule::all(words, mode)),
        (None, None, Some(pattern)) => {
            if r.mode.is_some() {
                return Err("`match` applies to `any` and `all`, not to `regex`".into());
            }
            KeywordRule::regex(pattern)
        }
        _ => Err("a keyword rule has exactly one of any = [..], all = [..] or regex = \"..\" (lists not empty)".into()),
    }
}

fn rule_text(r: &RawRule) -> String {
    let exact = r.mode.as_deref() == Some("exact");
    let words = |w: &Vec<String>| w.join(", ");
    match (&r.any, &r.all, &r.regex) {
        (Some(w), _, _) => format!("any of {}{}", words(w), if exact { " (exact)" } else { "" }),
        (_, Some(w), _) => format!("all of {}{}", words(w), if exact { " (exact)" } else { "" }),
        (_, _, Some(p)) => format!("regex {p}"),
        _ => String::new(),
    }
}

impl Sequence {
    /// A step's name for people: its id, else its number (from 1).
    pub fn step_name(&self, index: usize) -> String {
        match self.steps.get(index) {
            Some(Step { id: Some(id), .. }) => id.clone(),
            Some(_) => super::engine_text::STEP.en(&[&(index + 1).to_string()]),
            None => super::engine_text::THE_END.en.into(),
        }
    }

    /// Whether it may run on this number (display number, with or without `+`, or id).
    pub fn runs_on(&self, phone_number_id: &str, display_phone: &str) -> bool {
        let bare = |s: &str| s.trim().trim_start_matches('+').replace([' ', '-'], "");
        self.numbers.is_empty()
            || self
                .numbers
                .iter()
                .any(|n| bare(n) == bare(phone_number_id) || bare(n) == bare(display_phone))
    }
}

/// A contact's fields, for placeholders.
#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// Fills `{name}`, `{first_name}`, `{phone}` (each may carry a default: `{name|friend}`); other
/// braces are left as written.
pub fn fill(text: &str, contact: &ContactFields) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let (field, default) = match inner.split_once('|') {
            Some((f, d)) => (f.trim(), Some(d)),
            None => (inner.trim(), None),
        };
        let value = match field {
            "name" => contact.name.clone(),
            "first_name" => contact
                .name
                .as_deref()
                .and_then(|n| n.split_whitespace().next())
                .map(str::to_string),
            "phone" => contact.phone.as_ref().map(|p| format!("+{p}")),
            _ => {
                out.push('{');
                out.push_str(inner);
                out.push('}');
                rest = &after[close + 1..];
                continue;
            }
        };
        out.push_str(
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .or(default)
                .unwrap_or(""),
        );
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

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
pub fn run(seq: &Sequence, position: Position, ctx: &RunContext<'_>) -> Run {
    let mut pos = position;
    let mut actions = Vec::new();
    let jump = |pos: &mut Position, target: Target, from: usize| -> Option<After> {
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
    };
    for _ in 0..MAX_STEPS_PER_RUN {
        let index = pos.step;
        let Some(step) = seq.steps.get(index) else {
            return Run {
                actions,
                position: pos,
                after: After::Finished("completed".into()),
            };
        };
        let mut target = Target::Next;
        match &step.kind {
            StepKind::Text { body, fallback } => {
                let action = if ctx.window_open {
                    Action::SendText {
                        body: fill(body, ctx.contact),
                    }
                } else if let Some(t) = fallback {
                    send_template(t, ctx.contact)
                } else {
                    return Run {
                        actions,
                        position: pos,
                        after: After::Paused(
                            super::engine_text::PAUSED_WINDOW_CLOSED.en(&[&seq.step_name(index)]),
                        ),
                    };
                };
                actions.push((index, late_or(action, ctx, seq)));
            }
            StepKind::Template(t) => {
                actions.push((index, late_or(send_template(t, ctx.contact), ctx, seq)));
            }
            StepKind::Wait { seconds } => match pos.waiting_since {
                Some(since) if ctx.now >= since + seconds => {}
                Some(since) => {
                    return Run {
                        actions,
                        position: pos,
                        after: After::RunAt(since + seconds),
                    };
                }
                None => {
                    pos.waiting_since = Some(ctx.now);
                    return Run {
                        actions,
                        position: pos,
                        after: After::RunAt(ctx.now + seconds),
                    };
                }
            },
            StepKind::WaitReply {
                timeout,
                on_timeout,
            } => match pos.waiting_since {
                None => {
                    pos.waiting_since = Some(ctx.now);
                    pos.reply_after = Some(ctx.last_message_id);
                    return Run {
                        actions,
                        position: pos,
                        after: After::AwaitReply {
                            deadline: timeout.map(|t| ctx.now + t),
                        },
                    };
                }
                Some(since) => {
                    if ctx.reply.is_some() {
                        // Replied: go on; a branch next reads the reply.
                    } else if timeout.is_some_and(|t| ctx.now >= since + t) {
                        target = *on_timeout;
                    } else {
                        return Run {
                            actions,
                            position: pos,
                            after: After::AwaitReply {
                                deadline: timeout.map(|t| since + t),
                            },
                        };
                    }
                }
            },
            StepKind::Branch { arms, otherwise } => {
                let reply = ctx.reply.unwrap_or("");
                target = arms
                    .iter()
                    .find(|(rule, _)| rule.matches(reply))
                    .map(|(_, t)| *t)
                    .unwrap_or(*otherwise);
            }
            StepKind::Goto(t) => target = *t,
            StepKind::Assign { queue, agent } => actions.push((
                index,
                Action::Assign {
                    queue: queue.clone(),
                    agent: agent.clone(),
                },
            )),
            StepKind::Close => actions.push((index, Action::Close)),
            StepKind::Stop => {
                pos.waiting_since = None;
                return Run {
                    actions,
                    position: pos,
                    after: After::Finished(format!("stopped at {}", seq.step_name(index))),
                };
            }
        }
        if let Some(after) = jump(&mut pos, target, index) {
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
            super::engine_text::PAUSED_GOTO_LOOP.en(&[&MAX_STEPS_PER_RUN.to_string()]),
        ),
    }
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

#[cfg(test)]
mod tests;
