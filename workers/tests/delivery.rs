//! Delivery guarantees of the runtime, on both backends: a finished task delivered
//! again is acknowledged without running, a poison task is dead-lettered without
//! running, retries are keyed by their task, dead letters wait in the outbox while
//! the database is away and are moved once, tasks the backend gave up on become dead
//! letters, the done marker of database-only jobs fences a second run, and an envelope
//! written before envelopes had versions still runs.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use entities::Engine;
use entities::testing::TestDb;
use jobs::catalogue::{Job, Probe};
use jobs::dead_letters::{self, DeadLetterFilter};
use jobs::{AnyJob, AttemptError, EnqueueOptions, Enqueued, Envelope, OutboxEntry, QueueClient, queues};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use tokio::sync::watch;
use workers::handlers::probe_log_key;
use workers::runtime::{Outcome, PoolSpec, Runtime, run_pools};

use common::backends::{Backend, queues_for};
use common::wait::wait_until;

on_both_backends!(
    a_finished_task_delivered_again_is_acknowledged_without_running,
    a_task_delivered_past_its_max_attempts_is_dead_lettered_without_running,
    a_retry_is_queued_once_per_task_however_often_it_is_delivered,
    dead_letters_wait_in_the_outbox_while_the_database_is_away,
    tasks_the_backend_gave_up_on_become_dead_letters,
    a_second_run_of_a_committed_attempt_writes_nothing,
    an_envelope_from_before_versioning_runs,
    a_requeue_interrupted_after_its_enqueue_queues_no_second_job,
    snapshots_never_processed_are_queued_once,
);

/// While the database does not answer, the breaker puts jobs that need it back for
/// later, jobs that do not (probes) still run, and a dead letter goes straight to the
/// outbox; the first good ping closes the breaker. The database here is a PostgreSQL
/// address nothing listens on.
#[tokio::test]
async fn while_the_database_is_unreachable_jobs_that_need_it_wait_and_the_others_run() {
    use jobs::catalogue::SettleBets;
    let w = world(Backend::Redis).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut options = sea_orm::ConnectOptions::new(format!("postgres://postgres@127.0.0.1:{port}/none"));
    options.connect_lazy(true).acquire_timeout(Duration::from_secs(30));
    let away = sea_orm::Database::connect(options).await.unwrap();
    let rt = Runtime::new(away, w.queues.clone());
    assert!(!rt.db_breaker.check().await, "nothing listens there");
    assert!(rt.db_breaker.is_open());

    let settle = Envelope::new(&AnyJob::SettleBets(SettleBets {}));
    let started = std::time::Instant::now();
    assert_eq!(rt.deliver(settle, "w", "task-settle").await.unwrap(), Outcome::Deferred);
    assert_eq!(w.queues.stats(queues::SETTLE).await.unwrap().scheduled, 1, "put back for later, once");
    assert_eq!(rt.deliver(envelope(probe("db-away")), "w", "task-probe").await.unwrap(), Outcome::Succeeded);
    assert_eq!(w.runs("db-away").await, 1);
    let failing = envelope(Probe { permanent: true, ..probe("db-away-fails") });
    assert_eq!(rt.deliver(failing, "w", "task-fails").await.unwrap(), Outcome::DeadLettered { id: None });
    assert_eq!(w.queues.outbox_list(10).await.unwrap().len(), 1);
    // None of it waited for the pool's 30 s acquire timeout.
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());

    // A server that answers closes it.
    let pg = TestDb::new(Engine::Postgres).await;
    Migrator::up(&pg.conn, None).await.unwrap();
    let rt = Runtime::new(pg.conn.clone(), w.queues.clone());
    rt.db_breaker.set(true);
    assert!(rt.db_breaker.check().await);
    assert!(!rt.db_breaker.is_open());
    let settle = Envelope::new(&AnyJob::SettleBets(SettleBets {}));
    assert_eq!(rt.deliver(settle, "w", "task-settle-2").await.unwrap(), Outcome::Succeeded);
}

