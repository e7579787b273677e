//! Filling a store with history before the processing phase (tenant, numbers, contacts,
//! conversations, messages, straight through SQL on the real schema), a cache of the result, and
//! the SQLite ceiling: plain batched inserts of the rows the deliveries become.

use super::deliveries::{self, DeliveryGen, TENANT, WABA_ID};
use anyhow::Context as _;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wabox_store::db::{Connection, params};

/// Rows per transaction while prefilling.
const PREFILL_BATCH: u64 = 10_000;
/// Rows per transaction in the SQLite ceiling.
pub const CEILING_BATCH: u64 = 1_000;
/// Bumped when what the prefill writes changes, so old cached stores are not reused.
const PREFILL_FORMAT: u32 = 6;
/// The history spans this many days before the prefill was made.
const HISTORY_DAYS: i64 = 90;

/// What to prefill.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub numbers: u64,
    pub contacts: u64,
    pub messages: u64,
    /// Also a processed journal entry for every message, as a store that received them all by
    /// webhook would have.
    pub journal: bool,
}

impl Shape {
    /// A store with `messages` messages over a tenth as many conversations (one per contact),
    /// and at least one contact for every customer the deliveries come from.
    pub fn for_messages(
        messages: u64,
        numbers: u64,
        delivery_customers: u64,
        journal: bool,
    ) -> Shape {
        let contacts = if messages == 0 {
            0
        } else {
            (messages / 10).max(delivery_customers).max(1)
        };
        Shape {
            numbers,
            contacts,
            messages,
            journal,
        }
    }
}

/// How the prefilled store was obtained.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PrefillInfo {
    pub messages: u64,
    pub conversations: u64,
    pub contacts: u64,
    #[serde(default)]
    pub journal_entries: u64,
    /// Seconds the SQL prefill took when it was built (now, or when the cache was made).
    pub build_seconds: f64,
    /// Seconds copying it from the cache took, when it came from there.
    pub copy_seconds: Option<f64>,
    pub cache_file: Option<String>,
    pub db_bytes: u64,
}

/// Conversation (and contact) of prefilled message `m`: messages are spread over all of them.
fn conversation_of(shape: &Shape, m: u64) -> u64 {
    m % shape.contacts
}

fn message_at(base: i64, shape: &Shape, m: u64) -> i64 {
    base + (m as i64 * HISTORY_DAYS * 86_400) / shape.messages.max(1) as i64
}

/// Every fourth message is the business's (an echo from the phone app), the rest are customers'.
fn outgoing(m: u64) -> bool {
    m % 4 == 3
}

/// A short chat line for prefilled message `m` (20 to 300 characters).
fn message_text(m: u64, filler: &str) -> &str {
    let h = deliveries::mix(m ^ 0x7e57);
    let len = 20 + (h % 280) as usize;
    let off = ((h >> 20) % 1000) as usize;
    &filler[off..off + len]
}

/// Fills an empty, migrated store. Progress goes to stderr.
pub fn prefill(conn: &mut Connection, shape: &Shape, now: i64, quiet: bool) -> anyhow::Result<()> {
    let filler = deliveries::filler(1400);
    let base = now - HISTORY_DAYS * 86_400;
    let (tenant_id, number_ids) = insert_tenant_and_numbers(conn, shape, base)?;
    insert_contacts(conn, shape, base, tenant_id, &number_ids, &filler)?;
    insert_messages(conn, shape, base, &filler, quiet)?;
    // A store that received its history over time has it in the search index.
    crate::store::search::index_all(conn)?;
    if !quiet {
        eprintln!("  prefill: search index built");
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(())
}

/// The bench tenant and its numbers; the tenant's id and the numbers' ids.
fn insert_tenant_and_numbers(
    conn: &mut Connection,
    shape: &Shape,
    base: i64,
) -> anyhow::Result<(i64, Vec<i64>)> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO tenants (name, created_at) VALUES (?1, ?2)",
        params![TENANT, base],
    )?;
    let tenant_id = tx.last_insert_rowid()?;
    let mut number_ids = Vec::new();
    for n in 0..shape.numbers {
        tx.execute(
            "INSERT INTO numbers (tenant_id, phone_number_id, waba_id, display_phone, connection,
                                  created_at)
             VALUES (?1, ?2, ?3, ?4, 'dedicated', ?5)",
            params![
                tenant_id,
                deliveries::phone_number_id(n),
                WABA_ID,
                deliveries::display_phone(n),
                base
            ],
        )?;
        number_ids.push(tx.last_insert_rowid()?);
    }
    tx.commit()?;
    Ok((tenant_id, number_ids))
}

