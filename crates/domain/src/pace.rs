//! Pacing sends within Meta's limits: a token bucket per number (messages per second) and per
//! customer (a short burst, then about one every 6 s), and backoff after throttling or errors.
//! Time is passed in, in seconds, so the rules are tested without a clock.

const WINDOW_SPAN: f64 = 1.03;

/// The share of a number's rate the outbox uses.
pub const NUMBER_HEADROOM: f64 = 0.99;

/// At most `limit` sends in any one-second window: the hard cap under a number's bucket, so that
/// catching up after a late timer can never put more than the rate into a second. The window
/// is 30 ms longer than a second, so that jitter between a send leaving and reaching Meta
/// cannot either. With 10 ms, every run of `wabox bench send` put 21 sends into one second
/// at the simulator on a number of 20 (and 81–82 on one of 80): the bucket spaces sends so
/// that 21 of them span 1.0101 s, and a busy machine delays one more than that. With 30 ms,
/// none did at 20 and one run in three at 80, for 96–97% of the rate instead of 98%. Those
/// were sends held up together on their way (the outbox now counts each in a window of its
/// number's departures too, as it leaves) and sends held in one look given the same moment
/// (`wait` counts those now).
#[derive(Debug, Clone)]
pub struct SecondWindow {
    limit: usize,
    sent: std::collections::VecDeque<f64>,
}

impl SecondWindow {
    pub fn new(rate: f64) -> Self {
        SecondWindow {
            limit: (rate.floor() as usize).max(1),
            sent: std::collections::VecDeque::new(),
        }
    }

    /// How long until one more send fits (zero: now), counting the sends already taken for
    /// later (held until their second had room): the one `limit` places back must be a
    /// window's span old. (Counting only the oldest, two sends held in one look were given
    /// the same moment, and a number of 80 a second put 83 into a second at the simulator.)
    pub fn wait(&mut self, now: f64) -> f64 {
        while self.sent.front().is_some_and(|&t| now - t >= WINDOW_SPAN) {
            self.sent.pop_front();
        }
        match self.sent.len().checked_sub(self.limit) {
            None => 0.0,
            Some(back) => (self.sent[back] + WINDOW_SPAN - now).max(0.0),
        }
    }

    /// Counts a send leaving at `at`, now or later: `at` no sooner than `wait` said.
    pub fn take(&mut self, at: f64) {
        self.sent.push_back(at);
    }
}

/// A token bucket: `capacity` sends at once, refilled at `rate` per second.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    capacity: f64,
    rate: f64,
    last: f64,
}

impl Bucket {
    /// A full bucket at time `now`.
    pub fn new(rate: f64, capacity: f64, now: f64) -> Self {
        let capacity = capacity.max(1.0);
        Bucket {
            tokens: capacity.floor(),
            capacity,
            rate: rate.max(f64::MIN_POSITIVE),
            last: now,
        }
    }

    /// A bucket for a number sending at `rate` per second, evenly spaced (no burst), so that no
    /// second ever carries more than the rate allows.
    pub fn for_number(rate: f64, now: f64) -> Self {
        // 1% under the limit, so that network jitter (a send delayed a few milliseconds more than
        // the one after it) cannot put one message too many into any second at Meta's end; 100 ms
        // of capacity lets a late timer catch up, and a slow look claim the sends of its time
        // ahead (the `SecondWindow` caps every second, and holds each claimed send till its turn).
        Bucket::new(rate * NUMBER_HEADROOM, (rate * 0.1).max(2.0), now)
    }

    fn refill(&mut self, now: f64) {
        if now > self.last {
            self.tokens = (self.tokens + (now - self.last) * self.rate).min(self.capacity);
            self.last = now;
        }
    }

    /// How long until a send may go (zero: now), without taking anything.
    pub fn wait(&mut self, now: f64) -> f64 {
        self.refill(now);
        if self.tokens >= 1.0 {
            0.0
        } else {
            (1.0 - self.tokens) / self.rate
        }
    }

