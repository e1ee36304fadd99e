//! The runtime's metrics: per queue and kind, jobs enqueued, started, succeeded,
//! retried and dead-lettered, a duration histogram, and the queue depth gauge. Its own
//! test binary: the recorder is process-wide.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use entities::Engine;
use entities::testing::{TestDb, unique_name};
use jobs::catalogue::{Job, Probe};
use jobs::embedded_queue::EmbeddedQueues;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use migration::{Migrator, MigratorTrait};
use tokio::sync::watch;
use workers::runtime::{PoolSpec, Runtime, run_pools};

/// Value of each metric named `name` with labels queue=maintenance, kind=probe (or
/// only queue=maintenance for gauges).
fn values(snapshotter: &Snapshotter) -> HashMap<String, DebugValue> {
    let mut out = HashMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let labels: HashMap<&str, &str> = key.key().labels().map(|l| (l.key(), l.value())).collect();
        if labels.get("queue") == Some(&"maintenance") && labels.get("kind").is_none_or(|k| *k == "probe") {
            out.insert(key.key().name().to_owned(), value);
        }
    }
    out
}

fn counter(v: &HashMap<String, DebugValue>, name: &str) -> u64 {
    match v.get(name) {
        Some(DebugValue::Counter(n)) => *n,
        other => panic!("{name}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_outcomes_are_counted_per_queue_and_kind() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().unwrap();

    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let prefix = format!("{}:", unique_name("kickoff_metrics"));
    let queues: QueueClient =
        EmbeddedQueues::open(db.conn.get_sqlite_connection_pool().clone(), prefix).await.unwrap().into();
    let rt = Arc::new(Runtime::new(db.conn.clone(), queues.clone()));
    let mut events = rt.subscribe();
    let (stop, rx) = watch::channel(false);
    let spec = PoolSpec { queue: Probe::QUEUE.to_owned(), concurrency: 4 };
    let pools = tokio::spawn(run_pools(rt, vec![spec], rx, Duration::from_secs(10)));

    // One success, one that fails once then succeeds, one permanent failure.
    for probe in [
        Probe::default(),
        Probe { fail_times: 1, ..Probe::default() },
        Probe { permanent: true, ..Probe::default() },
    ] {
        queues.enqueue(&Envelope::new(&AnyJob::Probe(probe)), &EnqueueOptions::default()).await.unwrap();
    }
    // Four deliveries in all: wait for their outcomes.
    for _ in 0..4 {
        tokio::time::timeout(Duration::from_secs(30), events.recv()).await.unwrap().unwrap();
    }
    let v = values(&snapshotter);
    // Three first attempts and one retry went through enqueue.
    assert_eq!(counter(&v, "kickoff_jobs_enqueued_total"), 4);
    assert_eq!(counter(&v, "kickoff_jobs_started_total"), 4);
    assert_eq!(counter(&v, "kickoff_jobs_succeeded_total"), 2);
    assert_eq!(counter(&v, "kickoff_jobs_retried_total"), 1);
    assert_eq!(counter(&v, "kickoff_jobs_dead_lettered_total"), 1);
    match v.get("kickoff_job_duration_seconds") {
        Some(DebugValue::Histogram(samples)) => {
            assert_eq!(samples.len(), 4);
            assert!(samples.iter().all(|s| s.0 >= 0.0 && s.0 < 30.0), "{samples:?}");
        }
        other => panic!("duration histogram: {other:?}"),
    }
    // The promoter publishes the depth of each pooled queue at every poll.
    let start = tokio::time::Instant::now();
    loop {
        if let Some(DebugValue::Gauge(depth)) = values(&snapshotter).get("kickoff_queue_depth") {
            assert_eq!(depth.0, 0.0);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no queue depth gauge");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
}
