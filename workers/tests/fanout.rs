//! The fan-out chain for real: `collect_results` → one `scrape_football_data` per league
//! (HTTP from a local server serving the sample files) → a snapshot → `process_snapshot`
//! → matches in the database. A missing file dead-letters with its URL.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

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
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Route, get, handler};
use tokio::sync::watch;
use workers::runtime::{PoolSpec, Runtime, run_pools};
use workers::settings::ScrapeSettings;

/// `data/football-data/{league}_20{yy}-{yy}.csv` at `/{yyyy}/{league}.csv`.
#[handler]
fn sample(Path((season, name)): Path<(String, String)>) -> Result<Vec<u8>, StatusCode> {
    let league = name.strip_suffix(".csv").ok_or(StatusCode::NOT_FOUND)?;
    let (from, to) = (season.get(..2).ok_or(StatusCode::NOT_FOUND)?, season.get(2..).unwrap_or_default());
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../data/football-data/{league}_20{from}-{to}.csv"));
    std::fs::read(file).map_err(|_| StatusCode::NOT_FOUND)
}

/// Serves the sample files; returns the base URL.
async fn serve_samples() -> String {
    common::http::serve(Route::new().at("/:season/:name", get(sample))).await
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
