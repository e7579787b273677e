//! The bench's made-up business: its numbers and customers, and the signed webhook deliveries they
//! send. Everything is derived from a sequence number, so bodies are built on the fly (nothing is
//! held in memory) and the prefill and the deliveries name the same customers.

use std::io::Write as _;

/// The WABA every bench number belongs to.
pub const WABA_ID: &str = "104829357711032";
/// The tenant the bench numbers belong to.
pub const TENANT: &str = "Bench";

/// A bijective 64-bit mix (the splitmix64 finaliser): distinct inputs give distinct outputs, so
/// ids made from it are unique without remembering them, yet spread over the whole key space the
/// way real wamids are (random keys are what makes index inserts expensive).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Meta's phone number id of bench number `n`.
pub fn phone_number_id(n: u64) -> String {
    format!("1065403522{:05}", 42_922 + n)
}

/// The display number of bench number `n`, as webhooks carry it (digits only).
pub fn display_phone(n: u64) -> String {
    format!("1555078{:04}", 3_881 + n)
}

/// Customer `c`'s WhatsApp id.
pub fn customer_wa_id(c: u64) -> String {
    format!("1650{c:07}")
}

/// Customer `c`'s business-scoped user id (unique per tenant, like the real ones).
pub fn customer_bsuid(c: u64) -> String {
    format!("US.{:020}", mix(c ^ 0x5bd1_e995_0000_0001))
}

pub fn customer_name(c: u64) -> String {
    format!("Customer {c}")
}

/// A wamid that looks like Meta's: a fixed head, then a random-looking but unique middle, then
/// a tag naming the run and phase (so rows of one phase can be counted).
pub fn wamid(out: &mut Vec<u8>, key: u64, tag: &str) {
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ{:016X}{tag}A=",
        mix(key)
    );
}

pub fn wamid_string(key: u64, tag: &str) -> String {
    let mut v = Vec::with_capacity(64);
    wamid(&mut v, key, tag);
    String::from_utf8_lossy(&v).into_owned()
}

/// Text to pad bodies with: printable, and with nothing JSON would need to escape.
const WORDS: &str = "hello order shipped yet please thanks when delivery tracking number can you \
    check the status of my package it was due yesterday and still nothing arrived at home could \
    send invoice again";

/// A long filler of words, built once; bodies take a slice of it.
pub fn filler(len: usize) -> String {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut s = String::with_capacity(len + 16);
    let mut i = 0u64;
    while s.len() < len {
        s.push_str(words[(mix(i) % words.len() as u64) as usize]);
        s.push_str(if i % 11 == 10 { ". " } else { " " });
        i += 1;
    }
    s
}

/// Builds the deliveries of one phase.
pub struct DeliveryGen {
    numbers: u64,
    customers_per_number: u64,
    secret: Vec<u8>,
    /// Names the run and phase in every wamid.
    pub tag: String,
    /// Seeds the wamids, so two phases or runs never repeat one.
    salt: u64,
    target_len: usize,
    filler: String,
    now: i64,
    /// Ids of the numbers, made once.
    pnids: Vec<String>,
    displays: Vec<String>,
}

/// One delivery, built into buffers the caller reuses.
#[derive(Default)]
pub struct Built {
    pub body: Vec<u8>,
    pub signature: String,
}

impl DeliveryGen {
    pub fn new(
        numbers: u64,
        customers_per_number: u64,
        secret: &[u8],
        tag: String,
        salt: u64,
        target_len: usize,
        now: i64,
    ) -> Self {
        DeliveryGen {
            numbers: numbers.max(1),
            customers_per_number: customers_per_number.max(1),
            secret: secret.to_vec(),
            tag,
            salt,
            target_len,
            filler: filler(target_len + 512),
            now,
            pnids: (0..numbers.max(1)).map(phone_number_id).collect(),
            displays: (0..numbers.max(1)).map(display_phone).collect(),
        }
    }

