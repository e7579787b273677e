//! The subscribers of one view and their queues: a push goes to each without waiting, and one
//! that fell behind is told to read everything again, once, as soon as it has room.

use super::Delivery;
use super::focus::Wants;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;
use wabox_protocol::push::Push;

/// Where a subscriber's pushes go: a channel of its own (in process), or its connection's
/// writer (the socket), so a push costs one hand-over and no task of its own.
pub trait Sink: Send {
    /// Hands a push over without waiting.
    fn offer(&self, push: Arc<Delivery>) -> Offer;
    fn is_closed(&self) -> bool;
    /// Which messages it wants pushed (`Request::Focus`); all unless it said.
    fn wants(&self) -> Wants {
        Wants::All
    }
}

pub enum Offer {
    Taken,
    Full,
    Closed,
}

impl Sink for mpsc::Sender<Arc<Delivery>> {
    fn offer(&self, push: Arc<Delivery>) -> Offer {
        match self.try_send(push) {
            Ok(()) => Offer::Taken,
            Err(mpsc::error::TrySendError::Full(_)) => Offer::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => Offer::Closed,
        }
    }

    fn is_closed(&self) -> bool {
        mpsc::Sender::is_closed(self)
    }
}

struct Subscriber {
    out: Box<dyn Sink>,
    /// Pushes were dropped for it (its queue was full): it gets a `resync` before the next one.
    behind: bool,
}

#[derive(Default)]
pub struct Subscribers {
    list: Vec<Subscriber>,
    /// Pushes handed over, every view's together (`GET /metrics`).
    handed: Arc<AtomicU64>,
}

impl Subscribers {
    /// Subscribers whose pushes are counted in `handed`.
    pub fn counted(handed: Arc<AtomicU64>) -> Subscribers {
        Subscribers {
            list: Vec::new(),
            handed,
        }
    }

    pub fn add(&mut self, out: Box<dyn Sink>) {
        self.list.push(Subscriber { out, behind: false });
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Forgets those that have gone; false once none is left.
    pub fn any_left(&mut self) -> bool {
        self.list.retain(|s| !s.out.is_closed());
        !self.list.is_empty()
    }

    /// Hands the push to every subscriber that has room; one without room is marked behind and
    /// gets a `resync` first when it has room again (the push it missed is then not needed:
    /// it reads everything).
    pub fn send(&mut self, delivery: &Arc<Delivery>) {
        self.send_fitted(&mut |_| delivery.clone());
    }

    /// As `send`, with each subscriber's push fitted to what it wants (`fit` is asked once per
    /// subscriber and may hand several the same bytes).
    pub fn send_fitted(&mut self, fit: &mut dyn FnMut(Wants) -> Arc<Delivery>) {
        let mut resync: Option<Arc<Delivery>> = None;
        let mut handed = 0;
        self.list.retain_mut(|s| {
            if s.behind {
                let r = resync
                    .get_or_insert_with(|| {
                        Delivery::new(Push {
                            resync: true,
                            ..Push::default()
                        })
                    })
                    .clone();
                match s.out.offer(r) {
                    Offer::Taken => s.behind = false,
                    Offer::Full => return true,
                    Offer::Closed => return false,
                }
            }
            match s.out.offer(fit(s.out.wants())) {
                Offer::Taken => {
                    handed += 1;
                    true
                }
                Offer::Full => {
                    s.behind = true;
                    true
                }
                Offer::Closed => false,
            }
        });
        self.handed.fetch_add(handed, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(id: i64) -> Arc<Delivery> {
        Delivery::new(Push {
            gone: vec![id],
            ..Push::default()
        })
    }

    fn drain(rx: &mut mpsc::Receiver<Arc<Delivery>>) -> Vec<Push> {
        let mut out = Vec::new();
        while let Ok(d) = rx.try_recv() {
            out.push(d.push.clone());
        }
        out
    }

    #[test]
    fn every_subscriber_gets_the_same_bytes() {
        let mut subs = Subscribers::default();
        let (a, mut ra) = mpsc::channel(4);
        let (b, mut rb) = mpsc::channel(4);
        subs.add(Box::new(a));
        subs.add(Box::new(b));
        let p = push(1);
        subs.send(&p);
        let (x, y) = (ra.try_recv().unwrap(), rb.try_recv().unwrap());
        assert!(Arc::ptr_eq(&x, &y), "serialized once, shared");
        assert!(x.line.ends_with(b"\n"));
        let line: serde_json::Value = serde_json::from_slice(&x.line).unwrap();
        assert_eq!(line["push"]["gone"][0], 1);
    }

    #[test]
    fn a_subscriber_that_falls_behind_gets_one_resync_then_the_pushes_again() {
        let mut subs = Subscribers::default();
        let (slow, mut rx) = mpsc::channel(2);
        let (quick, mut rq) = mpsc::channel(16);
        subs.add(Box::new(slow));
        subs.add(Box::new(quick));
        for id in 1..=5 {
            subs.send(&push(id));
        }
        let got = drain(&mut rx);
        assert_eq!(got.len(), 2, "its queue held two; the rest were dropped");
        assert!(got.iter().all(|p| !p.resync));
        assert_eq!(drain(&mut rq).len(), 5, "the others lose nothing");
        subs.send(&push(6));
        let got = drain(&mut rx);
        assert_eq!(got.len(), 2);
        assert!(got[0].resync, "first: read everything again");
        assert_eq!(got[1].gone, [6]);
        subs.send(&push(7));
        assert!(!drain(&mut rx)[0].resync, "once");
    }

    #[test]
    fn the_pushes_handed_over_are_counted() {
        let handed = Arc::new(AtomicU64::new(0));
        let mut subs = Subscribers::counted(handed.clone());
        let (a, _ra) = mpsc::channel(1);
        let (b, _rb) = mpsc::channel(4);
        subs.add(Box::new(a));
        subs.add(Box::new(b));
        subs.send(&push(1));
        subs.send(&push(2)); // the first is full: not handed
        assert_eq!(handed.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_subscriber_that_has_gone_is_forgotten() {
        let mut subs = Subscribers::default();
        let (a, ra) = mpsc::channel::<Arc<Delivery>>(2);
        subs.add(Box::new(a));
        assert!(subs.any_left());
        drop(ra);
        assert!(!subs.is_empty(), "not looked for yet");
        subs.send(&push(1));
        assert!(subs.is_empty(), "a push finds it gone");
        assert!(!subs.any_left());
        let (b, rb) = mpsc::channel::<Arc<Delivery>>(2);
        subs.add(Box::new(b));
        drop(rb);
        assert!(!subs.any_left(), "or looking for it");
    }
}
