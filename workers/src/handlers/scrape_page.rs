//! `scrape_page`: one page of a scraped source, stored as a snapshot and processed.

use jobs::Envelope;
use jobs::JobFailure;
use jobs::catalogue::ScrapePage;

use super::snapshot::fetch_and_store;
use crate::process::pages::SourceKey;
use crate::runtime::Runtime;

pub async fn run(rt: &Runtime, envelope: &Envelope, job: &ScrapePage) -> Result<(), JobFailure> {
    if SourceKey::parse(&job.source).is_none() {
        return Err(JobFailure::permanent(format!(
            "source `{}` is not site:page[:league:season]",
            job.source
        )));
    }
    fetch_and_store(rt, envelope, &job.source, &job.url).await
}
