//! The inbox's line to a `wabox serve` engine: it says when the engine goes away and comes back
//! by itself, and then serves requests again.

use crate::common::*;
use std::time::Duration;
use wabox::protocol::{Request, Response};
use wabox::tui::app::Tag;
use wabox::tui::link::{LinkEvent, spawn};

async fn next(events: &mut tokio::sync::mpsc::UnboundedReceiver<LinkEvent>) -> LinkEvent {
    tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .expect("the link said nothing for 20 s")
        .expect("the link stopped")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_reconnects_by_itself_when_the_engine_comes_back() {
    let home = Home::new();
    home.with_acme();
    let mut engine = home.start_engine();
    let client = wabox::client::Client::dial(&wabox::client::Dial::Socket(home.data.clone()))
        .await
        .unwrap();
    let (requests, mut events) =
        spawn(client, Some(wabox::client::Dial::Socket(home.data.clone())));
    assert!(matches!(
        next(&mut events).await,
        LinkEvent::Connected { .. }
    ));

    engine.kill9();
    match next(&mut events).await {
        LinkEvent::Lost(reason) => assert!(!reason.is_empty()),
        other => panic!("expected the loss to be reported, got {other:?}"),
    }

    let _engine = home.start_engine();
    loop {
        match next(&mut events).await {
            LinkEvent::Connected { resumed, .. } => {
                assert!(!resumed, "a restarted engine is another run: read again");
                break;
            }
            LinkEvent::Engine(_) => continue,
            other => panic!("expected to reconnect, got {other:?}"),
        }
    }
    requests.send((Tag::Numbers, Request::ListNumbers)).unwrap();
    loop {
        match next(&mut events).await {
            LinkEvent::Reply(Tag::Numbers, answer) => {
                let Ok(Response::Numbers(numbers)) = *answer else {
                    panic!("no numbers after reconnecting")
                };
                assert_eq!(numbers.len(), 1);
                break;
            }
            LinkEvent::Engine(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Requests waiting together go in one write, each answered in its order, its tag kept: the
/// inbox's three for an opened conversation take one round trip to a remote engine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_waiting_together_are_answered_each_in_its_order() {
    let home = Home::new();
    home.with_acme();
    let _engine = home.start_engine();
    let mut client = wabox::client::Client::dial(&wabox::client::Dial::Socket(home.data.clone()))
        .await
        .unwrap();
    let answers = client
        .call_many(vec![
            Request::ListNumbers,
            Request::ListTenants,
            Request::Claim {
                conversation_id: 999_999,
            },
            Request::ListNumbers,
        ])
        .await;
    assert_eq!(answers.len(), 4);
    assert!(matches!(&answers[0], Ok(Response::Numbers(n)) if n.len() == 1));
    assert!(matches!(&answers[1], Ok(Response::Tenants(t)) if t.len() == 1));
    assert!(
        answers[2].is_err(),
        "a refusal stays the third's: {:?}",
        answers[2]
    );
    assert!(matches!(&answers[3], Ok(Response::Numbers(_))));

    let (requests, mut events) = spawn(client, None);
    assert!(matches!(
        next(&mut events).await,
        LinkEvent::Connected { .. }
    ));
    for _ in 0..3 {
        requests.send((Tag::Numbers, Request::ListNumbers)).unwrap();
        requests.send((Tag::Hello, Request::Hello)).unwrap();
    }
    let mut tags = Vec::new();
    while tags.len() < 6 {
        match next(&mut events).await {
            LinkEvent::Reply(tag, answer) => {
                match (&tag, *answer) {
                    (Tag::Numbers, Ok(Response::Numbers(_)))
                    | (Tag::Hello, Ok(Response::Hello(_))) => {}
                    (tag, other) => panic!("{tag:?} answered with {other:?}"),
                }
                tags.push(tag);
            }
            LinkEvent::Engine(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
    let expected: Vec<Tag> = (0..3).flat_map(|_| [Tag::Numbers, Tag::Hello]).collect();
    assert_eq!(tags, expected);
}
