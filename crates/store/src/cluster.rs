//! What several engines sharing one PostgreSQL store agree through, in the store itself (no
//! broker): who is alive (`engines`), who owns which partition of the work (`partition_leases`,
//! one row each, judged by the database's clock), and the events they pass each other
//! (`store_events`, with a NOTIFY to wake them). PostgreSQL only: a SQLite store has one engine.

use crate::db::{Connection, OptionalExtension};
use crate::{Result, StoreEvent, params};

/// The work is split by tenant into this many partitions.
pub const PARTITIONS: i64 = 64;

/// The channel that wakes engines to new events.
pub const EVENTS_CHANNEL: &str = "wabox_events";
/// The channel that wakes a partition's owner to a delivery another engine journaled for it.
pub const JOURNAL_CHANNEL: &str = "wabox_journal";

/// A tenant's partition.
pub fn partition_of_tenant(tenant_id: i64) -> i64 {
    tenant_id.rem_euclid(PARTITIONS)
}

/// A partition held, and the epoch it is held at (one more at each change of owner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    pub partition: i64,
    pub epoch: i64,
}

/// An engine as it registers itself.
#[derive(Debug, Clone)]
pub struct EngineRow {
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub listen: Option<String>,
    pub started_at: i64,
}

/// Registers the engine, or says it is still alive.
pub fn heartbeat(conn: &Connection, engine: &EngineRow) -> Result<()> {
    conn.execute(
        "INSERT INTO engines (id, host, pid, listen, started_at, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, clock_timestamp())
         ON CONFLICT (id) DO UPDATE SET seen_at = clock_timestamp(), stopped = 0",
        params![
            engine.id,
            engine.host,
            engine.pid,
            engine.listen,
            engine.started_at
        ],
    )?;
    Ok(())
}

/// Engines seen within `ttl` seconds and not stopped.
pub fn live_engines(conn: &Connection, ttl: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM engines
         WHERE stopped = 0 AND seen_at > clock_timestamp() - make_interval(secs => ?1)",
        [ttl as f64],
        |r| r.get(0),
    )?)
}

/// Extends the leases this engine holds that have not lapsed, by `ttl` seconds from now; the
/// ones extended. A lapsed one is not extended (another may be taking it): it is claimed anew,
/// at a new epoch, like any free partition.
pub fn renew(conn: &Connection, me: &str, ttl: i64) -> Result<Vec<Lease>> {
    let leases = conn
        .prepare_cached(
            // Rows locked in partition order, as the writer locks them (`holds`, `pending_owned`):
            // two orders could deadlock. FOR NO KEY UPDATE, as the update itself (no key
            // changes): it does not wait for the KEY SHARE locks this engine's own work holds
            // on its leases. With FOR UPDATE, each renewal queued behind a lane's transaction
            // and every other lane's look queued behind the renewal (91 ms a look on three
            // engines).
            "UPDATE partition_leases
             SET expires_at = clock_timestamp() + make_interval(secs => ?2)
             WHERE partition IN (
                 SELECT partition FROM partition_leases
                 WHERE owner = ?1 AND expires_at > clock_timestamp()
                 ORDER BY partition FOR NO KEY UPDATE)
             RETURNING partition, epoch",
        )?
        .query_map(params![me, ttl as f64], lease_row)?
        .collect::<crate::db::Result<_>>()?;
    Ok(leases)
}

/// A `RETURNING partition, epoch` row.
fn lease_row(r: &crate::db::Row<'_>) -> crate::db::Result<Lease> {
    Ok(Lease {
        partition: r.get(0)?,
        epoch: r.get(1)?,
    })
}

/// Takes up to `n` partitions no one holds (never held, lapsed, or given back), for `ttl`
/// seconds; the ones taken, each at its new epoch. Engines claiming at once take different ones.
/// FOR UPDATE, the one lock that waits for (here: skips) the KEY SHARE locks of `holds` and
/// `pending_owned`: a lease cannot pass while its owner works under it. A claim, and a take-back
/// of a dead engine's leases (`take_back`), are the only statements that give a partition a new
/// owner.
pub fn claim(conn: &Connection, me: &str, ttl: i64, n: i64) -> Result<Vec<Lease>> {
    give_to(
        conn,
        me,
        ttl,
        "expires_at <= clock_timestamp() ORDER BY partition LIMIT ?3",
        &n,
    )
}

/// Takes over, at once and at a new epoch each, the leases `previous` still holds: for an
/// engine started again on the data dir `previous` ran on. The caller knows `previous` is dead
/// (it holds that data dir's lock, which the OS let go of when `previous` ended), so its
/// partitions need not wait for their leases to lapse. `previous` no longer counts as live.
pub fn take_back(conn: &Connection, previous: &str, me: &str, ttl: i64) -> Result<Vec<Lease>> {
    conn.execute("UPDATE engines SET stopped = 1 WHERE id = ?1", [previous])?;
    give_to(
        conn,
        me,
        ttl,
        "owner = ?3 AND expires_at > clock_timestamp() ORDER BY partition",
        &previous,
    )
}

/// Gives `me`, for `ttl` seconds and each at its new epoch, the partitions `chosen` picks (the
/// rest of a `WHERE` on `partition_leases`, with `?3` for `arg`), locked FOR UPDATE SKIP LOCKED.
fn give_to(
    conn: &Connection,
    me: &str,
    ttl: i64,
    chosen: &str,
    arg: &dyn crate::db::ToSql,
) -> Result<Vec<Lease>> {
    let leases = conn
        .prepare_cached(&format!(
            "UPDATE partition_leases
             SET owner = ?1, epoch = epoch + 1,
                 expires_at = clock_timestamp() + make_interval(secs => ?2)
             WHERE partition IN (
                 SELECT partition FROM partition_leases WHERE {chosen}
                 FOR UPDATE SKIP LOCKED)
             RETURNING partition, epoch"
        ))?
        .query_map(params![me, ttl as f64, arg], lease_row)?
        .collect::<crate::db::Result<_>>()?;
    Ok(leases)
}

