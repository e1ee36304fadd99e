//! `collect_fixtures`: fan-out, one `scrape_page` job per configured source page and
//! league.

use chrono::Utc;
use jobs::EnqueueOptions;
use jobs::JobFailure;
use jobs::catalogue::{CollectFixtures, ScrapePage};
use jobs::{AnyJob, Envelope};

use crate::runtime::Runtime;
use crate::scrape::targets::{season_of, targets};

/// `collect_fixtures`: one `scrape_page` per configured source page and league. A
/// misconfigured source fails permanently: retrying would not mend the config.
pub async fn run(rt: &Runtime, envelope: &Envelope, job: &CollectFixtures) -> Result<(), JobFailure> {
    let date = job.date.unwrap_or_else(|| Utc::now().date_naive());
    let season = job.season.clone().unwrap_or_else(|| season_of(date));
    let leagues = if job.leagues.is_empty() { rt.scrape.leagues.clone() } else { job.leagues.clone() };
    let pages = targets(&rt.scrape.sources, &job.sources, &leagues, &season, date)
        .map_err(|e| JobFailure::permanent(e.to_string()))?;
    if pages.is_empty() {
        tracing::warn!(?leagues, sources = ?job.sources, "no fixture source covers these leagues");
    }
    for t in pages {
        let child = Envelope::new(&AnyJob::ScrapePage(ScrapePage { source: t.source, url: t.url }))
            .child_of(envelope);
        rt.queues.enqueue(&child, &EnqueueOptions::default()).await?;
    }
    Ok(())
}
