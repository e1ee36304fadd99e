//! One handler per job kind, each in the file named for the kind (`snapshot` holds what
//! the scrape kinds share); `dispatch` maps an envelope to its handler.

mod collect_fixtures;
mod collect_results;
mod maintenance;
mod notify_value_bet;
mod probe;
mod process_snapshot;
mod run_inference;
mod scrape_betfair;
mod scrape_football_data;
mod scrape_page;
mod settle_bets;
mod snapshot;
mod train_model;

use jobs::{AnyJob, Envelope, JobFailure};

use crate::runtime::Runtime;

pub use collect_results::season_code;
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
        AnyJob::CollectResults(c) => Box::pin(collect_results::run(rt, envelope, &c)).await,
        AnyJob::CollectFixtures(c) => Box::pin(collect_fixtures::run(rt, envelope, &c)).await,
        AnyJob::ScrapeFootballData(s) => Box::pin(scrape_football_data::run(rt, envelope, &s)).await,
        AnyJob::ScrapePage(s) => Box::pin(scrape_page::run(rt, envelope, &s)).await,
        AnyJob::ScrapeBetfair(s) => Box::pin(scrape_betfair::run(rt, envelope, &s)).await,
        AnyJob::ProcessSnapshot(p) => Box::pin(process_snapshot::run(rt, &p)).await,
        AnyJob::RunInference(j) => Box::pin(run_inference::run(rt, envelope, &j)).await,
        AnyJob::SettleBets(_) => Box::pin(settle_bets::run(rt)).await,
        AnyJob::TrainModel(j) => Box::pin(train_model::run(rt, &j)).await,
        AnyJob::NotifyValueBet(j) => Box::pin(notify_value_bet::run(rt, envelope, &j)).await,
    }
}
