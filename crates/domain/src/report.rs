//! A team's figures over a period, from the store's own history: each conversation's messages
//! and closes, oldest first, folded into threads and counted. Pure: the store reads the rows,
//! this decides what they mean.
//!
//! A conversation (one customer on one number) lives for years; what a team lead measures is a
//! **thread**: it opens with a customer's message when none is open and ends when someone
//! closes the conversation. Its first response is the first message a person sent after it
//! opened (an agent through wabox or the phone app; automatic answers — away replies, opt-out
//! answers, sequences — are not responses); its resolution is its close. A thread is
//! **waiting** at the period's end when the customer's last message by then had no person's
//! answer and nobody had closed it. A thread counts in the period it opened in; a message, a
//! close and a failure in the period they happened in.
//!
//! Figures split by agent (a thread: who first answered it, else the conversation's assignee;
//! a message out: who sent it; a close: who closed), queue, number or local day, and may keep
//! only what happened inside (or outside) the queue's business hours.

use crate::hours::Hours;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How the figures are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Agent,
    Queue,
    Number,
    Day,
}

impl GroupBy {
    pub fn parse(text: &str) -> Option<GroupBy> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "agent" | "agente" => GroupBy::Agent,
            "queue" | "cola" => GroupBy::Queue,
            "number" | "numero" | "número" => GroupBy::Number,
            "day" | "dia" | "día" => GroupBy::Day,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Agent => "agent",
            GroupBy::Queue => "queue",
            GroupBy::Number => "number",
            GroupBy::Day => "day",
        }
    }
}

/// Which moments count: all, only those inside the queue's business hours, or only outside.
/// A queue without hours is always inside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HoursFilter {
    #[default]
    Any,
    Inside,
    Outside,
}

impl HoursFilter {
    pub fn parse(text: &str) -> Option<HoursFilter> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "any" | "all" => HoursFilter::Any,
            "in" | "inside" | "open" => HoursFilter::Inside,
            "out" | "outside" | "closed" => HoursFilter::Outside,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HoursFilter::Any => "any",
            HoursFilter::Inside => "in",
            HoursFilter::Outside => "out",
        }
    }
}

/// Who sent a message of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// A person through wabox (the outbox's requester).
    Agent(Arc<str>),
    /// A person on the WhatsApp Business phone app (coexistence echoes).
    PhoneApp,
    /// Away replies, opt-out answers, sequences: not a response.
    Automatic,
}

/// One moment of a conversation's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The customer wrote.
    In { at: i64 },
    /// We sent; `failed` holds Meta's (or the outbox's) error code when it failed (0 unknown).
    Out {
        at: i64,
        sender: Sender,
        template: bool,
        failed: Option<i64>,
    },
    /// Someone closed the conversation.
    Closed { at: i64, by: Arc<str> },
}

impl Step {
    pub fn at(&self) -> i64 {
        match self {
            Step::In { at } | Step::Out { at, .. } | Step::Closed { at, .. } => *at,
        }
    }
}

/// What a conversation is, for grouping: its number, queue and assignee as now.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub number: Arc<str>,
    pub queue: Option<Arc<str>>,
    pub assignee: Option<Arc<str>>,
    /// The queue's hours, for the hours filter.
    pub hours: Option<Arc<Hours>>,
    /// The queue's first-response target in seconds.
    pub sla_seconds: Option<i64>,
}

/// Samples of a duration in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Durations {
    samples: Vec<i64>,
}

/// A duration's summary: how many, mean, median and 90th percentile, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DurationSummary {
    pub count: u64,
    pub mean: Option<i64>,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

impl Durations {
    pub fn push(&mut self, seconds: i64) {
        self.samples.push(seconds.max(0));
    }

    fn merge(&mut self, other: &Durations) {
        self.samples.extend_from_slice(&other.samples);
    }

