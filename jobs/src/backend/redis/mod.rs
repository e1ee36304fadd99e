//! The Redis side of the queues: enqueueing, promotion of due jobs, pause flags,
//! counters and statistics, read straight from the keys.
//!
//! Worker pools consume these queues with apalis-redis (pinned to `=1.0.0`), whose key
//! layout for a queue `q` (the configured prefix + the queue name) is: `q:active` (list
//! of ready ids), `q:scheduled` (zset id → unix seconds), `q:data` (hash id → JSON),
//! `q:meta:{id}` (hash), `q:inflight:{worker}` (set), `q:workers` (zset worker → last
//! heartbeat), `q:done` / `q:dead` (sets). Two of its behaviours are worked around here:
//! - its push puts every job, even an immediate one, in `q:scheduled`, and its fetch
//!   promotes all due ids in one Lua `unpack`, which fails past ~8,000 ids and stops the
//!   worker. Our push writes the same layout but sends immediate jobs straight to
//!   `q:active`, and scores delayed ones in unix *milliseconds*: apalis compares
//!   scores with unix seconds, so it never sees them as due, and `promote_due` (run by
//!   every worker process at the poll interval) moves them in bounded chunks, with
//!   sub-second precision instead of apalis's whole seconds;
//! - its idempotency keys never expire unless a TTL is set and a duplicate push is not
//!   reported. Our push claims `{prefix}idem:{key}` with `SET NX EX` and says so.

mod delivery;
mod marks;
pub mod server;
pub mod tls;

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use crate::backend::{Delivery, JobQueue, OutboxEntry, SharedState};
use crate::client::{EnqueueOptions, Enqueued, QueueError, QueueStats, WorkerInfo};
use crate::envelope::Envelope;
use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

/// Immediate jobs go to the active list, later ones to the scheduled set; an
/// idempotency key, when given, is claimed first.
/// A delayed retry is also marked in the retrying set (statistics).
/// KEYS: data, active, signal, meta prefix, scheduled, idempotency key (or ""), retrying set
/// ARGV: task id, payload, run_at (unix ms, 0 = now), idempotency ttl (s), "1" if a retry
const PUSH: &str = r#"
if KEYS[6] ~= "" then
  if not redis.call("set", KEYS[6], ARGV[1], "NX", "EX", tonumber(ARGV[4])) then
    return 0
  end
end
if redis.call("hsetnx", KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call("hset", KEYS[4] .. ":" .. ARGV[1], "attempts", 0, "max_attempts", 1, "status", "Pending")
local run_at = tonumber(ARGV[3])
if run_at > 0 then
  redis.call("zadd", KEYS[5], run_at, ARGV[1])
  if ARGV[5] == "1" then
    redis.call("sadd", KEYS[7], ARGV[1])
  end
else
  redis.call("rpush", KEYS[2], ARGV[1])
  redis.call("del", KEYS[3])
  redis.call("lpush", KEYS[3], 1)
end
return 1
"#;

/// Moves up to ARGV[2] ids due by ARGV[1] from the scheduled set to the active list.
const PROMOTE: &str = r#"
local ids = redis.call("zrangebyscore", KEYS[1], 0, ARGV[1], "LIMIT", 0, tonumber(ARGV[2]))
if #ids > 0 then
  redis.call("rpush", KEYS[2], unpack(ids))
  redis.call("zrem", KEYS[1], unpack(ids))
end
return #ids
"#;

/// Removes up to ARGV[1] finished task ids from the done set with their payload and
/// metadata (apalis-redis keeps them forever).
/// KEYS: done set, data hash, meta prefix, delivery-mark prefix
const VACUUM: &str = r#"
local ids = redis.call("spop", KEYS[1], tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  redis.call("hdel", KEYS[2], id)
  redis.call("del", KEYS[3] .. ":" .. id)
  redis.call("del", KEYS[4] .. ":" .. id)
end
return #ids
"#;

// Compiled (hashed) once: enqueue is on every job's path.
static PUSH_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(PUSH));
static PROMOTE_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(PROMOTE));
static SET_MAX_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "local cur = tonumber(redis.call('hget', KEYS[1], ARGV[1]) or '0') \
         if tonumber(ARGV[2]) > cur then redis.call('hset', KEYS[1], ARGV[1], ARGV[2]) end return 0",
    )
});
/// GCRA rate limiter: reserves the next slot of a bucket and returns how long the
/// caller must wait for it (ms). Redis's clock is the one clock of all processes.
/// KEYS: bucket; ARGV: interval ms, burst, ttl ms
static RESERVE_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local t = redis.call("time")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = (tonumber(ARGV[2]) - 1) * interval
local tat = tonumber(redis.call("get", KEYS[1]) or "0")
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
redis.call("set", KEYS[1], tat + interval, "PX", tonumber(ARGV[3]))
return wait
"#,
    )
});
static VACUUM_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(VACUUM));

