//! `train_model`: retrains the deployment's model on every finished match, registers the
//! new version and activates it. Training runs on a blocking thread that stops when the
//! job's time limit drops it.

use chrono::Utc;
use jobs::JobFailure;
use jobs::catalogue::TrainModel;

use crate::history::{self, HistoryFilter};
use crate::registry;
use crate::runtime::Runtime;
use crate::training::{TrainOptions, train};

pub async fn run(rt: &Runtime, job: &TrainModel) -> Result<(), JobFailure> {
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
