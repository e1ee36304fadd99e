//! `process_snapshot`: turn a stored snapshot into entities with the parser of its
//! source. A file that cannot be parsed fails permanently, naming the snapshot. Either
//! way the snapshot is marked processed; `queue_pending` finds the ones never marked.

use std::path::Path;

use entities::scrape_snapshots;
use jobs::catalogue::ProcessSnapshot;
use jobs::{Enqueued, Envelope, Handle, Handled, JobFailure, QueueClient};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use sources::SourceKey;

use super::Cx;
use crate::process::events::{match_events, odds_event};
use crate::process::football_data::{ImportSummary, import_bytes};
use crate::process::pages::process_page;
use crate::runtime::Runtime;

impl Handle<Runtime> for ProcessSnapshot {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        // Live events are published on the queue backend.
        Box::pin(run(Cx::new(rt, envelope, &rt.queues), self))
    }
}

async fn run(cx: Cx<'_, &QueueClient>, job: ProcessSnapshot) -> Result<(), JobFailure> {
    let result = process(&cx, &job).await;
    // Done with it, processed or rejected for good: the sweep leaves it alone.
    if result.as_ref().is_ok() || result.as_ref().is_err_and(JobFailure::is_permanent) {
        mark_processed(&cx, job.snapshot_id).await?;
    }
    result
}

async fn process(cx: &Cx<'_, &QueueClient>, job: &ProcessSnapshot) -> Result<(), JobFailure> {
    let snapshot = scrape_snapshots::Entity::find_by_id(job.snapshot_id)
        .one(cx.db)
        .await?
        .ok_or_else(|| JobFailure::permanent(format!("snapshot {} does not exist", job.snapshot_id)))?;
    match snapshot.source.as_str() {
        super::scrape_football_data::SOURCE => {
            let mut summary = ImportSummary::default();
            import_bytes(cx.db, Path::new(&snapshot.url), snapshot.body.as_bytes(), &mut summary).await?;
            if let Some((_, reason)) = summary.files_rejected.first() {
                return Err(JobFailure::permanent(format!("snapshot {}: {reason}", snapshot.id)));
            }
            tracing::info!(snapshot = snapshot.id, %summary, "snapshot processed");
            Ok(())
        }
        other => {
            let key = SourceKey::parse(other).ok_or_else(|| {
                JobFailure::permanent(format!("snapshot {}: no parser for source `{other}`", snapshot.id))
            })?;
            let written =
                process_page(cx.db, &key, &snapshot.url, snapshot.body.as_bytes(), snapshot.fetched_at)
                    .await
                    .map_err(|e| JobFailure::from(e).context(format!("snapshot {}", snapshot.id)))?;
            let odds = written.odds_changes.iter().map(odds_event);
            for (channel, message) in written.changes.iter().flat_map(match_events).chain(odds) {
                // Best effort: a missed live event must not redo the processing.
                if let Err(e) = cx.deps.publish(&channel, &message.to_string()).await {
                    tracing::warn!(error = %e, channel, "event not published");
                }
            }
            tracing::info!(
                snapshot = snapshot.id,
                rows = written.rows,
                rejected = written.rejected,
                "snapshot processed"
            );
            Ok(())
        }
    }
}

/// Snapshots older than this and still unprocessed are queued by the sweep: younger
/// ones may have their processing queued or running.
const PENDING_AFTER: chrono::Duration = chrono::Duration::minutes(10);

/// Queues every snapshot stored more than [`PENDING_AFTER`] ago and never processed;
/// returns how many were queued.
pub async fn queue_pending<D>(cx: &Cx<'_, D>) -> Result<u64, JobFailure> {
    let before = chrono::Utc::now() - PENDING_AFTER;
    let ids: Vec<i64> = scrape_snapshots::Entity::find()
        .select_only()
        .column(scrape_snapshots::Column::Id)
        .filter(scrape_snapshots::Column::ProcessedAt.is_null())
        .filter(scrape_snapshots::Column::FetchedAt.lt(before))
        .into_tuple()
        .all(cx.db)
        .await?;
    let mut queued = 0;
    for id in ids {
        if let Enqueued::Queued { .. } = super::snapshot::queue_processing(cx, id).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Records that snapshot `id` is processed.
async fn mark_processed<D>(cx: &Cx<'_, D>, id: i64) -> Result<(), JobFailure> {
    scrape_snapshots::Entity::update_many()
        .col_expr(scrape_snapshots::Column::ProcessedAt, sea_orm::sea_query::Expr::value(chrono::Utc::now()))
        .filter(scrape_snapshots::Column::Id.eq(id))
        .exec(cx.db)
        .await?;
    Ok(())
}
