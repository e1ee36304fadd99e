//! `prune_snapshots`: stored page snapshots past their retention are deleted, in chunks
//! so no statement holds the table for long. A snapshot is kept while it is unprocessed
//! (the sweep still owes it a run) or the latest of its source and URL (the next scrape
//! compares its hash with it).

use jobs::catalogue::{Job, PruneSnapshots};
use jobs::{Envelope, Handle, Handled, JobFailure};
use sea_orm::{ConnectionTrait, Statement};
use tokio::time::Instant;

use super::Cx;
use crate::runtime::Runtime;

/// Days a processed snapshot is kept when the job does not say.
pub const KEEP_DAYS: u32 = 30;

/// Snapshots deleted per statement.
const CHUNK: u32 = 1_000;

impl Handle<Runtime> for PruneSnapshots {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        Box::pin(run(Cx::new(rt, envelope, ()), self))
    }
}

async fn run(cx: Cx<'_, ()>, job: PruneSnapshots) -> Result<(), JobFailure> {
    let days = job.keep_days.unwrap_or(KEEP_DAYS);
    let before = chrono::Utc::now()
        .checked_sub_signed(chrono::Duration::days(i64::from(days)))
        .ok_or_else(|| JobFailure::permanent(format!("keep_days {days} reaches before any date")))?;
    let limit = cx
        .envelope
        .timeout_ms
        .map(std::time::Duration::from_millis)
        .unwrap_or(PruneSnapshots::POLICY.timeout);
    // Half the time limit, so the job ends on its own and the next run goes on.
    let deadline = Instant::now() + limit / 2;
    // The latest of a page is the one stored last (highest id), as the scrape compares.
    let sql = format!(
        "DELETE FROM scrape_snapshots WHERE id IN (SELECT s.id FROM scrape_snapshots s \
         WHERE s.processed_at IS NOT NULL AND s.fetched_at < $1 AND EXISTS (SELECT 1 FROM \
         scrape_snapshots n WHERE n.source = s.source AND n.url = s.url AND n.id > s.id) LIMIT {CHUNK})"
    );
    let mut deleted = 0u64;
    loop {
        let stmt = Statement::from_sql_and_values(cx.db.get_database_backend(), &sql, vec![before.into()]);
        let n = cx.db.execute_raw(stmt).await?.rows_affected();
        deleted += n;
        if n < u64::from(CHUNK) || Instant::now() >= deadline {
            break;
        }
    }
    tracing::info!(deleted, %before, "old snapshots pruned");
    Ok(())
}
