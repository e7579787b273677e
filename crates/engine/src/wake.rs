//! Tasks that the writer's events wake (the scheduler, the media downloader, automatic
//! assignment) look at the store once per burst of events, not once per event: one delivery
//! brings several events, and a busy minute thousands.

use tokio::sync::broadcast::{self, error::TryRecvError};

/// Hands every event already waiting to `each`, without waiting for more. False once the
/// events have ended (the engine is stopping). Events missed by falling behind need nothing:
/// the caller looks at the store itself next, which covers them.
pub fn drain<T: Clone>(events: &mut broadcast::Receiver<T>, each: impl FnMut(T)) -> bool {
    drain_noting_misses(events, each).is_some()
}

/// `drain`, saying whether events were missed by falling behind (None once they have ended).
fn drain_noting_misses<T: Clone>(
    events: &mut broadcast::Receiver<T>,
    mut each: impl FnMut(T),
) -> Option<bool> {
    let mut missed = false;
    loop {
        match events.try_recv() {
            Ok(event) => each(event),
            Err(TryRecvError::Lagged(_)) => missed = true,
            Err(TryRecvError::Empty) => return Some(missed),
            Err(TryRecvError::Closed) => return None,
        }
    }
}

/// A burst of events: what the caller kept of them, and whether some were missed before it
/// (the channel holds a few thousand; a caller slower than a burst falls behind).
pub struct Burst<K> {
    pub kept: Vec<K>,
    pub missed: bool,
}

/// Waits for the next event, then takes the rest of its burst: what `take` kept of them (it may
/// keep nothing; the caller then waits again). None once the events have ended.
pub async fn next_burst<T: Clone, K>(
    events: &mut broadcast::Receiver<T>,
    take: impl FnMut(T, &mut Vec<K>),
) -> Option<Vec<K>> {
    next_burst_noting_misses(events, take).await.map(|b| b.kept)
}

/// `next_burst` for a caller that must look at the store for what it missed: a task whose work
/// is due to each event, not to the store's state.
pub async fn next_burst_noting_misses<T: Clone, K>(
    events: &mut broadcast::Receiver<T>,
    mut take: impl FnMut(T, &mut Vec<K>),
) -> Option<Burst<K>> {
    let mut kept = Vec::new();
    let mut missed = false;
    match events.recv().await {
        Ok(event) => take(event, &mut kept),
        Err(broadcast::error::RecvError::Lagged(_)) => missed = true,
        Err(broadcast::error::RecvError::Closed) => return None,
    }
    let more_missed = drain_noting_misses(events, |e| take(e, &mut kept))?;
    Some(Burst {
        kept,
        missed: missed || more_missed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_taken_at_once_and_a_missed_stretch_is_stepped_over() {
        let (tx, mut rx) = broadcast::channel(4);
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        let mut seen = Vec::new();
        assert!(drain(&mut rx, |e| seen.push(e)));
        assert_eq!(seen, [6, 7, 8, 9], "the ones still held, after the lag");
        assert!(drain(&mut rx, |_| panic!("nothing more")));
        drop(tx);
        assert!(!drain(&mut rx, |_| {}), "ended");
    }

    #[tokio::test]
    async fn a_burst_says_whether_events_were_missed_before_it() {
        let (tx, mut rx) = broadcast::channel(4);
        tx.send(1).unwrap();
        let b = next_burst_noting_misses(&mut rx, |e, k: &mut Vec<i32>| k.push(e))
            .await
            .unwrap();
        assert_eq!((b.kept, b.missed), (vec![1], false));
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        let b = next_burst_noting_misses(&mut rx, |e, k: &mut Vec<i32>| k.push(e))
            .await
            .unwrap();
        assert_eq!((b.kept, b.missed), (vec![6, 7, 8, 9], true));
        drop(tx);
        assert!(
            next_burst_noting_misses(&mut rx, |e, k: &mut Vec<i32>| k.push(e))
                .await
                .is_none()
        );
    }
}