    /// Takes one send; call only when `wait` said zero.
    pub fn take(&mut self, now: f64) {
        self.refill(now);
        self.tokens -= 1.0;
    }
}

/// How long before a number's second has room for one more send that send is claimed: half
/// again what a look at the queue and its claim took lately, so that the send is ready to leave the
/// moment its second opens (the outbox holds a claimed send until then). Claimed only once the
/// room was there, a number's sends left that long after it: on PostgreSQL, where a look and a
/// claim take 10–40 ms under load, numbers of 80 a second sent about 75.
///
/// It follows a slower look at once and a quicker one gradually, and never exceeds `MAX_LEAD`
/// (a send claimed is held, and a look seconds long must not hold sends for seconds).
#[derive(Debug, Clone, Default)]
pub struct ClaimLead {
    secs: f64,
}

/// What is left of a slow look's time after each quicker one: a look and a claim come about a
/// hundred times a second while a number of 80 sends, so a slow one counts for a second or so
/// (with 7/8, for a tenth of one, the next slow one came after the lead was down again).
const DECAY: f64 = 63.0 / 64.0;

/// The lead over a look's time: a look starts when the lead says, and the next may take longer.
const MARGIN: f64 = 1.5;

/// The longest a send is claimed ahead of its second, in seconds.
pub const MAX_LEAD: f64 = 0.1;

impl ClaimLead {
    /// A look and its claim that took `took` seconds.
    pub fn observe(&mut self, took: f64) {
        let took = if took.is_finite() { took } else { MAX_LEAD };
        self.secs = (took * MARGIN).clamp(0.0, MAX_LEAD).max(self.secs * DECAY);
    }

    /// The lead, in seconds.
    pub fn secs(&self) -> f64 {
        self.secs
    }

    /// How long until a send whose number's second has room in `window_wait` seconds may be
    /// claimed (zero: now).
    pub fn claim_wait(&self, window_wait: f64) -> f64 {
        (window_wait - self.secs).max(0.0)
    }
}