/// Contacts and their one conversation each, on number c % numbers. Contact c gets id c + 1,
/// and so does its conversation.
fn insert_contacts(
    conn: &mut Connection,
    shape: &Shape,
    base: i64,
    tenant_id: i64,
    number_ids: &[i64],
    filler: &str,
) -> anyhow::Result<()> {
    let mut c = 0;
    while c < shape.contacts {
        let tx = conn.transaction()?;
        {
            let mut contact = tx.prepare_cached(
                "INSERT INTO contacts (id, tenant_id, wa_id, user_id, name, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?;
            let mut conversation = tx.prepare_cached(
                "INSERT INTO conversations (id, number_id, contact_id, state, unread,
                                            last_inbound_at, last_message_at, last_message_text,
                                            created_at)
                 VALUES (?1, ?2, ?1, 'open', 0, ?3, ?4, ?5, ?6)",
            )?;
            let end = (c + PREFILL_BATCH).min(shape.contacts);
            for c in c..end {
                let id = c as i64 + 1;
                contact.execute(params![
                    id,
                    tenant_id,
                    deliveries::customer_wa_id(c),
                    deliveries::customer_bsuid(c),
                    deliveries::customer_name(c),
                    base
                ])?;
                // The denormalised last message: the last m with m % contacts == c.
                let last = (c < shape.messages)
                    .then(|| c + shape.contacts * ((shape.messages - 1 - c) / shape.contacts));
                let last_inbound = last.and_then(|mut m| {
                    loop {
                        if !outgoing(m) {
                            break Some(message_at(base, shape, m));
                        }
                        if m < shape.contacts {
                            break None;
                        }
                        m -= shape.contacts;
                    }
                });
                conversation.execute(params![
                    id,
                    number_ids[(c % shape.numbers.max(1)) as usize],
                    last_inbound,
                    last.map(|m| message_at(base, shape, m)),
                    last.map(|m| message_text(m, filler)),
                    base
                ])?;
            }
            c = end;
        }
        tx.commit()?;
    }
    Ok(())
}

/// The messages, each with its processed journal entry when the shape asks for one, in
/// batches; progress every 100,000.
fn insert_messages(
    conn: &mut Connection,
    shape: &Shape,
    base: i64,
    filler: &str,
    quiet: bool,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut m = 0;
    let mut wamid = Vec::with_capacity(80);
    let mut payload = String::with_capacity(400);
    let mut body = String::with_capacity(1200);
    let mut reported = 0;
    while m < shape.messages {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages (conversation_id, wamid, direction, origin, type, text, at,
                                       status, payload, journal_id)
                 VALUES (?1, ?2, ?3, ?4, 'text', ?5, ?6, ?7, ?8, ?9)",
            )?;
            let mut journal = tx.prepare_cached(
                "INSERT INTO journal (id, received_at, body, body_sha256, state, processed_at)
                 VALUES (?1, ?2, ?3, ?4, 'processed', ?2)",
            )?;
            let end = (m + PREFILL_BATCH).min(shape.messages);
            for m in m..end {
                wamid.clear();
                deliveries::wamid(&mut wamid, m, "PF");
                let wamid = std::str::from_utf8(&wamid).unwrap_or_default();
                let text = message_text(m, filler);
                payload.clear();
                payload.push_str(r#"{"body":""#);
                payload.push_str(text);
                payload.push_str(r#""}"#);
                let out = outgoing(m);
                let at = message_at(base, shape, m);
                let journal_id = shape.journal.then_some(m as i64 + 1);
                if let Some(id) = journal_id {
                    let c = conversation_of(shape, m);
                    body.clear();
                    delivery_body(&mut body, shape, c, wamid, at, &payload);
                    let digest = Sha256::digest(body.as_bytes());
                    journal.execute(params![id, at, body.as_bytes(), digest.as_slice()])?;
                }
                insert.execute(params![
                    conversation_of(shape, m) as i64 + 1,
                    wamid,
                    if out { "out" } else { "in" },
                    if out { "phone_app" } else { "customer" },
                    text,
                    at,
                    out.then_some("read"),
                    payload,
                    journal_id,
                ])?;
            }
            m = end;
        }
        tx.commit()?;
        if !quiet && (m - reported >= 100_000 || m == shape.messages) {
            reported = m;
            let rate = m as f64 / started.elapsed().as_secs_f64().max(1e-9);
            eprintln!(
                "  prefill: {m} / {} messages ({rate:.0} rows/s)",
                shape.messages
            );
        }
    }
    Ok(())
}

/// The webhook body Meta would have sent for prefilled message `wamid` of contact `c`.
fn delivery_body(body: &mut String, shape: &Shape, c: u64, wamid: &str, at: i64, payload: &str) {
    body.push_str(&format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"{WABA_ID}","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"{}","phone_number_id":"{}"}},"contacts":[{{"profile":{{"name":"{}"}},"wa_id":"{}"}}],"messages":[{{"from":"{}","id":"{wamid}","timestamp":"{at}","type":"text","text":{payload}}}]}},"field":"messages"}}]}}]}}"#,
        deliveries::display_phone(c % shape.numbers.max(1)),
        deliveries::phone_number_id(c % shape.numbers.max(1)),
        deliveries::customer_name(c),
        deliveries::customer_wa_id(c),
        deliveries::customer_wa_id(c),
    ));
}

