//! The backend contract (`jobs::backend`), one suite run against Redis (a fresh prefix
//! on the shared server) and the embedded queue (an in-memory SQLite database): keyed
//! enqueues, delayed jobs and statistics, delivery marks, the outbox, the shared state
//! (hashes, claims, logs, rate-limit buckets), and orphan sweeps that put a silent worker's
//! jobs first on the backend's own clock, whatever the hosts' clocks say.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jobs::catalogue::Probe;
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::{PrefixGuard, memory_queue, redis_url};
use jobs::{AnyJob, AttemptError, EnqueueOptions, Enqueued, Envelope, OutboxEntry, QueueClient, queues};

async fn redis() -> (QueueClient, PrefixGuard) {
    let prefix = format!("kickoff_contract_{}:", ulid::Ulid::generate());
    let guard = PrefixGuard::new(redis_url(), prefix.clone());
    (RedisQueues::new(connect(&redis_url()).await.unwrap(), prefix).into(), guard)
}

/// Runs `$case(queues)` on each backend.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test]
            async fn redis() {
                let (q, _guard) = super::redis().await;
                super::$case(q).await
            }
            #[tokio::test]
            async fn embedded() {
                let (q, _pool) = jobs::testing::memory_queue().await;
                super::$case(q).await
            }
        }
    )*};
}

contract!(
    an_idempotency_key_queues_one_job,
    deliveries_are_counted_and_finished_tasks_say_so,
    the_outbox_keeps_one_entry_per_job_and_attempt,
    delayed_jobs_wait_until_due_and_stats_count_each_state,
    hashes_claims_and_logs_behave_as_documented,
    a_rate_limit_bucket_lets_a_burst_through_then_spaces_requests,
);

fn job(tag: &str) -> Envelope {
    Envelope::new(&AnyJob::Probe(Probe { tag: tag.into(), ..Probe::default() }))
}

async fn an_idempotency_key_queues_one_job(q: QueueClient) {
    let keyed = EnqueueOptions { idempotency_key: Some("k".into()), ..Default::default() };
    assert!(matches!(q.enqueue(&job("a"), &keyed).await.unwrap(), Enqueued::Queued { .. }));
    assert_eq!(q.enqueue(&job("b"), &keyed).await.unwrap(), Enqueued::Duplicate { key: "k".into() });
    assert!(matches!(
        q.enqueue(&job("c"), &EnqueueOptions::default()).await.unwrap(),
        Enqueued::Queued { .. }
    ));
    assert_eq!(q.depth(queues::MAINTENANCE).await.unwrap(), 2);
    let _ = q.flush_all().await;
}

async fn deliveries_are_counted_and_finished_tasks_say_so(q: QueueClient) {
    let m = queues::MAINTENANCE;
    let first = q.begin_delivery(m, "t1").await.unwrap();
    assert_eq!((first.deliveries, first.finished), (1, false));
    let second = q.begin_delivery(m, "t1").await.unwrap();
    assert_eq!((second.deliveries, second.finished), (2, false));
    q.finish_delivery(m, "t1").await.unwrap();
    let third = q.begin_delivery(m, "t1").await.unwrap();
    assert_eq!((third.deliveries, third.finished), (3, true));
    // Marks are per task.
    assert_eq!(q.begin_delivery(m, "t2").await.unwrap().deliveries, 1);
    let _ = q.flush_all().await;
}

async fn the_outbox_keeps_one_entry_per_job_and_attempt(q: QueueClient) {
    let env = job("x");
    let error = AttemptError {
        attempt: 1,
        error: "boom".into(),
        permanent: true,
        started_at: chrono::Utc::now(),
        failed_at: chrono::Utc::now(),
        worker: "w".into(),
    };
    let entry = OutboxEntry { queue: "maintenance".into(), envelope: env.clone(), error: error.clone() };
    q.outbox_put(&entry).await.unwrap();
    q.outbox_put(&entry).await.unwrap();
    let next = OutboxEntry { envelope: env.retry(error.clone()), ..entry.clone() };
    q.outbox_put(&next).await.unwrap();
    let mut kept: Vec<String> = q.outbox_list(10).await.unwrap().iter().map(OutboxEntry::key).collect();
    kept.sort();
    assert_eq!(kept, vec![format!("{}:1", env.id), format!("{}:2", env.id)]);
    q.outbox_remove(&entry.key()).await.unwrap();
    assert_eq!(q.outbox_list(10).await.unwrap(), vec![next]);
    // Another prefix sees nothing of it.
    assert!(q.with_prefix("other_prefix:").outbox_list(10).await.unwrap().is_empty());
    let _ = q.flush_all().await;
}