    pub fn summary(&self) -> DurationSummary {
        let mut s = self.samples.clone();
        if s.is_empty() {
            return DurationSummary::default();
        }
        s.sort_unstable();
        let n = s.len();
        // Nearest rank: the smallest sample with at least p% of them at or below it.
        let rank = |p: usize| s[(n * p).div_ceil(100).max(1) - 1];
        DurationSummary {
            count: n as u64,
            mean: Some(s.iter().sum::<i64>() / n as i64),
            median: Some(rank(50)),
            p90: Some(rank(90)),
        }
    }
}

/// One group's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub opened: u64,
    pub closed: u64,
    pub waiting: u64,
    pub messages_in: u64,
    pub messages_out: u64,
    pub templates_sent: u64,
    pub first_response: Durations,
    pub resolution: Durations,
    /// Threads of queues with a first-response target, and those that missed it (answered
    /// late, or still unanswered past it at the period's end).
    pub sla_counted: u64,
    pub sla_missed: u64,
    /// Failed sends by error code (0: no code known).
    pub failures: BTreeMap<i64, u64>,
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.opened += o.opened;
        self.closed += o.closed;
        self.waiting += o.waiting;
        self.messages_in += o.messages_in;
        self.messages_out += o.messages_out;
        self.templates_sent += o.templates_sent;
        self.first_response.merge(&o.first_response);
        self.resolution.merge(&o.resolution);
        self.sla_counted += o.sla_counted;
        self.sla_missed += o.sla_missed;
        for (code, n) in &o.failures {
            *self.failures.entry(*code).or_default() += n;
        }
    }
}

/// The period and how to split it.
#[derive(Debug, Clone)]
pub struct Period {
    /// First second counted.
    pub from: i64,
    /// First second no longer counted (the day after the last day, or now).
    pub until: i64,
    pub zone: TimeZone,
    pub by: Option<GroupBy>,
    pub hours: HoursFilter,
}

/// Names of the groups with no name of their own.
pub const UNASSIGNED: &str = "(unassigned)";
pub const NO_QUEUE: &str = "(no queue)";
pub const PHONE_APP: &str = "(phone app)";
pub const AUTOMATIC: &str = "(automatic)";

/// The figures of a period, folded one conversation at a time.
pub struct Report {
    period: Period,
    groups: Vec<Figures>,
    keys: HashMap<Arc<str>, usize>,
    /// The group last found: most steps in a row fall in the same one, and the names are
    /// shared, so a pointer comparison spares hashing the name again.
    last_group: Option<(Arc<str>, usize)>,
    /// The local days met so far by their first instant: their end and name. A conversation's
    /// steps jump between days, so one remembered day would be looked up again and again.
    days: std::collections::BTreeMap<i64, (i64, Arc<str>)>,
    names: Names,
}

/// The groups' fixed names, made once.
struct Names {
    whole: Arc<str>,
    unassigned: Arc<str>,
    no_queue: Arc<str>,
    phone_app: Arc<str>,
    automatic: Arc<str>,
}

/// A thread open while a conversation's steps are folded.
struct Thread {
    opened: i64,
    responder: Option<Arc<str>>,
    first_response: Option<i64>,
    /// The customer's first message since a person last answered.
    awaiting: Option<i64>,
    counted_waiting: bool,
}

impl Report {
    pub fn new(period: Period) -> Report {
        Report {
            period,
            groups: Vec::new(),
            keys: HashMap::new(),
            last_group: None,
            days: Default::default(),
            names: Names {
                whole: Arc::from(""),
                unassigned: Arc::from(UNASSIGNED),
                no_queue: Arc::from(NO_QUEUE),
                phone_app: Arc::from(PHONE_APP),
                automatic: Arc::from(AUTOMATIC),
            },
        }
    }

