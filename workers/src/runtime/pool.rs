//! Worker pools: one apalis worker (apalis-redis or apalis-sqlite) per queue, with a unique name, explicit
//! heartbeat, poll interval and concurrency, restarted with backoff when its backend
//! fails, and a promoter that moves due jobs to the ready list in bounded chunks.

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::*;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use jobs::Envelope;
use jobs::QueueClient;
use jobs::client::WORKER_CONCURRENCY_KEY;
use serde::Deserialize;
use tokio::sync::watch;
use tokio_util::task::AbortOnDropHandle;

use super::names::worker_name;
use super::watchdog::{Liveness, stalled};
use super::{Runtime, RuntimeError};

/// Heartbeat of every worker; a killed worker's jobs are re-run by the others after
/// `HEARTBEAT × MISSED_HEARTBEATS`.
pub const HEARTBEAT: Duration = Duration::from_secs(2);
pub const MISSED_HEARTBEATS: usize = 3;
/// apalis-redis's own orphan threshold, in heartbeats: five years. It subtracts the
/// threshold from the unix time unchecked, so it must stay well below the epoch's age.
const APALIS_MISSED_HEARTBEATS: usize = (5 * 365 * 24 * 3600 / HEARTBEAT.as_secs()) as usize;
/// How often each process sweeps its queues for orphaned jobs, in promotion passes.
const SWEEP_EVERY: u32 = (HEARTBEAT.as_millis() / POLL_INTERVAL.as_millis()) as u32;
/// How often pauses the backend lost are restored from the database.
const RESTORE_PAUSES_EVERY: Duration = Duration::from_secs(2);
/// How often the dead-letter outbox is drained.
const DRAIN_EVERY: Duration = Duration::from_secs(2);

/// How often an idle worker looks for jobs, and delayed jobs are promoted.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long an idle worker may go without a heartbeat before it is replaced: twice the
/// time after which the other workers treat it as dead.
pub const STALL_LIMIT: Duration = Duration::from_secs(HEARTBEAT.as_secs() * MISSED_HEARTBEATS as u64 * 2);
/// The embedded queue's heartbeats, in missed beats before a worker counts as gone, and
/// its stall limit: a heartbeat there is a write that waits out a busy file
/// (`jobs::backend::EMBEDDED_ORPHAN_AFTER`).
pub const EMBEDDED_MISSED_HEARTBEATS: usize =
    (jobs::backend::EMBEDDED_ORPHAN_AFTER.as_secs() / HEARTBEAT.as_secs()) as usize;
pub const EMBEDDED_STALL_LIMIT: Duration =
    Duration::from_secs(jobs::backend::EMBEDDED_ORPHAN_AFTER.as_secs() * 2);

/// The apalis workers of this process now running, as (queue, worker name): whose jobs
/// to hand back when the grace period ends before they do.
type Running = Arc<std::sync::Mutex<std::collections::BTreeSet<(String, String)>>>;

/// One queue's pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSpec {
    pub queue: String,
    pub concurrency: usize,
}

/// Whether the pools must stop: the flag is set, or its sender is gone (a dropped
/// sender must not leave loops spinning on a closed channel).
fn stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Waits for `period` or a change of `stop`; returns whether to stop.
async fn pause_or_stop(stop: &mut watch::Receiver<bool>, period: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(period) => {}
        changed = stop.changed() => if changed.is_err() { return true },
    }
    stopped(stop)
}

/// What a pool's handler gets.
#[derive(Clone)]
struct Pool {
    rt: Arc<Runtime>,
    queue: String,
    live: Arc<Liveness>,
}

/// Payloads are decoded here rather than by apalis: a payload apalis cannot decode stops
/// the worker (and every worker after it), so one bad payload would block its queue.
/// Ours becomes a dead letter instead.
async fn handle(
    payload: serde_json::Value,
    pool: Data<Pool>,
    worker: WorkerContext,
    task: TaskId,
) -> Result<(), BoxDynError> {
    let _running = pool.live.job();
    let rt: Arc<Runtime> = pool.rt.clone();
    let name = worker.name().to_owned();
    let envelope = match Envelope::deserialize(&payload) {
        Ok(e) => e,
        Err(e) => {
            // Boxed: the rare path's future would otherwise size every job's.
            Box::pin(rt.dead_letter_undecodable(&pool.queue, payload, &e.to_string(), &name)).await?;
            return Ok(());
        }
    };
    // Each job on its own task, so jobs of one worker run on every core and a slow one
    // cannot stall the worker's heartbeat. The task is aborted when this future is
    // dropped (its apalis worker ended): the job goes back to the queue with the
    // worker, and no copy of it runs on without an owner.
    let task = task.to_string();
    let job = AbortOnDropHandle::new(tokio::spawn(async move { rt.deliver(envelope, &name, &task).await }));
    match job.await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(Box::new(e)),
        Err(e) => Err(Box::new(e)),
    }
}

