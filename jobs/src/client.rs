//! The queue client both backends answer to: enqueueing, promotion, pause flags,
//! statistics, and the few key-value primitives the scheduler and probes share
//! across processes. Workers, the scheduler, the CLI and the API hold a
//! [`QueueClient`] and never care which backend it is.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::backend::{Delivery, JobQueue, OutboxEntry, SharedState};
use crate::embedded_queue::EmbeddedQueues;
use crate::envelope::Envelope;
use crate::redis_queue::RedisQueues;
use crate::settings::QueueBackend;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("embedded queue: {0}")]
    Sqlite(#[from] sqlx::Error),
    #[error("embedded queue set-up: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot encode job: {0}")]
    Encode(#[from] serde_json::Error),
}

/// The queue backend did not answer (transient); a job that cannot be encoded never
/// will be (permanent).
impl crate::Classify for QueueError {
    fn is_transient(&self) -> bool {
        !matches!(self, QueueError::Encode(_))
    }
}

/// When and how to enqueue.
#[derive(Clone, Debug, Default)]
pub struct EnqueueOptions {
    /// Run no earlier than this; `None` means now.
    pub run_at: Option<DateTime<Utc>>,
    /// Drop the job when the same key was used within `idempotency_ttl`.
    pub idempotency_key: Option<String>,
}

/// What an enqueue did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Enqueued {
    Queued {
        id: String,
        queue: String,
        run_at: Option<DateTime<Utc>>,
    },
    /// An idempotency key already claimed within its TTL.
    Duplicate {
        key: String,
    },
}

/// Statistics of one queue.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueueStats {
    pub queue: String,
    /// Ready to run now (active list + scheduled ones already due).
    pub pending: u64,
    /// Waiting for a later time (first runs and retries).
    pub scheduled: u64,
    /// Of `scheduled`, retries of failed attempts.
    pub retrying: u64,
    /// Fetched by a live worker and not yet finished.
    pub running: u64,
    /// Dead-lettered (counted by the runtime).
    pub dead: u64,
    pub done_last_hour: u64,
    pub done_last_day: u64,
    /// Age of the oldest ready job, in seconds.
    pub oldest_pending_secs: Option<f64>,
    pub paused: bool,
    pub workers: u64,
}

/// A worker registered on a queue, as its heartbeats show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkerInfo {
    /// `{host}-{pid}-{queue}-{rand}`.
    pub name: String,
    pub host: String,
    pub queue: String,
    pub last_seen: DateTime<Utc>,
    /// Alive while its last heartbeat is younger than a minute.
    pub alive: bool,
    /// Jobs it has fetched and not finished.
    pub in_flight: u64,
}

/// Hash of each running worker's concurrency (field: worker name), written by the
/// worker pools: apalis does not record it.
pub const WORKER_CONCURRENCY_KEY: &str = "workers:concurrency";

/// A worker's heartbeat older than this means the worker is gone.
pub const WORKER_GONE_AFTER_SECS: i64 = 60;

impl WorkerInfo {
    /// Builds the record from a worker name and heartbeat; the host is what precedes
    /// the last three dash-separated parts (pid, queue, random suffix) of the name.
    pub fn new(name: String, queue: &str, last_seen: DateTime<Utc>, in_flight: u64) -> Self {
        let host = name.rsplitn(4, '-').nth(3).unwrap_or(name.as_str()).to_owned();
        let alive = (Utc::now() - last_seen).num_seconds() < WORKER_GONE_AFTER_SECS;
        Self { name, host, queue: queue.to_owned(), last_seen, alive, in_flight }
    }
}

/// A handle on the queues of one backend under one prefix. Cheap to clone.
#[derive(Clone)]
pub enum QueueClient {
    Redis(RedisQueues),
    Embedded(EmbeddedQueues),
}

impl std::fmt::Debug for QueueClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueClient")
            .field("backend", &self.backend())
            .field("prefix", &self.prefix())
            .finish()
    }
}

/// Runs `$e` with `$q` bound to the client's backend (every module of the crate
/// dispatches through this).
macro_rules! on_backend {
    ($self:expr, $q:ident => $e:expr) => {
        match $self {
            $crate::client::QueueClient::Redis($q) => $e,
            $crate::client::QueueClient::Embedded($q) => $e,
        }
    };
}
pub(crate) use on_backend;

impl From<RedisQueues> for QueueClient {
    fn from(q: RedisQueues) -> Self {
        QueueClient::Redis(q)
    }
}

