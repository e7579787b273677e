//! `wabox bench report`: the team report over a prefilled store's whole history (1M messages by
//! default, spread over 90 days and a tenth as many conversations, a close for every third
//! conversation), totals and each split, timed. The README's target: under a second. With
//! `--store`, the same store is first copied into an empty PostgreSQL database (`wabox
//! migrate`) and the report runs there.

use clap::Args;
use std::time::Instant;
use wabox_store::db::Connection;

#[derive(Args, Debug)]
pub struct ReportBenchOptions {
    /// Messages in the store (prefilled and cached as for the other benches).
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    /// Runs of each report; the best and the median are printed.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Run it on PostgreSQL: an empty database the store is copied into first (it is left
    /// holding the copy).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

pub async fn run(options: ReportBenchOptions) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || measure(&options)).await?
}

fn measure(options: &ReportBenchOptions) -> anyhow::Result<()> {
    let (_scratch, db) = super::prefill::scratch_store(options.messages, false)?;
    let conn = Connection::open_sqlite(&db)?;
    // Closes, so threads end and resolution times are measured too: one a third conversation,
    // a minute after its last message.
    let closes = conn.execute(
        "INSERT INTO conversation_events (conversation_id, at, actor, kind, detail)
         SELECT id, last_message_at + 60, 'bench', 'closed', '' FROM conversations
         WHERE id % 3 = 0 AND last_message_at IS NOT NULL",
        (),
    )?;
    eprintln!("{closes} conversations closed");
    let conn = match &options.store {
        None => conn,
        Some(url) => {
            drop(conn);
            let done = crate::migrate::migrate(
                &db,
                url,
                crate::migrate::JournalCopy::Recent,
                &mut |_| {},
            )?;
            eprintln!(
                "copied into PostgreSQL: {} rows in {:.1} s",
                done.rows, done.seconds
            );
            let pg = wabox_store::open_postgres(url)?;
            // As autovacuum would have by the time anyone asks for a report.
            pg.execute_batch("VACUUM ANALYZE")?;
            pg
        }
    };
    let store = if options.store.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let now = wabox_domain::time::now_unix();
    for by in [
        None,
        Some("agent"),
        Some("queue"),
        Some("number"),
        Some("day"),
    ] {
        let mut times = Vec::new();
        let mut cpu = Vec::new();
        let mut opened = 0;
        for _ in 0..options.runs.max(1) {
            let asked = wabox_domain::report::Asked {
                from: Some("2000-01-01"),
                by,
                zone: Some("UTC"),
                ..Default::default()
            };
            let (period, ..) =
                wabox_domain::report::period(&asked, now).map_err(|e| anyhow::anyhow!(e))?;
            let (t, c) = (Instant::now(), super::sys::process_cpu());
            let figured = wabox_store::report::report(&conn, None, period)?;
            times.push(t.elapsed().as_secs_f64());
            cpu.push(super::sys::process_cpu() - c);
            opened = figured.total.opened;
        }
        times.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        // CPU time beside the wall time: on a shared machine the wall time counts the others.
        println!(
            "report {:<7} {store}, {} messages, {opened} threads: best {:.0} ms, median {:.0} ms, CPU {:.0} ms, load {:.1} (target under 1,000 ms)",
            by.unwrap_or("totals"),
            options.messages,
            times[0] * 1000.0,
            times[times.len() / 2] * 1000.0,
            cpu[cpu.len() / 2] * 1000.0,
            super::sys::load_average(),
        );
    }
    Ok(())
}
