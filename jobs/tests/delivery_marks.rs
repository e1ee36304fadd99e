//! Delivery marks on Redis are written in batches: concurrent marks of one process share
//! a script call, and each caller still gets its own task's answer. Runs on a `redis-server` of its own, whose command
//! statistics count the script calls.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jobs::QueueClient;
use jobs::queues;
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::OwnRedis;

/// Script calls the server has run so far (EVALSHA, and EVAL when the script was not
/// loaded yet).
fn script_calls(url: &str) -> u64 {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_connection().unwrap();
    let info: String = redis::cmd("INFO").arg("commandstats").query(&mut conn).unwrap();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .filter_map(|l| l.split("calls=").nth(1)?.split(',').next()?.parse::<u64>().ok())
        .sum()
}

async fn marks_at_once(q: &QueueClient, tasks: &[String], finish: bool) -> Vec<jobs::Delivery> {
    let mut set = tokio::task::JoinSet::new();
    for (i, task) in tasks.iter().enumerate() {
        let (q, task) = (q.clone(), task.clone());
        set.spawn(async move {
            if finish {
                q.finish_delivery(queues::MAINTENANCE, &task).await.unwrap();
                (i, jobs::Delivery { deliveries: 0, finished: true })
            } else {
                (i, q.begin_delivery(queues::MAINTENANCE, &task).await.unwrap())
            }
        });
    }
    let mut out = vec![None; tasks.len()];
    while let Some(done) = set.join_next().await {
        let (i, delivery) = done.unwrap();
        out[i] = Some(delivery);
    }
    out.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn concurrent_marks_share_script_calls_and_each_gets_its_own_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = OwnRedis::start(dir.path(), &["--save", "", "--appendonly", "no"]);
    let q: QueueClient = RedisQueues::new(connect(&server.url()).await.unwrap(), "marks:").into();
    // Task t0 is delivered three times in the same burst; the others once.
    let mut tasks: Vec<String> = (0..200).map(|i| format!("t{i}")).collect();
    tasks.extend(["t0".to_owned(), "t0".to_owned()]);

    let before = script_calls(&server.url());
    let begun = marks_at_once(&q, &tasks, false).await;
    let calls = script_calls(&server.url()) - before;
    // The current-thread runtime queues all 202 marks before the writer runs: one call
    // (two if the script had to be loaded first), where one call per mark would be 202.
    assert!(calls <= 2, "{calls} script calls for 202 marks");
    let mut t0: Vec<u32> =
        begun.iter().zip(&tasks).filter(|(_, t)| *t == "t0").map(|(d, _)| d.deliveries).collect();
    t0.sort();
    assert_eq!(t0, [1, 2, 3]);
    assert!(
        begun.iter().zip(&tasks).filter(|(_, t)| *t != "t0").all(|(d, _)| d.deliveries == 1 && !d.finished)
    );

    // Finish the even tasks at once; a later delivery sees exactly those as finished.
    let even: Vec<String> = (0..200).step_by(2).map(|i| format!("t{i}")).collect();
    marks_at_once(&q, &even, true).await;
    let odd_and_even: Vec<String> = (0..200).map(|i| format!("t{i}")).collect();
    let again = marks_at_once(&q, &odd_and_even, false).await;
    for (i, d) in again.iter().enumerate() {
        assert_eq!(d.finished, i % 2 == 0, "task t{i}");
        assert_eq!(d.deliveries, if i == 0 { 4 } else { 2 }, "task t{i}");
    }
}

/// A mark that fails in Redis (here its key holds a string) fails only its own caller;
/// the marks batched with it are written and answered.
#[tokio::test]
async fn a_failing_mark_fails_only_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    let server = OwnRedis::start(dir.path(), &["--save", "", "--appendonly", "no"]);
    let q: QueueClient = RedisQueues::new(connect(&server.url()).await.unwrap(), "marks:").into();
    let client = redis::Client::open(server.url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let _: () = redis::cmd("SET").arg("marks:maintenance:run:bad").arg("x").query(&mut conn).unwrap();

    let (a, bad, b) = tokio::join!(
        q.begin_delivery(queues::MAINTENANCE, "a"),
        q.begin_delivery(queues::MAINTENANCE, "bad"),
        q.begin_delivery(queues::MAINTENANCE, "b"),
    );
    assert_eq!(a.unwrap().deliveries, 1);
    assert_eq!(b.unwrap().deliveries, 1);
    let e = bad.unwrap_err();
    assert!(e.to_string().contains("marks:maintenance:run:bad"), "{e}");
    assert_eq!(q.begin_delivery(queues::MAINTENANCE, "a").await.unwrap().deliveries, 2);
}
