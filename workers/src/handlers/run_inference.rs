//! `run_inference`: forecasts with the active model version, and the alerts of the value
//! bets they find. The numeric work runs on a blocking thread, never on the async
//! workers.

use jobs::catalogue::{NotifyValueBet, RunInference};
use jobs::{EnqueueOptions, Envelope, Handle, Handled, JobFailure};

use super::Cx;
use crate::inference;
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
}

impl Handle<Runtime> for RunInference {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        let deps = Deps { predict: &rt.predict, models: &rt.models, llm: rt.llm.as_ref(), notify: rt.notify };
        Box::pin(run(Cx::new(rt, envelope, deps), self))
    }
}

async fn run(cx: Cx<'_, Deps<'_>>, job: RunInference) -> Result<(), JobFailure> {
    let Deps { predict, models, llm, notify } = cx.deps;
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
