//! A remote inbox whose link drops (a laptop's Wi-Fi, a proxy restarted) is taken up where it
//! was: the changes made meanwhile come as one push, and nothing it shows is read again.

use crate::common::*;
use crate::remote::token_for;
use crate::team::team;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use wabox::client::remote::Server;
use wabox::client::{Client, Dial};
use wabox::protocol::Request;
use wabox::tui::link::{LinkEvent, spawn};

/// A TCP relay on loopback to `target` that the test cuts, as a flaky network would, and keeps
/// down (it then closes every new connection at once) until it is told otherwise.
struct Relay {
    addr: String,
    cut: watch::Sender<u64>,
    down: Arc<AtomicBool>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (cut, _) = watch::channel(0u64);
        let down = Arc::new(AtomicBool::new(false));
        let (cuts, is_down) = (cut.clone(), down.clone());
        tokio::spawn(async move {
            while let Ok((mut near, _)) = listener.accept().await {
                if is_down.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let target = target.clone();
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut far) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut near, &mut far) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Relay { addr, cut, down }
    }

    /// Every open connection cut, and none let through until `up`.
    fn cut_and_hold(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn up(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

async fn next(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<LinkEvent<&'static str>>,
) -> LinkEvent<&'static str> {
    tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .expect("the link said nothing for 20 s")
        .expect("the link stopped")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_link_is_taken_up_with_the_changes_missed_and_nothing_read_again() {
    let home = Home::new();
    let engine = home.start_engine();
    let (sales, _support) = team(&home, &engine).await;
    let relay = Relay::start(engine.addr.to_string()).await;
    let dial = Dial::Remote(Server {
        url: format!("http://{}", relay.addr),
        token: token_for(&home, "alice"),
    });
    let client = Client::dial(&dial).await.unwrap();
    let (requests, mut events) = spawn::<&'static str>(client, Some(dial));
    assert!(matches!(
        next(&mut events).await,
        LinkEvent::Connected { resumed: false, .. }
    ));
    // The inbox opens Sales' conversation.
    requests
        .send((
            "focus",
            Request::Focus {
                conversation_id: Some(sales),
            },
        ))
        .unwrap();
    loop {
        match next(&mut events).await {
            LinkEvent::Reply("focus", answer) => break assert!(answer.is_ok()),
            LinkEvent::Engine(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }

    relay.cut_and_hold();
    loop {
        match next(&mut events).await {
            LinkEvent::Lost(_) => break,
            LinkEvent::Engine(_) => continue,
            other => panic!("expected the loss, got {other:?}"),
        }
    }
    // While it is away, the customer writes twice.
    for (wamid, body) in [
        ("wamid.AWAY.1", "¿hola?"),
        ("wamid.AWAY.2", "sigo esperando"),
    ] {
        let customer = "16505550001";
        let delivery = inbound(
            PNID,
            Some(customer),
            None,
            "Customer",
            vec![text(customer, wamid, now(), body)],
        );
        assert_eq!(engine.deliver(&delivery).await, 200);
    }
    home.wait_processed();
    relay.up();

    match next(&mut events).await {
        LinkEvent::Connected { resumed, user } => {
            assert!(resumed, "the engine still had what it missed");
            assert_eq!(user.as_deref(), Some("alice"));
        }
        other => panic!("expected to reconnect, got {other:?}"),
    }
    // The two messages come pushed, in the conversation it had open; nothing was asked for.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match next(&mut events).await {
            LinkEvent::Engine(push) => {
                assert!(!push.resync, "{push:?}");
                if !push.messages.is_empty() {
                    assert!(push.conversations.iter().any(|c| c.id == sales), "{push:?}");
                }
                seen.extend(
                    push.messages
                        .iter()
                        .map(|m| (m.conversation_id, m.wamid.clone())),
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        seen,
        [
            (sales, "wamid.AWAY.1".to_string()),
            (sales, "wamid.AWAY.2".to_string())
        ]
    );
    // And the link serves requests again, on the focus it had.
    requests.send(("hello", Request::Hello)).unwrap();
    loop {
        match next(&mut events).await {
            LinkEvent::Reply("hello", answer) => break assert!(answer.is_ok()),
            LinkEvent::Engine(push) => {
                assert!(push.messages.iter().all(|m| m.conversation_id == sales))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
