//! The queue backend contract: what Redis (`redis/`) and the embedded SQLite queue
//! (`embedded/`) both promise, as two traits. [`crate::QueueClient`] dispatches to one
//! of them; one test suite (`jobs/tests/backend_contract.rs`) runs against both.
//!
//! Workers fetch, heartbeat and acknowledge through apalis (apalis-redis,
//! apalis-sqlite), which owns the ready list and each worker's in-flight set. What
//! apalis cannot promise is owned here, beside it:
//! - **liveness on one clock**: heartbeats and orphan detection on the backend's own
//!   clock (Redis `TIME`), never a host's, so a host whose clock runs ahead orphans
//!   nobody; a dead worker's jobs go back to the *front* of the ready list;
//! - **delivery marks**: every delivery of a task is counted before it runs and marked
//!   finished once its outcome is recorded, so a task delivered again after its
//!   outcome (a kill before the batched acknowledgement) is acknowledged without
//!   running, and a task whose deliveries keep killing their process (a poison job)
//!   is dead-lettered instead of handed out forever;
//! - **a dead-letter outbox**: a terminal outcome that cannot reach the database is
//!   kept here, keyed by job and attempt, until housekeeping moves it to
//!   `dead_letters`; the backend never gets a failure to retry on its own.

pub mod embedded;
pub mod redis;

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::client::{EnqueueOptions, Enqueued, QueueError, QueueStats, WorkerInfo};
use crate::envelope::{AttemptError, Envelope};

/// How long a worker may go without a heartbeat before its jobs are given to others:
/// three missed heartbeats of two seconds.
pub const ORPHAN_AFTER: Duration = Duration::from_secs(6);

/// The same on the embedded queue, longer: a worker's heartbeat is a write to the SQLite
/// file, which waits while another writer holds it (an import, a vacuum). 20 s is twice
/// the busy timeout (10 s by default), so a writer holding the file for less than that
/// does not make a live worker look dead; a killed worker's jobs are given back after
/// 20 s instead of 6. A writer holding it longer still can (chunk such transactions).
pub const EMBEDDED_ORPHAN_AFTER: Duration = Duration::from_secs(20);

/// How long a task's delivery marks are kept at most (a vacuum deletes them sooner,
/// once the task is acknowledged).
pub const MARK_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the backend knew of a task when this delivery of it began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// How many times the task has been handed to a worker, this time included.
    pub deliveries: u32,
    /// An earlier delivery recorded the task's outcome: it must not run again.
    pub finished: bool,
}

/// A terminal outcome waiting for the database: the job, its last error and queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub queue: String,
    pub envelope: Envelope,
    pub error: AttemptError,
}

impl OutboxEntry {
    /// The entry's key: one dead letter per job and attempt, however often it is put.
    pub fn key(&self) -> String {
        format!("{}:{}", self.envelope.id, self.envelope.attempt)
    }
}

