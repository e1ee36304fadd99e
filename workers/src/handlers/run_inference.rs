//! `run_inference`: forecasts with the active model version, and the alerts of the value
//! bets they find. The numeric work runs on a blocking thread, never on the async
//! workers.

use entities::value_bets;
use jobs::catalogue::{NotifyValueBet, RunInference};
use jobs::{EnqueueOptions, Envelope, Handle, Handled, JobFailure, QueueClient};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::Cx;
use crate::events::{prediction_event, value_bet_event};
use crate::inference::{self, InferenceSummary};
use crate::llm::LlmClient;
use crate::registry::ModelCache;
use crate::runtime::Runtime;
use crate::settings::PredictSettings;

/// What inference uses besides the database.
struct Deps<'a> {
    predict: &'a PredictSettings,
    models: &'a ModelCache,
    llm: Option<&'a LlmClient>,
    /// Whether new value bets get a notify job (a Telegram bot is configured).
    notify: bool,
    /// Where the forecast claims are (see `process_snapshot`).
    claims: &'a QueueClient,
}

impl Handle<Runtime> for RunInference {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        let deps = Deps {
            predict: &rt.predict,
            models: &rt.models,
            llm: rt.llm.as_ref(),
            notify: rt.notify,
            claims: &rt.queues,
        };
        Box::pin(run(Cx::new(rt, envelope, deps), self))
    }
}

/// The shared-state key claimed while a forecast of the match waits to start (see
/// `process_snapshot`).
pub(super) fn reinfer_key(match_id: i64) -> String {
    format!("reinfer:{match_id}")
}

async fn run(cx: Cx<'_, Deps<'_>>, job: RunInference) -> Result<(), JobFailure> {
    let Deps { predict, models, llm, notify, claims } = cx.deps;
    // From here on this run reads the matches' data: a change processed after this point
    // must queue a forecast of its own.
    for id in &job.match_ids {
        if let Err(e) = claims.release(&reinfer_key(*id)).await {
            tracing::warn!(error = %e, match_id = id, "forecast claim not released; it expires by itself");
        }
    }
    let loaded = models.active(cx.db, &predict.model_name).await?;
    let summary = match inference::run(cx.db, &loaded, predict, llm, &job.match_ids).await {
        Ok(s) => s,
        Err(e) => {
            // A version that fails to predict is not served again by this worker; the
            // retry falls back to the newest version that loads.
            models.reject(loaded.id).await;
            return Err(JobFailure::transient(e));
        }
    };
    tracing::info!(
        version = %loaded.version,
        matches = summary.matches,
        predictions = summary.predictions,
        value_bets = summary.new_value_bets.len(),
        pending_value_bets = summary.pending_value_bets.len(),
        "inference done"
    );
    publish(&cx, &summary).await;
    if notify {
        // Every pending bet, not only new ones: an attempt that stored bets and then
        // failed before queueing their alerts must not lose them on its retry.
        for id in summary.pending_value_bets {
            // The key queues each bet's alert once; the delivery ledger covers alerts
            // queued again after it expires.
            let opts = EnqueueOptions { idempotency_key: Some(format!("notify:{id}")), ..Default::default() };
            cx.enqueue_child(NotifyValueBet { value_bet_id: id, chat_id: None }, &opts).await?;
        }
    }
    Ok(())
}

/// Publishes `prediction:new` for every forecast and `value_bet:alert` for every new value
/// bet (to live clients and webhooks); a retry, for every pending one.
async fn publish(cx: &Cx<'_, Deps<'_>>, summary: &InferenceSummary) {
    let mut messages: Vec<_> = summary.forecasts.iter().map(prediction_event).collect();
    // A retry also tells the bets its failed attempt stored: they are pending, not new.
    let bets = if cx.envelope.attempt > 1 { &summary.pending_value_bets } else { &summary.new_value_bets };
    if !bets.is_empty() {
        let ids = bets.iter().copied();
        match value_bets::Entity::find().filter(value_bets::Column::Id.is_in(ids)).all(cx.db).await {
            Ok(bets) => messages
                .extend(bets.iter().map(|b| {
                    value_bet_event(b, summary.forecasts.iter().find(|f| f.match_id == b.match_id))
                })),
            Err(e) => tracing::warn!(error = %e, "value-bet events not published"),
        }
    }
    cx.publish(messages).await;
}