/// On the embedded queue a heartbeat is a write, which waits while another writer holds
/// the file. A transaction holding it for 9 s (longer than Redis's 6 s orphan time)
/// neither orphans the live worker's job nor gets the worker replaced: the job runs once.
#[tokio::test]
async fn a_long_write_transaction_does_not_orphan_a_live_worker_on_the_embedded_queue() {
    let w = world(Backend::Embedded).await;
    let rt = Arc::new(Runtime::new(w.db.conn.clone(), w.queues.clone()));
    let (stop, rx) = watch::channel(false);
    let spec = PoolSpec { queue: Probe::QUEUE.to_owned(), concurrency: 2 };
    let pools = tokio::spawn(run_pools(rt, vec![spec], rx, Duration::from_secs(30)));
    let long = envelope(Probe { sleep_ms: 12_000, ..probe("busy-file") });
    w.queues.enqueue(&long, &EnqueueOptions::default()).await.unwrap();
    wait_until(Duration::from_secs(20), || async { w.runs("busy-file").await == 1 }).await;
    // The fault itself: a writer (a season import) keeps the file for 9 s.
    let pool = w.db.conn.get_sqlite_connection_pool();
    let mut writer = pool.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *writer).await.unwrap();
    tokio::time::sleep(Duration::from_secs(9)).await;
    sqlx::query("COMMIT").execute(&mut *writer).await.unwrap();
    drop(writer);
    wait_until(Duration::from_secs(30), || async {
        w.queues.stats(queues::MAINTENANCE).await.unwrap().done_last_hour == 1
    })
    .await;
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
    assert_eq!(w.runs("busy-file").await, 1, "the job was taken from its live worker and run again");
}

#[tokio::test]
async fn a_task_id_without_its_payload_is_quarantined_and_the_others_run() {
    let w = world(Backend::Redis).await;
    let QueueClient::Redis(q) = &w.queues else { unreachable!() };
    let jobs: Vec<Envelope> = (0..3).map(|_| envelope(probe("orphan-payload"))).collect();
    for job in &jobs {
        w.queues.enqueue(job, &EnqueueOptions::default()).await.unwrap();
    }
    // A partial restore: a task id is queued, its payload is not.
    let key = |s: &str| format!("{}{}:{s}", q.prefix(), queues::MAINTENANCE);
    let mut c = q.connection();
    let tasks: Vec<String> = redis::AsyncCommands::lrange(&mut c, key("active"), 0, -1).await.unwrap();
    assert_eq!(tasks.len(), 3);
    let _: i64 = redis::AsyncCommands::hdel(&mut c, key("data"), &tasks[1]).await.unwrap();

    let rt = Arc::new(Runtime::new(w.db.conn.clone(), w.queues.clone()));
    let (stop, rx) = watch::channel(false);
    let spec = PoolSpec { queue: Probe::QUEUE.to_owned(), concurrency: 4 };
    let pools = tokio::spawn(run_pools(rt, vec![spec], rx, Duration::from_secs(5)));
    // The fetch that takes the id fails; the sweep gives the others back and sets the
    // id aside; housekeeping records it. No worker fetches it again.
    wait_until(Duration::from_secs(30), || async {
        w.runs("orphan-payload").await == 2 && w.letters().await.len() == 1
    })
    .await;
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
    let letters = w.letters().await;
    let error = dead_letters::errors_of(&letters[0]).remove(0).error;
    assert!(error.contains(&tasks[1]) && error.contains("without its payload"), "{error}");
    assert_eq!(letters[0].kind, "unknown");
    assert_eq!(w.runs("orphan-payload").await, 2, "the two whole jobs ran once each");
    let stats = w.queues.stats(queues::MAINTENANCE).await.unwrap();
    assert_eq!((stats.pending, stats.running), (0, 0), "{stats:?}");
}

struct World {
    _cleanup: Option<jobs::testing::PrefixGuard>,
    db: TestDb,
    queues: QueueClient,
    rt: Runtime,
}

async fn world(backend: Backend) -> World {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let (queues, _cleanup) = queues_for(backend, &db).await;
    let rt = Runtime::new(db.conn.clone(), queues.clone());
    World { _cleanup, db, queues, rt }
}

impl World {
    async fn runs(&self, tag: &str) -> usize {
        self.queues.log_range(&probe_log_key(tag)).await.unwrap().len()
    }

    async fn letters(&self) -> Vec<entities::dead_letters::Model> {
        dead_letters::list(&self.db.conn, &DeadLetterFilter::default()).await.unwrap()
    }
}

fn probe(tag: &str) -> Probe {
    Probe { tag: tag.to_owned(), ..Probe::default() }
}

fn envelope(p: Probe) -> Envelope {
    Envelope::new(&AnyJob::Probe(p))
}

