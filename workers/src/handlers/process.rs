//! `process_snapshot`: turn a stored snapshot into entities with the parser of its
//! source. A file that cannot be parsed fails permanently, naming the snapshot.

use std::path::Path;

use entities::scrape_snapshots;
use jobs::catalogue::ProcessSnapshot;
use sea_orm::EntityTrait;

use crate::process::events::{match_events, odds_event};
use crate::process::football_data::{ImportSummary, import_bytes};
use crate::process::pages::{SourceKey, process_page};
use crate::runtime::{JobFailure, Runtime};

pub async fn run(rt: &Runtime, job: &ProcessSnapshot) -> Result<(), JobFailure> {
    let snapshot = scrape_snapshots::Entity::find_by_id(job.snapshot_id)
        .one(&rt.db)
        .await
        .map_err(JobFailure::transient)?
        .ok_or_else(|| JobFailure::Permanent(format!("snapshot {} does not exist", job.snapshot_id)))?;
    match snapshot.source.as_str() {
        super::scrape::SOURCE => {
            let mut summary = ImportSummary::default();
            import_bytes(&rt.db, Path::new(&snapshot.url), snapshot.body.as_bytes(), &mut summary)
                .await
                .map_err(JobFailure::transient)?;
            if let Some((_, reason)) = summary.files_rejected.first() {
                return Err(JobFailure::Permanent(format!("snapshot {}: {reason}", snapshot.id)));
            }
            tracing::info!(snapshot = snapshot.id, %summary, "snapshot processed");
            Ok(())
        }
        other => {
            let key = SourceKey::parse(other).ok_or_else(|| {
                JobFailure::Permanent(format!("snapshot {}: no parser for source `{other}`", snapshot.id))
            })?;
            let written =
                process_page(&rt.db, &key, &snapshot.url, snapshot.body.as_bytes(), snapshot.fetched_at)
                    .await
                    .map_err(|e| {
                        let message = format!("snapshot {}: {e}", snapshot.id);
                        if e.is_transient() {
                            JobFailure::Transient(message)
                        } else {
                            JobFailure::Permanent(message)
                        }
                    })?;
            let odds = written.odds_changes.iter().map(odds_event);
            for (channel, message) in written.changes.iter().flat_map(match_events).chain(odds) {
                // Best effort: a missed live event must not redo the processing.
                if let Err(e) = rt.queues.publish(&channel, &message.to_string()).await {
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