/// Gives a partition back at once, for another engine to take at its next look.
pub fn release(conn: &Connection, me: &str, lease: Lease) -> Result<()> {
    conn.execute(
        "UPDATE partition_leases SET expires_at = clock_timestamp()
         WHERE partition = ?1 AND owner = ?2 AND epoch = ?3",
        params![lease.partition, me, lease.epoch],
    )?;
    Ok(())
}

/// The engine is stopping: it no longer counts among the live ones.
pub fn stopping(conn: &Connection, me: &str) -> Result<()> {
    conn.execute("UPDATE engines SET stopped = 1 WHERE id = ?1", [me])?;
    Ok(())
}

/// In the caller's transaction: whether this engine still holds the lease, and if so, no other
/// engine can take it until that transaction ends (its row is locked FOR KEY SHARE, which only
/// a claim's FOR UPDATE waits for; a renewal passes). Every claim
/// and mark of a partition's work asks this first.
pub fn holds(conn: &Connection, me: &str, lease: Lease) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM partition_leases
             WHERE partition = ?1 AND owner = ?2 AND epoch = ?3
               AND expires_at > clock_timestamp()
             FOR KEY SHARE",
        )?
        .query_row(params![lease.partition, me, lease.epoch], |_| Ok(()))
        .optional()?
        .is_some())
}

/// `holds` for several leases in one statement (a group of deliveries spans several
/// partitions): whether this engine holds them all, their rows locked (FOR KEY SHARE) in partition
/// order (the order renewals lock them in, so neither waits on the other in a cycle).
pub fn holds_all(conn: &Connection, me: &str, leases: &[Lease]) -> Result<bool> {
    let mut wanted: Vec<[i64; 2]> = leases.iter().map(|l| [l.partition, l.epoch]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let pairs = serde_json::to_string(&wanted).map_err(crate::StoreError::invalid)?;
    let held: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (
                 SELECT 1 FROM partition_leases
                 WHERE owner = ?1 AND expires_at > clock_timestamp()
                   AND (partition, epoch) IN (
                       SELECT CAST(p->>0 AS BIGINT), CAST(p->>1 AS BIGINT)
                       FROM json_array_elements(CAST(CAST(?2 AS TEXT) AS json)) AS p)
                 ORDER BY partition FOR KEY SHARE) AS held",
        )?
        .query_row(params![me, pairs], |r| r.get(0))?;
    Ok(held == wanted.len() as i64)
}

/// The tenants of the numbers named (by phone number id), in one statement; a number not
/// found is left out.
pub fn tenants_of_numbers(
    conn: &Connection,
    phone_number_ids: &[&str],
) -> Result<std::collections::HashMap<String, i64>> {
    let ids = serde_json::to_string(phone_number_ids).map_err(crate::StoreError::invalid)?;
    let rows = conn
        .prepare_cached(
            "SELECT phone_number_id, tenant_id FROM numbers
             WHERE phone_number_id IN (SELECT json_array_elements_text(CAST(CAST(?1 AS TEXT) AS json)))",
        )?
        .query_map([ids], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(rows)
}

/// The partition a delivery belongs to: its number's tenant's (by phone number id, else by
/// WhatsApp Business Account); partition 0 for one no number of ours names.
pub fn partition_of(
    conn: &Connection,
    phone_number_id: Option<&str>,
    waba_id: Option<&str>,
) -> Result<i64> {
    let tenant: Option<i64> = match (phone_number_id, waba_id) {
        (Some(p), _) => conn
            .prepare_cached("SELECT tenant_id FROM numbers WHERE phone_number_id = ?1")?
            .query_row([p], |r| r.get(0))
            .optional()?,
        (None, Some(w)) => conn
            .prepare_cached("SELECT min(tenant_id) FROM numbers WHERE waba_id = ?1")?
            .query_row([w], |r| r.get(0))
            .optional()?
            .flatten(),
        (None, None) => None,
    };
    Ok(tenant.map_or(0, partition_of_tenant))
}

/// Journals a delivery (as `journal::append` does) with the partition it belongs to.
pub fn append(
    conn: &Connection,
    body: &[u8],
    digest: &[u8; 32],
    state: crate::journal::JournalState,
    now: i64,
    partition: i64,
) -> Result<(i64, bool)> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO journal (received_at, body, body_sha256, state, processed_at, partition)
             VALUES (?1, ?2, ?3, ?4, CASE WHEN ?4 = 'pending' THEN NULL ELSE CAST(?1 AS BIGINT) END, ?5)
             ON CONFLICT (body_sha256) DO UPDATE SET deliveries = journal.deliveries + 1
             RETURNING id, deliveries",
        )?
        .query_row(
            params![now, body, digest.as_slice(), state.as_str(), partition],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? == 1)),
        )?)
}

/// Where a delivery of a group goes: a partition worked out already, or the one of the number
/// (else the WhatsApp Business Account) it names, looked up in the statement that journals it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionOf<'a> {
    Known(i64),
    Named {
        phone_number_id: Option<&'a str>,
        waba_id: Option<&'a str>,
    },
}