async fn a_finished_task_delivered_again_is_acknowledged_without_running(backend: Backend) {
    let w = world(backend).await;
    let job = envelope(probe("once"));
    let first = w.rt.deliver(job.clone(), "w1", "task-1").await.unwrap();
    let again = w.rt.deliver(job.clone(), "w2", "task-1").await.unwrap();
    assert_eq!((first, again), (Outcome::Succeeded, Outcome::AlreadyFinished));
    assert_eq!(w.runs("once").await, 1);
    // Another task (another delivery of the job, say a requeue) does run.
    assert_eq!(w.rt.deliver(job, "w1", "task-2").await.unwrap(), Outcome::Succeeded);
    assert_eq!(w.runs("once").await, 2);
}

async fn a_task_delivered_past_its_max_attempts_is_dead_lettered_without_running(backend: Backend) {
    let w = world(backend).await;
    let job = envelope(Probe { abort: true, ..probe("poison") });
    // Each earlier delivery killed its process before any outcome.
    for _ in 0..Probe::POLICY.max_attempts {
        w.queues.begin_delivery(queues::MAINTENANCE, "task-p").await.unwrap();
    }
    let outcome = w.rt.deliver(job.clone(), "w", "task-p").await.unwrap();
    assert!(matches!(outcome, Outcome::DeadLettered { id: Some(_) }), "{outcome:?}");
    let letters = w.letters().await;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].job_id.as_deref(), Some(job.id.as_str()));
    let errors = dead_letters::errors_of(&letters[0]);
    assert!(errors[0].error.contains("poison") && errors[0].permanent, "{errors:?}");
    assert_eq!(w.runs("poison").await, 0, "the poison job must not run again");
    // Delivered once more (the acknowledgement lost), it is not recorded twice.
    assert_eq!(w.rt.deliver(job, "w", "task-p").await.unwrap(), Outcome::AlreadyFinished);
    assert_eq!(w.letters().await.len(), 1);
}

async fn a_retry_is_queued_once_per_task_however_often_it_is_delivered(backend: Backend) {
    let w = world(backend).await;
    let job = envelope(Probe { fail_times: 1, ..probe("flaky") });
    let first = w.rt.deliver(job.clone(), "w", "task-r").await.unwrap();
    assert!(matches!(first, Outcome::Retried { attempt: 2, .. }), "{first:?}");
    // The process died before marking the task finished: the next delivery runs it
    // again, and its retry is the one already queued, not a second one.
    reset_finished(&w.queues, "task-r").await;
    let again = w.rt.deliver(job, "w", "task-r").await.unwrap();
    assert!(matches!(again, Outcome::Retried { attempt: 2, .. }), "{again:?}");
    assert_eq!(w.runs("flaky").await, 2);
    assert_eq!(w.queues.depth(queues::MAINTENANCE).await.unwrap(), 1, "one retry queued");
}

/// Undoes `finish_delivery` as a kill just before it would leave things.
async fn reset_finished(queues: &QueueClient, task: &str) {
    match queues {
        QueueClient::Redis(q) => {
            let key = format!("{}{}:run:{task}", q.prefix(), queues::MAINTENANCE);
            let _: i64 =
                redis::cmd("HDEL").arg(key).arg("done").query_async(&mut q.connection()).await.unwrap();
        }
        QueueClient::Embedded(q) => {
            sqlx::query("UPDATE kickoff_queue_runs SET finished = 0 WHERE task_id = ?1")
                .bind(task)
                .execute(q.pool())
                .await
                .unwrap();
        }
    }
}

async fn dead_letters_wait_in_the_outbox_while_the_database_is_away(backend: Backend) {
    let w = world(backend).await;
    // The data's database refuses the letter (its table is away); the queue backend
    // still answers.
    w.db.conn.execute_unprepared("ALTER TABLE dead_letters RENAME TO dead_letters_away").await.unwrap();
    let job = envelope(Probe { permanent: true, ..probe("broken") });
    let outcome = w.rt.deliver(job.clone(), "w", "task-d").await.unwrap();
    assert_eq!(outcome, Outcome::DeadLettered { id: None });
    let kept = w.queues.outbox_list(10).await.unwrap();
    assert_eq!(kept.iter().map(|e| e.envelope.id.as_str()).collect::<Vec<_>>(), vec![job.id.as_str()]);
    // Still away: draining fails and keeps the entry.
    let names = vec![queues::MAINTENANCE.to_owned()];
    assert!(w.rt.drain_outbox(&names).await.is_err());
    assert_eq!(w.queues.outbox_list(10).await.unwrap().len(), 1);

    w.db.conn.execute_unprepared("ALTER TABLE dead_letters_away RENAME TO dead_letters").await.unwrap();
    assert_eq!(w.rt.drain_outbox(&names).await.unwrap(), 1);
    assert!(w.queues.outbox_list(10).await.unwrap().is_empty());
    // An entry put again (a redelivered outcome) makes no second letter.
    let entry = OutboxEntry {
        queue: queues::MAINTENANCE.into(),
        envelope: job.clone(),
        error: kept[0].error.clone(),
    };
    w.queues.outbox_put(&entry).await.unwrap();
    w.rt.drain_outbox(&names).await.unwrap();
    let letters = w.letters().await;
    assert_eq!(letters.len(), 1);
    assert_eq!((letters[0].job_id.as_deref(), letters[0].kind.as_str()), (Some(job.id.as_str()), "probe"));
}

