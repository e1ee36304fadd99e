//! Dead-letter listing filters, purge and retention by count and age, and requeueing,
//! on SQLite and PostgreSQL.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use entities::testing::TestDb;
use jobs::catalogue::{Probe, ProcessSnapshot};
use jobs::dead_letters::{self, DeadLetterError, DeadLetterFilter};
use jobs::{AnyJob, AttemptError, Enqueued, Envelope, queues};
use migration::{Migrator, MigratorTrait};
use serde_json::json;

fn failure(attempt: u32, error: &str, ago: Duration) -> AttemptError {
    let at = Utc::now() - ago;
    AttemptError {
        attempt,
        error: error.into(),
        permanent: false,
        started_at: at,
        failed_at: at,
        worker: "w".into(),
    }
}

#[tokio::test]
async fn filters_purge_and_retention() {
    for engine in TestDb::engines() {
        let db = TestDb::new(engine).await;
        Migrator::up(&db.conn, None).await.unwrap();
        // Ten letters of ten jobs (a letter is one per job and attempt), one a day, the
        // oldest first; errors alternate.
        for day in (0..10).rev() {
            let probe = Envelope::new(&AnyJob::Probe(Probe::default()));
            let process = Envelope::new(&AnyJob::ProcessSnapshot(ProcessSnapshot { snapshot_id: 3 }));
            let (env, queue) = if day % 2 == 0 { (&probe, "maintenance") } else { (&process, "process") };
            let msg = if day % 2 == 0 { "connection refused" } else { "parse error in column Date" };
            dead_letters::record(&db.conn, queue, env, failure(1, msg, Duration::days(day))).await.unwrap();
        }
        let all = dead_letters::list(&db.conn, &DeadLetterFilter::default()).await.unwrap();
        assert_eq!(all.len(), 10);
        assert!(all.windows(2).all(|w| w[0].last_failed_at >= w[1].last_failed_at), "newest first");
        let by_queue = DeadLetterFilter { queue: Some("process".into()), ..Default::default() };
        assert_eq!(dead_letters::list(&db.conn, &by_queue).await.unwrap().len(), 5);
        let by_kind = DeadLetterFilter { kind: Some("probe".into()), ..Default::default() };
        assert_eq!(dead_letters::list(&db.conn, &by_kind).await.unwrap().len(), 5);
        let by_error = DeadLetterFilter {
            error_contains: Some("COLUMN date".into()),
            limit: Some(2),
            ..Default::default()
        };
        assert_eq!(dead_letters::list(&db.conn, &by_error).await.unwrap().len(), 2);

        // Age: letters older than 7.5 days go (days 8 and 9).
        let removed = dead_letters::enforce_retention(&db.conn, 100, Duration::hours(180)).await.unwrap();
        assert_eq!(removed, 2, "{engine:?}");
        // Count: keep the newest 5.
        let removed = dead_letters::enforce_retention(&db.conn, 5, Duration::days(365)).await.unwrap();
        assert_eq!(removed, 3, "{engine:?}");
        let left = dead_letters::list(&db.conn, &DeadLetterFilter::default()).await.unwrap();
        assert_eq!(left.len(), 5);
        assert!(left.iter().all(|l| l.last_failed_at > Utc::now() - Duration::hours(5 * 24 + 1)));
        // Purge by cutoff, then delete by id.
        assert_eq!(dead_letters::purge_before(&db.conn, Utc::now() - Duration::hours(60)).await.unwrap(), 2);
        let ids: Vec<i64> = dead_letters::list(&db.conn, &DeadLetterFilter::default())
            .await
            .unwrap()
            .iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(dead_letters::delete(&db.conn, &ids[..1]).await.unwrap(), 1);
        assert_eq!(db.count("dead_letters").await, 2);
        assert!(matches!(
            dead_letters::get(&db.conn, ids[0]).await,
            Err(dead_letters::DeadLetterError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn a_letter_is_requeued_once_and_kept_whole_when_the_queue_fails() {
    for engine in TestDb::engines() {
        let db = TestDb::new(engine).await;
        Migrator::up(&db.conn, None).await.unwrap();
        let probe = Envelope::new(&AnyJob::Probe(Probe { tag: "first".into(), ..Probe::default() }));
        let letter =
            dead_letters::record(&db.conn, queues::MAINTENANCE, &probe, failure(1, "boom", Duration::zero()))
                .await
                .unwrap();

        // The queue refuses the job: the letter stays unrequeued, with its own arguments.
        let (broken, store) = jobs::testing::memory_queue().await;
        store.close().await;
        let edited = json!({ "tag": "edited" });
        let failed = dead_letters::requeue(&db.conn, &broken, letter.id, Some(edited.clone())).await;
        assert!(matches!(failed, Err(DeadLetterError::Queue(_))), "{engine:?}: {failed:?}");
        let kept = dead_letters::get(&db.conn, letter.id).await.unwrap();
        assert_eq!((kept.requeued_at, &kept.payload), (None, &letter.payload), "{engine:?}");

        // A working queue takes it once; a second requeue queues nothing.
        let (queue, _store) = jobs::testing::memory_queue().await;
        let done = dead_letters::requeue(&db.conn, &queue, letter.id, Some(edited)).await.unwrap();
        assert!(matches!(done, Enqueued::Queued { .. }), "{engine:?}");
        let again = dead_letters::requeue(&db.conn, &queue, letter.id, None).await;
        assert!(
            matches!(again, Err(DeadLetterError::AlreadyRequeued { id, .. }) if id == letter.id),
            "{engine:?}: {again:?}"
        );
        assert_eq!(queue.depth(queues::MAINTENANCE).await.unwrap(), 1, "{engine:?}");
        let requeued = dead_letters::get(&db.conn, letter.id).await.unwrap();
        assert!(requeued.requeued_at.is_some());
        assert_eq!(requeued.payload["tag"], "edited");
    }
}
