//! A scraped page end to end on the embedded queue: `scrape_page` fetches a recorded
//! Sofascore response from a local site under its real path, stores the snapshot,
//! and `process_snapshot` writes the matches. Fetching the same body again is not
//! processed again; processing the snapshot again (a replay) gives the same rows; a
//! page its parser rejects dead-letters naming the snapshot and the field; a snapshot
//! whose processing cannot be queued is taken back, so the retry queues it.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use entities::Engine;
use entities::testing::{TestDb, unique_name};
use jobs::catalogue::ScrapePage;
use jobs::dead_letters::{self, DeadLetterFilter};
use jobs::embedded_queue::EmbeddedQueues;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use migration::{Migrator, MigratorTrait};
use poem::{Route, get, handler};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use sources::SourceKey;
use tokio::sync::watch;
use workers::process::pages::process_page;
use workers::runtime::{EventKind, PoolSpec, Runtime, run_pools};
use workers::settings::ScrapeSettings;

const ROUND: &[u8] =
    include_bytes!("../../data/pages/sofascore/round_matches_ENG-Premier_League_1516_1.json");
const PATH: &str = "/api/v1/unique-tournament/17/season/10356/events/round/1";

#[handler]
fn round() -> Vec<u8> {
    ROUND.to_vec()
}

#[handler]
fn broken() -> Vec<u8> {
    ROUND[..ROUND.len() / 2].to_vec()
}

async fn site() -> String {
    common::http::serve(Route::new().at(PATH, get(round)).at("/broken", get(broken))).await
}

/// A runtime whose fetches may reach `base` (the local site stands in for a configured
/// source).
fn runtime_for(db: &TestDb, queues: QueueClient, base: &str) -> Runtime {
    let scrape = ScrapeSettings { allowed_urls: vec![base.to_owned()], ..ScrapeSettings::default() };
    Runtime::new(db.conn.clone(), queues).with_scrape(scrape).unwrap()
}

async fn matches_digest(db: &TestDb) -> Vec<(i64, i64, Option<i32>, Option<i32>, String)> {
    let rows = db
        .conn
        .query_all_raw(Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT home_team_id, away_team_id, home_goals, away_goals, status FROM matches ORDER BY id"
                .to_owned(),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
                r.try_get_by_index(3).unwrap(),
                r.try_get_by_index(4).unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scraped_page_becomes_matches_once_and_replays_the_same() {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let prefix = format!("{}:", unique_name("kickoff_pages"));
    let queues: QueueClient =
        EmbeddedQueues::open(db.conn.get_sqlite_connection_pool().clone(), prefix).await.unwrap().into();
    let base = site().await;
    let rt = Arc::new(runtime_for(&db, queues.clone(), &base));
    let mut events = rt.subscribe();
    let (stop, rx) = watch::channel(false);
    let specs = ["scrape", "process"].map(|q| PoolSpec { queue: q.to_owned(), concurrency: 2 }).to_vec();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));
    let source = "sofascore:round_events:E0:2015-16";
    let scrape = |url: String| Envelope::new(&AnyJob::ScrapePage(ScrapePage { source: source.into(), url }));
    let next = async |events: &mut tokio::sync::broadcast::Receiver<workers::runtime::JobEvent>| {
        tokio::time::timeout(Duration::from_secs(30), events.recv()).await.unwrap().unwrap()
    };

    queues.enqueue(&scrape(format!("{base}{PATH}")), &EnqueueOptions::default()).await.unwrap();
    let (first, second) = (next(&mut events).await, next(&mut events).await);
    assert_eq!((first.kind.as_str(), first.event), ("scrape_page", EventKind::Succeeded));
    assert_eq!(
        (second.kind.as_str(), second.event),
        ("process_snapshot", EventKind::Succeeded),
        "{second:?}"
    );
    let stored = matches_digest(&db).await;
    assert_eq!(stored.len(), 10);
    assert!(stored.iter().all(|m| m.4 == "finished" && m.2.is_some()));

    // The same body again: a snapshot is not taken and nothing is processed.
    queues.enqueue(&scrape(format!("{base}{PATH}")), &EnqueueOptions::default()).await.unwrap();
    let again = next(&mut events).await;
    assert_eq!((again.kind.as_str(), again.event), ("scrape_page", EventKind::Succeeded));
    assert_eq!(entities::scrape_snapshots::Entity::find().all(&db.conn).await.unwrap().len(), 1);

    // A replay of the stored snapshot writes the same rows.
    let snapshot = entities::scrape_snapshots::Entity::find().one(&db.conn).await.unwrap().unwrap();
    let key = SourceKey::parse(&snapshot.source).unwrap();
    process_page(&db.conn, &key, &snapshot.url, snapshot.body.as_bytes(), snapshot.fetched_at).await.unwrap();
    assert_eq!(matches_digest(&db).await, stored);

    // A body the parser rejects: the process job dead-letters at once, naming why.
    queues.enqueue(&scrape(format!("{base}/broken")), &EnqueueOptions::default()).await.unwrap();
    let (scraped, processed) = (next(&mut events).await, next(&mut events).await);
    assert_eq!(scraped.event, EventKind::Succeeded);
    assert_eq!(processed.event, EventKind::DeadLettered, "{processed:?}");
    let letters = dead_letters::list(&db.conn, &DeadLetterFilter::default()).await.unwrap();
    let error = &dead_letters::errors_of(&letters[0])[0];
    assert!(error.permanent && error.error.contains("snapshot 2: sofascore"), "{error:?}");
    // The whole chain of causes, down to the JSON parser's.
    assert!(error.error.contains("not JSON: EOF while parsing"), "{error:?}");
    assert!(error.error.contains("not JSON"), "{error:?}");

    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_whose_processing_cannot_be_queued_is_taken_back_for_the_retry() {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let base = site().await;
    let job = Envelope::new(&AnyJob::ScrapePage(ScrapePage {
        source: "sofascore:round_events:E0:2015-16".into(),
        url: format!("{base}{PATH}"),
    }));
    let snapshots = async || entities::scrape_snapshots::Entity::find().all(&db.conn).await.unwrap().len();

    // A queue that takes everything (the fetch's politeness slots, the source's health)
    // but jobs: its jobs table is gone.
    let (closed, store) = jobs::testing::memory_queue().await;
    sqlx::query("DROP TABLE Jobs").execute(&store).await.unwrap();
    let failed = workers::handlers::dispatch(&runtime_for(&db, closed, &base), &job).await;
    assert!(
        matches!(&failed, Err(f) if f.kind() == jobs::FailureKind::Transient && f.message().contains("Jobs")),
        "{failed:?}"
    );
    assert_eq!(snapshots().await, 0, "the snapshot stayed without its processing");

    // The retry, with the queue back, stores the body again and queues its processing.
    let prefix = format!("{}:", unique_name("kickoff_pages"));
    let queues: QueueClient =
        EmbeddedQueues::open(db.conn.get_sqlite_connection_pool().clone(), prefix).await.unwrap().into();
    workers::handlers::dispatch(&runtime_for(&db, queues.clone(), &base), &job).await.unwrap();
    assert_eq!(snapshots().await, 1);
    assert_eq!(queues.depth(jobs::queues::PROCESS).await.unwrap(), 1);
}

/// A `scrape_page` job pointing anywhere but a configured source is refused before any
/// request: a permanent failure naming the rule, and no snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_page_job_fetches_only_configured_sources() {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let base = site().await;
    let other = site().await;
    let (queues, _store) = jobs::testing::memory_queue().await;
    let rt = runtime_for(&db, queues, &base);
    for url in
        ["http://169.254.169.254/latest/meta-data/iam/", &format!("{other}{PATH}"), "file:///etc/passwd"]
    {
        let job = Envelope::new(&AnyJob::ScrapePage(ScrapePage {
            source: "sofascore:round_events:E0:2015-16".into(),
            url: url.to_owned(),
        }));
        let failed = workers::handlers::dispatch(&rt, &job).await;
        assert!(
            matches!(&failed, Err(f) if f.is_permanent() && f.message().contains("not fetched")),
            "{url}: {failed:?}"
        );
    }
    assert_eq!(entities::scrape_snapshots::Entity::find().all(&db.conn).await.unwrap().len(), 0);
}