/// Journals a group of deliveries as pending (as `append` does, each with its partition) in
/// one statement, which is also its own transaction when none is open: acknowledging a group
/// on PostgreSQL was four round trips (begin, the numbers' tenants, the insert, commit), and
/// with three engines sharing a load their groups are small, so those trips were most of the
/// cost of a delivery. A body twice in the group (Meta retrying one still in flight) is a
/// repeat like any other: one row, counted twice. Each delivery's journal id comes back in the
/// group's order, with whether it was new. A partition named by number follows
/// `partition_of`: the number's tenant's, else the account's, else 0.
pub fn append_pending_group(
    conn: &Connection,
    group: &[(&[u8], &[u8; 32], PartitionOf<'_>)],
    now: i64,
) -> Result<Vec<(i64, bool)>> {
    // Each body's first place in the group, and how often it is there (a group is up to 512:
    // no search of a list).
    let mut count: std::collections::HashMap<&[u8; 32], i64> =
        std::collections::HashMap::with_capacity(group.len());
    let firsts: Vec<usize> = (0..group.len())
        .filter(|&i| {
            let n = count.entry(group[i].1).or_insert(0);
            *n += 1;
            *n == 1
        })
        .collect();
    const PER_ROW: usize = 7;
    let rows: Vec<String> = (0..firsts.len())
        .map(|n| {
            let at = 2 + PER_ROW * n;
            let p: Vec<String> = (at..at + PER_ROW).map(|k| format!("?{k}")).collect();
            format!(
                "(CAST({} AS BIGINT), CAST({} AS BYTEA), CAST({} AS BYTEA), CAST({} AS BIGINT), \
                 CAST({} AS BIGINT), CAST({} AS TEXT), CAST({} AS TEXT))",
                p[0], p[1], p[2], p[3], p[4], p[5], p[6]
            )
        })
        .collect();
    // Ordered by place, so that ids are drawn in the group's order.
    let sql = format!(
        "INSERT INTO journal (received_at, body, body_sha256, state, partition, deliveries)
         SELECT CAST(?1 AS BIGINT), v.body, v.sha, 'pending',
                COALESCE(v.part, MOD(MOD(COALESCE(
                    CASE WHEN v.number IS NOT NULL
                         THEN (SELECT n.tenant_id FROM numbers n WHERE n.phone_number_id = v.number)
                         ELSE (SELECT min(n.tenant_id) FROM numbers n WHERE n.waba_id = v.waba)
                    END, 0), {PARTITIONS}) + {PARTITIONS}, {PARTITIONS})),
                v.times
         FROM (VALUES {}) AS v(place, body, sha, times, part, number, waba)
         ORDER BY v.place
         ON CONFLICT (body_sha256) DO UPDATE SET deliveries = journal.deliveries + EXCLUDED.deliveries
         RETURNING id, deliveries, body_sha256",
        rows.join(", ")
    );
    struct Row<'a> {
        place: i64,
        digest: &'a [u8],
        times: i64,
        part: Option<i64>,
        number: Option<&'a str>,
        waba: Option<&'a str>,
    }
    let cols: Vec<Row> = firsts
        .iter()
        .map(|&f| {
            let (_, digest, partition) = &group[f];
            let (part, number, waba) = match *partition {
                PartitionOf::Known(p) => (Some(p), None, None),
                PartitionOf::Named {
                    phone_number_id,
                    waba_id,
                } => (None, phone_number_id, waba_id),
            };
            Row {
                place: f as i64,
                digest: digest.as_slice(),
                times: count[digest],
                part,
                number,
                waba,
            }
        })
        .collect();
    let mut values: Vec<&dyn crate::db::ToSql> = vec![&now];
    for (row, &f) in cols.iter().zip(&firsts) {
        values.extend([
            &row.place as &dyn crate::db::ToSql,
            &group[f].0,
            &row.digest,
            &row.times,
            &row.part,
            &row.number,
            &row.waba,
        ]);
    }
    // Matched by body: the order RETURNING gives is not promised. A body is new if the row
    // holds only this group's deliveries of it.
    let journaled: std::collections::HashMap<Vec<u8>, (i64, bool)> = conn
        .prepare_cached(&sql)?
        .query_map(values.as_slice(), |r| {
            let digest: Vec<u8> = r.get(2)?;
            let deliveries: i64 = r.get(1)?;
            Ok((digest, (r.get(0)?, deliveries)))
        })?
        .map(|row| {
            row.map(|(digest, (id, deliveries))| {
                let times = digest
                    .as_slice()
                    .try_into()
                    .ok()
                    .and_then(|d: &[u8; 32]| count.get(d).copied())
                    .unwrap_or(0);
                (digest, (id, deliveries == times))
            })
        })
        .collect::<crate::db::Result<_>>()?;
    let mut answered = std::collections::HashSet::with_capacity(firsts.len());
    group
        .iter()
        .map(|(_, digest, _)| {
            let (id, new) = journaled.get(digest.as_slice()).copied().ok_or_else(|| {
                crate::StoreError::invalid("a journaled delivery came back without its row")
            })?;
            // Only a body's first place in the group is new; its repeats are repeats.
            Ok((id, new && answered.insert(*digest)))
        })
        .collect()
}

/// How far each partition's deliveries have been applied by one lane, so that its next look
/// starts there instead of at the partition's first entry in `journal_pending_by_partition`.
///
/// Why: an applied entry leaves a dead entry in that index until the journal is vacuumed, and
/// PostgreSQL can only mark it dead once every transaction older than its mark has ended,
/// which on a busy engine is not before the next look. Each look walked over the last hundred
/// or so of each partition (3,943 rows read for 32 partitions at 3,000 deliveries a second:
/// 11.7 ms a look, 13% of the server's time).
///
/// An entry below a floor is still found: ids are drawn before their transactions commit, so
/// on several engines one can become visible after a larger one was applied. A look that finds
/// nothing above the floors looks again from the start, and so does one every `FULL_LOOK_EVERY`
/// while the lane is busy; such an entry waits that long at most.
#[derive(Debug, Default)]
pub struct Floors {
    /// The largest id applied in each partition.
    applied: std::collections::BTreeMap<i64, i64>,
    /// When the last look from the start was.
    full_at: Option<std::time::Instant>,
}

/// How often a busy lane looks from each partition's start. Such a look also marks the dead
/// entries it passes, so that the next is cheaper: at 3,000 deliveries offered a second, one
/// engine kept up in 5 runs of 6 with 200 ms, in 1 of 6 with 500 ms.
pub const FULL_LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

impl Floors {
    /// Whether the next look at `now` starts at each partition's start.
    pub fn full_look_due(&self, now: std::time::Instant) -> bool {
        self.full_at
            .is_none_or(|at| now.saturating_duration_since(at) >= FULL_LOOK_EVERY)
    }

    /// Remembers what a look took (id, partition) and, if it was from the start, when.
    pub fn took(&mut self, taken: &[(i64, i64)], full: bool, now: std::time::Instant) {
        for &(id, partition) in taken {
            let floor = self.applied.entry(partition).or_insert(id);
            *floor = (*floor).max(id);
        }
        if full {
            self.full_at = Some(now);
        }
    }

    /// Forgets the floors (what was taken may still be pending: its transaction failed).
    pub fn forget(&mut self) {
        *self = Floors::default();
    }

    /// The floors as the look reads them: a JSON object from partition to id.
    fn as_json(&self) -> String {
        let pairs: Vec<String> = self
            .applied
            .iter()
            .map(|(p, id)| format!("\"{p}\":{id}"))
            .collect();
        format!("{{{}}}", pairs.join(","))
    }
}

/// In the caller's transaction: the pending deliveries of the engine's partitions in `lane`,
/// starting above `floors` (or from the start when a full look is due, or when nothing is
/// above them), as `pending_above` takes them; `floors` learn what was taken.
pub fn pending_owned(
    conn: &Connection,
    me: &str,
    lane: Lane,
    limit: usize,
    floors: &mut Floors,
    now: std::time::Instant,
) -> Result<Vec<(i64, Vec<u8>)>> {
    let mut full = floors.full_look_due(now);
    let mut rows = match full {
        true => pending_above(conn, me, lane, limit, &Floors::default())?,
        false => pending_above(conn, me, lane, limit, floors)?,
    };
    if rows.is_empty() && !full {
        full = true;
        rows = pending_above(conn, me, lane, limit, &Floors::default())?;
    }
    let taken: Vec<(i64, i64)> = rows.iter().map(|(id, p, _)| (*id, *p)).collect();
    floors.took(&taken, full, now);
    Ok(rows.into_iter().map(|(id, _, body)| (id, body)).collect())
}

/// In the caller's transaction: the oldest pending deliveries of the partitions this engine
/// holds, as long as the leases they are applied under are held (locked FOR KEY SHARE: they
/// cannot pass meanwhile). A delivery journaled before partitions existed counts as partition
/// 0's.
///
/// The rows themselves are not locked: the lease lock already keeps every other engine off
/// these partitions until this transaction ends (a claim's FOR UPDATE skips a lease in use),
/// and this engine's lanes split its partitions between them. Locking them FOR UPDATE as well
/// wrote a lock into each row, so a page's first lock after a checkpoint logged the whole page:
/// 66 MB of the server's log for 90,000 deliveries, and a look as slow as applying.
///
/// Each partition's oldest are read through `journal_pending_by_partition`, and only the ids
/// are sorted before the bodies are read: filtering the journal in id order walked every
/// processed row before the first pending one (18 ms behind 15,000 of them), and sorting the
/// candidates with their bodies took as long. Across partitions the order does not matter
/// (they are different tenants); within one, the entries taken are always its oldest.
///
/// Each partition with something pending (`busy`) gives at most twice its share of `limit`
/// (at least 16): taking `limit` from each of 32 busy partitions read 4,096 rows, 1.5 KB each,
/// to keep 128 (12 ms a look, a quarter of the server's time in `wabox bench ingest`). A
/// partition alone gives the whole `limit`.
///
/// Each row's id, partition (0 for none) and body, above `floors` in its partition.
fn pending_above(
    conn: &Connection,
    me: &str,
    lane: Lane,
    limit: usize,
    floors: &Floors,
) -> Result<Vec<(i64, i64, Vec<u8>)>> {
    let rows = conn
        .prepare_replanned(
            "WITH held AS (
                 SELECT partition FROM partition_leases
                 WHERE owner = ?1 AND expires_at > clock_timestamp()
                   AND partition % ?4 = ?3
                 ORDER BY partition FOR KEY SHARE),
             floors AS (
                 SELECT CAST(key AS BIGINT) AS partition, CAST(value AS BIGINT) AS id
                 FROM json_each_text(CAST(CAST(?5 AS TEXT) AS json))),
             above AS (
                 SELECT held.partition, coalesce(floors.id, 0) AS floor
                 FROM held LEFT JOIN floors USING (partition)),
             busy AS (
                 SELECT partition, floor FROM above WHERE EXISTS (
                     SELECT 1 FROM journal
                     WHERE state = 'pending' AND partition = above.partition
                       AND id > above.floor)),
             oldest AS (
                 SELECT p.id FROM busy CROSS JOIN LATERAL (
                     SELECT id FROM journal
                     WHERE state = 'pending' AND partition = busy.partition
                       AND id > busy.floor
                     ORDER BY partition, id
                     LIMIT (SELECT least(per.limit_, greatest(16, 2 * per.limit_ / count(*)))
                            FROM busy, (SELECT CAST(?2 AS BIGINT) AS limit_) per
                            GROUP BY per.limit_)) p
                 UNION ALL
                 (SELECT id FROM journal
                  WHERE state = 'pending' AND partition IS NULL
                    AND EXISTS (SELECT 1 FROM held WHERE partition = 0)
                  ORDER BY id LIMIT ?2)
                 ORDER BY id LIMIT ?2)
             SELECT j.id, coalesce(j.partition, 0), j.body FROM journal j
             WHERE j.id IN (SELECT id FROM oldest) AND j.state = 'pending'
             ORDER BY j.id",
        )?
        .query_map(
            params![me, limit as i64, lane.index, lane.of, floors.as_json()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?
        .collect::<crate::db::Result<_>>()?;
    Ok(rows)
}

/// Which of an engine's partitions a connection applies: those whose number, divided by `of`,
/// leaves `index`. Each lane is a connection of its own, so that an engine applies several
/// tenants' deliveries at once instead of waiting on one round trip after another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lane {
    pub index: i64,
    pub of: i64,
}

impl Lane {
    /// Every partition, on one connection.
    pub const ALL: Lane = Lane { index: 0, of: 1 };

    pub fn has(self, partition: i64) -> bool {
        partition.rem_euclid(self.of) == self.index
    }
}

/// Whether any delivery waits to be applied in the partitions this engine holds (looked up
/// partition by partition, as `pending_owned` does).
pub fn any_pending_owned(conn: &Connection, me: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (
                 SELECT 1 FROM partition_leases l
                 WHERE l.owner = ?1 AND l.expires_at > clock_timestamp()
                   AND (EXISTS (SELECT 1 FROM journal j
                                WHERE j.state = 'pending' AND j.partition = l.partition)
                        OR (l.partition = 0
                            AND EXISTS (SELECT 1 FROM journal j
                                        WHERE j.state = 'pending' AND j.partition IS NULL))))",
        )?
        .query_row([me], |r| r.get(0))?)
}

