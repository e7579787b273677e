//! The TUI's own code driven as its loop drives it, drawing through crossterm into a byte
//! counter instead of a terminal, and customers writing to it over the engine's webhook.

use super::super::deliveries::{self, WABA_ID};
use crate::client::Client;
use crate::tui::app::{App, Effect};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A terminal that counts what it is sent.
#[derive(Clone, Default)]
pub struct Counter(pub Arc<AtomicUsize>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct Ui {
    pub app: App,
    pub client: Client,
    pub terminal: Terminal<CrosstermBackend<Counter>>,
    pub bytes: Counter,
}

impl Ui {
    /// Runs what the app asked for until nothing is pending, then draws once (as the TUI's
    /// loop does after a batch).
    pub async fn settle(&mut self, effects: Vec<Effect>) -> anyhow::Result<()> {
        let mut queue: VecDeque<Effect> = effects.into();
        loop {
            // What is asked at once goes at once, as the inbox's link sends it.
            while !queue.is_empty() {
                let (tags, requests): (Vec<_>, Vec<_>) = queue
                    .drain(..)
                    .filter_map(|effect| match effect {
                        Effect::Call(tag, request) => Some((tag, request)),
                        _ => None,
                    })
                    .unzip();
                let answers = self.client.call_many(requests).await;
                for (tag, answer) in tags.into_iter().zip(answers) {
                    queue.extend(self.app.on_reply(tag, answer));
                }
            }
            let more = self.app.flush();
            if more.is_empty() {
                break;
            }
            queue.extend(more);
        }
        self.draw()
    }

    pub fn draw(&mut self) -> anyhow::Result<()> {
        if self.app.dirty {
            let app = &self.app;
            self.terminal.draw(|f| crate::tui::view::draw(f, app))?;
            self.app.dirty = false;
        }
        Ok(())
    }

    /// A key press, until every answer it asked for is in and drawn; how long until the first
    /// frame after it, which the inbox draws before any answer (its loop draws whenever the
    /// state changed, and requests go through the link meanwhile).
    pub async fn key(&mut self, code: KeyCode) -> anyhow::Result<Duration> {
        let t = std::time::Instant::now();
        let effects = self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        self.draw()?;
        let first = t.elapsed();
        self.settle(effects).await?;
        Ok(first)
    }
}

/// Customers writing over the engine's real webhook.
pub struct Customers<'a> {
    pub http: &'a reqwest::Client,
    pub url: &'a str,
    pub secret: &'a str,
}

impl Customers<'_> {
    /// `n` messages from contact `c`, each handled as the TUI's loop handles engine events;
    /// answers the bytes sent to the terminal per message.
    pub async fn write(&self, ui: &mut Ui, c: u64, n: usize) -> anyhow::Result<f64> {
        let before = ui.bytes.0.load(Ordering::Relaxed);
        for i in 0..n {
            let body = delivery(c, i);
            let signature = crate::webhook::signature::sign(self.secret.as_bytes(), &body);
            let status = self
                .http
                .post(self.url)
                .header("x-hub-signature-256", signature)
                .body(body)
                .send()
                .await?
                .status();
            anyhow::ensure!(status.is_success(), "the webhook answered {status}");
            // Until the message is in (its conversation's row: the message itself comes only
            // to an inbox showing that conversation), then what follows closely, as one batch
            // would be.
            let mut wait = Duration::from_secs(5);
            while let Ok(Some(push)) = tokio::time::timeout(wait, ui.client.next_push()).await {
                if !push.conversations.is_empty() {
                    wait = Duration::from_millis(30);
                }
                let effects = ui.app.on_push(push);
                ui.settle(effects).await?;
            }
        }
        Ok((ui.bytes.0.load(Ordering::Relaxed) - before) as f64 / n as f64)
    }
}

/// Which `delivery` a message's text is (its `i`), if it is one.
pub(in crate::bench) fn delivery_number(text: &str) -> Option<u64> {
    let inner = text.strip_prefix(DELIVERY_TEXT)?.strip_suffix(')')?;
    inner.strip_prefix('(')?.parse().ok()
}

const DELIVERY_TEXT: &str = "Any news about my order? ";

/// A customer's text message as Meta delivers it, for contact `c` of the prefilled store; its
/// text ends with `i`, so whoever sees it knows which delivery it was (`delivery_number`).
pub(in crate::bench) fn delivery(c: u64, i: usize) -> Vec<u8> {
    let numbers = 2;
    let n = c % numbers;
    let wa_id = deliveries::customer_wa_id(c);
    let body = serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": deliveries::display_phone(n),
                         "phone_number_id": deliveries::phone_number_id(n)},
            "contacts": [{"profile": {"name": deliveries::customer_name(c)}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": format!("wamid.TUIBENCH.{c}.{i}.{}", rand::random::<u32>()),
                          "timestamp": crate::domain::time::now_unix().to_string(),
                          "type": "text", "text": {"body": format!("{DELIVERY_TEXT}({i})")}}]
        }}]}]
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_says_which_it_is() {
        let body: serde_json::Value = serde_json::from_slice(&delivery(3, 41)).unwrap();
        let text = body["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
            .as_str()
            .unwrap();
        assert_eq!(delivery_number(text), Some(41));
        assert_eq!(delivery_number("Any news about my order?"), None);
        assert_eq!(delivery_number("Hello (41)"), None);
        assert_eq!(delivery_number("Any news about my order? (x)"), None);
    }
}