/// Serves the recorded round with its first match made live at 1-0.
#[handler]
fn live_round() -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(ROUND).unwrap();
    v["events"][0]["status"]["type"] = "inprogress".into();
    v["events"][0]["homeScore"]["current"] = 1.into();
    v["events"][0]["awayScore"]["current"] = 0.into();
    serde_json::to_vec(&v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_matches_are_published_on_redis() {
    use futures::StreamExt;
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let redis = jobs::testing::redis_url();
    let prefix = format!("{}:", unique_name("kickoff_live"));
    let _cleanup = jobs::testing::PrefixGuard::new(redis.clone(), prefix.clone());
    let queues: QueueClient = jobs::redis_queue::RedisQueues::new(
        jobs::redis_queue::connect(&redis).await.unwrap(),
        prefix.clone(),
    )
    .into();
    let mut pubsub = redis::Client::open(redis.as_str()).unwrap().get_async_pubsub().await.unwrap();
    pubsub.psubscribe(format!("{prefix}matches:*")).await.unwrap();

    let base = common::http::serve(Route::new().at(PATH, get(live_round))).await;
    let rt = Arc::new(runtime_for(&db, queues.clone(), &base));
    let (stop, rx) = watch::channel(false);
    let specs = ["scrape", "process"].map(|q| PoolSpec { queue: q.to_owned(), concurrency: 2 }).to_vec();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));
    let job = ScrapePage { source: "sofascore:round_events:E0:2015-16".into(), url: format!("{base}{PATH}") };
    queues.enqueue(&Envelope::new(&AnyJob::ScrapePage(job)), &EnqueueOptions::default()).await.unwrap();

    // Ten new matches: ten updates on their own channels, the live one also on matches:live.
    let mut messages = Vec::new();
    let mut stream = pubsub.on_message();
    while messages.len() < 11 {
        let msg = tokio::time::timeout(Duration::from_secs(30), stream.next()).await.unwrap().unwrap();
        let body: serde_json::Value = serde_json::from_str(&msg.get_payload::<String>().unwrap()).unwrap();
        messages.push((msg.get_channel_name().to_owned(), body));
    }
    let live: Vec<_> = messages.iter().filter(|(c, _)| c.ends_with("matches:live")).collect();
    assert_eq!(live.len(), 1, "{messages:?}");
    let (_, m) = live[0];
    assert_eq!((m["type"].as_str(), m["channel"].as_str()), (Some("match:update"), Some("matches:live")));
    assert_eq!((m["data"]["status"].as_str(), m["data"]["home_goals"].as_i64()), (Some("live"), Some(1)));
    assert!(messages.iter().all(|(c, m)| c.starts_with(&prefix) && m["timestamp"].is_string()));
    drop(stream);
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
}
