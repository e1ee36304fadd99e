//! `run_inference`: forecasts with the active model version, and the alerts of the value
//! bets they find. The numeric work runs on a blocking thread, never on the async
//! workers.

use jobs::JobFailure;
use jobs::catalogue::{NotifyValueBet, RunInference};
use jobs::{AnyJob, EnqueueOptions, Envelope};

use crate::inference;
use crate::runtime::Runtime;

pub async fn run(rt: &Runtime, envelope: &Envelope, job: &RunInference) -> Result<(), JobFailure> {
    let name = rt.predict.model_name.clone();
    let loaded = rt.models.active(&rt.db, &name).await?;
    let summary = match inference::run(&rt.db, &loaded, &rt.predict, rt.llm.as_ref(), &job.match_ids).await {
        Ok(s) => s,
        Err(e) => {
            // A version that fails to predict is not served again by this worker; the
            // retry falls back to the newest version that loads.
            rt.models.reject(loaded.id).await;
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
    if rt.notify {
        // Every pending bet, not only new ones: an attempt that stored bets and then
        // failed before queueing their alerts must not lose them on its retry.
        for id in summary.pending_value_bets {
            let next =
                Envelope::new(&AnyJob::NotifyValueBet(NotifyValueBet { value_bet_id: id, chat_id: None }))
                    .child_of(envelope);
            // The key queues each bet's alert once; the delivery ledger covers alerts
            // queued again after it expires.
            let opts = EnqueueOptions { idempotency_key: Some(format!("notify:{id}")), ..Default::default() };
            rt.queues.enqueue(&next, &opts).await?;
        }
    }
    Ok(())
}
