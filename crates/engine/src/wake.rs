//! Tasks that the writer's events wake (the scheduler, the media downloader, automatic
//! assignment) look at the store once per burst of events, not once per event: one delivery
//! brings several events, and a busy minute thousands.

use tokio::sync::broadcast::{self, error::TryRecvError};

/// Hands every event already waiting to `each`, without waiting for more. False once the
/// events have ended (the engine is stopping). Events missed by falling behind need nothing:
/// the caller looks at the store itself next, which covers them.
pub fn drain<T: Clone>(events: &mut broadcast::Receiver<T>, mut each: impl FnMut(T)) -> bool {
    loop {
        match events.try_recv() {
            Ok(event) => each(event),
            Err(TryRecvError::Lagged(_)) => continue,
            Err(TryRecvError::Empty) => return true,
            Err(TryRecvError::Closed) => return false,
        }
    }
}

/// Waits for the next event, then takes the rest of its burst: what `take` kept of them (it may
/// keep nothing; the caller then waits again). None once the events have ended.
pub async fn next_burst<T: Clone, K>(
    events: &mut broadcast::Receiver<T>,
    mut take: impl FnMut(T, &mut Vec<K>),
) -> Option<Vec<K>> {
    let mut kept = Vec::new();
    match events.recv().await {
        Ok(event) => take(event, &mut kept),
        Err(broadcast::error::RecvError::Lagged(_)) => {}
        Err(broadcast::error::RecvError::Closed) => return None,
    }
    drain(events, |e| take(e, &mut kept)).then_some(kept)
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
}
