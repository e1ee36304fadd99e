//! One handler per job kind, each in the file named for the kind (`snapshot` holds what
//! the scrape kinds share): an `impl Handle<Runtime>` that picks the kind's dependencies
//! from the runtime into its context ([`Cx`]); `dispatch` runs an envelope's handler.

mod collect_fixtures;
mod collect_results;
mod context;
mod deliver_webhook;
mod follow_match;
mod maintenance;
mod notify_value_bet;
mod probe;
mod process_snapshot;
mod prune_snapshots;
mod run_inference;
mod scrape_betfair;
mod scrape_football_data;
mod scrape_page;
mod settle_bets;
mod snapshot;
mod train_model;

pub use collect_results::season_code;
pub use context::Cx;
pub use follow_match::plan as plan_follow;
pub use probe::probe_log_key;

use jobs::{Envelope, JobFailure};

use crate::runtime::Runtime;

/// Runs the handler of the envelope's kind: each kind's `Handle` impl lives in the file
/// named for the kind, and a kind without one does not compile here.
pub async fn dispatch(rt: &Runtime, envelope: &Envelope) -> Result<(), JobFailure> {
    envelope.job().map_err(JobFailure::permanent)?.handle(rt, envelope).await
}