async fn delayed_jobs_wait_until_due_and_stats_count_each_state(q: QueueClient) {
    use chrono::{Duration, Utc};
    let m = queues::MAINTENANCE;
    let at = |offset: Duration| EnqueueOptions { run_at: Some(Utc::now() + offset), ..Default::default() };
    q.enqueue(&job("later"), &at(Duration::hours(1))).await.unwrap();
    q.enqueue(&job("due"), &at(Duration::seconds(-1))).await.unwrap();
    q.enqueue(&job("now"), &EnqueueOptions::default()).await.unwrap();
    // The due job is ready once promoted (at the latest); the later one stays delayed.
    q.promote_due(m).await.unwrap();
    assert_eq!(q.promote_due(m).await.unwrap(), 0, "nothing else is due");
    let stats = q.stats(m).await.unwrap();
    assert_eq!((stats.pending, stats.scheduled, stats.retrying), (2, 1, 0), "{stats:?}");
    assert_eq!(q.depth(m).await.unwrap(), 3);
    assert!(!stats.paused);
    q.pause(m).await.unwrap();
    assert!(q.stats(m).await.unwrap().paused);
    q.resume(m).await.unwrap();
    q.record_dead(m).await.unwrap();
    let stats = q.stats(m).await.unwrap();
    assert_eq!((stats.dead, stats.paused, stats.running, stats.workers), (1, false, 0, 0), "{stats:?}");
    // Other queues are untouched.
    assert_eq!(q.stats(queues::SCRAPE).await.unwrap().pending, 0);
    let _ = q.flush_all().await;
}

async fn hashes_claims_and_logs_behave_as_documented(q: QueueClient) {
    assert!(q.hash_get_all("h").await.unwrap().is_empty());
    q.hash_set("h", "a", 5).await.unwrap();
    assert!(!q.hash_set_if_absent("h", "a", 9).await.unwrap(), "a is there");
    assert!(q.hash_set_if_absent("h", "b", 1).await.unwrap());
    q.hash_set_max("h", "a", 3).await.unwrap();
    q.hash_set_max("h", "b", 7).await.unwrap();
    q.hash_incr_stamped("h", "c", 2, "c_at", 100).await.unwrap();
    q.hash_incr_stamped("h", "c", 3, "c_at", 200).await.unwrap();
    let h = q.hash_get_all("h").await.unwrap();
    let expected: std::collections::HashMap<String, i64> =
        [("a", 5), ("b", 7), ("c", 5), ("c_at", 200)].into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    assert_eq!(h, expected);
    assert!(q.hash_del("h", "a").await.unwrap());
    assert!(!q.hash_del("h", "a").await.unwrap());

    let ttl = std::time::Duration::from_secs(60);
    assert!(q.claim("lock", "one", ttl).await.unwrap());
    assert!(!q.claim("lock", "two", ttl).await.unwrap(), "held by one");
    q.release("lock").await.unwrap();
    assert!(q.claim("lock", "two", ttl).await.unwrap(), "released");

    for entry in ["first", "second", "third"] {
        q.log_push("log", entry).await.unwrap();
    }
    assert_eq!(q.log_range("log").await.unwrap(), ["first", "second", "third"]);
    // Another prefix sees none of it.
    let other = q.with_prefix("kickoff_contract_other:");
    assert!(other.hash_get_all("h").await.unwrap().is_empty());
    assert!(other.log_range("log").await.unwrap().is_empty());
    let _ = q.flush_all().await;
}

async fn a_rate_limit_bucket_lets_a_burst_through_then_spaces_requests(q: QueueClient) {
    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(q.reserve_slot("bucket", hour, 2).await.unwrap(), std::time::Duration::ZERO);
    assert_eq!(q.reserve_slot("bucket", hour, 2).await.unwrap(), std::time::Duration::ZERO);
    // The burst is spent: the next slot is an interval away, the one after two.
    let third = q.reserve_slot("bucket", hour, 2).await.unwrap();
    let fourth = q.reserve_slot("bucket", hour, 2).await.unwrap();
    let minute = std::time::Duration::from_secs(60);
    assert!(third > hour - minute && third <= hour, "{third:?}");
    assert!(fourth > 2 * hour - minute && fourth <= 2 * hour, "{fourth:?}");
    let _ = q.flush_all().await;
}

