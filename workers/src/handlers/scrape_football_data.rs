//! `scrape_football_data`: fetch one football-data.co.uk season file, store it as a
//! snapshot, and enqueue its processing. An unchanged file (same content hash as the
//! last snapshot of the URL) is not processed again.

use jobs::catalogue::ScrapeFootballData;
use jobs::{Envelope, Handle, Handled, JobFailure};

use super::Cx;
use super::snapshot::{Fetching, fetch_and_store};
use crate::runtime::Runtime;

/// The snapshots' source name of football-data.co.uk files.
pub const SOURCE: &str = "football-data";

impl Handle<Runtime> for ScrapeFootballData {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        Box::pin(run(Cx::new(rt, envelope, Fetching::of(rt)), self))
    }
}

async fn run(cx: Cx<'_, Fetching<'_>>, job: ScrapeFootballData) -> Result<(), JobFailure> {
    let base = cx.deps.scrape.football_data_url.trim_end_matches('/');
    let url = format!("{base}/{}/{}.csv", job.season, job.league);
    fetch_and_store(&cx, SOURCE, SOURCE, &url).await
}
