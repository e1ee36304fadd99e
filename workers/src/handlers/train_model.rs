//! `train_model`: retrains the deployment's model on every finished match, registers the
//! new version and activates it. Training runs on a blocking thread that stops when the
//! job's time limit drops it.

use chrono::Utc;
use jobs::catalogue::TrainModel;
use jobs::{Envelope, Handle, Handled, JobFailure};

use super::Cx;
use crate::history::{self, HistoryFilter};
use crate::registry;
use crate::runtime::Runtime;
use crate::settings::PredictSettings;
use crate::training::{TrainOptions, train};

impl Handle<Runtime> for TrainModel {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        // The model this deployment trains and its search settings.
        Box::pin(run(Cx::new(rt, envelope, &rt.predict), self))
    }
}

async fn run(cx: Cx<'_, &PredictSettings>, job: TrainModel) -> Result<(), JobFailure> {
    let predict = cx.deps;
    if job.model.as_deref().is_some_and(|m| m != predict.model_name) {
        return Err(JobFailure::permanent(format!(
            "unknown model `{}` (this deployment trains `{}`)",
            job.model.as_deref().unwrap_or_default(),
            predict.model_name
        )));
    }
    let rows = history::load(cx.db, &HistoryFilter::default()).await?;
    let opts = TrainOptions {
        leagues: Vec::new(),
        as_of: Utc::now().date_naive(),
        search: true,
        trials: crate::training::search::TRIALS,
        rule: crate::backtest::rule::RuleSearch::from_settings(predict),
        validation_seasons: predict.validation_seasons,
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
    let version = registry::register(cx.db, &predict.model_name, &trained.model, trained.metrics, true)
        .await
        .map_err(JobFailure::transient)?;
    tracing::info!(%version, "model trained and activated");
    Ok(())
}