/// Runs one apalis worker on the runtime's backend until `stop` turns true or the
/// worker ends.
async fn run_worker(
    rt: &Arc<Runtime>,
    spec: &PoolSpec,
    name: &str,
    live: &Arc<Liveness>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), WorkerError> {
    let until = async move {
        let _ = stop.wait_for(|s| *s).await;
        Ok::<(), std::io::Error>(())
    };
    let data = Pool { rt: rt.clone(), queue: spec.queue.clone(), live: live.clone() };
    let beats = live.clone();
    let on_event = move |_: &WorkerContext, event: &Event| {
        if matches!(event, Event::HeartBeat) {
            beats.beat();
        }
    };
    let (batch, concurrency) = (spec.concurrency.clamp(1, 100), spec.concurrency.max(1));
    match &rt.queues {
        QueueClient::Redis(q) => {
            let config = apalis_redis::Config::default()
                .queue(q.queue_key(&spec.queue))
                .batch_size(batch)
                .heartbeat_interval(HEARTBEAT)
                // apalis judges liveness on each host's clock and re-queues orphans at
                // the back; its recovery is set out of the way and ours runs instead
                // (`sweep_orphans`, on Redis server time, to the front).
                .missed_heartbeats(APALIS_MISSED_HEARTBEATS)
                // Locking only records the running worker in each task's metadata (our
                // envelopes and the in-flight sets already tell); it costs a round trip per job.
                .lock_tasks(false)
                .emit_events(false);
            let storage: RedisStorage<serde_json::Value> =
                RedisStorage::new(q.connection()).with_config(config);
            WorkerBuilder::new(name)
                .backend(storage.poll_with_interval(POLL_INTERVAL))
                .data(data)
                .concurrency(concurrency)
                .on_event(on_event)
                .build(handle)
                .run_until(until)
                .await
        }
        QueueClient::Embedded(q) => {
            let config = apalis_sqlite::Config::default()
                .queue(q.queue_key(&spec.queue))
                .batch_size(batch)
                .heartbeat_interval(HEARTBEAT)
                .missed_heartbeats(EMBEDDED_MISSED_HEARTBEATS);
            let storage: SqliteStorage<serde_json::Value> = SqliteStorage::new(q.pool()).with_config(config);
            WorkerBuilder::new(name)
                .backend(storage.poll_with_interval(POLL_INTERVAL))
                .data(data)
                .concurrency(concurrency)
                .on_event(on_event)
                .build(handle)
                .run_until(until)
                .await
        }
    }
}

/// Marks a worker running for as long as it lives.
struct RunningGuard {
    running: Running,
    entry: (String, String),
}

impl RunningGuard {
    fn new(running: &Running, queue: &str, name: &str) -> Self {
        let entry = (queue.to_owned(), name.to_owned());
        running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(entry.clone());
        Self { running: running.clone(), entry }
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.entry);
    }
}