    /// Folds one conversation's steps, oldest first (a close after the messages of its second).
    pub fn conversation(&mut self, c: &Conversation, steps: &[Step]) {
        let until = self.period.until;
        let mut thread: Option<Thread> = None;
        let mut past_end = false;
        for step in steps {
            let at = step.at();
            if !past_end && at >= until {
                past_end = true;
                if let Some(t) = thread.as_mut() {
                    self.count_waiting(c, t);
                }
            }
            match step {
                Step::In { at } => {
                    if self.counts(c, *at) {
                        let key = self.agent_or(c, None);
                        self.figures(c, key, *at).messages_in += 1;
                    }
                    match thread.as_mut() {
                        None => {
                            thread = Some(Thread {
                                opened: *at,
                                responder: None,
                                first_response: None,
                                awaiting: Some(*at),
                                counted_waiting: false,
                            })
                        }
                        Some(t) => {
                            t.awaiting.get_or_insert(*at);
                        }
                    }
                }
                Step::Out {
                    at,
                    sender,
                    template,
                    failed,
                } => {
                    if self.counts(c, *at) {
                        let who: Arc<str> = match sender {
                            Sender::Agent(name) => name.clone(),
                            Sender::PhoneApp => self.names.phone_app.clone(),
                            Sender::Automatic => self.names.automatic.clone(),
                        };
                        let f = self.figures(c, Some(who), *at);
                        f.messages_out += 1;
                        if *template {
                            f.templates_sent += 1;
                        }
                        if let Some(code) = failed {
                            *f.failures.entry(*code).or_default() += 1;
                        }
                    }
                    let by_person = match sender {
                        Sender::Agent(name) => Some(name.clone()),
                        Sender::PhoneApp => Some(self.names.phone_app.clone()),
                        Sender::Automatic => None,
                    };
                    if let (Some(t), Some(person), None) = (thread.as_mut(), by_person, failed) {
                        if t.first_response.is_none() {
                            t.first_response = Some(*at);
                            t.responder = Some(person);
                        }
                        t.awaiting = None;
                    }
                }
                Step::Closed { at, by } => {
                    if self.counts(c, *at) {
                        self.figures(c, Some(by.clone()), *at).closed += 1;
                    }
                    if let Some(t) = thread.take() {
                        self.finish(c, t, Some(*at));
                    }
                }
            }
        }
        if let Some(mut t) = thread {
            if !past_end {
                self.count_waiting(c, &mut t);
            }
            self.finish(c, t, None);
        }
    }

    /// The totals and, when split, each group's figures by name.
    pub fn finish_report(self) -> (Figures, BTreeMap<String, Figures>) {
        let mut total = Figures::default();
        for f in &self.groups {
            total.add(f);
        }
        let mut groups = BTreeMap::new();
        if self.period.by.is_some() {
            for (key, i) in &self.keys {
                groups.insert(key.to_string(), self.groups[*i].clone());
            }
        }
        (total, groups)
    }

    /// A thread is waiting at the period's end: opened by then, its customer unanswered.
    fn count_waiting(&mut self, c: &Conversation, t: &mut Thread) {
        if t.awaiting.is_some() && !t.counted_waiting && self.hours_allow(c, t.opened) {
            t.counted_waiting = true;
            let key = self.agent_or(c, t.responder.clone());
            self.figures(c, key, t.opened).waiting += 1;
        }
    }

    fn finish(&mut self, c: &Conversation, t: Thread, closed: Option<i64>) {
        if !self.counts(c, t.opened) {
            return;
        }
        let key = self.agent_or(c, t.responder.clone());
        let until = self.period.until;
        let f = self.figures(c, key, t.opened);
        f.opened += 1;
        if let Some(answered) = t.first_response {
            f.first_response.push(answered - t.opened);
        }
        if let Some(closed) = closed {
            f.resolution.push(closed - t.opened);
        }
        if let Some(sla) = c.sla_seconds {
            f.sla_counted += 1;
            let waited = t.first_response.unwrap_or(until.max(t.opened)) - t.opened;
            if waited > sla {
                f.sla_missed += 1;
            }
        }
    }

    /// Whether a moment is in the period and passes the hours filter.
    fn counts(&self, c: &Conversation, at: i64) -> bool {
        at >= self.period.from && at < self.period.until && self.hours_allow(c, at)
    }

    fn hours_allow(&self, c: &Conversation, at: i64) -> bool {
        match self.period.hours {
            HoursFilter::Any => true,
            filter => {
                let open = c.hours.as_ref().is_none_or(|h| h.is_open(at));
                open == (filter == HoursFilter::Inside)
            }
        }
    }