/// The partition of a message's conversation.
pub fn partition_of_message(conn: &Connection, message_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT n.tenant_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
             JOIN numbers n ON n.id = c.number_id WHERE m.id = ?1",
        )?
        .query_row([message_id], |r| r.get::<_, i64>(0))
        .optional()?
        .map(partition_of_tenant))
}

/// A number's partition.
pub fn partition_of_number(conn: &Connection, number_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT tenant_id FROM numbers WHERE id = ?1")?
        .query_row([number_id], |r| r.get::<_, i64>(0))
        .optional()?
        .map(partition_of_tenant))
}

/// The sends of a partition that an engine had on their way (`sending`).
pub fn sending_in_partition(conn: &Connection, partition: i64) -> Result<Vec<i64>> {
    let ids = conn
        .prepare_cached(
            "SELECT o.id FROM outbox o JOIN numbers n ON n.id = o.number_id
             WHERE o.state = 'sending' AND n.tenant_id % ?2 = ?1 ORDER BY o.id",
        )?
        .query_map(params![partition, PARTITIONS], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    Ok(ids)
}

/// Writes events in the caller's transaction. The other engines are woken after its commit,
/// by a NOTIFY of `EVENTS_CHANNEL` in a transaction of its own (the engine's notifier).
pub fn write_events(conn: &Connection, me: &str, events: &[StoreEvent]) -> Result<()> {
    // Each engine knows the clock and lag of its own subscribers: those stay local.
    let shared: Vec<&StoreEvent> = events
        .iter()
        .filter(|e| !matches!(e, StoreEvent::Lagged { .. } | StoreEvent::ClockMoved { .. }))
        .collect();
    if shared.is_empty() {
        return Ok(());
    }
    // All of a commit's events in one statement (a round trip each was a tenth of a
    // delivery's), in their order: ids are drawn as the rows come, and they come by position.
    let texts = serde_json::to_string(&shared).map_err(crate::StoreError::invalid)?;
    conn.prepare_cached(
        "INSERT INTO store_events (engine, event)
         SELECT ?1, e.value::text
         FROM json_array_elements(CAST(CAST(?2 AS TEXT) AS json)) WITH ORDINALITY AS e(value, n)
         ORDER BY e.n",
    )?
    .execute(params![me, texts])?;
    Ok(())
}

/// Events written after `after` (an id), and those among `gaps` (ids at or below it not seen
/// yet: a transaction that drew its ids earlier can commit later), oldest first, at most
/// `limit`: (id, event), the event `None` for this engine's own (their ids still move the
/// reader on: a reader that skipped them in SQL would walk them all again at every look).
pub fn events_after(
    conn: &Connection,
    me: &str,
    after: i64,
    gaps: &[i64],
    limit: i64,
) -> Result<Vec<(i64, Option<StoreEvent>)>> {
    // Only the gaps are read again, not the whole window behind `after`: reading it all at
    // every look was 2 million rows (and their payloads) for 15,000 deliveries on 3 engines.
    let gaps = serde_json::to_string(gaps).map_err(crate::StoreError::invalid)?;
    let rows: Vec<(i64, Option<String>)> = conn
        .prepare_replanned(
            "SELECT id, CASE WHEN engine = ?2 THEN NULL ELSE event END FROM store_events
             WHERE id > ?1
             UNION ALL
             SELECT id, CASE WHEN engine = ?2 THEN NULL ELSE event END FROM store_events
             WHERE id <= ?1 AND id IN (
                 SELECT CAST(json_array_elements_text(CAST(CAST(?4 AS TEXT) AS json)) AS BIGINT))
             ORDER BY id LIMIT ?3",
        )?
        .query_map(params![after, me, limit, gaps], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<crate::db::Result<_>>()?;
    Ok(rows
        .into_iter()
        .map(|(id, text)| (id, text.and_then(|t| serde_json::from_str(&t).ok())))
        .collect())
}

/// The newest event's id (where an engine starting up begins to follow).
pub fn last_event(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT COALESCE(max(id), 0) FROM store_events", [], |r| {
            r.get(0)
        })?,
    )
}

