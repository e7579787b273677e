//! `wabox demo`: the whole of wabox on a fresh machine with no Meta account. The engine runs
//! against the simulated Cloud API on loopback, with a demo tenant, two numbers, templates, and
//! customers writing in; it serves the client API like `wabox serve`, so every CLI command works
//! against it from another terminal (`--data-dir` the printed dir).

use crate::config::Config;
use crate::engine::Engine;
use crate::engine::api::Caller;
use crate::engine::serve::{RunningEngine, shutdown_signal};
use crate::protocol::{Request, Response};
use crate::secret::Secret;
use crate::sim::customers::{answer_replies, play_scenes, scene_cast, seed_crowd, steady_traffic};
use crate::sim::{SimNumber, SimOptions, Simulator};
use crate::store::StoreEvent;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

mod kept;
pub mod register;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// No full-screen inbox: print what happens, and serve other terminals' commands.
    #[arg(long)]
    pub headless: bool,
    /// Keep the demo's data here (default: a temporary dir, removed at exit).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Simulated customers write about this many messages a second.
    #[arg(long, default_value_t = 0.2)]
    pub traffic: f64,
}

const DEDICATED: &str = "106540352242922";
const COEXISTENCE: &str = "223344556677889";

fn random_secret() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Customers in the demo's crowd, besides the scenes' five.
const CROWD: usize = 30;

