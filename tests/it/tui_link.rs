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
    assert!(matches!(next(&mut events).await, LinkEvent::Connected(_)));

    engine.kill9();
    match next(&mut events).await {
        LinkEvent::Lost(reason) => assert!(!reason.is_empty()),
        other => panic!("expected the loss to be reported, got {other:?}"),
    }

    let _engine = home.start_engine();
    loop {
        match next(&mut events).await {
            LinkEvent::Connected(_) => break,
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