async fn run_one(
    rt: Arc<Runtime>,
    spec: PoolSpec,
    mut stop: watch::Receiver<bool>,
    running: Running,
) -> Result<(), RuntimeError> {
    let mut backoff = Duration::from_millis(200);
    loop {
        if stopped(&stop) {
            return Ok(());
        }
        let name = worker_name(&spec.queue);
        let _running = RunningGuard::new(&running, &spec.queue, &name);
        let stall_limit = match &rt.queues {
            QueueClient::Redis(_) => STALL_LIMIT,
            QueueClient::Embedded(_) => EMBEDDED_STALL_LIMIT,
        };
        tracing::info!(worker = %name, queue = %spec.queue, concurrency = spec.concurrency, "worker started");
        if let Err(e) = rt.queues.hash_set(WORKER_CONCURRENCY_KEY, &name, spec.concurrency as i64).await {
            tracing::warn!(worker = %name, error = %e, "recording the worker's concurrency failed");
        }
        let live = Liveness::new();
        let result = tokio::select! {
            result = run_worker(&rt, &spec, &name, &live, stop.clone()) => result,
            never = keep_alive(&rt, &spec.queue, &name) => match never {},
            silence = stalled(&live, stall_limit, HEARTBEAT) => {
                forget_concurrency(&rt, &name).await;
                metrics::counter!("kickoff_worker_stalls_total", "queue" => spec.queue.clone()).increment(1);
                tracing::error!(worker = %name, ?silence, "worker idle without a heartbeat; replacing it");
                // Its registration expires like a killed worker's; anything it had
                // fetched is re-queued as orphaned by the replacement.
                continue;
            }
        };
        forget_concurrency(&rt, &name).await;
        match result {
            Ok(()) if stopped(&stop) => {
                tracing::info!(worker = %name, "worker stopped");
                return Ok(());
            }
            Ok(()) => tracing::warn!(worker = %name, "worker ended; restarting"),
            Err(e) => tracing::error!(worker = %name, error = %e, "worker failed; restarting"),
        }
        // A fresh name on restart: the old registration may still look alive.
        if pause_or_stop(&mut stop, backoff).await {
            return Ok(());
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// Refreshes the worker's heartbeat every [`HEARTBEAT`] for as long as it runs. apalis
/// beats only while its fetch loop is free to: not while fetched jobs wait for a busy
/// slot, nor while it drains its running jobs after the stop signal. Without this, the
/// other workers' orphan recovery would take a long job from a full or stopping worker
/// and run it a second time. It leaves the watchdog's liveness alone, so a worker whose
/// own loop is stuck is still replaced.
async fn keep_alive(rt: &Runtime, queue: &str, name: &str) -> std::convert::Infallible {
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        beat.tick().await;
        if let Err(e) = rt.queues.keep_alive(queue, name).await {
            tracing::warn!(worker = %name, error = %e, "worker heartbeat failed");
        }
    }
}

async fn forget_concurrency(rt: &Runtime, name: &str) {
    if let Err(e) = rt.queues.hash_del(WORKER_CONCURRENCY_KEY, name).await {
        tracing::warn!(worker = %name, error = %e, "removing the worker's concurrency failed");
    }
}

/// Removes the recorded concurrency of workers on `queues` that are gone (killed
/// processes never remove their own).
async fn prune_concurrency(rt: &Runtime, queues: &[String]) -> Result<(), jobs::QueueError> {
    let recorded = rt.queues.hash_get_all(WORKER_CONCURRENCY_KEY).await?;
    for q in queues {
        for w in rt.queues.workers(q).await? {
            if !w.alive && recorded.contains_key(&w.name) {
                rt.queues.hash_del(WORKER_CONCURRENCY_KEY, &w.name).await?;
            }
        }
    }
    Ok(())
}

/// How often the concurrency of gone workers is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// How often finished tasks' payloads are deleted from Redis.
const VACUUM_EVERY: u32 = 20;

async fn promote(rt: Arc<Runtime>, queue: String, mut stop: watch::Receiver<bool>) {
    let mut n: u32 = 0;
    loop {
        if pause_or_stop(&mut stop, POLL_INTERVAL).await {
            return;
        }
        if let Err(e) = rt.queues.promote_due(&queue).await {
            tracing::warn!(queue = %queue, error = %e, "promotion of due jobs failed");
        }
        if let Ok(depth) = rt.queues.depth(&queue).await {
            metrics::gauge!("kickoff_queue_depth", "queue" => queue.clone()).set(depth as f64);
        }
        n = n.wrapping_add(1);
        if n.is_multiple_of(SWEEP_EVERY) {
            match rt.queues.sweep_orphans(&queue).await {
                Ok(0) => {}
                Ok(moved) => {
                    metrics::counter!("kickoff_jobs_orphaned_total", "queue" => queue.clone())
                        .increment(moved);
                    tracing::warn!(queue = %queue, moved, "jobs of a silent worker given back to the front of the queue");
                }
                Err(e) => tracing::warn!(queue = %queue, error = %e, "orphan sweep failed"),
            }
        }
        if rt.vacuum_in_pools
            && n.is_multiple_of(VACUUM_EVERY)
            && let Err(e) = rt.queues.vacuum(&queue).await
        {
            tracing::warn!(queue = %queue, error = %e, "vacuum failed");
        }
    }
}

/// Re-reads pause flags and flushes success counters until stopped.
async fn housekeeping(rt: Arc<Runtime>, queues: Vec<String>, mut stop: watch::Receiver<bool>) {
    let mut last_pause_read = tokio::time::Instant::now();
    let mut last_prune = tokio::time::Instant::now();
    let mut last_drain = tokio::time::Instant::now();
    let mut last_restore = tokio::time::Instant::now();
    let mut last_ping = tokio::time::Instant::now();
    loop {
        if pause_or_stop(&mut stop, POLL_INTERVAL).await {
            return;
        }
        if let Err(e) = rt.flush_done().await {
            tracing::warn!(error = %e, "writing job counters failed");
        }
        if let Err(e) = rt.flush_journal().await {
            tracing::warn!(error = %e, "writing the job journal failed");
        }
        if last_ping.elapsed() >= super::breaker::PING_EVERY {
            last_ping = tokio::time::Instant::now();
            rt.db_breaker.check().await;
        }
        // The database passes wait while the breaker says it is away.
        let database_up = !rt.db_breaker.is_open();
        if database_up && last_restore.elapsed() >= RESTORE_PAUSES_EVERY {
            last_restore = tokio::time::Instant::now();
            if let Err(e) = rt.restore_pauses(&queues).await {
                tracing::warn!(error = %e, "restoring recorded pauses failed");
            }
        }
        if last_pause_read.elapsed() >= super::PAUSE_REFRESH {
            last_pause_read = tokio::time::Instant::now();
            if let Err(e) = rt.refresh_paused(&queues).await {
                tracing::warn!(error = %e, "reading pause flags failed");
            }
        }
        if database_up && last_drain.elapsed() >= DRAIN_EVERY {
            last_drain = tokio::time::Instant::now();
            if let Err(e) = rt.drain_outbox(&queues).await {
                tracing::warn!(error = %e, "moving dead letters from the outbox failed");
            }
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = tokio::time::Instant::now();
            if let Err(e) = prune_concurrency(&rt, &queues).await {
                tracing::warn!(error = %e, "pruning gone workers failed");
            }
        }
    }
}

/// Runs the pools until `stop` turns true, then lets in-flight jobs finish, heartbeats
/// going on, for up to `grace` (`kickoff worker` makes it the longest time limit of the
/// kinds it serves, so every job ends by itself). Jobs still running after `grace` are
/// stopped and handed back to the front of their queue at once, for another worker.
pub async fn run_pools(
    rt: Arc<Runtime>,
    specs: Vec<PoolSpec>,
    stop: watch::Receiver<bool>,
    grace: Duration,
) -> Result<(), RuntimeError> {
    let mut tasks = tokio::task::JoinSet::new();
    let names: Vec<String> = specs.iter().map(|s| s.queue.clone()).collect();
    // Pause flags are known before the first job is taken.
    rt.restore_pauses(&names).await?;
    rt.refresh_paused(&names).await?;
    tasks.spawn(housekeeping(rt.clone(), names, stop.clone()));
    if !rt.fetcher.proxies().is_empty() {
        let (rt, stop) = (rt.clone(), stop.clone());
        tasks.spawn(async move {
            let s = &rt.scrape;
            let url = if s.proxy_check_url.is_empty() { &s.football_data_url } else { &s.proxy_check_url };
            let every = Duration::from_secs(s.proxy_check_secs);
            crate::scrape::fetch::proxy::check_every(rt.fetcher.proxies(), url, every, stop).await;
        });
    }
    let running = Running::default();
    for spec in specs {
        tasks.spawn(promote(rt.clone(), spec.queue.clone(), stop.clone()));
        let (rt, stop, running) = (rt.clone(), stop.clone(), running.clone());
        tasks.spawn(async move {
            if let Err(e) = run_one(rt, spec, stop, running).await {
                tracing::error!(error = %e, "pool ended");
            }
        });
    }
    let mut waiting = stop.clone();
    let _ = waiting.wait_for(|s| *s).await;
    if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await.is_err() {
        // Which workers were still at work, read before their tasks go.
        let unfinished: Vec<(String, String)> =
            running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect();
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        for (queue, worker) in unfinished {
            match rt.queues.hand_back(&queue, &worker).await {
                Ok(0) => {}
                Ok(moved) => {
                    metrics::counter!("kickoff_jobs_handed_back_total", "queue" => queue.clone())
                        .increment(moved);
                    tracing::warn!(?grace, queue = %queue, worker = %worker, moved,
                        "grace period over: unfinished jobs handed back to the front of the queue");
                }
                // Not lost: the heartbeat stops with the process, so another worker's
                // orphan sweep gives them back a few seconds later.
                Err(e) => tracing::warn!(queue = %queue, worker = %worker, error = %e,
                    "handing back unfinished jobs failed; they return once this worker counts as gone"),
            }
        }
    }
    rt.flush_done().await?;
    rt.flush_journal().await?;
    Ok(())
}