/// apalis-redis's global index of queues (outside any prefix).
const APALIS_QUEUE_INDEX: &str = "core:apalis:queues:list";

/// Ids moved per promotion step: far below the Lua `unpack` limit.
pub const PROMOTE_CHUNK: usize = 1_000;

/// A handle on the Redis queues under one prefix. Cheap to clone.
#[derive(Clone)]
pub struct RedisQueues {
    conn: ConnectionManager,
    prefix: String,
    idempotency_ttl: Duration,
    marks: marks::MarkWriter,
}

/// Connects to `url` in the clear or with the system's TLS roots; see [`connect_client`].
pub async fn connect(url: &str) -> Result<ConnectionManager, redis::RedisError> {
    connect_client(redis::Client::open(url)?).await
}

/// Connects with explicit timeouts (the client default of 500 ms per response ends a
/// worker on any stall) and reconnection with backoff.
pub async fn connect_client(client: redis::Client) -> Result<ConnectionManager, redis::RedisError> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(Duration::from_secs(10)))
        .set_number_of_retries(6)
        .set_max_delay(Duration::from_secs(2));
    client.get_connection_manager_with_config(config).await
}

fn minute_bucket(t: DateTime<Utc>) -> i64 {
    t.timestamp() / 60
}

fn hour_bucket(t: DateTime<Utc>) -> i64 {
    t.timestamp() / 3600
}