/// Milliseconds to wait before attempt `attempt + 1` after a failure. Throttling waits at least
/// `min_ms`; each failure doubles the wait up to a minute; `jitter` in [0, 1) spreads retries.
pub fn backoff_ms(attempt: u32, min_ms: i64, jitter: f64) -> i64 {
    let base = 1000i64.saturating_mul(1i64 << attempt.clamp(1, 8).saturating_sub(1));
    let wait = base.clamp(min_ms.max(500), 60_000) as f64;
    (wait * (0.75 + 0.5 * jitter.clamp(0.0, 1.0))) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_never_exceeds_its_rate_over_a_second() {
        for rate in [20.0, 80.0, 1000.0] {
            let mut b = Bucket::for_number(rate, 0.0);
            let mut w = SecondWindow::new(rate);
            let mut times = Vec::new();
            let mut t = 0.0;
            // A timer that fires late now and then, as real ones do.
            let mut step = 0;
            while t < 10.0 {
                if b.wait(t) == 0.0 && w.wait(t) == 0.0 {
                    b.take(t);
                    w.take(t);
                    times.push(t);
                }
                step += 1;
                t += if step % 97 == 0 { 0.005 } else { 0.0005 };
            }
            let busiest = (0..times.len())
                .map(|i| {
                    times[i..]
                        .iter()
                        .take_while(|&&x| x - times[i] < 1.0)
                        .count()
                })
                .max()
                .unwrap();
            assert!(
                busiest as f64 <= rate,
                "{busiest} in one second at {rate}/s"
            );
            let achieved = times.len() as f64 / 10.0;
            assert!(achieved >= rate * 0.95, "{achieved}/s of {rate}/s");
        }
    }

    #[test]
    fn a_second_window_never_holds_more_than_the_rate() {
        let mut w = SecondWindow::new(20.0);
        for i in 0..20 {
            assert_eq!(w.wait(0.5 + i as f64 * 0.001), 0.0);
            w.take(0.5 + i as f64 * 0.001);
        }
        assert!((w.wait(0.6) - (0.5 + WINDOW_SPAN - 0.6)).abs() < 1e-9);
        assert!(w.wait(1.5) > 0.0);
        assert!(w.wait(0.5 + WINDOW_SPAN - 0.001) > 0.0);
        assert_eq!(w.wait(0.5 + WINDOW_SPAN), 0.0);
    }

    #[test]
    fn sends_held_for_later_each_get_a_moment_of_their_own() {
        let mut w = SecondWindow::new(20.0);
        for i in 0..20 {
            w.take(i as f64 * 0.01);
        }
        // Three sends claimed at once when the second is full: each waits for its own place.
        let now = 0.5;
        let mut left = Vec::new();
        for _ in 0..3 {
            let hold = w.wait(now);
            w.take(now + hold);
            left.push(now + hold);
        }
        let expected = [WINDOW_SPAN, 0.01 + WINDOW_SPAN, 0.02 + WINDOW_SPAN];
        for (got, want) in left.iter().zip(expected) {
            assert!((got - want).abs() < 1e-9, "{left:?}");
        }
        // No window's span ever holds more than the rate.
        let all: Vec<f64> = w.sent.iter().copied().collect();
        for (i, &t) in all.iter().enumerate() {
            let within = all[i..]
                .iter()
                .take_while(|&&x| x - t < WINDOW_SPAN - 1e-9)
                .count();
            assert!(within <= 20, "{within} within a span from {t}");
        }
    }

    #[test]
    fn a_customer_gets_a_burst_then_one_every_six_seconds() {
        let mut b = Bucket::new(1.0 / 6.0, 3.0, 0.0);
        for _ in 0..3 {
            assert_eq!(b.wait(0.0), 0.0);
            b.take(0.0);
        }
        assert!((b.wait(0.0) - 6.0).abs() < 1e-9);
        assert_eq!(b.wait(6.0), 0.0);
    }

    #[test]
    fn a_claim_leads_by_the_slowest_recent_look_then_by_less_never_by_more_than_the_most() {
        let mut lead = ClaimLead::default();
        assert_eq!(lead.claim_wait(0.02), 0.02, "no look yet: no lead");
        lead.observe(0.004);
        lead.observe(0.020);
        assert!(
            (lead.secs() - 0.030).abs() < 1e-12,
            "a slower look counts at once"
        );
        assert_eq!(lead.claim_wait(0.02), 0.0);
        assert!((lead.claim_wait(0.05) - 0.02).abs() < 1e-12);
        lead.observe(0.001);
        assert!(
            (lead.secs() - 0.030 * DECAY).abs() < 1e-12,
            "a quicker one gradually"
        );
        for _ in 0..1000 {
            lead.observe(0.002);
        }
        assert!(
            (lead.secs() - 0.003).abs() < 1e-12,
            "down to the looks' time, not below"
        );
        lead.observe(3.0);
        assert_eq!(lead.secs(), MAX_LEAD, "a look of seconds leads by the most");
        lead.observe(f64::NAN);
        assert_eq!(lead.secs(), MAX_LEAD);
        lead.observe(-1.0);
        assert!(lead.secs() <= MAX_LEAD && lead.secs() > 0.0);
    }

    #[test]
    fn backoff_doubles_up_to_a_minute_and_respects_throttling() {
        assert_eq!(backoff_ms(1, 0, 0.5), 1000);
        assert_eq!(backoff_ms(2, 0, 0.5), 2000);
        assert_eq!(backoff_ms(3, 0, 0.5), 4000);
        assert_eq!(backoff_ms(30, 0, 0.5), 60_000);
        assert_eq!(backoff_ms(1, 6000, 0.5), 6000);
        assert_eq!(backoff_ms(1, 0, 0.0), 750);
        assert_eq!(backoff_ms(1, 0, 1.0), 1250);
    }
}