    fn agent_or(&self, c: &Conversation, person: Option<Arc<str>>) -> Option<Arc<str>> {
        Some(
            person
                .or_else(|| c.assignee.clone())
                .unwrap_or_else(|| self.names.unassigned.clone()),
        )
    }

    /// The figures of the group a moment falls in; `agent` names the agent group.
    fn figures(&mut self, c: &Conversation, agent: Option<Arc<str>>, at: i64) -> &mut Figures {
        let key: Arc<str> = match self.period.by {
            None => self.names.whole.clone(),
            Some(GroupBy::Agent) => agent.unwrap_or_else(|| self.names.unassigned.clone()),
            Some(GroupBy::Queue) => c
                .queue
                .clone()
                .unwrap_or_else(|| self.names.no_queue.clone()),
            Some(GroupBy::Number) => c.number.clone(),
            Some(GroupBy::Day) => self.day_of(at),
        };
        if let Some((last, i)) = &self.last_group
            && Arc::ptr_eq(last, &key)
        {
            return &mut self.groups[*i];
        }
        let next = self.groups.len();
        let i = *self.keys.entry(key.clone()).or_insert(next);
        if i == next {
            self.groups.push(Figures::default());
        }
        self.last_group = Some((key, i));
        &mut self.groups[i]
    }

    fn day_of(&mut self, at: i64) -> Arc<str> {
        if let Some((_, (end, name))) = self.days.range(..=at).next_back()
            && at < *end
        {
            return name.clone();
        }
        let (start, end, date) = local_day(&self.period.zone, at);
        let name: Arc<str> = date.to_string().into();
        self.days.insert(start, (end, name.clone()));
        name
    }
}

/// The local date holding `at` and the instants its day starts and ends.
fn local_day(zone: &TimeZone, at: i64) -> (i64, i64, Date) {
    let ts = jiff::Timestamp::from_second(at).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let date = ts.to_zoned(zone.clone()).date();
    let start = day_start(zone, date);
    let end = date
        .tomorrow()
        .map(|d| day_start(zone, d))
        .unwrap_or(i64::MAX);
    (start, end, date)
}

/// The first instant of a local date (midnight, or the first moment after a gap).
pub fn day_start(zone: &TimeZone, date: Date) -> i64 {
    zone.to_zoned(date.to_datetime(jiff::civil::Time::midnight()))
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
}

/// A period of whole local days, `from` to `to` inclusive, ending with `now`'s second at the
/// latest.
pub fn days(zone: TimeZone, from: Date, to: Date, now: i64) -> Option<(i64, i64)> {
    if to < from {
        return None;
    }
    let start = day_start(&zone, from);
    let end = to.tomorrow().map(|d| day_start(&zone, d)).ok()?;
    // The current second counts: what happened just now is in today's figures.
    Some((start, end.min(now.saturating_add(1).max(start))))
}

/// The local date of an instant.
pub fn date_of(zone: &TimeZone, at: i64) -> Date {
    local_day(zone, at).2
}

/// A period as asked for: days in a zone, a split, an hours filter; every part optional.
#[derive(Debug, Clone, Default)]
pub struct Asked<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub by: Option<&'a str>,
    pub hours: Option<&'a str>,
    pub zone: Option<&'a str>,
}

