//! Reading a sequence file: the TOML as written, checked step by step into a [`Sequence`].

use super::{
    DEFAULT_LATE_AFTER_SECONDS, DefinitionError, LateRule, Sequence, Step, StepKind, Target,
    TemplateRef, Trigger,
};
use crate::keywords::{KeywordRule, MatchMode};
use crate::time::parse_duration;
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;

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

/// A file refused at this place in it.
fn error_at(source: &str, span: Range<usize>, message: String) -> DefinitionError {
    DefinitionError {
        line: line_of(source, span.start),
        message,
    }
}

/// Reads one sequence file. `id` is the file's name without `.toml`.
pub fn parse(id: &str, source: &str) -> Result<Sequence, DefinitionError> {
    let raw: RawSequence = toml::from_str(source).map_err(|e| DefinitionError {
        line: e.span().map(|s| line_of(source, s.start)).unwrap_or(1),
        message: e.message().trim().to_string(),
    })?;
    check_required(&raw, source)?;
    let late = late_rule(raw.late.as_ref(), source)?;
    let late_after = late_after(raw.late_after.as_ref(), source)?;
    let reader = StepReader {
        source,
        ids: step_ids(&raw.step, source)?,
    };
    let steps = raw
        .step
        .iter()
        .map(|s| reader.step(s))
        .collect::<Result<Vec<_>, _>>()?;
    let trigger = trigger(&raw.trigger, source)?;
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

/// What every sequence has: a tenant and at least one step.
fn check_required(raw: &RawSequence, source: &str) -> Result<(), DefinitionError> {
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
    Ok(())
}

fn late_rule(
    late: Option<&toml::Spanned<String>>,
    source: &str,
) -> Result<LateRule, DefinitionError> {
    Ok(match late {
        None => LateRule::Run,
        Some(s) => match s.get_ref().as_str() {
            "run" => LateRule::Run,
            "skip" => LateRule::Skip,
            other => {
                return Err(error_at(
                    source,
                    s.span(),
                    format!("`late` is \"run\" or \"skip\", not {other:?}"),
                ));
            }
        },
    })
}

fn late_after(
    late_after: Option<&toml::Spanned<String>>,
    source: &str,
) -> Result<i64, DefinitionError> {
    Ok(match late_after {
        None => DEFAULT_LATE_AFTER_SECONDS,
        Some(s) => parse_duration(s.get_ref()).ok_or_else(|| {
            error_at(
                source,
                s.span(),
                format!(
                    "`late_after` is a duration like 5m or 1h, not {:?}",
                    s.get_ref()
                ),
            )
        })?,
    })
}

/// Step ids first, so a jump may name a step further down.
fn step_ids(
    steps: &[toml::Spanned<RawStep>],
    source: &str,
) -> Result<HashMap<String, usize>, DefinitionError> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (i, s) in steps.iter().enumerate() {
        if let Some(id) = &s.get_ref().id {
            if matches!(id.as_str(), "next" | "stop") {
                return Err(error_at(
                    source,
                    s.span(),
                    format!("{id:?} is a reserved word: name the step otherwise"),
                ));
            }
            if ids.insert(id.clone(), i).is_some() {
                return Err(error_at(
                    source,
                    s.span(),
                    format!("two steps are named {id:?}"),
                ));
            }
        }
    }
    Ok(ids)
}

/// Reads the steps, knowing every step's id.
struct StepReader<'a> {
    source: &'a str,
    ids: HashMap<String, usize>,
}