/// A worker registered by apalis with a host clock ten minutes *ahead* (its score in
/// the future), silent on the server's clock, loses its jobs; one whose host clock is
/// ten minutes *behind* but which beats on the server's clock keeps its jobs. The
/// orphans go to the front of the ready list, before jobs queued after them.
#[tokio::test]
async fn orphans_are_judged_on_redis_time_and_go_first() {
    let (q, _guard) = redis().await;
    let QueueClient::Redis(r) = &q else { unreachable!() };
    let m = queues::MAINTENANCE;
    let key = |s: &str| format!("{}{m}:{s}", r.prefix());
    let mut c = r.connection();
    let now = chrono::Utc::now().timestamp();
    // apalis registers workers with each host's own clock.
    // o1 is whole, o2 lost only its metadata, o3 its payload (a partial restore).
    let _: () = redis::pipe()
        .zadd(key("workers"), "ahead", now + 600)
        .zadd(key("workers"), "behind", now - 600)
        .sadd(key("inflight:ahead"), &["o1", "o2", "o3"])
        .sadd(key("inflight:behind"), "kept")
        .hset(key("data"), "o1", "{}")
        .hset(key("data"), "o2", "{}")
        .hset(key("meta:o1"), "attempts", 0)
        .hset(key("meta:o3"), "attempts", 0)
        .query_async(&mut c)
        .await
        .unwrap();
    for id in ["later1", "later2"] {
        let _: () = redis::cmd("RPUSH").arg(key("active")).arg(id).query_async(&mut c).await.unwrap();
    }
    // First sight: both get a beat at the server's now; nothing moves.
    assert_eq!(q.sweep_orphans(m).await.unwrap(), 0);
    // "ahead" goes silent; "behind" keeps beating (on the server's clock).
    let (server_ms, _) = server_time(&mut c).await;
    let _: () = redis::cmd("ZADD")
        .arg(key("beats"))
        .arg(server_ms - 7_000)
        .arg("ahead")
        .query_async(&mut c)
        .await
        .unwrap();
    q.keep_alive(m, "behind").await.unwrap();
    assert_eq!(q.sweep_orphans(m).await.unwrap(), 2);
    let active: Vec<String> =
        redis::cmd("LRANGE").arg(key("active")).arg(0).arg(-1).query_async(&mut c).await.unwrap();
    let mut head = active[..2].to_vec();
    head.sort();
    assert_eq!(
        (head, &active[2..]),
        (vec!["o1".to_owned(), "o2".to_owned()], &["later1".to_owned(), "later2".to_owned()][..])
    );
    // The task without its payload would fail every fetch: it is set aside for a dead
    // letter. The one without metadata got the metadata a push writes.
    let given_up = q.given_up(m, 10).await.unwrap();
    assert_eq!(given_up, vec![("o3".to_owned(), None)]);
    let status: Option<String> =
        redis::cmd("HGET").arg(key("meta:o2")).arg("status").query_async(&mut c).await.unwrap();
    assert_eq!(status.as_deref(), Some("Pending"));
    let workers = q.workers(m).await.unwrap();
    assert_eq!(
        workers.iter().map(|w| (w.name.as_str(), w.alive, w.in_flight)).collect::<Vec<_>>(),
        vec![("behind", true, 1)]
    );
    let stats = q.stats(m).await.unwrap();
    assert_eq!((stats.workers, stats.running), (1, 1));
    // The beat was the server's time, not this host's.
    let beat: f64 = redis::cmd("ZSCORE").arg(key("beats")).arg("behind").query_async(&mut c).await.unwrap();
    let (server_ms, _) = server_time(&mut c).await;
    assert!((server_ms as f64 - beat).abs() < 5_000.0);
    // A swept worker's heartbeat does not bring it back.
    q.keep_alive(m, "ahead").await.unwrap();
    assert!(q.workers(m).await.unwrap().iter().all(|w| w.name != "ahead"));
    let _ = q.flush_all().await;
}

