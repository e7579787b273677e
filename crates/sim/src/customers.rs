//! Simulated customers and the scenes they play in `wabox demo`: one inside the window, one whose
//! window closed two days ago, one from an ad, one known only by username, replies, reactions,
//! an image, an echo from the phone app; and optional steady traffic.

use super::Simulator;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SimCustomer {
    pub name: String,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
}

impl SimCustomer {
    pub fn new(name: &str, wa_id: Option<&str>, user_id: Option<&str>) -> Self {
        SimCustomer {
            name: name.into(),
            wa_id: wa_id.map(str::to_string),
            user_id: user_id.map(str::to_string),
        }
    }
}

/// A message object of `type` with its content, `seconds_ago` in the past.
pub fn message(sim: &Simulator, kind: &str, content: Value, seconds_ago: i64) -> Value {
    let mut m = json!({"id": sim.fresh_id("wamid.SIMIN"), "timestamp": (sim.now() - seconds_ago).to_string(), "type": kind});
    m[kind] = content;
    m
}

pub fn text(sim: &Simulator, body: &str, seconds_ago: i64) -> Value {
    message(sim, "text", json!({"body": body}), seconds_ago)
}

/// The scenes' customers: Sheena, Carlos, Priya, one known only by username, and Lupita.
pub fn scene_cast() -> [SimCustomer; 5] {
    let sheena = SimCustomer::new(
        "Sheena Nelson",
        Some("16505551234"),
        Some("US.13491208655302741918"),
    );
    let carlos = SimCustomer::new("Carlos Mamani", Some("59170012345"), None);
    let priya = SimCustomer::new("Priya", Some("447700900789"), Some("GB.77012938465019283"));
    let hidden = SimCustomer::new("Hidden Number", None, Some("US.99887766554433221100"));
    let lupita = SimCustomer::new(
        "Lupita Hernández",
        Some("5215598765432"),
        Some("MX.88120455932017644"),
    );
    [sheena, carlos, priya, hidden, lupita]
}

/// The demo's cast and what they say, on the first number (dedicated) and the second (coexistence).
pub async fn play_scenes(
    sim: Arc<Simulator>,
    dedicated: &str,
    coexistence: &str,
) -> anyhow::Result<()> {
    let [sheena, carlos, priya, hidden, lupita] = scene_cast();

    // Carlos wrote two days ago and never again: his window is closed, only templates may go.
    sim.customer_message(
        dedicated,
        &carlos,
        text(&sim, "Hola, ¿hacen envíos a Cochabamba?", 2 * 86_400 + 600),
    )
    .await?;
    // Sheena is inside her window, asking about an order, then sends a photo.
    let first = text(&sim, "Hi! Is my order #4471 shipped yet?", 25 * 60);
    let first_id = first["id"].clone();
    sim.customer_message(dedicated, &sheena, first).await?;
    let jpeg = b"\xff\xd8\xff\xe0 simulated jpeg bytes".to_vec();
    let sha256 = {
        use base64::Engine as _;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&jpeg))
    };
    sim.media_put("1318275649263411", jpeg, "image/jpeg");
    let photo = message(
        &sim,
        "image",
        json!({"id": "1318275649263411", "mime_type": "image/jpeg",
        "sha256": sha256, "caption": "The box arrived damaged"}),
        24 * 60,
    );
    sim.customer_message(dedicated, &sheena, photo).await?;
    // Priya arrives from a click-to-WhatsApp ad: a free entry point.
    let mut from_ad = text(&sim, "Hi, I'd like to know more about the offer", 3 * 60);
    from_ad["referral"] = json!({"source_url": "https://fb.me/2Xk9aBcD", "source_id": "120210000012345678",
        "source_type": "ad", "headline": "20% off your first class", "body": "Tap to chat with us on WhatsApp",
        "media_type": "image", "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ"});
    sim.customer_message(dedicated, &priya, from_ad).await?;
    // A customer who hides the phone number: known only by the business-scoped user id.
    sim.customer_message(
        dedicated,
        &hidden,
        text(
            &sim,
            "I use a username, no phone shown. Do you ship to Canada?",
            90,
        ),
    )
    .await?;
    // Lupita, on the coexistence number: the owner answered from the phone app.
    sim.customer_message(
        coexistence,
        &lupita,
        text(&sim, "¿Tienen la talla M en azul?", 40 * 60),
    )
    .await?;
    sim.phone_app_message(coexistence, &lupita, "¡Sí! Te la aparto hasta mañana.")
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Sheena replies to her own message and reacts to it.
    let mut reply = text(&sim, "Also, can I change the delivery address?", 60);
    reply["context"] = json!({"from": "15550783881", "id": first_id});
    sim.customer_message(dedicated, &sheena, reply).await?;
    let reaction = message(
        &sim,
        "reaction",
        json!({"message_id": first_id, "emoji": "🙏"}),
        50,
    );
    sim.customer_message(dedicated, &sheena, reaction).await?;
    let place = message(
        &sim,
        "location",
        json!({"latitude": -16.5095, "longitude": -68.1266,
        "name": "Oficina Central", "address": "Av. Arce 2631"}),
        30,
    );
    sim.customer_message(dedicated, &sheena, place).await?;
    Ok(())
}