impl StepReader<'_> {
    fn at(&self, span: Range<usize>, message: String) -> DefinitionError {
        error_at(self.source, span, message)
    }

    /// Where a jump named `name` goes.
    fn target(&self, name: &str, span: Range<usize>) -> Result<Target, DefinitionError> {
        match name {
            "next" => Ok(Target::Next),
            "stop" => Ok(Target::Stop),
            _ => self.ids.get(name).map(|i| Target::Step(*i)).ok_or_else(|| {
                let mut known: Vec<&str> = self.ids.keys().map(String::as_str).collect();
                known.sort();
                self.at(
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
    }

    fn step(&self, s: &toml::Spanned<RawStep>) -> Result<Step, DefinitionError> {
        let span = s.span();
        let r = s.get_ref();
        let action = self.action(r, span.clone())?;
        self.check_stray(r, action, &span)?;
        let kind = self.kind(action, r, span.clone())?;
        Ok(Step {
            id: r.id.clone(),
            line: line_of(self.source, span.start),
            kind,
        })
    }

    /// The one thing a step does, by which of its fields it has.
    fn action(&self, r: &RawStep, span: Range<usize>) -> Result<&'static str, DefinitionError> {
        let actions: Vec<&'static str> = [
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
        match actions.as_slice() {
            [one] => Ok(*one),
            [] => Err(self.at(
                span,
                "a step does one thing: text, template, wait, wait_reply, branch, goto, assign, close or stop".into(),
            )),
            many => Err(self.at(
                span,
                format!(
                    "a step does one thing, this one has {}: split it",
                    many.join(" and ")
                ),
            )),
        }
    }

    /// Fields that go only with another action.
    fn check_stray(
        &self,
        r: &RawStep,
        action: &str,
        span: &Range<usize>,
    ) -> Result<(), DefinitionError> {
        let stray = |field: &str, present: bool, allowed: &[&str]| -> Result<(), DefinitionError> {
            if present && !allowed.contains(&action) {
                Err(self.at(
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
        stray("else", r.otherwise.is_some(), &["branch"])
    }

    fn kind(
        &self,
        action: &str,
        r: &RawStep,
        span: Range<usize>,
    ) -> Result<StepKind, DefinitionError> {
        Ok(match action {
            "text" => self.text(r, span)?,
            "template" => StepKind::Template(template_ref(
                r.template.clone().unwrap_or_else(|| unreachable!()),
            )),
            "wait" => self.wait(r, span)?,
            "wait_reply" => self.wait_reply(r, span)?,
            "branch" => self.branch(r, span)?,
            "goto" => StepKind::Goto(self.target(r.goto.as_deref().unwrap_or_default(), span)?),
            "assign" => self.assign(r, span)?,
            "close" => StepKind::Close,
            _ => StepKind::Stop,
        })
    }

    fn text(&self, r: &RawStep, span: Range<usize>) -> Result<StepKind, DefinitionError> {
        let body = r.text.clone().unwrap_or_default();
        if body.trim().is_empty() {
            return Err(self.at(span, "the text is empty".into()));
        }
        if body.chars().count() > 4096 {
            return Err(self.at(
                span,
                "the text is longer than WhatsApp's 4096 characters".into(),
            ));
        }
        Ok(StepKind::Text {
            body,
            fallback: r.fallback_template.clone().map(template_ref),
        })
    }

    fn wait(&self, r: &RawStep, span: Range<usize>) -> Result<StepKind, DefinitionError> {
        let text = r.wait.as_deref().unwrap_or_default();
        Ok(StepKind::Wait {
            seconds: parse_duration(text).ok_or_else(|| {
                self.at(
                    span,
                    format!("`wait` is a duration like 30m, 2h or 1d, not {text:?}"),
                )
            })?,
        })
    }

    fn wait_reply(&self, r: &RawStep, span: Range<usize>) -> Result<StepKind, DefinitionError> {
        let text = r.wait_reply.as_deref().unwrap_or_default();
        let timeout = if text == "forever" {
            None
        } else {
            Some(parse_duration(text).ok_or_else(|| {
                self.at(
                    span.clone(),
                    format!("`wait_reply` is a duration like 1d (or \"forever\"), not {text:?}"),
                )
            })?)
        };
        Ok(StepKind::WaitReply {
            timeout,
            on_timeout: match &r.on_timeout {
                Some(t) => self.target(t, span)?,
                None => Target::Next,
            },
        })
    }

    fn branch(&self, r: &RawStep, span: Range<usize>) -> Result<StepKind, DefinitionError> {
        let mut arms = Vec::new();
        for arm in r.branch.as_deref().unwrap_or_default() {
            let goto = arm.goto.as_deref().ok_or_else(|| {
                self.at(
                    span.clone(),
                    "each branch arm says where to go: goto = \"step id\"".into(),
                )
            })?;
            arms.push((
                rule(arm).map_err(|m| self.at(span.clone(), m))?,
                self.target(goto, span.clone())?,
            ));
        }
        if arms.is_empty() {
            return Err(self.at(span, "a branch needs at least one arm".into()));
        }
        Ok(StepKind::Branch {
            arms,
            otherwise: match &r.otherwise {
                Some(t) => self.target(t, span)?,
                None => Target::Next,
            },
        })
    }

    fn assign(&self, r: &RawStep, span: Range<usize>) -> Result<StepKind, DefinitionError> {
        let a = r.assign.as_ref().unwrap_or_else(|| unreachable!());
        if a.queue.is_none() && a.agent.is_none() {
            return Err(self.at(span, "assign names a queue, an agent, or both".into()));
        }
        Ok(StepKind::Assign {
            queue: a.queue.clone(),
            agent: a.agent.clone(),
        })
    }
}

/// What enrolls a conversation by itself.
fn trigger(raw: &RawTrigger, source: &str) -> Result<Trigger, DefinitionError> {
    Ok(match &raw.keyword {
        None => Trigger {
            first_message: raw.first_message,
            ..Trigger::default()
        },
        Some(k) => {
            if k.get_ref().goto.is_some() {
                return Err(error_at(
                    source,
                    k.span(),
                    "a trigger keyword has no `goto`: the sequence starts at its first step".into(),
                ));
            }
            Trigger {
                first_message: raw.first_message,
                keyword: Some(rule(k.get_ref()).map_err(|m| error_at(source, k.span(), m))?),
                keyword_text: Some(rule_text(k.get_ref())),
            }
        }
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