/// A digest of the schema a fresh store gets, so a cached store made by another schema is never
/// used.
fn schema_digest(scratch: &Path) -> anyhow::Result<String> {
    let db = scratch.join("schema-probe.db");
    let _ = std::fs::remove_file(&db);
    let digest = {
        let conn = crate::store::open_writer(&db)?;
        let sql: String = conn.query_row(
            "SELECT coalesce(group_concat(sql, ';'), '') FROM
                (SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name)",
            [],
            |r| r.get(0),
        )?;
        hex::encode(&Sha256::digest(sql.as_bytes())[..6])
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(scratch.join(format!("schema-probe.db{suffix}")));
    }
    Ok(digest)
}

/// Where prefilled stores are kept between runs: `target/bench-cache/` beside the binary.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(dir).join("bench-cache"));
    }
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map(|t| t.join("bench-cache"))
}

/// A prefilled store of `messages` in a scratch dir of its own (kept as long as the dir): what
/// the benches of a whole store (migrate, report) start from; says on stderr when it is ready.
pub fn scratch_store(messages: u64, journal: bool) -> anyhow::Result<(tempfile::TempDir, PathBuf)> {
    let scratch = tempfile::tempdir()?;
    let db = scratch.path().join("wabox.db");
    let shape = Shape::for_messages(messages, 4, 1, journal);
    let started = Instant::now();
    prepare(
        &db,
        &shape,
        default_cache_dir().as_deref(),
        scratch.path(),
        false,
    )?;
    eprintln!(
        "store of {messages} messages ready in {:.1} s ({:.0} MB)",
        started.elapsed().as_secs_f64(),
        file_len(&db) as f64 / 1e6
    );
    Ok((scratch, db))
}

/// Puts a prefilled store at `db` (which must not exist): copied from the cache when one of the
/// same shape and schema is there, else built (and then cached).
pub fn prepare(
    db: &Path,
    shape: &Shape,
    cache_dir: Option<&Path>,
    scratch: &Path,
    quiet: bool,
) -> anyhow::Result<PrefillInfo> {
    let shape_key = format!(
        "prefill-v{PREFILL_FORMAT}-{}msg-{}contacts-{}numbers-{}-",
        shape.messages,
        shape.contacts,
        shape.numbers,
        if shape.journal {
            "journal"
        } else {
            "nojournal"
        },
    );
    let key = format!("{shape_key}{}", schema_digest(scratch)?);
    let cached = cache_dir.map(|d| (d.join(format!("{key}.db")), d.join(format!("{key}.json"))));
    if let Some((file, meta)) = &cached
        && let Some(info) = copy_from_cache(file, meta, db)?
    {
        return Ok(info);
    }
    let mut info = build(db, shape, quiet)?;
    if let Some((file, meta)) = &cached {
        save_to_cache(&mut info, db, (file, meta), (&shape_key, &key));
    }
    Ok(info)
}

/// The cached store copied to `db`, when there is one with its description.
fn copy_from_cache(file: &Path, meta: &Path, db: &Path) -> anyhow::Result<Option<PrefillInfo>> {
    if file.exists()
        && let Ok(text) = std::fs::read_to_string(meta)
        && let Ok(mut info) = serde_json::from_str::<PrefillInfo>(&text)
    {
        let started = Instant::now();
        std::fs::copy(file, db)
            .with_context(|| format!("copying the cached store {}", file.display()))?;
        info.copy_seconds = Some(started.elapsed().as_secs_f64());
        info.cache_file = Some(file.display().to_string());
        info.db_bytes = file_len(db);
        return Ok(Some(info));
    }
    Ok(None)
}

/// Builds the store at `db` with SQL.
fn build(db: &Path, shape: &Shape, quiet: bool) -> anyhow::Result<PrefillInfo> {
    if !quiet {
        eprintln!(
            "  prefill: building {} messages in {} conversations ({} numbers{}); later runs copy it from the cache",
            shape.messages,
            shape.contacts,
            shape.numbers,
            if shape.journal {
                ", a journal entry each"
            } else {
                ""
            }
        );
    }
    let started = Instant::now();
    {
        let mut conn = crate::store::open_writer(db)?;
        // A big page cache for the bulk load only (the engine keeps SQLite's default).
        conn.execute_batch("PRAGMA cache_size = -262144")?;
        prefill(&mut conn, shape, crate::domain::time::now_unix(), quiet)?;
    }
    Ok(PrefillInfo {
        messages: shape.messages,
        conversations: shape.contacts,
        contacts: shape.contacts,
        journal_entries: if shape.journal { shape.messages } else { 0 },
        build_seconds: started.elapsed().as_secs_f64(),
        copy_seconds: None,
        cache_file: None,
        db_bytes: file_len(db),
    })
}