async fn tasks_the_backend_gave_up_on_become_dead_letters(backend: Backend) {
    let w = world(backend).await;
    let job = envelope(probe("given-up"));
    let payload = serde_json::to_vec(&job).unwrap();
    match &w.queues {
        QueueClient::Redis(q) => {
            let key = |s: &str| format!("{}{}:{s}", q.prefix(), queues::MAINTENANCE);
            let mut c = q.connection();
            let _: () = redis::pipe()
                .hset(key("data"), "t-dead", payload)
                .sadd(key("dead"), "t-dead")
                .sadd(key("dead"), "t-gone")
                .query_async(&mut c)
                .await
                .unwrap();
        }
        QueueClient::Embedded(q) => {
            for (id, job) in [("t-dead", Some(payload)), ("t-gone", None)] {
                sqlx::query(
                    "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority, metadata) \
                     VALUES (?1, ?2, ?3, 'Failed', 25, 25, 0, 0, '{}')",
                )
                .bind(job.unwrap_or_default())
                .bind(id)
                .bind(q.queue_key(queues::MAINTENANCE))
                .execute(q.pool())
                .await
                .unwrap();
            }
        }
    }
    let names = vec![queues::MAINTENANCE.to_owned()];
    assert_eq!(w.rt.drain_outbox(&names).await.unwrap(), 2);
    let letters = w.letters().await;
    let mut kinds: Vec<&str> = letters.iter().map(|l| l.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["probe", "unknown"]);
    let error_of = |kind: &str| {
        let letter = letters.iter().find(|l| l.kind == kind).unwrap();
        dead_letters::errors_of(letter).remove(0).error
    };
    assert!(error_of("probe").contains("gave up"), "{}", error_of("probe"));
    // On Redis the second has no payload at all: it says so.
    let gone = error_of("unknown");
    match backend {
        Backend::Redis => assert!(gone.contains("without its payload"), "{gone}"),
        Backend::Embedded => assert!(gone.contains("gave up"), "{gone}"),
    }
    // Recorded once: the backend forgot them.
    assert_eq!(w.rt.drain_outbox(&names).await.unwrap(), 0);
    assert_eq!(w.queues.given_up(queues::MAINTENANCE, 10).await.unwrap().len(), 0);
}

async fn a_second_run_of_a_committed_attempt_writes_nothing(backend: Backend) {
    let w = world(backend).await;
    let job = envelope(Probe { record: true, ..probe("fenced") });
    // Two deliveries of one attempt: a kill after the commit, before the mark.
    assert_eq!(w.rt.deliver(job.clone(), "w", "task-f").await.unwrap(), Outcome::Succeeded);
    reset_finished(&w.queues, "task-f").await;
    assert_eq!(w.rt.deliver(job.clone(), "w", "task-f").await.unwrap(), Outcome::Succeeded);
    assert_eq!(w.runs("fenced").await, 2, "the handler ran twice");
    assert_eq!(w.db.count("probe_runs").await, 1, "its database effect happened once");
    // The next attempt is another transaction.
    let next = job.retry(AttemptError {
        attempt: 1,
        error: "x".into(),
        permanent: false,
        started_at: chrono::Utc::now(),
        failed_at: chrono::Utc::now(),
        worker: "w".into(),
    });
    w.rt.deliver(next, "w", "task-g").await.unwrap();
    assert_eq!(w.db.count("probe_runs").await, 2);
}