/// Random customers writing at about `per_second` messages a second, until the task is dropped.
pub async fn steady_traffic(sim: Arc<Simulator>, numbers: Vec<String>, per_second: f64) {
    const LINES: &[&str] = &[
        "Hola, ¿cuál es el horario de atención?",
        "Do you have this in size 42?",
        "¿Cuánto cuesta el envío?",
        "My package hasn't arrived yet",
        "Gracias por la ayuda 🙌",
        "Can I pay on delivery?",
        "¿Aceptan QR?",
        "Is the store open on Sunday?",
    ];
    if per_second <= 0.0 || numbers.is_empty() {
        return;
    }
    let period = Duration::from_secs_f64(1.0 / per_second);
    let mut n: u64 = 0;
    loop {
        tokio::time::sleep(period).await;
        n += 1;
        let who = 1000 + (rand::random::<u32>() % 40);
        let customer = SimCustomer::new(
            &format!("Cliente {who}"),
            Some(&format!("5917000{who}")),
            None,
        );
        let line = LINES[(n as usize) % LINES.len()];
        let number = &numbers[(n as usize) % numbers.len()];
        if let Err(e) = sim
            .customer_message(number, &customer, text(&sim, line, 0))
            .await
        {
            tracing::warn!(error = %e, "simulated traffic could not be delivered");
        }
    }
}

/// The demo's crowd: `count` customers over the two numbers, whose last words were minutes,
/// hours, nearly a day or days ago, so every window state is on screen at once.
pub async fn seed_crowd(
    sim: &Simulator,
    numbers: &[String],
    count: usize,
) -> anyhow::Result<Vec<SimCustomer>> {
    const FIRST: &[&str] = &[
        "Ana", "Bruno", "Camila", "Diego", "Elena", "Fernando", "Gabriela", "Hugo", "Isabel",
        "Javier", "Karen", "Luis", "María", "Nicolás", "Olivia", "Pablo", "Quinn", "Rosa",
        "Santiago", "Tomás", "Valeria", "William", "Ximena", "Yolanda", "Zoe",
    ];
    const LAST: &[&str] = &[
        "Rojas", "Smith", "Quispe", "García", "Brown", "Vargas", "Lee",
    ];
    const ASKS: &[&str] = &[
        "¿Tienen stock del modelo X200?",
        "What time do you close today?",
        "Quiero cambiar mi pedido, ¿se puede?",
        "Is there a discount for students?",
        "¿Cuál es el precio del plan anual?",
        "My invoice has the wrong address",
        "¿Hacen factura?",
        "Can you call me back?",
    ];
    // Minutes, hours, almost a day (closing soon) and days ago (closed).
    const AGES: &[i64] = &[
        4 * 60,
        35 * 60,
        3 * 3600,
        9 * 3600,
        23 * 3600 + 25 * 60,
        23 * 3600 + 50 * 60,
        30 * 3600,
        3 * 86_400,
        6 * 86_400,
    ];
    let mut cast = Vec::new();
    for i in 0..count {
        let name = format!("{} {}", FIRST[i % FIRST.len()], LAST[i % LAST.len()]);
        let wa_id = format!("5917{:07}", 3_100_000 + i * 7919 % 900_000);
        let customer = SimCustomer::new(&name, Some(&wa_id), None);
        let age = AGES[i % AGES.len()];
        let number = &numbers[i % numbers.len()];
        sim.customer_message(number, &customer, text(sim, ASKS[i % ASKS.len()], age))
            .await?;
        cast.push(customer);
    }
    Ok(cast)
}

/// Customers answer what the business sends them, a few seconds later, as people do.
pub async fn answer_replies(sim: Arc<Simulator>, cast: Vec<SimCustomer>) {
    const ANSWERS: &[&str] = &[
        "¡Gracias! 🙌",
        "Perfect, thank you",
        "Ok, lo reviso y te aviso",
        "Great, that helps a lot",
        "¿Y cuánto demora?",
        "👍",
    ];
    let mut seen = sim.sent().len();
    let mut n = 0usize;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let sent = sim.sent();
        for record in sent.iter().skip(seen) {
            if !matches!(record.kind.as_str(), "text" | "template") {
                continue;
            }
            let customer = cast
                .iter()
                .find(|c| {
                    c.wa_id.as_deref() == Some(record.to.as_str())
                        || c.user_id.as_deref() == Some(record.to.as_str())
                })
                .cloned();
            // Someone the demo did not cast (a test's customer, say) stays silent.
            let Some(customer) = customer else { continue };
            let answer = ANSWERS[n % ANSWERS.len()];
            n += 1;
            let sim = sim.clone();
            let number = record.phone_number_id.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(3)).await;
                if let Err(e) = sim
                    .customer_message(&number, &customer, text(&sim, answer, 0))
                    .await
                {
                    tracing::warn!(error = %e, "a simulated answer could not be delivered");
                }
            });
        }
        seen = sent.len();
    }
}