impl From<EmbeddedQueues> for QueueClient {
    fn from(q: EmbeddedQueues) -> Self {
        QueueClient::Embedded(q)
    }
}

impl QueueClient {
    pub fn backend(&self) -> QueueBackend {
        match self {
            QueueClient::Redis(_) => QueueBackend::Redis,
            QueueClient::Embedded(_) => QueueBackend::Embedded,
        }
    }

    pub fn prefix(&self) -> &str {
        on_backend!(self, q => q.prefix())
    }

    /// The same backend under another prefix (a demo run, a benchmark).
    pub fn with_prefix(&self, prefix: impl Into<String>) -> Self {
        match self {
            QueueClient::Redis(q) => QueueClient::Redis(q.with_prefix(prefix)),
            QueueClient::Embedded(q) => QueueClient::Embedded(q.with_prefix(prefix)),
        }
    }

    /// The backend's name for `queue` (the prefix + the queue name).
    pub fn queue_key(&self, queue: &str) -> String {
        on_backend!(self, q => q.queue_key(queue))
    }

    /// Enqueues an envelope on its kind's queue, now or at `opts.run_at`.
    pub async fn enqueue(&self, envelope: &Envelope, opts: &EnqueueOptions) -> Result<Enqueued, QueueError> {
        on_backend!(self, q => q.enqueue(envelope, opts).await)
    }

    /// Makes due delayed jobs of `queue` ready; returns how many.
    pub async fn promote_due(&self, queue: &str) -> Result<u64, QueueError> {
        on_backend!(self, q => q.promote_due(queue).await)
    }

    /// Jobs waiting in `queue`: ready plus scheduled.
    pub async fn depth(&self, queue: &str) -> Result<u64, QueueError> {
        on_backend!(self, q => q.depth(queue).await)
    }

