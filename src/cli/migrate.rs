//! `wabox migrate --to URL`: this data dir's SQLite store copied into an empty PostgreSQL
//! database, with the engine stopped (see `crate::migrate`).

use super::output::say;
use crate::config::Config;
use crate::migrate::{self, JournalCopy};
use clap::{Args, ValueEnum};
use serde_json::json;

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The PostgreSQL database to copy into, empty (or this command's interrupted copy, which is
    /// resumed): postgres://USER@HOST/DATABASE or key=value words.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Which journal entries go: the ones not processed and the last week's (`recent`), or
    /// every one (`all`).
    #[arg(long, value_enum, default_value_t = JournalArg::Recent)]
    pub journal: JournalArg,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum JournalArg {
    Recent,
    All,
}

pub fn migrate(config: &Config, args: MigrateArgs) -> anyhow::Result<()> {
    crate::config::store_url::check(&args.to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    let shown = crate::config::store_url::redacted(&args.to);
    let db = crate::engine::db_path(&config.data_dir);
    anyhow::ensure!(
        db.exists(),
        "there is no SQLite store at {}: nothing to migrate (is --data-dir the engine's?)",
        db.display()
    );
    let _lock =
        super::store_files::engine_stopped(config, "what it writes during the copy would be lost")?;
    let journal = match args.journal {
        JournalArg::Recent => JournalCopy::Recent,
        JournalArg::All => JournalCopy::All,
    };
    let json = args.json;
    let mut progress = |t: &migrate::TableCopied| {
        if !json {
            let how = if t.resumed {
                "copied before".to_string()
            } else {
                format!("{:.1} s", t.seconds)
            };
            say!("  {:<20} {:>10} rows  {how}", t.table, t.rows);
        }
    };
    if !json {
        say!("Copying {} into {shown}:", db.display());
    }
    let done = migrate::migrate(&db, &args.to, journal, &mut progress)?;
    // From now on an engine or command here without `[store] url` is refused, not given the
    // SQLite file (left as it was, the way back).
    crate::engine::store_marker::write(&config.data_dir, &shown)
        .map_err(|e| anyhow::anyhow!("the copy is done, but {e}"))?;
    if json {
        return super::json::print(json!({
            "from": db.display().to_string(),
            "to": shown,
            "tables": done.tables,
            "rows": done.rows,
            "sampled_tables": done.sampled_tables,
            "resumed": done.resumed,
            "seconds": done.seconds,
        }));
    }
    say!(
        "Copied {} rows in {:.1} s{}; the counts of all {} tables and a sample of each match. {} is unchanged.",
        done.rows,
        done.seconds,
        if done.resumed {
            " (an interrupted copy, finished)"
        } else {
            ""
        },
        done.tables.len(),
        db.display()
    );
    say!(
        "Next: set [store] url (or WABOX_STORE_URL) to it on every engine, give each engine this \
         data dir's seal key ({}), and share media and sequence files as the README says. \
         Until then nothing here opens the SQLite store ({} says so; remove it to go back).",
        crate::crypto::Sealer::key_source(&config.data_dir),
        crate::engine::store_marker::path(&config.data_dir).display()
    );
    Ok(())
}