/// What a report covers, read from what was asked at `now`: the zone (the system's when none
/// is named), the last day (today when none), the first (six days before the last: a week).
pub fn period(asked: &Asked<'_>, now: i64) -> Result<(Period, Date, Date, String), String> {
    let (zone, zone_name) = match asked.zone.map(str::trim).filter(|z| !z.is_empty()) {
        Some(name) => (
            TimeZone::get(name).map_err(|_| {
                format!("no time zone {name}: use an IANA name such as America/La_Paz or UTC")
            })?,
            name.to_string(),
        ),
        None => {
            let tz = TimeZone::system();
            let name = tz.iana_name().unwrap_or("UTC").to_string();
            (tz, name)
        }
    };
    let date = |text: &str| {
        text.trim()
            .parse::<Date>()
            .map_err(|_| format!("no date {text:?}: dates are YYYY-MM-DD"))
    };
    let to = match asked.to {
        Some(t) => date(t)?,
        None => date_of(&zone, now),
    };
    let from = match asked.from {
        Some(f) => date(f)?,
        None => to.checked_sub(jiff::Span::new().days(6)).unwrap_or(to),
    };
    let by = match asked.by {
        Some(b) => Some(
            GroupBy::parse(b)
                .ok_or_else(|| format!("cannot split by {b:?}: by agent, queue, number or day"))?,
        ),
        None => None,
    };
    let hours = match asked.hours {
        Some(h) => HoursFilter::parse(h)
            .ok_or_else(|| format!("no hours filter {h:?}: in or out (of business hours)"))?,
        None => HoursFilter::Any,
    };
    let (start, until) = days(zone.clone(), from, to, now)
        .ok_or_else(|| format!("the period ends ({to}) before it starts ({from})"))?;
    let period = Period {
        from: start,
        until,
        zone,
        by,
        hours,
    };
    Ok((period, from, to, zone_name))
}

/// The name of this machine's time zone, when it has one.
pub fn system_zone_name() -> Option<String> {
    TimeZone::system().iana_name().map(str::to_string)
}

/// The `span` days ending `back` spans before today (in `zone`, the system's when unknown), as
/// `(first, last)` dates: the report screen's period, moved a span at a time.
pub fn days_ending(now: i64, zone: Option<&str>, span: i64, back: i64) -> (String, String) {
    let tz = zone
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or_else(TimeZone::system);
    let today = date_of(&tz, now);
    let to = today
        .checked_sub(jiff::Span::new().days(span * back))
        .unwrap_or(today);
    let from = to
        .checked_sub(jiff::Span::new().days(span - 1))
        .unwrap_or(to);
    (from.to_string(), to.to_string())
}