/// Copies the built store into the cache, under a key naming its shape and schema, and forgets
/// the copies made by other schemas.
fn save_to_cache(
    info: &mut PrefillInfo,
    db: &Path,
    (file, meta): (&Path, &Path),
    (shape_key, key): (&str, &str),
) {
    // Best effort: a failed cache write costs the next run a rebuild, nothing more.
    let tmp = file.with_extension("db.partial");
    let saved = file
        .parent()
        .map(std::fs::create_dir_all)
        .unwrap_or(Ok(()))
        .and_then(|()| std::fs::copy(db, &tmp))
        .and_then(|_| std::fs::rename(&tmp, file))
        .and_then(|()| std::fs::write(meta, serde_json::to_vec_pretty(&*info).unwrap_or_default()));
    match saved {
        Ok(()) => {
            info.cache_file = Some(file.display().to_string());
            forget_other_schemas(file, shape_key, key);
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            eprintln!("  prefill: could not cache the store ({e}); continuing");
        }
    }
}

/// Removes cached stores of the same shape made for an older schema: they will never be used
/// again, and each is hundreds of MB.
fn forget_other_schemas(file: &Path, shape_key: &str, key: &str) {
    let Some(dir) = file.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(shape_key) && !name.starts_with(key) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

pub fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The SQLite ceiling's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SqliteCeiling {
    pub rows: u64,
    pub batch: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
}

/// Inserts `rows` message rows, as the deliveries of `generator` would become, into a fresh
/// store at `db` (contacts and conversations made first, untimed), `CEILING_BATCH` per
/// transaction, with `store::open_writer`'s settings (WAL, synchronous=FULL: every commit on
/// disk before the next, as the engine's are before anyone is answered).
pub fn sqlite_ceiling(
    db: &Path,
    numbers: u64,
    customers: u64,
    generator: &DeliveryGen,
    rows: u64,
    now: i64,
) -> anyhow::Result<SqliteCeiling> {
    let mut conn = crate::store::open_writer(db)?;
    let shape = Shape {
        numbers,
        contacts: customers,
        messages: 0,
        journal: false,
    };
    prefill(&mut conn, &shape, now, true)?;
    // Texts are made before the clock starts: the ceiling is SQLite's, not the generator's.
    let texts: Vec<String> = (0..CEILING_BATCH.min(rows).max(1))
        .map(|i| generator.row_text(i))
        .collect();
    let payloads: Vec<String> = texts
        .iter()
        .map(|t| format!(r#"{{"body":"{t}"}}"#))
        .collect();
    let wamids: Vec<String> = (0..rows).map(|s| generator.wamid(s)).collect();
    let conversations: Vec<i64> = (0..rows)
        .map(|s| generator.customer(s) as i64 + 1)
        .collect();
    let started = Instant::now();
    let mut i = 0;
    while i < rows {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages (conversation_id, wamid, direction, origin, type, text, at,
                                       payload)
                 VALUES (?1, ?2, 'in', 'customer', 'text', ?3, ?4, ?5)",
            )?;
            let end = (i + CEILING_BATCH).min(rows);
            for s in i..end {
                let t = (s % texts.len() as u64) as usize;
                insert.execute(params![
                    conversations[s as usize],
                    wamids[s as usize],
                    texts[t],
                    now,
                    payloads[t]
                ])?;
            }
            i = end;
        }
        tx.commit()?;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(SqliteCeiling {
        rows,
        batch: CEILING_BATCH,
        seconds,
        rows_per_second: rows as f64 / seconds.max(1e-9),
    })
}

/// Messages in the store, and how many of those whose id is above `after` carry `tag` at the
/// end of their wamid (the rows one phase added).
pub fn count_messages(db: &Path, after: i64, tag: &str) -> anyhow::Result<(i64, i64, i64)> {
    let conn = crate::store::open_reader(db)?;
    let total: i64 = conn.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?;
    let suffix = format!("%{tag}A=");
    let (new, tagged): (i64, i64) = conn.query_row(
        "SELECT count(*), coalesce(sum(wamid LIKE ?2 AND journal_id IS NOT NULL), 0)
         FROM messages WHERE id > ?1",
        params![after, suffix],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((total, new, tagged))
}

/// The highest message id, before a phase.
pub fn max_message_id(db: &Path) -> anyhow::Result<i64> {
    let conn = crate::store::open_reader(db)?;
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
            r.get(0)
        })?,
    )
}
