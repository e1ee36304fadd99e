//! The worker runtime, one suite run against both backends (Redis and the embedded
//! SQLite queue): our retries and backoff, dead letters, requeue, idempotency, delayed
//! jobs and pause/resume. Each test runs its own pools in process, under its own key
//! prefix and its own database.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entities::Engine;
use entities::testing::TestDb;
use jobs::catalogue::{Job, Probe};
use jobs::dead_letters::{self, DeadLetterFilter};
use jobs::{AnyJob, EnqueueOptions, Enqueued, Envelope, QueueClient, queues};
use migration::{Migrator, MigratorTrait};
use tokio::sync::watch;
use workers::handlers::probe_log_key;
use workers::runtime::{PoolSpec, Runtime, run_pools};

use common::backends::{Backend, queues_for};
use common::wait::wait_until;

on_both_backends!(
    transient_failures_retry_with_growing_backoff_then_succeed,
    exhausted_and_permanent_failures_become_dead_letters,
    requeue_with_edited_payload_then_success,
    idempotency_key_drops_duplicates,
    delayed_job_fires_on_time,
    pause_stops_consumption_and_resume_restarts_it,
    timeouts_and_panics_are_transient_failures,
    pools_stop_when_their_stop_sender_is_dropped,
    a_payload_that_is_not_a_job_becomes_a_dead_letter_and_the_queue_goes_on,
    delayed_retries_count_as_retrying_and_first_runs_as_scheduled,
    a_released_claim_can_be_claimed_again,
    the_vacuum_queue_job_deletes_finished_jobs,
    a_pause_outlives_the_queue_backend_losing_its_flags,
);

struct Harness {
    _cleanup: Option<jobs::testing::PrefixGuard>,
    db: TestDb,
    queues: QueueClient,
    stop: watch::Sender<bool>,
    pools: tokio::task::JoinHandle<()>,
}

/// The daily `vacuum_queue` maintenance job succeeds and deletes every finished job's
/// leftovers but its own. The pools' own periodic vacuum is off, so only the job cleans.
async fn the_vacuum_queue_job_deletes_finished_jobs(backend: Backend) {
    use jobs::catalogue::{Maintenance, MaintenanceTask};
    let h = Harness::start_with(backend, 4, |mut rt| {
        rt.vacuum_in_pools = false;
        rt
    })
    .await;
    for i in 0..5 {
        h.enqueue(probe(&format!("done-{i}")), EnqueueOptions::default()).await;
    }
    wait_until(Duration::from_secs(30), || async {
        h.queues.finished_kept(queues::MAINTENANCE).await.unwrap() == 5
    })
    .await;
    let vacuum = Envelope::new(&AnyJob::Maintenance(Maintenance { task: MaintenanceTask::VacuumQueue }));
    h.queues.enqueue(&vacuum, &EnqueueOptions::default()).await.unwrap();
    wait_until(Duration::from_secs(30), || async {
        h.queues.stats(queues::MAINTENANCE).await.unwrap().done_last_hour == 6
    })
    .await;
    // The vacuum job itself finished after its pass: its leftovers are all that is kept.
    wait_until(Duration::from_secs(30), || async {
        h.queues.finished_kept(queues::MAINTENANCE).await.unwrap() == 1
    })
    .await;
    assert!(dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().is_empty());
    h.stop().await;
}

/// A pause is recorded in the database: when the backend loses its flag (Redis
/// restarted without persistence, keys flushed), the running workers set it again, and
/// a resume clears both.
async fn a_pause_outlives_the_queue_backend_losing_its_flags(backend: Backend) {
    let h = Harness::start(backend, 2).await;
    jobs::pauses::pause(&h.db.conn, &h.queues, queues::MAINTENANCE, Some("test")).await.unwrap();
    assert!(h.queues.is_paused(queues::MAINTENANCE).await.unwrap());
    h.queues.flush_all().await.unwrap();
    assert!(!h.queues.is_paused(queues::MAINTENANCE).await.unwrap());
    wait_until(Duration::from_secs(10), || async { h.queues.is_paused(queues::MAINTENANCE).await.unwrap() })
        .await;
    jobs::pauses::resume(&h.db.conn, &h.queues, queues::MAINTENANCE).await.unwrap();
    assert!(!h.queues.is_paused(queues::MAINTENANCE).await.unwrap());
    assert!(jobs::pauses::paused(&h.db.conn).await.unwrap().is_empty());
    h.enqueue(probe("after-resume"), EnqueueOptions::default()).await;
    h.wait_for_runs("after-resume", 1).await;
    h.stop().await;
}