/// Every local day from `from` to `to`, in order: a split by day lists empty days too.
pub fn each_day(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to && out.len() < 3660 {
        out.push(d);
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    const M: i64 = 60;
    /// 2026-12-01 00:00 UTC.
    const DAY1: i64 = 1_796_083_200;

    fn period(by: Option<GroupBy>) -> Period {
        Period {
            from: DAY1,
            until: DAY1 + 3 * 24 * H,
            zone: TimeZone::UTC,
            by,
            hours: HoursFilter::Any,
        }
    }

    fn conv(assignee: Option<&str>) -> Conversation {
        Conversation {
            number: "+1 555 0100".into(),
            queue: Some("Sales".into()),
            assignee: assignee.map(Into::into),
            hours: None,
            sla_seconds: None,
        }
    }

    fn inb(at: i64) -> Step {
        Step::In { at }
    }
    fn agent(at: i64, who: &str) -> Step {
        Step::Out {
            at,
            sender: Sender::Agent(who.into()),
            template: false,
            failed: None,
        }
    }
    fn auto(at: i64) -> Step {
        Step::Out {
            at,
            sender: Sender::Automatic,
            template: false,
            failed: None,
        }
    }
    fn closed(at: i64, by: &str) -> Step {
        Step::Closed { at, by: by.into() }
    }

    #[test]
    fn a_thread_opens_with_the_customer_and_ends_with_a_close() {
        let mut r = Report::new(period(None));
        r.conversation(
            &conv(None),
            &[
                inb(DAY1 + 9 * H),
                auto(DAY1 + 9 * H),
                inb(DAY1 + 9 * H + M),
                agent(DAY1 + 9 * H + 5 * M, "ana"),
                closed(DAY1 + 10 * H, "ana"),
                // A second thread: answered, never closed.
                inb(DAY1 + 30 * H),
                agent(DAY1 + 30 * H + 2 * M, "bo"),
            ],
        );
        let (t, _) = r.finish_report();
        assert_eq!((t.opened, t.closed, t.waiting), (2, 1, 0));
        assert_eq!((t.messages_in, t.messages_out), (3, 3));
        let fr = t.first_response.summary();
        assert_eq!((fr.count, fr.mean, fr.median), (2, Some(210), Some(120)));
        assert_eq!(t.resolution.summary().median, Some(H));
    }

    #[test]
    fn an_automatic_answer_or_a_failed_send_is_no_response() {
        let mut r = Report::new(period(None));
        let failed = Step::Out {
            at: DAY1 + 2 * M,
            sender: Sender::Agent("ana".into()),
            template: true,
            failed: Some(131047),
        };
        r.conversation(&conv(None), &[inb(DAY1), auto(DAY1 + M), failed]);
        let (t, _) = r.finish_report();
        assert_eq!(t.first_response.summary().count, 0);
        assert_eq!(t.waiting, 1);
        assert_eq!(t.templates_sent, 1);
        assert_eq!(t.failures, BTreeMap::from([(131047, 1)]));
    }

    #[test]
    fn waiting_is_read_at_the_period_end_not_now() {
        let mut p = period(None);
        p.until = DAY1 + H;
        let mut r = Report::new(p);
        // Asked inside the period, answered after it: waiting then, answered in the figures.
        r.conversation(
            &conv(None),
            &[inb(DAY1 + 10 * M), agent(DAY1 + 2 * H, "ana")],
        );
        // Asked after the period: not counted at all.
        r.conversation(&conv(None), &[inb(DAY1 + 3 * H)]);
        let (t, _) = r.finish_report();
        assert_eq!((t.opened, t.waiting, t.messages_out), (1, 1, 0));
        assert_eq!(t.first_response.summary().median, Some(110 * M));
    }

    #[test]
    fn a_thread_opened_before_the_period_is_not_counted_again() {
        let mut p = period(None);
        p.from = DAY1 + 24 * H;
        let mut r = Report::new(p);
        r.conversation(
            &conv(None),
            &[inb(DAY1), inb(DAY1 + 25 * H), closed(DAY1 + 26 * H, "ana")],
        );
        let (t, _) = r.finish_report();
        assert_eq!((t.opened, t.closed, t.messages_in), (0, 1, 1));
        assert_eq!(t.resolution.summary().count, 0);
    }

    #[test]
    fn split_by_agent_credits_the_first_responder_then_the_assignee() {
        let mut r = Report::new(period(Some(GroupBy::Agent)));
        r.conversation(
            &conv(Some("bo")),
            &[inb(DAY1), agent(DAY1 + M, "ana"), agent(DAY1 + 2 * M, "bo")],
        );
        r.conversation(&conv(Some("bo")), &[inb(DAY1 + H)]);
        r.conversation(&conv(None), &[inb(DAY1 + H)]);
        let (total, groups) = r.finish_report();
        assert_eq!(total.opened, 3);
        assert_eq!(groups["ana"].opened, 1);
        assert_eq!(groups["ana"].messages_out, 1);
        assert_eq!(groups["bo"].opened, 1);
        assert_eq!(groups["bo"].waiting, 1);
        assert_eq!(groups["bo"].messages_out, 1);
        assert_eq!(groups["bo"].messages_in, 2);
        assert_eq!(groups[UNASSIGNED].waiting, 1);
    }

    #[test]
    fn split_by_local_day_follows_the_zone() {
        let mut p = period(Some(GroupBy::Day));
        p.zone = TimeZone::get("America/La_Paz").unwrap();
        p.from = DAY1 - 4 * H;
        let mut r = Report::new(p);
        // 02:00 UTC on Dec 1 is 22:00 on Nov 30 in La Paz.
        r.conversation(&conv(None), &[inb(DAY1 + 2 * H), inb(DAY1 + 5 * H)]);
        let (_, groups) = r.finish_report();
        assert_eq!(groups["2026-11-30"].opened, 1);
        assert_eq!(groups["2026-11-30"].messages_in, 1);
        assert_eq!(groups["2026-12-01"].messages_in, 1);
    }

    #[test]
    fn the_sla_counts_late_and_unanswered_threads() {
        let mut c = conv(None);
        c.sla_seconds = Some(15 * M);
        let mut r = Report::new(period(None));
        r.conversation(&c, &[inb(DAY1), agent(DAY1 + 10 * M, "ana")]);
        r.conversation(&c, &[inb(DAY1), agent(DAY1 + 20 * M, "ana")]);
        r.conversation(&c, &[inb(DAY1)]);
        let (t, _) = r.finish_report();
        assert_eq!((t.sla_counted, t.sla_missed), (3, 2));
    }

    #[test]
    fn the_hours_filter_keeps_moments_inside_or_outside() {
        let week = crate::hours::Week::parse("mon-fri 09:00-18:00").unwrap();
        let hours = Hours::new("UTC", week, Default::default()).unwrap();
        let mut c = conv(None);
        c.hours = Some(Arc::new(hours));
        // Tuesday Dec 1: 08:00 is outside, 10:00 inside.
        let steps = [
            inb(DAY1 + 8 * H),
            closed(DAY1 + 8 * H + M, "ana"),
            inb(DAY1 + 10 * H),
        ];
        for (filter, opened) in [(HoursFilter::Inside, 1), (HoursFilter::Outside, 1)] {
            let mut p = period(None);
            p.hours = filter;
            let mut r = Report::new(p);
            r.conversation(&c, &steps);
            let (t, _) = r.finish_report();
            assert_eq!((t.opened, t.messages_in), (opened, 1), "{filter:?}");
            let closes = u64::from(filter == HoursFilter::Outside);
            assert_eq!(t.closed, closes, "{filter:?}");
        }
    }

    #[test]
    fn a_period_of_days_ends_now_at_the_latest() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let (from, until) =
            days(TimeZone::UTC, d("2026-12-01"), d("2026-12-02"), i64::MAX).unwrap();
        assert_eq!((from, until), (DAY1, DAY1 + 48 * H));
        let (_, until) = days(TimeZone::UTC, d("2026-12-01"), d("2026-12-02"), DAY1 + H).unwrap();
        assert_eq!(until, DAY1 + H + 1);
        assert!(days(TimeZone::UTC, d("2026-12-02"), d("2026-12-01"), 0).is_none());
        assert_eq!(GroupBy::parse("día"), Some(GroupBy::Day));
        assert_eq!(HoursFilter::parse("out"), Some(HoursFilter::Outside));
    }

    #[test]
    fn a_period_asked_for_defaults_to_the_last_week_in_the_zone() {
        let asked = Asked {
            zone: Some("UTC"),
            ..Default::default()
        };
        let (p, from, to, zone) = super::period(&asked, DAY1 + 10 * H).unwrap();
        assert_eq!(
            (from.to_string(), to.to_string()),
            ("2026-11-25".into(), "2026-12-01".into())
        );
        assert_eq!(
            (p.from, p.until, zone.as_str()),
            (DAY1 - 6 * 24 * H, DAY1 + 10 * H + 1, "UTC")
        );
        for bad in [
            Asked {
                zone: Some("Mars/Base"),
                ..Default::default()
            },
            Asked {
                from: Some("yesterday"),
                ..Default::default()
            },
            Asked {
                by: Some("colour"),
                ..Default::default()
            },
            Asked {
                hours: Some("maybe"),
                ..Default::default()
            },
            Asked {
                from: Some("2026-12-02"),
                to: Some("2026-12-01"),
                ..Default::default()
            },
        ] {
            assert!(super::period(&bad, DAY1).is_err(), "{bad:?}");
        }
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(each_day(d("2026-11-30"), d("2026-12-02")).len(), 3);
        let week = days_ending(DAY1 + H, Some("UTC"), 7, 1);
        assert_eq!(week, ("2026-11-18".into(), "2026-11-24".into()));
    }

    #[test]
    fn summaries_use_nearest_ranks() {
        let mut d = Durations::default();
        for s in 1..=10 {
            d.push(s * 10);
        }
        let s = d.summary();
        assert_eq!(
            (s.count, s.mean, s.median, s.p90),
            (10, Some(55), Some(50), Some(90))
        );
        assert_eq!(Durations::default().summary().median, None);
    }
}