impl RedisQueues {
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
            idempotency_ttl: Duration::from_secs(24 * 3600),
            marks: marks::MarkWriter::default(),
        }
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

    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The apalis queue name (and key prefix) of `queue`.
    pub fn queue_key(&self, queue: &str) -> String {
        format!("{}{queue}", self.prefix)
    }

    pub(crate) fn key(&self, queue: &str, suffix: &str) -> String {
        format!("{}{queue}:{suffix}", self.prefix)
    }

    /// Runs `script` with `keys`, `args` and a chunk size as its last argument until it
    /// reports a short chunk; returns the total it reported.
    async fn in_chunks(
        &self,
        script: &redis::Script,
        keys: &[String],
        args: &[i64],
    ) -> Result<u64, QueueError> {
        let mut total = 0u64;
        loop {
            let mut invocation = script.prepare_invoke();
            for k in keys {
                invocation.key(k);
            }
            for a in args {
                invocation.arg(*a);
            }
            let n: u64 = invocation.arg(PROMOTE_CHUNK).invoke_async(&mut self.conn.clone()).await?;
            total += n;
            if n < PROMOTE_CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    /// Age of the oldest ready job: the head of the active list (its envelope's
    /// enqueue time) or the oldest due scheduled job, whichever is older.
    async fn oldest_pending(&self, queue: &str, now_ms: i64) -> Result<Option<f64>, QueueError> {
        let mut conn = self.conn.clone();
        let head: Option<String> = conn.lindex(self.key(queue, "active"), 0).await?;
        let mut oldest: Option<f64> = None;
        if let Some(id) = head {
            let data: Option<Vec<u8>> = conn.hget(self.key(queue, "data"), &id).await?;
            if let Some(env) = data.and_then(|d| serde_json::from_slice::<Envelope>(&d).ok()) {
                oldest = Some((Utc::now() - env.enqueued_at).num_milliseconds().max(0) as f64 / 1000.0);
            }
        }
        let first_due: Vec<(String, f64)> =
            conn.zrangebyscore_limit_withscores(self.key(queue, "scheduled"), "-inf", now_ms, 0, 1).await?;
        if let Some((_, at)) = first_due.first() {
            let age = (now_ms as f64 - at).max(0.0) / 1000.0;
            oldest = Some(oldest.map_or(age, |o: f64| o.max(age)));
        }
        Ok(oldest)
    }
}

impl JobQueue for RedisQueues {
    /// Enqueues an envelope on its kind's queue. Each delivery gets a fresh task id
    /// (apalis ignores a repeated id); the job's identity is `envelope.id`.
    async fn enqueue(&self, envelope: &Envelope, opts: &EnqueueOptions) -> Result<Enqueued, QueueError> {
        let queue = crate::catalogue::queue_of(&envelope.kind).unwrap_or(crate::queues::MAINTENANCE);
        let task_id = ulid::Ulid::generate().to_string();
        let payload = serde_json::to_vec(envelope)?;
        let run_at = opts.run_at.filter(|t| *t > Utc::now());
        let idem =
            opts.idempotency_key.as_ref().map(|k| format!("{}idem:{k}", self.prefix)).unwrap_or_default();
        let done: i64 = PUSH_SCRIPT
            .key(self.key(queue, "data"))
            .key(self.key(queue, "active"))
            .key(self.key(queue, "signal"))
            .key(self.key(queue, "meta"))
            .key(self.key(queue, "scheduled"))
            .key(&idem)
            .key(self.key(queue, "retrying"))
            .arg(&task_id)
            .arg(payload)
            .arg(run_at.map(|t| t.timestamp_millis()).unwrap_or(0))
            .arg(self.idempotency_ttl.as_secs().max(1))
            // Later attempts of a job are retries; only delayed ones wait in the scheduled set.
            .arg(if envelope.attempt > 1 { "1" } else { "0" })
            .invoke_async(&mut self.conn.clone())
            .await?;
        if done == 1 {
            metrics::counter!("kickoff_jobs_enqueued_total", "queue" => queue, "kind" => envelope.kind.clone()).increment(1);
            Ok(Enqueued::Queued { id: envelope.id.clone(), queue: queue.to_owned(), run_at })
        } else {
            Ok(Enqueued::Duplicate { key: opts.idempotency_key.clone().unwrap_or_default() })
        }
    }

    /// Moves due scheduled jobs of `queue` to its active list in bounded chunks;
    /// returns how many moved.
    async fn promote_due(&self, queue: &str) -> Result<u64, QueueError> {
        let keys = [self.key(queue, "scheduled"), self.key(queue, "active")];
        self.in_chunks(&PROMOTE_SCRIPT, &keys, &[Utc::now().timestamp_millis()]).await
    }

    /// Jobs waiting in `queue`: ready plus scheduled (one round trip).
    async fn depth(&self, queue: &str) -> Result<u64, QueueError> {
        let (active, scheduled): (u64, u64) = redis::pipe()
            .atomic()
            .llen(self.key(queue, "active"))
            .zcard(self.key(queue, "scheduled"))
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(active + scheduled)
    }

    /// Pauses `queue` for every worker process.
    async fn pause(&self, queue: &str) -> Result<(), QueueError> {
        let _: () = self.conn.clone().set(self.key(queue, "paused"), 1).await?;
        Ok(())
    }

    async fn resume(&self, queue: &str) -> Result<(), QueueError> {
        let _: () = self.conn.clone().del(self.key(queue, "paused")).await?;
        Ok(())
    }

    async fn is_paused(&self, queue: &str) -> Result<bool, QueueError> {
        Ok(self.conn.clone().exists(self.key(queue, "paused")).await?)
    }

    /// Counts a dead-lettered job for the statistics.
    async fn record_dead(&self, queue: &str) -> Result<(), QueueError> {
        let _: () = self.conn.clone().incr(self.key(queue, "count:dead"), 1).await?;
        Ok(())
    }

    /// Deletes finished tasks' payloads and metadata from `queue`, in chunks; returns
    /// how many went.
    async fn vacuum(&self, queue: &str) -> Result<u64, QueueError> {
        let keys = [
            self.key(queue, "done"),
            self.key(queue, "data"),
            self.key(queue, "meta"),
            self.key(queue, "run"),
        ];
        self.in_chunks(&VACUUM_SCRIPT, &keys, &[]).await
    }

    /// Finished tasks still holding their payload and metadata.
    async fn finished_kept(&self, queue: &str) -> Result<u64, QueueError> {
        Ok(self.conn.clone().scard(self.key(queue, "done")).await?)
    }

    /// Statistics of `queue`, read from the keys.
    async fn stats(&self, queue: &str) -> Result<QueueStats, QueueError> {
        let mut conn = self.conn.clone();
        let now = Utc::now();
        // Workers whose heartbeat (server clock) is older than the orphan limit are gone;
        // their jobs are orphans about to be swept back.
        let (server_ms, beats) = self.beats(queue).await?;
        let limit = crate::backend::ORPHAN_AFTER.as_millis() as i64;
        let live: Vec<&String> =
            beats.iter().filter(|(_, at)| server_ms - at <= limit).map(|(w, _)| w).collect();
        let mut running = 0u64;
        for w in &live {
            running += conn.scard::<_, u64>(self.key(queue, &format!("inflight:{w}"))).await?;
        }

        let now_ms = now.timestamp_millis();
        // One transaction: promotion runs concurrently, and counts read apart would not
        // add up (a job could be counted both ready and scheduled, or neither).
        let (active, due, scheduled_all): (u64, u64, u64) = redis::pipe()
            .atomic()
            .llen(self.key(queue, "active"))
            .zcount(self.key(queue, "scheduled"), "-inf", now_ms)
            .zcard(self.key(queue, "scheduled"))
            .query_async(&mut conn)
            .await?;
        // Retry task ids leave the scheduled set when promoted; keep the set to the live ones.
        let retry_ids: Vec<String> = conn.smembers(self.key(queue, "retrying")).await?;
        let mut retrying = 0u64;
        for id in retry_ids {
            let score: Option<f64> = conn.zscore(self.key(queue, "scheduled"), &id).await?;
            if score.is_some_and(|s| s > now_ms as f64) {
                retrying += 1;
            } else {
                let _: () = conn.srem(self.key(queue, "retrying"), &id).await?;
            }
        }
        let dead: Option<u64> = conn.get(self.key(queue, "count:dead")).await?;
        // Done counts live in minute buckets (last hour) and hour buckets (last day).
        let sum = |counts: Vec<Option<u64>>| counts.into_iter().map(|c| c.unwrap_or(0)).sum::<u64>();
        let (m, h) = (minute_bucket(now), hour_bucket(now));
        let minutes: Vec<String> = (0..60).map(|i| self.key(queue, &format!("done:m:{}", m - i))).collect();
        let hours: Vec<String> = (0..24).map(|i| self.key(queue, &format!("done:h:{}", h - i))).collect();
        let done_last_hour = sum(redis::cmd("MGET").arg(&minutes).query_async(&mut conn).await?);
        let done_last_day = sum(redis::cmd("MGET").arg(&hours).query_async(&mut conn).await?);
        let oldest = self.oldest_pending(queue, now_ms).await?;
        Ok(QueueStats {
            queue: queue.to_owned(),
            pending: active + due,
            scheduled: scheduled_all.saturating_sub(due),
            retrying,
            running,
            dead: dead.unwrap_or(0),
            done_last_hour,
            done_last_day,
            oldest_pending_secs: oldest,
            paused: self.is_paused(queue).await?,
            workers: live.len() as u64,
        })
    }

    /// Publishes `payload` on `{prefix}{channel}`.
    async fn publish(&self, channel: &str, payload: &str) -> Result<(), QueueError> {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(format!("{}{channel}", self.prefix))
            .arg(payload)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    async fn keep_alive(&self, queue: &str, worker: &str) -> Result<(), QueueError> {
        self.beat(queue, worker).await
    }

    async fn sweep_orphans(&self, queue: &str) -> Result<u64, QueueError> {
        self.sweep(queue).await
    }

    async fn hand_back(&self, queue: &str, worker: &str) -> Result<u64, QueueError> {
        self.give_back(queue, worker).await
    }

    async fn begin_delivery(&self, queue: &str, task: &str) -> Result<Delivery, QueueError> {
        self.begin(queue, task).await
    }

    async fn finish_delivery(&self, queue: &str, task: &str) -> Result<(), QueueError> {
        self.finish(queue, task).await
    }

    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), QueueError> {
        self.outbox_add(entry).await
    }

    async fn outbox_list(&self, limit: usize) -> Result<Vec<OutboxEntry>, QueueError> {
        self.outbox_read(limit).await
    }

    async fn outbox_remove(&self, key: &str) -> Result<(), QueueError> {
        self.outbox_delete(key).await
    }

    async fn given_up(
        &self,
        queue: &str,
        limit: usize,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, QueueError> {
        self.apalis_dead(queue, limit).await
    }

    async fn forget_given_up(&self, queue: &str, task: &str) -> Result<(), QueueError> {
        self.forget_apalis_dead(queue, task).await
    }

    /// The workers that registered on `queue` (apalis's registry), their last
    /// heartbeat on the server's clock, and the jobs each holds.
    async fn workers(&self, queue: &str) -> Result<Vec<WorkerInfo>, QueueError> {
        let mut conn = self.conn.clone();
        let registered: Vec<(String, f64)> =
            conn.zrangebyscore_withscores(self.key(queue, "workers"), "-inf", "+inf").await?;
        let (now_ms, beats) = self.beats(queue).await?;
        let beats: HashMap<String, i64> = beats.into_iter().collect();
        let mut out = Vec::with_capacity(registered.len());
        for (name, registered_at) in registered {
            let seen_ms = beats.get(&name).copied().unwrap_or(registered_at as i64 * 1000);
            // Shown on this host's clock, judged on the server's.
            let age = chrono::Duration::milliseconds((now_ms - seen_ms).max(0));
            let in_flight: u64 = conn.scard(self.key(queue, &format!("inflight:{name}"))).await?;
            let mut info = WorkerInfo::new(name, queue, Utc::now() - age, in_flight);
            info.alive = age < chrono::Duration::seconds(crate::client::WORKER_GONE_AFTER_SECS);
            out.push(info);
        }
        Ok(out)
    }

    /// Deletes every key under this prefix, and this prefix's entries in apalis's
    /// global queue index (tests and `kickoff queues flush`).
    async fn flush_all(&self) -> Result<u64, QueueError> {
        let mut conn = self.conn.clone();
        let index: Vec<String> = conn.zrange(APALIS_QUEUE_INDEX, 0, -1).await?;
        let ours: Vec<&String> = index.iter().filter(|q| q.starts_with(&self.prefix)).collect();
        if !ours.is_empty() {
            let _: () = conn.zrem(APALIS_QUEUE_INDEX, ours).await?;
        }
        let pattern = format!("{}*", self.prefix);
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await?;
            if !keys.is_empty() {
                deleted += conn.del::<_, u64>(&keys).await?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}

impl SharedState for RedisQueues {
    /// Every field of the hash `{prefix}{key}`.
    async fn hash_get_all(&self, key: &str) -> Result<HashMap<String, i64>, QueueError> {
        Ok(self.conn.clone().hgetall(format!("{}{key}", self.prefix)).await?)
    }

    async fn hash_set(&self, key: &str, field: &str, value: i64) -> Result<(), QueueError> {
        let _: () = self.conn.clone().hset(format!("{}{key}", self.prefix), field, value).await?;
        Ok(())
    }

    /// Sets `field` unless it exists.
    /// Sets `field` unless it exists; true when this call set it.
    async fn hash_set_if_absent(&self, key: &str, field: &str, value: i64) -> Result<bool, QueueError> {
        Ok(self.conn.clone().hset_nx(format!("{}{key}", self.prefix), field, value).await?)
    }

    /// Removes `field`; true when it existed.
    async fn hash_del(&self, key: &str, field: &str) -> Result<bool, QueueError> {
        let removed: i64 = self.conn.clone().hdel(format!("{}{key}", self.prefix), field).await?;
        Ok(removed > 0)
    }

    /// Adds `by` to `field` and sets `stamp_field` to `stamp`, atomically.
    async fn hash_incr_stamped(
        &self,
        key: &str,
        field: &str,
        by: i64,
        stamp_field: &str,
        stamp: i64,
    ) -> Result<(), QueueError> {
        let key = format!("{}{key}", self.prefix);
        let _: () = redis::pipe()
            .atomic()
            .hincr(&key, field, by)
            .hset(&key, stamp_field, stamp)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    /// Raises `field` to `value` when it is lower (several processes race here).
    async fn hash_set_max(&self, key: &str, field: &str, value: i64) -> Result<(), QueueError> {
        let _: () = SET_MAX_SCRIPT
            .key(format!("{}{key}", self.prefix))
            .arg(field)
            .arg(value)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    /// Reserves the next slot of the rate-limit bucket `{prefix}{key}` (one request per
    /// `interval`, bursts of `burst`); returns how long to wait before using it.
    async fn reserve_slot(&self, key: &str, interval: Duration, burst: u32) -> Result<Duration, QueueError> {
        let interval_ms = interval.as_millis().max(1) as u64;
        let ttl = interval_ms.saturating_mul(u64::from(burst.max(1)) + 1).max(60_000);
        let wait: u64 = RESERVE_SCRIPT
            .key(format!("{}{key}", self.prefix))
            .arg(interval_ms)
            .arg(burst.max(1))
            .arg(ttl)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(Duration::from_millis(wait))
    }

    /// Claims `{prefix}{key}` for `ttl` unless someone holds it; returns whether this call won.
    async fn claim(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, QueueError> {
        let won: Option<String> = redis::cmd("SET")
            .arg(format!("{}{key}", self.prefix))
            .arg(value)
            .arg("NX")
            .arg("EX")
            .arg(ttl.as_secs().max(1))
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(won.is_some())
    }

    /// Gives up the claim on `{prefix}{key}`, so the next `claim` wins.
    async fn release(&self, key: &str) -> Result<(), QueueError> {
        let _: i64 = self.conn.clone().del(format!("{}{key}", self.prefix)).await?;
        Ok(())
    }

    /// Appends `entry` to the log `{prefix}{key}`.
    async fn log_push(&self, key: &str, entry: &str) -> Result<(), QueueError> {
        let _: i64 = self.conn.clone().rpush(format!("{}{key}", self.prefix), entry).await?;
        Ok(())
    }

    /// The log `{prefix}{key}`, oldest first.
    async fn log_range(&self, key: &str) -> Result<Vec<String>, QueueError> {
        Ok(self.conn.clone().lrange(format!("{}{key}", self.prefix), 0, -1).await?)
    }
}
