//! What the dashboard reads about jobs, on both backends: the journal of finished
//! attempts (outcome, worker, timing, schedule, chain), the per-minute and per-hour
//! counters behind the charts, the jobs still waiting or running, a drain, and the
//! concurrency each worker records.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entities::Engine;
use entities::testing::TestDb;
use jobs::catalogue::{Job, Probe};
use jobs::client::WORKER_CONCURRENCY_KEY;
use jobs::journal::{EventKind, JOURNAL_CAP, JobEvent, LiveState};
use jobs::series::{Counter, Range};
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient, queues};
use migration::{Migrator, MigratorTrait};
use tokio::sync::watch;
use workers::handlers::probe_log_key;
use workers::runtime::{PoolSpec, Runtime, run_pools};

use common::backends::{Backend, queues_for};
use common::wait::wait_until;

on_both_backends!(
    finished_attempts_are_journaled_with_outcome_worker_schedule_and_counts,
    a_running_job_is_listed_with_its_worker_and_workers_record_their_concurrency,
    waiting_jobs_are_listed_by_state_and_a_drain_removes_only_them,
    the_journal_keeps_the_newest_entries_up_to_its_cap,
);

fn probe(tag: &str) -> Probe {
    Probe { tag: tag.to_owned(), ..Probe::default() }
}

struct Pools {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

fn start(db: &TestDb, queues: &QueueClient, concurrency: usize) -> Pools {
    let rt = Arc::new(Runtime::new(db.conn.clone(), queues.clone()));
    let (stop, rx) = watch::channel(false);
    let spec = PoolSpec { queue: Probe::QUEUE.to_owned(), concurrency };
    let task = tokio::spawn(async move {
        run_pools(rt, vec![spec], rx, Duration::from_secs(10)).await.unwrap();
    });
    Pools { stop, task }
}

impl Pools {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap();
    }
}

async fn setup(backend: Backend) -> (TestDb, QueueClient, Option<jobs::testing::PrefixGuard>) {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let (queues, guard) = queues_for(backend, &db).await;
    (db, queues, guard)
}

async fn finished_attempts_are_journaled_with_outcome_worker_schedule_and_counts(backend: Backend) {
    let (db, queues, _guard) = setup(backend).await;
    let pools = start(&db, &queues, 2);
    let flaky =
        Envelope::new(&AnyJob::Probe(Probe { fail_times: 1, ..probe("flaky") })).scheduled_by("nightly");
    let broken = Envelope::new(&AnyJob::Probe(Probe { permanent: true, ..probe("broken") }));
    for e in [&flaky, &broken] {
        queues.enqueue(e, &EnqueueOptions::default()).await.unwrap();
    }
    // Journal writes are batched at the poll interval.
    wait_until(Duration::from_secs(30), || async {
        queues.journal(queues::MAINTENANCE, 10).await.unwrap().len() == 3
    })
    .await;
    let journal = queues.journal(queues::MAINTENANCE, 10).await.unwrap();
    let of = |id: &str| -> Vec<&JobEvent> {
        let mut v: Vec<&JobEvent> = journal.iter().filter(|e| e.job_id == id).collect();
        v.sort_by_key(|e| e.attempt);
        v
    };
    let flaky_runs = of(&flaky.id);
    assert_eq!(
        flaky_runs.iter().map(|e| (e.attempt, e.event)).collect::<Vec<_>>(),
        vec![(1, EventKind::Retried), (2, EventKind::Succeeded)]
    );
    assert!(
        flaky_runs[0].error.as_deref().unwrap().contains("flaky failure on attempt 1"),
        "{:?}",
        flaky_runs[0]
    );
    assert!(flaky_runs[1].error.is_none());
    for e in &flaky_runs {
        assert_eq!(e.schedule.as_deref(), Some("nightly"));
        assert_eq!(e.chain(), flaky.id);
        assert!(e.worker.contains("-maintenance-"), "{}", e.worker);
        assert!(e.started_at <= e.at && e.at <= Utc::now());
        assert_eq!(e.args["tag"], "flaky");
    }
    let broken_runs = of(&broken.id);
    assert_eq!(broken_runs.len(), 1);
    assert_eq!(broken_runs[0].event, EventKind::DeadLettered);
    assert!(broken_runs[0].dead_letter_id.is_some());
    assert_eq!(broken_runs[0].schedule, None);
    // Newest first.
    assert!(journal.windows(2).all(|w| w[0].at >= w[1].at), "{journal:?}");

    // The chart counters: one success and two failures in the current minute and hour.
    wait_until(Duration::from_secs(10), || async {
        let done: u64 =
            queues.series(queues::MAINTENANCE, Counter::Done, Range::Hour).await.unwrap().iter().sum();
        done == 1
    })
    .await;
    for range in Range::ALL {
        let done = queues.series(queues::MAINTENANCE, Counter::Done, range).await.unwrap();
        let failed = queues.series(queues::MAINTENANCE, Counter::Failed, range).await.unwrap();
        assert_eq!(done.len(), range.buckets().1);
        // The current bucket is the last (a minute may turn between attempts).
        assert_eq!(done.iter().sum::<u64>(), 1, "{range:?}: {done:?}");
        assert_eq!(failed.iter().sum::<u64>(), 2, "{range:?}: {failed:?}");
        assert!(done[done.len() - 2..].iter().sum::<u64>() == 1, "{range:?}: {done:?}");
    }
    assert!(queues.series(queues::SCRAPE, Counter::Done, Range::Day).await.unwrap().iter().all(|c| *c == 0));
    pools.stop().await;
}