/// Drops events older than `seconds`.
pub fn forget_events(conn: &Connection, seconds: i64) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM store_events WHERE at < clock_timestamp() - make_interval(secs => ?1)",
        [seconds as f64],
    )?)
}

/// An engine as `doctor` shows it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct EngineView {
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub listen: Option<String>,
    pub seen_seconds_ago: i64,
    pub live: bool,
    /// The partitions it holds a lease on now.
    pub partitions: Vec<i64>,
}

/// Every engine seen in the last hour, with the partitions each holds now.
pub fn engines(conn: &Connection, ttl: i64) -> Result<Vec<EngineView>> {
    let mut engines: Vec<EngineView> = conn
        .prepare(
            "SELECT id, host, pid, listen,
                    CAST(extract(epoch FROM clock_timestamp() - seen_at) AS BIGINT),
                    stopped = 0 AND seen_at > clock_timestamp() - make_interval(secs => ?1)
             FROM engines WHERE seen_at > clock_timestamp() - interval '1 hour'
             ORDER BY id",
        )?
        .query_map([ttl as f64], |r| {
            Ok(EngineView {
                id: r.get(0)?,
                host: r.get(1)?,
                pid: r.get(2)?,
                listen: r.get(3)?,
                seen_seconds_ago: r.get(4)?,
                live: r.get(5)?,
                partitions: Vec::new(),
            })
        })?
        .collect::<crate::db::Result<_>>()?;
    let held: Vec<(String, i64)> = conn
        .prepare(
            "SELECT owner, partition FROM partition_leases
             WHERE owner IS NOT NULL AND expires_at > clock_timestamp() ORDER BY partition",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    for (owner, partition) in held {
        if let Some(e) = engines.iter_mut().find(|e| e.id == owner) {
            e.partitions.push(partition);
        }
    }
    Ok(engines)
}

