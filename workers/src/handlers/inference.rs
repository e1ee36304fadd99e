//! `run_inference`, `settle_bets` and `train_model`: forecasts with the active model
//! version, settlement of value bets, and retraining. Numeric work runs on a blocking
//! thread, never on the async workers.

use chrono::Utc;
use jobs::catalogue::{NotifyValueBet, RunInference, TrainModel};
use jobs::{AnyJob, EnqueueOptions, Envelope};

use crate::history::{self, HistoryFilter};
use jobs::JobFailure;

use crate::runtime::Runtime;
use crate::training::{TrainOptions, train};
use crate::{inference, registry};

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

pub async fn settle(rt: &Runtime) -> Result<(), JobFailure> {
    let s = inference::settle(&rt.db).await?;
    tracing::info!(won = s.won, lost = s.lost, void = s.void, "value bets settled");
    Ok(())
}

pub async fn retrain(rt: &Runtime, job: &TrainModel) -> Result<(), JobFailure> {
    if job.model.as_deref().is_some_and(|m| m != rt.predict.model_name) {
        return Err(JobFailure::permanent(format!(
            "unknown model `{}` (this deployment trains `{}`)",
            job.model.as_deref().unwrap_or_default(),
            rt.predict.model_name
        )));
    }
    let rows = history::load(&rt.db, &HistoryFilter::default()).await?;
    let opts = TrainOptions {
        leagues: Vec::new(),
        as_of: Utc::now().date_naive(),
        search: true,
        trials: crate::training::search::TRIALS,
        rule: crate::backtest::rule::RuleSearch::from_settings(&rt.predict),
        validation_seasons: rt.predict.validation_seasons,
        cancel: Default::default(),
    };
    // The job's time limit drops this future, and with it the guard: the training
    // thread then stops at its next trial instead of running on unowned.
    let _stop_when_dropped = opts.cancel.on_drop();
    let trained = tokio::task::spawn_blocking(move || train(&rows, &opts))
        .await
        .map_err(|e| JobFailure::transient(e).context("training thread"))?
        .map_err(JobFailure::permanent)?;
    // Transient whatever the registry says: registering only writes the database, and a
    // retry trains and writes again.
    let version = registry::register(&rt.db, &rt.predict.model_name, &trained.model, trained.metrics, true)
        .await
        .map_err(JobFailure::transient)?;
    tracing::info!(%version, "model trained and activated");
    Ok(())
}
