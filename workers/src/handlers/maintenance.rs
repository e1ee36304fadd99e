//! `maintenance`: dead-letter retention, deleting finished tasks from the queues, the
//! operator alerts' check, and queueing snapshots left unprocessed.

use jobs::catalogue::{Job, Maintenance, MaintenanceTask};
use jobs::dead_letters;
use jobs::{Envelope, JobFailure};
use tokio::time::Instant;

use crate::notify::ops::{self, OpsAlertError, OpsChat};
use crate::runtime::Runtime;

/// Dead letters kept at most, and for at most this many days.
pub const DEAD_LETTER_MAX_COUNT: u64 = 10_000;
pub const DEAD_LETTER_MAX_AGE_DAYS: i64 = 30;

pub async fn run(rt: &Runtime, envelope: &Envelope, job: &Maintenance) -> Result<(), JobFailure> {
    match job.task {
        MaintenanceTask::DeadLetterRetention => {
            let removed = dead_letters::enforce_retention(
                &rt.db,
                DEAD_LETTER_MAX_COUNT,
                chrono::Duration::days(DEAD_LETTER_MAX_AGE_DAYS),
            )
            .await?;
            tracing::info!(removed, "dead-letter retention applied");
            Ok(())
        }
        MaintenanceTask::OpsAlerts => ops_alerts(rt, envelope).await,
        MaintenanceTask::VacuumQueue => vacuum_queues(rt, envelope).await,
        MaintenanceTask::ProcessPending => {
            let queued = super::process_snapshot::queue_pending(rt, envelope).await?;
            tracing::info!(queued, "unprocessed snapshots queued");
            Ok(())
        }
    }
}

/// Deletes finished jobs' leftovers from every queue, on either backend. The embedded
/// queue deletes a bounded chunk per pass (its writer is shared): passes repeat until
/// one finds nothing, or until half the job's time is spent (the next run goes on).
async fn vacuum_queues(rt: &Runtime, envelope: &Envelope) -> Result<(), JobFailure> {
    let limit =
        envelope.timeout_ms.map(std::time::Duration::from_millis).unwrap_or(Maintenance::POLICY.timeout);
    let deadline = Instant::now() + limit / 2;
    let mut removed = 0u64;
    for queue in jobs::queues::ALL {
        loop {
            let n = rt.queues.vacuum(queue).await?;
            removed += n;
            if n == 0 || Instant::now() >= deadline {
                break;
            }
        }
    }
    let markers = crate::runtime::fence::prune(&rt.db).await?;
    tracing::info!(removed, markers, "finished jobs vacuumed");
    Ok(())
}

/// Without a bot or an ops chat the incidents are only logged (and still tracked, so
/// each is logged once).
async fn ops_alerts(rt: &Runtime, envelope: &Envelope) -> Result<(), JobFailure> {
    // Alert deliveries whose run died mid-send become uncertain here, before the check
    // that reports uncertain deliveries, so operators hear of them within minutes.
    jobs::alert_deliveries::expire_stale(&rt.db, &rt.queues).await?;
    let chat = match (rt.telegram.as_ref(), rt.ops_chat) {
        (Some(api), Some(chat_id)) => Some(OpsChat { api, chat_id }),
        _ => None,
    };
    let limit =
        envelope.timeout_ms.map(std::time::Duration::from_millis).unwrap_or(Maintenance::POLICY.timeout);
    let deadline = Instant::now() + limit / 2;
    let outcome = ops::check(&rt.db, &rt.queues, &rt.ops_alerts, chat.as_ref(), deadline).await.map_err(
        |e| match e {
            OpsAlertError::Delivery(crate::notify::DeliveryError::Api(api)) => match api.disposition() {
                crate::notify::Disposition::Retry(_) => JobFailure::from(api),
                _ => JobFailure::permanent(api).context("the ops chat refused the alert"),
            },
            other => JobFailure::transient(other),
        },
    )?;
    tracing::info!(
        open = outcome.open.len(),
        opened = outcome.opened.len(),
        resolved = outcome.resolved.len(),
        "operator alerts checked"
    );
    Ok(())
}
