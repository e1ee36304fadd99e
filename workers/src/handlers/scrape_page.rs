//! `scrape_page`: one page of a scraped source, stored as a snapshot and processed; a
//! source configured with `render = "browser"` is fetched in headless Chromium.

use jobs::catalogue::ScrapePage;
use jobs::{Envelope, Handle, Handled, JobFailure};
use sources::SourceKey;

use super::Cx;
use super::snapshot::{Fetching, fetch_and_store};
use crate::runtime::Runtime;

impl Handle<Runtime> for ScrapePage {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        Box::pin(run(Cx::new(rt, envelope, Fetching::of(rt)), self))
    }
}

async fn run(cx: Cx<'_, Fetching<'_>>, job: ScrapePage) -> Result<(), JobFailure> {
    let Some(key) = SourceKey::parse(&job.source) else {
        return Err(JobFailure::permanent(format!(
            "source `{}` is not site:page[:league:season]",
            job.source
        )));
    };
    fetch_and_store(&cx, &key.site, &job.source, &job.url).await
}