    /// Pauses `queue` for every worker process.
    pub async fn pause(&self, queue: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.pause(queue).await)
    }

    pub async fn resume(&self, queue: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.resume(queue).await)
    }

    pub async fn is_paused(&self, queue: &str) -> Result<bool, QueueError> {
        on_backend!(self, q => q.is_paused(queue).await)
    }

    /// Counts a dead-lettered job for the statistics.
    pub async fn record_dead(&self, queue: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.record_dead(queue).await)
    }

    /// Counts `n` succeeded jobs for the statistics.
    pub async fn record_done(&self, queue: &str, n: u64) -> Result<(), QueueError> {
        self.record_count(queue, crate::series::Counter::Done, n).await
    }

    /// Deletes finished jobs' leftovers; returns how many went.
    pub async fn vacuum(&self, queue: &str) -> Result<u64, QueueError> {
        on_backend!(self, q => q.vacuum(queue).await)
    }

    /// The Redis server's identity and durability settings; `None` on the embedded
    /// queue (its jobs are rows of the SQLite file, on disk).
    pub async fn redis_server(&self) -> Result<Option<crate::redis_server::RedisServer>, QueueError> {
        match self {
            QueueClient::Redis(q) => Ok(Some(crate::redis_server::inspect(&q.connection()).await?)),
            QueueClient::Embedded(_) => Ok(None),
        }
    }

    /// Finished jobs whose leftovers are still stored (what a vacuum would delete).
    pub async fn finished_kept(&self, queue: &str) -> Result<u64, QueueError> {
        on_backend!(self, q => q.finished_kept(queue).await)
    }

    pub async fn stats(&self, queue: &str) -> Result<QueueStats, QueueError> {
        on_backend!(self, q => q.stats(queue).await)
    }

    /// Deletes everything under this prefix (tests and `kickoff queues flush`).
    pub async fn flush_all(&self) -> Result<u64, QueueError> {
        on_backend!(self, q => q.flush_all().await)
    }

    /// Publishes a live event on `{prefix}{channel}`: Redis pub/sub, or the embedded
    /// queue's events table, which the API processes on the host tail.
    pub async fn publish(&self, channel: &str, payload: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.publish(channel, payload).await)
    }

    /// Every field of the shared hash `key`.
    pub async fn hash_get_all(&self, key: &str) -> Result<HashMap<String, i64>, QueueError> {
        on_backend!(self, q => q.hash_get_all(key).await)
    }

    /// Sets `field` of the shared hash `key` unless it exists; true when this call set it.
    pub async fn hash_set_if_absent(&self, key: &str, field: &str, value: i64) -> Result<bool, QueueError> {
        on_backend!(self, q => q.hash_set_if_absent(key, field, value).await)
    }

    /// Removes `field` of the shared hash `key`; true when it existed.
    pub async fn hash_del(&self, key: &str, field: &str) -> Result<bool, QueueError> {
        on_backend!(self, q => q.hash_del(key, field).await)
    }

    pub async fn hash_set(&self, key: &str, field: &str, value: i64) -> Result<(), QueueError> {
        on_backend!(self, q => q.hash_set(key, field, value).await)
    }

    /// Refreshes the heartbeat of `worker`, registered on `queue` by apalis, without
    /// registering it.
    pub async fn keep_alive(&self, queue: &str, worker: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.keep_alive(queue, worker).await)
    }

    /// Gives the jobs of silent workers back to the front of the ready list.
    pub async fn sweep_orphans(&self, queue: &str) -> Result<u64, QueueError> {
        on_backend!(self, q => q.sweep_orphans(queue).await)
    }

    /// Gives a stopping worker's jobs back to the front of the ready list at once.
    pub async fn hand_back(&self, queue: &str, worker: &str) -> Result<u64, QueueError> {
        on_backend!(self, q => q.hand_back(queue, worker).await)
    }

    /// Counts a delivery of `task` and reads whether its outcome is recorded.
    pub async fn begin_delivery(&self, queue: &str, task: &str) -> Result<Delivery, QueueError> {
        on_backend!(self, q => q.begin_delivery(queue, task).await)
    }

    /// Records that `task`'s outcome is written.
    pub async fn finish_delivery(&self, queue: &str, task: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.finish_delivery(queue, task).await)
    }

    /// Keeps a dead letter the database could not take.
    pub async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), QueueError> {
        on_backend!(self, q => q.outbox_put(entry).await)
    }

    pub async fn outbox_list(&self, limit: usize) -> Result<Vec<OutboxEntry>, QueueError> {
        on_backend!(self, q => q.outbox_list(limit).await)
    }

    pub async fn outbox_remove(&self, key: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.outbox_remove(key).await)
    }

    /// Tasks the backend gave up on by itself, with their payloads.
    pub async fn given_up(
        &self,
        queue: &str,
        limit: usize,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, QueueError> {
        on_backend!(self, q => q.given_up(queue, limit).await)
    }

    pub async fn forget_given_up(&self, queue: &str, task: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.forget_given_up(queue, task).await)
    }

    /// The workers registered on `queue`, newest heartbeat first, with those gone for
    /// less than a day (so an operator sees a worker that just died).
    pub async fn workers(&self, queue: &str) -> Result<Vec<WorkerInfo>, QueueError> {
        let mut out = on_backend!(self, q => q.workers(queue).await)?;
        let day_ago = Utc::now() - chrono::Duration::days(1);
        out.retain(|w| w.last_seen > day_ago);
        out.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
    }

    /// Adds `by` to `field` and records `stamp` in `stamp_field`, atomically.
    pub async fn hash_incr_stamped(
        &self,
        key: &str,
        field: &str,
        by: i64,
        stamp_field: &str,
        stamp: i64,
    ) -> Result<(), QueueError> {
        on_backend!(self, q => q.hash_incr_stamped(key, field, by, stamp_field, stamp).await)
    }

    /// Raises `field` to `value` when lower.
    pub async fn hash_set_max(&self, key: &str, field: &str, value: i64) -> Result<(), QueueError> {
        on_backend!(self, q => q.hash_set_max(key, field, value).await)
    }

    /// Claims `key` for `ttl` unless already claimed; returns whether this call won.
    pub async fn claim(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, QueueError> {
        on_backend!(self, q => q.claim(key, value, ttl).await)
    }

    /// Gives up a claim (held or expired), so the next `claim` of `key` wins.
    pub async fn release(&self, key: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.release(key).await)
    }

    /// Reserves the next slot of the shared rate-limit bucket `key` (one request per
    /// `interval`, bursts of `burst`); returns how long to wait before using it.
    pub async fn reserve_slot(
        &self,
        key: &str,
        interval: Duration,
        burst: u32,
    ) -> Result<Duration, QueueError> {
        on_backend!(self, q => q.reserve_slot(key, interval, burst).await)
    }

    pub async fn log_push(&self, key: &str, entry: &str) -> Result<(), QueueError> {
        on_backend!(self, q => q.log_push(key, entry).await)
    }

    pub async fn log_range(&self, key: &str) -> Result<Vec<String>, QueueError> {
        on_backend!(self, q => q.log_range(key).await)
    }
}
