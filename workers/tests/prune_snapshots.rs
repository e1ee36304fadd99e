//! `prune_snapshots` through the handler dispatch, on both engines: old processed
//! snapshots go; unprocessed ones, the latest of each page and recent ones stay.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use entities::Engine;
use entities::scrape_snapshots::{self, ActiveModel, Entity};
use entities::testing::TestDb;
use jobs::catalogue::PruneSnapshots;
use jobs::{AnyJob, Envelope};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use workers::runtime::Runtime;

/// Stores a snapshot of `url` fetched `days` ago; processed or not.
async fn snapshot(db: &TestDb, url: &str, days: i64, processed: bool) -> i64 {
    let at = Utc::now() - Duration::days(days);
    ActiveModel {
        source: Set("sofascore:round_events:E0:2025-26".into()),
        url: Set(url.into()),
        fetched_at: Set(at),
        http_status: Set(200),
        content_hash: Set(format!("{url}{days}")),
        body: Set("{}".into()),
        processed_at: Set(processed.then_some(at)),
        ..Default::default()
    }
    .insert(&db.conn)
    .await
    .unwrap()
    .id
}

async fn prune_keeps_what_is_still_needed(engine: Engine) {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let old_a = snapshot(&db, "https://a", 90, true).await;
    let old_unprocessed = snapshot(&db, "https://a", 80, false).await;
    let recent_a = snapshot(&db, "https://a", 3, true).await;
    let old_b = snapshot(&db, "https://b", 70, true).await;
    let latest_b = snapshot(&db, "https://b", 60, true).await;
    let young_c = snapshot(&db, "https://c", 10, true).await;

    let (queues, _pool) = jobs::testing::memory_queue().await;
    let rt = Runtime::new(db.conn.clone(), queues);
    let job = Envelope::new(&AnyJob::PruneSnapshots(PruneSnapshots { keep_days: Some(30) }));
    workers::handlers::dispatch(&rt, &job).await.unwrap();

    let left: Vec<i64> = Entity::find()
        .order_by_asc(scrape_snapshots::Column::Id)
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![old_unprocessed, recent_a, latest_b, young_c], "deleted {old_a} and {old_b} only");

    // Nothing older is left to delete: a second run changes nothing.
    workers::handlers::dispatch(&rt, &job).await.unwrap();
    assert_eq!(Entity::find().all(&db.conn).await.unwrap().len(), 4);
}

#[tokio::test]
async fn prune_keeps_what_is_still_needed_on_sqlite() {
    prune_keeps_what_is_still_needed(Engine::Sqlite).await;
}

#[tokio::test]
async fn prune_keeps_what_is_still_needed_on_postgres() {
    prune_keeps_what_is_still_needed(Engine::Postgres).await;
}