async fn server_time(c: &mut redis::aio::ConnectionManager) -> (i64, ()) {
    let (s, us): (i64, i64) = redis::cmd("TIME").query_async(c).await.unwrap();
    (s * 1000 + us / 1000, ())
}

/// The embedded queue's statistics stop counting a killed worker once its jobs would
/// be orphaned, and the sweep hands its jobs back.
#[tokio::test]
async fn the_embedded_queue_forgets_a_silent_worker() {
    let (q, pool) = memory_queue().await;
    let m = queues::MAINTENANCE;
    let QueueClient::Embedded(e) = &q else { unreachable!() };
    q.enqueue(&job("held"), &EnqueueOptions::default()).await.unwrap();
    // Silent for 10 s: a heartbeat write waiting out a busy file, still alive.
    let waiting = chrono::Utc::now().timestamp() - 10;
    sqlx::query("INSERT INTO Workers (id, worker_type, storage_name, layers, last_seen) VALUES ('busy', ?1, 'x', '', ?2)")
        .bind(e.queue_key(m))
        .bind(waiting)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(q.stats(m).await.unwrap().workers, 1);
    assert_eq!(q.sweep_orphans(m).await.unwrap(), 0);
    sqlx::query("DELETE FROM Workers WHERE id = 'busy'").execute(&pool).await.unwrap();
    let silent_since = chrono::Utc::now().timestamp() - 30;
    sqlx::query("INSERT INTO Workers (id, worker_type, storage_name, layers, last_seen) VALUES ('dead', ?1, 'x', '', ?2)")
        .bind(e.queue_key(m))
        .bind(silent_since)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE Jobs SET status = 'Running', lock_by = 'dead'").execute(&pool).await.unwrap();
    let stats = q.stats(m).await.unwrap();
    assert_eq!((stats.workers, stats.running), (0, 0));
    assert_eq!(q.sweep_orphans(m).await.unwrap(), 1);
    assert_eq!(q.stats(m).await.unwrap().pending, 1);
}

/// A stopping worker's jobs go back to the front of the ready list at once (not after
/// its heartbeat expires), and the worker is forgotten.
#[tokio::test]
async fn a_stopping_worker_hands_its_jobs_back_on_redis() {
    let (q, _guard) = redis().await;
    let QueueClient::Redis(r) = &q else { unreachable!() };
    let m = queues::MAINTENANCE;
    let key = |s: &str| format!("{}{m}:{s}", r.prefix());
    let mut c = r.connection();
    let _: () = redis::pipe()
        .zadd(key("workers"), "leaving", chrono::Utc::now().timestamp())
        .sadd(key("inflight:leaving"), &["h1", "gone"])
        .hset(key("data"), "h1", "{}")
        .hset(key("meta:h1"), "attempts", 0)
        .rpush(key("active"), "later")
        .query_async(&mut c)
        .await
        .unwrap();
    q.keep_alive(m, "leaving").await.unwrap();
    assert_eq!(q.hand_back(m, "leaving").await.unwrap(), 1);
    let active: Vec<String> =
        redis::cmd("LRANGE").arg(key("active")).arg(0).arg(-1).query_async(&mut c).await.unwrap();
    assert_eq!(active, ["h1", "later"]);
    assert_eq!(q.given_up(m, 10).await.unwrap(), vec![("gone".to_owned(), None)]);
    assert!(q.workers(m).await.unwrap().is_empty());
    let _ = q.flush_all().await;
}

#[tokio::test]
async fn a_stopping_worker_hands_its_jobs_back_on_the_embedded_queue() {
    let (q, pool) = memory_queue().await;
    let m = queues::MAINTENANCE;
    let QueueClient::Embedded(e) = &q else { unreachable!() };
    q.enqueue(&job("held"), &EnqueueOptions::default()).await.unwrap();
    sqlx::query("INSERT INTO Workers (id, worker_type, storage_name, layers, last_seen) VALUES ('leaving', ?1, 'x', '', ?2)")
        .bind(e.queue_key(m))
        .bind(chrono::Utc::now().timestamp())
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE Jobs SET status = 'Running', lock_by = 'leaving'").execute(&pool).await.unwrap();
    assert_eq!(q.stats(m).await.unwrap().running, 1);
    assert_eq!(q.hand_back(m, "leaving").await.unwrap(), 1);
    let stats = q.stats(m).await.unwrap();
    assert_eq!((stats.pending, stats.running, stats.workers), (1, 0, 0));
}