async fn an_envelope_from_before_versioning_runs(backend: Backend) {
    let w = world(backend).await;
    // As the release before versioning wrote it: no `v`, no `context`.
    let old = r#"{"id":"01KBN2Z5Y3J8G6M5X0Q9R7T4VW","kind":"probe","args":{"tag":"old"},"attempt":1,"errors":[],"enqueued_at":"2026-12-06T09:59:59Z","parent":null,"root":null}"#;
    let env: Envelope = serde_json::from_str(old).unwrap();
    assert_eq!(env.v, 1);
    w.queues.enqueue(&env, &EnqueueOptions::default()).await.unwrap();
    let rt = Arc::new(Runtime::new(w.db.conn.clone(), w.queues.clone()));
    let (stop, rx) = watch::channel(false);
    let spec = PoolSpec { queue: Probe::QUEUE.to_owned(), concurrency: 2 };
    let pools = tokio::spawn(run_pools(rt, vec![spec], rx, Duration::from_secs(5)));
    wait_until(Duration::from_secs(20), || async { w.runs("old").await == 1 }).await;
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
    assert!(w.letters().await.is_empty());
}

async fn a_requeue_interrupted_after_its_enqueue_queues_no_second_job(backend: Backend) {
    let w = world(backend).await;
    let job = envelope(Probe { permanent: true, ..probe("requeued") });
    let Outcome::DeadLettered { id: Some(id) } = w.rt.deliver(job, "w", "task-q").await.unwrap() else {
        panic!("not dead-lettered")
    };
    // The first half of an interrupted requeue: its job queued under the letter's key.
    let first = Envelope::new(&AnyJob::Probe(probe("requeued")));
    let key = format!("requeue:dead_letter:{id}");
    let queued = w
        .queues
        .enqueue(&first, &EnqueueOptions { idempotency_key: Some(key), ..Default::default() })
        .await
        .unwrap();
    assert!(matches!(queued, Enqueued::Queued { .. }));
    // The operator asks again: the letter is marked, and no second job is queued.
    let again = dead_letters::requeue(&w.db.conn, &w.queues, id, None).await.unwrap();
    assert!(matches!(again, Enqueued::Duplicate { .. }), "{again:?}");
    assert_eq!(w.queues.depth(queues::MAINTENANCE).await.unwrap(), 1);
    assert!(dead_letters::get(&w.db.conn, id).await.unwrap().requeued_at.is_some());
    let third = dead_letters::requeue(&w.db.conn, &w.queues, id, None).await;
    assert!(matches!(third, Err(dead_letters::DeadLetterError::AlreadyRequeued { .. })), "{third:?}");
}

async fn snapshots_never_processed_are_queued_once(backend: Backend) {
    use jobs::catalogue::{Maintenance, MaintenanceTask};
    let w = world(backend).await;
    let old = chrono::Utc::now() - chrono::Duration::hours(1);
    let young = chrono::Utc::now();
    for (i, (at, processed)) in [(old, false), (old, true), (young, false)].into_iter().enumerate() {
        w.db.conn
            .execute_unprepared(&format!(
                "INSERT INTO scrape_snapshots (source, url, fetched_at, http_status, content_hash, body, processed_at) \
                 VALUES ('s', 'u{i}', '{}', 200, 'h{i}', 'b', {})",
                at.to_rfc3339(),
                if processed { format!("'{}'", at.to_rfc3339()) } else { "NULL".into() }
            ))
            .await
            .unwrap();
    }
    let sweep = Envelope::new(&AnyJob::Maintenance(Maintenance { task: MaintenanceTask::ProcessPending }));
    for _ in 0..2 {
        assert_eq!(w.rt.execute(sweep.clone(), "w").await.unwrap(), Outcome::Succeeded);
    }
    // Only the old unprocessed one, and once however often the sweep runs.
    assert_eq!(w.queues.depth(queues::PROCESS).await.unwrap(), 1);
}

/// A job in flight holds its delivery's future for as long as it runs, so a thousand
/// sleeping jobs cost a thousand of them: the common path's state stays small, and
/// the rare paths (deferral, retry, dead letter) and the handlers are boxed.
#[tokio::test]
async fn a_delivery_in_flight_holds_little_state() {
    let w = world(Backend::Embedded).await;
    let future = w.rt.deliver(envelope(probe("size")), "w", "task-size");
    let size = std::mem::size_of_val(&future);
    drop(future);
    eprintln!("deliver future: {size} bytes");
    // 4,240 bytes before the rare paths were boxed and the envelope borrowed down the call.
    assert!(size <= 1600, "a delivery's future is {size} bytes");
}