/// `user`: the user's own config, for the inbox's language, keys and manners, and for who
/// besides this user may reach the demo's engine (`[access]`).
pub async fn run(
    args: DemoArgs,
    global_data_dir: Option<PathBuf>,
    user: &Config,
    offset: time::UtcOffset,
) -> anyhow::Result<()> {
    let temp = tempfile_dir()?;
    let data_dir = args
        .data_dir
        .or(global_data_dir)
        .unwrap_or_else(|| temp.clone());
    let _logs = crate::logging::init(false);
    let app_secret = random_secret();
    let numbers = own_numbers();
    let mut all_numbers = numbers.clone();
    all_numbers.extend(WAITING_TO_CONNECT.iter().map(
        |(pnid, waba, display, coexistence, name)| SimNumber {
            phone_number_id: (*pnid).into(),
            waba_id: (*waba).into(),
            display_phone: (*display).into(),
            token: format!("EAADEMO{}", random_secret()),
            coexistence: *coexistence,
            verified_name: (*name).into(),
        },
    ));
    let kapso_key = format!("kapso-demo-{}", random_secret());
    let mut options = SimOptions::new(&app_secret, all_numbers);
    options.kapso_api_key = kapso_key.clone();
    let sim = Simulator::start(options, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let config = engine_config(&data_dir, user, &sim, app_secret, kapso_key);
    let sequences_dir = data_dir.join("sequences");
    // The demo's own numbers were connected (and their WABAs subscribed) before it starts.
    for n in &numbers {
        sim.mark_connected(&n.waba_id);
    }

    kept::remind(&sim, &config).await?;

    let running = RunningEngine::start(config, None).await?;
    sim.set_webhook(&format!("http://{}/webhook", running.webhook_addr));
    kept::forward_kapso(&sim, running.webhook_addr, &running.engine.config);
    let engine = running.engine.clone();
    offer_waiting_numbers(&engine, &sim);
    let fresh = set_up_shop(&engine, &numbers).await?;
    let events = engine.writer.events.subscribe();
    let both = vec![DEDICATED.to_string(), COEXISTENCE.to_string()];
    let cast = tokio::spawn(customers_write_in(
        sim.clone(),
        engine.clone(),
        both.clone(),
        fresh,
        sequences_dir,
    ));
    let traffic = tokio::spawn(steady_traffic(sim.clone(), both, args.traffic));

    if !args.headless {
        let mut ui = Config::loopback(&data_dir, None, None, &sim.base_url());
        ui.ui = user.ui.clone();
        ui.keys = user.keys.clone();
        ui.path = user.path.clone();
        let client = crate::client::Client::attached(engine.clone());
        let result = tokio::select! {
            r = crate::tui::run(client, &ui, offset, None) => r,
            _ = shutdown_signal() => Ok(()),
        };
        traffic.abort();
        cast.abort();
        running.stop();
        let _ = std::fs::remove_dir_all(&temp);
        if temp != data_dir {
            println!("wabox demo: data kept in {}", data_dir.display());
        }
        return result;
    }

    print_how_to_use(&sim, &running, &data_dir);
    let printer = tokio::spawn(print_messages(engine.clone(), events));
    shutdown_signal().await;
    traffic.abort();
    cast.abort();
    printer.abort();
    running.stop();
    // The temporary dir goes; a --data-dir is kept.
    let _ = std::fs::remove_dir_all(&temp);
    Ok(())
}

/// The demo shop's own two numbers: one dedicated, one on the WhatsApp Business app.
fn own_numbers() -> Vec<SimNumber> {
    vec![
        SimNumber {
            phone_number_id: DEDICATED.into(),
            waba_id: "104829357711032".into(),
            display_phone: "15550783881".into(),
            token: format!("EAADEMO{}", random_secret()),
            coexistence: false,
            verified_name: "Demo Shop".into(),
        },
        SimNumber {
            phone_number_id: COEXISTENCE.into(),
            waba_id: "118273645590011".into(),
            display_phone: "5215512345678".into(),
            token: format!("EAADEMO{}", random_secret()),
            coexistence: true,
            verified_name: "Demo Shop".into(),
        },
    ]
}

/// Businesses that have not connected yet: the connect wizard's Meta and Kapso paths hand
/// these out (one on the WhatsApp Business app, one dedicated, then one more of each).
/// (phone number id, WABA id, display phone, on the Business app, name)
const WAITING_TO_CONNECT: [(&str, &str, &str, bool, &str); 4] = [
    (
        "231000000000001",
        "131000000000001",
        "5215540001111",
        true,
        "Tacos Lupita",
    ),
    (
        "231000000000002",
        "131000000000002",
        "14155550142",
        false,
        "Globex Support",
    ),
    (
        "231000000000003",
        "131000000000003",
        "5491140002222",
        true,
        "Panadería Sol",
    ),
    (
        "231000000000004",
        "131000000000004",
        "442071830000",
        false,
        "Initech",
    ),
];

/// The demo engine's config: everything on the simulator's loopback address.
fn engine_config(
    data_dir: &std::path::Path,
    user: &Config,
    sim: &Simulator,
    app_secret: String,
    kapso_key: String,
) -> Config {
    let mut config = Config::loopback(
        data_dir,
        Some(Secret::new(app_secret)),
        Some(Secret::new(random_secret())),
        &sim.base_url(),
    );
    config.app_id = Some(crate::sim::SIM_APP_ID.into());
    config.config_id = Some("demo-embedded-signup".into());
    // Who may reach the demo's engine follows the user's config, so a team can try it together.
    config.admins = user.admins.clone();
    config.group = user.group.clone();
    config.dialog_base_url = sim.base_url();
    // Its own sequences, written once the scenes are seeded (so they start on new messages),
    // and a clock that `wabox clock advance 1h` moves from another terminal.
    config.sequences_dir = Some(data_dir.join("sequences"));
    config.movable_clock = true;
    // Prices for the broadcasts' dry run, unless the user's config names their own.
    config.pricing = if user.pricing.marketing.is_some() {
        user.pricing.clone()
    } else {
        crate::config::PricingSettings {
            currency: Some("USD".into()),
            marketing: Some(0.025),
            utility: Some(0.004),
            authentication: Some(0.004),
        }
    };
    // Kapso's setup links and Meta proxy, simulated on the same loopback address.
    config.kapso = crate::config::KapsoSettings {
        api_key: Some(Secret::new(kapso_key)),
        base_url: format!("{}/platform/v1", sim.base_url()),
        meta_base_url: format!("{}/meta/whatsapp", sim.base_url()),
        webhook_secret: Some(Secret::new(random_secret())),
        ..Default::default()
    };
    config
}

/// The wizard's by-hand paths need ids and a token the simulator accepts: the demo offers
/// those of the businesses still waiting to connect (loopback-only credentials).
fn offer_waiting_numbers(engine: &Arc<Engine>, sim: &Simulator) {
    let offered = WAITING_TO_CONNECT
        .iter()
        .filter_map(|(pnid, _, _, _, name)| {
            let n = sim.number(pnid)?;
            Some(crate::protocol::DemoNumber {
                name: (*name).into(),
                phone_number_id: n.phone_number_id,
                waba_id: n.waba_id,
                coexistence: n.coexistence,
                token: Secret::new(n.token),
            })
        })
        .collect();
    let _ = engine.demo_numbers.set(offered);
}

/// The demo tenant, its numbers and queues (unless a kept data dir has them already), and its
/// templates. Answers whether the shop is new.
async fn set_up_shop(engine: &Arc<Engine>, numbers: &[SimNumber]) -> anyhow::Result<bool> {
    let me = Caller::current();
    // A data dir kept from an earlier demo already has its tenant and numbers.
    let known = match engine.handle(&me, Request::ListNumbers).await? {
        Response::Numbers(n) => n,
        _ => Vec::new(),
    };
    if known.is_empty() {
        register::register_numbers(engine, "Demo Shop", numbers).await?;
        // Two queues, one number each: sales on the dedicated number, support on the
        // coexistence one (the shop's own phone).
        for (queue, number) in [("Sales", DEDICATED), ("Support", COEXISTENCE)] {
            engine
                .handle(
                    &me,
                    Request::AddQueue {
                        tenant: None,
                        name: queue.into(),
                        auto_assign: false,
                    },
                )
                .await?;
            engine
                .handle(
                    &me,
                    Request::AssignNumber {
                        number: number.into(),
                        queue: queue.into(),
                    },
                )
                .await?;
        }
        // Support shows business hours and a first-response target: La Paz's hours (UTC-4 all
        // year), opening three hours from now, so the queue is closed as the demo starts (☾,
        // "outside hours, opens …" in the composer); no away text, so nothing is sent for it.
        let la_paz_hour = (crate::domain::time::now_unix() / 3600 + 20) % 24;
        let opens = (la_paz_hour + 3) % 24;
        let week = format!("mon-sun {opens:02}:00-{:02}:00", (opens + 8) % 24);
        let support_rules = [
            Request::SetHours {
                tenant: None,
                queue: "Support".into(),
                zone: "America/La_Paz".into(),
                week,
                away: None,
            },
            Request::SetSla {
                tenant: None,
                queue: "Support".into(),
                minutes: Some(30),
            },
        ];
        for request in support_rules {
            engine.handle(&me, request).await?;
        }
    }
    engine
        .handle(
            &me,
            Request::SyncTemplates {
                phone_number_id: None,
            },
        )
        .await?;
    Ok(known.is_empty())
}

/// The customers: a new shop gets the scenes, the crowd, and then its sequences; every
/// customer answers replies from then on.
async fn customers_write_in(
    sim: Arc<Simulator>,
    engine: Arc<Engine>,
    both: Vec<String>,
    fresh: bool,
    sequences_dir: PathBuf,
) {
    let mut cast: Vec<_> = scene_cast().into_iter().collect();
    if fresh {
        if let Err(e) = play_scenes(sim.clone(), DEDICATED, COEXISTENCE).await {
            tracing::warn!(error = %e, "a demo scene could not be played");
        }
        match seed_crowd(&sim, &both, CROWD).await {
            Ok(crowd) => cast.extend(crowd),
            Err(e) => tracing::warn!(error = %e, "the demo's crowd could not be seeded"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        if let Err(e) = install_sequences(&sequences_dir) {
            tracing::warn!(error = %e, "the demo's sequences could not be written");
        }
        draft_broadcast(&engine).await;
    }
    answer_replies(sim, cast).await;
}

/// A broadcast drafted, not started, to the Support queue's customers: `:broadcasts` shows it
/// with who it skips, and Enter starts it (nothing is sent until then).
async fn draft_broadcast(engine: &Arc<Engine>) {
    let draft = Request::CreateBroadcast {
        template: "welcome_back".into(),
        language: "en_US".into(),
        segment: "queue:Support".into(),
        from: Some(COEXISTENCE.into()),
        params: vec!["customer_name=contact.name".into(), "code=HELLO10".into()],
        csv: None,
        csv_upload: None,
        header: None,
        dry_run: false,
    };
    if let Err(e) = engine.handle(&Caller::current(), draft).await {
        tracing::warn!(error = %e, "the demo's broadcast could not be drafted");
    }
}

/// Headless: where things are, and commands to try from another terminal.
fn print_how_to_use(sim: &Simulator, running: &RunningEngine, data_dir: &std::path::Path) {
    let dir = data_dir.display();
    println!("wabox demo running (simulated Cloud API, nothing leaves this machine)");
    println!("  simulated Graph API: {}", sim.base_url());
    println!(
        "  webhook:             http://{}/webhook",
        running.webhook_addr
    );
    println!("  data dir:            {dir}");
    println!("From another terminal:");
    println!("  wabox --data-dir {dir} conversations");
    println!("  wabox --data-dir {dir} messages 1");
    println!("  wabox --data-dir {dir} send --conversation 2 --text \"Hello!\" --wait");
    println!("  wabox --data-dir {dir} templates");
    println!(
        "  wabox --data-dir {dir} connect meta --tenant \"Tacos Lupita\"   (then open the link)"
    );
    println!(
        "  wabox --data-dir {dir} connect kapso --tenant \"Panadería Sol\"   (a Kapso setup link)"
    );
    println!("  wabox --data-dir {dir} doctor");
    println!("Press Ctrl-C to stop.");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
}

/// Headless: a line for each message as it is stored, until the engine stops.
async fn print_messages(
    engine: Arc<Engine>,
    mut events: tokio::sync::broadcast::Receiver<StoreEvent>,
) {
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return,
        };
        let id = match event {
            StoreEvent::MessageAdded { message_id, .. } => message_id,
            _ => continue,
        };
        print_message(&engine, id).await;
    }
}

/// Headless: one line for a message as it is stored, either way.
async fn print_message(engine: &Arc<Engine>, id: i64) {
    if let Ok(Response::Message(m)) = engine
        .handle(&Caller::current(), Request::GetMessage { message_id: id })
        .await
    {
        let arrow = if m.direction == crate::protocol::Direction::In {
            "<-"
        } else {
            "->"
        };
        println!(
            "  [conversation {}] {arrow} {} ({})",
            m.conversation_id, m.text, m.origin
        );
    }
}

/// The demo's sequences: a welcome on the dedicated number's new conversations that asks and
/// branches on the answer, and an automatic reply about shipping on either number.
const DEMO_SEQUENCES: &[(&str, &str)] = &[
    (
        "bienvenida",
        r#"name = "Bienvenida"
description = "Greets a new customer, asks what they need, answers prices or shipping, else hands over to Sales."
tenant = "Demo Shop"
numbers = ["15550783881"]

[trigger]
first_message = true

[[step]]
text = "¡Hola {first_name|}! 👋 Gracias por escribir a Demo Shop."
fallback_template = { name = "bienvenida", language = "es", params = ["customer_name={first_name|cliente}"] }

[[step]]
wait = "1m"

[[step]]
text = "¿Te interesa saber de precios o de envíos?"

[[step]]
wait_reply = "10m"
on_timeout = "bye"

[[step]]
branch = [
  { any = ["precio", "precios", "cuánto", "price"], goto = "price" },
  { any = ["envío", "envíos", "shipping"], goto = "shipping" },
]
else = "human"

[[step]]
id = "price"
text = "Nuestros precios están en https://demo.shop/precios — la caja cuesta 120 Bs."
[[step]]
stop = true

[[step]]
id = "shipping"
text = "Enviamos a todo el país: gratis desde 300 Bs, 24–48 h."
[[step]]
stop = true

[[step]]
id = "human"
assign = { queue = "Sales" }
[[step]]
stop = true

[[step]]
id = "bye"
text = "¡Aquí estamos cuando quieras!"
"#,
    ),
    (
        "envios",
        r#"name = "Envíos (respuesta automática)"
tenant = "Demo Shop"

[trigger]
keyword = { any = ["envío", "shipping", "delivery"] }

[[step]]
text = "📦 Envíos: gratis desde 300 Bs, 24–48 h a todo el país. Un agente te escribe si necesitas más."
"#,
    ),
];

/// Writes the demo's sequence files unless the dir is there already (a kept data dir).
fn install_sequences(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    for (name, text) in DEMO_SEQUENCES {
        std::fs::write(dir.join(format!("{name}.toml")), text)?;
    }
    Ok(())
}

/// A fresh private temp dir for a demo's data: made by this process (mkdir of a random name,
/// mode 0700), so no other user can have made it first. Removed by the demo when it ends.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    Ok(tempfile::Builder::new()
        .prefix(&format!("wabox-demo-{}-", std::process::id()))
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?
        .keep())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_sequences_load() {
        for (name, text) in super::DEMO_SEQUENCES {
            crate::domain::sequence::parse(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
