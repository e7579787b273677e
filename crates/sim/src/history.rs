//! A coexistence number's history, sent over webhooks as Meta does after `smb_app_data`.

use super::{SimNumber, Simulator, webhooks};
use serde_json::Value;

impl Simulator {
    /// A coexistence number's history, as Meta sends it after `smb_app_data`: three phases, a
    /// chunk each, a few old conversations, a pause between chunks.
    pub async fn send_history(&self, number: &SimNumber) -> anyhow::Result<()> {
        let now = self.now();
        let day = 86_400;
        let phases: [(i64, Vec<webhooks::HistoryThread>); 3] = [
            (
                0,
                vec![(
                    "5215587654321".to_string(),
                    vec![
                        (false, "¿Abren mañana?".to_string(), now - 5 * 3_600),
                        (true, "Sí, de 9 a 6.".to_string(), now - 5 * 3_600 + 120),
                    ],
                )],
            ),
            (
                1,
                vec![(
                    "5215511223344".to_string(),
                    vec![
                        (false, "Quiero 2 cajas".to_string(), now - 40 * day),
                        (
                            true,
                            "Listo, llegan el lunes".to_string(),
                            now - 40 * day + 600,
                        ),
                    ],
                )],
            ),
            (
                2,
                vec![(
                    "5215599887766".to_string(),
                    vec![(false, "Gracias por todo".to_string(), now - 150 * day)],
                )],
            ),
        ];
        for (phase, threads) in phases {
            let mut next = || self.fresh_id("wamid.SIMHIST");
            let mut chunk = webhooks::history_chunk(number, phase, 1, 100, &threads, &mut next);
            let photo = if phase == 0 {
                self.add_history_photo(number, &mut chunk, &mut next)?
            } else {
                None
            };
            tokio::time::sleep(self.options.history_pause).await;
            self.deliver(chunk).await?;
            if let Some(file) = photo {
                self.deliver(file).await?;
            }
        }
        Ok(())
    }

    /// A photo the customer of the chunk's first thread sent: a placeholder goes into the thread,
    /// and the file itself is returned, to go in its own post after the chunk, as Meta sends a
    /// file of the last 14 days.
    fn add_history_photo(
        &self,
        number: &SimNumber,
        chunk: &mut Vec<u8>,
        next: &mut dyn FnMut() -> String,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let mut value: Value = serde_json::from_slice(chunk)?;
        let thread = "/entry/0/changes/0/value/history/0/threads/0";
        let Some(customer) = value
            .pointer(&format!("{thread}/id"))
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Ok(None);
        };
        let Some(messages) = value
            .pointer_mut(&format!("{thread}/messages"))
            .and_then(Value::as_array_mut)
        else {
            return Ok(None);
        };
        let at = messages
            .first()
            .and_then(|m| m.get("timestamp"))
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or_else(|| self.now())
            - 60;
        let wamid = next();
        messages.insert(
            0,
            webhooks::history_placeholder(number, &customer, false, &wamid, at),
        );
        *chunk = serde_json::to_vec(&value)?;
        let media_id = {
            let mut s = self.lock();
            s.next_id += 1;
            // Meta's media ids are long decimal numbers.
            format!("{}", 710_000_000_000_000u64 + s.next_id)
        };
        // A few bytes stand for the photo: the engine stores what it is served.
        self.media_put(
            &media_id,
            b"\xFF\xD8\xFF\xE0 storefront photo".to_vec(),
            "image/jpeg",
        );
        Ok(Some(webhooks::history_media(
            number,
            &[webhooks::HistoryFile {
                customer: &customer,
                ours: false,
                wamid: &wamid,
                kind: "image",
                media_id: &media_id,
                mime_type: "image/jpeg",
                caption: Some("¿Tienen este en azul?"),
                at,
            }],
        )))
    }
}
