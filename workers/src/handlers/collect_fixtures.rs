//! `collect_fixtures`: fan-out, one `scrape_page` job per configured source page and
//! league.

use chrono::Utc;
use jobs::catalogue::{CollectFixtures, ScrapePage};
use jobs::{EnqueueOptions, Envelope, Handle, Handled, JobFailure};

use super::Cx;
use crate::runtime::Runtime;
use crate::scrape::targets::{season_of, targets};
use crate::settings::ScrapeSettings;

impl Handle<Runtime> for CollectFixtures {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        // The configured sources and leagues.
        Box::pin(run(Cx::new(rt, envelope, &rt.scrape), self))
    }
}

/// `collect_fixtures`: one `scrape_page` per configured source page and league. A
/// misconfigured source fails permanently: retrying would not mend the config.
async fn run(cx: Cx<'_, &ScrapeSettings>, job: CollectFixtures) -> Result<(), JobFailure> {
    let date = job.date.unwrap_or_else(|| Utc::now().date_naive());
    let season = job.season.clone().unwrap_or_else(|| season_of(date));
    let leagues = if job.leagues.is_empty() { cx.deps.leagues.clone() } else { job.leagues.clone() };
    let pages = targets(&cx.deps.sources, &job.sources, &leagues, &season, date)
        .map_err(|e| JobFailure::permanent(e.to_string()))?;
    if pages.is_empty() {
        tracing::warn!(?leagues, sources = ?job.sources, "no fixture source covers these leagues");
    }
    for t in pages {
        cx.enqueue_child(ScrapePage { source: t.source, url: t.url }, &EnqueueOptions::default()).await?;
    }
    Ok(())
}
