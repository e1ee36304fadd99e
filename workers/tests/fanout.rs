//! The fan-out chain for real: `collect_results` → one `scrape_football_data` per league
//! (HTTP from a local server serving the sample files) → a snapshot → `process_snapshot`
//! → matches in the database. A missing file dead-letters with its URL.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jobs::JobQueue;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use entities::Engine;
use entities::testing::{TestDb, unique_name};
use jobs::EnqueueOptions;
use jobs::catalogue::CollectResults;
use jobs::dead_letters::{self, DeadLetterFilter};
use jobs::redis_queue::{RedisQueues, connect};
use jobs::{AnyJob, Envelope, queues};
use migration::{Migrator, MigratorTrait};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use workers::runtime::{PoolSpec, Runtime, run_pools};
use workers::settings::ScrapeSettings;

/// Serves `data/football-data/{league}_20{yy}-{yy}.csv` at `/{yyyy}/{league}.csv`.
async fn serve_samples() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/football-data");
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let dir = dir.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_owned();
                // /2324/E0.csv -> E0_2023-24.csv
                let file = path.trim_start_matches('/').split_once('/').and_then(|(season, name)| {
                    let league = name.strip_suffix(".csv")?;
                    Some(dir.join(format!("{league}_20{}-{}.csv", &season[..2], &season[2..])))
                });
                let reply = match file.and_then(|f| std::fs::read(f).ok()) {
                    Some(body) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend(body);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
                    }
                };
                let _ = sock.write_all(&reply).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_results_fans_out_to_scrape_and_process() {
    let db = TestDb::new(Engine::Postgres).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let prefix = format!("{}:", unique_name("kickoff_fanout"));
    let redis = jobs::testing::redis_url();
    let _cleanup = jobs::testing::PrefixGuard::new(redis.clone(), prefix.clone());
    let queues = RedisQueues::new(connect(&redis).await.unwrap(), prefix);
    let scrape = ScrapeSettings { football_data_url: serve_samples().await, ..ScrapeSettings::default() };
    let rt = Arc::new(Runtime::new(db.conn.clone(), queues.clone()).with_scrape(scrape).unwrap());
    let (stop, rx) = watch::channel(false);
    let specs = [queues::COLLECT, queues::SCRAPE, queues::PROCESS]
        .map(|q| PoolSpec { queue: q.to_owned(), concurrency: 2 })
        .to_vec();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));

    let job = AnyJob::CollectResults(CollectResults {
        leagues: vec!["E0".into(), "D1".into(), "F1".into()],
        season: Some("2324".into()),
    });
    queues.enqueue(&Envelope::new(&job), &EnqueueOptions::default()).await.unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let matches = db.count("matches").await;
        let letters = dead_letters::list(&db.conn, &DeadLetterFilter::default()).await.unwrap();
        if matches == 380 + 306 && letters.len() == 1 {
            let errors = dead_letters::errors_of(&letters[0]);
            assert!(errors[0].error.contains("/2324/F1.csv: HTTP 404"), "{errors:?}");
            assert!(errors[0].permanent);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "chain incomplete: {matches} matches, {} letters",
            letters.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(db.count("scrape_snapshots").await, 2);
    // Success counters reach Redis within a poll interval.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while queues.stats(queues::PROCESS).await.unwrap().done_last_hour < 2 {
        assert!(tokio::time::Instant::now() < deadline, "process jobs not counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The same files again: unchanged snapshots are not processed twice.
    queues.enqueue(&Envelope::new(&job), &EnqueueOptions::default()).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while queues.stats(queues::SCRAPE).await.unwrap().done_last_hour < 4 {
        assert!(tokio::time::Instant::now() < deadline, "second collection did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(db.count("scrape_snapshots").await, 2);
    assert_eq!(queues.stats(queues::PROCESS).await.unwrap().done_last_hour, 2);

    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
    queues.flush_all().await.unwrap();
}