/// The queues of one backend under one key prefix.
///
/// Guarantees, for every implementation:
/// - `enqueue` with an idempotency key queues at most one job per key within the TTL,
///   and says which it did; without one it always queues. The job is durable when it
///   returns (as durable as the backend's storage: Redis AOF, the SQLite file).
/// - A delayed job becomes ready at `promote_due` past its time, never before.
/// - A ready job is handed to one worker at a time; a worker whose heartbeats stop for
///   [`ORPHAN_AFTER`] (on the backend's clock) loses its jobs to the front of the
///   ready list at the next `sweep_orphans`.
/// - `begin_delivery` and `finish_delivery` make a task's outcome happen once: see
///   [`Delivery`].
/// - The outbox keeps one entry per key until `outbox_remove`.
#[allow(async_fn_in_trait)] // Dispatched through `QueueClient` by enum, never `dyn`.
pub trait JobQueue {
    /// Queues a job now or at `opts.run_at`.
    async fn enqueue(&self, envelope: &Envelope, opts: &EnqueueOptions) -> Result<Enqueued, QueueError>;
    /// Makes due delayed jobs of `queue` ready; returns how many.
    async fn promote_due(&self, queue: &str) -> Result<u64, QueueError>;
    /// Jobs waiting in `queue`: ready plus delayed.
    async fn depth(&self, queue: &str) -> Result<u64, QueueError>;
    async fn pause(&self, queue: &str) -> Result<(), QueueError>;
    async fn resume(&self, queue: &str) -> Result<(), QueueError>;
    async fn is_paused(&self, queue: &str) -> Result<bool, QueueError>;
    /// Counts a dead-lettered job for the statistics.
    async fn record_dead(&self, queue: &str) -> Result<(), QueueError>;
    /// Deletes acknowledged tasks' payloads and marks; returns how many went.
    async fn vacuum(&self, queue: &str) -> Result<u64, QueueError>;
    /// Acknowledged tasks still holding their payload (what a vacuum would delete).
    async fn finished_kept(&self, queue: &str) -> Result<u64, QueueError>;
    async fn stats(&self, queue: &str) -> Result<QueueStats, QueueError>;
    /// Refreshes the heartbeat of `worker` (registered on `queue` by apalis), on the
    /// backend's clock; a worker already swept as dead is not brought back.
    async fn keep_alive(&self, queue: &str, worker: &str) -> Result<(), QueueError>;
    /// Gives the jobs of workers silent for [`ORPHAN_AFTER`] back to the front of the
    /// ready list and forgets those workers; returns how many jobs moved.
    async fn sweep_orphans(&self, queue: &str) -> Result<u64, QueueError>;
    /// Gives the jobs `worker` holds back to the front of the ready list at once and
    /// forgets the worker: its process is stopping and will not finish them. Returns
    /// how many jobs moved.
    async fn hand_back(&self, queue: &str, worker: &str) -> Result<u64, QueueError>;
    /// The workers registered on `queue` and the jobs each holds.
    async fn workers(&self, queue: &str) -> Result<Vec<WorkerInfo>, QueueError>;
    /// Counts a delivery of `task` and reads whether its outcome is already recorded.
    async fn begin_delivery(&self, queue: &str, task: &str) -> Result<Delivery, QueueError>;
    /// Records that `task`'s outcome is written: later deliveries must not run it.
    async fn finish_delivery(&self, queue: &str, task: &str) -> Result<(), QueueError>;
    /// Keeps a dead letter the database could not take (idempotent per key).
    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), QueueError>;
    /// Up to `limit` kept dead letters.
    async fn outbox_list(&self, limit: usize) -> Result<Vec<OutboxEntry>, QueueError>;
    async fn outbox_remove(&self, key: &str) -> Result<(), QueueError>;
    /// Up to `limit` tasks the backend gave up on by itself (apalis-redis's dead set,
    /// apalis-sqlite's rows failed 25 times), with their payloads when still stored.
    async fn given_up(&self, queue: &str, limit: usize)
    -> Result<Vec<(String, Option<Vec<u8>>)>, QueueError>;
    /// Marks a given-up task as finished once its dead letter is recorded.
    async fn forget_given_up(&self, queue: &str, task: &str) -> Result<(), QueueError>;
    /// Deletes everything under this prefix (tests and `kickoff queues flush`).
    async fn flush_all(&self) -> Result<u64, QueueError>;
    /// Publishes a live event on `{prefix}{channel}`.
    async fn publish(&self, channel: &str, payload: &str) -> Result<(), QueueError>;
}

/// The key-value state processes share: the scheduler's ticks and claims, rate-limit
/// buckets, counters and logs. Every operation is atomic on its
/// own; a claim is won by exactly one caller until it expires or is released.
#[allow(async_fn_in_trait)] // Dispatched through `QueueClient` by enum, never `dyn`.
pub trait SharedState {
    /// Every field of the hash `key`.
    async fn hash_get_all(&self, key: &str) -> Result<HashMap<String, i64>, QueueError>;
    async fn hash_set(&self, key: &str, field: &str, value: i64) -> Result<(), QueueError>;
    /// Sets `field` unless it exists; true when this call set it.
    async fn hash_set_if_absent(&self, key: &str, field: &str, value: i64) -> Result<bool, QueueError>;
    /// Removes `field`; true when it existed.
    async fn hash_del(&self, key: &str, field: &str) -> Result<bool, QueueError>;
    /// Adds `by` to `field` and sets `stamp_field` to `stamp`, atomically.
    async fn hash_incr_stamped(
        &self,
        key: &str,
        field: &str,
        by: i64,
        stamp_field: &str,
        stamp: i64,
    ) -> Result<(), QueueError>;
    /// Raises `field` to `value` when it is lower.
    async fn hash_set_max(&self, key: &str, field: &str, value: i64) -> Result<(), QueueError>;
    /// Reserves the next slot of the rate-limit bucket `key` (one request per
    /// `interval`, bursts of `burst`); returns how long to wait before using it.
    async fn reserve_slot(&self, key: &str, interval: Duration, burst: u32) -> Result<Duration, QueueError>;
    /// Claims `key` for `ttl` unless someone holds it; returns whether this call won.
    async fn claim(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, QueueError>;
    /// Gives up a claim, so the next `claim` of `key` wins.
    async fn release(&self, key: &str) -> Result<(), QueueError>;
    /// Appends `entry` to the log `key`.
    async fn log_push(&self, key: &str, entry: &str) -> Result<(), QueueError>;
    /// The log `key`, oldest first.
    async fn log_range(&self, key: &str) -> Result<Vec<String>, QueueError>;
}