/// `release` undoes a `claim` (what a notify job does when a send fails).
async fn a_released_claim_can_be_claimed_again(backend: Backend) {
    let db = TestDb::new(Engine::Sqlite).await;
    let (queues, _cleanup) = queues_for(backend, &db).await;
    let ttl = Duration::from_secs(60);
    assert!(queues.claim("claim:a", "first", ttl).await.unwrap());
    assert!(!queues.claim("claim:a", "second", ttl).await.unwrap());
    queues.release("claim:a").await.unwrap();
    assert!(queues.claim("claim:a", "third", ttl).await.unwrap());
    // Releasing what nobody holds is no error.
    queues.release("claim:never").await.unwrap();
}

impl Harness {
    async fn start(backend: Backend, concurrency: usize) -> Self {
        Self::start_with(backend, concurrency, |rt| rt).await
    }

    async fn start_with(
        backend: Backend,
        concurrency: usize,
        setup: impl FnOnce(Runtime) -> Runtime,
    ) -> Self {
        let db = TestDb::new(Engine::Sqlite).await;
        Migrator::up(&db.conn, None).await.unwrap();
        let (queues, _cleanup) = queues_for(backend, &db).await;
        let rt = Arc::new(setup(Runtime::new(db.conn.clone(), queues.clone())));
        let (stop, rx) = watch::channel(false);
        let spec = PoolSpec { queue: Probe::QUEUE.to_owned(), concurrency };
        let pools = tokio::spawn(async move {
            run_pools(rt, vec![spec], rx, Duration::from_secs(10)).await.unwrap();
        });
        Self { _cleanup, db, queues, stop, pools }
    }

    async fn enqueue(&self, probe: Probe, opts: EnqueueOptions) -> Enqueued {
        self.queues.enqueue(&Envelope::new(&AnyJob::Probe(probe)), &opts).await.unwrap()
    }

    /// `(attempt, unix ms)` of every run of the probe tagged `tag`.
    async fn runs(&self, tag: &str) -> Vec<(u32, i64)> {
        let entries = self.queues.log_range(&probe_log_key(tag)).await.unwrap();
        entries
            .iter()
            .map(|e| {
                let mut f = e.split(' ');
                (f.next().unwrap().parse().unwrap(), f.next().unwrap().parse().unwrap())
            })
            .collect()
    }

    async fn wait_for_runs(&self, tag: &str, n: usize) -> Vec<(u32, i64)> {
        wait_until(Duration::from_secs(30), || async { self.runs(tag).await.len() >= n }).await;
        self.runs(tag).await
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.pools.await.unwrap();
        self.queues.flush_all().await.unwrap();
    }
}

fn probe(tag: &str) -> Probe {
    Probe { tag: tag.to_owned(), ..Probe::default() }
}

