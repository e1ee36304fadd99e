//! `process_snapshot`: turn a stored snapshot into entities with the parser of its
//! source. A file that cannot be parsed fails permanently, naming the snapshot. Either
//! way the snapshot is marked processed; `queue_pending` finds the ones never marked.
//!
//! The upcoming matches whose data the snapshot changed are forecast again at once: a
//! `run_inference` child for those with no forecast queued and not yet started (a claim
//! per match, released when the inference starts, and expiring after `[predict]
//! reinfer_window_secs` at most). The cron entry stays as the safety net.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use entities::enums::MatchStatus;
use entities::{matches, scrape_snapshots};
use jobs::catalogue::{ProcessSnapshot, RunInference};
use jobs::{EnqueueOptions, Enqueued, Envelope, Handle, Handled, JobFailure, QueueClient};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use sources::SourceKey;

use super::Cx;
use super::run_inference::reinfer_key;
use crate::clock::Clock;
use crate::events::{change_goal_events, match_events, odds_event};
use crate::process::football_data::{ImportSummary, import_bytes};
use crate::process::pages::process_page;
use crate::runtime::Runtime;

/// What processing uses besides the database.
struct Deps<'a> {
    /// Live events are published, and forecasts claimed, on the queue backend.
    queues: &'a QueueClient,
    /// A match queued for a forecast is not queued again within this.
    reinfer_window: Duration,
    /// What "upcoming" is judged by.
    clock: &'a Clock,
}

impl Handle<Runtime> for ProcessSnapshot {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        let deps = Deps {
            queues: &rt.queues,
            reinfer_window: Duration::from_secs(rt.predict.reinfer_window_secs),
            clock: &rt.clock,
        };
        Box::pin(run(Cx::new(rt, envelope, deps), self))
    }
}

async fn run(cx: Cx<'_, Deps<'_>>, job: ProcessSnapshot) -> Result<(), JobFailure> {
    let result = process(&cx, &job).await;
    // Done with it, processed or rejected for good: the sweep leaves it alone.
    if result.as_ref().is_ok() || result.as_ref().is_err_and(JobFailure::is_permanent) {
        mark_processed(&cx, job.snapshot_id).await?;
    }
    result
}

async fn process(cx: &Cx<'_, Deps<'_>>, job: &ProcessSnapshot) -> Result<(), JobFailure> {
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
            let mut messages = Vec::new();
            for change in &written.changes {
                messages.extend(match_events(change));
                if change.goal().is_some() {
                    messages.extend(change_goal_events(change, &cx.teams_of(change.match_id).await));
                }
            }
            messages.extend(written.odds_changes.iter().map(odds_event));
            cx.publish(messages).await;
            // A retry finds the page's data written by the attempt that failed, so nothing
            // looks changed: it asks for every match the page names (the claims keep each
            // to one forecast), so a forecast that attempt did not queue is not lost.
            let stale = if cx.envelope.attempt > 1 { &written.named } else { &written.touched };
            let forecast = queue_inference(cx, stale).await?;
            tracing::info!(
                snapshot = snapshot.id,
                rows = written.rows,
                rejected = written.rejected,
                forecast,
                "snapshot processed"
            );
            Ok(())
        }
    }
}

/// Queues one `run_inference` child for the upcoming matches among `touched` that have
/// no forecast waiting to start; returns how many matches it names.
async fn queue_inference(cx: &Cx<'_, Deps<'_>>, touched: &BTreeSet<i64>) -> Result<usize, JobFailure> {
    if touched.is_empty() {
        return Ok(0);
    }
    let upcoming: Vec<i64> = matches::Entity::find()
        .select_only()
        .column(matches::Column::Id)
        .filter(matches::Column::Id.is_in(touched.iter().copied()))
        .filter(matches::Column::Status.eq(MatchStatus::Scheduled))
        .filter(matches::Column::KickoffAt.gte(cx.deps.clock.now()))
        .into_tuple()
        .all(cx.db)
        .await?;
    let mut claimed = Vec::with_capacity(upcoming.len());
    let mut queued = Ok(());
    for id in upcoming {
        match cx.deps.queues.claim(&reinfer_key(id), &cx.envelope.id, cx.deps.reinfer_window).await {
            Ok(true) => claimed.push(id),
            // A forecast of it is queued and has not started: that one reads this change.
            Ok(false) => {}
            Err(e) => {
                queued = Err(e);
                break;
            }
        }
    }
    if queued.is_ok() && !claimed.is_empty() {
        let job = RunInference { match_ids: claimed.clone() };
        queued = cx.enqueue_child(job, &EnqueueOptions::default()).await.map(|_| ());
    }
    if let Err(e) = queued {
        // Not queued: the matches must not wait out the window for the retry to queue them.
        for id in &claimed {
            if let Err(e) = cx.deps.queues.release(&reinfer_key(*id)).await {
                tracing::warn!(error = %e, match_id = id, "forecast claim not released");
            }
        }
        return Err(e.into());
    }
    Ok(claimed.len())
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
