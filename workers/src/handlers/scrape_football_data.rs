//! `scrape_football_data`: fetch one football-data.co.uk season file, store it as a
//! snapshot, and enqueue its processing. An unchanged file (same content hash as the
//! last snapshot of the URL) is not processed again.

use jobs::Envelope;
use jobs::JobFailure;
use jobs::catalogue::ScrapeFootballData;

use super::snapshot::fetch_and_store;
use crate::runtime::Runtime;

/// The snapshots' source name of football-data.co.uk files.
pub const SOURCE: &str = "football-data";

pub async fn run(rt: &Runtime, envelope: &Envelope, job: &ScrapeFootballData) -> Result<(), JobFailure> {
    let url =
        format!("{}/{}/{}.csv", rt.scrape.football_data_url.trim_end_matches('/'), job.season, job.league);
    fetch_and_store(rt, envelope, SOURCE, &url).await
}