async fn transient_failures_retry_with_growing_backoff_then_succeed(backend: Backend) {
    let h = Harness::start(backend, 4).await;
    h.enqueue(Probe { fail_times: 3, ..probe("flaky") }, EnqueueOptions::default()).await;
    let runs = h.wait_for_runs("flaky", 4).await;
    // Exactly N+1 runs: give stragglers a moment to show up before counting.
    wait_until(Duration::from_secs(5), || async {
        h.queues.stats(queues::MAINTENANCE).await.unwrap().done_last_hour == 1
    })
    .await;
    let runs_after = h.runs("flaky").await;
    assert_eq!(runs_after.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    let policy = Probe::POLICY;
    for (k, pair) in runs.windows(2).enumerate() {
        let gap = Duration::from_millis((pair[1].1 - pair[0].1) as u64);
        let ceiling = policy.backoff_ceiling(k as u32 + 1);
        // Full jitter in [ceiling/2, ceiling], plus polling and execution time.
        assert!(gap >= ceiling / 2, "gap {k}: {gap:?} < {:?}", ceiling / 2);
        assert!(gap <= ceiling + Duration::from_millis(800), "gap {k}: {gap:?} > {ceiling:?} + slack");
    }
    assert!(dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().is_empty());
    h.stop().await;
}

async fn exhausted_and_permanent_failures_become_dead_letters(backend: Backend) {
    let h = Harness::start(backend, 4).await;
    h.enqueue(Probe { fail_times: 100, ..probe("doomed") }, EnqueueOptions::default()).await;
    h.enqueue(Probe { permanent: true, ..probe("broken") }, EnqueueOptions::default()).await;
    wait_until(Duration::from_secs(30), || async {
        dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().len() == 2
    })
    .await;
    let max = Probe::POLICY.max_attempts;
    assert_eq!(h.runs("doomed").await.len(), max as usize);
    assert_eq!(h.runs("broken").await.len(), 1);

    let doomed = dead_letters::list(
        &h.db.conn,
        &DeadLetterFilter { error_contains: Some("doomed failure".into()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(doomed.len(), 1);
    let letter = &doomed[0];
    assert_eq!(
        (letter.queue.as_str(), letter.kind.as_str(), letter.attempts),
        ("maintenance", "probe", max as i32)
    );
    let errors = dead_letters::errors_of(letter);
    assert_eq!(errors.iter().map(|e| e.attempt).collect::<Vec<_>>(), (1..=max).collect::<Vec<_>>());
    assert!(errors.iter().all(|e| !e.permanent && e.error.contains("doomed failure on attempt")));
    assert!(letter.first_failed_at < letter.last_failed_at);

    let broken = dead_letters::list(
        &h.db.conn,
        &DeadLetterFilter { error_contains: Some("PERMANENTLY".into()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(broken.len(), 1);
    let errors = dead_letters::errors_of(&broken[0]);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].permanent);
    assert_eq!(h.queues.stats(queues::MAINTENANCE).await.unwrap().dead, 2);
    h.stop().await;
}

async fn requeue_with_edited_payload_then_success(backend: Backend) {
    let h = Harness::start(backend, 2).await;
    h.enqueue(Probe { permanent: true, ..probe("fixme") }, EnqueueOptions::default()).await;
    wait_until(Duration::from_secs(20), || async {
        !dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().is_empty()
    })
    .await;
    let letter = dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().remove(0);
    // An edit that does not fit the kind's schema is refused.
    let bad =
        dead_letters::requeue(&h.db.conn, &h.queues, letter.id, Some(serde_json::json!({"permanent": "no"})))
            .await;
    assert!(bad.is_err());
    let edited = serde_json::json!({"tag": "fixme", "permanent": false});
    let outcome = dead_letters::requeue(&h.db.conn, &h.queues, letter.id, Some(edited)).await.unwrap();
    assert!(matches!(outcome, Enqueued::Queued { .. }));
    // Requeued once: a second call is refused and queues nothing (two runs below, not three).
    let again = dead_letters::requeue(&h.db.conn, &h.queues, letter.id, None).await;
    assert!(
        matches!(again, Err(dead_letters::DeadLetterError::AlreadyRequeued { id, .. }) if id == letter.id),
        "{again:?}"
    );
    wait_until(Duration::from_secs(20), || async {
        h.queues.stats(queues::MAINTENANCE).await.unwrap().done_last_hour == 1
    })
    .await;
    assert_eq!(h.runs("fixme").await.len(), 2);
    let kept = dead_letters::get(&h.db.conn, letter.id).await.unwrap();
    assert!(kept.requeued_at.is_some());
    assert_eq!(kept.payload["permanent"], serde_json::json!(false));
    // Requeued letters are hidden from the default listing but keep their history.
    assert!(dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().is_empty());
    h.stop().await;
}

async fn idempotency_key_drops_duplicates(backend: Backend) {
    let h = Harness::start(backend, 2).await;
    let opts = EnqueueOptions { idempotency_key: Some("daily-E0".into()), ..Default::default() };
    let first = h.enqueue(probe("once"), opts.clone()).await;
    let second = h.enqueue(probe("once"), opts.clone()).await;
    assert!(matches!(first, Enqueued::Queued { .. }));
    assert_eq!(second, Enqueued::Duplicate { key: "daily-E0".into() });
    h.wait_for_runs("once", 1).await;
    wait_until(Duration::from_secs(5), || async {
        h.queues.stats(queues::MAINTENANCE).await.unwrap().done_last_hour == 1
    })
    .await;
    assert_eq!(h.runs("once").await.len(), 1);
    h.stop().await;
}

async fn delayed_job_fires_on_time(backend: Backend) {
    let h = Harness::start(backend, 2).await;
    let at: DateTime<Utc> = Utc::now() + chrono::Duration::milliseconds(2_500);
    let queued = h.enqueue(probe("later"), EnqueueOptions { run_at: Some(at), ..Default::default() }).await;
    assert!(matches!(queued, Enqueued::Queued { run_at: Some(_), .. }));
    let stats = h.queues.stats(queues::MAINTENANCE).await.unwrap();
    assert_eq!((stats.scheduled, stats.pending), (1, 0));
    let runs = h.wait_for_runs("later", 1).await;
    let lateness = runs[0].1 - at.timestamp_millis();
    assert!((0..=1_000).contains(&lateness), "ran {lateness} ms after its time");
    h.stop().await;
}

async fn pause_stops_consumption_and_resume_restarts_it(backend: Backend) {
    let h = Harness::start(backend, 2).await;
    h.queues.pause(queues::MAINTENANCE).await.unwrap();
    assert!(h.queues.stats(queues::MAINTENANCE).await.unwrap().paused);
    let paused_at = Utc::now();
    // The promise is "within a second": enqueue only once that second is over.
    tokio::time::sleep(Duration::from_secs(1)).await;
    h.enqueue(probe("held"), EnqueueOptions::default()).await;
    // A paused queue runs nothing; watch it for two seconds.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(h.runs("held").await.is_empty(), "ran while paused");
    h.queues.resume(queues::MAINTENANCE).await.unwrap();
    let resumed_at = Utc::now();
    let runs = h.wait_for_runs("held", 1).await;
    assert!(runs[0].1 >= resumed_at.timestamp_millis() - 50, "ran before resume (paused at {paused_at})");
    assert!(runs[0].1 - resumed_at.timestamp_millis() <= 1_500, "took too long after resume");
    h.stop().await;
}

async fn timeouts_and_panics_are_transient_failures(backend: Backend) {
    let h = Harness::start(backend, 4).await;
    let slow = Envelope::new(&AnyJob::Probe(Probe { sleep_ms: 5_000, ..probe("slow") }))
        .with_timeout(Duration::from_millis(200));
    h.queues.enqueue(&slow, &EnqueueOptions::default()).await.unwrap();
    h.enqueue(Probe { panic: true, ..probe("panics") }, EnqueueOptions::default()).await;
    wait_until(Duration::from_secs(30), || async {
        dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().len() == 2
    })
    .await;
    let max = Probe::POLICY.max_attempts as usize;
    for (needle, tag) in
        [("timed out after 200ms", "slow"), ("handler panicked: probe panics panics as asked", "panics")]
    {
        let letters = dead_letters::list(
            &h.db.conn,
            &DeadLetterFilter { error_contains: Some(needle.into()), ..Default::default() },
        )
        .await
        .unwrap();
        assert_eq!(letters.len(), 1, "{needle}");
        let errors = dead_letters::errors_of(&letters[0]);
        assert_eq!(errors.len(), max, "{needle}: retried as transient");
        assert!(errors.iter().all(|e| !e.permanent && e.error.contains(needle)), "{errors:?}");
        assert_eq!(h.runs(tag).await.len(), max);
    }
    h.stop().await;
}

async fn pools_stop_when_their_stop_sender_is_dropped(backend: Backend) {
    let h = Harness::start(backend, 2).await;
    let Harness { _cleanup, db: _db, queues, stop, pools } = h;
    wait_until(Duration::from_secs(10), || async {
        queues.stats(jobs::queues::MAINTENANCE).await.unwrap().workers == 1
    })
    .await;
    drop(stop);
    tokio::time::timeout(Duration::from_secs(10), pools).await.expect("pools kept running").unwrap();
    // One registration: no restart loop on the closed channel.
    let registrations = match &queues {
        QueueClient::Redis(q) => {
            let pattern = format!("{}maintenance:workers:metadata:*", q.prefix());
            let keys: Vec<String> =
                redis::cmd("KEYS").arg(pattern).query_async(&mut q.connection()).await.unwrap();
            keys.len()
        }
        QueueClient::Embedded(q) => {
            let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM Workers WHERE worker_type = ?1")
                .bind(q.queue_key(queues::MAINTENANCE))
                .fetch_one(q.pool())
                .await
                .unwrap();
            row.0 as usize
        }
    };
    assert_eq!(registrations, 1);
}

async fn a_payload_that_is_not_a_job_becomes_a_dead_letter_and_the_queue_goes_on(backend: Backend) {
    let h = Harness::start(backend, 2).await;
    // Written in the backend's own layout, bypassing our enqueue: valid JSON, wrong shape.
    let poison = r#"{"kind":"probe","what":"not an envelope"}"#;
    match &h.queues {
        QueueClient::Redis(r) => {
            let q = r.queue_key(queues::MAINTENANCE);
            let _: () = redis::pipe()
                .hset(format!("{q}:data"), "poison-1", poison)
                .hset_multiple(
                    format!("{q}:meta:poison-1"),
                    &[("attempts", "0"), ("max_attempts", "1"), ("status", "Pending")],
                )
                .rpush(format!("{q}:active"), "poison-1")
                .query_async(&mut r.connection())
                .await
                .unwrap();
        }
        QueueClient::Embedded(e) => {
            sqlx::query(
                "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority, metadata) \
                 VALUES (?1, ?2, ?3, 'Pending', 0, 1, strftime('%s', 'now'), 0, '{}')",
            )
            .bind(poison.as_bytes())
            .bind(ulid::Ulid::generate().to_string())
            .bind(e.queue_key(queues::MAINTENANCE))
            .execute(e.pool())
            .await
            .unwrap();
        }
    }
    h.enqueue(probe("after-poison"), EnqueueOptions::default()).await;
    h.wait_for_runs("after-poison", 1).await;
    wait_until(Duration::from_secs(10), || async {
        !dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().is_empty()
    })
    .await;
    let letter = dead_letters::list(&h.db.conn, &DeadLetterFilter::default()).await.unwrap().remove(0);
    assert_eq!((letter.queue.as_str(), letter.kind.as_str()), ("maintenance", "probe"));
    assert_eq!(letter.payload["what"], "not an envelope");
    let errors = dead_letters::errors_of(&letter);
    assert!(
        errors[0].permanent && errors[0].error.starts_with("payload is not a job envelope"),
        "{errors:?}"
    );
    h.stop().await;
}

async fn delayed_retries_count_as_retrying_and_first_runs_as_scheduled(backend: Backend) {
    // The settle queue has no pool here: the jobs stay where enqueue put them.
    let h = Harness::start(backend, 1).await;
    let later =
        EnqueueOptions { run_at: Some(Utc::now() + chrono::Duration::seconds(60)), ..Default::default() };
    let first = Envelope::new(&AnyJob::SettleBets(Default::default()));
    h.queues.enqueue(&first, &later).await.unwrap();
    let now = Utc::now();
    let failed = jobs::AttemptError {
        attempt: 1,
        error: "boom".into(),
        permanent: false,
        started_at: now,
        failed_at: now,
        worker: "w".into(),
    };
    h.queues.enqueue(&first.retry(failed), &later).await.unwrap();
    let stats = h.queues.stats(queues::SETTLE).await.unwrap();
    assert_eq!((stats.scheduled, stats.retrying, stats.pending), (2, 1, 0));
    h.stop().await;
}