/// Partitions no live lease covers (their work waits for an engine to take them).
pub fn unowned_partitions(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM partition_leases WHERE expires_at <= clock_timestamp()",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::postgres_database;

    fn engine(id: &str) -> EngineRow {
        EngineRow {
            id: id.into(),
            host: "test".into(),
            pid: 1,
            listen: None,
            started_at: 0,
        }
    }

    /// Engine "a" on the store, holding all 64 partitions.
    fn a_holding_all(url: &str) -> Connection {
        let a = crate::open_postgres(url).unwrap();
        heartbeat(&a, &engine("a")).unwrap();
        assert_eq!(claim(&a, "a", 10, 64).unwrap().len(), 64);
        a
    }

    /// A look of engine "a" from each partition's start.
    fn full_look(a: &Connection, lane: Lane, limit: usize) -> Vec<(i64, Vec<u8>)> {
        let now = std::time::Instant::now();
        pending_owned(a, "a", lane, limit, &mut Floors::default(), now).unwrap()
    }

    /// The ids a look of engine "a" over all its partitions takes.
    fn pending_ids(a: &Connection, limit: usize) -> Vec<i64> {
        full_look(a, Lane::ALL, limit)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    /// Journals `body` in `partition`, as the journal thread does.
    fn journal_in(
        conn: &Connection,
        body: &str,
        partition: i64,
        state: crate::journal::JournalState,
    ) {
        let digest = crate::journal::digest(body.as_bytes());
        append(conn, body.as_bytes(), &digest, state, 1, partition).unwrap();
    }

    #[test]
    fn each_lane_takes_its_own_partitions_oldest_first() {
        use crate::journal::{JournalState, digest};
        let Some(database) = postgres_database() else {
            return;
        };
        let a = a_holding_all(&database.url);
        let held = |p: i64| Lease {
            partition: p,
            epoch: 1,
        };
        release(&a, "a", held(5)).unwrap();
        let append_to = |name: &str, partition: i64, state: JournalState| {
            journal_in(&a, name, partition, state)
        };
        append_to("old, processed", 2, JournalState::Processed);
        append_to("p3 first", 3, JournalState::Pending);
        append_to("p2 first", 2, JournalState::Pending);
        append_to("p5, not held", 5, JournalState::Pending);
        append_to("p2 second", 2, JournalState::Pending);
        append_to("p3 second", 3, JournalState::Pending);
        append_to("p0", 0, JournalState::Pending);
        // Journaled before partitions existed: partition 0's.
        a.execute(
            "INSERT INTO journal (received_at, body, body_sha256, state) VALUES (1, ?1, ?2, 'pending')",
            params![b"no partition".as_slice(), digest(b"no partition").as_slice()],
        )
        .unwrap();
        let taken = |lane: Lane, limit: usize| -> Vec<String> {
            full_look(&a, lane, limit)
                .into_iter()
                .map(|(_, body)| String::from_utf8(body).unwrap())
                .collect()
        };
        let even = Lane { index: 0, of: 2 };
        let odd = Lane { index: 1, of: 2 };
        assert_eq!(
            taken(even, 10),
            ["p2 first", "p2 second", "p0", "no partition"]
        );
        assert_eq!(taken(odd, 10), ["p3 first", "p3 second"], "5 is not held");
        assert_eq!(
            taken(Lane::ALL, 3),
            ["p3 first", "p2 first", "p2 second"],
            "the oldest, and each partition's in order"
        );
        assert!(even.has(4) && !even.has(5) && odd.has(5) && Lane::ALL.has(63));
        assert!(any_pending_owned(&a, "a").unwrap());
        let pending = pending_ids(&a, 10);
        assert_eq!(pending.len(), 6);
        crate::journal::mark_processed(&a, &pending, 2).unwrap();
        assert!(
            !any_pending_owned(&a, "a").unwrap(),
            "only the unheld partition's is left"
        );
        assert!(taken(Lane::ALL, 10).is_empty());
    }

    #[test]
    fn a_look_takes_each_busy_partitions_oldest_and_a_lone_one_fills_the_batch() {
        use crate::journal::JournalState;
        let Some(database) = postgres_database() else {
            return;
        };
        let a = a_holding_all(&database.url);
        let append_to = |partition: i64, n: usize| {
            journal_in(
                &a,
                &format!("p{partition} #{n}"),
                partition,
                JournalState::Pending,
            )
        };
        // A burst of one tenant, then of two others.
        for p in [2, 3, 4] {
            for n in 0..40 {
                append_to(p, n);
            }
        }
        let taken: Vec<String> = full_look(&a, Lane::ALL, 30)
            .into_iter()
            .map(|(_, body)| String::from_utf8(body).unwrap())
            .collect();
        assert_eq!(taken.len(), 30, "{taken:?}");
        // Three busy partitions give at most twice their share each (20): the first burst
        // cannot take the whole batch, and what each gives is its oldest, in order.
        for (p, count) in [(2, 20), (3, 10), (4, 0)] {
            let of_p: Vec<&String> = taken
                .iter()
                .filter(|t| t.starts_with(&format!("p{p} ")))
                .collect();
            let oldest: Vec<String> = (0..count).map(|n| format!("p{p} #{n}")).collect();
            assert_eq!(of_p, oldest.iter().collect::<Vec<_>>());
        }
        let ids = pending_ids(&a, 200);
        assert_eq!(ids.len(), 120);
        crate::journal::mark_processed(&a, &ids, 2).unwrap();
        // One tenant alone: its share is the whole batch, not a thirty-second of it.
        for n in 0..100 {
            append_to(7, n);
        }
        assert_eq!(full_look(&a, Lane::ALL, 64).len(), 64);
    }

    #[test]
    fn floors_say_when_a_look_starts_from_the_beginning() {
        use std::time::{Duration, Instant};
        let t0 = Instant::now();
        let mut floors = Floors::default();
        assert!(floors.full_look_due(t0), "a lane's first look");
        floors.took(&[(7, 2), (9, 2), (4, 3)], true, t0);
        assert_eq!(floors.as_json(), r#"{"2":9,"3":4}"#);
        let quarter = FULL_LOOK_EVERY / 4;
        assert!(!floors.full_look_due(t0 + quarter));
        floors.took(&[(12, 2)], false, t0 + quarter);
        assert_eq!(floors.as_json(), r#"{"2":12,"3":4}"#, "only ever raised");
        assert!(
            !floors.full_look_due(t0 + FULL_LOOK_EVERY - Duration::from_millis(1)),
            "a look above the floors does not reset the clock"
        );
        assert!(floors.full_look_due(t0 + FULL_LOOK_EVERY));
        floors.forget();
        assert_eq!(floors.as_json(), "{}");
        assert!(floors.full_look_due(t0));
    }

    #[test]
    fn a_look_starts_above_the_floors_and_still_finds_what_is_below() {
        use crate::journal::JournalState;
        use std::time::Instant;
        let Some(database) = postgres_database() else {
            return;
        };
        let a = a_holding_all(&database.url);
        for name in ["e1", "e2", "e3"] {
            journal_in(&a, name, 2, JournalState::Pending);
        }
        let t0 = Instant::now();
        let mut floors = Floors::default();
        // Looks a quarter of `FULL_LOOK_EVERY` apart, the last one a whole one after.
        let quarter = FULL_LOOK_EVERY / 4;
        let mut look = |limit: usize, quarters: u32| -> Vec<(i64, String)> {
            let at = t0 + quarter * quarters;
            pending_owned(&a, "a", Lane::ALL, limit, &mut floors, at)
                .unwrap()
                .into_iter()
                .map(|(id, body)| (id, String::from_utf8(body).unwrap()))
                .collect()
        };
        let bodies = |taken: &[(i64, String)]| -> Vec<String> {
            taken.iter().map(|(_, b)| b.clone()).collect()
        };
        let first = look(2, 0);
        assert_eq!(bodies(&first), ["e1", "e2"]);
        // e1 stays pending below the partition's floor, as an entry whose transaction commits
        // after a later one was applied would; e2 is applied.
        crate::journal::mark_processed(&a, &[first[1].0], 2).unwrap();
        assert_eq!(bodies(&look(10, 1)), ["e3"], "above the floors only");
        let e3 = pending_ids(&a, 10).into_iter().max().unwrap();
        crate::journal::mark_processed(&a, &[e3], 2).unwrap();
        assert_eq!(
            bodies(&look(10, 2)),
            ["e1"],
            "nothing above the floors: a look from the start"
        );
        journal_in(&a, "e4", 2, JournalState::Pending);
        assert_eq!(
            bodies(&look(10, 3)),
            ["e4"],
            "the look from the start reset the clock"
        );
        assert_eq!(
            bodies(&look(10, 3 + 4)),
            ["e1", "e4"],
            "a busy lane looks from the start now and then"
        );
    }

    #[test]
    fn a_group_is_journaled_in_its_order_with_repeats_inside_and_before_it() {
        use crate::journal::{JournalState, digest};
        let Some(database) = postgres_database() else {
            return;
        };
        let a = crate::open_postgres(&database.url).unwrap();
        let (old, x, y) = (
            b"journaled before".as_slice(),
            b"x".as_slice(),
            b"y".as_slice(),
        );
        let (d_old, d_x, d_y) = (digest(old), digest(x), digest(y));
        let (before, _) = append(&a, old, &d_old, JournalState::Processed, 1, 3).unwrap();
        let k = PartitionOf::Known;
        let ids = append_pending_group(
            &a,
            &[
                (x, &d_x, k(5)),
                (old, &d_old, k(3)),
                (y, &d_y, k(9)),
                (x, &d_x, k(5)),
            ],
            2,
        )
        .unwrap();
        assert_eq!(ids[1], (before, false), "a repeat of one journaled before");
        assert!(ids[0].1 && ids[2].1, "{ids:?}");
        assert_eq!(
            ids[3],
            (ids[0].0, false),
            "a repeat inside the group: one row"
        );
        assert!(ids[0].0 < ids[2].0, "in the group's order");
        let rows: Vec<(Vec<u8>, String, i64, i64)> = a
            .prepare("SELECT body, state, partition, deliveries FROM journal ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (old.to_vec(), "processed".to_string(), 3, 2),
                (x.to_vec(), "pending".to_string(), 5, 2),
                (y.to_vec(), "pending".to_string(), 9, 1),
            ]
        );
    }

    #[test]
    fn a_group_goes_to_the_partitions_of_the_numbers_and_accounts_it_names() {
        use crate::journal::digest;
        use crate::test_fixtures::{PNID, WABA, add_number};
        let Some(database) = postgres_database() else {
            return;
        };
        let a = crate::open_postgres(&database.url).unwrap();
        // A second tenant first, so that Acme's id is not 1 and its partition tells.
        crate::directory::add_tenant(&a, "Other", 0).unwrap();
        let (acme, _) = add_number(&a, None).unwrap();
        let named = |number, waba| PartitionOf::Named {
            phone_number_id: number,
            waba_id: waba,
        };
        let bodies: Vec<Vec<u8>> = (0..5).map(|i| format!("body {i}").into_bytes()).collect();
        let digests: Vec<[u8; 32]> = bodies.iter().map(|b| digest(b)).collect();
        let routes = [
            named(Some(PNID), None),
            named(None, Some(WABA)),
            named(Some("a number of nobody's"), Some(WABA)),
            named(None, None),
            PartitionOf::Known(7),
        ];
        let group: Vec<_> = (0..5)
            .map(|i| (bodies[i].as_slice(), &digests[i], routes[i]))
            .collect();
        let ids = append_pending_group(&a, &group, 1).unwrap();
        assert!(ids.iter().all(|(_, new)| *new), "{ids:?}");
        let partitions: Vec<i64> = ids
            .iter()
            .map(|(id, _)| {
                a.query_row("SELECT partition FROM journal WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap()
            })
            .collect();
        let of_acme = partition_of_tenant(acme);
        assert_ne!(of_acme, 0);
        assert_eq!(
            partitions,
            [of_acme, of_acme, 0, 0, 7],
            "as partition_of says: the number's tenant, else the account's, else 0"
        );
        for (route, partition) in routes.iter().zip(&partitions) {
            if let PartitionOf::Named {
                phone_number_id,
                waba_id,
            } = route
            {
                assert_eq!(
                    partition_of(&a, *phone_number_id, *waba_id).unwrap(),
                    *partition
                );
            }
        }
    }

    #[test]
    fn engines_split_the_partitions_and_a_lapsed_lease_passes_at_a_new_epoch() {
        let Some(database) = postgres_database() else {
            return;
        };
        let a = crate::open_postgres(&database.url).unwrap();
        let b = crate::open_postgres(&database.url).unwrap();
        heartbeat(&a, &engine("a")).unwrap();
        heartbeat(&b, &engine("b")).unwrap();
        assert_eq!(live_engines(&a, 10).unwrap(), 2);
        let of_a = claim(&a, "a", 10, 32).unwrap();
        let of_b = claim(&b, "b", 10, 64).unwrap();
        assert_eq!(
            (of_a.len(), of_b.len()),
            (32, 32),
            "what is taken is not free"
        );
        assert!(of_a.iter().all(|l| l.epoch == 1));
        assert_eq!(renew(&a, "a", 10).unwrap().len(), 32);
        assert_eq!(unowned_partitions(&a).unwrap(), 0);
        // a stops renewing; its leases lapse (here: given back) and b takes them, one epoch on.
        for lease in &of_a {
            release(&a, "a", *lease).unwrap();
        }
        assert!(
            renew(&a, "a", 10).unwrap().is_empty(),
            "a lapsed lease is not renewed"
        );
        let taken = claim(&b, "b", 10, 64).unwrap();
        assert_eq!(taken.len(), 32);
        assert!(taken.iter().all(|l| l.epoch == 2));
        assert!(!holds(&a, "a", of_a[0]).unwrap());
        assert!(holds(&b, "b", taken[0]).unwrap());
        assert!(holds_all(&b, "b", &[taken[1], taken[0], taken[1]]).unwrap());
        assert!(
            !holds_all(&b, "b", &[taken[0], of_a[1]]).unwrap(),
            "one lease at an old epoch is enough to refuse"
        );
        let stale = Lease {
            epoch: taken[0].epoch - 1,
            ..taken[0]
        };
        assert!(!holds_all(&b, "b", &[stale]).unwrap());
        assert!(!holds_all(&a, "a", &[taken[0]]).unwrap(), "not a's");
        let shown = engines(&a, 10).unwrap();
        assert_eq!(
            shown.iter().find(|e| e.id == "b").unwrap().partitions.len(),
            64
        );
    }

    #[test]
    fn a_lease_checked_in_a_transaction_cannot_pass_until_it_ends() {
        let Some(database) = postgres_database() else {
            return;
        };
        let a = crate::open_postgres(&database.url).unwrap();
        let b = crate::open_postgres(&database.url).unwrap();
        let lease = claim(&a, "a", 1, 1).unwrap()[0];
        a.execute_batch("BEGIN").unwrap();
        assert!(holds(&a, "a", lease).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(1500)); // a's lease lapses
        let while_held = claim(&b, "b", 10, 64).unwrap();
        assert!(
            !while_held.iter().any(|l| l.partition == lease.partition),
            "skipped while a's transaction holds it"
        );
        a.execute_batch("COMMIT").unwrap();
        let taken = claim(&b, "b", 10, 64).unwrap();
        assert_eq!(
            taken,
            vec![Lease {
                partition: lease.partition,
                epoch: 2
            }]
        );
    }

    #[test]
    fn events_written_by_one_engine_are_read_by_the_others_only() {
        let Some(database) = postgres_database() else {
            return;
        };
        let a = crate::open_postgres(&database.url).unwrap();
        let start = last_event(&a).unwrap();
        a.execute_batch("BEGIN").unwrap();
        write_events(
            &a,
            "a",
            &[
                StoreEvent::ConversationChanged { conversation_id: 7 },
                StoreEvent::Lagged { missed: 1 },
                StoreEvent::ConversationChanged { conversation_id: 9 },
                StoreEvent::ConversationChanged { conversation_id: 8 },
            ],
        )
        .unwrap();
        a.execute_batch("COMMIT").unwrap();
        let seen = events_after(&a, "b", start, &[], 10).unwrap();
        assert_eq!(
            seen.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>(),
            [7, 9, 8]
                .map(|conversation_id| Some(StoreEvent::ConversationChanged { conversation_id })),
            "in the order written; a lag stays with its own engine"
        );
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
        let own = events_after(&a, "a", start, &[], 10).unwrap();
        assert_eq!(own.len(), 3, "its own ids, to move on");
        assert!(
            own.iter().all(|(_, e)| e.is_none()),
            "but not its own events"
        );
        assert_eq!(forget_events(&a, 3600).unwrap(), 0);
    }

    #[test]
    fn an_event_committed_after_a_later_one_is_read_through_its_gap() {
        let Some(database) = postgres_database() else {
            return;
        };
        let slow = crate::open_postgres(&database.url).unwrap();
        let fast = crate::open_postgres(&database.url).unwrap();
        let start = last_event(&fast).unwrap();
        let changed = |conversation_id| StoreEvent::ConversationChanged { conversation_id };
        slow.execute_batch("BEGIN").unwrap();
        write_events(&slow, "a", &[changed(1)]).unwrap();
        write_events(&fast, "a", &[changed(2)]).unwrap();
        let first = events_after(&fast, "b", start, &[], 10).unwrap();
        assert_eq!(first.len(), 1);
        let (late, seen) = (first[0].0 - 1, first[0].0);
        assert_eq!(first[0].1, Some(changed(2)));
        slow.execute_batch("COMMIT").unwrap();
        assert!(
            events_after(&fast, "b", seen, &[], 10).unwrap().is_empty(),
            "without its gap, the late one is not read again"
        );
        assert_eq!(
            events_after(&fast, "b", seen, &[late], 10).unwrap(),
            vec![(late, Some(changed(1)))]
        );
    }
}