async fn a_running_job_is_listed_with_its_worker_and_workers_record_their_concurrency(backend: Backend) {
    let (db, queues, _guard) = setup(backend).await;
    let pools = start(&db, &queues, 3);
    let slow = Envelope::new(&AnyJob::Probe(Probe { sleep_ms: 4_000, ..probe("slow") }));
    queues.enqueue(&slow, &EnqueueOptions::default()).await.unwrap();
    // The handler logs its start before it sleeps.
    wait_until(Duration::from_secs(20), || async {
        !queues.log_range(&probe_log_key("slow")).await.unwrap().is_empty()
    })
    .await;
    let running = queues.live_jobs(queues::MAINTENANCE, LiveState::Running, 10).await.unwrap();
    assert_eq!(running.len(), 1, "{running:?}");
    assert_eq!(running[0].envelope.id, slow.id);
    assert_eq!(running[0].state, LiveState::Running);
    let worker = running[0].worker.clone().unwrap();
    let workers = queues.workers(queues::MAINTENANCE).await.unwrap();
    assert!(workers.iter().any(|w| w.name == worker), "{workers:?}");
    let concurrency = queues.hash_get_all(WORKER_CONCURRENCY_KEY).await.unwrap();
    assert_eq!(concurrency.get(&worker), Some(&3), "{concurrency:?}");
    assert!(queues.live_jobs(queues::MAINTENANCE, LiveState::Pending, 10).await.unwrap().is_empty());
    // Once finished it leaves the running list for the journal.
    wait_until(Duration::from_secs(30), || async {
        queues.journal(queues::MAINTENANCE, 10).await.unwrap().iter().any(|e| e.job_id == slow.id)
    })
    .await;
    wait_until(Duration::from_secs(10), || async {
        queues.live_jobs(queues::MAINTENANCE, LiveState::Running, 10).await.unwrap().is_empty()
    })
    .await;
    pools.stop().await;
    // A stopped worker removes its entry.
    assert!(!queues.hash_get_all(WORKER_CONCURRENCY_KEY).await.unwrap().contains_key(&worker));
}

