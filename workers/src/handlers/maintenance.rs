//! `maintenance`: dead-letter retention, deleting finished tasks from the queues, the
//! operator alerts' check, queueing snapshots left unprocessed, and planning the live
//! following of the matches about to start.

use jobs::catalogue::{Job, Maintenance, MaintenanceTask};
use jobs::dead_letters;
use jobs::{Envelope, Handle, Handled, JobFailure, QueueClient};
use tokio::time::Instant;

use super::Cx;
use crate::clock::Clock;
use crate::notify::BotApi;
use crate::notify::ops::{self, OpsAlertError, OpsChat};
use crate::runtime::Runtime;
use crate::settings::{LiveSettings, OpsAlertSettings};

/// Dead letters kept at most, and for at most this many days.
pub const DEAD_LETTER_MAX_COUNT: u64 = 10_000;
pub const DEAD_LETTER_MAX_AGE_DAYS: i64 = 30;

/// What maintenance uses besides the database.
struct Deps<'a> {
    /// The queues to vacuum, and the stats the operator alerts read.
    queues: &'a QueueClient,
    /// The operator alerts' bot and chat, when configured, and their thresholds.
    telegram: Option<&'a BotApi>,
    ops_chat: Option<i64>,
    ops_alerts: &'a OpsAlertSettings,
    /// The live following's settings, and the clock kickoffs are judged by.
    live: &'a LiveSettings,
    clock: &'a Clock,
}

impl Handle<Runtime> for Maintenance {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        let deps = Deps {
            queues: &rt.queues,
            telegram: rt.telegram.as_ref(),
            ops_chat: rt.ops_chat,
            ops_alerts: &rt.ops_alerts,
            live: &rt.scrape.live,
            clock: &rt.clock,
        };
        Box::pin(run(Cx::new(rt, envelope, deps), self))
    }
}

async fn run(cx: Cx<'_, Deps<'_>>, job: Maintenance) -> Result<(), JobFailure> {
    match job.task {
        MaintenanceTask::DeadLetterRetention => {
            let removed = dead_letters::enforce_retention(
                cx.db,
                DEAD_LETTER_MAX_COUNT,
                chrono::Duration::days(DEAD_LETTER_MAX_AGE_DAYS),
            )
            .await?;
            tracing::info!(removed, "dead-letter retention applied");
            Ok(())
        }
        MaintenanceTask::OpsAlerts => ops_alerts(&cx).await,
        MaintenanceTask::VacuumQueue => vacuum_queues(&cx).await,
        MaintenanceTask::ProcessPending => {
            let queued = super::process_snapshot::queue_pending(&cx).await?;
            tracing::info!(queued, "unprocessed snapshots queued");
            Ok(())
        }
        MaintenanceTask::PlanLiveFollows => plan_live_follows(&cx).await,
    }
}

/// How far ahead kickoffs are planned: well inside the idempotency window that keeps
/// each match's plan once.
const PLAN_AHEAD: chrono::TimeDelta = chrono::TimeDelta::hours(12);
/// How long after its kickoff a match not yet followed still is (a live id set late).
const PLAN_BEHIND: chrono::TimeDelta = chrono::TimeDelta::hours(3);

async fn plan_live_follows(cx: &Cx<'_, Deps<'_>>) -> Result<(), JobFailure> {
    use entities::enums::MatchStatus;
    use entities::matches;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let now = cx.deps.clock.now();
    let soon = matches::Entity::find()
        .filter(matches::Column::Status.is_in([MatchStatus::Scheduled, MatchStatus::Live]))
        .filter(matches::Column::KickoffAt.between(now - PLAN_BEHIND, now + PLAN_AHEAD))
        .all(cx.db)
        .await?;
    let mut planned = 0;
    for m in &soon {
        if super::plan_follow(cx.deps.queues, cx.deps.clock, cx.deps.live, m).await? {
            planned += 1;
        }
    }
    tracing::info!(candidates = soon.len(), planned, "live following planned");
    Ok(())
}

/// Deletes finished jobs' leftovers from every queue, on either backend. The embedded
/// queue deletes a bounded chunk per pass (its writer is shared): passes repeat until
/// one finds nothing, or until half the job's time is spent (the next run goes on).
async fn vacuum_queues(cx: &Cx<'_, Deps<'_>>) -> Result<(), JobFailure> {
    let limit =
        cx.envelope.timeout_ms.map(std::time::Duration::from_millis).unwrap_or(Maintenance::POLICY.timeout);
    let deadline = Instant::now() + limit / 2;
    let mut removed = 0u64;
    for queue in jobs::queues::ALL {
        loop {
            let n = cx.deps.queues.vacuum(queue).await?;
            removed += n;
            if n == 0 || Instant::now() >= deadline {
                break;
            }
        }
    }
    let markers = crate::runtime::fence::prune(cx.db).await?;
    tracing::info!(removed, markers, "finished jobs vacuumed");
    Ok(())
}

/// Without a bot or an ops chat the incidents are only logged (and still tracked, so
/// each is logged once).
async fn ops_alerts(cx: &Cx<'_, Deps<'_>>) -> Result<(), JobFailure> {
    let Deps { queues, telegram, ops_chat, ops_alerts, .. } = &cx.deps;
    // Alert deliveries whose run died mid-send become uncertain here, before the check
    // that reports uncertain deliveries, so operators hear of them within minutes.
    jobs::alert_deliveries::expire_stale(cx.db, queues).await?;
    let chat = match (telegram, ops_chat) {
        (Some(api), Some(chat_id)) => Some(OpsChat { api, chat_id: *chat_id }),
        _ => None,
    };
    let limit =
        cx.envelope.timeout_ms.map(std::time::Duration::from_millis).unwrap_or(Maintenance::POLICY.timeout);
    let deadline = Instant::now() + limit / 2;
    let outcome =
        ops::check(cx.db, queues, ops_alerts, chat.as_ref(), deadline).await.map_err(|e| match e {
            OpsAlertError::Delivery(crate::notify::DeliveryError::Api(api)) => match api.disposition() {
                crate::notify::Disposition::Retry(_) => JobFailure::from(api),
                _ => JobFailure::permanent(api).context("the ops chat refused the alert"),
            },
            other => JobFailure::transient(other),
        })?;
    tracing::info!(
        open = outcome.open.len(),
        opened = outcome.opened.len(),
        resolved = outcome.resolved.len(),
        "operator alerts checked"
    );
    Ok(())
}
