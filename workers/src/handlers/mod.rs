//! One handler per job kind; `dispatch` maps an envelope to its handler.

mod collect;
mod inference;
mod maintenance;
mod notify;
mod probe;
mod process;
mod scrape;

use jobs::{AnyJob, Envelope};

use crate::runtime::{JobFailure, Runtime};

pub use collect::season_code;
pub use probe::probe_log_key;

/// Runs the handler of the envelope's kind.
pub async fn dispatch(rt: &Runtime, envelope: &Envelope) -> Result<(), JobFailure> {
    let job = envelope.job().map_err(JobFailure::permanent)?;
    match job {
        AnyJob::Probe(p) => probe::run(rt, envelope, &p).await,
        AnyJob::Maintenance(m) => maintenance::run(rt, envelope, &m).await,
        AnyJob::CollectResults(c) => collect::run(rt, envelope, &c).await,
        AnyJob::CollectFixtures(c) => collect::fixtures(rt, envelope, &c).await,
        AnyJob::ScrapeFootballData(s) => scrape::run(rt, envelope, &s).await,
        AnyJob::ScrapePage(s) => scrape::page(rt, envelope, &s).await,
        AnyJob::ScrapeBetfair(s) => scrape::betfair(rt, envelope, &s).await,
        AnyJob::ProcessSnapshot(p) => process::run(rt, &p).await,
        AnyJob::RunInference(j) => inference::run(rt, envelope, &j).await,
        AnyJob::SettleBets(_) => inference::settle(rt).await,
        AnyJob::TrainModel(j) => inference::retrain(rt, &j).await,
        AnyJob::NotifyValueBet(j) => notify::value_bet(rt, envelope, &j).await,
    }
}
