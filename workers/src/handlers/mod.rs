//! One handler per job kind; `dispatch` maps an envelope to its handler.

mod collect;
mod inference;
mod maintenance;
mod notify;
mod probe;
mod process;
mod scrape;

use jobs::{AnyJob, Envelope};

use jobs::JobFailure;

use crate::runtime::Runtime;

pub use collect::season_code;
pub use probe::probe_log_key;

/// Runs the handler of the envelope's kind.
///
/// Each handler's future is boxed: a `match` over inline futures is as large as the
/// largest handler's (about 16 KB), and every job in flight would hold that much
/// however small its own handler is.
pub async fn dispatch(rt: &Runtime, envelope: &Envelope) -> Result<(), JobFailure> {
    let job = envelope.job().map_err(JobFailure::permanent)?;
    match job {
        AnyJob::Probe(p) => Box::pin(probe::run(rt, envelope, &p)).await,
        AnyJob::Maintenance(m) => Box::pin(maintenance::run(rt, envelope, &m)).await,
        AnyJob::CollectResults(c) => Box::pin(collect::run(rt, envelope, &c)).await,
        AnyJob::CollectFixtures(c) => Box::pin(collect::fixtures(rt, envelope, &c)).await,
        AnyJob::ScrapeFootballData(s) => Box::pin(scrape::run(rt, envelope, &s)).await,
        AnyJob::ScrapePage(s) => Box::pin(scrape::page(rt, envelope, &s)).await,
        AnyJob::ScrapeBetfair(s) => Box::pin(scrape::betfair(rt, envelope, &s)).await,
        AnyJob::ProcessSnapshot(p) => Box::pin(process::run(rt, &p)).await,
        AnyJob::RunInference(j) => Box::pin(inference::run(rt, envelope, &j)).await,
        AnyJob::SettleBets(_) => Box::pin(inference::settle(rt)).await,
        AnyJob::TrainModel(j) => Box::pin(inference::retrain(rt, &j)).await,
        AnyJob::NotifyValueBet(j) => Box::pin(notify::value_bet(rt, envelope, &j)).await,
    }
}
