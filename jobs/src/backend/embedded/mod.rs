//! The embedded queue: the same semantics as the Redis queues, in the SQLite file the
//! data lives in, so `kickoff demo` and single-host installs need no server.
//!
//! Workers consume it with apalis-sqlite (pinned to `=1.0.0`), whose `Jobs` and
//! `Workers` tables are created by its own migrations (recorded in
//! `kickoff_apalis_migrations`). Ready jobs are rows of `Jobs`; as on Redis, delayed
//! jobs wait in a table of ours (`kickoff_queue_scheduled`, in unix milliseconds) and
//! `promote_due` moves them in when due: apalis-sqlite's `run_at` has whole seconds.
//! Pause flags, counters and the scheduler's shared state live in `kickoff_kv_hash`,
//! claims and idempotency keys with their expiry in `kickoff_kv_claims`.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{Row, SqlitePool};

use crate::backend::{Delivery, EMBEDDED_ORPHAN_AFTER, JobQueue, OutboxEntry, SharedState};
use crate::client::{EnqueueOptions, Enqueued, QueueError, QueueStats, WorkerInfo};
use crate::envelope::Envelope;

pub mod events;
pub use events::StoredEvent;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS kickoff_queue_scheduled (
        task_id TEXT PRIMARY KEY,
        job_type TEXT NOT NULL,
        run_at_ms INTEGER NOT NULL,
        retry INTEGER NOT NULL,
        payload BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS kickoff_queue_scheduled_due ON kickoff_queue_scheduled (job_type, run_at_ms)",
    "CREATE TABLE IF NOT EXISTS kickoff_kv_hash (
        key TEXT NOT NULL, field TEXT NOT NULL, value INTEGER NOT NULL,
        PRIMARY KEY (key, field)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS kickoff_kv_claims (
        key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at_ms INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS kickoff_kv_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, entry TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS kickoff_kv_log_key ON kickoff_kv_log (key, id)",
    // Delivery marks (see `crate::backend::Delivery`), keyed by task id.
    "CREATE TABLE IF NOT EXISTS kickoff_queue_runs (
        task_id TEXT PRIMARY KEY, deliveries INTEGER NOT NULL, finished INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID",
    // Dead letters the database could not take, keyed by prefix, job and attempt.
    "CREATE TABLE IF NOT EXISTS kickoff_outbox (key TEXT PRIMARY KEY, entry TEXT NOT NULL) WITHOUT ROWID",
];

/// Inserts a ready job in apalis-sqlite's layout. `max_attempts` is apalis's own
/// retry budget, used only when recording an outcome fails (the database briefly
/// unreachable): our handlers always report success to apalis.
const INSERT_READY: &str = "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority, metadata) \
     VALUES (?1, ?2, ?3, 'Pending', 0, 25, strftime('%s', 'now'), 0, '{}')";

const HASH_SET: &str = "INSERT INTO kickoff_kv_hash (key, field, value) VALUES (?1, ?2, ?3) \
     ON CONFLICT (key, field) DO UPDATE SET value = excluded.value";
const HASH_INCR: &str = "INSERT INTO kickoff_kv_hash (key, field, value) VALUES (?1, ?2, ?3) \
     ON CONFLICT (key, field) DO UPDATE SET value = value + excluded.value";
const HASH_SET_IF_ABSENT: &str =
    "INSERT OR IGNORE INTO kickoff_kv_hash (key, field, value) VALUES (?1, ?2, ?3)";
const HASH_SET_MAX: &str = "INSERT INTO kickoff_kv_hash (key, field, value) VALUES (?1, ?2, ?3) \
     ON CONFLICT (key, field) DO UPDATE SET value = MAX(value, excluded.value)";

/// The condition of a job row that waits for a worker: pending, or failed with attempts
/// left (apalis-sqlite retries those in place). A macro so it joins literals in `concat!`.
macro_rules! waiting_job {
    () => {
        "(status = 'Pending' OR (status = 'Failed' AND attempts < max_attempts))"
    };
}
pub(crate) use waiting_job;

/// The condition of a job row that is finished for good: done, killed, or failed with
/// no attempt left. Vacuum deletes these.
macro_rules! finished_job {
    () => {
        "(status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts))"
    };
}

/// Attempts of a write that finds the file busy: with pauses capped at 500 ms, about
/// 20 s beyond SQLite's own busy timeout.
const BUSY_RETRIES: u32 = 45;

/// Evaluates the write `$op` (a future) again while SQLite reports the file busy.
macro_rules! while_busy {
    ($op:expr) => {{
        let mut tries = 0;
        loop {
            match $op.await.map_err(QueueError::from) {
                Err(e) if is_busy(&e) && tries < BUSY_RETRIES => {
                    busy_pause(tries).await;
                    tries += 1;
                }
                other => break other,
            }
        }
    }};
}

/// Runs `op` again while it finds the file busy, as `while_busy!` does.
pub(crate) async fn retry_busy<T, F, Fut>(mut op: F) -> Result<T, QueueError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, QueueError>>,
{
    while_busy!(op())
}

/// Finished rows deleted per vacuum pass at most.
const VACUUM_CHUNK: i64 = 5_000;

/// A handle on the embedded queues under one prefix. Cheap to clone.
#[derive(Clone, Debug)]
pub struct EmbeddedQueues {
    pool: SqlitePool,
    prefix: String,
    idempotency_ttl: Duration,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl EmbeddedQueues {
    /// Opens the queues on `pool` (normally the pool the data uses), creating their
    /// tables when missing.
    pub async fn open(pool: SqlitePool, prefix: impl Into<String>) -> Result<Self, QueueError> {
        let mut migrator = apalis_sqlite::SqliteStorage::migrations();
        migrator.dangerous_set_table_name("kickoff_apalis_migrations");
        migrator.run(&pool).await?;
        for ddl in SCHEMA.iter().chain(&events::DDL) {
            sqlx::query(*ddl).execute(&pool).await?;
        }
        Ok(Self { pool, prefix: prefix.into(), idempotency_ttl: Duration::from_secs(24 * 3600) })
    }

    pub fn with_idempotency_ttl(mut self, ttl: Duration) -> Self {
        self.idempotency_ttl = ttl;
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn with_prefix(&self, prefix: impl Into<String>) -> Self {
        Self { prefix: prefix.into(), ..self.clone() }
    }

    /// The pool workers consume from.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The apalis queue name (`Jobs.job_type`) of `queue`.
    pub fn queue_key(&self, queue: &str) -> String {
        format!("{}{queue}", self.prefix)
    }

    pub(crate) fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn enqueue_once(&self, envelope: &Envelope, opts: &EnqueueOptions) -> Result<Enqueued, QueueError> {
        let queue = crate::catalogue::queue_of(&envelope.kind).unwrap_or(crate::queues::MAINTENANCE);
        let task_id = ulid::Ulid::generate().to_string();
        let payload = serde_json::to_vec(envelope)?;
        let run_at = opts.run_at.filter(|t| *t > Utc::now());
        let mut tx = self.pool.begin().await?;
        if let Some(k) = &opts.idempotency_key {
            let won = claim_in(&mut tx, &self.key(&format!("idem:{k}")), &envelope.id, self.idempotency_ttl)
                .await?;
            if !won {
                return Ok(Enqueued::Duplicate { key: k.clone() });
            }
        }
        match run_at {
            Some(at) => {
                sqlx::query(
                    "INSERT INTO kickoff_queue_scheduled (task_id, job_type, run_at_ms, retry, payload) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .bind(&task_id)
                .bind(self.queue_key(queue))
                .bind(at.timestamp_millis())
                .bind(envelope.attempt > 1)
                .bind(payload)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(INSERT_READY)
                    .bind(payload)
                    .bind(&task_id)
                    .bind(self.queue_key(queue))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        metrics::counter!("kickoff_jobs_enqueued_total", "queue" => queue, "kind" => envelope.kind.clone())
            .increment(1);
        Ok(Enqueued::Queued { id: envelope.id.clone(), queue: queue.to_owned(), run_at })
    }

    async fn promote_once(&self, queue: &str) -> Result<u64, QueueError> {
        let (job_type, now) = (self.queue_key(queue), now_ms());
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority, metadata) \
             SELECT payload, task_id, job_type, 'Pending', 0, 25, strftime('%s', 'now'), 0, '{}' \
             FROM kickoff_queue_scheduled WHERE job_type = ?1 AND run_at_ms <= ?2 ORDER BY run_at_ms",
        )
        .bind(&job_type)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved > 0 {
            sqlx::query("DELETE FROM kickoff_queue_scheduled WHERE job_type = ?1 AND run_at_ms <= ?2")
                .bind(&job_type)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Runs one of the `kickoff_kv_hash` upserts (`?1` key, `?2` field, `?3` value).
    async fn hash_write(
        &self,
        sql: &'static str,
        key: &str,
        field: &str,
        value: i64,
    ) -> Result<(), QueueError> {
        sqlx::query(sql).bind(self.key(key)).bind(field).bind(value).execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) async fn hash_incr(&self, key: &str, field: &str, by: i64) -> Result<(), QueueError> {
        self.hash_write(HASH_INCR, key, field, by).await
    }

    async fn claim_once(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, QueueError> {
        let mut tx = self.pool.begin().await?;
        let won = claim_in(&mut tx, &self.key(key), value, ttl).await?;
        tx.commit().await?;
        Ok(won)
    }
}

impl JobQueue for EmbeddedQueues {
    /// Enqueues `envelope` (see [`crate::QueueClient::enqueue`]); retried while other
    /// writers hold the file.
    async fn enqueue(&self, envelope: &Envelope, opts: &EnqueueOptions) -> Result<Enqueued, QueueError> {
        while_busy!(self.enqueue_once(envelope, opts))
    }

    /// Moves due delayed jobs of `queue` into `Jobs`, in one transaction.
    async fn promote_due(&self, queue: &str) -> Result<u64, QueueError> {
        while_busy!(self.promote_once(queue))
    }

    async fn depth(&self, queue: &str) -> Result<u64, QueueError> {
        let row = sqlx::query(concat!(
            "SELECT (SELECT COUNT(*) FROM Jobs WHERE job_type = ?1 AND ",
            waiting_job!(),
            ") + (SELECT COUNT(*) FROM kickoff_queue_scheduled WHERE job_type = ?1)"
        ))
        .bind(self.queue_key(queue))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>(0)?.max(0) as u64)
    }

    async fn pause(&self, queue: &str) -> Result<(), QueueError> {
        self.hash_set(&format!("{queue}:flags"), "paused", 1).await
    }

    async fn resume(&self, queue: &str) -> Result<(), QueueError> {
        sqlx::query("DELETE FROM kickoff_kv_hash WHERE key = ?1 AND field = 'paused'")
            .bind(self.key(&format!("{queue}:flags")))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn is_paused(&self, queue: &str) -> Result<bool, QueueError> {
        Ok(self.hash_get_all(&format!("{queue}:flags")).await?.get("paused").is_some_and(|v| *v != 0))
    }

    async fn record_dead(&self, queue: &str) -> Result<(), QueueError> {
        self.hash_incr(&format!("{queue}:count"), "dead", 1).await
    }

    /// Counts successes in minute buckets (the field is the unix minute).
    /// Deletes finished rows of `queue` (apalis-sqlite keeps them forever), done-counter
    /// buckets older than a day and expired claims.
    async fn vacuum(&self, queue: &str) -> Result<u64, QueueError> {
        let deleted = sqlx::query(concat!(
            "DELETE FROM Jobs WHERE ROWID IN (SELECT ROWID FROM Jobs WHERE job_type = ?1 AND ",
            finished_job!(),
            " LIMIT ?2)"
        ))
        .bind(self.queue_key(queue))
        .bind(VACUUM_CHUNK)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let now = Utc::now().timestamp();
        let old_buckets = [
            (format!("{queue}:done"), now / 60 - 24 * 60),
            (format!("{queue}:failed"), now / 60 - 24 * 60),
            (format!("{queue}:done:h"), (now - crate::series::HOURS_KEPT_SECS) / 3600),
            (format!("{queue}:failed:h"), (now - crate::series::HOURS_KEPT_SECS) / 3600),
        ];
        for (key, before) in old_buckets {
            sqlx::query("DELETE FROM kickoff_kv_hash WHERE key = ?1 AND CAST(field AS INTEGER) < ?2")
                .bind(self.key(&key))
                .bind(before)
                .execute(&self.pool)
                .await?;
        }
        sqlx::query("DELETE FROM kickoff_kv_claims WHERE expires_at_ms < ?1")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        // Marks of tasks whose row is gone: acknowledged and vacuumed, never delivered again.
        sqlx::query("DELETE FROM kickoff_queue_runs WHERE task_id NOT IN (SELECT id FROM Jobs)")
            .execute(&self.pool)
            .await?;
        Ok(deleted)
    }

    /// Finished rows still stored (what a vacuum would delete).
    async fn finished_kept(&self, queue: &str) -> Result<u64, QueueError> {
        let n: i64 = sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM Jobs WHERE job_type = ?1 AND ",
            finished_job!()
        ))
        .bind(self.queue_key(queue))
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn stats(&self, queue: &str) -> Result<QueueStats, QueueError> {
        let job_type = self.queue_key(queue);
        let now = Utc::now();
        let (now_ms, now_s) = (now.timestamp_millis(), now.timestamp());
        // One read transaction: promotion runs concurrently and the counts must add up.
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            concat!(
                "SELECT (SELECT COUNT(*) FROM Jobs WHERE job_type = ?1 AND ",
                waiting_job!(),
                "), \
               (SELECT COUNT(*) FROM kickoff_queue_scheduled WHERE job_type = ?1 AND run_at_ms <= ?2), \
               (SELECT COUNT(*) FROM kickoff_queue_scheduled WHERE job_type = ?1 AND run_at_ms > ?2), \
               (SELECT COUNT(*) FROM kickoff_queue_scheduled WHERE job_type = ?1 AND run_at_ms > ?2 AND retry), \
               (SELECT COUNT(*) FROM Jobs j JOIN Workers w ON j.lock_by = w.id WHERE j.job_type = ?1 \
                  AND j.status IN ('Queued', 'Running') AND ?3 - w.last_seen <= ?4), \
               (SELECT COUNT(*) FROM Workers WHERE worker_type = ?1 AND ?3 - last_seen <= ?4), \
               (SELECT MIN(run_at_ms) FROM kickoff_queue_scheduled WHERE job_type = ?1 AND run_at_ms <= ?2), \
               (SELECT job FROM Jobs WHERE job_type = ?1 AND status = 'Pending' ORDER BY ROWID LIMIT 1)"
            ),
        )
        .bind(&job_type)
        .bind(now_ms)
        .bind(now_s)
        // A killed worker stops counting once it would be orphaned, not a minute later.
        .bind(EMBEDDED_ORPHAN_AFTER.as_secs() as i64)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let count = |i: usize| -> Result<u64, QueueError> { Ok(row.try_get::<i64, _>(i)?.max(0) as u64) };
        let first_due: Option<i64> = row.try_get(6)?;
        let head: Option<Vec<u8>> = row.try_get(7)?;
        let mut oldest = head
            .and_then(|p| serde_json::from_slice::<Envelope>(&p).ok())
            .map(|e| (now - e.enqueued_at).num_milliseconds().max(0) as f64 / 1000.0);
        if let Some(at) = first_due {
            let age = (now_ms - at).max(0) as f64 / 1000.0;
            oldest = Some(oldest.map_or(age, |o| o.max(age)));
        }
        let minute = now_s / 60;
        let done = self.hash_get_all(&format!("{queue}:done")).await?;
        let done_since = |from: i64| -> u64 {
            done.iter()
                .filter(|(m, _)| m.parse::<i64>().is_ok_and(|m| m > from))
                .map(|(_, n)| (*n).max(0) as u64)
                .sum()
        };
        let dead = self.hash_get_all(&format!("{queue}:count")).await?.get("dead").copied().unwrap_or(0);
        Ok(QueueStats {
            queue: queue.to_owned(),
            pending: count(0)? + count(1)?,
            scheduled: count(2)?,
            retrying: count(3)?,
            running: count(4)?,
            dead: dead.max(0) as u64,
            done_last_hour: done_since(minute - 60),
            done_last_day: done_since(minute - 24 * 60),
            oldest_pending_secs: oldest,
            paused: self.is_paused(queue).await?,
            workers: count(5)?,
        })
    }

    /// Refreshes a registered worker's heartbeat (apalis-sqlite's `Workers.last_seen`,
    /// unix seconds); an unknown worker is not added.
    async fn keep_alive(&self, queue: &str, worker: &str) -> Result<(), QueueError> {
        let key = self.queue_key(queue);
        while_busy!(
            sqlx::query(
                "UPDATE Workers SET last_seen = strftime('%s', 'now') WHERE id = ?1 AND worker_type = ?2"
            )
            .bind(worker)
            .bind(&key)
            .execute(&self.pool)
        )?;
        Ok(())
    }

    /// apalis-sqlite's worker rows of `queue`, with the jobs each holds.
    /// Jobs of workers silent for [`EMBEDDED_ORPHAN_AFTER`] go back to waiting, in their first
    /// order (apalis-sqlite fetches by `run_at`, so they are first again), and the
    /// workers' rows go. apalis-sqlite does the same at its heartbeat; one host's clock
    /// judges both.
    async fn sweep_orphans(&self, queue: &str) -> Result<u64, QueueError> {
        let limit = EMBEDDED_ORPHAN_AFTER.as_secs() as i64;
        let job_type = self.queue_key(queue);
        let moved = while_busy!(
            sqlx::query(
                "UPDATE Jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL WHERE lock_by IN \
                 (SELECT id FROM Workers WHERE worker_type = ?1 AND strftime('%s', 'now') - last_seen > ?2) \
                 AND status IN ('Queued', 'Running')",
            )
            .bind(&job_type)
            .bind(limit)
            .execute(&self.pool)
        )?
        .rows_affected();
        while_busy!(
            sqlx::query(
                "DELETE FROM Workers WHERE worker_type = ?1 AND strftime('%s', 'now') - last_seen > ?2"
            )
            .bind(&job_type)
            .bind(limit)
            .execute(&self.pool)
        )?;
        Ok(moved)
    }

    async fn hand_back(&self, queue: &str, worker: &str) -> Result<u64, QueueError> {
        let job_type = self.queue_key(queue);
        let moved = while_busy!(
            sqlx::query(
                "UPDATE Jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL \
                 WHERE lock_by = ?1 AND job_type = ?2 AND status IN ('Queued', 'Running')",
            )
            .bind(worker)
            .bind(&job_type)
            .execute(&self.pool)
        )?
        .rows_affected();
        while_busy!(
            sqlx::query("DELETE FROM Workers WHERE id = ?1 AND worker_type = ?2")
                .bind(worker)
                .bind(&job_type)
                .execute(&self.pool)
        )?;
        Ok(moved)
    }

    async fn begin_delivery(&self, _queue: &str, task: &str) -> Result<Delivery, QueueError> {
        let row = while_busy!(
            sqlx::query(
                "INSERT INTO kickoff_queue_runs (task_id, deliveries) VALUES (?1, 1) ON CONFLICT (task_id) \
                 DO UPDATE SET deliveries = deliveries + 1 RETURNING deliveries, finished",
            )
            .bind(task)
            .fetch_one(&self.pool)
        )?;
        Ok(Delivery {
            deliveries: row.try_get::<i64, _>(0)?.clamp(0, i64::from(u32::MAX)) as u32,
            finished: row.try_get::<i64, _>(1)? != 0,
        })
    }

    async fn finish_delivery(&self, _queue: &str, task: &str) -> Result<(), QueueError> {
        while_busy!(
            sqlx::query("UPDATE kickoff_queue_runs SET finished = 1 WHERE task_id = ?1")
                .bind(task)
                .execute(&self.pool)
        )?;
        Ok(())
    }

    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), QueueError> {
        let json = serde_json::to_string(entry)?;
        while_busy!(
            sqlx::query("INSERT OR IGNORE INTO kickoff_outbox (key, entry) VALUES (?1, ?2)")
                .bind(self.key(&entry.key()))
                .bind(&json)
                .execute(&self.pool)
        )?;
        Ok(())
    }

    async fn outbox_list(&self, limit: usize) -> Result<Vec<OutboxEntry>, QueueError> {
        let like = format!("{}%", self.prefix.replace('%', "\\%").replace('_', "\\_"));
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, entry FROM kickoff_outbox WHERE key LIKE ?1 ESCAPE '\\' LIMIT ?2")
                .bind(like)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (key, entry) in rows {
            match serde_json::from_str::<OutboxEntry>(&entry) {
                Ok(e) => out.push(e),
                Err(e) => tracing::warn!(%key, error = %e, "undecodable dead-letter outbox entry"),
            }
        }
        Ok(out)
    }

    async fn given_up(
        &self,
        queue: &str,
        limit: usize,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, QueueError> {
        let rows: Vec<(String, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT id, job FROM Jobs WHERE job_type = ?1 AND status = 'Failed' AND attempts >= max_attempts LIMIT ?2",
        )
        .bind(self.queue_key(queue))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// `Killed` is finished: the vacuum deletes the row.
    async fn forget_given_up(&self, queue: &str, task: &str) -> Result<(), QueueError> {
        while_busy!(
            sqlx::query("UPDATE Jobs SET status = 'Killed' WHERE id = ?1 AND job_type = ?2")
                .bind(task)
                .bind(self.queue_key(queue))
                .execute(&self.pool)
        )?;
        Ok(())
    }

    async fn outbox_remove(&self, key: &str) -> Result<(), QueueError> {
        while_busy!(
            sqlx::query("DELETE FROM kickoff_outbox WHERE key = ?1").bind(self.key(key)).execute(&self.pool)
        )?;
        Ok(())
    }

    async fn workers(&self, queue: &str) -> Result<Vec<WorkerInfo>, QueueError> {
        let rows = sqlx::query(
            "SELECT w.id, w.last_seen, (SELECT COUNT(*) FROM Jobs j WHERE j.lock_by = w.id \
               AND j.status IN ('Queued', 'Running')) FROM Workers w WHERE w.worker_type = ?1",
        )
        .bind(self.queue_key(queue))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let seen: i64 = r.try_get(1)?;
            let Some(last_seen) = DateTime::from_timestamp(seen, 0) else { continue };
            let in_flight = r.try_get::<i64, _>(2)?.max(0) as u64;
            out.push(WorkerInfo::new(r.try_get(0)?, queue, last_seen, in_flight));
        }
        Ok(out)
    }

    /// Deletes every job, worker and key under this prefix.
    async fn flush_all(&self) -> Result<u64, QueueError> {
        let like = format!("{}%", self.prefix.replace('%', "\\%").replace('_', "\\_"));
        let mut tx = self.pool.begin().await?;
        let mut deleted = 0;
        for sql in [
            "DELETE FROM Jobs WHERE job_type LIKE ?1 ESCAPE '\\'",
            "DELETE FROM Workers WHERE worker_type LIKE ?1 ESCAPE '\\'",
            "DELETE FROM kickoff_queue_scheduled WHERE job_type LIKE ?1 ESCAPE '\\'",
            "DELETE FROM kickoff_kv_hash WHERE key LIKE ?1 ESCAPE '\\'",
            "DELETE FROM kickoff_kv_claims WHERE key LIKE ?1 ESCAPE '\\'",
            "DELETE FROM kickoff_kv_log WHERE key LIKE ?1 ESCAPE '\\'",
            "DELETE FROM kickoff_outbox WHERE key LIKE ?1 ESCAPE '\\'",
            "DELETE FROM kickoff_events WHERE channel LIKE ?1 ESCAPE '\\'",
        ] {
            deleted += sqlx::query(sql).bind(&like).execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Appends the event to the file's events table, which API processes tail.
    async fn publish(&self, channel: &str, payload: &str) -> Result<(), QueueError> {
        while_busy!(self.append_event(channel, payload))
    }
}

impl SharedState for EmbeddedQueues {
    async fn hash_get_all(&self, key: &str) -> Result<HashMap<String, i64>, QueueError> {
        let rows = sqlx::query("SELECT field, value FROM kickoff_kv_hash WHERE key = ?1")
            .bind(self.key(key))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?))).collect()
    }

    async fn hash_set(&self, key: &str, field: &str, value: i64) -> Result<(), QueueError> {
        self.hash_write(HASH_SET, key, field, value).await
    }

    /// Sets `field` unless it exists; true when this call set it.
    async fn hash_set_if_absent(&self, key: &str, field: &str, value: i64) -> Result<bool, QueueError> {
        let done = while_busy!(
            sqlx::query(HASH_SET_IF_ABSENT).bind(self.key(key)).bind(field).bind(value).execute(&self.pool)
        )?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes `field`; true when it existed.
    async fn hash_del(&self, key: &str, field: &str) -> Result<bool, QueueError> {
        let done = while_busy!(
            sqlx::query("DELETE FROM kickoff_kv_hash WHERE key = ?1 AND field = ?2")
                .bind(self.key(key))
                .bind(field)
                .execute(&self.pool)
        )?;
        Ok(done.rows_affected() > 0)
    }

    async fn hash_incr_stamped(
        &self,
        key: &str,
        field: &str,
        by: i64,
        stamp_field: &str,
        stamp: i64,
    ) -> Result<(), QueueError> {
        let mut tx = self.pool.begin().await?;
        for (f, v, sql) in [(field, by, HASH_INCR), (stamp_field, stamp, HASH_SET)] {
            sqlx::query(sql).bind(self.key(key)).bind(f).bind(v).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn hash_set_max(&self, key: &str, field: &str, value: i64) -> Result<(), QueueError> {
        self.hash_write(HASH_SET_MAX, key, field, value).await
    }

    /// Reserves the next slot of a rate-limit bucket (GCRA, as on Redis); returns how
    /// long to wait before using it. One host shares the file, so its clock is common.
    async fn reserve_slot(&self, key: &str, interval: Duration, burst: u32) -> Result<Duration, QueueError> {
        let interval_ms = interval.as_millis().max(1) as i64;
        let tolerance = (i64::from(burst.max(1)) - 1) * interval_ms;
        let now = now_ms();
        let row = while_busy!(
            sqlx::query(
                "INSERT INTO kickoff_kv_hash (key, field, value) VALUES (?1, 'tat', ?2 + ?3) \
                 ON CONFLICT (key, field) DO UPDATE SET value = MAX(value, ?2) + ?3 RETURNING value",
            )
            .bind(self.key(key))
            .bind(now)
            .bind(interval_ms)
            .fetch_one(&self.pool)
        )?;
        let tat_before = row.try_get::<i64, _>(0)? - interval_ms;
        Ok(Duration::from_millis((tat_before - tolerance - now).max(0) as u64))
    }

    async fn claim(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, QueueError> {
        while_busy!(self.claim_once(key, value, ttl))
    }

    async fn release(&self, key: &str) -> Result<(), QueueError> {
        while_busy!(
            sqlx::query("DELETE FROM kickoff_kv_claims WHERE key = ?1")
                .bind(self.key(key))
                .execute(&self.pool)
        )?;
        Ok(())
    }

    async fn log_push(&self, key: &str, entry: &str) -> Result<(), QueueError> {
        sqlx::query("INSERT INTO kickoff_kv_log (key, entry) VALUES (?1, ?2)")
            .bind(self.key(key))
            .bind(entry)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn log_range(&self, key: &str) -> Result<Vec<String>, QueueError> {
        let rows = sqlx::query("SELECT entry FROM kickoff_kv_log WHERE key = ?1 ORDER BY id")
            .bind(self.key(key))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>(0)?)).collect()
    }
}

/// Whether `e` is SQLite's "database is locked" (another writer held the file past
/// the busy timeout, or a read snapshot could not be upgraded).
fn is_busy(e: &QueueError) -> bool {
    match e {
        QueueError::Sqlite(sqlx::Error::Database(d)) => {
            d.code().is_some_and(|c| c == "5" || c == "517" || c == "6" || c == "262")
        }
        _ => false,
    }
}

/// Waits before attempt `tries + 1` of a write that found the file busy: growing
/// jittered pauses, because SQLite's own busy wait is unfair and one writer among
/// many can starve past it.
async fn busy_pause(tries: u32) {
    let pause = Duration::from_millis(5 << tries.min(7)).min(Duration::from_millis(500));
    tokio::time::sleep(pause.mul_f64(0.5 + rand::random::<f64>() / 2.0)).await;
}

/// Claims `key` inside `tx` unless a live claim holds it (an expired one is replaced).
async fn claim_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    key: &str,
    value: &str,
    ttl: Duration,
) -> Result<bool, QueueError> {
    let now = now_ms();
    let expires = now + ttl.as_millis().min(i64::MAX as u128) as i64;
    let changed = sqlx::query(
        "INSERT INTO kickoff_kv_claims (key, value, expires_at_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at_ms = excluded.expires_at_ms \
         WHERE kickoff_kv_claims.expires_at_ms < ?4",
    )
    .bind(key)
    .bind(value)
    .bind(expires)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}