    /// The customer (global index) that delivery `seq` comes from: numbers take turns, and each
    /// number's customers are drawn from its pool.
    pub fn customer(&self, seq: u64) -> u64 {
        let n = seq % self.numbers;
        let k = mix(seq ^ self.salt.rotate_left(17)) % self.customers_per_number;
        k * self.numbers + n
    }

    /// The wamid key of delivery `seq` (unique within the phase).
    fn key(&self, seq: u64) -> u64 {
        seq ^ self.salt
    }

    pub fn wamid(&self, seq: u64) -> String {
        wamid_string(self.key(seq), &self.tag)
    }

    /// The padding text of delivery `seq`, `len` bytes long.
    fn text(&self, seq: u64, len: usize) -> &str {
        let off = (seq % 97) as usize;
        let end = (off + len).min(self.filler.len());
        &self.filler[off..end]
    }

    /// The message text the store would keep for delivery `seq` (for the SQLite ceiling).
    pub fn row_text(&self, seq: u64) -> String {
        let mut b = Built::default();
        self.build(seq, &mut b, false);
        // The body is `{...,"text":{"body":"<text>"}}...`: take what is between the markers.
        let body = String::from_utf8_lossy(&b.body);
        body.split_once(r#""text":{"body":""#)
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(t, _)| t.to_string())
            .unwrap_or_default()
    }

    /// Builds delivery `seq`: a `messages` change with one text message of one customer to one
    /// number, padded to the target size, and its `X-Hub-Signature-256`.
    pub fn build(&self, seq: u64, out: &mut Built, sign: bool) {
        let n = (seq % self.numbers) as usize;
        let c = self.customer(seq);
        let b = &mut out.body;
        b.clear();
        // Writing to a Vec cannot fail.
        let _ = write!(
            b,
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"{WABA_ID}","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"{}","phone_number_id":"{}"}},"contacts":[{{"profile":{{"name":"Customer {c}"}},"wa_id":"1650{c:07}","user_id":"{}"}}],"messages":[{{"from":"1650{c:07}","from_user_id":"{}","id":""#,
            self.displays[n],
            self.pnids[n],
            customer_bsuid(c),
            customer_bsuid(c),
        );
        wamid(b, self.key(seq), &self.tag);
        let _ = write!(
            b,
            r#"","timestamp":"{}","type":"text","text":{{"body":""#,
            self.now
        );
        const TAIL: &str = r#""}}]},"field":"messages"}]}]}"#;
        let pad = self.target_len.saturating_sub(b.len() + TAIL.len()).max(1);
        b.extend_from_slice(self.text(seq, pad).as_bytes());
        b.extend_from_slice(TAIL.as_bytes());
        out.signature.clear();
        if sign {
            out.signature = crate::webhook::signature::sign(&self.secret, b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::delivery::ChangePayload;

    #[test]
    fn deliveries_parse_are_signed_and_unique() {
        let g = DeliveryGen::new(5, 10_000, b"k", "T0".into(), 7, 1536, 1_782_900_123);
        let mut seen = std::collections::HashSet::new();
        let mut b = Built::default();
        for seq in 0..200 {
            g.build(seq, &mut b, true);
            assert!((1500..1600).contains(&b.body.len()), "{}", b.body.len());
            assert_eq!(
                crate::webhook::signature::verify(b"k", &b.body, Some(&b.signature)),
                Ok(())
            );
            let d = crate::domain::delivery::parse_delivery(&b.body).expect("parses");
            let ChangePayload::Messages { messages, .. } = &d.changes[0].payload else {
                panic!("not a messages change");
            };
            assert_eq!(messages[0].wamid.as_str(), g.wamid(seq));
            assert!(seen.insert(g.wamid(seq)));
            assert_eq!(g.customer(seq) % 5, seq % 5);
        }
        let text = g.row_text(3);
        assert!(text.len() > 700, "{}", text.len());
    }
}
