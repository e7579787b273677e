//! `wabox backup` and `wabox restore`: the store file itself, handled in this process rather
//! than asked of the engine. They need what the engine's own user has (the data dir is private
//! to it), and a restore needs the engine stopped; neither hands a path chosen by a client to
//! the engine to write to.

use super::output::say;
use crate::config::Config;
use crate::engine::lock::{EngineLock, Holder, LockError};
use crate::store::backup::{self, StoreFacts};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Where the copy goes: a new file (an existing one is never replaced).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file made by `wabox backup` (or a copy of a stopped engine's wabox.db).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

/// A consistent copy of the store while the engine runs.
pub fn backup(config: &Config, args: BackupArgs) -> anyhow::Result<()> {
    not_postgres(config, "back it up")?;
    let db = crate::engine::db_path(&config.data_dir);
    anyhow::ensure!(
        db.exists(),
        "there is no store at {}: nothing to back up",
        db.display()
    );
    let facts = backup::backup(&db, &args.to)?;
    if args.json {
        return super::json::print(json!({
            "backup": args.to.display().to_string(),
            "store": facts_json(&facts),
        }));
    }
    say!(
        "Backed up {} to {}: {}.",
        db.display(),
        args.to.display(),
        described(&facts)
    );
    say!(
        "It holds every tenant's messages and their sealed tokens: keep it as private as the data dir. \
         The tokens open only with this installation's seal key ({}), which the backup does not hold.",
        crate::crypto::Sealer::key_source(&config.data_dir)
    );
    Ok(())
}

/// The engine lock, for a command that needs the engine stopped; `why` says so when it runs.
pub fn engine_stopped(config: &Config, why: &str) -> anyhow::Result<EngineLock> {
    EngineLock::acquire(&config.data_dir, Holder::OneShot, std::time::Duration::ZERO).map_err(|e| {
        match e {
            LockError::Held { dir, .. } => {
                anyhow::anyhow!("an engine is running on {dir}: stop it first ({why})")
            }
            other => other.into(),
        }
    })
}

/// A PostgreSQL store is copied and put back with PostgreSQL's own tools, which do it while
/// every engine runs (see the README).
fn not_postgres(config: &Config, what: &str) -> anyhow::Result<()> {
    if let Some(url) = &config.store_url {
        anyhow::bail!(
            "the store is PostgreSQL ({}): {what} with PostgreSQL's own tools (pg_dump and \
             pg_restore, or pg_basebackup with its WAL archived), as the README's \
             \"PostgreSQL\" section shows",
            crate::config::store_url::redacted(url.expose())
        );
    }
    // Moved to PostgreSQL by `migrate`: the SQLite file is the way back, not the store to copy
    // (a cron job's backup of it would be of a store frozen at the move).
    crate::engine::store_marker::refuse_sqlite(&config.data_dir)?;
    Ok(())
}

/// Puts a backup in place of the store, with the engine stopped.
pub fn restore(config: &Config, args: RestoreArgs) -> anyhow::Result<()> {
    not_postgres(config, "restore it")?;
    // Refused before anything is touched: not a store, or one whose tokens this data dir's key
    // cannot open (the inbox would then fail every send).
    backup::check(&args.file)?;
    let holds_tokens = seal_key_opens(&config.data_dir, &args.file)?;
    crate::engine::ensure_data_dir(&config.data_dir)?;
    let _lock = engine_stopped(config, "a restore replaces the store it has open")?;
    let db = crate::engine::db_path(&config.data_dir);
    let stamp = crate::domain::time::rfc3339(crate::domain::time::now_unix()).replace(':', "");
    let (facts, kept) = backup::restore(&args.file, &db, &stamp)?;
    if !holds_tokens {
        // Nothing sealed but the check: the engine seals a new one with this data dir's key.
        crate::store::seal_check::forget(&crate::store::open_writer(&db)?)?;
    }
    if args.json {
        return super::json::print(json!({
            "restored": args.file.display().to_string(),
            "store": facts_json(&facts),
            "replaced_store_kept": kept.map(|k| k.display().to_string()),
        }));
    }
    say!(
        "Restored {} into {}: {}.",
        args.file.display(),
        db.display(),
        described(&facts)
    );
    if let Some(kept) = kept {
        say!("The store it replaced is kept at {}.", kept.display());
    }
    say!("Start the engine (wabox serve): it brings the schema up to date if the backup is older.");
    Ok(())
}

/// When the store holds sealed tokens, this data dir's seal key must open them. A missing key
/// would be made anew at the engine's start, and would open none of them. Whether it holds any.
fn seal_key_opens(data_dir: &Path, file: &Path) -> anyhow::Result<bool> {
    let conn = wabox_store::db::Connection::open_sqlite_read_only(file)?;
    let sealed = crate::store::seal_check::any_token(&conn)?;
    let Some(sealed) = sealed else {
        return Ok(false);
    };
    let key_file = crate::crypto::Sealer::key_file(data_dir);
    let from_env = std::env::var_os("WABOX_SEAL_KEY").is_some();
    anyhow::ensure!(
        from_env || key_file.exists(),
        "{} holds sealed tokens, and there is no seal key here ({}): copy the seal key of the \
         installation it came from there (mode 0600), or set WABOX_SEAL_KEY, then restore again",
        file.display(),
        key_file.display()
    );
    let sealer = crate::crypto::Sealer::load(data_dir)?;
    if sealer.open(&sealed).is_err() {
        anyhow::bail!(
            "{} holds tokens sealed with another key than this data dir's ({}): use the seal key \
             of the installation it came from, then restore again",
            file.display(),
            crate::crypto::Sealer::key_source(data_dir)
        );
    }
    Ok(true)
}

fn described(f: &StoreFacts) -> String {
    format!(
        "tenants {}, numbers {}, conversations {}, messages {}; schema {}; {:.1} MB",
        f.tenants,
        f.numbers,
        f.conversations,
        f.messages,
        f.schema,
        f.bytes as f64 / 1e6
    )
}

fn facts_json(f: &StoreFacts) -> serde_json::Value {
    json!({
        "schema": f.schema,
        "tenants": f.tenants,
        "numbers": f.numbers,
        "conversations": f.conversations,
        "messages": f.messages,
        "bytes": f.bytes,
    })
}