async fn waiting_jobs_are_listed_by_state_and_a_drain_removes_only_them(backend: Backend) {
    let (_db, queues, _guard) = setup(backend).await;
    let later = Utc::now() + chrono::Duration::hours(1);
    let mut now_ids = Vec::new();
    for i in 0..3 {
        let e = Envelope::new(&AnyJob::Probe(probe(&format!("now-{i}"))));
        queues.enqueue(&e, &EnqueueOptions::default()).await.unwrap();
        now_ids.push(e.id);
    }
    let delayed = Envelope::new(&AnyJob::Probe(probe("later")));
    queues.enqueue(&delayed, &EnqueueOptions { run_at: Some(later), ..Default::default() }).await.unwrap();
    let retry = Envelope::new(&AnyJob::Probe(probe("retry"))).retry(jobs::AttemptError {
        attempt: 1,
        error: "boom".into(),
        permanent: false,
        started_at: Utc::now(),
        failed_at: Utc::now(),
        worker: "w".into(),
    });
    queues.enqueue(&retry, &EnqueueOptions { run_at: Some(later), ..Default::default() }).await.unwrap();

    let pending = queues.live_jobs(queues::MAINTENANCE, LiveState::Pending, 10).await.unwrap();
    assert_eq!(pending.iter().map(|j| j.envelope.id.clone()).collect::<Vec<_>>(), now_ids, "oldest first");
    assert!(pending.iter().all(|j| j.run_at.is_none() && j.worker.is_none()));
    assert_eq!(queues.live_jobs(queues::MAINTENANCE, LiveState::Pending, 2).await.unwrap().len(), 2, "limit");
    let scheduled = queues.live_jobs(queues::MAINTENANCE, LiveState::Scheduled, 10).await.unwrap();
    assert_eq!(scheduled.len(), 2);
    for j in &scheduled {
        let at = j.run_at.unwrap();
        assert!((at - later).num_milliseconds().abs() < 5, "{at} vs {later}");
    }
    let carried = scheduled.iter().find(|j| j.envelope.id == retry.id).unwrap();
    assert_eq!(carried.envelope.errors[0].error, "boom");
    assert!(queues.live_jobs(queues::SCRAPE, LiveState::Pending, 10).await.unwrap().is_empty());

    let other = Envelope::new(&AnyJob::SettleBets(jobs::catalogue::SettleBets {}));
    queues.enqueue(&other, &EnqueueOptions::default()).await.unwrap();
    assert_eq!(queues.drain(queues::MAINTENANCE).await.unwrap(), 5);
    let stats = queues.stats(queues::MAINTENANCE).await.unwrap();
    assert_eq!((stats.pending, stats.scheduled, stats.retrying), (0, 0, 0), "{stats:?}");
    for s in LiveState::ALL {
        assert!(queues.live_jobs(queues::MAINTENANCE, s, 10).await.unwrap().is_empty());
    }
    // Other queues keep their jobs; a drained queue takes new ones.
    assert_eq!(queues.stats(queues::SETTLE).await.unwrap().pending, 1);
    assert_eq!(queues.drain(queues::MAINTENANCE).await.unwrap(), 0);
    queues.enqueue(&Envelope::new(&AnyJob::Probe(probe("after"))), &EnqueueOptions::default()).await.unwrap();
    assert_eq!(queues.stats(queues::MAINTENANCE).await.unwrap().pending, 1);
}

async fn the_journal_keeps_the_newest_entries_up_to_its_cap(backend: Backend) {
    let (_db, queues, _guard) = setup(backend).await;
    let env = Envelope::new(&AnyJob::Probe(probe("cap")));
    let event = |i: u32| JobEvent {
        attempt: i,
        ..JobEvent::of(EventKind::Succeeded, &env, queues::MAINTENANCE, "w", Utc::now())
    };
    let first: Vec<JobEvent> = (1..=JOURNAL_CAP as u32).map(event).collect();
    queues.journal_append(&first).await.unwrap();
    let more: Vec<JobEvent> = (JOURNAL_CAP as u32 + 1..=JOURNAL_CAP as u32 + 5).map(event).collect();
    queues.journal_append(&more).await.unwrap();
    let all = queues.journal(queues::MAINTENANCE, JOURNAL_CAP * 2).await.unwrap();
    assert_eq!(all.len(), JOURNAL_CAP);
    assert_eq!(all[0].attempt, JOURNAL_CAP as u32 + 5, "newest first");
    assert_eq!(all.last().unwrap().attempt, 6, "the five oldest fell off");
    assert_eq!(
        queues.journal(queues::MAINTENANCE, 3).await.unwrap().iter().map(|e| e.attempt).collect::<Vec<_>>(),
        vec![JOURNAL_CAP as u32 + 5, JOURNAL_CAP as u32 + 4, JOURNAL_CAP as u32 + 3]
    );
    assert!(queues.journal(queues::SCRAPE, 10).await.unwrap().is_empty());
}
